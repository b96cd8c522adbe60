#include <string.h>

#include "base/utf8.h"

size_t utf8_decode(const char *str, size_t n, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c = s[0], lo = 0x80, hi = 0xbf, v;
	size_t need, k;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0; /* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90; /* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f; /* past U+10FFFF */
	} else {
		*cp = 0xfffd; /* a continuation byte, 0xC0, 0xC1, 0xF5..0xFF */
		return 1;
	}
	for (k = 1; k < need; k++, lo = 0x80, hi = 0xbf) {
		if (k >= n || s[k] < lo || s[k] > hi) {
			*cp = 0xfffd;
			return k;
		}
		v = v << 6 | (s[k] & 0x3f);
	}
	*cp = v;
	return need;
}

size_t utf8_cut(const char *s, size_t n)
{
	/* before the lead byte of the character s[n] continues; a fourth
	   continuation byte in a row continues nothing */
	for (size_t k = n; k > 0 && k + 3 >= n; k--)
		if (((unsigned char)s[k] & 0xc0) != 0x80)
			return k;
	return n;
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

void utf8_sanitize(struct strbuf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, run = 0;

	strbuf_grow(out, len);
	while (i < len) {
		unsigned cp;
		size_t n;
		if (s[i] && s[i] < 0x80) {
			i++;
			run++;
			continue;
		}
		strbuf_add(out, s + i - run, run);
		run = 0;
		if (!s[i]) {
			i++;
			continue;
		}
		n = utf8_decode(in + i, len - i, &cp);
		if (cp == 0xfffd) /* a broken sequence, or U+FFFD itself: the same bytes */
			strbuf_add(out, REPLACEMENT, 3);
		else
			strbuf_add(out, s + i, n);
		i += n;
	}
	strbuf_add(out, s + i - run, run);
}

/* C1 controls (CSI as one byte), bidi overrides, broken bytes: shown as U+FFFD. */
static int is_unsafe_cp(unsigned cp)
{
	return (cp >= 0x80 && cp < 0xa0) || cp == 0xfffd || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static int cp_wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
	       (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
	       (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
	       (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
	       (cp >= 0x20000 && cp <= 0x3fffd);
}

static int cp_zero(unsigned cp)
{
	return (cp >= 0x300 && cp <= 0x36f) || cp == 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f);
}

/* What one character that is not printable ASCII shows as on a terminal. */
struct shown_char {
	const char *text;
	size_t len, width;
	char ctl[2];
};

/* Fills c for the character at p; returns the input bytes it took. */
static inline size_t show_char(struct shown_char *c, const unsigned char *p, size_t len, int keep_newlines)
{
	unsigned cp;
	size_t n = utf8_decode((const char *)p, len, &cp);
	c->len = c->width = 1;
	if (cp == '\n' || cp == '\t') {
		c->text = keep_newlines && cp == '\n' ? "\n" : keep_newlines ? "\t" : " ";
	} else if (cp < 0x20 || cp == 0x7f) {
		c->ctl[0] = '^';
		c->ctl[1] = cp == 0x7f ? '?' : (char)(cp + '@');
		c->text = c->ctl;
		c->len = c->width = 2;
	} else if (is_unsafe_cp(cp)) {
		c->text = REPLACEMENT;
		c->len = 3;
	} else {
		c->text = (const char *)p;
		c->len = n;
		c->width = cp_zero(cp) ? 0 : cp_wide(cp) ? 2 : 1;
	}
	return n;
}

void term_sanitize(struct strbuf *out, const char *s, size_t len, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		struct shown_char c;
		size_t run = 0;
		while (i + run < len && p[i + run] >= 0x20 && p[i + run] < 0x7f)
			run++; /* printable ASCII, the usual case, goes in one copy */
		if (run) {
			strbuf_add(out, p + i, run);
			i += run;
			continue;
		}
		i += show_char(&c, p + i, len - i, keep_newlines);
		strbuf_add(out, c.text, c.len);
	}
}

/* Bytes the characters of some width among the next left input bytes can
   put out before the cut at cols: 3 for one byte (U+FFFD), 4 per column. */
static inline size_t cut_room(size_t left, size_t cols)
{
	return left < cols + 2 ? 3 * left : 4 * (cols + 2);
}

/*
 * term_sanitize() then utf8_truncate_len() in one pass that stops at the
 * width: a listing of 100 000 previews need not sanitize them whole.
 * Returns the columns used.
 */
size_t term_sanitize_cut(struct strbuf *out, const char *s, size_t len, size_t cols)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, w = 0, o, cut, wcut = 0;
	char *buf;
	/* Each input byte gives at most 3 bytes (U+FFFD for a broken one), and
	   no more than cols + 1 characters of at most 4 bytes are taken. */
	size_t most = len < 4 * (cols + 2) ? len : 4 * (cols + 2);
	strbuf_grow(out, 3 * most + 3);
	buf = out->buf;
	o = cut = out->len;
	while (i < len && w <= cols) {
		struct shown_char c;
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			/* a run of printable ASCII, one column each */
			size_t run = 1, room = cols + 1 - w;
			while (run < room && i + run < len && p[i + run] >= 0x20 && p[i + run] < 0x7f)
				run++;
			memcpy(buf + o, s + i, run);
			if (w + 2 <= cols) {
				size_t fit = cols - w - 1; /* characters that leave room for "…" */
				size_t k = run < fit ? run : fit;
				cut = o + k;
				wcut = w + k;
			}
			o += run;
			w += run;
			i += run;
			continue;
		}
		/* two-byte letters (Cyrillic, Greek, accented Latin): one column
		   each, safe as they are; combining marks (U+0300..) and C1 are not */
		if (p[i] >= 0xc2 && p[i] <= 0xdf && p[i] != 0xcc && p[i] != 0xcd && i + 1 < len &&
		    (p[i + 1] & 0xc0) == 0x80 && (p[i] != 0xc2 || p[i + 1] >= 0xa0)) {
			if (w + 2 <= cols) {
				cut = o + 2;
				wcut = w + 1;
			}
			buf[o] = (char)p[i];
			buf[o + 1] = (char)p[i + 1];
			o += 2;
			w++;
			i += 2;
			continue;
		}
		i += show_char(&c, p + i, len - i, 0);
		if (w + c.width + 1 <= cols) {
			cut = o + c.len;
			wcut = w + c.width;
		}
		if (o + c.len + cut_room(len - i, cols) >= out->alloc) {
			/* characters of no width (combining marks, joiners) take
			   bytes but no columns: an unbounded run of them must not
			   eat the room kept for the rest */
			out->len = o;
			strbuf_grow(out, c.len + cut_room(len - i, cols));
			buf = out->buf;
		}
		memcpy(buf + o, c.text, c.len);
		o += c.len;
		w += c.width;
	}
	if (w <= cols) {
		strbuf_setlen(out, o);
		return w;
	}
	strbuf_setlen(out, cut);
	strbuf_addstr(out, "\xe2\x80\xa6");
	return wcut + 1;
}

