#ifndef DLG_STORE_ARRIVED_H
#define DLG_STORE_ARRIVED_H

#include <stddef.h>

#include "git/gitlib.h"

/*
 * What a sync brought (dlg sync's report), from the difference between
 * main's tree before and after it: new dialogs, new customer messages, and
 * what each operator did, from the lines new in the dialogs' logs, the
 * answers and the notes new in them.
 */
enum arrived_kind {
	ARRIVED_ANSWER,   /* an outgoing message */
	ARRIVED_ASSIGN,   /* arg: to whom */
	ARRIVED_UNASSIGN,
	ARRIVED_CLOSE,
	ARRIVED_REOPEN,
	ARRIVED_TAG,      /* arg: the tag */
	ARRIVED_UNTAG,    /* arg: the tag */
	ARRIVED_NOTE,
};

struct arrived_count {
	char *actor;
	enum arrived_kind kind;
	char *arg;        /* NULL when the kind has none */
	size_t n;
};

struct sync_arrived {
	size_t dialogs;   /* new dialogs */
	size_t messages;  /* new messages from customers */
	struct arrived_count *ops; /* by actor, then kind, then arg */
	size_t nr, alloc;
};
#define SYNC_ARRIVED_INIT { 0, 0, NULL, 0, 0 }

int sync_arrived(struct sync_arrived *out, git_repository *repo, const git_oid *before,
		 const git_oid *after);
void sync_arrived_clear(struct sync_arrived *a);

#endif
