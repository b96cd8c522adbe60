#ifndef DLG_DURABLE_H
#define DLG_DURABLE_H

#include <stddef.h>

/*
 * Getting writes onto the disk, and in order.  A change is durable once
 * dlg says it succeeded: what it wrote reaches the disk before the branch
 * points to it, the branch's move before dlg returns.  Each returns 0, or
 * -1 with errno set.
 */

/* Everything written so far on the file system holding path is on disk:
   one syncfs(2), one flush of the disk's cache however many files a
   change wrote (an fsync per file costs one each). */
int flush_fs(const char *path);
/* The names in directory path (files created, renamed, removed) are on disk. */
int flush_dir(const char *path);
/* Replaces path with data through a new file in tmpdir so that the data,
   and everything written before on that file system, is on disk before the
   new name can be: for a record that vouches for earlier writes (the
   view's .git/dlg/view).  The rename itself may reach the disk later. */
int write_stamp(const char *path, const char *tmpdir, const void *data, size_t len);

/* rename(2) that fails (EEXIST) rather than replace what is at to. */
int rename_new(const char *from, const char *to);

/* write(2) until all of buf is written. */
int write_all(int fd, const void *buf, size_t len);

#endif
