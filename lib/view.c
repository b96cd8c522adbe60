/*
 * The view: the files of the branch tip, kept beside .git so that mail
 * readers and people can use them.  It is updated from the difference
 * between the tree it shows (recorded in .git/dlg/view) and the tip, so an
 * update costs what changed.  Whatever stopped an update half way, the next
 * one redoes it: writing a blob's content and removing a file are idempotent.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "durable.h"
#include "error.h"
#include "store.h"
#include "treediff.h"
#include "util.h"

static void view_record_path(struct strbuf *out, struct dlg_store *s)
{
	strbuf_addf(out, "%s/view", s->dlgdir);
}

int store_view_commit(git_oid *out, struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err = DLG_ENOTFOUND;
	view_record_path(&path, s);
	if (!strbuf_read_file(&data, path.buf)) {
		strbuf_trim(&data);
		if (!git_oid_fromstr(out, data.buf))
			err = 0;
	}
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

/*
 * Paths of the tree that the view leaves out: msgmap/ is dlg's own lookup
 * table (message key -> dialog), read through git, and one directory per
 * message there would double the files a mail reader never needs.
 */
static int in_view(const char *rel)
{
	return strncmp(rel, "msgmap/", 7) && strcmp(rel, "msgmap");
}

/* Dialog directories are dialogs/xx/yy/ID: Maildir readers want new/ and tmp/ there too. */
static int is_dialog_dir(const char *rel)
{
	int slashes = 0;
	if (strncmp(rel, "dialogs/", 8))
		return 0;
	for (const char *p = rel; *p; p++)
		slashes += *p == '/';
	return slashes == 3;
}

static int ensure_parent(struct dlg_store *s, const char *rel)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(rel, '/');
	int err = 0;
	if (!slash)
		return 0;
	strbuf_addf(&dir, "%s/%.*s", s->root, (int)(slash - rel), rel);
	if (!access(dir.buf, F_OK)) {
		strbuf_release(&dir);
		return 0;
	}
	if (mkdirs(dir.buf, 0755) < 0) {
		err = dlg_error(DLG_ERROR, "cannot create '%s': %s", dir.buf, strerror(errno));
	} else {
		/* A new directory: if it belongs to a dialog, Maildir wants new/ and tmp/ too. */
		struct strbuf d = STRBUF_INIT;
		strbuf_add(&d, rel, (size_t)(slash - rel));
		while (d.len && !is_dialog_dir(d.buf)) {
			char *up = strrchr(d.buf, '/');
			strbuf_setlen(&d, up ? (size_t)(up - d.buf) : 0);
		}
		if (d.len) {
			struct strbuf md = STRBUF_INIT;
			strbuf_addf(&md, "%s/%s/new", s->root, d.buf);
			mkdir(md.buf, 0755);
			strbuf_reset(&md);
			strbuf_addf(&md, "%s/%s/tmp", s->root, d.buf);
			mkdir(md.buf, 0755);
			strbuf_release(&md);
		}
		strbuf_release(&d);
	}
	strbuf_release(&dir);
	return err;
}

/* Writes data at rel unless the file already holds exactly that. */
static int write_view_data(struct dlg_store *s, const char *rel, const char *data, size_t len)
{
	struct strbuf path = STRBUF_INIT, old = STRBUF_INIT;
	int err;
	strbuf_addf(&path, "%s/%s", s->root, rel);
	if (!strbuf_read_file(&old, path.buf) && old.len == len && !memcmp(old.buf, data, len))
		err = 0;
	else if ((err = ensure_parent(s, rel)) == 0 &&
		 write_file_atomic(path.buf, s->tmpdir, data, len) < 0)
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path.buf, strerror(errno));
	strbuf_release(&path);
	strbuf_release(&old);
	return err;
}

