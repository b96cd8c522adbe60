#define _GNU_SOURCE /* syncfs, renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/replace.h"
#include "base/time.h"

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rename_new(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
#endif
	/* Without RENAME_NOREPLACE: a directory can still only replace an empty one. */
	if (!access(to, F_OK)) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

static int sync_fd_of(const char *path, int (*sync_fn)(int))
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret, saved;
	if (fd < 0)
		return -1;
	ret = sync_fn(fd);
	saved = errno;
	close(fd);
	/* A file system that cannot sync a directory has nothing to sync there. */
	if (ret < 0 && saved == EINVAL)
		return 0;
	errno = saved;
	return ret;
}

int flush_fs(const char *path)
{
	return sync_fd_of(path, syncfs);
}

int flush_dir(const char *path)
{
	return sync_fd_of(path, fsync);
}

int write_stamp(const char *path, const char *tmpdir, const void *data, size_t len)
{
	struct strbuf tmp = STRBUF_INIT;
	int fd, saved;

	strbuf_addf(&tmp, "%s/stamp.XXXXXX", tmpdir);
	if ((fd = mkstemp(tmp.buf)) < 0) {
		strbuf_release(&tmp);
		return -1;
	}
	if (fchmod(fd, 0644) < 0 || write_all(fd, data, len) < 0) {
		saved = errno;
		close(fd);
		goto fail;
	}
	trace_perf("stamp: written");
	if (close(fd) < 0 || flush_fs(tmpdir) < 0 || file_replace(tmp.buf, path) < 0) {
		saved = errno;
		goto fail;
	}
	trace_perf("stamp: on disk");
	strbuf_release(&tmp);
	return 0;
fail:
	unlink(tmp.buf);
	strbuf_release(&tmp);
	errno = saved;
	return -1;
}
