#ifndef DLG_STORE_BRANCH_H
#define DLG_STORE_BRANCH_H

#include "git/gitlib.h"
#include "store/store.h"

/* The branch from git's files in gitdir, without libgit2: the loose ref,
   else packed-refs.  DLG_ENOTFOUND when there is none. */
int branch_read(git_oid *out, const char *gitdir);
/* Moves the branch from old to new only if it is still there (store_commit_object
   in store.h says more). */
int store_branch_cas(struct dlg_store *s, const git_oid *new_oid, const git_oid *old_oid);

#endif
