#ifndef DLG_OPS_OPERATOR_H
#define DLG_OPS_OPERATOR_H

#include "store/store.h"

/*
 * Operators, the names dialogs are assigned to (store/assign.h), changed
 * the way dlg operator changes them: one commit per change, none when
 * nothing changes.  A name is operator_name_valid()'s (store/record.h), or
 * DLG_EINVALID: a front end's "me" is store_operator()'s name, looked up
 * before the call.  Away, back and remove want an operator that was added
 * and not removed since: DLG_ENOTFOUND.
 */

/* Adds the operator, or for one already added changes the address; email
   may be NULL (no address, or the one it has). */
int dlg_operator_add(struct dlg_store *s, const char *name, const char *email);
/* Automatic assignment passes over an operator who is away. */
int dlg_operator_away(struct dlg_store *s, const char *name);
int dlg_operator_back(struct dlg_store *s, const char *name);
/* The dialogs assigned to the operator stay assigned. */
int dlg_operator_remove(struct dlg_store *s, const char *name);

#endif
