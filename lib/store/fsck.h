#ifndef DLG_FSCK_H
#define DLG_FSCK_H

#include "store/store.h"

/* Compares the view with the tip; reports lines "modified|missing|extra PATH"
   into report; with repair, restores files and moves extras to
   .git/dlg/lost+found.  Returns the number of problems found (>= 0) or < 0. */
int store_fsck(struct strbuf *report, struct dlg_store *s, int repair);

#endif
