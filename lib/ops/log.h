#ifndef DLG_OPS_LOG_H
#define DLG_OPS_LOG_H

#include <stddef.h>
#include <time.h>

#include "base/strbuf.h"
#include "store/store.h"

/* Who replaced an operation without having seen it (store-format.md,
   "Dialog state", concurrent operations). */
struct dlg_log_override {
	char *actor;            /* NULL: the operation was not overridden */
	char *op;               /* what replaced it, as ops says it: "assign bob" */
	time_t time;
};

/* One commit that changed a dialog, and the operations it wrote in its log. */
struct dlg_log_entry {
	char commit[41];
	char *author;           /* the operator who made it */
	time_t time;
	char *message;          /* the commit message, whole */
	struct strlist ops;     /* "VERB ARG": what its new op-log lines did ("assign bob", "tag +vip") */
	struct dlg_log_override *overridden; /* one for each of ops */
};

/*
 * The history of dialog id (a full id), newest first: every commit of the
 * branch that changed the dialog's directory, as `git log -- DIR` lists
 * them (a merge only when it differs from each of its parents), each with
 * the operations it added to the dialog's op log (store-format.md,
 * "Operation logs") and, for each, who overrode it: the replay of the
 * tip's log that gives the dialog's state says which operations a
 * concurrent one replaced.  DLG_ENOTFOUND when the tip has no such dialog.
 */
int dlg_log(struct dlg_log_entry **out, size_t *n, struct dlg_store *s, const char *id);
void dlg_log_free(struct dlg_log_entry *entries, size_t n);

#endif
