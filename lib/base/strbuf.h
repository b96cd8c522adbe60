#ifndef DLG_STRBUF_H
#define DLG_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A growable string buffer: buf is never NULL and always NUL-terminated,
 * so a fresh strbuf is a valid empty string.  Allocation failure aborts:
 * there is no sane recovery from OOM in a command-line tool.
 */
struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Release for a buffer that held a secret: its bytes are zeroed first. */
void strbuf_release_secret(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
static inline void strbuf_reset(struct strbuf *sb) { strbuf_setlen(sb, 0); }

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addbuf(struct strbuf *sb, const struct strbuf *other);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_trim(struct strbuf *sb);
void strbuf_rtrim(struct strbuf *sb);

/* Reads one line without its newline; returns EOF at end of input. */
int strbuf_getline(struct strbuf *sb, FILE *fp);
/* Appends the whole file; returns 0 or -1 with errno set. */
int strbuf_read_file(struct strbuf *sb, const char *path);
int strbuf_read_fd(struct strbuf *sb, int fd);

/* Checked allocation. */
/* Allocation failure ends the process (abort()); the front end may first
   report it through fn, which must not return. */
typedef void xalloc_failure_fn(size_t bytes);
void xalloc_on_failure(xalloc_failure_fn *fn);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
#define ALLOC_GROW(p, nr, alloc) do { \
	if ((nr) > (alloc)) { \
		(alloc) = (alloc) < 16 ? 16 : (alloc) * 2; \
		if ((alloc) < (nr)) (alloc) = (nr); \
		(p) = xrealloc((p), (alloc) * sizeof(*(p))); \
	} \
} while (0)

/* A growable list of owned strings. */
struct strlist {
	char **items;
	size_t nr, alloc;
};
#define STRLIST_INIT { NULL, 0, 0 }
void strlist_push(struct strlist *l, const char *s);
void strlist_push_nodup(struct strlist *l, char *s);
int strlist_has(const struct strlist *l, const char *s);
void strlist_sort(struct strlist *l);
/* strlist_has() for a list strlist_sort() sorted: a binary search. */
int strlist_has_sorted(const struct strlist *l, const char *s);
void strlist_clear(struct strlist *l);

#include "base/banned.h"

#endif