static int write_view_file(struct dlg_store *s, const char *rel, const git_oid *oid)
{
	git_blob *blob = NULL;
	int err;
	if ((err = git_blob_lookup(&blob, s->repo, oid)) < 0)
		return dlg_error_git(err, rel);
	err = write_view_data(s, rel, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return err;
}

static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

/* Removes directories left empty above a deleted file; a dialog directory
   goes too once only its empty new/ and tmp/ remain. */
static void prune_dirs(struct dlg_store *s, const char *rel)
{
	struct strbuf d = STRBUF_INIT, path = STRBUF_INIT;
	strbuf_addstr(&d, rel);
	for (;;) {
		char *slash = strrchr(d.buf, '/');
		if (!slash)
			break;
		strbuf_setlen(&d, (size_t)(slash - d.buf));
		if (is_dialog_dir(d.buf)) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s/cur", s->root, d.buf);
			if (!dir_is_empty(path.buf) && !access(path.buf, F_OK))
				break;
			rmdir(path.buf);
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s/new", s->root, d.buf);
			rmdir(path.buf);
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s/tmp", s->root, d.buf);
			rmdir(path.buf);
		}
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", s->root, d.buf);
		if (rmdir(path.buf) < 0)
			break;
	}
	strbuf_release(&d);
	strbuf_release(&path);
}

static int remove_view_file(struct dlg_store *s, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int err = 0;
	strbuf_addf(&path, "%s/%s", s->root, rel);
	if (unlink(path.buf) < 0 && errno != ENOENT)
		err = dlg_error(DLG_ERROR, "cannot remove '%s': %s", path.buf, strerror(errno));
	else
		prune_dirs(s, rel);
	strbuf_release(&path);
	return err;
}

static int lookup_tree(git_tree **out, struct dlg_store *s, const git_oid *commit_oid)
{
	git_commit *c = NULL;
	int err = git_commit_lookup(&c, s->repo, commit_oid);
	if (!err)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	return err;
}

struct apply_state {
	struct strlist removed, written;
	git_oid *ids;
	size_t alloc;
};

static int collect_change(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload)
{
	struct apply_state *st = payload;
	if (!in_view(path))
		return 0;
	if (!new_id) {
		strlist_push(&st->removed, path);
	} else {
		ALLOC_GROW(st->ids, st->written.nr + 1, st->alloc);
		git_oid_cpy(&st->ids[st->written.nr], new_id);
		strlist_push(&st->written, path);
	}
	return 0;
}

static int apply_diff(struct dlg_store *s, git_tree *from, git_tree *to)
{
	struct apply_state st = { STRLIST_INIT, STRLIST_INIT, NULL, 0 };
	int err = tree_diff(s->repo, from, to, collect_change, &st);
	/* Removals first, so a path that changes from file to directory is free. */
	for (size_t i = 0; i < st.removed.nr && !err; i++)
		err = remove_view_file(s, st.removed.items[i]);
	for (size_t i = 0; i < st.written.nr && !err; i++)
		err = write_view_file(s, st.written.items[i], &st.ids[i]);
	strlist_clear(&st.removed);
	strlist_clear(&st.written);
	free(st.ids);
	return err;
}

static int record_view(struct dlg_store *s, const git_oid *commit)
{
	struct strbuf rec = STRBUF_INIT;
	char hex[GIT_OID_HEXSZ + 2];
	int err = 0;
	git_oid_tostr(hex, sizeof(hex), commit);
	hex[GIT_OID_HEXSZ] = '\n';
	view_record_path(&rec, s);
	/* The view's files are written lazily: the record naming their commit
	   must not reach the disk before they do. */
	if (write_stamp(rec.buf, s->tmpdir, hex, GIT_OID_HEXSZ + 1) < 0)
		err = dlg_error(DLG_ERROR, "cannot record the view: %s", strerror(errno));
	strbuf_release(&rec);
	return err;
}

