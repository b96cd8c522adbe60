#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>

#include "base/utf8.h"
#include "store/search-token.h"

/* A hostile "word" of a megabyte is kept as its first bytes: the index and
   a query cut it alike. */
#define TOKEN_MAX 128

struct search_tokenizer {
	struct sb_stemmer *english, *russian;
	struct strbuf word, stem;
};

struct search_tokenizer *search_tokenizer_new(void)
{
	struct search_tokenizer *t = xcalloc(1, sizeof(*t));
	t->english = sb_stemmer_new("english", "UTF_8");
	t->russian = sb_stemmer_new("russian", "UTF_8");
	strbuf_init(&t->word, 64);
	strbuf_init(&t->stem, 64);
	return t;
}

void search_tokenizer_free(struct search_tokenizer *t)
{
	if (!t)
		return;
	if (t->english)
		sb_stemmer_delete(t->english);
	if (t->russian)
		sb_stemmer_delete(t->russian);
	strbuf_release(&t->word);
	strbuf_release(&t->stem);
	free(t);
}

enum cp_class { CP_SEP, CP_DIGIT, CP_LATIN, CP_CYRILLIC, CP_OTHER_LETTER, CP_MARK };

static enum cp_class classify(unsigned cp)
{
	if (cp < 0x80) {
		if (cp >= '0' && cp <= '9')
			return CP_DIGIT;
		return ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') ? CP_LATIN : CP_SEP;
	}
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7)
		return CP_SEP; /* Latin-1 punctuation and signs */
	if (cp < 0x250)
		return CP_LATIN;
	if (cp >= 0x300 && cp < 0x370)
		return CP_MARK; /* combining accents: part of the word, not of the token */
	if (cp >= 0x400 && cp < 0x530)
		return (cp >= 0x482 && cp <= 0x489) ? CP_MARK : CP_CYRILLIC;
	if ((cp >= 0x2000 && cp < 0x2c00) || (cp >= 0x2e00 && cp < 0x3040) || (cp >= 0xe000 && cp < 0xf900) ||
	    (cp >= 0xfe00 && cp < 0xfe70) || cp == 0xfeff || (cp >= 0xff00 && cp < 0xff10) || cp >= 0xfff0 ||
	    (cp >= 0x1f000 && cp < 0x1fb00) || cp >= 0xe0000)
		return CP_SEP; /* punctuation, symbols, arrows, emoji, private use, specials */
	return CP_OTHER_LETTER;
}

/* Lower case, with Ё/ё as е: people write "елка" for "ёлка". */
static unsigned fold(unsigned cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 0x20;
	if ((cp >= 0x100 && cp < 0x130) || (cp >= 0x132 && cp < 0x138) || (cp >= 0x14a && cp < 0x178))
		return cp | 1;
	if ((cp >= 0x139 && cp < 0x149) || (cp >= 0x179 && cp < 0x17f))
		return (cp & 1) ? cp + 1 : cp;
	if (cp == 0x130)
		return 'i';
	if (cp == 0x178)
		return 0xff;
	if (cp >= 0x391 && cp <= 0x3a9)
		return cp + 0x20;
	if (cp == 0x401 || cp == 0x451)
		return 0x435;
	if (cp >= 0x400 && cp < 0x410)
		return cp + 0x50;
	if (cp >= 0x410 && cp < 0x430)
		return cp + 0x20;
	if ((cp >= 0x460 && cp < 0x482) || (cp >= 0x48a && cp < 0x4c0) || (cp >= 0x4d0 && cp < 0x530))
		return cp | 1;
	return cp;
}

