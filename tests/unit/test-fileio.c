/*
 * Unit tests for lib/base/fileio.c: what is checked is what is read (the size
 * and the bytes come from one descriptor), links and FIFOs are refused
 * without waiting, and writes never go through a planted link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/strbuf.h"

static char dir[] = "/tmp/dlg-test-fileio-XXXXXX";
static int dfd = -1;

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int rc;
	(void)state;
	close(dfd);
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd.buf);
	strbuf_release(&cmd);
	return rc ? -1 : 0;
}

static void put(const char *name, const char *text)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void get(struct strbuf *out, const char *name)
{
	strbuf_reset(out);
	assert_int_equal(file_read_regular(out, dfd, name, FILE_NOFOLLOW, FILE_NO_LIMIT), 0);
}

/* Only the named entries are in the directory: no temporary file was left behind. */
static size_t count_entries(void)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	DIR *d = fdopendir(fd);
	size_t n = 0;
	struct dirent *de;
	assert_non_null(d);
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_read_limit(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	put("ten", "0123456789");
	assert_int_equal(file_read_regular(&sb, dfd, "ten", FILE_NOFOLLOW, 10), 0);
	assert_string_equal(sb.buf, "0123456789");
	strbuf_reset(&sb);
	assert_int_equal(file_read_regular(&sb, dfd, "ten", FILE_NOFOLLOW, 9), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "10 bytes, more than the 9 bytes allowed");
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

static void test_grown_after_the_check(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd, w;
	(void)state;
	put("grows", "small");
	fd = file_open_read(&st, dfd, "grows", FILE_NOFOLLOW);
	assert_true(fd >= 0);
	/* after the fstat, before the read: the read stops at limit + 1 and says so */
	w = openat(dfd, "grows", O_WRONLY | O_APPEND);
	assert_int_equal(write(w, "0123456789", 10), 10);
	close(w);
	strbuf_addstr(&sb, "kept:");
	assert_int_equal(file_read_fd(&sb, fd, &st, 8), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "grew past the 8 bytes allowed while read");
	assert_string_equal(sb.buf, "kept:"); /* what was there before stays, nothing more */
	close(fd);
	strbuf_release(&sb);
}

static void test_swapped_after_open(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int fd;
	(void)state;
	put("orig", "the file checked");
	put("other", "a file put there later, much larger than the first one was");
	fd = file_open_read(&st, dfd, "orig", FILE_NOFOLLOW);
	assert_true(fd >= 0);
	assert_int_equal(renameat(dfd, "other", dfd, "orig"), 0);
	assert_int_equal(file_read_fd(&sb, fd, &st, 20), 0);
	assert_string_equal(sb.buf, "the file checked");
	close(fd);
	strbuf_release(&sb);
}

static void test_links_fifos_dirs(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	put("target", "secret");
	assert_int_equal(symlinkat("target", dfd, "link"), 0);
	assert_int_equal(file_read_regular(&sb, dfd, "link", FILE_NOFOLLOW, 100), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "a symbolic link");
	/* without FILE_NOFOLLOW the operator's own link is followed */
	assert_int_equal(file_read_regular(&sb, dfd, "link", 0, 100), 0);
	assert_string_equal(sb.buf, "secret");
	strbuf_reset(&sb);
	assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0); /* nobody writes: an open that waited would hang */
	assert_int_equal(file_read_regular(&sb, dfd, "fifo", 0, 100), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "a FIFO, not a regular file");
	assert_int_equal(mkdirat(dfd, "sub", 0755), 0);
	assert_int_equal(file_read_regular(&sb, dfd, "sub", FILE_NOFOLLOW, 100), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "a directory, not a regular file");
	assert_int_equal(file_read_regular(&sb, AT_FDCWD, "/dev/zero", 0, 100), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "a character device, not a regular file");
	assert_int_equal(file_read_regular(&sb, dfd, "missing", 0, 100), DLG_ERROR);
	assert_string_equal(dlg_error_last(), strerror(ENOENT));
	unlinkat(dfd, "link", 0);
	unlinkat(dfd, "fifo", 0);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	unlinkat(dfd, "target", 0);
	strbuf_release(&sb);
}

static void test_dir_open(void **state)
{
	int fd;
	(void)state;
	fd = dir_open_at(dfd, "made", 1, 0755, "x/made");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlinkat("made", dfd, "dlink"), 0);
	assert_int_equal(dir_open_at(dfd, "dlink", 1, 0755, "x/dlink"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "'x/dlink' is a symbolic link");
	put("plain", "");
	assert_int_equal(dir_open_at(dfd, "plain", 0, 0, "x/plain"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "'x/plain' is not a directory");
	assert_int_equal(dir_open_at(dfd, "none", 0, 0, "x/none"), DLG_ERROR);
	unlinkat(dfd, "dlink", 0);
	unlinkat(dfd, "plain", 0);
	unlinkat(dfd, "made", AT_REMOVEDIR);
}

static void test_write_never_follows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	size_t before = count_entries();
	(void)state;
	put("victim", "precious");
	assert_int_equal(symlinkat("victim", dfd, "out"), 0);
	/* kept: the link stays, the victim too, no temporary file is left */
	assert_int_equal(file_write_at(dfd, ".t-", dfd, "out", "new", 3, FILE_NOREPLACE), DLG_EEXISTS);
	assert_int_equal(fstatat(dfd, "out", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(count_entries(), before + 2);
	/* replaced: the link becomes the file, the victim is untouched */
	assert_int_equal(file_write_at(dfd, ".t-", dfd, "out", "new", 3, 0), 0);
	assert_int_equal(fstatat(dfd, "out", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	get(&sb, "out");
	assert_string_equal(sb.buf, "new");
	get(&sb, "victim");
	assert_string_equal(sb.buf, "precious");
	/* a new name appears whole */
	assert_int_equal(file_write_at(dfd, ".t-", dfd, "fresh", "data", 4, FILE_NOREPLACE), 0);
	get(&sb, "fresh");
	assert_string_equal(sb.buf, "data");
	assert_int_equal(count_entries(), before + 3);
	unlinkat(dfd, "out", 0);
	unlinkat(dfd, "fresh", 0);
	unlinkat(dfd, "victim", 0);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_limit),
		cmocka_unit_test(test_grown_after_the_check),
		cmocka_unit_test(test_swapped_after_open),
		cmocka_unit_test(test_links_fifos_dirs),
		cmocka_unit_test(test_dir_open),
		cmocka_unit_test(test_write_never_follows),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
