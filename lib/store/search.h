#ifndef DLG_SEARCH_H
#define DLG_SEARCH_H

#include <sqlite3.h>

#include "store/store.h"
#include "store/summary.h"

/*
 * The search half of the derived index (store/index.c keeps it with the
 * list's rows, in the same file and the same transactions, so both are
 * always at the same commit): an FTS5 table `search` with one row per
 * dialog holding its decoded text, by field, tokenized by store/search-token.h.
 *
 *   id         the dialog id (not searched)
 *   subject    the dialog's subject and its messages' other subjects
 *   sender     names and addresses in From
 *   recipient  names and addresses in To and Cc
 *   body       the messages' text (MIME decoded, HTML as text)
 *   note       the dialog's internal notes
 *   file       names of attached files
 *   user       the user card: name, identities, properties, and its notes
 */
#define SEARCH_COLUMNS "id, subject, sender, recipient, body, note, file, user"
extern const char search_schema[];

/* Makes the tokenizer "dlg" known to db (every connection needs it before
   it touches the table). */
int search_register(sqlite3 *db);

struct search_writer;
int search_writer_open(struct search_writer **out, sqlite3 *db);
void search_writer_close(struct search_writer *w);
/* Writes the row of dialog d, read from the view; d NULL with id: removes it. */
int search_put(struct search_writer *w, struct dlg_store *s, const char *id, const struct dialog_summary *d);

/* The FTS5 rowid of a dialog: its 64 bits. */
sqlite3_int64 search_rowid(const char *id);

#endif
