#ifndef DLG_UTIL_H
#define DLG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "strbuf.h"

#define DLG_ID_LEN 16      /* dialog and user ids: 16 lowercase hex digits */
#define DLG_ID_MIN 4       /* shortest prefix a command accepts */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t days_from_civil(int64_t y, int m, int d);
/* 0-15 for a hex digit, else -1. */
int hex_value(int c);

/* Current time; $DLG_NOW (unix seconds or ISO 8601) pins it for tests. */
time_t dlg_now(void);
/* With DLG_TRACE_PERF set, prints the time since start-up at a named step. */
void trace_perf(const char *step);
/* "2026-11-25T10:00:00Z" */
void time_format_iso(struct strbuf *out, time_t t);
/* "2026-11-25 10:00" in local time ($TZ), for people */
void time_format_short(struct strbuf *out, time_t t);
/* Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] and unix seconds (@N or N). */
int time_parse(time_t *out, const char *s);
/* The same for dates people type: without a Z they are local time ($TZ). */
int time_parse_local(time_t *out, const char *s);

/* SHA-1 of data as 40 hex digits (+NUL): git's blob id, so it loads
   libgit2, and fails when that cannot be loaded. */
int hash_hex(char out[41], const void *data, size_t len);
/* A 16-hex key from a kind and up to two strings: hash("kind\0a\0b"). */
int key_make(char out[DLG_ID_LEN + 1], const char *kind, const char *a, const char *b);
/* n random hex digits (+NUL). */
void random_hex(char *out, size_t n);
int is_hex_prefix(const char *s);
int is_full_id(const char *s);
/* "dialogs/3f/9a/3f9a2c1e8b7d4a60" */
void shard_path(struct strbuf *out, const char *top, const char *id);

/* Op-log fields are space separated: encodes space, %, controls as %XX. */
void field_encode(struct strbuf *out, const char *s);
void field_decode(struct strbuf *out, const char *s, size_t len);

/* The UTF-8 character at s (n > 0 bytes there): its code point in *cp and
   the bytes it takes.  Anything RFC 3629 does not allow (overlong forms,
   surrogates, past U+10FFFF, truncated, stray continuation bytes, lead
   bytes 0xF8..0xFF) is U+FFFD taking its maximal subpart (Unicode, 3.9):
   one U+FFFD per broken piece, never swallowing a valid character. */
size_t utf8_decode(const char *s, size_t n, unsigned *cp);
/* Where to cut s, of more than n >= 4 bytes: at n or up to 3 bytes before,
   so that no valid character is split (texts are sanitized in pieces). */
size_t utf8_cut(const char *s, size_t n);
/* Appends in with invalid UTF-8 replaced by U+FFFD and NUL bytes dropped. */
void utf8_sanitize(struct strbuf *out, const char *in, size_t len);

/* Printing customer text: control characters, escape sequences and the
   C1 range become visible (^[ style), bidi overrides and invalid UTF-8
   U+FFFD, so the output is valid UTF-8; newlines and tabs are kept when
   keep_newlines, else shown as spaces. */
void term_sanitize(struct strbuf *out, const char *s, size_t len, int keep_newlines);
/* Number of terminal columns (code points; wide CJK/emoji count 2). */
size_t utf8_width(const char *s, size_t len);
/* term_sanitize() and utf8_truncate_len() at once; returns the columns used. */
size_t term_sanitize_cut(struct strbuf *out, const char *s, size_t len, size_t cols);
/* Appends at most `cols` columns of s (cut on a character boundary, "…" when
   cut); invalid UTF-8 becomes U+FFFD, controls are left as they are. */
void utf8_truncate_len(struct strbuf *out, const char *s, size_t len, size_t cols);
void utf8_truncate(struct strbuf *out, const char *s, size_t cols);

/* Directory helpers; return 0 or -1 with errno. */
int mkdirs(const char *path, int mode);
/* rename(2) that swaps with an existing regular file (see lib/replace.c). */
int file_replace(const char *from, const char *to);
/* The same relative to directory fds (AT_FDCWD for none); never follows a
   symbolic link at `to`: the link itself is replaced. */
int file_replace_at(int fromdir, const char *from, int todir, const char *to);

#endif
