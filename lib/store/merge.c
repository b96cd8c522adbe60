#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/progress.h"
#include "base/time.h"
#include "git/error.h"
#include "mail/mime.h"
#include "store/merge.h"
#include "store/message.h"
#include "store/oplog.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"
#include "store/users.h"

/* What one merge carries down the tree. */
struct merge_ctx {
	git_repository *repo;
	/* Users the merged logs say were merged into another: their dialogs and
	   identities must end with the user kept (users_fixup). */
	struct strlist merged_users;
	size_t records;      /* dialogs and users both sides changed, merged so far */
};

static int read_blob(struct strbuf *out, git_repository *repo, const git_oid *oid)
{
	git_blob *b = NULL;
	int err = git_blob_lookup(&b, repo, oid);
	if (err < 0)
		return dlg_error_git(err, "read blob");
	strbuf_add(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	git_blob_free(b);
	return 0;
}

static int delivery_rank(git_repository *repo, const git_oid *oid)
{
	struct strbuf data = STRBUF_INIT, v = STRBUF_INIT;
	int rank = 0;
	if (!read_blob(&data, repo, oid) && !message_block_get(&v, data.buf, data.len, "X-Dlg-Delivery"))
		rank = !strcmp(v.buf, "sent") ? 4 : !strcmp(v.buf, "failed") ? 3 :
		       !strcmp(v.buf, "sending") ? 2 : 1;
	strbuf_release(&data);
	strbuf_release(&v);
	return rank;
}

/* Both sides changed a file: pick one, the same whichever side is ours. */
static int merge_file(git_oid *out, git_repository *repo, const char *path,
		      const git_tree_entry *a, const git_tree_entry *b)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (!strcmp(name, "log")) {
		struct strbuf ta = STRBUF_INIT, tb = STRBUF_INIT, merged = STRBUF_INIT;
		int err = read_blob(&ta, repo, git_tree_entry_id(a));
		if (!err)
			err = read_blob(&tb, repo, git_tree_entry_id(b));
		if (!err) {
			oplog_union(&merged, ta.buf, ta.len, tb.buf, tb.len);
			err = git_blob_create_from_buffer(out, repo, merged.buf, merged.len);
			if (err < 0)
				err = dlg_error_git(err, path);
		}
		strbuf_release(&ta);
		strbuf_release(&tb);
		strbuf_release(&merged);
		return err;
	}
	if (layout_is_msgmap(path)) {
		/* Sets of lines, one per message key. */
		struct strbuf ta = STRBUF_INIT, tb = STRBUF_INIT, merged = STRBUF_INIT;
		struct strlist lines = STRLIST_INIT;
		int err = read_blob(&ta, repo, git_tree_entry_id(a));
		if (!err)
			err = read_blob(&tb, repo, git_tree_entry_id(b));
		strbuf_addbuf(&ta, &tb);
		for (char *p = ta.buf; !err && *p;) {
			char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char *line = xstrndup(p, n);
			if (n && !strlist_has(&lines, line))
				strlist_push_nodup(&lines, line);
			else
				free(line);
			p += n + (nl ? 1 : 0);
		}
		strlist_sort(&lines);
		for (size_t i = 0; i < lines.nr; i++)
			strbuf_addf(&merged, "%s\n", lines.items[i]);
		if (!err && (err = git_blob_create_from_buffer(out, repo, merged.buf, merged.len)) < 0)
			err = dlg_error_git(err, path);
		strlist_clear(&lines);
		strbuf_release(&ta);
		strbuf_release(&tb);
		strbuf_release(&merged);
		return err;
	}
	if (layout_is_message(path)) {
		int ra = delivery_rank(repo, git_tree_entry_id(a));
		int rb = delivery_rank(repo, git_tree_entry_id(b));
		if (ra != rb) {
			git_oid_cpy(out, git_tree_entry_id(ra > rb ? a : b));
			return 0;
		}
	}
	git_oid_cpy(out, git_tree_entry_id(git_oid_cmp(git_tree_entry_id(a), git_tree_entry_id(b)) > 0 ? a : b));
	return 0;
}

static const git_tree_entry *entry(const git_tree *t, const char *name)
{
	return t ? git_tree_entry_byname(t, name) : NULL;
}

static int same(const git_tree_entry *a, const git_tree_entry *b)
{
	if (!a || !b)
		return a == b;
	return git_tree_entry_filemode(a) == git_tree_entry_filemode(b) &&
	       git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b));
}

static int both_trees(const git_tree_entry *a, const git_tree_entry *b)
{
	return a && b && git_tree_entry_type(a) == GIT_OBJECT_TREE && git_tree_entry_type(b) == GIT_OBJECT_TREE;
}

