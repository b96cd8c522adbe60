#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "ops/search.h"
#include "store/index.h"
#include "store/record.h"
#include "store/search-token.h"

/* Nesting of parentheses and NOTs: a query is typed by a person, and the
   parser's stack stays small whatever it is given. */
#define QUERY_MAX_DEPTH 64

static const struct {
	const char *name;
	const char *column;   /* of the search table; NULL: a condition on the dialog */
} fields[] = {
	{ "from", "sender" }, { "to", "recipient" }, { "subject", "subject" }, { "body", "body" },
	{ "note", "note" }, { "user", "user" }, { "file", "file" },
	{ "tag", NULL }, { "channel", NULL }, { "status", NULL }, { "assignee", NULL },
	{ "after", NULL }, { "before", NULL },
};
#define NFIELDS (sizeof(fields) / sizeof(*fields))

/* What a part of the query asks, as a conjunction of three: text that must
   match (fts), text that must not (neg), and an SQL condition (sql). */
struct part {
	struct strbuf fts, neg, sql;
};

static void part_init(struct part *p)
{
	strbuf_init(&p->fts, 0);
	strbuf_init(&p->neg, 0);
	strbuf_init(&p->sql, 0);
}

static void part_release(struct part *p)
{
	strbuf_release(&p->fts);
	strbuf_release(&p->neg);
	strbuf_release(&p->sql);
}

struct parser {
	const char *q;
	size_t pos;
	time_t now;
	struct dlg_store *store;
	struct search_tokenizer *tok;
	int depth;
};

static int fail_at(struct parser *p, size_t at, const char *fmt, const char *arg)
{
	size_t chars = 1;
	for (size_t i = 0; i < at && p->q[i]; i++)
		chars += ((unsigned char)p->q[i] & 0xc0) != 0x80;
	return dlg_error(DLG_EINVALID, "query:%zu: %s%s%s", chars, fmt, arg ? arg : "", arg ? "'" : "");
}

/* An SQL string literal ('), or an FTS5 string (") that the tokenizer
   makes one word or a phrase of: the quote doubled inside. */
static void quote(struct strbuf *out, const char *s, size_t n, char q)
{
	strbuf_addch(out, q);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == q)
			strbuf_addch(out, q);
		strbuf_addch(out, s[i]);
	}
	strbuf_addch(out, q);
}

static void sql_quote(struct strbuf *out, const char *s, size_t n)
{
	quote(out, s, n, '\'');
}

/* "x" AND y: both in parentheses, which keep FTS5's and SQL's precedence out of it. */
static void join(struct strbuf *into, const char *op, const struct strbuf *other)
{
	struct strbuf tmp = STRBUF_INIT;
	if (!other->len)
		return;
	if (!into->len) {
		strbuf_addbuf(into, other);
		return;
	}
	strbuf_addf(&tmp, "(%s) %s (%s)", into->buf, op, other->buf);
	strbuf_reset(into);
	strbuf_addbuf(into, &tmp);
	strbuf_release(&tmp);
}

static void match_sql(struct strbuf *out, const char *in, const struct strbuf *fts)
{
	strbuf_addf(out, "d.id %s (SELECT id FROM search WHERE search MATCH ", in);
	sql_quote(out, fts->buf, fts->len);
	strbuf_addch(out, ')');
}

/* The whole part as one SQL condition. */
static void part_sql(struct strbuf *out, const struct part *a)
{
	struct strbuf one = STRBUF_INIT;
	strbuf_reset(out);
	if (a->fts.len) {
		match_sql(&one, "IN", &a->fts);
		join(out, "AND", &one);
		strbuf_reset(&one);
	}
	if (a->neg.len) {
		match_sql(&one, "NOT IN", &a->neg);
		join(out, "AND", &one);
	}
	join(out, "AND", &a->sql);
	if (!out->len)
		strbuf_addstr(out, "1");
	strbuf_release(&one);
}

static int fts_only(const struct part *a)
{
	return a->fts.len && !a->neg.len && !a->sql.len;
}

