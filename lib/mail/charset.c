/*
 * Byte-level decoding for mail: charsets (iconv), RFC 2047 encoded words,
 * quoted-printable and base64.  Input is untrusted: every function here is
 * linear in its input and appends valid, NUL-free UTF-8 (except the
 * transfer decoders, which append raw bytes by design); utf8_sanitize()
 * and the decoder under it are in util.c, with the terminal's.
 */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "base/hex.h"
#include "base/utf8.h"
#include "mail/charset.h"
#include "mail/mime.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* ---- charsets ---- */

static int is_ascii_name(const char *cs)
{
	return !strcmp(cs, "us-ascii") || !strcmp(cs, "ascii") || !strcmp(cs, "us_ascii") ||
	       !strcmp(cs, "ansi_x3.4-1968") || !strcmp(cs, "iso646-us") ||
	       !strcmp(cs, "utf-8") || !strcmp(cs, "utf8") || !strcmp(cs, "x-unknown") ||
	       !strcmp(cs, "unknown-8bit") || !strcmp(cs, "unknown") || !strcmp(cs, "default") ||
	       !strcmp(cs, "7bit") || !strcmp(cs, "8bit") || !*cs;
}

/*
 * Normalizes a charset label into sb: trimmed, unquoted, lowercased,
 * with an RFC 2231 "*lang" suffix removed, then mapped through the
 * aliases iconv lacks or gets wrong for mail (labels follow the WHATWG
 * encoding standard: latin1 is really windows-1252 in practice).
 */
static void charset_normalize(struct strbuf *sb, const char *charset)
{
	static const struct { const char *from, *to; } alias[] = {
		{ "iso-8859-1", "windows-1252" }, { "iso8859-1", "windows-1252" },
		{ "iso_8859-1", "windows-1252" }, { "latin1", "windows-1252" },
		{ "latin-1", "windows-1252" }, { "l1", "windows-1252" },
		{ "iso-ir-100", "windows-1252" }, { "cp819", "windows-1252" },
		{ "gb2312", "gb18030" }, { "gbk", "gb18030" }, { "x-gbk", "gb18030" },
		{ "cn-gb", "gb18030" }, { "euc-cn", "gb18030" }, { "x-euc-cn", "gb18030" },
		{ "ks_c_5601-1987", "cp949" }, { "ks_c_5601", "cp949" }, { "euc-kr", "cp949" },
		{ "iso-8859-8-i", "iso-8859-8" }, { "windows-874", "cp874" },
		{ "x-sjis", "shift_jis" }, { "sjis", "shift_jis" }, { "x-mac-roman", "macintosh" },
		{ "x-mac-cyrillic", "mac-cyrillic" }, { "koi8-ru", "koi8-u" },
		{ "tis-620", "cp874" }, { "big5", "big5-hkscs" }, { "x-user-defined", "windows-1252" },
	};
	size_t i;

	strbuf_reset(sb);
	if (!charset)
		return;
	for (i = 0; charset[i]; i++) {
		unsigned char c = (unsigned char)charset[i];
		if (c == '*')
			break;
		/* labels are [A-Za-z0-9._:-]; dropping the rest keeps "//IGNORE"
		   style iconv suffixes out of untrusted names */
		if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
			continue;
		strbuf_addch(sb, tolower(c));
		if (sb->len > 64)
			break;
	}
	for (i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (!strcmp(sb->buf, alias[i].from)) {
			strbuf_reset(sb);
			strbuf_addstr(sb, alias[i].to);
			return;
		}
	}
	if (!strncmp(sb->buf, "cp-", 3)) { /* "cp-1251" */
		memmove(sb->buf + 2, sb->buf + 3, sb->len - 2);
		sb->len--;
	}
}