static int subtree(git_tree **out, git_repository *repo, const git_tree_entry *e)
{
	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	return git_tree_lookup(out, repo, git_tree_entry_id(e));
}

static void collect_names(struct strlist *names, const git_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < git_tree_entrycount(t); i++) {
		const char *n = git_tree_entry_name(git_tree_entry_byindex(t, i));
		if (!strlist_has(names, n))
			strlist_push(names, n);
	}
}

static int merge_dir(git_oid *out, int *empty, struct merge_ctx *ctx, const char *path,
		     const git_tree *base, const git_tree *ours, const git_tree *theirs);

static int merge_entry(git_treebuilder *tb, struct merge_ctx *ctx, const char *path,
		       const char *name, const git_tree_entry *b, const git_tree_entry *o,
		       const git_tree_entry *t)
{
	git_repository *repo = ctx->repo;
	const git_tree_entry *take = NULL;
	git_oid oid;
	int err = 0;

	int decided = 1;

	/* A deletion is a change like any other: a side that left the
	   path as it was in the base takes the other side's, deletion included. */
	if (same(o, t))
		take = o;
	else if (same(b, o))
		take = t;
	else if (same(b, t))
		take = o;
	else if ((!o || !t) && !both_trees(b, o ? o : t))
		take = o ? o : t; /* deleted on one side, changed on the other: keep the change */
	else
		decided = 0; /* a directory one side deleted is merged entry by entry */
	if (decided) {
		if (take)
			err = git_treebuilder_insert(NULL, tb, name, git_tree_entry_id(take),
						     git_tree_entry_filemode(take));
		return err < 0 ? dlg_error_git(err, path) : 0;
	}
	if (!o || !t || git_tree_entry_type(o) == GIT_OBJECT_TREE || git_tree_entry_type(t) == GIT_OBJECT_TREE) {
		git_tree *bt = NULL, *ot = NULL, *tt = NULL;
		int empty = 0;
		if (o && t && git_tree_entry_type(o) != git_tree_entry_type(t)) {
			/* A file against a directory: the directory holds more. */
			take = git_tree_entry_type(o) == GIT_OBJECT_TREE ? o : t;
			err = git_treebuilder_insert(NULL, tb, name, git_tree_entry_id(take),
						     git_tree_entry_filemode(take));
			return err < 0 ? dlg_error_git(err, path) : 0;
		}
		if ((err = subtree(&bt, repo, b)) < 0 || (err = subtree(&ot, repo, o)) < 0 ||
		    (err = subtree(&tt, repo, t)) < 0)
			err = dlg_error_git(err, path);
		else
			err = merge_dir(&oid, &empty, ctx, path, bt, ot, tt);
		git_tree_free(bt);
		git_tree_free(ot);
		git_tree_free(tt);
		if (!err && !empty && (err = git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_TREE)) < 0)
			err = dlg_error_git(err, path);
		return err;
	}
	if ((err = merge_file(&oid, repo, path, o, t)) < 0)
		return err;
	err = git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_BLOB);
	return err < 0 ? dlg_error_git(err, path) : 0;
}

/* The customer messages in the merged cur/ of a dialog. */
static int count_incoming(long *out, git_treebuilder *tb, git_repository *repo)
{
	const git_tree_entry *e = git_treebuilder_get(tb, "cur");
	git_tree *cur = NULL;
	int err;
	*out = 0;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if ((err = git_tree_lookup(&cur, repo, git_tree_entry_id(e))) < 0)
		return dlg_error_git(err, "read cur");
	for (size_t i = 0; i < git_tree_entrycount(cur); i++)
		*out += message_name_incoming(git_tree_entry_name(git_tree_entry_byindex(cur, i)));
	git_tree_free(cur);
	return 0;
}

/*
 * A record both sides changed: its derived files follow the merged log (and,
 * for a dialog's status, the merged messages), whichever parts each side
 * touched.
 */
static int rederive(git_treebuilder *tb, struct merge_ctx *ctx, const char *path)
{
	const git_tree_entry *e = git_treebuilder_get(tb, "log");
	struct strbuf text = STRBUF_INIT;
	struct derived_file files[RECORD_MAX_DERIVED];
	long incoming = -1;
	size_t n;
	int err;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		return 0;
	if ((err = read_blob(&text, ctx->repo, git_tree_entry_id(e))) < 0)
		return err;
	if (layout_is_dialog(path) && dialog_log_counts_messages(text.buf, text.len) &&
	    (err = count_incoming(&incoming, tb, ctx->repo)) < 0)
		goto out;
	if (layout_is_user(path)) {
		struct oplog log = OPLOG_INIT;
		struct user_state st;
		oplog_parse(&log, text.buf, text.len);
		user_state_replay(&st, &log);
		if (st.merged_into)
			strlist_push(&ctx->merged_users, strrchr(path, '/') + 1);
		user_state_clear(&st);
		oplog_clear(&log);
	}
	n = record_derive(files, path, text.buf, text.len, incoming);
	for (size_t i = 0; i < n && !err; i++) {
		git_oid oid;
		if (!files[i].present) {
			if (git_treebuilder_get(tb, files[i].name))
				err = git_treebuilder_remove(tb, files[i].name);
		} else if (!(err = git_blob_create_from_buffer(&oid, ctx->repo, files[i].content.buf,
								 files[i].content.len))) {
			err = git_treebuilder_insert(NULL, tb, files[i].name, &oid, GIT_FILEMODE_BLOB);
		}
		if (err < 0)
			err = dlg_error_git(err, path);
	}
	derived_files_release(files, n);
out:
	strbuf_release(&text);
	return err;
}

