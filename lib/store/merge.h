#ifndef DLG_MERGE_H
#define DLG_MERGE_H

#include "store/store.h"

/* The tree-level merge itself (lib/store/merge.c), exposed for tests. */
int merge_trees(git_oid *out, struct dlg_store *s, const git_tree *base,
		const git_tree *ours, const git_tree *theirs);

#endif
