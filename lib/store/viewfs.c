#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/replace.h"
#include "store/viewfs.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define TMP_NAME_MAX 48

/* parent_made: parent is a directory this viewfs made, so name cannot be
   there yet and only mkdir is tried first. */
static int open_dir_step(int parent, const char *name, int create, int parent_made, int *created)
{
	int fd = -1;
	if (create && parent_made) {
		if (!mkdirat(parent, name, 0755)) {
			if (created)
				(*created)++;
			return openat(parent, name, DIR_FLAGS);
		}
		if (errno != EEXIST)
			return -1;
	}
	fd = openat(parent, name, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
			return -1;
		if (created)
			(*created)++;
		fd = openat(parent, name, DIR_FLAGS);
	}
	return fd;
}

/* Why the directory at name (rel in messages) could not be opened. */
static int dir_error(int parent, const char *name, const char *rel, size_t len)
{
	struct stat st;
	int saved = errno;
	if (saved == ENOENT)
		return dlg_error(DLG_ENOTFOUND, "no directory '%.*s'", (int)len, rel);
	if ((saved == ELOOP || saved == ENOTDIR) && !fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW)) {
		if (S_ISLNK(st.st_mode))
			return dlg_error(DLG_EINVALID,
					 "'%.*s' is a symbolic link; dlg fsck --repair moves it aside", (int)len, rel);
		return dlg_error(DLG_EINVALID, "'%.*s' is not a directory; dlg fsck --repair moves it aside",
				 (int)len, rel);
	}
	return dlg_error(DLG_ERROR, "cannot open '%.*s': %s", (int)len, rel, strerror(saved));
}

