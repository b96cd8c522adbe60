/*
 * HTML -> readable plain text.  Not a browser: a single linear pass that
 * drops tags, turns block elements into line breaks, skips the content of
 * <head>, <script> and <style>, collapses whitespace outside <pre> and
 * decodes character references.  Input is untrusted HTML of any size.
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"
#include "mail/html.h"
#include "mail/mime.h"

struct html_state {
	struct strbuf *out;   /* raw text (later sanitized and tidied) */
	int pending_space;    /* whitespace seen since the last visible text */
	int pre;              /* <pre> nesting */
	int in_head;
	size_t no_quote[2];   /* no '"' resp. '\'' at or after these offsets */
};

/* Ends the current line with at least n line breaks ("\n\n" is a blank line). */
static void need_breaks(struct html_state *st, int n)
{
	struct strbuf *out = st->out;
	size_t have = 0;

	st->pending_space = 0;
	if (!out->len)
		return;
	while ((int)have < n && have < out->len && out->buf[out->len - 1 - have] == '\n')
		have++;
	for (; (int)have < n; have++)
		strbuf_addch(out, '\n');
}

static void emit_text_prefix(struct html_state *st)
{
	if (st->pending_space && st->out->len && st->out->buf[st->out->len - 1] != '\n' &&
	    st->out->buf[st->out->len - 1] != ' ')
		strbuf_addch(st->out, ' ');
	st->pending_space = 0;
}

/* Named references: the common ones plus Latin-1 (U+00A0..U+00FF). */
static const struct { const char *name; uint32_t cp; } entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "hellip", 0x2026 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "sbquo", 0x201A }, { "ldquo", 0x201C }, { "rdquo", 0x201D },
	{ "bdquo", 0x201E }, { "bull", 0x2022 }, { "euro", 0x20AC }, { "trade", 0x2122 },
	{ "dagger", 0x2020 }, { "Dagger", 0x2021 }, { "permil", 0x2030 }, { "lsaquo", 0x2039 },
	{ "rsaquo", 0x203A }, { "ensp", 0x2002 }, { "emsp", 0x2003 }, { "thinsp", 0x2009 },
	{ "zwnj", 0x200C }, { "zwj", 0x200D }, { "lrm", 0x200E }, { "rlm", 0x200F },
	{ "larr", 0x2190 }, { "rarr", 0x2192 }, { "uarr", 0x2191 }, { "darr", 0x2193 },
	{ "minus", 0x2212 }, { "le", 0x2264 }, { "ge", 0x2265 }, { "ne", 0x2260 },
	{ "OElig", 0x152 }, { "oelig", 0x153 }, { "Scaron", 0x160 }, { "scaron", 0x161 },
	{ "Yuml", 0x178 }, { "fnof", 0x192 }, { "circ", 0x2C6 }, { "tilde", 0x2DC },
};

static const char *const latin1[96] = {
	"nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy",
	"ordf", "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3",
	"acute", "micro", "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14",
	"frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring",
	"AElig", "Ccedil", "Egrave", "Eacute", "Ecirc", "Euml", "Igrave", "Iacute", "Icirc",
	"Iuml", "ETH", "Ntilde", "Ograve", "Oacute", "Ocirc", "Otilde", "Ouml", "times",
	"Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute", "THORN", "szlig", "agrave",
	"aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil", "egrave", "eacute",
	"ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde", "ograve",
	"oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
	"uuml", "yacute", "thorn", "yuml",
};

/* HTML's remapping of C1 references, as browsers do (&#150; is an en dash). */
static const uint16_t cp1252[32] = {
	0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160,
	0x2039, 0x152, 0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
	0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178,
};

static int lookup_entity(const char *name, size_t n, uint32_t *cp)
{
	size_t i;
	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		if (strlen(entities[i].name) == n && !memcmp(entities[i].name, name, n)) {
			*cp = entities[i].cp;
			return 1;
		}
	}
	for (i = 0; i < 96; i++) {
		if (strlen(latin1[i]) == n && !memcmp(latin1[i], name, n)) {
			*cp = (uint32_t)(0xA0 + i);
			return 1;
		}
	}
	return 0;
}

/*
 * Decodes the character reference at s[0] == '&'; returns the bytes
 * consumed and sets *cp, or returns 0 when it is not a reference.
 */
