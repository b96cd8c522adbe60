#ifndef DLG_FILEIO_H
#define DLG_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/strbuf.h"

/*
 * Files in directories someone else can write: the website's chat spool,
 * a Maildir being imported, the directory an attachment is saved to.
 * Everything is done relative to a directory descriptor, a file is opened
 * before it is looked at (fstat of what was opened, never stat then open),
 * and what dlg writes there gets a name nobody can guess and a file nobody
 * could have planted.  Functions return 0 (or a descriptor) or a negative
 * DLG_E* code with the reason in the error slot.
 */

#define FILE_NOFOLLOW 1   /* a symbolic link as the last component is refused */
#define FILE_NOREPLACE 2  /* file_write_at: an existing name (even a dangling link) is kept */
#define FILE_STREAM 4     /* file_read_regular: a FIFO or character device is read too, up to the limit */
#define FILE_NO_SYNC 8    /* file_write_at: a hint that may be lost in a crash, never flushed */
#define FILE_NO_LIMIT SIZE_MAX

/* What a file is, for messages: "a directory", "a FIFO", "a symbolic link"... */
const char *file_kind(mode_t mode);

/*
 * Opens name (relative to dirfd; AT_FDCWD for a path) for reading and
 * fstat()s it into *st.  O_NONBLOCK, so opening a FIFO never waits for a
 * writer; O_NOCTTY.  Returns the descriptor, or DLG_EINVALID ("a symbolic
 * link", with FILE_NOFOLLOW) or DLG_ERROR (the system's reason).
 */
int file_open_read(struct stat *st, int dirfd, const char *name, int flags);

/*
 * Appends the regular file open on fd, described by st, to out: at most
 * limit bytes, checked on the descriptor before and while reading (it
 * reads limit + 1 bytes at most), so the size and the bytes are of the same
 * file.  DLG_EINVALID when it is not a regular file or is too large.
 */
int file_read_fd(struct strbuf *out, int fd, const struct stat *st, size_t limit);

/* file_open_read() and file_read_fd() in one; with FILE_STREAM, a pipe or
   a character device named by the operator is read up to the limit too. */
int file_read_regular(struct strbuf *out, int dirfd, const char *name, int flags, size_t limit);

/*
 * Opens the directory name (relative to dirfd) without following a
 * symbolic link, after creating it with mode when create is set and it is
 * missing.  label names it in messages.  Returns the descriptor, or
 * DLG_EINVALID (a symbolic link, not a directory) or DLG_ERROR.
 */
int dir_open_at(int dirfd, const char *name, int create, mode_t mode, const char *label);

/*
 * Writes data as name in dirfd so that it is there whole or not at all:
 * a new file named prefix and 16 random hex digits is created in tmpfd
 * (O_CREAT|O_EXCL|O_NOFOLLOW: nothing planted there is followed or
 * reused), written, fsynced, renamed to name in dirfd, and dirfd fsynced
 * (with FILE_NO_SYNC neither: still whole or absent, but maybe lost).
 * A symbolic link at name is replaced, never written through; with
 * FILE_NOREPLACE anything at name is kept and DLG_EEXISTS returned.  The
 * file's mode is 0644 less the umask.  tmpfd and dirfd may be the same
 * directory (on one file system in any case).
 */
int file_write_at(int tmpfd, const char *prefix, int dirfd, const char *name, const void *data,
		  size_t len, int flags);

/* Removes the file at path: 0, also when there was none; else DLG_ERROR
   "cannot remove 'PATH': ...". */
int file_remove(const char *path);

/* mkdir -p; 0 or -1 with errno. */
int mkdirs(const char *path, int mode);

#endif
