/*
 * MIME parameters: "type/sub; a=b; c*=x" (RFC 2045), with RFC 2231's
 * continuations and charsets and RFC 2047 words inside quotes, as mail
 * writes them.  Input is untrusted: at most MIME_MAX_PARAMS are kept.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mail/charset.h"
#include "mail/mime.h"
#include "mail/mimeparam.h"

#define MAX_SECTIONS 1000 /* RFC 2231 continuations of one parameter */

void params_clear(struct params *ps)
{
	size_t i;
	for (i = 0; i < ps->n; i++) {
		free(ps->v[i].name);
		free(ps->v[i].value);
	}
	free(ps->v);
	ps->v = NULL;
	ps->n = ps->alloc = 0;
}

void params_parse(struct strbuf *main, struct params *ps, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && s[i] != ';') {
		if (s[i] == '(') { /* comment */
			while (i < n && s[i] != ')')
				i++;
		} else if (!isspace((unsigned char)s[i]) && s[i] != '"') {
			strbuf_addch(main, tolower((unsigned char)s[i]));
		}
		if (i < n)
			i++;
	}
	while (i < n && ps->n < MIME_MAX_PARAMS) {
		struct strbuf name = STRBUF_INIT, val = STRBUF_INIT;
		struct param p;
		char *star;
		while (i < n && (s[i] == ';' || isspace((unsigned char)s[i])))
			i++;
		while (i < n && s[i] != '=' && s[i] != ';' && !isspace((unsigned char)s[i]))
			strbuf_addch(&name, tolower((unsigned char)s[i++]));
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i >= n || s[i] != '=' || !name.len) {
			strbuf_release(&name);
			while (i < n && s[i] != ';')
				i++;
			continue;
		}
		i++;
		while (i < n && isspace((unsigned char)s[i]))
			i++;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++) {
				/* only \" and \\ are escapes: Windows paths carry bare backslashes */
				if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
					i++;
				strbuf_addch(&val, s[i]);
			}
			if (i < n)
				i++;
		} else {
			while (i < n && s[i] != ';')
				strbuf_addch(&val, s[i++]);
			strbuf_rtrim(&val);
		}
		p.section = -1;
		p.ext = name.len && name.buf[name.len - 1] == '*';
		if (p.ext)
			strbuf_setlen(&name, name.len - 1);
		star = strchr(name.buf, '*');
		if (star) {
			char *end;
			long sec = strtol(star + 1, &end, 10);
			if (end == star + 1 || *end || sec < 0 || sec >= MAX_SECTIONS) {
				strbuf_release(&name);
				strbuf_release(&val);
				continue;
			}
			p.section = (int)sec;
			strbuf_setlen(&name, (size_t)(star - name.buf));
		}
		p.name = strbuf_detach(&name, NULL);
		p.value = strbuf_detach(&val, NULL);
		ps->n++;
		ALLOC_GROW(ps->v, ps->n, ps->alloc);
		ps->v[ps->n - 1] = p;
	}
}

static void pct_decode(struct strbuf *out, const char *s)
{
	for (; *s; s++) {
		int h, l;
		if (*s == '%' && s[1] && s[2] &&
		    (h = isxdigit((unsigned char)s[1]) ? s[1] : -1) >= 0 &&
		    (l = isxdigit((unsigned char)s[2]) ? s[2] : -1) >= 0) {
			h = isdigit(h) ? h - '0' : tolower(h) - 'a' + 10;
			l = isdigit(l) ? l - '0' : tolower(l) - 'a' + 10;
			strbuf_addch(out, h * 16 + l);
			s += 2;
		} else {
			strbuf_addch(out, *s);
		}
	}
}

/* Appends the charset of an extended value to cs and returns the encoded text. */
static const char *ext_split(struct strbuf *cs, const char *v)
{
	const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
	if (!q2)
		return v;
	strbuf_add(cs, v, (size_t)(q1 - v));
	return q2 + 1;
}

const char *param_raw(const struct params *ps, const char *name)
{
	size_t i;
	for (i = 0; i < ps->n; i++)
		if (!ps->v[i].ext && ps->v[i].section < 0 && !strcmp(ps->v[i].name, name))
			return ps->v[i].value;
	return NULL;
}

char *param_get(const struct params *ps, const char *name)
{
	struct strbuf bytes = STRBUF_INIT, cs = STRBUF_INIT, out = STRBUF_INIT;
	const struct param *plain = NULL, *ext = NULL, **secs = NULL;
	int any_ext = 0;
	size_t i;

	for (i = 0; i < ps->n; i++) {
		const struct param *p = &ps->v[i];
		if (strcmp(p->name, name))
			continue;
		if (p->section >= 0) {
			if (!secs)
				secs = xcalloc(MAX_SECTIONS, sizeof(*secs));
			if (!secs[p->section])
				secs[p->section] = p;
		} else if (p->ext && !ext) {
			ext = p;
		} else if (!p->ext && !plain) {
			plain = p;
		}
	}
	if (ext) {
		pct_decode(&bytes, ext_split(&cs, ext->value));
		any_ext = 1;
	} else if (secs) {
		for (i = 0; i < MAX_SECTIONS && secs[i]; i++) { /* stops at a gap */
			if (secs[i]->ext) {
				any_ext = 1;
				pct_decode(&bytes, i ? secs[i]->value : ext_split(&cs, secs[i]->value));
			} else {
				strbuf_addstr(&bytes, secs[i]->value);
			}
		}
	} else if (plain) {
		strbuf_addstr(&bytes, plain->value);
	} else {
		return NULL;
	}
	free(secs);
	if (any_ext)
		charset_to_utf8(&out, cs.buf, bytes.buf, bytes.len);
	else
		mime_decode_words(&out, bytes.buf, bytes.len); /* RFC 2047 inside quotes, as Outlook does */
	strbuf_release(&bytes);
	strbuf_release(&cs);
	return strbuf_detach(&out, NULL);
}

int param_has(const struct params *ps, const char *name)
{
	size_t i;
	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].name, name))
			return 1;
	return 0;
}