size_t utf8_width(const char *s, size_t len)
{
	size_t w = 0, i = 0;
	while (i < len) {
		unsigned cp;
		if ((unsigned char)s[i] < 0x80) {
			w++;
			i++;
			continue;
		}
		i += utf8_decode(s + i, len - i, &cp);
		w += cp_zero(cp) ? 0 : cp_wide(cp) ? 2 : 1;
	}
	return w;
}

void utf8_truncate(struct strbuf *out, const char *s, size_t cols)
{
	utf8_truncate_len(out, s, strlen(s), cols);
}

void utf8_truncate_len(struct strbuf *out, const char *s, size_t len, size_t cols)
{
	size_t i = 0, w = 0, cut = 0;
	int broken = 0;
	/* One pass: cut is where the text stops when an ellipsis must follow. */
	while (i < len) {
		unsigned cp;
		size_t n = 1, cw = 1;
		if ((unsigned char)s[i] >= 0x80) {
			n = utf8_decode(s + i, len - i, &cp);
			cw = cp_zero(cp) ? 0 : cp_wide(cp) ? 2 : 1;
			broken |= cp == 0xfffd;
		}
		if (w + cw + 1 <= cols)
			cut = i + n;
		w += cw;
		i += n;
		if (w > cols)
			break;
	}
	if (w <= cols)
		cut = len;
	if (broken) /* rare: text that was never sanitized */
		utf8_sanitize(out, s, cut);
	else
		strbuf_add(out, s, cut);
	if (w > cols)
		strbuf_addstr(out, "\xe2\x80\xa6");
}

/* The lowercase of the capitals utf8_fold_case() knows; cp itself otherwise. */
static unsigned fold_cp(unsigned cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) || /* Latin-1 */
	    (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||                          /* Greek */
	    (cp >= 0x410 && cp <= 0x42f))                                           /* Cyrillic А-Я */
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40f) /* Ѐ-Џ, Ё among them */
		return cp + 0x50;
	return cp;
}

void utf8_put(struct strbuf *out, unsigned cp)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		strbuf_addch(out, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(out, (int)(0xC0 | cp >> 6));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		strbuf_addch(out, (int)(0xE0 | cp >> 12));
		strbuf_addch(out, (int)(0x80 | (cp >> 6 & 0x3F)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3F)));
	} else {
		strbuf_addch(out, (int)(0xF0 | cp >> 18));
		strbuf_addch(out, (int)(0x80 | (cp >> 12 & 0x3F)));
		strbuf_addch(out, (int)(0x80 | (cp >> 6 & 0x3F)));
		strbuf_addch(out, (int)(0x80 | (cp & 0x3F)));
	}
}

void utf8_fold_case(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = utf8_decode(s + i, len - i, &cp);
		unsigned folded = fold_cp(cp);
		if (folded == cp) /* as it was, broken bytes too: only capitals change */
			strbuf_add(out, s + i, n);
		else
			utf8_put(out, folded);
		i += n;
	}
}
