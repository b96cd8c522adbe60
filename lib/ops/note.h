#ifndef DLG_OPS_NOTE_H
#define DLG_OPS_NOTE_H

#include "store/store.h"

/* Adds text as an internal note to the dialog (a full id): notes never
   reach the customer.  DLG_ENOTFOUND when there is no such dialog,
   DLG_EINVALID when text is blank (ops/text.h). */
int dlg_note(struct dlg_store *s, const char *dialog, const char *text);

#endif