static void part_and(struct part *a, const struct part *b)
{
	join(&a->fts, "AND", &b->fts);
	join(&a->neg, "OR", &b->neg);
	join(&a->sql, "AND", &b->sql);
}

static void part_or(struct part *a, struct part *b)
{
	struct strbuf sa = STRBUF_INIT, sb = STRBUF_INIT;
	if (fts_only(a) && fts_only(b)) {
		join(&a->fts, "OR", &b->fts);
		return;
	}
	part_sql(&sa, a);
	part_sql(&sb, b);
	join(&sa, "OR", &sb);
	strbuf_reset(&a->fts);
	strbuf_reset(&a->neg);
	strbuf_reset(&a->sql);
	strbuf_addbuf(&a->sql, &sa);
	strbuf_release(&sa);
	strbuf_release(&sb);
}

static void part_not(struct part *a)
{
	struct strbuf s = STRBUF_INIT;
	if (fts_only(a)) {
		strbuf_addbuf(&a->neg, &a->fts);
		strbuf_reset(&a->fts);
	} else if (a->neg.len && !a->fts.len && !a->sql.len) {
		strbuf_addbuf(&a->fts, &a->neg);
		strbuf_reset(&a->neg);
	} else {
		part_sql(&s, a);
		strbuf_reset(&a->fts);
		strbuf_reset(&a->neg);
		strbuf_reset(&a->sql);
		strbuf_addf(&a->sql, "NOT (%s)", s.buf);
	}
	strbuf_release(&s);
}

static void skip_space(struct parser *p)
{
	while (p->q[p->pos] == ' ' || p->q[p->pos] == '\t' || p->q[p->pos] == '\n')
		p->pos++;
}

static int ends_word(char c)
{
	return !c || c == ' ' || c == '\t' || c == '\n' || c == '(' || c == ')' || c == '"';
}

/* The word at p->pos is the operator op, standing alone. */
static int at_operator(struct parser *p, const char *op)
{
	size_t n = strlen(op);
	return !strncmp(p->q + p->pos, op, n) && ends_word(p->q[p->pos + n]) && p->q[p->pos + n] != '"';
}

static int count_token(void *payload, int flags, const char *token, size_t len, size_t start, size_t end)
{
	++*(int *)payload;
	return 0;
}

static int text_term(struct parser *p, struct part *out, const char *column, const char *text, size_t n,
		     size_t at)
{
	int tokens = 0;
	search_tokenize(p->tok, text, n, 1, count_token, &tokens);
	if (!tokens) {
		struct strbuf word = STRBUF_INIT;
		int err;
		strbuf_addf(&word, "%.*s", (int)n, text);
		err = fail_at(p, at, "no letters or digits to search for in '", word.buf);
		strbuf_release(&word);
		return err;
	}
	if (column)
		strbuf_addf(&out->fts, "%s : ", column);
	quote(&out->fts, text, n, '"');
	return 0;
}

/* after:/before: a date, or a time ago: 3h, 7d, 2w. */
static int date_term(struct parser *p, struct part *out, const char *field, const char *value, size_t at)
{
	time_t t;
	size_t n = strlen(value);
	char unit = n ? value[n - 1] : 0;
	if (n >= 2 && n <= 7 && strspn(value, "0123456789") == n - 1 && (unit == 'h' || unit == 'd' || unit == 'w')) {
		long count = strtol(value, NULL, 10);
		t = p->now - (time_t)count * (unit == 'h' ? 3600 : unit == 'd' ? 86400 : 7 * 86400);
	} else if (n < 10 || time_parse_local(&t, value) < 0) {
		return fail_at(p, at, "cannot read the date (YYYY-MM-DD, or 3h, 7d, 2w ago) '", value);
	}
	strbuf_addf(&out->sql, "d.last_at %s %lld", !strcmp(field, "after") ? ">=" : "<", (long long)t);
	return 0;
}

