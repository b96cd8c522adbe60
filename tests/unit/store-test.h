/* A scratch store for the unit tests that need git. */
#ifndef DLG_STORE_TEST_H
#define DLG_STORE_TEST_H

/* Include <cmocka.h>, <fcntl.h>, <stdlib.h>, <sys/stat.h>, <unistd.h>
   and "store/store.h" first. */

/* A store in DIR/s, DIR made from dir (a mkdtemp() template, which it
   overwrites); its changes are operator's, at a fixed time. */
static inline struct dlg_store *scratch_store_new(char *dir, const char *operator)
{
	struct dlg_store *s = NULL;
	struct strbuf root = STRBUF_INIT;
	setenv("DLG_OPERATOR", operator, 1);
	setenv("DLG_NOW", "2026-11-25T10:00:00Z", 1);
	assert_non_null(mkdtemp(dir));
	strbuf_addf(&root, "%s/s", dir);
	assert_int_equal(store_init(&s, root.buf), 0);
	strbuf_release(&root);
	return s;
}

/* Closes the store and removes DIR. */
static inline void scratch_store_free(struct dlg_store *s, const char *dir)
{
	struct strbuf cmd = STRBUF_INIT;
	store_free(s);
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
}

/*
 * The library never prints: what a call writes to stdout or stderr between
 * printed_begin() and printed_end() goes to DIR/printed, which must stay
 * empty (assert_nothing_printed says what was printed).
 */
struct printed {
	int fd, saved_out, saved_err, active;
};

static inline void printed_open(struct printed *p, const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "%s/printed", dir);
	p->fd = open(path.buf, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	p->saved_out = dup(1);
	p->saved_err = dup(2);
	p->active = 0;
	assert_true(p->fd >= 0 && p->saved_out >= 0 && p->saved_err >= 0);
	strbuf_release(&path);
}

static inline void printed_begin(struct printed *p)
{
	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(p->fd, 1) >= 0 && dup2(p->fd, 2) >= 0);
	p->active = 1;
}

/* Back to the terminal; returns ret, so a call can be wrapped (QUIET). */
static inline int printed_end(struct printed *p, int ret)
{
	fflush(stdout);
	fflush(stderr);
	dup2(p->saved_out, 1);
	dup2(p->saved_err, 2);
	p->active = 0;
	return ret;
}

static inline void assert_nothing_printed(struct printed *p)
{
	struct stat st;
	char seen[256] = "";
	assert_int_equal(fstat(p->fd, &st), 0);
	if (st.st_size) {
		ssize_t n = pread(p->fd, seen, sizeof(seen) - 1, 0);
		seen[n > 0 ? n : 0] = '\0';
		fail_msg("the library printed: %s", seen);
	}
}

/* In a teardown: a test that failed while captured gets cmocka's report out. */
static inline void printed_close(struct printed *p)
{
	if (p->active)
		printed_end(p, 0);
	close(p->fd);
	close(p->saved_out);
	close(p->saved_err);
}

#endif