int viewfs_open(struct viewfs *v, const char *root, const char *tmpdir)
{
	memset(v, 0, sizeof(*v));
	strbuf_init(&v->dir, 0);
	v->tmp_fd = -1;
	/* The store directory itself may be a link (~/support -> /srv/support):
	   that one is the operator's choice, so it is followed. */
	if ((v->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return dlg_error(DLG_ERROR, "cannot open '%s': %s", root, strerror(errno));
	if ((v->tmp_fd = open(tmpdir, DIR_FLAGS)) < 0) {
		int err = dlg_error(DLG_ERROR, "cannot open '%s': %s", tmpdir, strerror(errno));
		viewfs_close(v);
		return err;
	}
	return 0;
}

void viewfs_forget(struct viewfs *v)
{
	while (v->depth)
		close(v->fds[--v->depth]);
	strbuf_reset(&v->dir);
}

void viewfs_close(struct viewfs *v)
{
	viewfs_forget(v);
	strbuf_release(&v->dir);
	if (v->root_fd >= 0)
		close(v->root_fd);
	if (v->tmp_fd >= 0)
		close(v->tmp_fd);
	v->root_fd = v->tmp_fd = -1;
}

int viewfs_dir(int *out, struct viewfs *v, const char *rel, size_t len, int create, int *created)
{
	struct strbuf name = STRBUF_INIT;
	size_t keep = 0, pos;
	int err = 0, made = 0;

	/* Keep the open directories rel starts with. */
	while (keep < v->depth && v->ends[keep] <= len && !memcmp(v->dir.buf, rel, v->ends[keep]) &&
	       (v->ends[keep] == len || rel[v->ends[keep]] == '/'))
		keep++;
	while (v->depth > keep)
		close(v->fds[--v->depth]);
	strbuf_setlen(&v->dir, keep ? v->ends[keep - 1] : 0);

	for (pos = keep ? v->ends[keep - 1] + 1 : 0; pos < len;) {
		const char *slash = memchr(rel + pos, '/', len - pos);
		size_t end = slash ? (size_t)(slash - rel) : len;
		int parent = v->depth ? v->fds[v->depth - 1] : v->root_fd, fd;
		if (v->depth == VIEWFS_DEPTH) {
			err = dlg_error(DLG_EINVALID, "'%.*s' is too deep", (int)len, rel);
			break;
		}
		strbuf_reset(&name);
		strbuf_add(&name, rel + pos, end - pos);
		int parent_made = v->depth && v->made[v->depth - 1], before = made;
		if ((fd = open_dir_step(parent, name.buf, create, parent_made, &made)) < 0) {
			err = dir_error(parent, name.buf, rel, end);
			break;
		}
		if (v->depth)
			strbuf_addch(&v->dir, '/');
		strbuf_addbuf(&v->dir, &name);
		v->fds[v->depth] = fd;
		v->made[v->depth] = made > before;
		v->ends[v->depth++] = end;
		pos = end + 1;
	}
	strbuf_release(&name);
	if (created)
		*created += made;
	*out = v->depth ? v->fds[v->depth - 1] : v->root_fd;
	return err;
}

int viewfs_made(const struct viewfs *v)
{
	return v->depth && v->made[v->depth - 1];
}

int read_file_at(struct strbuf *out, int dirfd, const char *name)
{
	struct stat st;
	int fd, ret = -1, saved;
	/* O_NONBLOCK: a FIFO planted there must not hang us before fstat says what it is. */
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		saved = errno;
	else if (!S_ISREG(st.st_mode))
		saved = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else if ((ret = strbuf_read_fd(out, fd)) < 0)
		saved = errno;
	else
		saved = 0;
	close(fd);
	errno = saved;
	return ret;
}

static int new_tmp_prefix(struct viewfs *v)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[8];
	if (getentropy(raw, sizeof(raw)) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++) {
		v->tmp_prefix[2 * i] = digits[raw[i] >> 4];
		v->tmp_prefix[2 * i + 1] = digits[raw[i] & 0xf];
	}
	v->tmp_prefix[16] = '\0';
	return 0;
}

/* A new file in tmp under a name nobody can guess (a random prefix drawn
   once per viewfs, and a counter), so nobody can plant a link or a file
   there before us; O_EXCL would refuse one anyway, and then the prefix is
   drawn again. */
static int create_tmp(struct viewfs *v, char name[TMP_NAME_MAX])
{
	for (int attempt = 0; attempt < 8; attempt++) {
		int fd;
		if (!v->tmp_prefix[0] && new_tmp_prefix(v) < 0)
			return -1;
		snprintf(name, TMP_NAME_MAX, "view.%s.%lx", v->tmp_prefix, v->tmp_count++);
		fd = openat(v->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
		v->tmp_prefix[0] = '\0';
	}
	return -1;
}

/* How write_file puts a file in place: FILE_FRESH when dirfd is a
   directory this viewfs made, so name is not there yet (a plain rename);
   FILE_CHANGED when the caller knows name holds other bytes or nothing (no
   look at it first); FILE_COMPARE when it may already hold exactly data. */
enum file_mode { FILE_COMPARE, FILE_CHANGED, FILE_FRESH };

static int write_file(struct viewfs *v, int dirfd, const char *name, const char *rel, const void *data,
		      size_t len, enum file_mode mode)
{
	char tmp[TMP_NAME_MAX];
	int fd, saved;

	if (mode == FILE_COMPARE) {
		struct strbuf old = STRBUF_INIT;
		int same = !read_file_at(&old, dirfd, name) && old.len == len && !memcmp(old.buf, data, len);
		strbuf_release(&old);
		if (same)
			return 0;
	}
	if ((fd = create_tmp(v, tmp)) < 0)
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", rel, strerror(errno));
	if (write_all(fd, data, len) < 0) {
		saved = errno;
		close(fd);
	} else if (close(fd) < 0 ||
		   (mode == FILE_FRESH ? renameat(v->tmp_fd, tmp, dirfd, name)
				       : file_replace_at(v->tmp_fd, tmp, dirfd, name)) < 0) {
		saved = errno;
	} else {
		return 0;
	}
	unlinkat(v->tmp_fd, tmp, 0);
	return dlg_error(DLG_ERROR, "cannot write '%s': %s", rel, strerror(saved));
}

int viewfs_write_at(struct viewfs *v, int dirfd, const char *name, const char *rel, const void *data, size_t len)
{
	return write_file(v, dirfd, name, rel, data, len, FILE_COMPARE);
}

int viewfs_write(struct viewfs *v, const char *rel, const void *data, size_t len, int changed, int *created)
{
	const char *slash = strrchr(rel, '/');
	int dirfd, err;
	if ((err = viewfs_dir(&dirfd, v, rel, slash ? (size_t)(slash - rel) : 0, 1, created)) < 0)
		return err;
	return write_file(v, dirfd, slash ? slash + 1 : rel, rel, data, len,
			  viewfs_made(v) ? FILE_FRESH : changed ? FILE_CHANGED : FILE_COMPARE);
}

int open_dirs_at(int base, const char *rel, int create)
{
	struct strbuf name = STRBUF_INIT;
	int fd = dup(base);
	for (const char *p = rel; fd >= 0 && *p;) {
		size_t n = strcspn(p, "/");
		int next;
		strbuf_reset(&name);
		strbuf_add(&name, p, n);
		next = n ? open_dir_step(fd, name.buf, create, 0, NULL) : dup(fd);
		close(fd);
		fd = next;
		p += n + (p[n] == '/');
	}
	strbuf_release(&name);
	return fd;
}

int list_dir_at(struct strlist *out, int dirfd, const char *name)
{
	int fd = openat(dirfd, name, DIR_FLAGS), saved;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strlist_push(out, de->d_name);
	closedir(d);
	return 0;
}

int remove_tree_at(int dirfd, const char *name)
{
	struct strlist names = STRLIST_INIT;
	int fd, err = 0;

	if (!unlinkat(dirfd, name, 0) || errno == ENOENT)
		return 0;
	if ((errno != EISDIR && errno != EPERM) || list_dir_at(&names, dirfd, name) < 0 ||
	    (fd = openat(dirfd, name, DIR_FLAGS)) < 0) {
		strlist_clear(&names);
		return -1;
	}
	for (size_t i = 0; i < names.nr && !err; i++)
		err = remove_tree_at(fd, names.items[i]);
	close(fd);
	strlist_clear(&names);
	return err ? err : unlinkat(dirfd, name, AT_REMOVEDIR);
}
