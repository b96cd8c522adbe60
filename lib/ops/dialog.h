#ifndef DLG_OPS_DIALOG_H
#define DLG_OPS_DIALOG_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/record.h"
#include "store/store.h"
#include "store/tx.h"

/*
 * What operators do to dialogs besides writing in them: assign, unassign,
 * close, reopen, tag.  Each takes full dialog ids (store_resolve() turns a
 * prefix into one) and makes one change: one commit, whose message is
 * "VERB ID ..." for one dialog ("assign 3f9a2c1 to bob") and "VERB N
 * dialogs ..." with the ids below for many.  Dialogs the operation leaves as they were are not touched;
 * *changed (when not NULL) counts the others.  An id without a dialog is
 * DLG_ENOTFOUND, and then no dialog changes.
 */
int dlg_assign(size_t *changed, struct dlg_store *s, const struct strlist *ids, const char *operator,
	       unsigned flags);
/* dlg_assign() to a name that is no operator of the store (dlg_assignee_known()). */
#define DLG_ASSIGN_ANY_NAME 1
int dlg_unassign(size_t *changed, struct dlg_store *s, const struct strlist *ids);
int dlg_close(size_t *changed, struct dlg_store *s, const struct strlist *ids);
int dlg_reopen(size_t *changed, struct dlg_store *s, const struct strlist *ids);
/* changes: "+TAG" adds a tag, "-TAG" removes one, in that order; tags are
   compared without case and written lowercase (store-format.md, "Tags"). */
int dlg_tag(size_t *changed, struct dlg_store *s, const struct strlist *ids,
	    const struct strlist *changes);

/* DLG_EINVALID with the reason, else 0: the operations check their input
   with these, and a front end can check before it reads any more. */
int dlg_assignee_check(const char *operator);
/* DLG_ENOTFOUND "no operator 'NAME'" when the store has operators
   (dlg_operator_add()) and the name is none of them: a typo, most likely. */
int dlg_assignee_known(struct dlg_store *s, const char *operator);
int dlg_tag_change_check(const char *change);

/* Dialog id's info file, read in a change (info NULL: only whether there
   is one); DLG_ENOTFOUND "no dialog 'ID'" when there is no such dialog,
   DLG_EINVALID when id is not a full one. */
int dialog_info_require(struct dialog_info *info, struct dlg_tx *tx, const char *id);

#endif
