/*
 * dlg sync: merging another clone's commit into main (store-format.md,
 * "Merging clones").  The tree is computed by merge_trees(); this file
 * decides what main becomes: nothing, a fast-forward, or a merge commit.
 */
#include <string.h>

#include "base/error.h"
#include "git/error.h"
#include "git/treediff.h"
#include "store/layout.h"
#include "store/branch.h"
#include "store/merge.h"
#include "store/sync.h"
#include "store/view.h"

/* Only a dlg store of our format is merged: any other history's files
   would land in the store. */
int store_check_format(git_repository *repo, const git_oid *commit, const char *ref)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err;

	if ((err = tree_of_commit(&tree, repo, commit)) < 0)
		return dlg_error_git(err, "read tree");
	if (git_tree_entry_bypath(&e, tree, "format") < 0 || git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		err = dlg_error(DLG_EINVALID, "'%s' is not a dlg store (no format file)", ref);
	} else if ((err = git_blob_lookup(&blob, repo, git_tree_entry_id(e))) < 0) {
		err = dlg_error_git(err, "read format");
	} else if ((size_t)git_blob_rawsize(blob) != strlen(DLG_FORMAT) ||
		   memcmp(git_blob_rawcontent(blob), DLG_FORMAT, strlen(DLG_FORMAT))) {
		err = dlg_error(DLG_EINVALID, "'%s' is a dlg store of another format (this dlg reads %.*s)",
				ref, (int)strlen(DLG_FORMAT) - 1, DLG_FORMAT);
	}
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return err;
}

/* Whether every commit reachable from tip but not from other is a merge:
   such commits hold no operator's change of their own. */
static int only_merges(int *out, git_repository *repo, const git_oid *tip, const git_oid *other)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	int err;

	*out = 1;
	if ((err = git_revwalk_new(&walk, repo)) < 0 || (err = git_revwalk_push(walk, tip)) < 0 ||
	    (err = git_revwalk_hide(walk, other)) < 0) {
		git_revwalk_free(walk);
		return dlg_error_git(err, "walk history");
	}
	while (*out && (err = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		if ((err = git_commit_lookup(&c, repo, &oid)) < 0)
			break;
		*out = git_commit_parentcount(c) > 1;
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	return err < 0 && err != GIT_ITEROVER ? dlg_error_git(err, "walk history") : 0;
}

/*
 * When the merged tree equals one side's, a merge commit would record
 * nothing but the meeting itself, and two clones syncing crosswise would
 * each make one forever.  Such a side is taken as it is, provided the
 * commits the other side alone has are merges (no change of anyone's
 * would leave the history); when both qualify, the greater commit id, so
 * both clones end on one commit.
 */
static int pick_side(enum sync_result *out, git_repository *repo, const git_oid *merged,
		     const git_oid *ours, const git_tree *ot, const git_oid *theirs,
		     const git_tree *tt, unsigned flags)
{
	int keep_ours = 0, take_theirs = 0, err;

	*out = SYNC_MERGED;
	if (git_oid_equal(merged, git_tree_id(tt)) &&
	    (err = only_merges(&take_theirs, repo, ours, theirs)) < 0)
		return err;
	if (!(flags & SYNC_CONTAIN_THEIRS) && git_oid_equal(merged, git_tree_id(ot)) &&
	    (err = only_merges(&keep_ours, repo, theirs, ours)) < 0)
		return err;
	if (take_theirs && keep_ours)
		take_theirs = git_oid_cmp(theirs, ours) > 0;
	if (take_theirs)
		*out = SYNC_FAST_FORWARD;
	else if (keep_ours)
		*out = SYNC_UP_TO_DATE;
	return 0;
}

int store_sync(enum sync_result *out, struct dlg_store *s, const char *ref)
{
	return store_sync_flags(out, s, ref, 0);
}

int store_sync_flags(enum sync_result *out, struct dlg_store *s, const char *ref, unsigned flags)
{
	git_object *obj = NULL;
	git_oid ours, theirs, base, tree_oid, merged, parents[2];
	git_tree *bt = NULL, *ot = NULL, *tt = NULL;
	struct strbuf msg = STRBUF_INIT;
	int err, attempts = 0;

	if ((err = store_git(s)) < 0)
		return err;
	if ((err = git_revparse_single(&obj, s->repo, ref)) < 0)
		return dlg_error(DLG_ENOTFOUND, "no commit '%s' (fetch it first, e.g. git fetch REMOTE +main:refs/remotes/REMOTE/main)", ref);
	{
		git_object *peeled = NULL;
		if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
			git_object_free(obj);
			return dlg_error(DLG_EINVALID, "'%s' is not a commit", ref);
		}
		git_oid_cpy(&theirs, git_object_id(peeled));
		git_object_free(peeled);
		git_object_free(obj);
	}
	if ((err = store_check_format(s->repo, &theirs, ref)) < 0)
		return err;
	if ((err = store_lock(s)) < 0)
		return err;
retry:
	if ((err = store_tip(&ours, s)) < 0)
		goto out;
	if (git_oid_equal(&ours, &theirs) || git_graph_descendant_of(s->repo, &ours, &theirs) == 1) {
		*out = SYNC_UP_TO_DATE;
		goto out;
	}
	/* nothing of theirs touches the disk or main before its paths are checked */
	if ((err = tree_check_commits(s->repo, &ours, &theirs, ref)) < 0)
		goto out;
	if (git_graph_descendant_of(s->repo, &theirs, &ours) == 1) {
		*out = SYNC_FAST_FORWARD;
		goto move;
	}
	if ((err = git_merge_base(&base, s->repo, &ours, &theirs)) < 0 && err != GIT_ENOTFOUND) {
		err = dlg_error_git(err, "merge base");
		goto out;
	}
	git_tree_free(bt);
	git_tree_free(ot);
	git_tree_free(tt);
	bt = ot = tt = NULL;
	if ((err != GIT_ENOTFOUND && (err = tree_of_commit(&bt, s->repo, &base)) < 0) ||
	    (err = tree_of_commit(&ot, s->repo, &ours)) < 0 ||
	    (err = tree_of_commit(&tt, s->repo, &theirs)) < 0) {
		err = dlg_error_git(err, "read trees");
		goto out;
	}
	if ((err = merge_trees(&tree_oid, s, bt, ot, tt)) < 0 ||
	    (err = pick_side(out, s->repo, &tree_oid, &ours, ot, &theirs, tt, flags)) < 0)
		goto out;
	if (*out == SYNC_UP_TO_DATE)
		goto out;
	if (*out == SYNC_FAST_FORWARD)
		goto move;
	parents[0] = ours;
	parents[1] = theirs;
	strbuf_reset(&msg);
	strbuf_addf(&msg, "sync: merge %s\n", ref);
	err = store_commit_tree(&merged, s, &tree_oid, parents, 2, msg.buf);
	if (err == DLG_EMODIFIED && ++attempts < 100)
		goto retry;
	if (err < 0)
		goto out;
	*out = SYNC_MERGED;
	err = store_view_update(s);
	goto out;
move:
	err = store_branch_cas(s, &theirs, &ours);
	if (err == DLG_EMODIFIED && ++attempts < 100)
		goto retry;
	if (!err)
		err = store_view_update(s);
out:
	git_tree_free(bt);
	git_tree_free(ot);
	git_tree_free(tt);
	strbuf_release(&msg);
	store_unlock(s);
	return err;
}

