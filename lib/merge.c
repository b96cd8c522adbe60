#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "merge.h"
#include "mime.h"
#include "oplog.h"
#include "record.h"
#include "util.h"

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
	if (!read_blob(&data, repo, oid) && !mime_header_get(&v, data.buf, data.len, "X-Dlg-Delivery"))
		rank = !strcmp(v.buf, "sent") ? 3 : !strcmp(v.buf, "failed") ? 2 : 1;
	strbuf_release(&data);
	strbuf_release(&v);
	return rank;
}

/* Both sides changed a file: pick one, the same whichever side is ours. */
static int merge_file(git_oid *out, git_repository *repo, const char *path,
		      const git_tree_entry *a, const git_tree_entry *b, int *relog)
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
		*relog = 1;
		strbuf_release(&ta);
		strbuf_release(&tb);
		strbuf_release(&merged);
		return err;
	}
	if (!strncmp(path, "msgmap/", 7)) {
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
	if (strstr(path, "/cur/")) {
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

static int is_record_dir(const char *path)
{
	return record_dir_is(path);
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

static int merge_dir(git_oid *out, int *empty, git_repository *repo, const char *path,
		     const git_tree *base, const git_tree *ours, const git_tree *theirs);

static int merge_entry(git_treebuilder *tb, git_repository *repo, const char *path,
		       const char *name, const git_tree_entry *b, const git_tree_entry *o,
		       const git_tree_entry *t, int *relog)
{
	const git_tree_entry *take = NULL;
	git_oid oid;
	int err = 0;

	if (same(o, t))
		take = o;
	else if (same(b, o))
		take = t;
	else if (same(b, t))
		take = o;
	if (take || !o || !t) {
		/* One side deleted what the other changed: keep the change. */
		if (!take)
			take = o ? o : t;
		if (take)
			err = git_treebuilder_insert(NULL, tb, name, git_tree_entry_id(take),
						     git_tree_entry_filemode(take));
		return err < 0 ? dlg_error_git(err, path) : 0;
	}
	if (git_tree_entry_type(o) == GIT_OBJECT_TREE || git_tree_entry_type(t) == GIT_OBJECT_TREE) {
		git_tree *bt = NULL, *ot = NULL, *tt = NULL;
		int empty = 0;
		if (git_tree_entry_type(o) != git_tree_entry_type(t)) {
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
			err = merge_dir(&oid, &empty, repo, path, bt, ot, tt);
		git_tree_free(bt);
		git_tree_free(ot);
		git_tree_free(tt);
		if (!err && !empty && (err = git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_TREE)) < 0)
			err = dlg_error_git(err, path);
		return err;
	}
	if ((err = merge_file(&oid, repo, path, o, t, relog)) < 0)
		return err;
	err = git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_BLOB);
	return err < 0 ? dlg_error_git(err, path) : 0;
}

/* After a log union, the record's derived files follow the merged log. */
static int rederive(git_treebuilder *tb, git_repository *repo, const char *path)
{
	const git_tree_entry *e = git_treebuilder_get(tb, "log");
	struct strbuf text = STRBUF_INIT;
	struct derived_file files[RECORD_MAX_DERIVED];
	size_t n;
	int err;
	if (!e)
		return 0;
	if ((err = read_blob(&text, repo, git_tree_entry_id(e))) < 0)
		return err;
	n = record_derive(files, path, text.buf, text.len);
	for (size_t i = 0; i < n && !err; i++) {
		git_oid oid;
		if (!files[i].present) {
			if (git_treebuilder_get(tb, files[i].name))
				err = git_treebuilder_remove(tb, files[i].name);
		} else if (!(err = git_blob_create_from_buffer(&oid, repo, files[i].content.buf,
								 files[i].content.len))) {
			err = git_treebuilder_insert(NULL, tb, files[i].name, &oid, GIT_FILEMODE_BLOB);
		}
		if (err < 0)
			err = dlg_error_git(err, path);
	}
	derived_files_release(files, n);
	strbuf_release(&text);
	return err;
}

static int merge_dir(git_oid *out, int *empty, git_repository *repo, const char *path,
		     const git_tree *base, const git_tree *ours, const git_tree *theirs)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf child = STRBUF_INIT;
	git_treebuilder *tb = NULL;
	int err, relog = 0;

	if ((err = git_treebuilder_new(&tb, repo, NULL)) < 0)
		return dlg_error_git(err, path);
	collect_names(&names, ours);
	collect_names(&names, theirs);
	for (size_t i = 0; i < names.nr && !err; i++) {
		const char *n = names.items[i];
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", path, *path ? "/" : "", n);
		err = merge_entry(tb, repo, child.buf, n, entry(base, n), entry(ours, n),
				  entry(theirs, n), &relog);
	}
	if (!err && relog && is_record_dir(path))
		err = rederive(tb, repo, path);
	*empty = !err && git_treebuilder_entrycount(tb) == 0;
	if (!err && !*empty && (err = git_treebuilder_write(out, tb)) < 0)
		err = dlg_error_git(err, path);
	git_treebuilder_free(tb);
	strlist_clear(&names);
	strbuf_release(&child);
	return err;
}

int merge_trees(git_oid *out, git_repository *repo, const git_tree *base,
		const git_tree *ours, const git_tree *theirs)
{
	int empty = 0;
	int err = merge_dir(out, &empty, repo, "", base, ours, theirs);
	if (!err && empty) {
		git_treebuilder *tb = NULL;
		if ((err = git_treebuilder_new(&tb, repo, NULL)) == 0)
			err = git_treebuilder_write(out, tb);
		git_treebuilder_free(tb);
		if (err < 0)
			err = dlg_error_git(err, "merge");
	}
	return err;
}

static int commit_tree(git_tree **out, git_repository *repo, const git_oid *oid)
{
	git_commit *c = NULL;
	int err = git_commit_lookup(&c, repo, oid);
	if (!err)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	return err;
}

int store_sync(enum sync_result *out, struct dlg_store *s, const char *ref)
{
	{
		int gerr = store_git(s);
		if (gerr < 0)
			return gerr;
	}
	git_object *obj = NULL;
	git_oid ours, theirs, base, tree_oid, merged, parents[2];
	git_tree *bt = NULL, *ot = NULL, *tt = NULL;
	struct strbuf msg = STRBUF_INIT;
	int err, attempts = 0;

	if ((err = git_revparse_single(&obj, s->repo, ref)) < 0)
		return dlg_error(DLG_ENOTFOUND, "no commit '%s' (fetch it first, e.g. git fetch REMOTE main:refs/remotes/REMOTE/main)", ref);
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
	if ((err = store_lock(s)) < 0)
		return err;
retry:
	if ((err = store_tip(&ours, s)) < 0)
		goto out;
	if (git_oid_equal(&ours, &theirs) || git_graph_descendant_of(s->repo, &ours, &theirs) == 1) {
		*out = SYNC_UP_TO_DATE;
		goto out;
	}
	if (git_graph_descendant_of(s->repo, &theirs, &ours) == 1) {
		err = store_branch_cas(s, &theirs, &ours);
		if (err == DLG_EMODIFIED && ++attempts < 100)
			goto retry;
		if (err < 0)
			goto out;
		*out = SYNC_FAST_FORWARD;
		err = store_view_update(s);
		goto out;
	}
	if ((err = git_merge_base(&base, s->repo, &ours, &theirs)) < 0 && err != GIT_ENOTFOUND) {
		err = dlg_error_git(err, "merge base");
		goto out;
	}
	git_tree_free(bt);
	git_tree_free(ot);
	git_tree_free(tt);
	bt = ot = tt = NULL;
	if ((err != GIT_ENOTFOUND && (err = commit_tree(&bt, s->repo, &base)) < 0) ||
	    (err = commit_tree(&ot, s->repo, &ours)) < 0 ||
	    (err = commit_tree(&tt, s->repo, &theirs)) < 0) {
		err = dlg_error_git(err, "read trees");
		goto out;
	}
	if ((err = merge_trees(&tree_oid, s->repo, bt, ot, tt)) < 0)
		goto out;
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
out:
	git_tree_free(bt);
	git_tree_free(ot);
	git_tree_free(tt);
	strbuf_release(&msg);
	store_unlock(s);
	return err;
}
