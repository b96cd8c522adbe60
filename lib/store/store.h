#ifndef DLG_STORE_H
#define DLG_STORE_H

#include <time.h>

#include "git/gitlib.h"

#include "base/strbuf.h"

#define DLG_BRANCH "refs/heads/main"
#define DLG_FORMAT "dlg store format 1\n"

/*
 * A store: a directory whose .git is a bare repository (the truth) and
 * whose files are the view of the branch's tip.  .git/dlg/ holds what is
 * local and unversioned: the commit the view shows, the writers' lock, a
 * scratch directory for atomic writes.
 */
struct dlg_store {
	char *root;
	char *gitdir;
	char *dlgdir;
	char *tmpdir;
	git_repository *repo;
	int lock_fd;
	int lock_depth;
	char *operator;  /* resolved lazily by store_operator() */
	int operator_from_env;
	/* A front end's hook, called after each change that committed, once
	   the lock is released (dlg starts its automatic gc from here). */
	void (*after_change)(struct dlg_store *s);
};

/* The store directory: explicit (-C), else $DLG_DIR, else the current
   directory or the nearest parent holding a store. */
int store_find(struct strbuf *root, const char *explicit_dir);
/* Opens the repository on first use; functions below call it themselves. */
int store_git(struct dlg_store *s);
int store_init(struct dlg_store **out, const char *dir);
int store_open(struct dlg_store **out, const char *root);
/* What every store dlg makes sets in .git/config: git checks the objects
   it fetches and receives (transfer.fsckObjects and the like). */
int store_git_config(git_repository *repo);
void store_free(struct dlg_store *s);

/* Serializes writers (flock on .git/dlg/lock); nests. */
int store_lock(struct dlg_store *s);
/* The same without waiting: DLG_ELOCKED when another process holds it. */
int store_trylock(struct dlg_store *s);
void store_unlock(struct dlg_store *s);

int store_tip(git_oid *out, struct dlg_store *s);
int store_tip_tree(git_tree **out, struct dlg_store *s);
/* Operator identity: $DLG_OPERATOR, else git's dlg.operator (the store's
   config, or the user's before there is a store); never user.name. */
int store_operator(const char **out, struct dlg_store *s);

/* The operator's address: $DLG_EMAIL, else dlg.email, else user.email when the
   operator is git's user.name, else NAME@dlg.invalid. */
void store_operator_email(struct strbuf *out, struct dlg_store *s);

/* Resolves a unique id prefix (>= 4 hex digits) under dialogs/ or users/. */
int store_resolve(char out[17], struct dlg_store *s, const char *top, const char *prefix);
/* Reads a file of the tip tree. */
int store_read(struct strbuf *out, struct dlg_store *s, const char *path);

/* Low-level commit used by the transaction and by sync: one commit with the
   given tree and parents, then a compare-and-swap of the branch from
   parents[0].  Returns DLG_EMODIFIED when the branch moved. */
int store_commit_tree(git_oid *out, struct dlg_store *s, const git_oid *tree,
		      const git_oid *parents, size_t nparents, const char *message);
/* Its two halves: the commit object (written through repo), and moving the
   branch from old to new only if it is still at old (old NULL: only if there
   is no branch yet).  Every object written before is on disk before the
   branch moves, and the move is before it returns.  DLG_ELOCKED when git's
   lock on the branch stays in place for seconds. */
int store_commit_object(git_oid *out, struct dlg_store *s, git_repository *repo, const git_oid *tree,
			const git_oid *parents, size_t nparents, const char *message);
#endif