static size_t parse_entity(const char *s, size_t n, uint32_t *cp)
{
	size_t i = 1;

	if (i < n && s[i] == '#') {
		int hex = 0, digits = 0;
		uint32_t v = 0;
		i++;
		if (i < n && (s[i] == 'x' || s[i] == 'X')) {
			hex = 1;
			i++;
		}
		for (; i < n; i++) {
			int d;
			unsigned char c = (unsigned char)s[i];
			if (isdigit(c))
				d = c - '0';
			else if (hex && isxdigit(c))
				d = tolower(c) - 'a' + 10;
			else
				break;
			digits++;
			if (v <= 0x10FFFF)
				v = v * (hex ? 16 : 10) + (uint32_t)d;
		}
		if (!digits)
			return 0;
		if (i < n && s[i] == ';')
			i++;
		if (v >= 0x80 && v <= 0x9F)
			v = cp1252[v - 0x80];
		*cp = v; /* utf8_put() turns invalid values into U+FFFD */
		return i;
	}
	while (i < n && i < 12 && isalnum((unsigned char)s[i]))
		i++;
	if (i == 1 || !lookup_entity(s + 1, i - 1, cp))
		return 0;
	if (i < n && s[i] == ';')
		return i + 1;
	/* without the semicolon only the legacy names are recognized */
	return *cp < 0x100 ? i : 0;
}

static int is_name(const char *tag, size_t n, const char *name)
{
	return strlen(name) == n && !strncasecmp(tag, name, n);
}

/* Does s (n bytes) start with the given lowercase ASCII string, ignoring case? */
static int starts_ci(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);
	return n >= l && !strncasecmp(s, lit, l);
}

/* Offset of the end of "</name" (case-insensitive) at or after i, or n. */
static size_t skip_raw_text(const char *s, size_t n, size_t i, const char *name)
{
	size_t l = strlen(name);
	while (i < n) {
		const char *lt = memchr(s + i, '<', n - i);
		if (!lt)
			return n;
		i = (size_t)(lt - s) + 1;
		if (i < n && s[i] == '/' && n - i - 1 >= l && !strncasecmp(s + i + 1, name, l))
			return i - 1;
	}
	return n;
}

static void handle_tag(struct html_state *st, const char *name, size_t n, int closing)
{
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
		"blockquote", "table", "ul", "ol", "dl", "hr", "address", "center", "figure" };
	static const char *const line[] = { "div", "tr", "dt", "dd", "section", "article",
		"header", "footer", "nav", "aside", "main", "form", "fieldset", "caption",
		"thead", "tbody", "tfoot", "option", "details", "summary", "body" };
	size_t i;

	if (is_name(name, n, "head")) {
		st->in_head = !closing;
		return;
	}
	if (st->in_head) {
		/* anything but head content implies the end of <head> */
		static const char *const head_tags[] = { "title", "meta", "link", "style",
			"script", "base", "noscript", "template", "object" };
		for (i = 0; i < sizeof(head_tags) / sizeof(head_tags[0]); i++)
			if (is_name(name, n, head_tags[i]))
				return;
		st->in_head = 0;
	}
	if (is_name(name, n, "br")) {
		strbuf_addch(st->out, '\n');
		st->pending_space = 0;
		return;
	}
	if (is_name(name, n, "li")) {
		need_breaks(st, 1);
		if (!closing)
			strbuf_addstr(st->out, "- ");
		return;
	}
	if (is_name(name, n, "td") || is_name(name, n, "th")) {
		st->pending_space = 1;
		return;
	}
	if (is_name(name, n, "pre")) {
		if (closing && st->pre)
			st->pre--;
		else if (!closing && st->pre < 1000)
			st->pre++;
	}
	for (i = 0; i < sizeof(para) / sizeof(para[0]); i++) {
		if (is_name(name, n, para[i])) {
			need_breaks(st, 2);
			return;
		}
	}
	for (i = 0; i < sizeof(line) / sizeof(line[0]); i++) {
		if (is_name(name, n, line[i])) {
			need_breaks(st, 1);
			return;
		}
	}
	/* inline elements (a, b, span, font, img, ...) vanish */
}

/*
 * Parses the tag at s[i] == '<'.  Returns the offset just past it, or i
 * when '<' does not start markup and is literal text.
 */
