/*
 * dlg fsck: the tip's tree and the view walked side by side, every
 * directory opened from its parent's fd without following a link.  A link
 * in the view is reported and, with repair, moved aside itself (never what
 * it points to); a tree path that fails the check (lib/git/treepath.h) is
 * reported and never written.  Repair renames only entries read from
 * directories reached that way, into .git/dlg/lost+found: nothing outside
 * the store is ever touched.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/time.h"
#include "git/error.h"
#include "store/layout.h"
#include "store/view.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct fsck_state {
	struct dlg_store *s;
	struct viewfs v;
	struct strbuf *report;
	struct strbuf lost;  /* lost+found/TIME, under .git/dlg */
	int dlg_fd;          /* .git/dlg */
	int repair;
	int problems;
	int invalid;         /* tree paths no store may hold */
	int err;
	/* In a dialog's cur/: the names on disk, and those taken for messages a
	   mail reader renamed (view_renamed_message). */
	struct strlist *cur_names, *renamed;
};

static void fsck_problem(struct fsck_state *st, const char *kind, const char *rel, const char *why)
{
	strbuf_addf(st->report, "%s ", kind);
	tree_path_quote(st->report, rel);
	if (why)
		strbuf_addf(st->report, ": %s", why);
	strbuf_addch(st->report, '\n');
	st->problems++;
}

/* Renames name (rel in the view) from dirfd to lost+found/TIME/rel. */
static void move_aside(struct fsck_state *st, int dirfd, const char *name, const char *rel)
{
	struct strbuf dir = STRBUF_INIT;
	const char *slash = strrchr(rel, '/');
	int fd;
	strbuf_addbuf(&dir, &st->lost);
	if (slash)
		strbuf_addf(&dir, "/%.*s", (int)(slash - rel), rel);
	if ((fd = open_dirs_at(st->dlg_fd, dir.buf, 1)) < 0 || renameat(dirfd, name, fd, name) < 0)
		st->err = dlg_error(DLG_ERROR, "cannot move '%s' aside: %s", rel, strerror(errno));
	if (fd >= 0)
		close(fd);
	strbuf_release(&dir);
}

static int same_blob(int dirfd, const char *name, const git_oid *want)
{
	struct strbuf data = STRBUF_INIT;
	git_oid oid;
	int same = !read_file_at(&data, dirfd, name) &&
		   !git_odb_hash(&oid, data.buf, data.len, GIT_OBJECT_BLOB) && git_oid_equal(&oid, want);
	strbuf_release(&data);
	return same;
}

static void fsck_tree(struct fsck_state *st, git_tree *tree, int dirfd, const char *rel);

/* A directory of the tree; dirfd < 0 when it is not on disk. */
static void fsck_subtree(struct fsck_state *st, const git_tree_entry *e, int dirfd, int exists,
			 const char *name, const char *rel)
{
	git_tree *sub = NULL;
	int fd = -1, made = 0;
	if (git_tree_lookup(&sub, st->s->repo, git_tree_entry_id(e)) < 0) {
		st->err = dlg_error_git(-1, rel);
		return;
	}
	if (dirfd >= 0 && !exists && st->repair)
		made = !mkdirat(dirfd, name, 0755);
	if (dirfd >= 0 && (exists || st->repair) && (fd = openat(dirfd, name, DIR_FLAGS)) < 0 && st->repair)
		st->err = dlg_error(DLG_ERROR, "cannot open '%s': %s", rel, strerror(errno));
	if (!st->err)
		fsck_tree(st, sub, fd, rel);
	if (fd >= 0)
		close(fd);
	if (made) /* removed again only when empty: all it would hold was refused */
		unlinkat(dirfd, name, AT_REMOVEDIR);
	git_tree_free(sub);
}

