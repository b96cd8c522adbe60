/*
 * The view: the files of the branch tip, kept beside .git so that mail
 * readers and people can use them.  It is updated from the difference
 * between the tree it shows (recorded in .git/dlg/view) and the tip, so an
 * update costs what changed.  Whatever stopped an update half way, the next
 * one redoes it: writing a blob's content and removing a file are idempotent.
 *
 * The tip may come from outside (a fetch into the branch, git update-ref),
 * so every path it adds is checked first (lib/git/treepath.h) and none is
 * written unless all pass; every file is reached without following a link
 * (lib/store/viewfs.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/progress.h"
#include "git/error.h"
#include "git/treediff.h"
#include "store/layout.h"
#include "store/fsck.h"
#include "store/view.h"

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
int view_has(const char *rel)
{
	return !layout_is_msgmap(rel);
}

/* Dialog directories are dialogs/xx/yy/ID: Maildir readers want new/ and tmp/ there too. */
int view_is_dialog_dir(const char *rel)
{
	int slashes = 0;
	if (!layout_is_dialog(rel))
		return 0;
	for (const char *p = rel; *p; p++)
		slashes += *p == '/';
	return slashes == 3;
}

/* The length of the dialog directory rel is inside of, else 0. */
static size_t dialog_dir_len(const char *rel)
{
	int slashes = 0;
	if (!layout_is_dialog(rel))
		return 0;
	for (const char *p = rel; *p; p++)
		if (*p == '/' && ++slashes == 4)
			return (size_t)(p - rel);
	return 0;
}

void view_make_maildir(int dirfd)
{
	mkdirat(dirfd, "new", 0755);
	mkdirat(dirfd, "tmp", 0755);
}

const char *view_renamed_message(const struct strlist *names, const char *name)
{
	const char *info = strstr(name, ":2,");
	size_t base = info ? (size_t)(info - name) + 3 : 0;
	if (!base)
		return NULL;
	for (size_t i = 0; i < names->nr; i++)
		if (!strncmp(names->items[i], name, base) && strcmp(names->items[i], name) &&
		    !strchr(names->items[i] + base, '/'))
			return names->items[i];
	return NULL;
}

