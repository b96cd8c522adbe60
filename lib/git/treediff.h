#ifndef DLG_TREEDIFF_H
#define DLG_TREEDIFF_H

#include "git/gitlib.h"

/*
 * The files that differ between two trees (either may be NULL, the empty
 * tree).  Subtrees with equal ids are never opened, so the cost follows the
 * change, not the store.  fn gets the path and the old and new blob ids
 * (NULL for a file that is absent on that side); a non-zero return stops.
 */
typedef int (*treediff_fn)(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload);
int tree_diff(git_repository *repo, const git_tree *a, const git_tree *b, treediff_fn fn, void *payload);

/*
 * The same walk, with entry_fn first called for every entry that differs,
 * directories included (before what they hold), with the entry of each
 * side (NULL where absent): what a check of names and modes needs.  Its
 * return: < 0 stops the walk, TREEDIFF_SKIP leaves the entry out (no file
 * of it reported, no subtree of it opened), 0 goes on.  Either callback
 * may be NULL.
 */
#define TREEDIFF_SKIP 1
typedef int (*treediff_entry_fn)(const char *path, const git_tree_entry *old_entry,
				 const git_tree_entry *new_entry, void *payload);
int tree_diff_entries(git_repository *repo, const git_tree *a, const git_tree *b,
		      treediff_entry_fn entry_fn, treediff_fn fn, void *payload);

/* The tree of a commit (a libgit2 code on failure). */
int tree_of_commit(git_tree **out, git_repository *repo, const git_oid *commit);

#endif