void charset_to_utf8(struct strbuf *out, const char *charset, const char *in, size_t len)
{
	struct strbuf cs = STRBUF_INIT, tmp = STRBUF_INIT;
	iconv_t cd;
	char *inp = (char *)in;
	size_t inleft = len;

	charset_normalize(&cs, charset);
	if (!len || is_ascii_name(cs.buf)) {
		utf8_sanitize(out, in, len);
		strbuf_release(&cs);
		return;
	}
	cd = iconv_open("UTF-8", cs.buf);
	strbuf_release(&cs);
	if (cd == (iconv_t)-1) {
		utf8_sanitize(out, in, len);
		return;
	}
	strbuf_grow(&tmp, len + len / 2 + 16);
	for (;;) {
		char *outp = tmp.buf + tmp.len;
		size_t outleft = tmp.alloc - tmp.len - 1;
		int flushing = !inleft;
		size_t r = flushing ? iconv(cd, NULL, NULL, &outp, &outleft)
				    : iconv(cd, &inp, &inleft, &outp, &outleft);
		int err = errno;

		tmp.len = (size_t)(outp - tmp.buf);
		tmp.buf[tmp.len] = '\0';
		if (r != (size_t)-1) {
			if (flushing)
				break;
			continue; /* all input converted: flush the shift state next */
		}
		if (err == E2BIG) {
			strbuf_grow(&tmp, inleft * 2 + 64);
		} else if (flushing) {
			break;
		} else if (err == EILSEQ) {
			strbuf_addstr(&tmp, REPLACEMENT);
			inp++;
			inleft--;
		} else {
			/* EINVAL: a sequence truncated by the end of the input */
			strbuf_addstr(&tmp, REPLACEMENT);
			inleft = 0;
		}
	}
	iconv_close(cd);
	utf8_sanitize(out, tmp.buf, tmp.len); /* drops NULs from the decoded text */
	strbuf_release(&tmp);
}

/* ---- transfer encodings ---- */

void qp_decode(struct strbuf *out, const char *in, size_t len)
{
	size_t i = 0;

	strbuf_grow(out, len);
	while (i < len) {
		char c = in[i];
		if (c == '=') {
			int h, l;
			size_t j;
			if (i + 2 < len && (h = hex_value((unsigned char)in[i + 1])) >= 0 &&
			    (l = hex_value((unsigned char)in[i + 2])) >= 0) {
				strbuf_addch(out, h * 16 + l);
				i += 3;
				continue;
			}
			/* soft line break: "=" [whitespace] (CR)LF, or "=" at the end */
			j = i + 1;
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j == len) {
				i = j;
				continue;
			}
			if (in[j] == '\n' || (in[j] == '\r' && j + 1 < len && in[j + 1] == '\n')) {
				i = j + (in[j] == '\r' ? 2 : 1);
				continue;
			}
			strbuf_addch(out, '='); /* malformed: keep literally */
			i++;
		} else if (c == ' ' || c == '\t') {
			/* trailing whitespace was added in transport: drop it */
			size_t j = i;
			while (j < len && (in[j] == ' ' || in[j] == '\t'))
				j++;
			if (j < len && in[j] != '\n' && in[j] != '\r')
				strbuf_add(out, in + i, j - i);
			else if (j < len && in[j] == '\r' && !(j + 1 < len && in[j + 1] == '\n'))
				strbuf_add(out, in + i, j - i);
			i = j;
		} else {
			strbuf_addch(out, c);
			i++;
		}
	}
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

void base64_decode(struct strbuf *out, const char *in, size_t len)
{
	unsigned long acc = 0;
	int n = 0;
	size_t i;

	strbuf_grow(out, len / 4 * 3 + 3);
	for (i = 0; i < len; i++) {
		int v;
		if (in[i] == '=') {
			/* padding ends a quantum; concatenated blocks may follow */
			if (n == 2)
				strbuf_addch(out, (int)(acc >> 4) & 0xFF);
			else if (n == 3) {
				strbuf_addch(out, (int)(acc >> 10) & 0xFF);
				strbuf_addch(out, (int)(acc >> 2) & 0xFF);
			}
			n = 0;
			acc = 0;
			continue;
		}
		v = b64val((unsigned char)in[i]);
		if (v < 0)
			continue; /* whitespace and garbage */
		acc = (acc << 6) | (unsigned long)v;
		if (++n == 4) {
			strbuf_addch(out, (int)(acc >> 16) & 0xFF);
			strbuf_addch(out, (int)(acc >> 8) & 0xFF);
			strbuf_addch(out, (int)acc & 0xFF);
			n = 0;
			acc = 0;
		}
	}
	if (n == 2)
		strbuf_addch(out, (int)(acc >> 4) & 0xFF);
	else if (n == 3) {
		strbuf_addch(out, (int)(acc >> 10) & 0xFF);
		strbuf_addch(out, (int)(acc >> 2) & 0xFF);
	}
}

