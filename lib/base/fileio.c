#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"

#define MB (1u << 20)

const char *file_kind(mode_t mode)
{
	static const struct {
		mode_t type;
		const char *name;
	} kinds[] = {
		{ S_IFREG, "a regular file" }, { S_IFDIR, "a directory" }, { S_IFLNK, "a symbolic link" },
		{ S_IFIFO, "a FIFO" }, { S_IFCHR, "a character device" }, { S_IFBLK, "a block device" },
		{ S_IFSOCK, "a socket" },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(*kinds); i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].name;
	return "not a regular file";
}

/* ELOOP from O_NOFOLLOW also means a loop further up the path: say which. */
static int open_error(int saved, int dirfd, const char *name)
{
	struct stat st;
	if (saved == ELOOP && !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
		return dlg_error(DLG_EINVALID, "a symbolic link");
	return dlg_error(DLG_ERROR, "%s", strerror(saved));
}

int file_open_read(struct stat *st, int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
			(flags & FILE_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return open_error(errno, dirfd, name);
	if (fstat(fd, st) < 0) {
		int saved = errno;
		close(fd);
		return dlg_error(DLG_ERROR, "%s", strerror(saved));
	}
	return fd;
}

static void limit_describe(struct strbuf *out, size_t limit)
{
	if (limit >= MB && !(limit % MB))
		strbuf_addf(out, "%zu MB (%zu bytes)", limit / MB, limit);
	else
		strbuf_addf(out, "%zu bytes", limit);
}

/* Reads fd to its end, at most limit + 1 bytes, and fails past limit. */
static int read_limited(struct strbuf *out, int fd, size_t limit, const char *lim)
{
	size_t start = out->len, want = limit == FILE_NO_LIMIT ? FILE_NO_LIMIT : limit + 1;
	int err = 0;
	while (out->len - start < want) {
		/* an empty strbuf has no room at all (alloc 0), not SIZE_MAX */
		size_t room = out->alloc > out->len + 1 ? out->alloc - out->len - 1 : 0;
		ssize_t n;
		if (!room) {
			strbuf_grow(out, 8192);
			room = out->alloc - out->len - 1;
		}
		if (room > want - (out->len - start))
			room = want - (out->len - start);
		n = read(fd, out->buf + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = dlg_error(DLG_ERROR, "%s", strerror(errno));
			break;
		}
		if (!n)
			break;
		strbuf_setlen(out, out->len + (size_t)n);
	}
	if (!err && out->len - start > limit)
		err = dlg_error(DLG_EINVALID, "grew past the %s allowed while read", lim);
	if (err)
		strbuf_setlen(out, start);
	return err;
}

int file_read_fd(struct strbuf *out, int fd, const struct stat *st, size_t limit)
{
	struct strbuf lim = STRBUF_INIT;
	int err;

	if (!S_ISREG(st->st_mode))
		return dlg_error(DLG_EINVALID, "%s, not a regular file", file_kind(st->st_mode));
	limit_describe(&lim, limit);
	if ((uintmax_t)st->st_size > limit) {
		err = dlg_error(DLG_EINVALID, "%jd bytes, more than the %s allowed", (intmax_t)st->st_size,
				lim.buf);
	} else {
		strbuf_grow(out, (size_t)st->st_size + 1);
		err = read_limited(out, fd, limit, lim.buf);
	}
	strbuf_release(&lim);
	return err;
}

int file_read_regular(struct strbuf *out, int dirfd, const char *name, int flags, size_t limit)
{
	struct stat st;
	int fd = file_open_read(&st, dirfd, name, flags), err;
	if (fd < 0)
		return fd;
	if ((flags & FILE_STREAM) && (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode))) {
		/* the operator's own pipe (-F <(cmd), /dev/stdin): read as far as
		   the limit, waiting for the writer like any reader of a pipe */
		struct strbuf lim = STRBUF_INIT;
		limit_describe(&lim, limit);
		err = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0
			      ? dlg_error(DLG_ERROR, "%s", strerror(errno))
			      : read_limited(out, fd, limit, lim.buf);
		strbuf_release(&lim);
	} else {
		err = file_read_fd(out, fd, &st, limit);
	}
	close(fd);
	return err;
}

int dir_open_at(int dirfd, const char *name, int create, mode_t mode, const char *label)
{
	struct stat st;
	int fd, saved;
	if (create && mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", label, strerror(errno));
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	saved = errno;
	/* a symbolic link gives ENOTDIR here (O_DIRECTORY is checked first), or ELOOP */
	if ((saved == ENOTDIR || saved == ELOOP) && !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return dlg_error(DLG_EINVALID, "'%s' is %s", label,
				 S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
	return dlg_error(DLG_ERROR, "'%s': %s", label, strerror(saved));
}

/* Puts the finished temporary file at name, keeping whatever is there (link(2) fails on it). */
static int place_noreplace(int tmpfd, const char *tmp, int dirfd, const char *name)
{
	struct stat st;
	if (!linkat(tmpfd, tmp, dirfd, name, 0)) {
		unlinkat(tmpfd, tmp, 0);
		return 0;
	}
	if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS)
		return -1;
	/* no hard links on this file system (FAT, some FUSE): check, then rename */
	if (!fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW)) {
		errno = EEXIST;
		return -1;
	}
	return renameat(tmpfd, tmp, dirfd, name);
}

int file_write_at(int tmpfd, const char *prefix, int dirfd, const char *name, const void *data,
		  size_t len, int flags)
{
	struct strbuf tmp = STRBUF_INIT;
	char rnd[17];
	int fd = -1, err = 0;

	for (int tries = 0; fd < 0 && tries < 10; tries++) {
		random_hex(rnd, 16);
		strbuf_reset(&tmp);
		strbuf_addf(&tmp, "%s%s", prefix, rnd);
		fd = openat(tmpfd, tmp.buf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		err = dlg_error(DLG_ERROR, "cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) < 0 || (!(flags & FILE_NO_SYNC) && fsync(fd) < 0)) {
		int saved = errno;
		close(fd);
		err = dlg_error(DLG_ERROR, "%s", strerror(saved));
		goto fail;
	}
	if (close(fd) < 0) {
		err = dlg_error(DLG_ERROR, "%s", strerror(errno));
		goto fail;
	}
	if ((flags & FILE_NOREPLACE ? place_noreplace(tmpfd, tmp.buf, dirfd, name) :
				      renameat(tmpfd, tmp.buf, dirfd, name)) < 0) {
		err = errno == EEXIST ? dlg_error(DLG_EEXISTS, "exists") :
					dlg_error(DLG_ERROR, "%s", strerror(errno));
		goto fail;
	}
	if (!(flags & FILE_NO_SYNC) && fsync(dirfd) < 0)
		err = dlg_error(DLG_ERROR, "%s", strerror(errno));
	goto out;
fail:
	unlinkat(tmpfd, tmp.buf, 0);
out:
	strbuf_release(&tmp);
	return err;
}

int mkdirs(const char *path, int mode)
{
	struct strbuf parent = STRBUF_INIT;
	const char *slash;
	int ret;

	/* The common case, the parent exists, costs one system call. */
	if (!mkdir(path, (mode_t)mode) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(path, '/')) || slash == path)
		return -1;
	strbuf_add(&parent, path, (size_t)(slash - path));
	ret = mkdirs(parent.buf, mode);
	strbuf_release(&parent);
	if (ret < 0)
		return -1;
	return mkdir(path, (mode_t)mode) < 0 && errno != EEXIST ? -1 : 0;
}

int file_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return dlg_error(DLG_ERROR, "cannot remove '%s': %s", path, strerror(errno));
	return 0;
}