static void add_cp(struct strbuf *sb, unsigned cp)
{
	if (cp < 0x80) {
		strbuf_addch(sb, (int)cp);
	} else if (cp < 0x800) {
		strbuf_addch(sb, (int)(0xc0 | (cp >> 6)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		strbuf_addch(sb, (int)(0xe0 | (cp >> 12)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	} else {
		strbuf_addch(sb, (int)(0xf0 | (cp >> 18)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 12) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | ((cp >> 6) & 0x3f)));
		strbuf_addch(sb, (int)(0x80 | (cp & 0x3f)));
	}
}

static int is_joiner(unsigned cp)
{
	return cp == '-' || cp == '_' || cp == '.' || cp == '/';
}

static int is_word(enum cp_class c)
{
	return c != CP_SEP;
}

/* One run of letters and digits: where it is and what it holds. */
struct run {
	size_t start, end;
	int digits, latin, cyrillic, other;
};

/* The folded text of text[start..end), without joiners when drop_joiners. */
static void folded(struct strbuf *out, const char *text, size_t start, size_t end)
{
	strbuf_reset(out);
	for (size_t i = start; i < end;) {
		unsigned cp;
		i += utf8_decode(text + i, end - i, &cp);
		if (classify(cp) != CP_MARK)
			add_cp(out, fold(cp));
	}
	if (out->len > TOKEN_MAX)
		strbuf_setlen(out, utf8_cut(out->buf, TOKEN_MAX));
}

static int emit_word(struct search_tokenizer *t, const char *text, const struct run *r, int flags,
		     search_token_fn *fn, void *payload)
{
	struct sb_stemmer *stemmer = NULL;
	folded(&t->word, text, r->start, r->end);
	if (!t->word.len)
		return 0;
	if (!r->digits && !r->other) {
		if (r->cyrillic && !r->latin)
			stemmer = t->russian;
		else if (r->latin && !r->cyrillic)
			stemmer = t->english;
	}
	if (stemmer) {
		const sb_symbol *s = sb_stemmer_stem(stemmer, (const sb_symbol *)t->word.buf, (int)t->word.len);
		int n = sb_stemmer_length(stemmer);
		if (s && n > 0)
			return fn(payload, flags, (const char *)s, (size_t)n, r->start, r->end);
	}
	return fn(payload, flags, t->word.buf, t->word.len, r->start, r->end);
}

/* Splits text[start..end) (letters, digits, joiners) into runs of one kind:
   letters (any script together) or digits. */
static int emit_parts(struct search_tokenizer *t, const char *text, size_t start, size_t end, int split_digits,
		      int flags, search_token_fn *fn, void *payload)
{
	struct run r = { start, start, 0, 0, 0, 0 };
	int kind = -1, err = 0;
	for (size_t i = start; i <= end && !err;) {
		unsigned cp = 0;
		size_t n = i < end ? utf8_decode(text + i, end - i, &cp) : 0;
		enum cp_class c = i < end ? classify(cp) : CP_SEP;
		int k = (c == CP_SEP || is_joiner(cp)) ? -1 : c == CP_MARK ? kind
			: (split_digits && c == CP_DIGIT) ? 1 : 0;
		if (k != kind || i == end) {
			if (kind >= 0) {
				r.end = i;
				err = emit_word(t, text, &r, flags, fn, payload);
			}
			memset(&r, 0, sizeof(r));
			r.start = i;
			kind = k;
		}
		if (c == CP_DIGIT)
			r.digits = 1;
		else if (c == CP_LATIN)
			r.latin = 1;
		else if (c == CP_CYRILLIC)
			r.cyrillic = 1;
		else if (c == CP_OTHER_LETTER)
			r.other = 1;
		if (i == end)
			break;
		i += n;
	}
	return err;
}

int search_tokenize(struct search_tokenizer *t, const char *text, size_t len, int query,
		    search_token_fn *fn, void *payload)
{
	size_t i = 0;
	int err = 0;
	while (i < len && !err) {
		size_t start, end, parts = 1;
		int digit = 0, letter = 0;
		unsigned cp;
		size_t n = utf8_decode(text + i, len - i, &cp);
		if (!is_word(classify(cp)) || classify(cp) == CP_MARK) {
			i += n;
			continue;
		}
		/* the segment: word characters, and joiners between two of them */
		start = end = i;
		while (end < len) {
			n = utf8_decode(text + end, len - end, &cp);
			enum cp_class c = classify(cp);
			if (is_word(c)) {
				digit |= c == CP_DIGIT;
				letter |= c != CP_DIGIT && c != CP_MARK;
				end += n;
				continue;
			}
			if (is_joiner(cp) && end + n < len) {
				unsigned next;
				utf8_decode(text + end + n, len - end - n, &next);
				if (is_word(classify(next)) && classify(next) != CP_MARK) {
					end += n;
					parts++;
					continue;
				}
			}
			break;
		}
		i = end;
		if (!digit) {
			err = emit_parts(t, text, start, end, 0, 0, fn, payload);
			continue;
		}
		/* an id or a number: exact, and whole */
		folded(&t->word, text, start, end);
		err = fn(payload, 0, t->word.buf, t->word.len, start, end);
		if (!err && !query && (parts > 1 || letter))
			err = emit_parts(t, text, start, end, 1, SEARCH_TOKEN_COLOCATED, fn, payload);
	}
	return err;
}

static int add_token(void *payload, int flags, const char *token, size_t len, size_t start, size_t end)
{
	struct strbuf *out = payload;
	if (out->len)
		strbuf_addch(out, ' ');
	if (flags & SEARCH_TOKEN_COLOCATED)
		strbuf_addch(out, '/');
	strbuf_add(out, token, len);
	return 0;
}

void search_tokens_string(struct strbuf *out, struct search_tokenizer *t, const char *text, int query)
{
	search_tokenize(t, text, strlen(text), query, add_token, out);
}
