#ifndef DLG_BASE_UTF8_H
#define DLG_BASE_UTF8_H

#include <stddef.h>

#include "base/strbuf.h"

/* The UTF-8 character at s (n > 0 bytes there): its code point in *cp and
   the bytes it takes.  Anything RFC 3629 does not allow (overlong forms,
   surrogates, past U+10FFFF, truncated, stray continuation bytes, lead
   bytes 0xF8..0xFF) is U+FFFD taking its maximal subpart (Unicode, 3.9):
   one U+FFFD per broken piece, never swallowing a valid character. */
size_t utf8_decode(const char *s, size_t n, unsigned *cp);
/* Where to cut s, of more than n >= 4 bytes: at n or up to 3 bytes before,
   so that no valid character is split (texts are sanitized in pieces). */
size_t utf8_cut(const char *s, size_t n);
/* Appends the UTF-8 of code point cp; NUL, surrogates and what is past
   U+10FFFF become U+FFFD. */
void utf8_put(struct strbuf *out, unsigned cp);
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
/* Appends s with the capitals of ASCII, Latin-1, Greek and Cyrillic
   (Ё included) made lowercase, every other byte as it was: how tags are
   compared (store-format.md, "Tags"). */
void utf8_fold_case(struct strbuf *out, const char *s, size_t len);

#endif
