#ifndef DLG_ASSIGN_H
#define DLG_ASSIGN_H

#include "store/config.h"
#include "store/store.h"
#include "store/tx.h"

/*
 * Automatic assignment of new dialogs, by the store's configuration:
 * assign.mode (and assign.mode.CHANNEL for one channel) is off,
 * round-robin or least-open, among the operators who are not away.
 *
 * Round-robin takes the operator after the one named in operators/.last
 * (the last automatic choice, versioned, so the order goes on across runs
 * and clones; a merge keeps one side's pointer, which at worst gives one
 * operator a turn twice).  Least-open takes the operator with the fewest
 * open dialogs, counted from the list index when the change starts and
 * kept up to date while it assigns; ties go in name order.
 */
struct auto_assign;

/* NULL in *out when no mode is on: nothing to do. */
int auto_assign_load(struct auto_assign **out, struct dlg_store *s);
void auto_assign_free(struct auto_assign *a);
/* A change starts (again, after a lost race): back to the last committed
   state.  After its commit, auto_assign_committed() makes its choices that
   state.  Both take NULL. */
void auto_assign_begin(struct auto_assign *a);
void auto_assign_committed(struct auto_assign *a);
/* The operator a new dialog on channel gets, or NULL. */
const char *auto_assign_pick(struct auto_assign *a, const char *channel);
/* Writes the round-robin pointer when it moved. */
int auto_assign_finish(struct auto_assign *a, struct dlg_tx *tx);

/* Operators known to the store, sorted, with their state. */
struct operator_info {
	char *name;
	char *email;
	int away;
};
int operators_load(struct operator_info **out, size_t *n, struct dlg_store *s);
void operators_free(struct operator_info *ops, size_t n);
/* Open dialogs assigned to name, from the index: how many, and (ids not
   NULL) which, newest activity first. */
int operator_open_count(size_t *out, struct dlg_store *s, const char *name);
int operator_open_dialogs(struct strlist *ids, struct dlg_store *s, const char *name);

#endif
