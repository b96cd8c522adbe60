#include "base/emoji.h"

#include <stdlib.h>
#include <string.h>

struct emoji {
	const char *code;
	const char *emoji;
};

/* Sorted by code in byte order (the Makefile checks it while generating). */
static const struct emoji emoji_table[] = {
#include "base/emoji-table.h"
};

#define EMOJI_NR (sizeof(emoji_table) / sizeof(*emoji_table))

struct emoji_key {
	const char *code;
	size_t len;
};

static int emoji_cmp(const void *key, const void *entry)
{
	const struct emoji_key *k = key;
	const char *code = ((const struct emoji *)entry)->code;
	size_t n = strlen(code);
	int c = memcmp(k->code, code, k->len < n ? k->len : n);

	if (c)
		return c;
	return k->len < n ? -1 : k->len > n;
}

static int is_code_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '+' || c == '-';
}

static int is_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

const char *emoji_lookup(const char *code, size_t len)
{
	struct emoji_key key = { code, len };
	const struct emoji *e;

	if (!len)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (!is_code_char((unsigned char)code[i]))
			return NULL;
	e = bsearch(&key, emoji_table, EMOJI_NR, sizeof(*emoji_table), emoji_cmp);
	return e ? e->emoji : NULL;
}

/*
 * The emoji of a known ":code:" at s that nothing alphanumeric follows,
 * with *len set to its length, colons included; else NULL.
 */
static const char *code_at(const char *s, size_t *len)
{
	size_t n = 0;
	const char *e;

	if (*s != ':')
		return NULL;
	while (is_code_char((unsigned char)s[1 + n]))
		n++;
	if (!n || s[1 + n] != ':' || is_alnum((unsigned char)s[2 + n]))
		return NULL;
	if (!(e = emoji_lookup(s + 1, n)))
		return NULL;
	*len = n + 2;
	return e;
}

void emoji_expand(struct strbuf *out, const char *text)
{
	const char *p = text, *e;
	int prev = 0; /* the byte before p, 0 at the start */
	size_t len;

	while (*p) {
		if (*p == '\\' && code_at(p + 1, &len)) {
			strbuf_add(out, p + 1, len);
			p += 1 + len;
			prev = ':';
			continue;
		}
		/* no code starts right after a letter or digit */
		if (!is_alnum(prev) && (e = code_at(p, &len))) {
			strbuf_addstr(out, e);
			p += len;
			prev = ':';
			continue;
		}
		prev = (unsigned char)*p;
		strbuf_addch(out, *p++);
	}
}

void emoji_expand_in_place(struct strbuf *text)
{
	struct strbuf out = STRBUF_INIT;
	emoji_expand(&out, text->buf);
	strbuf_release(text);
	*text = out;
}

void emoji_search(struct strlist *out, const char *word)
{
	struct strbuf line = STRBUF_INIT;

	for (size_t i = 0; i < EMOJI_NR; i++) {
		if (word && *word && !strstr(emoji_table[i].code, word))
			continue;
		strbuf_addf(&line, "%s\t%s", emoji_table[i].code, emoji_table[i].emoji);
		strlist_push_nodup(out, strbuf_detach(&line, NULL));
	}
}
