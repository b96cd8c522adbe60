/*
 * Reading and moving refs/heads/main as git does, so that git and dlg can
 * share the repository, and so that a move survives a power cut:
 *
 *   1. create refs/heads/main.lock (O_CREAT|O_EXCL: git's ref lock);
 *   2. compare the branch with the tip the change was built on;
 *   3. write the new id into the lock file;
 *   4. get the lock's content and every object written before it onto the
 *      disk: one syncfs(2) of the objects' file system, which covers loose
 *      objects, packs, their .idx and new directories alike, whoever wrote
 *      them (a change, a merge through libgit2, a git fetch);
 *   5. rename the lock onto the ref, then fsync refs/heads/.
 *
 * The ref is always written loose; packed-refs is read, never written.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/time.h"
#include "store/store.h"

/* git holds a ref's lock for milliseconds (a fetch, a gc packing refs);
   one still there after this long belongs to something stuck or dead,
   which only a person can tell apart. */
#define LOCK_WAIT_MS 3000
#define LOCK_POLL_MS 10

static int parse_id(git_oid *out, const char *hex, size_t len)
{
	if (len != GIT_OID_HEXSZ)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (hex_value((unsigned char)hex[i]) < 0)
			return -1;
	return git_oid_fromstr(out, hex) ? -1 : 0;
}

/* The branch in packed-refs: lines "ID NAME", "# comments", "^PEELED". */
static int read_packed(git_oid *out, const char *gitdir)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	size_t nlen = strlen(DLG_BRANCH);
	int err = DLG_ENOTFOUND;

	strbuf_addf(&path, "%s/packed-refs", gitdir);
	if (strbuf_read_file(&data, path.buf) < 0) {
		if (errno != ENOENT)
			err = dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	for (char *p = data.buf; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (n == GIT_OID_HEXSZ + 1 + nlen && p[GIT_OID_HEXSZ] == ' ' &&
		    !memcmp(p + GIT_OID_HEXSZ + 1, DLG_BRANCH, nlen)) {
			err = parse_id(out, p, GIT_OID_HEXSZ) ? dlg_error(DLG_ERROR, "'%s' is damaged", path.buf) : 0;
			break;
		}
		p += n + (nl ? 1 : 0);
	}
out:
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int branch_read(git_oid *out, const char *gitdir)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int fd, err;

	strbuf_addf(&path, "%s/%s", gitdir, DLG_BRANCH);
	fd = open(path.buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		err = errno == ENOENT ? read_packed(out, gitdir) :
			dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
	} else if (strbuf_read_fd(&data, fd) < 0) {
		err = dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
	} else {
		strbuf_trim(&data);
		/* git replaces ref files by rename: a read sees the old or the new id, whole. */
		err = parse_id(out, data.buf, data.len) ?
			dlg_error(DLG_ERROR, "'%s' does not hold a commit id", path.buf) : 0;
	}
	if (fd >= 0)
		close(fd);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

/*
 * Creates the ref's lock file; never touches one that is there already.
 * Returns with the signals in stop blocked when the lock is ours: a Ctrl-C
 * while we hold it would leave it for a person to remove.
 */
static int take_lock(int *fd, const char *lock, const char *refdir, const sigset_t *stop, const sigset_t *was)
{
	int made_dir = 0;
	for (int waited = 0;;) {
		sigprocmask(SIG_BLOCK, stop, NULL);
		*fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (*fd >= 0)
			return 0;
		int saved = errno;
		sigprocmask(SIG_SETMASK, was, NULL);
		if (saved == ENOENT && !made_dir) { /* refs/heads/ may be gone after git pack-refs */
			made_dir = 1;
			if (mkdirs(refdir, 0777) == 0)
				continue;
		}
		if (saved != EEXIST)
			return dlg_error(DLG_ERROR, "cannot create '.git/%s.lock': %s", DLG_BRANCH, strerror(saved));
		if (waited >= LOCK_WAIT_MS)
			return dlg_error(DLG_ELOCKED, ".git/%s.lock exists: another git process is updating "
					 "the branch; if none is running, remove the file", DLG_BRANCH);
		struct timespec pause = { 0, LOCK_POLL_MS * 1000 * 1000 };
		nanosleep(&pause, NULL);
		waited += LOCK_POLL_MS;
	}
}

/* Step 4: the lock's content and all objects written so far reach the disk. */
static int flush_before_move(struct dlg_store *s, int fd)
{
	struct strbuf objects = STRBUF_INIT;
	struct stat lst, ost;
	int ret;
	strbuf_addf(&objects, "%s/objects", s->gitdir);
	ret = flush_fs(objects.buf);
	if (!ret && (fstat(fd, &lst) < 0 || stat(objects.buf, &ost) < 0))
		ret = -1;
	if (!ret && lst.st_dev != ost.st_dev) /* refs elsewhere: the lock needs its own */
		ret = fsync(fd);
	strbuf_release(&objects);
	return ret;
}

/* Steps 2 to 4 and the rename, holding the lock; 1 once the branch moved. */
static int move_locked(struct dlg_store *s, int fd, const char *lock, const char *ref,
		       const git_oid *new_oid, const git_oid *old_oid)
{
	char hex[GIT_OID_HEXSZ + 2];
	git_oid cur;
	int err = branch_read(&cur, s->gitdir);

	if (err == DLG_ENOTFOUND ? old_oid != NULL : !err && (!old_oid || !git_oid_equal(&cur, old_oid)))
		return dlg_error(DLG_EMODIFIED, "the branch moved during the change");
	if (err < 0 && err != DLG_ENOTFOUND)
		return err;
	git_oid_tostr(hex, sizeof(hex), new_oid);
	hex[GIT_OID_HEXSZ] = '\n';
	if (write_all(fd, hex, GIT_OID_HEXSZ + 1) < 0 || flush_before_move(s, fd) < 0)
		return dlg_error(DLG_ERROR, "cannot write the branch and its objects to disk: %s", strerror(errno));
	trace_perf("change: objects on disk");
	if (rename(lock, ref) < 0)
		return dlg_error(DLG_ERROR, "cannot move the branch: %s", strerror(errno));
	return 1;
}

int store_branch_cas(struct dlg_store *s, const git_oid *new_oid, const git_oid *old_oid)
{
	struct strbuf ref = STRBUF_INIT, lock = STRBUF_INIT, refdir = STRBUF_INIT;
	sigset_t stop, was;
	int fd, err;

	strbuf_addf(&ref, "%s/%s", s->gitdir, DLG_BRANCH);
	strbuf_addf(&lock, "%s.lock", ref.buf);
	strbuf_add(&refdir, ref.buf, (size_t)(strrchr(ref.buf, '/') - ref.buf));
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigprocmask(SIG_BLOCK, NULL, &was);
	if ((err = take_lock(&fd, lock.buf, refdir.buf, &stop, &was)) == 0) {
		err = move_locked(s, fd, lock.buf, ref.buf, new_oid, old_oid);
		close(fd);
		if (err < 0)
			unlink(lock.buf); /* ours, and not renamed */
		sigprocmask(SIG_SETMASK, &was, NULL);
	}
	if (err > 0 && (err = flush_dir(refdir.buf)) < 0)
		err = dlg_error(DLG_ERROR, "the branch moved but cannot be written to disk: %s", strerror(errno));
	trace_perf("change: branch moved");
	strbuf_release(&ref);
	strbuf_release(&lock);
	strbuf_release(&refdir);
	return err;
}
