#ifndef DLG_STORE_H
#define DLG_STORE_H

#include <time.h>

#include "gitlib.h"

#include "strbuf.h"

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
};

/* The store directory: explicit (-C), else $DLG_DIR, else the current
   directory or the nearest parent holding a store. */
int store_find(struct strbuf *root, const char *explicit_dir);
/* Opens the repository on first use; functions below call it themselves. */
int store_git(struct dlg_store *s);
int store_init(struct dlg_store **out, const char *dir);
int store_open(struct dlg_store **out, const char *root);
/* A new store in dir from the store or git URL source (dlg clone): its tip
   is checked before any file is written; on failure nothing is left. */
int store_clone(struct dlg_store **out, const char *source, const char *dir);
/* What every store dlg makes sets in .git/config: git checks the objects
   it fetches and receives (transfer.fsckObjects and the like). */
int store_git_config(git_repository *repo);
void store_free(struct dlg_store *s);

/* Serializes writers (flock on .git/dlg/lock); nests. */
int store_lock(struct dlg_store *s);
void store_unlock(struct dlg_store *s);

int store_tip(git_oid *out, struct dlg_store *s);
/* The branch from git's files in gitdir, without libgit2: the loose ref,
   else packed-refs.  DLG_ENOTFOUND when there is none. */
int branch_read(git_oid *out, const char *gitdir);
int store_tip_tree(git_tree **out, struct dlg_store *s);
/* Brings the view up to the branch tip when they differ. */
int store_view_update(struct dlg_store *s);
/* What a change wrote, path by path, for the view to follow without a diff. */
struct view_edit {
	const char *path;
	const char *data;
	size_t len;
	int remove;
};
/* When the view shows `from`, applies edits and records `to`; otherwise
   (another process moved it) falls back to store_view_update(). */
int store_view_follow(struct dlg_store *s, const git_oid *from, const git_oid *to,
		      const struct view_edit *edits, size_t n);
/* The commit the view shows (DLG_ENOTFOUND when none is recorded). */
int store_view_commit(git_oid *out, struct dlg_store *s);
/* Compares the view with the tip; reports lines "modified|missing|extra PATH"
   into report; with repair, restores files and moves extras to
   .git/dlg/lost+found.  Returns the number of problems found (>= 0) or < 0. */
int store_fsck(struct strbuf *report, struct dlg_store *s, int repair);

/* Operator identity: $DLG_OPERATOR, else dlg.operator, else user.name. */
int store_operator(const char **out, struct dlg_store *s);

/* The operator's address: $DLG_EMAIL, else dlg.email, else user.email when the
   operator is git's user.name, else NAME@dlg.invalid. */
void store_operator_email(struct strbuf *out, struct dlg_store *s);

/* Resolves a unique id prefix (>= 4 hex digits) under dialogs/ or users/. */
int store_resolve(char out[17], struct dlg_store *s, const char *top, const char *prefix);
/* Reads a file of the tip tree. */
int store_read(struct strbuf *out, struct dlg_store *s, const char *path);

/*
 * A change: the callback reads the tip through the transaction and records
 * writes; store_change() turns them into one commit (compare-and-swap on the
 * branch, rebuilt on a lost race) and then updates the view.  A callback that
 * changes nothing makes no commit.
 */
struct dlg_tx;
typedef int (*tx_fn)(struct dlg_tx *tx, void *payload);
/* New objects are kept in memory and written before the branch moves: loose
   for a small change, one packfile for a big one (an import). */
int store_change(struct dlg_store *s, tx_fn fn, void *payload, int *committed);

/* The same change made on the tree base instead of the tip, by actor at
   when, for a merge to complete what it merged: *out is the new tree, its
   objects written; nothing is committed. */
int store_change_tree(git_oid *out, struct dlg_store *s, const git_oid *base, const char *actor,
		      time_t when, tx_fn fn, void *payload);

int tx_read(struct strbuf *out, struct dlg_tx *tx, const char *path);
int tx_write(struct dlg_tx *tx, const char *path, const void *data, size_t len);
int tx_remove(struct dlg_tx *tx, const char *path);
/* Names directly inside dir (files and directories), sorted. */
int tx_list(struct strlist *out, struct dlg_tx *tx, const char *dir);
void tx_message(struct dlg_tx *tx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct dlg_store *tx_store(struct dlg_tx *tx);
const char *tx_operator(struct dlg_tx *tx);
time_t tx_time(struct dlg_tx *tx);

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
int store_branch_cas(struct dlg_store *s, const git_oid *new_oid, const git_oid *old_oid);

#endif