int view_reader_file(const char *rel, const char *name)
{
	/* notmuch's database (database.path in the store), mutt's caches,
	   isync's and dovecot's state, Courier's and Maildir++'s markers */
	static const char *const prefixes[] = { ".mutt", ".mbsyncstate", "dovecot", "courierimap", NULL };
	static const char *const names[] = { ".notmuch", ".uidvalidity", ".isyncuidmap.db",
					     "maildirfolder", NULL };
	if (*rel && !view_is_dialog_dir(rel))
		return 0;
	for (int i = 0; names[i]; i++)
		if (!strcmp(name, names[i]))
			return 1;
	for (int i = 0; prefixes[i]; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* The name a mail reader gave message rel by renaming it, when the file is
   not under its own (*dirfd: its directory, v's). */
static int find_renamed(struct strbuf *out, int *dirfd, struct viewfs *v, const char *rel)
{
	const char *slash = strrchr(rel, '/'), *found;
	struct strlist names = STRLIST_INIT;
	struct stat st;
	int err;
	if (!slash || !layout_is_message(rel))
		return DLG_ENOTFOUND;
	if ((err = viewfs_dir(dirfd, v, rel, (size_t)(slash - rel), 0, NULL)) < 0) {
		dlg_error_clear();
		return DLG_ENOTFOUND;
	}
	if (!fstatat(*dirfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) || errno != ENOENT ||
	    list_dir_at(&names, *dirfd, ".") < 0)
		return DLG_ENOTFOUND;
	if ((found = view_renamed_message(&names, slash + 1)))
		strbuf_addstr(out, found);
	strlist_clear(&names);
	return found ? 0 : DLG_ENOTFOUND;
}

/* Whether the tree the view showed has path: only a message that was
   there can a mail reader have renamed, and new ones (an import of
   thousands into one dialog) need not look.  Without the tree: look. */
static int tree_has(git_tree *tree, const char *path)
{
	git_tree_entry *e = NULL;
	if (!tree)
		return 1;
	if (git_tree_entry_bypath(&e, tree, path) < 0)
		return 0;
	git_tree_entry_free(e);
	return 1;
}

/* Whether rel is a message the view showed, which a mail reader may have
   renamed (from: the tree the view showed). */
static int view_showed_message(git_tree *from, const char *rel)
{
	return layout_is_message(rel) && tree_has(from, rel);
}

/* Writes data at rel unless the file already holds exactly that; a message
   a mail reader renamed is written under the reader's name.  shown:
   view_showed_message(); changed: the file is known to hold other bytes. */
static int write_view_data(struct viewfs *v, int shown, int changed, const char *rel, const char *data,
			   size_t len)
{
	int created = 0, made_here = 0, dirfd;
	size_t dialog = dialog_dir_len(rel);
	struct strbuf renamed = STRBUF_INIT;
	int err;
	if (shown && !find_renamed(&renamed, &dirfd, v, rel)) {
		err = viewfs_write_at(v, dirfd, renamed.buf, rel, data, len);
		strbuf_release(&renamed);
		return err;
	}
	/* A new dialog directory: Maildir wants new/ and tmp/ there too. */
	if (dialog) {
		if ((err = viewfs_dir(&dirfd, v, rel, dialog, 1, &created)) < 0)
			return err;
		if (created)
			view_make_maildir(dirfd);
		made_here = viewfs_made(v);
		created = 0;
	}
	err = viewfs_write(v, rel, data, len, changed, &created);
	/* cur/ made in a dialog that was there: its new/ and tmp/ may be missing too. */
	if (!err && created && dialog && !made_here && !(err = viewfs_dir(&dirfd, v, rel, dialog, 0, NULL)))
		view_make_maildir(dirfd);
	return err;
}

static int read_blob(git_blob **out, struct dlg_store *s, const char *rel, const git_oid *oid)
{
	int err = git_blob_lookup(out, s->repo, oid);
	return err < 0 ? dlg_error_git(err, rel) : 0;
}

int view_write_blob(struct viewfs *v, struct dlg_store *s, int dirfd, const char *name, const char *rel,
		    const git_oid *oid)
{
	git_blob *blob = NULL;
	int err = read_blob(&blob, s, rel, oid);
	if (!err)
		err = viewfs_write_at(v, dirfd, name, rel, git_blob_rawcontent(blob),
				      (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return err;
}

static int write_view_file(struct viewfs *v, struct dlg_store *s, git_tree *from, const char *rel,
			   const git_oid *oid)
{
	git_blob *blob = NULL;
	int err = read_blob(&blob, s, rel, oid);
	if (!err)
		err = write_view_data(v, view_showed_message(from, rel), 0, rel, git_blob_rawcontent(blob),
				      (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return err;
}

static size_t parent_len(const char *rel, size_t len)
{
	while (len && rel[len - 1] != '/')
		len--;
	return len ? len - 1 : 0;
}

/* Removes directories left empty above a deleted file; a dialog directory
   goes too once only its empty new/ and tmp/ remain.  Every step is
   unlinkat(AT_REMOVEDIR) in an fd reached without links: a link in the
   way stops it. */
static void prune_dirs(struct viewfs *v, const char *rel)
{
	struct strbuf name = STRBUF_INIT, dir = STRBUF_INIT;
	size_t len = parent_len(rel, strlen(rel));
	int fd;

	while (len) {
		size_t up = parent_len(rel, len), start = up ? up + 1 : 0;
		strbuf_reset(&dir);
		strbuf_add(&dir, rel, len);
		if (view_is_dialog_dir(dir.buf)) {
			if (viewfs_dir(&fd, v, rel, len, 0, NULL) < 0 ||
			    (unlinkat(fd, "cur", AT_REMOVEDIR) < 0 && errno != ENOENT))
				break;
			unlinkat(fd, "new", AT_REMOVEDIR);
			unlinkat(fd, "tmp", AT_REMOVEDIR);
		}
		strbuf_reset(&name);
		strbuf_add(&name, rel + start, len - start);
		if (viewfs_dir(&fd, v, rel, up, 0, NULL) < 0 || unlinkat(fd, name.buf, AT_REMOVEDIR) < 0)
			break;
		len = up;
	}
	dlg_error_clear();
	strbuf_release(&name);
	strbuf_release(&dir);
}

static int remove_view_file(struct viewfs *v, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	struct strbuf renamed = STRBUF_INIT;
	int dirfd, err = viewfs_dir(&dirfd, v, rel, slash ? (size_t)(slash - rel) : 0, 0, NULL);
	if (err == DLG_ENOTFOUND) {
		dlg_error_clear(); /* already gone */
		return 0;
	}
	if (err < 0)
		return err;
	if (unlinkat(dirfd, slash ? slash + 1 : rel, 0) < 0) {
		if (errno != ENOENT)
			return dlg_error(DLG_ERROR, "cannot remove '%s': %s", rel, strerror(errno));
		/* gone, or a mail reader renamed it */
		if (!find_renamed(&renamed, &dirfd, v, rel) && unlinkat(dirfd, renamed.buf, 0) < 0 &&
		    errno != ENOENT)
			err = dlg_error(DLG_ERROR, "cannot remove '%s': %s", rel, strerror(errno));
		strbuf_release(&renamed);
		if (err < 0)
			return err;
	}
	prune_dirs(v, rel);
	return 0;
}

static int is_dir_in_view(struct viewfs *v, const char *rel)
{
	const char *slash = strrchr(rel, '/');
	struct stat st;
	int dirfd;
	if (viewfs_dir(&dirfd, v, rel, slash ? (size_t)(slash - rel) : 0, 0, NULL) < 0) {
		dlg_error_clear();
		return 0;
	}
	return !fstatat(dirfd, slash ? slash + 1 : rel, &st, AT_SYMLINK_NOFOLLOW) && S_ISDIR(st.st_mode);
}

struct apply_state {
	const char *subject;
	struct strlist removed, written;
	git_oid *ids;
	size_t alloc;
};

static int check_change(const char *path, const git_tree_entry *old_entry, const git_tree_entry *new_entry,
			void *payload)
{
	struct apply_state *st = payload;
	const char *why;
	if (new_entry)
		return (why = tree_entry_problem(path, new_entry)) ? tree_path_refuse(st->subject, path, why) : 0;
	/* A path that fails the check was never written by dlg: leave whatever is there alone. */
	return tree_entry_problem(path, old_entry) ? TREEDIFF_SKIP : 0;
}

static int collect_change(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload)
{
	struct apply_state *st = payload;
	if (!view_has(path))
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

/* The files of a big change (an import, a sync) as they are written; the
   last one is reported by view_record, once they are all on the disk. */
#define VIEW_PROGRESS_MIN 100
static void view_progress(size_t i, size_t n)
{
	if (n >= VIEW_PROGRESS_MIN && i + 1 < n)
		dlg_progress("files in the view", i + 1, n);
}

/* Checks every path first, so a bad one leaves the files as they were. */
static int apply_diff(size_t *nwritten, struct dlg_store *s, git_tree *from, git_tree *to,
		      const char *subject)
{
	struct apply_state st = { subject, STRLIST_INIT, STRLIST_INIT, NULL, 0 };
	struct viewfs v;
	int err = tree_diff_entries(s->repo, from, to, check_change, collect_change, &st);
	if (!err && !(err = viewfs_open(&v, s->root, s->tmpdir))) {
		/* Removals first, so a path that changes from file to directory is free. */
		for (size_t i = 0; i < st.removed.nr && !err; i++)
			err = remove_view_file(&v, st.removed.items[i]);
		for (size_t i = 0; i < st.written.nr && !err; i++) {
			err = write_view_file(&v, s, from, st.written.items[i], &st.ids[i]);
			view_progress(i, st.written.nr);
		}
		viewfs_close(&v);
	}
	*nwritten = st.written.nr;
	strlist_clear(&st.removed);
	strlist_clear(&st.written);
	free(st.ids);
	return err;
}

int view_record(struct dlg_store *s, const git_oid *commit)
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

/* view_record, and the last of a big change's files reported. */
static int view_recorded(struct dlg_store *s, const git_oid *commit, size_t nfiles)
{
	int err = view_record(s, commit);
	if (!err && nfiles >= VIEW_PROGRESS_MIN)
		dlg_progress("files in the view", nfiles, nfiles);
	return err;
}

/*
 * A big change's files are written by several threads, each with its own
 * viewfs, over a share of the edits (paths are unique in a change, so no
 * two write one file; two making one directory is fine, mkdir's EEXIST
 * says so).  An import of new customers spends most of its time in the
 * kernel making files and directories, and that runs in parallel.
 */
#define VIEW_THREADS_MAX 4
#define VIEW_THREADED_MIN 512

struct view_writer {
	const char *root, *tmpdir;
	const struct view_edit *edits;
	const unsigned char *shown;
	size_t first, end, n;
	atomic_size_t *done;
	atomic_int *stop;
	int report; /* the one that reports progress */
	int err;
	char *msg;
};

static void *write_edits(void *arg)
{
	struct view_writer *w = arg;
	struct viewfs v;
	if (!(w->err = viewfs_open(&v, w->root, w->tmpdir))) {
		for (size_t i = w->first; i < w->end && !w->err && !atomic_load(w->stop); i++) {
			const struct view_edit *e = &w->edits[i];
			size_t done;
			/* The view shows the change's base: a path the change keeps
			   needs no write, and one it changes holds other bytes. */
			if (!e->remove && !e->same && view_has(e->path))
				w->err = write_view_data(&v, w->shown[i], 1, e->path, e->data, e->len);
			done = atomic_fetch_add(w->done, 1);
			if (w->report)
				view_progress(done, w->n);
		}
		viewfs_close(&v);
	}
	if (w->err) {
		w->msg = xstrdup(dlg_error_last());
		atomic_store(w->stop, 1);
	}
	return NULL;
}

/* Four even on two cores: on ext4 a writer spends much of its time waiting
   for the journal, and four overlap those waits better than two. */
static size_t view_threads(size_t n)
{
	const char *env = getenv("DLG_VIEW_THREADS");
	long want = env && *env ? strtol(env, NULL, 10) : n >= VIEW_THREADED_MIN ? VIEW_THREADS_MAX : 1;
	if (want < 1)
		return 1;
	return want > VIEW_THREADS_MAX ? VIEW_THREADS_MAX : (size_t)want;
}

/* The files of edits, by view_threads(n) writers; the first error wins. */
static int write_edits_threaded(struct dlg_store *s, const struct view_edit *edits, const unsigned char *shown,
				size_t n)
{
	struct view_writer w[VIEW_THREADS_MAX];
	pthread_t tid[VIEW_THREADS_MAX];
	int started[VIEW_THREADS_MAX] = { 0 };
	size_t nw = view_threads(n);
	atomic_size_t ndone = 0;
	atomic_int stop = 0;
	int err = 0;

	for (size_t k = 0; k < nw; k++) {
		w[k] = (struct view_writer){ s->root, s->tmpdir, edits, shown, n * k / nw, n * (k + 1) / nw, n,
					      &ndone, &stop, k == 0, 0, NULL };
		/* The first share is this thread's own, as is any a thread could not be made for. */
		started[k] = k && !pthread_create(&tid[k], NULL, write_edits, &w[k]);
	}
	write_edits(&w[0]);
	for (size_t k = 1; k < nw; k++)
		if (!started[k])
			write_edits(&w[k]);
	for (size_t k = 0; k < nw; k++) {
		if (started[k])
			pthread_join(tid[k], NULL);
		if (w[k].err && !err)
			err = dlg_error(w[k].err, "%s", w[k].msg);
		free(w[k].msg);
	}
	return err;
}

static int apply_edits(struct viewfs *v, struct dlg_store *s, git_tree *from, const struct view_edit *edits,
		       size_t n)
{
	unsigned char *shown;
	const char *why;
	int err = 0;
	/* dlg made these paths, but a name may have come from a peer's tree: check them all the same. */
	for (size_t i = 0; i < n; i++)
		if ((why = tree_path_problem(edits[i].path, GIT_FILEMODE_BLOB)))
			return tree_path_refuse("this change", edits[i].path, why);
	for (size_t i = 0; i < n; i++)
		if (edits[i].remove && view_has(edits[i].path) && is_dir_in_view(v, edits[i].path))
			return 1; /* a whole directory went: let the diff say what */
	/* Removals first, so a path that changes from file to directory is free. */
	for (size_t i = 0; i < n && !err; i++)
		if (edits[i].remove && view_has(edits[i].path))
			err = remove_view_file(v, edits[i].path);
	if (err)
		return err;
	viewfs_forget(v);
	/* The writers read no tree: what they need of it is found here. */
	shown = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++)
		shown[i] = !edits[i].remove && view_showed_message(from, edits[i].path);
	err = write_edits_threaded(s, edits, shown, n);
	free(shown);
	return err;
}

int store_view_follow(struct dlg_store *s, const git_oid *from, const git_oid *to,
		      const struct view_edit *edits, size_t n)
{
	struct viewfs v;
	git_tree *from_tree = NULL;
	git_oid shown;
	int err;

	if (store_view_commit(&shown, s) < 0 || !git_oid_equal(&shown, from))
		return store_view_update(s);
	if ((err = viewfs_open(&v, s->root, s->tmpdir)) < 0)
		return err;
	if (tree_of_commit(&from_tree, s->repo, from) < 0)
		from_tree = NULL;
	err = apply_edits(&v, s, from_tree, edits, n);
	git_tree_free(from_tree);
	viewfs_close(&v);
	if (err > 0)
		return store_view_update(s);
	return err ? err : view_recorded(s, to, n);
}

/* A refused tip: say what the files still show and how to put main back. */
static int refuse_tip(int err, int has_shown, const git_oid *shown)
{
	char hex[GIT_OID_HEXSZ + 1];
	char *why;
	if (err != DLG_EINVALID || !has_shown)
		return err;
	git_oid_tostr(hex, sizeof(hex), shown);
	why = xstrdup(dlg_error_last());
	err = dlg_error(err, "%s (the files still show %.7s; git update-ref refs/heads/main %s puts main back)",
			why, hex, hex);
	free(why);
	return err;
}

int store_view_update(struct dlg_store *s)
{
	git_oid shown, tip;
	git_tree *from = NULL, *to = NULL;
	char subject[32], hex[GIT_OID_HEXSZ + 1];
	size_t nfiles = 0;
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
	if (has_shown && tree_of_commit(&from, s->repo, &shown) < 0)
		from = NULL; /* the recorded commit is gone (history rewritten): rebuild */
	if ((err = tree_of_commit(&to, s->repo, &tip)) < 0) {
		err = dlg_error_git(err, "read tip");
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), &tip);
	snprintf(subject, sizeof(subject), "main (%.7s)", hex);
	if (!from) {
		/* Unknown starting point: check all of the tip, then make the files match it exactly. */
		struct strbuf ignored = STRBUF_INIT;
		if (!(err = tree_check_change(s->repo, NULL, to, subject)))
			err = store_fsck(&ignored, s, 1);
		strbuf_release(&ignored);
		if (err > 0)
			err = 0;
	} else {
		err = apply_diff(&nfiles, s, from, to, subject);
	}
	if (err < 0) {
		err = refuse_tip(err, has_shown && from, &shown);
		goto out;
	}
	err = view_recorded(s, &tip, nfiles);
out:
	git_tree_free(from);
	git_tree_free(to);
	store_unlock(s);
	return err;
}

int view_read(struct strbuf *out, struct dlg_store *s, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int err = 0;
	strbuf_addf(&path, "%s/%s", s->root, rel);
	if (strbuf_read_file(out, path.buf) < 0)
		err = errno == ENOENT ? DLG_ENOTFOUND :
			dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
	strbuf_release(&path);
	return err;
}

int view_list(struct strlist *out, struct dlg_store *s, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	DIR *d;
	struct dirent *de;
	size_t first = out->nr;
	strbuf_addf(&path, "%s/%s", s->root, rel);
	d = opendir(path.buf);
	strbuf_release(&path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_push(out, de->d_name);
	closedir(d);
	if (out->nr - first > 1) {
		struct strlist tail = { out->items + first, out->nr - first, 0 };
		strlist_sort(&tail);
	}
	return 0;
}