static int condition_term(struct parser *p, struct part *out, const char *field, const char *value, size_t at)
{
	size_t n = strlen(value);
	if (!strcmp(field, "after") || !strcmp(field, "before"))
		return date_term(p, out, field, value, at);
	if (!strcmp(field, "status")) {
		if (!strcmp(value, "open") || !strcmp(value, "closed"))
			strbuf_addf(&out->sql, "d.closed=%d", !strcmp(value, "closed"));
		else if (!strcmp(value, "waiting"))
			strbuf_addstr(&out->sql, "d.waiting=1");
		else
			return fail_at(p, at, "status: takes open, closed or waiting, not '", value);
	} else if (!strcmp(field, "tag")) {
		if (!tag_valid(value))
			return fail_at(p, at, "invalid tag '", value);
		strbuf_addstr(&out->sql, "d.id IN (SELECT id FROM tags WHERE tag=");
		sql_quote(&out->sql, value, n);
		strbuf_addch(&out->sql, ')');
	} else if (!strcmp(field, "channel")) {
		strbuf_addstr(&out->sql, "d.channel=");
		sql_quote(&out->sql, value, n);
	} else if (!strcmp(value, "none")) { /* assignee */
		strbuf_addstr(&out->sql, "d.assignee IS NULL");
	} else {
		const char *name = value;
		if (!strcmp(value, "me") && (!p->store || store_operator(&name, p->store) < 0))
			return fail_at(p, at, "assignee:me, but who is me? (set $DLG_OPERATOR)", NULL);
		strbuf_addstr(&out->sql, "d.assignee=");
		sql_quote(&out->sql, name, strlen(name));
	}
	return 0;
}

/* A phrase "...": its text; p->pos after the closing quote. */
static int phrase(struct parser *p, const char **text, size_t *n)
{
	size_t open = p->pos;
	const char *end = strchr(p->q + open + 1, '"');
	if (!end)
		return fail_at(p, open, "unmatched quote", NULL);
	*text = p->q + open + 1;
	*n = (size_t)(end - *text);
	p->pos = (size_t)(end - p->q) + 1;
	return 0;
}

static int term(struct parser *p, struct part *out)
{
	size_t at = p->pos, len = 0, colon;
	const char *text;
	int field = -1, err;

	if (p->q[at] == '"') {
		if ((err = phrase(p, &text, &len)) < 0)
			return err;
		return text_term(p, out, NULL, text, len, at);
	}
	while (!ends_word(p->q[at + len]))
		len++;
	colon = strcspn(p->q + at, ":");
	if (colon < len) {
		for (size_t i = 0; i < NFIELDS && field < 0; i++)
			if (strlen(fields[i].name) == colon && !strncmp(p->q + at, fields[i].name, colon))
				field = (int)i;
		if (field < 0) {
			int letters = colon > 0;
			for (size_t i = 0; i < colon; i++)
				letters &= isalpha((unsigned char)p->q[at + i]) != 0;
			/* a URL is text; a word before a colon is a field we do not know */
			if (letters && strncmp(p->q + at + colon, "://", 3)) {
				struct strbuf name = STRBUF_INIT;
				strbuf_add(&name, p->q + at, colon);
				err = fail_at(p, at, "no field '", name.buf);
				strbuf_release(&name);
				return err;
			}
		}
	}
	if (field < 0) {
		p->pos = at + len;
		return text_term(p, out, NULL, p->q + at, len, at);
	}
	p->pos = at + colon + 1;
	if (p->q[p->pos] == '"' && colon + 1 == len) {
		if ((err = phrase(p, &text, &len)) < 0)
			return err;
	} else {
		text = p->q + p->pos;
		len = len - colon - 1;
		p->pos += len;
	}
	if (!len)
		return fail_at(p, at, fields[field].column ? "a word or a phrase must follow '" : "a value must follow '",
			       fields[field].name);
	if (fields[field].column)
		return text_term(p, out, fields[field].column, text, len, at);
	{
		char *value = xstrndup(text, len);
		err = condition_term(p, out, fields[field].name, value, at + colon + 1);
		free(value);
	}
	return err;
}

static int parse_or(struct parser *p, struct part *out);

