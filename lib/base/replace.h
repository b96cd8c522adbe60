#ifndef DLG_BASE_REPLACE_H
#define DLG_BASE_REPLACE_H


/* rename(2) that swaps with an existing regular file (see lib/base/replace.c). */
int file_replace(const char *from, const char *to);
/* The same relative to directory fds (AT_FDCWD for none); never follows a
   symbolic link at `to`: the link itself is replaced. */
int file_replace_at(int fromdir, const char *from, int todir, const char *to);

#endif