static void fsck_entry(struct fsck_state *st, const git_tree_entry *e, int dirfd, const char *rel)
{
	const char *name = git_tree_entry_name(e), *why, *renamed;
	int is_tree = git_tree_entry_type(e) == GIT_OBJECT_TREE, exists;
	struct stat sb;

	if ((why = tree_entry_problem(rel, e))) {
		fsck_problem(st, "invalid", rel, why);
		st->invalid++;
		return;
	}
	exists = dirfd >= 0 && !fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW);
	/* a message a mail reader marked is the message, under its new name */
	if (!exists && !is_tree && st->cur_names && (renamed = view_renamed_message(st->cur_names, name)) &&
	    !fstatat(dirfd, renamed, &sb, AT_SYMLINK_NOFOLLOW)) {
		strlist_push(st->renamed, renamed);
		name = st->renamed->items[st->renamed->nr - 1];
		exists = 1;
	}
	if (exists && S_ISLNK(sb.st_mode)) {
		fsck_problem(st, "symlink", rel, NULL);
		if (!st->repair)
			return; /* what is behind it is not the store's */
		move_aside(st, dirfd, name, rel);
		exists = 0;
	} else if (exists && is_tree != !!S_ISDIR(sb.st_mode)) {
		/* a file for a directory or back: the one in the way goes aside */
		fsck_problem(st, "modified", rel, NULL);
		if (st->repair && (is_tree || S_ISDIR(sb.st_mode))) {
			move_aside(st, dirfd, name, rel);
			exists = 0;
		}
	} else if (is_tree) {
		; /* compared entry by entry below */
	} else if (!exists) {
		fsck_problem(st, "missing", rel, NULL);
	} else if (same_blob(dirfd, name, git_tree_entry_id(e))) {
		return;
	} else {
		fsck_problem(st, "modified", rel, NULL);
	}
	if (st->err)
		return;
	if (is_tree)
		fsck_subtree(st, e, dirfd, exists, name, rel);
	else if (st->repair && dirfd >= 0)
		st->err = view_write_blob(&st->v, st->s, dirfd, name, rel, git_tree_entry_id(e));
}

/* Entries on disk in directory rel that the tree does not have. */
static void fsck_extras(struct fsck_state *st, git_tree *tree, int dirfd, const char *rel)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf child = STRBUF_INIT;
	int dialog = view_is_dialog_dir(rel);

	list_dir_at(&names, dirfd, "."); /* all read before any is moved */
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr && !st->err; i++) {
		const char *n = names.items[i];
		const git_tree_entry *e = tree ? git_tree_entry_byname(tree, n) : NULL;
		struct stat sb;
		if (!*rel && !strcmp(n, ".git"))
			continue;
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", n);
		if (e && view_has(child.buf) && !tree_entry_problem(child.buf, e))
			continue; /* fsck_entry's */
		if (view_reader_file(rel, n) || (st->renamed && strlist_has(st->renamed, n)))
			continue; /* a mail reader's */
		if (fstatat(dirfd, n, &sb, AT_SYMLINK_NOFOLLOW) < 0)
			continue; /* gone meanwhile */
		if (dialog && S_ISDIR(sb.st_mode) && (!strcmp(n, "new") || !strcmp(n, "tmp"))) {
			/* Maildir's own directories: only their contents are extra. */
			int fd = openat(dirfd, n, DIR_FLAGS);
			if (fd >= 0) {
				fsck_extras(st, NULL, fd, child.buf);
				close(fd);
			}
			continue;
		}
		fsck_problem(st, S_ISLNK(sb.st_mode) ? "symlink" : "extra", child.buf, NULL);
		if (st->repair)
			move_aside(st, dirfd, n, child.buf);
	}
	strlist_clear(&names);
	strbuf_release(&child);
}