/* base64 of in without line breaks */
static void base64_raw(struct strbuf *out, const unsigned char *s, size_t len)
{
	size_t i;
	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8 | s[i + 2];
		strbuf_addch(out, b64chars[v >> 18 & 63]);
		strbuf_addch(out, b64chars[v >> 12 & 63]);
		strbuf_addch(out, b64chars[v >> 6 & 63]);
		strbuf_addch(out, b64chars[v & 63]);
	}
	if (len - i == 1) {
		unsigned long v = (unsigned long)s[i] << 16;
		strbuf_addch(out, b64chars[v >> 18 & 63]);
		strbuf_addch(out, b64chars[v >> 12 & 63]);
		strbuf_addstr(out, "==");
	} else if (len - i == 2) {
		unsigned long v = (unsigned long)s[i] << 16 | (unsigned long)s[i + 1] << 8;
		strbuf_addch(out, b64chars[v >> 18 & 63]);
		strbuf_addch(out, b64chars[v >> 12 & 63]);
		strbuf_addch(out, b64chars[v >> 6 & 63]);
		strbuf_addch(out, '=');
	}
}

void base64_encode(struct strbuf *out, const char *in, size_t len)
{
	size_t i;
	/* 57 input bytes make one 76-character line */
	for (i = 0; i < len; i += 57) {
		size_t n = len - i < 57 ? len - i : 57;
		base64_raw(out, (const unsigned char *)in + i, n);
		strbuf_addch(out, '\n');
	}
}

void qp_encode(struct strbuf *out, const char *in, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int eol_next, literal;
		size_t need;

		if (c == '\n' || (c == '\r' && i + 1 < len && in[i + 1] == '\n')) {
			if (c == '\r')
				i++;
			strbuf_addch(out, '\n');
			col = 0;
			continue;
		}
		eol_next = i + 1 == len || in[i + 1] == '\n' ||
			   (in[i + 1] == '\r' && i + 2 < len && in[i + 2] == '\n');
		literal = (c >= 33 && c <= 126 && c != '=') ||
			  ((c == ' ' || c == '\t') && !eol_next);
		need = literal ? 1 : 3;
		/* keep room for the "=" of a soft break unless the line ends here */
		if (col + need > (eol_next ? 76 : 75)) {
			strbuf_addstr(out, "=\n");
			col = 0;
		}
		if (literal) {
			strbuf_addch(out, c);
		} else {
			strbuf_addch(out, '=');
			strbuf_addch(out, hex[c >> 4]);
			strbuf_addch(out, hex[c & 15]);
		}
		col += need;
	}
}

/* ---- RFC 2047 ---- */

struct eword {
	const char *charset; /* points into the input */
	size_t charset_len;
	char enc;            /* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t total;        /* length of the whole "=?...?=" */
};

/*
 * Recognizes an encoded word at s (n bytes available).  *dead is the
 * offset from s before which no encoded text can end (an earlier scan
 * ran into whitespace or the end there); it keeps the scan linear.
 */
static int parse_eword(struct eword *w, const char *s, size_t n, size_t *dead)
{
	size_t i = 2, cs_start;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return 0;
	cs_start = i;
	while (i < n && i < 66 && s[i] != '?' && s[i] > ' ' && s[i] < 0x7F)
		i++;
	if (i == cs_start || i + 3 >= n || s[i] != '?')
		return 0;
	w->charset = s + cs_start;
	w->charset_len = i - cs_start;
	w->enc = (char)toupper((unsigned char)s[i + 1]);
	if ((w->enc != 'B' && w->enc != 'Q') || s[i + 2] != '?')
		return 0;
	i += 3;
	w->text = s + i;
	if (i < *dead)
		return 0;
	while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '=')) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
			*dead = i;
			return 0;
		}
		i++;
	}
	if (i + 1 >= n) {
		*dead = n;
		return 0;
	}
	w->text_len = (size_t)(s + i - w->text);
	w->total = i + 2;
	return 1;
}