int store_mark_last_sync(struct dlg_store *s)
{
	git_reference *ref = NULL;
	git_oid tip;
	int err;

	if ((err = store_git(s)) < 0 || (err = store_tip(&tip, s)) < 0)
		return err;
	if ((err = git_reference_create(&ref, s->repo, SYNC_LAST_REF, &tip, 1, "dlg sync")) < 0)
		return dlg_error_git(err, "record " SYNC_LAST_REF);
	git_reference_free(ref);
	return 0;
}

/* A dialog's directory, dialogs/HH/HH/ID, is where the walk stops. */
static int note_changed_dialog(const char *path, const git_tree_entry *old_entry,
			       const git_tree_entry *new_entry, void *payload)
{
	const char *id;

	(void)old_entry;
	(void)new_entry;
	if (strncmp(path, "dialogs", 7) || (path[7] && path[7] != '/'))
		return TREEDIFF_SKIP;
	if (!path[7] || !(id = strrchr(path, '/')) || id - path != 13)
		return 0; /* dialogs/ or a shard: look inside */
	strlist_push(payload, id + 1);
	return TREEDIFF_SKIP;
}

int store_changed_dialogs(struct strlist *out, struct dlg_store *s, const char *rev)
{
	git_object *obj = NULL, *commit = NULL;
	git_tree *then = NULL, *now = NULL;
	int last = !strcmp(rev, "last-sync"), err;

	if ((err = store_git(s)) < 0)
		return err;
	if (git_revparse_single(&obj, s->repo, last ? SYNC_LAST_REF : rev) < 0)
		return last ? dlg_error(DLG_ENOTFOUND, "no last sync yet (" SYNC_LAST_REF "): run dlg sync first")
			    : dlg_error(DLG_ENOTFOUND, "no commit '%s'", rev);
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		err = dlg_error(DLG_EINVALID, "'%s' is not a commit", rev);
	} else if ((err = tree_of_commit(&then, s->repo, git_object_id(commit))) < 0) {
		err = dlg_error_git(err, "read tree");
	} else if ((err = store_tip_tree(&now, s)) < 0) {
		/* its own error */
	} else if ((err = tree_diff_entries(s->repo, then, now, note_changed_dialog, NULL, out)) < 0) {
		err = dlg_error_git(err, "compare trees");
	} else {
		strlist_sort(out);
	}
	git_tree_free(then);
	git_tree_free(now);
	git_object_free(commit);
	git_object_free(obj);
	return err;
}