int store_view_follow(struct dlg_store *s, const git_oid *from, const git_oid *to,
		      const struct view_edit *edits, size_t n)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	git_oid shown;
	int err = 0;

	if (store_view_commit(&shown, s) < 0 || !git_oid_equal(&shown, from))
		return store_view_update(s);
	for (size_t i = 0; i < n; i++) {
		if (!edits[i].remove || !in_view(edits[i].path))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", s->root, edits[i].path);
		if (!lstat(path.buf, &st) && S_ISDIR(st.st_mode)) {
			strbuf_release(&path);
			return store_view_update(s); /* a whole directory went: let the diff say what */
		}
	}
	strbuf_release(&path);
	/* Removals first, so a path that changes from file to directory is free. */
	for (size_t i = 0; i < n && !err; i++)
		if (edits[i].remove && in_view(edits[i].path))
			err = remove_view_file(s, edits[i].path);
	for (size_t i = 0; i < n && !err; i++)
		if (!edits[i].remove && in_view(edits[i].path))
			err = write_view_data(s, edits[i].path, edits[i].data, edits[i].len);
	return err ? err : record_view(s, to);
}

int store_view_update(struct dlg_store *s)
{
	git_oid shown, tip;
	git_tree *from = NULL, *to = NULL;
	int has_shown, err;

	if ((err = store_tip(&tip, s)) < 0)
		return err;
	has_shown = !store_view_commit(&shown, s);
	if (has_shown && git_oid_equal(&shown, &tip))
		return 0;
	if ((err = store_git(s)) < 0 || (err = store_lock(s)) < 0)
		return err;
	/* Re-read under the lock: another process may have done it meanwhile. */
	if ((err = store_tip(&tip, s)) < 0)
		goto out;
	has_shown = !store_view_commit(&shown, s);
	if (has_shown && git_oid_equal(&shown, &tip))
		goto out;
	if (has_shown && lookup_tree(&from, s, &shown) < 0)
		from = NULL; /* the recorded commit is gone (history rewritten): rebuild */
	if ((err = lookup_tree(&to, s, &tip)) < 0) {
		err = dlg_error_git(err, "read tip");
		goto out;
	}
	if (!from) {
		/* Unknown starting point: make the files match the tip exactly. */
		struct strbuf ignored = STRBUF_INIT;
		err = store_fsck(&ignored, s, 1);
		strbuf_release(&ignored);
		if (err > 0)
			err = 0;
	} else {
		err = apply_diff(s, from, to);
	}
	if (err < 0)
		goto out;
	err = record_view(s, &tip);
out:
	git_tree_free(from);
	git_tree_free(to);
	store_unlock(s);
	return err;
}

/* fsck: walk the tip tree and the directory side by side. */

struct fsck_state {
	struct dlg_store *s;
	struct strbuf *report;
	int repair;
	int problems;
	int err;
};

static int fsck_tree(struct fsck_state *st, git_tree *tree, const char *rel);

static void fsck_problem(struct fsck_state *st, const char *kind, const char *rel)
{
	strbuf_addf(st->report, "%s %s\n", kind, rel);
	st->problems++;
}

static void move_to_lost_found(struct fsck_state *st, const char *rel)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT, stamp = STRBUF_INIT;
	strbuf_addf(&from, "%s/%s", st->s->root, rel);
	time_format_iso(&stamp, dlg_now());
	strbuf_addf(&to, "%s/lost+found/%s/%s", st->s->dlgdir, stamp.buf, rel);
	char *slash = strrchr(to.buf, '/');
	*slash = '\0';
	mkdirs(to.buf, 0755);
	*slash = '/';
	if (rename(from.buf, to.buf) < 0)
		st->err = dlg_error(DLG_ERROR, "cannot move '%s' aside: %s", from.buf, strerror(errno));
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&stamp);
}

static int in_tree(git_tree *tree, const char *name)
{
	return tree && git_tree_entry_byname(tree, name) != NULL;
}