/* The paths of a part of the tree the view leaves out (msgmap/). */
static void fsck_paths(struct fsck_state *st, const git_tree_entry *e, const char *rel)
{
	const char *why = tree_entry_problem(rel, e);
	git_tree *sub = NULL;
	struct strbuf child = STRBUF_INIT;
	if (why) {
		fsck_problem(st, "invalid", rel, why);
		st->invalid++;
		return;
	}
	if (git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return;
	if (git_tree_lookup(&sub, st->s->repo, git_tree_entry_id(e)) < 0) {
		st->err = dlg_error_git(-1, rel);
		return;
	}
	for (size_t i = 0; i < git_tree_entrycount(sub) && !st->err; i++) {
		const git_tree_entry *c = git_tree_entry_byindex(sub, i);
		strbuf_reset(&child);
		strbuf_addf(&child, "%s/%s", rel, git_tree_entry_name(c));
		fsck_paths(st, c, child.buf);
	}
	strbuf_release(&child);
	git_tree_free(sub);
}

/* dialogs/xx/yy/ID/cur */
static int is_cur_dir(const char *rel)
{
	size_t len = strlen(rel);
	struct strbuf dialog = STRBUF_INIT;
	int is;
	if (len < 4 || strcmp(rel + len - 4, "/cur"))
		return 0;
	strbuf_add(&dialog, rel, len - 4);
	is = view_is_dialog_dir(dialog.buf);
	strbuf_release(&dialog);
	return is;
}

static void fsck_tree(struct fsck_state *st, git_tree *tree, int dirfd, const char *rel)
{
	size_t n = git_tree_entrycount(tree);
	struct strbuf child = STRBUF_INIT;
	struct strlist cur_names = STRLIST_INIT, renamed = STRLIST_INIT;

	if (dirfd >= 0 && is_cur_dir(rel) && !list_dir_at(&cur_names, dirfd, ".")) {
		st->cur_names = &cur_names;
		st->renamed = &renamed;
	}
	for (size_t i = 0; i < n && !st->err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		strbuf_reset(&child);
		strbuf_addf(&child, "%s%s%s", rel, *rel ? "/" : "", git_tree_entry_name(e));
		if (view_has(child.buf))
			fsck_entry(st, e, dirfd, child.buf);
		else
			fsck_paths(st, e, child.buf);
	}
	if (dirfd >= 0 && view_is_dialog_dir(rel) && st->repair) {
		mkdirat(dirfd, "cur", 0755);
		view_make_maildir(dirfd);
	}
	if (dirfd >= 0 && !st->err)
		fsck_extras(st, tree, dirfd, rel);
	st->cur_names = st->renamed = NULL;
	strlist_clear(&cur_names);
	strlist_clear(&renamed);
	strbuf_release(&child);
}

int store_fsck(struct strbuf *report, struct dlg_store *s, int repair)
{
	struct fsck_state st = { s, { 0 }, report, STRBUF_INIT, -1, repair, 0, 0, 0, NULL, NULL };
	git_tree *tree = NULL;
	git_oid tip;
	char hex[GIT_OID_HEXSZ + 1];
	int err;

	if ((err = store_git(s)) < 0 || (err = store_lock(s)) < 0)
		return err;
	if ((err = viewfs_open(&st.v, s->root, s->tmpdir)) < 0) {
		store_unlock(s);
		return err;
	}
	if ((st.dlg_fd = open(s->dlgdir, DIR_FLAGS)) < 0) {
		err = dlg_error(DLG_ERROR, "cannot open '%s': %s", s->dlgdir, strerror(errno));
		goto out;
	}
	strbuf_addstr(&st.lost, "lost+found/");
	time_format_iso(&st.lost, dlg_now());
	if ((err = store_tip(&tip, s)) < 0 || (err = store_tip_tree(&tree, s)) < 0)
		goto out;
	fsck_tree(&st, tree, st.v.root_fd, "");
	err = st.err;
	if (!err && repair && st.invalid) {
		git_oid_tostr(hex, sizeof(hex), &tip);
		err = dlg_error(DLG_EINVALID,
				"main (%.7s) holds paths no store may hold (the 'invalid' lines): "
				"they were not written, and the files do not show main until it is "
				"moved back (git update-ref)", hex);
	} else if (!err && repair) {
		err = view_record(s, &tip);
	}
out:
	git_tree_free(tree);
	if (st.dlg_fd >= 0)
		close(st.dlg_fd);
	viewfs_close(&st.v);
	strbuf_release(&st.lost);
	store_unlock(s);
	return err < 0 ? err : st.problems;
}
