#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "gitlib.h"

#include "store.h"
#include "util.h"

int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

time_t dlg_now(void)
{
	const char *pinned = getenv("DLG_NOW");
	time_t t;
	if (pinned && *pinned && !time_parse(&t, pinned))
		return t;
	return time(NULL);
}

void time_format_iso(struct strbuf *out, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void time_format_short(struct strbuf *out, time_t t)
{
	struct tm tm;
	if (!t) { /* mail with neither Date: nor Received: */
		strbuf_addstr(out, "(no date)       ");
		return;
	}
	localtime_r(&t, &tm);
	strbuf_addf(out, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

int time_parse(time_t *out, const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	char *end;

	if (*s == '@')
		s++;
	if (*s >= '0' && *s <= '9' && !strchr(s, '-')) {
		long long v = strtoll(s, &end, 10);
		if (*end)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		n = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			n = 0;
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1)
				return -1;
			s += 1 + n;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 +
			h * 3600 + mi * 60 + sec);
	return 0;
}

int time_parse_local(time_t *out, const char *s)
{
	size_t n = strlen(s);
	struct tm tm;
	time_t utc;
	if (time_parse(&utc, s) < 0)
		return -1;
	if (!n || s[n - 1] == 'Z' || s[0] == '@' || !strchr(s, '-'))
		*out = utc;
	else {
		/* Read the fields back as local time: mktime knows the zone's rules. */
		gmtime_r(&utc, &tm);
		tm.tm_isdst = -1;
		*out = mktime(&tm);
	}
	return 0;
}

int hash_hex(char out[41], const void *data, size_t len)
{
	git_oid oid;
	int err;
	/* git's blob hash is a fine, stable SHA-1 and saves a second
	   implementation; libgit2's refuses data that shows a collision attack. */
	if ((err = gitlib_load()) < 0)
		return err;
	if ((err = git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB)) < 0)
		return dlg_error_git(err, "cannot hash");
	git_oid_tostr(out, 41, &oid);
	return 0;
}

int key_make(char out[DLG_ID_LEN + 1], const char *kind, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[41];
	int err;
	strbuf_addstr(&sb, kind);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, a ? a : "");
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, b ? b : "");
	err = hash_hex(hex, sb.buf, sb.len);
	strbuf_release(&sb);
	if (err < 0)
		return err;
	memcpy(out, hex, DLG_ID_LEN);
	out[DLG_ID_LEN] = '\0';
	return 0;
}

void random_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0;
	ssize_t r;
	if (n > 2 * sizeof(raw))
		n = 2 * sizeof(raw);
	/* getrandom(2): no file to open, and up to 256 bytes never come short */
	while ((r = getrandom(raw, (n + 1) / 2, 0)) < 0 && errno == EINTR)
		;
	got = r > 0 ? (size_t)r : 0;
	for (; got < (n + 1) / 2; got++) /* no getrandom (kernel before 3.17): still unique enough per process */
		raw[got] = (unsigned char)(rand() ^ getpid() ^ time(NULL));
	for (size_t i = 0; i < n; i++)
		out[i] = digits[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[n] = '\0';
}

int is_hex_prefix(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n > 0;
}

int is_full_id(const char *s)
{
	return strlen(s) == DLG_ID_LEN && is_hex_prefix(s);
}

void shard_path(struct strbuf *out, const char *top, const char *id)
{
	strbuf_addf(out, "%s/%.2s/%.2s/%s", top, id, id + 2, id);
}

void field_encode(struct strbuf *out, const char *s)
{
	if (!*s) {
		strbuf_addstr(out, "%00"); /* keeps the field count; decodes to "" */
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c == 0x7f)
			strbuf_addf(out, "%%%02X", c);
		else
			strbuf_addch(out, c);
	}
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void field_decode(struct strbuf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && hex_value(s[i + 1]) >= 0 &&
		    hex_value(s[i + 2]) >= 0) {
			int c = hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]);
			if (c)
				strbuf_addch(out, c);
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

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

int mkdirs(const char *path, int mode)
{
	struct strbuf parent = STRBUF_INIT;
	const char *slash;
	int ret;

	/* The common case, the parent exists, costs one system call. */
	if (!mkdir(path, (mode_t)mode) || errno == EEXIST)
		return 0;
	if (errno != ENOENT || !(slash = strrchr(path, '/')) || slash == path)
		return -1;
	strbuf_add(&parent, path, (size_t)(slash - path));
	ret = mkdirs(parent.buf, mode);
	strbuf_release(&parent);
	if (ret < 0)
		return -1;
	return mkdir(path, (mode_t)mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* DLG_TRACE_PERF=1: the time since the first call, per named step, to
   stderr (like GIT_TRACE_PERFORMANCE); for finding where a command waits. */
void trace_perf(const char *step)
{
	static int enabled = -1;
	static struct timespec start;
	struct timespec now;
	if (enabled < 0) {
		const char *v = getenv("DLG_TRACE_PERF");
		enabled = v && *v && strcmp(v, "0");
		clock_gettime(CLOCK_MONOTONIC, &start);
	}
	if (!enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(stderr, "dlg: perf: %8.3f ms  %s\n",
		(double)(now.tv_sec - start.tv_sec) * 1e3 + (double)(now.tv_nsec - start.tv_nsec) / 1e6, step);
}