/* Files on disk in directory rel that the tree does not have. */
static void fsck_extras(struct fsck_state *st, git_tree *tree, const char *rel)
{
	struct strbuf dir = STRBUF_INIT, child = STRBUF_INIT;
	DIR *d;
	struct dirent *de;
	int dialog = is_dialog_dir(rel);

	strbuf_addf(&dir, "%s%s%s", st->s->root, *rel ? "/" : "", rel);
	if (!(d = opendir(dir.buf))) {
		strbuf_release(&dir);
		return;
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") || (!*rel && !strcmp(n, ".git")))
			continue;
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", n);
		if (in_tree(tree, n) && in_view(child.buf))
			continue;
		if (dialog && (!strcmp(n, "new") || !strcmp(n, "tmp"))) {
			/* Maildir's own directories: only their contents are extra. */
			fsck_extras(st, NULL, child.buf);
			continue;
		}
		fsck_problem(st, "extra", child.buf);
		if (st->repair)
			move_to_lost_found(st, child.buf);
	}
	closedir(d);
	strbuf_release(&dir);
	strbuf_release(&child);
}

static int fsck_tree(struct fsck_state *st, git_tree *tree, const char *rel)
{
	size_t n = git_tree_entrycount(tree);
	struct strbuf child = STRBUF_INIT, path = STRBUF_INIT;

	for (size_t i = 0; i < n && !st->err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		struct stat sb;
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", git_tree_entry_name(e));
		if (!in_view(child.buf))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", st->s->root, child.buf);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE) {
			git_tree *sub = NULL;
			if (!lstat(path.buf, &sb) && !S_ISDIR(sb.st_mode)) {
				fsck_problem(st, "modified", child.buf);
				if (st->repair)
					move_to_lost_found(st, child.buf);
			}
			if (git_tree_lookup(&sub, st->s->repo, git_tree_entry_id(e)) < 0) {
				st->err = dlg_error_git(-1, child.buf);
				break;
			}
			fsck_tree(st, sub, child.buf);
			git_tree_free(sub);
			continue;
		}
		if (lstat(path.buf, &sb) < 0) {
			fsck_problem(st, "missing", child.buf);
		} else {
			git_oid oid;
			if (!S_ISREG(sb.st_mode) ||
			    git_odb_hashfile(&oid, path.buf, GIT_OBJECT_BLOB) < 0 ||
			    !git_oid_equal(&oid, git_tree_entry_id(e))) {
				fsck_problem(st, "modified", child.buf);
				if (st->repair && S_ISDIR(sb.st_mode))
					move_to_lost_found(st, child.buf);
			} else {
				continue;
			}
		}
		if (st->repair) {
			int err = write_view_file(st->s, child.buf, git_tree_entry_id(e));
			if (err < 0)
				st->err = err;
		}
	}
	if (is_dialog_dir(rel) && st->repair) {
		strbuf_reset(&child);
		strbuf_addf(&child, "%s/cur/x", rel);
		ensure_parent(st->s, child.buf);
	}
	if (!st->err)
		fsck_extras(st, tree, rel);
	strbuf_release(&child);
	strbuf_release(&path);
	return st->err;
}

int store_fsck(struct strbuf *report, struct dlg_store *s, int repair)
{
	{
		int gerr = store_git(s);
		if (gerr < 0)
			return gerr;
	}
	struct fsck_state st = { s, report, repair, 0, 0 };
	git_tree *tree = NULL;
	int err;

	if ((err = store_lock(s)) < 0)
		return err;
	if ((err = store_tip_tree(&tree, s)) < 0)
		goto out;
	fsck_tree(&st, tree, "");
	err = st.err;
	if (!err && repair) {
		git_oid tip;
		if (!store_tip(&tip, s))
			err = record_view(s, &tip);
	}
out:
	git_tree_free(tree);
	store_unlock(s);
	return err < 0 ? err : st.problems;
}
