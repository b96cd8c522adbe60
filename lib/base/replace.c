#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>


/*
 * rename(2) onto an existing regular file, done as an exchange where the
 * kernel can.  ext4 flushes the data of a file renamed over another
 * (auto_da_alloc, a guard for programs that never fsync): 0.1 to 1 ms per
 * file on this project's machines, several times per change.  An exchange
 * is just as atomic for readers, who see the old or the new file, and
 * skips that flush.  Nothing dlg writes this way needs it: the view is
 * derived from git objects, and its files reach the disk all at once, by
 * one syncfs(2), before the record naming their commit (write_stamp()).
 */
int file_replace_at(int fromdir, const char *from, int todir, const char *to)
{
#ifdef RENAME_EXCHANGE
	struct stat st;
	if (!fstatat(todir, to, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode)) {
		if (!renameat2(fromdir, from, todir, to, RENAME_EXCHANGE)) {
			unlinkat(fromdir, from, 0); /* now the old file; a leftover in tmp/ is harmless */
			return 0;
		}
		if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP && errno != ENOENT)
			return -1;
	}
#endif
	return renameat(fromdir, from, todir, to);
}

int file_replace(const char *from, const char *to)
{
	return file_replace_at(AT_FDCWD, from, AT_FDCWD, to);
}
