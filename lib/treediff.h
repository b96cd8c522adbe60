#ifndef DLG_TREEDIFF_H
#define DLG_TREEDIFF_H

#include "gitlib.h"

/*
 * The files that differ between two trees (either may be NULL, the empty
 * tree).  Subtrees with equal ids are never opened, so the cost follows the
 * change, not the store.  fn gets the path and the old and new blob ids
 * (NULL for a file that is absent on that side); a non-zero return stops.
 */
typedef int (*treediff_fn)(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload);
int tree_diff(git_repository *repo, const git_tree *a, const git_tree *b, treediff_fn fn, void *payload);

#endif