static void eword_decode(struct strbuf *raw, const struct eword *w)
{
	size_t i;
	if (w->enc == 'B') {
		base64_decode(raw, w->text, w->text_len);
		return;
	}
	for (i = 0; i < w->text_len; i++) {
		char c = w->text[i];
		int h, l;
		if (c == '_') {
			strbuf_addch(raw, ' ');
		} else if (c == '=' && i + 2 < w->text_len &&
			   (h = hex_value((unsigned char)w->text[i + 1])) >= 0 &&
			   (l = hex_value((unsigned char)w->text[i + 2])) >= 0) {
			strbuf_addch(raw, h * 16 + l);
			i += 2;
		} else {
			strbuf_addch(raw, c);
		}
	}
}

static void flush_words(struct strbuf *out, struct strbuf *raw, struct strbuf *cs)
{
	if (raw->len || cs->len)
		charset_to_utf8(out, cs->buf, raw->buf, raw->len);
	strbuf_reset(raw);
	strbuf_reset(cs);
}

void mime_decode_words(struct strbuf *out, const char *in, size_t len)
{
	struct strbuf raw = STRBUF_INIT, cs = STRBUF_INIT;
	size_t i = 0, plain = 0; /* start of pending plain text */
	int have_word = 0;        /* raw/cs hold decoded words not yet flushed */
	size_t dead = 0;          /* absolute offset, see parse_eword() */

	while (i < len) {
		struct eword w;
		const char *q = memchr(in + i, '=', len - i);
		size_t rel_dead;
		int ok;
		if (!q)
			break;
		i = (size_t)(q - in);
		rel_dead = dead > i ? dead - i : 0;
		ok = parse_eword(&w, in + i, len - i, &rel_dead);
		if (rel_dead + i > dead)
			dead = rel_dead + i;
		if (!ok) {
			i++;
			continue;
		}
		if (have_word) {
			/* only whitespace between two encoded words disappears */
			size_t k = plain;
			while (k < i && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r' || in[k] == '\n'))
				k++;
			if (k < i || cs.len != w.charset_len ||
			    strncasecmp(cs.buf, w.charset, w.charset_len)) {
				flush_words(out, &raw, &cs);
				have_word = 0;
				if (k < i)
					utf8_sanitize(out, in + plain, i - plain);
			}
		} else {
			utf8_sanitize(out, in + plain, i - plain);
		}
		if (!have_word)
			strbuf_add(&cs, w.charset, w.charset_len);
		have_word = 1;
		eword_decode(&raw, &w);
		i += w.total;
		plain = i;
	}
	if (have_word)
		flush_words(out, &raw, &cs);
	utf8_sanitize(out, in + plain, len - plain);
	strbuf_release(&raw);
	strbuf_release(&cs);
}

static int needs_encoding(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c > 0x7E)
			return 1;
		if (c == '=' && s[1] == '?') /* would read back as an encoded word */
			return 1;
	}
	return 0;
}

void mime_encode_words(struct strbuf *out, const char *utf8)
{
	struct strbuf clean = STRBUF_INIT;
	size_t i = 0;
	const size_t max_bytes = 45; /* 60 base64 chars + 12 of framing = 72 <= 75 */

	if (!utf8)
		return;
	if (!needs_encoding(utf8)) {
		strbuf_addstr(out, utf8);
		return;
	}
	utf8_sanitize(&clean, utf8, strlen(utf8));
	while (i < clean.len) {
		size_t n = 0;
		while (i + n < clean.len) {
			unsigned cp;
			size_t l = utf8_decode(clean.buf + i + n, clean.len - i - n, &cp);
			if (n + l > max_bytes && n)
				break;
			n += l;
		}
		if (i)
			strbuf_addch(out, ' ');
		strbuf_addstr(out, "=?UTF-8?B?");
		base64_raw(out, (const unsigned char *)clean.buf + i, n);
		strbuf_addstr(out, "?=");
		i += n;
	}
	strbuf_release(&clean);
}