static int merge_dir(git_oid *out, int *empty, struct merge_ctx *ctx, const char *path,
		     const git_tree *base, const git_tree *ours, const git_tree *theirs)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf child = STRBUF_INIT;
	git_treebuilder *tb = NULL;
	int err = 0;

	if ((err = git_treebuilder_new(&tb, ctx->repo, NULL)) < 0)
		return dlg_error_git(err, path);
	collect_names(&names, ours);
	collect_names(&names, theirs);
	for (size_t i = 0; i < names.nr && !err; i++) {
		const char *n = names.items[i];
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", path, *path ? "/" : "", n);
		err = merge_entry(tb, ctx, child.buf, n, entry(base, n), entry(ours, n),
				  entry(theirs, n));
	}
	if (!err && record_dir_is(path)) {
		err = rederive(tb, ctx, path);
		dlg_progress("records", ++ctx->records, 0);
	}
	*empty = !err && git_treebuilder_entrycount(tb) == 0;
	if (!err && !*empty && (err = git_treebuilder_write(out, tb)) < 0)
		err = dlg_error_git(err, path);
	git_treebuilder_free(tb);
	strlist_clear(&names);
	strbuf_release(&child);
	return err;
}

static int follow_fn(struct dlg_tx *tx, void *payload)
{
	return users_merge_follow(tx, payload);
}

/*
 * Users merged into another whose logs both sides changed: what reached them
 * concurrently with the merge joins the user kept.  The operations this adds
 * carry the time and actor of the merge itself, so every clone adds the
 * same lines.
 */
static int users_fixup(git_oid *tree, struct dlg_store *s, struct strlist *uids)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int err = 0;
	strlist_sort(uids);
	for (size_t i = 0; i < uids->nr && !err; i++) {
		struct oplog log = OPLOG_INIT;
		git_tree *t = NULL;
		git_tree_entry *e = NULL;
		const struct op *merged = NULL;
		time_t when = 0;
		if (i && !strcmp(uids->items[i], uids->items[i - 1]))
			continue;
		strbuf_reset(&path);
		strbuf_reset(&text);
		user_dir(&path, uids->items[i]);
		strbuf_addstr(&path, "/log");
		if ((err = git_tree_lookup(&t, s->repo, tree)) < 0 ||
		    (err = git_tree_entry_bypath(&e, t, path.buf)) < 0)
			err = dlg_error_git(err, path.buf);
		else
			err = read_blob(&text, s->repo, git_tree_entry_id(e));
		git_tree_entry_free(e);
		git_tree_free(t);
		oplog_parse(&log, text.buf, text.len);
		for (size_t k = 0; k < log.nr; k++)
			if (!strcmp(log.ops[k].verb, "merged"))
				merged = &log.ops[k];
		if (!err && merged && !time_parse(&when, merged->time))
			err = store_change_tree(tree, s, tree, merged->actor, when, follow_fn,
						uids->items[i]);
		oplog_clear(&log);
	}
	strbuf_release(&path);
	strbuf_release(&text);
	return err;
}

int merge_trees(git_oid *out, struct dlg_store *s, const git_tree *base,
		const git_tree *ours, const git_tree *theirs)
{
	git_repository *repo = s->repo;
	struct merge_ctx ctx = { repo, STRLIST_INIT, 0 };
	int empty = 0;
	int err = merge_dir(out, &empty, &ctx, "", base, ours, theirs);
	if (!err && empty) {
		git_treebuilder *tb = NULL;
		if ((err = git_treebuilder_new(&tb, repo, NULL)) == 0)
			err = git_treebuilder_write(out, tb);
		git_treebuilder_free(tb);
		if (err < 0)
			err = dlg_error_git(err, "merge");
	}
	if (!err && ctx.merged_users.nr)
		err = users_fixup(out, s, &ctx.merged_users);
	strlist_clear(&ctx.merged_users);
	return err;
}