static int parse_unary(struct parser *p, struct part *out)
{
	size_t at;
	int err;
	skip_space(p);
	at = p->pos;
	if (p->depth >= QUERY_MAX_DEPTH)
		return fail_at(p, at, "nested too deep", NULL);
	if ((p->q[at] == '-' && !ends_word(p->q[at + 1])) || (p->q[at] == '-' && p->q[at + 1] == '"') ||
	    at_operator(p, "NOT")) {
		p->pos += p->q[at] == '-' ? 1 : 3;
		p->depth++;
		err = parse_unary(p, out);
		p->depth--;
		if (!err)
			part_not(out);
		return err;
	}
	if (p->q[at] == '(') {
		p->pos++;
		p->depth++;
		err = parse_or(p, out);
		p->depth--;
		if (err < 0)
			return err;
		skip_space(p);
		if (p->q[p->pos] != ')')
			return fail_at(p, at, "unmatched parenthesis", NULL);
		p->pos++;
		return 0;
	}
	if (!p->q[at] || p->q[at] == ')' || at_operator(p, "OR") || at_operator(p, "AND"))
		return fail_at(p, at, p->q[at] == ')' ? "unmatched parenthesis" : "a word is missing here", NULL);
	return term(p, out);
}

static int parse_and(struct parser *p, struct part *out)
{
	int err = parse_unary(p, out);
	while (!err) {
		struct part next;
		skip_space(p);
		if (!p->q[p->pos] || p->q[p->pos] == ')' || at_operator(p, "OR"))
			break;
		if (at_operator(p, "AND"))
			p->pos += 3;
		part_init(&next);
		if (!(err = parse_unary(p, &next)))
			part_and(out, &next);
		part_release(&next);
	}
	return err;
}

static int parse_or(struct parser *p, struct part *out)
{
	int err = parse_and(p, out);
	while (!err) {
		struct part next;
		skip_space(p);
		if (!at_operator(p, "OR"))
			break;
		p->pos += 2;
		part_init(&next);
		if (!(err = parse_and(p, &next)))
			part_or(out, &next);
		part_release(&next);
	}
	return err;
}

int search_query_compile(struct search_query *out, const char *query, time_t now, struct dlg_store *s)
{
	struct parser p = { query, 0, now, s, search_tokenizer_new(), 0 };
	struct part all;
	int err;

	strbuf_reset(&out->match);
	strbuf_reset(&out->where);
	part_init(&all);
	err = parse_or(&p, &all);
	skip_space(&p);
	if (!err && query[p.pos])
		err = fail_at(&p, p.pos, "unmatched parenthesis", NULL); /* the only way to stop early */
	if (!err) {
		strbuf_addbuf(&out->match, &all.fts);
		if (all.fts.len && all.neg.len)
			strbuf_addf(&out->match, " NOT (%s)", all.neg.buf);
		strbuf_addbuf(&out->where, &all.sql);
		if (!all.fts.len && all.neg.len) {
			struct strbuf none = STRBUF_INIT;
			match_sql(&none, "NOT IN", &all.neg);
			join(&out->where, "AND", &none);
			strbuf_release(&none);
		}
	}
	part_release(&all);
	search_tokenizer_free(p.tok);
	return err;
}

void search_query_clear(struct search_query *q)
{
	strbuf_release(&q->match);
	strbuf_release(&q->where);
}

int dlg_search(struct dlg_list_result *out, struct dlg_store *s, const struct dialog_filter *f,
	       const char *query, unsigned flags, dlg_search_fn each, void *payload)
{
	struct search_query q = SEARCH_QUERY_INIT;
	struct dlg_index *ix = NULL;
	int err;

	strbuf_reset(&out->why);
	out->from_view = 0;
	if ((err = search_query_compile(&q, query, dlg_now(), s)) < 0)
		goto out;
	if ((err = index_open(&ix, s)) < 0 || (err = index_update(ix, NULL)) < 0)
		goto out;
	out->abbrev = (size_t)index_abbrev(ix);
	{
		struct index_search is = { q.match.len ? q.match.buf : NULL, q.where.len ? q.where.buf : NULL,
					   !!(flags & DLG_SEARCH_NO_SNIPPET) };
		err = index_search(ix, f, &is, each, payload);
	}
out:
	index_free(ix);
	search_query_clear(&q);
	return err;
}
