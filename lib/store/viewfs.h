#ifndef DLG_VIEWFS_H
#define DLG_VIEWFS_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * The view's files, reached from the store directory's fd one component at
 * a time with O_NOFOLLOW: a symbolic link planted in the view
 * (dialogs/3f -> /etc) redirects no write, removal or move, and nothing
 * here ever reaches above the store directory.  Paths given are relative
 * to it and already checked (lib/git/treepath.h).
 */
#define VIEWFS_DEPTH 8

struct viewfs {
	int root_fd;  /* the store directory */
	int tmp_fd;   /* .git/dlg/tmp: new files are made there, then renamed into place */
	/* The directories last opened, kept for the next path: the view is
	   written in tree order, so most paths share them. */
	struct strbuf dir;
	size_t ends[VIEWFS_DEPTH];
	int fds[VIEWFS_DEPTH];
	/* made[i]: fds[i] is a directory this viewfs made, so nothing dlg
	   writes there can be in it yet: no look before writing. */
	unsigned char made[VIEWFS_DEPTH];
	size_t depth;
	/* The names of new files in tmp: a random prefix and a counter. */
	char tmp_prefix[17];
	unsigned long tmp_count;
};

int viewfs_open(struct viewfs *v, const char *root, const char *tmpdir);
void viewfs_close(struct viewfs *v);
/* Closes the kept directories (after removing some). */
void viewfs_forget(struct viewfs *v);

/* The directory made of rel's first len bytes ("" is the store directory),
   opened component by component without following links; with create,
   missing ones are made and *created (if given) counts them.  The fd is
   v's, valid until its next call.  DLG_ENOTFOUND when one is missing
   (without create); DLG_EINVALID when one is a link or not a directory. */
int viewfs_dir(int *out, struct viewfs *v, const char *rel, size_t len, int create, int *created);
/* Whether the directory the last viewfs_dir() opened is one v made. */
int viewfs_made(const struct viewfs *v);

/* Puts data at name in directory dirfd (rel names it in messages), unless
   the file there already holds exactly that: a new file of an unpredictable
   name in tmp (O_CREAT|O_EXCL|O_NOFOLLOW), renamed over it; a link found
   there is replaced, never followed. */
int viewfs_write_at(struct viewfs *v, int dirfd, const char *name, const char *rel, const void *data, size_t len);
/* The same by path, making the directories on the way; changed: the
   caller knows the file holds other bytes (or is not there), so it is
   replaced without a look. */
int viewfs_write(struct viewfs *v, const char *rel, const void *data, size_t len, int changed, int *created);

/* Reads a regular file without following a link: -1 (errno set) for
   anything else, ELOOP for a link. */
int read_file_at(struct strbuf *out, int dirfd, const char *name);

/* Opens (with create: makes) the directories of rel under base, without
   following links; the fd is the caller's to close.  -1 with errno. */
int open_dirs_at(int base, const char *rel, int create);

/* Appends the names in directory name of dirfd ("." for dirfd itself),
   opened without following a link.  0 or -1 with errno. */
int list_dir_at(struct strlist *out, int dirfd, const char *name);

/* Removes name in dirfd and, for a directory, everything in it, without
   following links.  0 or -1 with errno. */
int remove_tree_at(int dirfd, const char *name);

#endif
