#ifndef DLG_STORE_MSGMAP_H
#define DLG_STORE_MSGMAP_H

#include "base/strbuf.h"
#include "store/tx.h"

/* msgmap/: where each stored message is, by its key (store-format.md). */
/* The entry for key in the text of a msgmap file ("KEY DIALOG FILE" lines):
   0 with the dialog id and file name, or DLG_ENOTFOUND (also for a line
   that does not read as one). */
int msgmap_entry(char dialog[17], struct strbuf *file, const char *map, const char *key);
/* Looks up the msgmap: the dialog id and file name of a stored message. */
int msgmap_lookup(char dialog[17], struct strbuf *file, struct dlg_tx *tx, const char *key);
int msgmap_add(struct dlg_tx *tx, const char *key, const char *dialog, const char *file);

#endif