static size_t parse_tag(struct html_state *st, const char *s, size_t n, size_t i)
{
	size_t j = i + 1, name_start, name_len;
	int closing = 0;

	if (j < n && s[j] == '!') {
		if (starts_ci(s + j, n - j, "!--")) {
			const char *end = NULL;
			size_t k;
			for (k = j + 3; k + 2 < n; k++) {
				const char *p = memchr(s + k, '-', n - k - 2);
				if (!p)
					break;
				k = (size_t)(p - s);
				if (s[k + 1] == '-' && s[k + 2] == '>') {
					end = p + 3;
					break;
				}
			}
			return end ? (size_t)(end - s) : n;
		}
	}
	if (j < n && (s[j] == '!' || s[j] == '?')) { /* <!DOCTYPE>, <![CDATA[, <?xml */
		const char *gt = memchr(s + j, '>', n - j);
		return gt ? (size_t)(gt - s) + 1 : n;
	}
	if (j < n && s[j] == '/') {
		closing = 1;
		j++;
	}
	if (j >= n || !isalpha((unsigned char)s[j]))
		return i;
	name_start = j;
	while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '-' || s[j] == ':'))
		j++;
	name_len = j - name_start;
	/* attributes: a '>' inside a quoted value does not end the tag */
	while (j < n && s[j] != '>') {
		if (s[j] == '"' || s[j] == '\'') {
			int q = s[j] == '"' ? 0 : 1;
			const char *close = NULL;
			if (j + 1 >= st->no_quote[q]) {
				close = NULL;
			} else {
				close = memchr(s + j + 1, s[j], n - j - 1);
				if (!close)
					st->no_quote[q] = j + 1;
			}
			if (!close) {
				/* unterminated value: the tag ends at the next '>' */
				const char *gt = memchr(s + j, '>', n - j);
				j = gt ? (size_t)(gt - s) : n;
				break;
			}
			j = (size_t)(close - s) + 1;
			continue;
		}
		j++;
	}
	if (j < n)
		j++;
	handle_tag(st, s + name_start, name_len, closing);
	if (!closing) {
		const char *raw = is_name(s + name_start, name_len, "script") ? "script" :
				  is_name(s + name_start, name_len, "style") ? "style" :
				  is_name(s + name_start, name_len, "title") ? "title" : NULL;
		if (raw) {
			size_t end = skip_raw_text(s, n, j, raw);
			const char *gt = end < n ? memchr(s + end, '>', n - end) : NULL;
			j = gt ? (size_t)(gt - s) + 1 : n;
		}
	}
	return j;
}

/* Final tidying: trailing blanks per line, at most one blank line in a row,
   no leading or trailing blank lines. */
static void tidy(struct strbuf *out, const char *s, size_t n)
{
	size_t i = 0;
	int blank_run = 0, started = 0;

	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) : n, e = end;
		while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r'))
			e--;
		if (e == i) {
			blank_run++;
		} else {
			if (started)
				strbuf_addstr(out, blank_run ? "\n\n" : "\n");
			started = 1;
			strbuf_add(out, s + i, e - i);
			blank_run = 0;
		}
		i = end + 1;
	}
}

void html_to_text(struct strbuf *out, const char *html, size_t len)
{
	struct strbuf raw = STRBUF_INIT, clean = STRBUF_INIT;
	struct html_state st = { &raw, 0, 0, 0, { (size_t)-1, (size_t)-1 } };
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)html[i];
		if (c == '<') {
			size_t next = parse_tag(&st, html, len, i);
			if (next != i) {
				i = next;
				continue;
			}
		}
		if (st.in_head) {
			i++;
			continue;
		}
		if (c == '&') {
			uint32_t cp;
			size_t used = parse_entity(html + i, len - i, &cp);
			if (used) {
				emit_text_prefix(&st);
				if (cp == 0xA0)
					strbuf_addch(&raw, ' ');
				else if (cp != 0xAD && cp != 0x200B && cp != 0x200C && cp != 0x200D &&
					 cp != 0x200E && cp != 0x200F)
					utf8_put(&raw, cp);
				i += used;
				continue;
			}
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
			if (st.pre) {
				if (c != '\r')
					strbuf_addch(&raw, c);
			} else {
				st.pending_space = 1;
			}
			i++;
			continue;
		}
		emit_text_prefix(&st);
		strbuf_addch(&raw, c);
		i++;
	}
	utf8_sanitize(&clean, raw.buf, raw.len);
	tidy(out, clean.buf, clean.len);
	strbuf_release(&raw);
	strbuf_release(&clean);
}
