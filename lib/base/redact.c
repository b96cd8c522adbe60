#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/redact.h"

#define HIDDEN "\xe2\x80\xa6" /* … */

/* Words that name a secret, compared whole and without case. */
static const char *const secret_words[] = {
	"pass", "passwd", "password", "passphrase", "pwd", "secret", "secrets", "token", "tokens",
	"apikey", "key", "keys", "credential", "credentials", "auth", "authorization", "bearer",
	"sig", "signature", "cookie", NULL,
};

int name_looks_secret(const char *name, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t j = i;
		while (j < len && name[j] != '.' && name[j] != '-' && name[j] != '_')
			j++;
		for (int k = 0; secret_words[k]; k++)
			if (strlen(secret_words[k]) == j - i && !strncasecmp(name + i, secret_words[k], j - i))
				return 1;
		i = j + 1;
	}
	return 0;
}

/* Where a URL's parts are: [scheme://][userinfo@]host[/path][?query][#fragment]. */
struct url_parts {
	size_t scheme_end;   /* after "://"; 0 without a scheme */
	size_t at;           /* the '@' ending userinfo, or (size_t)-1 */
	size_t host_end, path_end, query_end, len;
};

static int is_scheme(const char *s, size_t n)
{
	if (!n || !isalpha((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return 0;
	return 1;
}

static void url_split(struct url_parts *u, const char *url, size_t len)
{
	const char *sep = memmem(url, len, "://", 3);
	size_t i;
	memset(u, 0, sizeof(*u));
	u->len = len;
	u->at = (size_t)-1;
	if (sep && is_scheme(url, (size_t)(sep - url)))
		u->scheme_end = (size_t)(sep - url) + 3;
	for (i = u->scheme_end; i < len && url[i] != '/' && url[i] != '?' && url[i] != '#'; i++)
		if (url[i] == '@')
			u->at = i;
	u->host_end = i;
	while (i < len && url[i] != '?' && url[i] != '#')
		i++;
	u->path_end = i;
	while (i < len && url[i] != '#')
		i++;
	u->query_end = i;
}

/* A Telegram bot token as a path segment: "bot" DIGITS ":" ... */
static int is_bot_segment(const char *s, size_t n)
{
	size_t i = 3;
	if (n < 5 || strncmp(s, "bot", 3))
		return 0;
	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	return i > 3 && i < n && s[i] == ':';
}

/* Whether a path segment or query parameter holds a secret; with out, appends
   the path and query with those replaced. */
static int url_secrets(const char *url, const struct url_parts *u, struct strbuf *out)
{
	int found = 0;
	size_t i = u->host_end;
	/* path: segment by segment */
	while (i < u->path_end) {
		size_t j = i + 1;
		while (j < u->path_end && url[j] != '/')
			j++;
		if (is_bot_segment(url + i + 1, j - i - 1)) {
			found = 1;
			if (out)
				strbuf_addstr(out, "/bot" HIDDEN);
		} else if (out) {
			strbuf_add(out, url + i, j - i);
		}
		i = j;
	}
	/* query: name=value pairs */
	while (i < u->query_end) {
		size_t j = i + 1, eq;
		while (j < u->query_end && url[j] != '&' && url[j] != ';')
			j++;
		for (eq = i + 1; eq < j && url[eq] != '='; eq++)
			;
		if (eq < j && name_looks_secret(url + i + 1, eq - i - 1)) {
			found = 1;
			if (out) {
				strbuf_add(out, url + i, eq + 1 - i);
				strbuf_addstr(out, HIDDEN);
			}
		} else if (out) {
			strbuf_add(out, url + i, j - i);
		}
		i = j;
	}
	return found;
}

/* scheme://host[:port], without user:password@ (a user name is often half a login) */
static void add_origin(struct strbuf *out, const char *url, const struct url_parts *u)
{
	strbuf_add(out, url, u->scheme_end);
	if (u->at != (size_t)-1)
		strbuf_add(out, url + u->at + 1, u->host_end - u->at - 1);
	else
		strbuf_add(out, url + u->scheme_end, u->host_end - u->scheme_end);
}

void url_redact(struct strbuf *out, const char *url, size_t len)
{
	struct url_parts u;
	url_split(&u, url, len);
	add_origin(out, url, &u);
	url_secrets(url, &u, out);
	if (u.query_end < len)
		strbuf_addstr(out, "#" HIDDEN);
}

void url_redact_brief(struct strbuf *out, const char *url, size_t len)
{
	struct url_parts u;
	size_t last;
	url_split(&u, url, len);
	add_origin(out, url, &u);
	if (u.host_end == u.path_end)
		return;
	for (last = u.path_end; last > u.host_end && url[last - 1] != '/'; last--)
		;
	strbuf_addstr(out, last - 1 > u.host_end ? "/" HIDDEN "/" : "/");
	strbuf_add(out, url + last, u.path_end - last);
}

/* ---- secrets loaded by this process ---- */

#define MAX_SECRETS 16
static const char *secrets[MAX_SECRETS];

void redact_secret_add(const char *secret)
{
	if (!secret || strlen(secret) < 4)
		return; /* hiding "ab" everywhere would hide nothing and mangle text */
	for (int i = 0; i < MAX_SECRETS; i++)
		if (!secrets[i]) {
			secrets[i] = secret;
			return;
		}
}

void redact_secret_remove(const char *secret)
{
	for (int i = 0; i < MAX_SECRETS; i++)
		if (secrets[i] == secret)
			secrets[i] = NULL;
}

/* The length of a registered secret at text[i], or 0. */
static size_t secret_at(const char *text, size_t len, size_t i)
{
	for (int k = 0; k < MAX_SECRETS; k++) {
		size_t n = secrets[k] ? strlen(secrets[k]) : 0;
		if (n && n <= len - i && !memcmp(text + i, secrets[k], n))
			return n;
	}
	return 0;
}

/* Characters that end a URL in running text. */
static int url_ends(unsigned char c)
{
	return c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == 0x7f;
}

static int scheme_char(unsigned char c)
{
	return isalnum(c) || c == '+' || c == '-' || c == '.';
}

/* The next URL (scheme "://" ...) in t[from..len): its start and end. */
static int find_url(const char *t, size_t len, size_t from, size_t *start, size_t *end)
{
	for (size_t i = from; i + 3 <= len; i++) {
		size_t s = i, e = i + 3;
		if (memcmp(t + i, "://", 3))
			continue;
		while (s > from && scheme_char((unsigned char)t[s - 1]))
			s--;
		while (s < i && !isalpha((unsigned char)t[s]))
			s++;
		if (s == i)
			continue;
		while (e < len && !url_ends((unsigned char)t[e]))
			e++;
		*start = s;
		*end = e;
		return 1;
	}
	return 0;
}

const char *url_secret_kind(const char *text)
{
	size_t len = strlen(text), from = 0, start, end;
	while (find_url(text, len, from, &start, &end)) {
		struct url_parts u;
		url_split(&u, text + start, end - start);
		if (u.at != (size_t)-1 && memchr(text + start + u.scheme_end, ':', u.at - u.scheme_end))
			return "a password";
		if (url_secrets(text + start, &u, NULL))
			return "a token";
		from = end;
	}
	return NULL;
}

void text_redact(struct strbuf *out, const char *text, size_t len)
{
	struct strbuf urls = STRBUF_INIT;
	size_t from = 0, start, end, i = 0;
	while (find_url(text, len, from, &start, &end)) {
		strbuf_add(&urls, text + from, start - from);
		url_redact(&urls, text + start, end - start);
		from = end;
	}
	strbuf_add(&urls, text + from, len - from);
	while (i < urls.len) {
		size_t n = secret_at(urls.buf, urls.len, i);
		if (n) {
			strbuf_addstr(out, HIDDEN);
			i += n;
		} else {
			strbuf_addch(out, urls.buf[i++]);
		}
	}
	strbuf_release(&urls);
}

void strbuf_redact(struct strbuf *sb)
{
	struct strbuf out = STRBUF_INIT;
	text_redact(&out, sb->buf, sb->len);
	strbuf_reset(sb);
	strbuf_addbuf(sb, &out);
	strbuf_release(&out);
}
