/*
 * RFC 5322 / MIME message structure: headers, parameters (RFC 2231),
 * multipart trees, addresses and dates.  Input is untrusted bytes:
 * nothing here recurses more than MIME_MAX_DEPTH levels, every scan is
 * linear per nesting level, and all strings handed out are valid UTF-8.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "mime.h"

#define MIME_MAX_DEPTH 32
#define MIME_MAX_PARTS 10000
#define MAX_SECTIONS 1000 /* RFC 2231 continuations of one parameter */

/* ---- header scanning ---- */

struct hdr {
	const char *name, *val;
	size_t nlen, vlen; /* val is raw: folds still in it */
};

struct hiter {
	const char *buf;
	size_t len, pos, body;
	int done;
};

static size_t line_end(const char *buf, size_t len, size_t pos, size_t *next)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	size_t e = nl ? (size_t)(nl - buf) : len;
	*next = nl ? e + 1 : len;
	if (e > pos && buf[e - 1] == '\r')
		e--;
	return e;
}

static void hiter_init(struct hiter *it, const char *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->pos = 0;
	it->body = len;
	it->done = 0;
	if (len >= 5 && !memcmp(buf, "From ", 5)) /* mbox separator */
		line_end(buf, len, 0, &it->pos);
}

/*
 * Next header field.  The header ends at a blank line, or at the first
 * line that is neither a field nor a continuation (then that line
 * starts the body, as lenient parsers do).
 */
static int hiter_next(struct hiter *it, struct hdr *h)
{
	const char *b = it->buf;

	while (!it->done) {
		size_t next, e, j;
		if (it->pos >= it->len) {
			it->done = 1;
			it->body = it->len;
			break;
		}
		e = line_end(b, it->len, it->pos, &next);
		if (e == it->pos) {
			it->done = 1;
			it->body = next;
			break;
		}
		if (b[it->pos] == ' ' || b[it->pos] == '\t') { /* orphan continuation */
			it->pos = next;
			continue;
		}
		for (j = it->pos; j < e && b[j] > ' ' && b[j] < 0x7F && b[j] != ':'; j++)
			;
		h->name = b + it->pos;
		h->nlen = j - it->pos;
		while (j < e && (b[j] == ' ' || b[j] == '\t'))
			j++;
		if (!h->nlen || j >= e || b[j] != ':') {
			it->done = 1;
			it->body = it->pos;
			break;
		}
		h->val = b + j + 1;
		it->pos = next;
		while (it->pos < it->len && (b[it->pos] == ' ' || b[it->pos] == '\t'))
			e = line_end(b, it->len, it->pos, &it->pos);
		h->vlen = (size_t)(b + e - h->val);
		return 1;
	}
	return 0;
}

static int hdr_is(const struct hdr *h, const char *name)
{
	return strlen(name) == h->nlen && !strncasecmp(h->name, name, h->nlen);
}

/* Appends the unfolded value, trimmed. */
static void unfold(struct strbuf *out, const char *v, size_t n)
{
	struct strbuf t = STRBUF_INIT;
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		while (j < n && v[j] != '\r' && v[j] != '\n')
			j++;
		strbuf_add(&t, v + i, j - i);
		i = j + 1;
	}
	strbuf_trim(&t);
	strbuf_addbuf(out, &t);
	strbuf_release(&t);
}

int mime_header_get(struct strbuf *out, const char *buf, size_t len, const char *name)
{
	struct hiter it;
	struct hdr h;

	hiter_init(&it, buf, len);
	while (hiter_next(&it, &h)) {
		if (hdr_is(&h, name)) {
			strbuf_reset(out);
			unfold(out, h.val, h.vlen);
			return 0;
		}
	}
	return DLG_ENOTFOUND;
}

size_t mime_body_offset(const char *buf, size_t len)
{
	struct hiter it;
	struct hdr h;

	hiter_init(&it, buf, len);
	while (hiter_next(&it, &h))
		;
	return it.body;
}

/* Decoded header text for display: control characters become spaces. */
static char *display_text(const char *raw, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	mime_decode_words(&sb, raw, n);
	for (i = 0; i < sb.len; i++)
		if ((unsigned char)sb.buf[i] < 0x20 || sb.buf[i] == 0x7F)
			sb.buf[i] = ' ';
	strbuf_trim(&sb);
	return strbuf_detach(&sb, NULL);
}

/* ---- parameters (RFC 2045 + RFC 2231) ---- */

struct param {
	char *name;  /* lowercased, without the "*N*" suffix */
	int section; /* -1 when not a continuation */
	int ext;     /* value is charset'lang'%XX encoded */
	char *value; /* unquoted raw bytes */
};

struct params {
	struct param *v;
	size_t n, alloc;
};

static void params_clear(struct params *ps)
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

/* Splits "type/sub; a=b; c*=x" into the lowercased main value and parameters. */
static void params_parse(struct strbuf *main, struct params *ps, const char *s, size_t n)
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
	while (i < n) {
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

/* A raw parameter value exactly as written (for boundaries), or NULL. */
static const char *param_raw(const struct params *ps, const char *name)
{
	size_t i;
	for (i = 0; i < ps->n; i++)
		if (!ps->v[i].ext && ps->v[i].section < 0 && !strcmp(ps->v[i].name, name))
			return ps->v[i].value;
	return NULL;
}

/* The decoded UTF-8 value of a parameter (caller frees), or NULL.  RFC 2231
   forms win over the plain one that is there for old readers. */
static char *param_get(const struct params *ps, const char *name)
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

/* ---- the MIME tree ---- */

enum { MODE_NORMAL, MODE_NO_TEXT };

struct walk {
	struct mime_message *msg;
	unsigned flags;
	size_t nparts, att_alloc;
	struct strbuf text;
};

struct entity {
	struct strbuf type;       /* "type/subtype" */
	struct params ct, cd;     /* Content-Type and Content-Disposition parameters */
	struct strbuf disp, cte;
	const char *body;
	size_t blen;
};

static void entity_parse(struct entity *e, const char *buf, size_t len, const char *deftype)
{
	struct hiter it;
	struct hdr h;
	int seen_ct = 0, seen_cd = 0, seen_cte = 0;

	memset(e, 0, sizeof(*e));
	strbuf_init(&e->type, 0);
	strbuf_init(&e->disp, 0);
	strbuf_init(&e->cte, 0);
	hiter_init(&it, buf, len);
	while (hiter_next(&it, &h)) {
		struct strbuf v = STRBUF_INIT;
		if (!seen_ct && hdr_is(&h, "content-type")) {
			seen_ct = 1;
			unfold(&v, h.val, h.vlen);
			params_parse(&e->type, &e->ct, v.buf, v.len);
		} else if (!seen_cd && hdr_is(&h, "content-disposition")) {
			seen_cd = 1;
			unfold(&v, h.val, h.vlen);
			params_parse(&e->disp, &e->cd, v.buf, v.len);
		} else if (!seen_cte && hdr_is(&h, "content-transfer-encoding")) {
			struct params none = { NULL, 0, 0 };
			seen_cte = 1;
			unfold(&v, h.val, h.vlen);
			params_parse(&e->cte, &none, v.buf, v.len);
			params_clear(&none);
		}
		strbuf_release(&v);
	}
	if (!strchr(e->type.buf, '/') || e->type.buf[0] == '/') {
		strbuf_reset(&e->type);
		strbuf_addstr(&e->type, deftype);
	}
	e->body = buf + it.body;
	e->blen = len - it.body;
}

static void entity_release(struct entity *e)
{
	strbuf_release(&e->type);
	strbuf_release(&e->disp);
	strbuf_release(&e->cte);
	params_clear(&e->ct);
	params_clear(&e->cd);
}

static void decode_body(struct strbuf *out, const struct entity *e)
{
	if (!strcmp(e->cte.buf, "base64"))
		base64_decode(out, e->body, e->blen);
	else if (!strcmp(e->cte.buf, "quoted-printable"))
		qp_decode(out, e->body, e->blen);
	else
		strbuf_add(out, e->body, e->blen);
}

/* The charset an HTML document declares in <meta>, when the header gives none. */
static char *html_meta_charset(const char *s, size_t n)
{
	size_t i, lim = n < 2048 ? n : 2048;
	for (i = 0; i + 8 < lim; i++) {
		if (!strncasecmp(s + i, "charset=", 8)) {
			size_t j = i + 8, k;
			while (j < lim && (s[j] == '"' || s[j] == '\''))
				j++;
			for (k = j; k < lim && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'); k++)
				;
			return k > j ? xstrndup(s + j, k - j) : NULL;
		}
	}
	return NULL;
}

static void add_attachment(struct walk *w, const struct entity *e, const char *name)
{
	struct mime_message *m = w->msg;
	struct mime_attachment *a;
	struct strbuf data = STRBUF_INIT, clean = STRBUF_INIT;
	size_t i;

	m->nattachments++;
	ALLOC_GROW(m->attachments, m->nattachments, w->att_alloc);
	a = &m->attachments[m->nattachments - 1];
	for (i = 0; name && name[i]; i++) /* no control characters in names */
		if ((unsigned char)name[i] >= 0x20 && name[i] != 0x7F)
			strbuf_addch(&clean, name[i]);
	a->name = strbuf_detach(&clean, NULL);
	utf8_sanitize(&clean, e->type.buf, e->type.len);
	a->type = strbuf_detach(&clean, NULL);
	decode_body(&data, e);
	a->size = data.len;
	if (w->flags & MIME_WANT_DATA) {
		a->data = strbuf_detach(&data, NULL);
	} else {
		a->data = NULL;
		strbuf_release(&data);
	}
}

static void add_text(struct walk *w, const struct entity *e, int html)
{
	struct strbuf raw = STRBUF_INIT, u = STRBUF_INIT;
	char *cs = param_get(&e->ct, "charset");
	size_t i, lead;

	decode_body(&raw, e);
	if (html && !cs)
		cs = html_meta_charset(raw.buf, raw.len);
	charset_to_utf8(&u, cs, raw.buf, raw.len);
	if (html) {
		struct strbuf t = STRBUF_INIT;
		html_to_text(&t, u.buf, u.len);
		strbuf_release(&u);
		u = t;
	}
	strbuf_rtrim(&u);
	for (i = 0, lead = 0; i < u.len && isspace((unsigned char)u.buf[i]); i++)
		if (u.buf[i] == '\n')
			lead = i + 1; /* leading blank lines go, indentation stays */
	if (lead) {
		memmove(u.buf, u.buf + lead, u.len - lead);
		strbuf_setlen(&u, u.len - lead);
	}
	if (u.len) {
		/* further inline text parts (a "PS", a list footer) follow the first */
		if (w->text.len)
			strbuf_addstr(&w->text, "\n\n");
		strbuf_addbuf(&w->text, &u);
	}
	free(cs);
	strbuf_release(&raw);
	strbuf_release(&u);
}

static int is_type(const struct entity *e, const char *t)
{
	return !strcmp(e->type.buf, t);
}

static int has_param(const struct params *ps, const char *name)
{
	size_t i;
	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].name, name))
			return 1;
	return 0;
}

static int is_attachment(const struct entity *e, int root)
{
	if (!strcmp(e->disp.buf, "attachment"))
		return 1;
	return !root && (has_param(&e->cd, "filename") || has_param(&e->ct, "name"));
}

static void attach(struct walk *w, const struct entity *e)
{
	char *name = param_get(&e->cd, "filename");
	if (!name)
		name = param_get(&e->ct, "name");
	add_attachment(w, e, name);
	free(name);
}

struct span {
	const char *p;
	size_t n;
};

/* Is there a delimiter line "--boundary[--]" at b[ls]?  Sets *close. */
static int is_delimiter(const char *b, size_t blen, size_t ls, const char *bd, size_t bl, int *close)
{
	size_t k = ls + 2 + bl;
	if (blen - ls < 2 + bl || b[ls] != '-' || b[ls + 1] != '-' || memcmp(b + ls + 2, bd, bl))
		return 0;
	*close = k + 1 < blen && b[k] == '-' && b[k + 1] == '-';
	if (*close)
		k += 2;
	while (k < blen && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r'))
		k++;
	return k == blen || b[k] == '\n';
}

/* The body parts between the delimiter lines; a missing close delimiter is forgiven. */
static size_t split_multipart(const char *b, size_t blen, const char *bd, struct span **out)
{
	size_t bl = strlen(bd), ls = 0, n = 0, alloc = 0, start = 0;
	int open = 0, close;

	*out = NULL;
	while (ls < blen) {
		const char *nl = memchr(b + ls, '\n', blen - ls);
		size_t next = nl ? (size_t)(nl - b) + 1 : blen;
		if (b[ls] == '-' && is_delimiter(b, blen, ls, bd, bl, &close)) {
			if (open) {
				/* the line break before the delimiter belongs to it */
				size_t end = ls;
				if (end > start && b[end - 1] == '\n')
					end--;
				if (end > start && b[end - 1] == '\r')
					end--;
				n++;
				ALLOC_GROW(*out, n, alloc);
				(*out)[n - 1].p = b + start;
				(*out)[n - 1].n = end - start;
				if (n >= MIME_MAX_PARTS)
					return n;
			}
			if (close)
				return n;
			open = 1;
			start = next;
		}
		ls = next;
	}
	if (open && start < blen) {
		n++;
		ALLOC_GROW(*out, n, alloc);
		(*out)[n - 1].p = b + start;
		(*out)[n - 1].n = blen - start;
	}
	return n;
}

/* How good a multipart/alternative child is as the readable text. */
static int alternative_score(const struct span *sp)
{
	struct entity e;
	int score = 0;

	entity_parse(&e, sp->p, sp->n, "text/plain");
	if (!is_attachment(&e, 0)) {
		if (is_type(&e, "text/plain"))
			score = 3;
		else if (!strncmp(e.type.buf, "multipart/", 10))
			score = 2;
		else if (is_type(&e, "text/html"))
			score = 1;
	}
	entity_release(&e);
	return score;
}

static void walk_entity(struct walk *w, const char *buf, size_t len, int depth, int mode,
			const char *deftype, int root)
{
	struct entity e;
	int html;

	if (w->nparts >= MIME_MAX_PARTS)
		return;
	w->nparts++;
	entity_parse(&e, buf, len, deftype);
	if (!strncmp(e.type.buf, "multipart/", 10)) {
		const char *bd = param_raw(&e.ct, "boundary");
		struct span *sp = NULL;
		size_t n = 0, i, best = 0;

		if (bd && *bd && depth >= MIME_MAX_DEPTH) {
			attach(w, &e); /* too deep to be honest mail */
			entity_release(&e);
			return;
		}
		if (bd && *bd)
			n = split_multipart(e.body, e.blen, bd, &sp);
		if (n) {
			const char *child = is_type(&e, "multipart/digest") ? "message/rfc822" : "text/plain";
			if (is_type(&e, "multipart/alternative") && mode == MODE_NORMAL) {
				int top = -1, sub = MODE_NORMAL;
				size_t before = w->text.len;
				for (i = 0; i < n; i++) {
					int sc = alternative_score(&sp[i]);
					if (sc > top) {
						top = sc;
						best = i;
					}
				}
				walk_entity(w, sp[best].p, sp[best].n, depth + 1, MODE_NORMAL, child, 0);
				/* the other renderings only contribute attachments, unless
				   the preferred one turned out empty */
				if (w->text.len > before)
					sub = MODE_NO_TEXT;
				for (i = 0; i < n; i++)
					if (i != best)
						walk_entity(w, sp[i].p, sp[i].n, depth + 1, sub, child, 0);
			} else {
				for (i = 0; i < n; i++)
					walk_entity(w, sp[i].p, sp[i].n, depth + 1, mode, child, 0);
			}
			free(sp);
			entity_release(&e);
			return;
		}
		/* no usable boundary: the body is text */
		strbuf_reset(&e.type);
		strbuf_addstr(&e.type, "text/plain");
	}
	html = is_type(&e, "text/html");
	if (!strncmp(e.type.buf, "message/", 8) || is_attachment(&e, root))
		attach(w, &e);
	else if (is_type(&e, "text/plain") || html || (root && !strncmp(e.type.buf, "text/", 5))) {
		if (mode == MODE_NORMAL && html && w->text.len)
			attach(w, &e); /* an HTML part besides the text */
		else if (mode == MODE_NORMAL)
			add_text(w, &e, html);
	} else {
		attach(w, &e);
	}
	entity_release(&e);
}

/* ---- addresses ---- */

struct addr_acc {
	struct strbuf phrase, angle, comment;
	int has_angle;
};

static void finish_address(struct addr_acc *a, struct mime_address **list, size_t *n, size_t *alloc)
{
	struct strbuf addr = STRBUF_INIT, name = STRBUF_INIT;
	const char *nm = NULL;
	size_t i;

	strbuf_trim(&a->phrase);
	if (a->has_angle) {
		const char *route = strrchr(a->angle.buf, ':'); /* obsolete "@a,@b:addr" */
		strbuf_addstr(&addr, route ? route + 1 : a->angle.buf);
		nm = a->phrase.len ? a->phrase.buf : a->comment.buf;
		strbuf_addstr(&name, nm);
	} else {
		/* bare addr-spec, or "Name addr@host" without brackets */
		char *p = a->phrase.buf, *at = strrchr(p, '@');
		if (at) {
			char *s = at, *e = at;
			while (s > p && s[-1] != ' ')
				s--;
			while (*e && *e != ' ')
				e++;
			strbuf_add(&addr, s, (size_t)(e - s));
			strbuf_add(&name, p, (size_t)(s - p));
			strbuf_addstr(&name, e);
		} else if (!strchr(p, ' ')) {
			strbuf_addstr(&addr, p); /* a local name such as "root" */
		} else {
			strbuf_addstr(&name, p);
		}
		strbuf_trim(&name);
		if (!name.len)
			strbuf_addbuf(&name, &a->comment);
	}
	strbuf_trim(&name);
	if (name.len >= 2 && name.buf[0] == '\'' && name.buf[name.len - 1] == '\'') {
		strbuf_setlen(&name, name.len - 1); /* Outlook's 'Name' */
		memmove(name.buf, name.buf + 1, name.len);
		strbuf_setlen(&name, name.len - 1);
	}
	for (i = 0; i < addr.len; i++)
		addr.buf[i] = (char)tolower((unsigned char)addr.buf[i]);
	strbuf_trim(&addr);
	if (addr.len || name.len) {
		struct strbuf clean = STRBUF_INIT;
		struct mime_address *m;
		(*n)++;
		ALLOC_GROW(*list, *n, *alloc);
		m = &(*list)[*n - 1];
		m->name = display_text(name.buf, name.len);
		utf8_sanitize(&clean, addr.buf, addr.len);
		m->addr = strbuf_detach(&clean, NULL);
	}
	strbuf_release(&addr);
	strbuf_release(&name);
	strbuf_reset(&a->phrase);
	strbuf_reset(&a->angle);
	strbuf_reset(&a->comment);
	a->has_angle = 0;
}

int mime_address_list_parse(struct mime_address **out, size_t *nout, const char *value)
{
	struct addr_acc a = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	struct mime_address *list = NULL;
	size_t n = 0, alloc = 0, i = 0, len;
	int in_angle = 0;

	*out = NULL;
	*nout = 0;
	if (!value)
		return dlg_error(DLG_EINVALID, "no address list");
	len = strlen(value);
	while (i < len) {
		char c = value[i];
		if (c == '"') {
			struct strbuf *t = in_angle ? &a.angle : &a.phrase;
			if (in_angle)
				strbuf_addch(t, '"');
			for (i++; i < len && value[i] != '"'; i++) {
				if (value[i] == '\\' && i + 1 < len)
					i++;
				strbuf_addch(t, value[i] == '\t' ? ' ' : value[i]);
			}
			if (in_angle)
				strbuf_addch(t, '"');
			i++;
		} else if (c == '(') {
			int depth = 0;
			if (a.comment.len)
				strbuf_addch(&a.comment, ' ');
			for (; i < len; i++) {
				if (value[i] == '\\' && i + 1 < len) {
					strbuf_addch(&a.comment, value[++i]);
					continue;
				}
				if (value[i] == '(' && depth++ == 0)
					continue;
				if (value[i] == ')' && --depth == 0)
					break;
				strbuf_addch(&a.comment, value[i]);
			}
			i++;
		} else if (in_angle) {
			if (c == '>')
				in_angle = 0;
			else if (!isspace((unsigned char)c))
				strbuf_addch(&a.angle, c);
			i++;
		} else if (c == '<') {
			in_angle = a.has_angle = 1;
			strbuf_reset(&a.angle);
			i++;
		} else if (c == ',' || c == ';') {
			finish_address(&a, &list, &n, &alloc);
			i++;
		} else if (c == ':' && !a.has_angle) {
			strbuf_reset(&a.phrase); /* "group name:" */
			strbuf_reset(&a.comment);
			i++;
		} else {
			if (!isspace((unsigned char)c))
				strbuf_addch(&a.phrase, c);
			else if (a.phrase.len && a.phrase.buf[a.phrase.len - 1] != ' ')
				strbuf_addch(&a.phrase, ' ');
			i++;
		}
	}
	finish_address(&a, &list, &n, &alloc);
	strbuf_release(&a.phrase);
	strbuf_release(&a.angle);
	strbuf_release(&a.comment);
	*out = list;
	*nout = n;
	return 0;
}

void mime_address_list_free(struct mime_address *list, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].addr);
	}
	free(list);
}

/* ---- dates ---- */

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads up to max digits at s[*i]; returns the count (0: none, -1: too many). */
static int read_num(const char *s, size_t *i, int max, int *v)
{
	int n = 0;
	*v = 0;
	while (isdigit((unsigned char)s[*i])) {
		if (++n > max)
			return -1;
		*v = *v * 10 + (s[(*i)++] - '0');
	}
	return n;
}

int mime_date_parse(time_t *out, const char *s)
{
	static const struct { const char *name; int off; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -300 }, { "EDT", -240 },
		{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 }, { "MDT", -360 }, { "PST", -480 },
		{ "PDT", -420 },
	};
	int day = -1, mon = -1, year = -1, yd = 0, hh = 0, mm = 0, ss = 0, zone = 0, v, nd;
	size_t i = 0, k;

	*out = 0;
	if (!s)
		return DLG_EINVALID;
	while (s[i]) {
		unsigned char c = (unsigned char)s[i];
		if (c == '(') { /* comment, e.g. "(CEST)" */
			int depth = 0;
			for (; s[i]; i++) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			if (s[i])
				i++;
		} else if (isdigit(c)) {
			nd = read_num(s, &i, 9, &v);
			if (nd < 0)
				return DLG_EINVALID;
			if (s[i] == ':') { /* hh:mm[:ss] */
				int n2, n3 = 0;
				hh = v;
				i++;
				n2 = read_num(s, &i, 2, &mm);
				if (s[i] == ':') {
					i++;
					n3 = read_num(s, &i, 2, &ss);
					if (n3 <= 0)
						return DLG_EINVALID;
				}
				if (nd > 2 || n2 <= 0 || hh > 23 || mm > 59 || ss > 60)
					return DLG_EINVALID;
			} else if (s[i] == '-' && isdigit((unsigned char)s[i + 1]) && nd == 4 && year < 0) {
				/* ISO 8601 "2016-07-19[T...]" */
				year = v;
				yd = 4;
				i++;
				if (read_num(s, &i, 2, &mon) <= 0 || s[i] != '-')
					return DLG_EINVALID;
				i++;
				if (read_num(s, &i, 2, &day) <= 0)
					return DLG_EINVALID;
				mon--;
				if (s[i] == 'T' || s[i] == 't')
					i++;
			} else if (nd >= 3 || v > 31 || day >= 0) {
				if (year >= 0)
					return DLG_EINVALID;
				year = v;
				yd = nd;
			} else {
				day = v;
			}
			if (s[i] == '-' && isalpha((unsigned char)s[i + 1]))
				i++; /* "16-Jun-2016" */
		} else if ((c == '+' || c == '-') && isdigit((unsigned char)s[i + 1])) {
			int h, m = 0, sign = c == '-' ? -1 : 1;
			i++;
			nd = read_num(s, &i, 4, &v);
			if (nd == 4) {
				h = v / 100;
				m = v % 100;
			} else if (nd > 0 && nd <= 2) {
				h = v;
				if (s[i] == ':') {
					i++;
					if (read_num(s, &i, 2, &m) <= 0)
						return DLG_EINVALID;
				}
			} else {
				return DLG_EINVALID;
			}
			if (h > 23 || m > 59)
				return DLG_EINVALID;
			zone = sign * (h * 60 + m);
		} else if (isalpha(c)) {
			size_t start = i, n;
			while (isalpha((unsigned char)s[i]))
				i++;
			n = i - start;
			for (k = 0; k < 12 && mon < 0; k++)
				if (n >= 3 && !strncasecmp(s + start, months[k], 3))
					mon = (int)k;
			for (k = 0; k < sizeof(zones) / sizeof(zones[0]); k++)
				if (strlen(zones[k].name) == n && !strncasecmp(s + start, zones[k].name, n))
					zone = zones[k].off;
			if (s[i] == '-' && isdigit((unsigned char)s[i + 1]) && mon >= 0 && year < 0)
				i++; /* "Jun-2016" */
			/* weekdays, military zones and unknown words carry nothing */
		} else {
			i++;
		}
	}
	if (day < 1 || day > 31 || mon < 0 || mon > 11 || year < 0 || year > 9999)
		return DLG_EINVALID;
	if (yd <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (yd == 3)
		year += 1900;
	*out = (time_t)(days_from_civil(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss -
			(int64_t)zone * 60);
	return 0;
}

void mime_date_format(struct strbuf *out, time_t t)
{
	int64_t secs = (int64_t)t, days = secs / 86400, rem = secs % 86400, y;
	int m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	strbuf_addf(out, "%s, %02d %s %04lld %02d:%02d:%02d +0000",
		    wdays[((days % 7) + 11) % 7], d, months[m - 1], (long long)y,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

/* ---- the message ---- */

/*
 * Appends the msg-ids of a header value to ids: "<...>" tokens, or, in
 * headers written without brackets, the words (only those with an '@'
 * when at_only).  Whitespace inside an id is dropped.
 */
static void parse_ids(struct strlist *ids, const char *v, int at_only)
{
	struct strbuf id = STRBUF_INIT, clean = STRBUF_INIT;
	const char *p = v;

	for (;;) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL, *q;
		if (!gt)
			break;
		for (q = lt + 1; q < gt; q++)
			if ((unsigned char)*q > ' ' && *q != '<')
				strbuf_addch(&id, *q);
		if (id.len) {
			utf8_sanitize(&clean, id.buf, id.len);
			strlist_push_nodup(ids, strbuf_detach(&clean, NULL));
		}
		strbuf_reset(&id);
		p = gt + 1;
	}
	/* headers written without brackets: the words themselves */
	for (p = strchr(v, '<') ? "" : v; *p;) {
		size_t n;
		while (*p && ((unsigned char)*p <= ' ' || *p == ','))
			p++;
		for (n = 0; (unsigned char)p[n] > ' ' && p[n] != ','; n++)
			;
		if (n && (!at_only || memchr(p, '@', n))) {
			utf8_sanitize(&clean, p, n);
			strlist_push_nodup(ids, strbuf_detach(&clean, NULL));
			if (!at_only)
				break;
		}
		p += n;
	}
	strbuf_release(&id);
}

static char *first_id(const char *v, int at_only)
{
	struct strlist ids = STRLIST_INIT;
	char *r = NULL;
	parse_ids(&ids, v, at_only);
	if (ids.nr) {
		r = ids.items[0];
		ids.items[0] = xstrdup("");
	}
	strlist_clear(&ids);
	return r;
}

static void add_addresses(struct mime_address **to, size_t *nto, size_t *alloc, const char *v)
{
	struct mime_address *list;
	size_t n, i;

	mime_address_list_parse(&list, &n, v);
	for (i = 0; i < n; i++) {
		(*nto)++;
		ALLOC_GROW(*to, *nto, *alloc);
		(*to)[*nto - 1] = list[i];
	}
	free(list);
}

static void normalize_newlines(struct strbuf *sb)
{
	size_t i, j = 0;
	for (i = 0; i < sb->len; i++) {
		if (sb->buf[i] == '\r') {
			if (i + 1 < sb->len && sb->buf[i + 1] == '\n')
				continue;
			sb->buf[j++] = '\n';
		} else {
			sb->buf[j++] = sb->buf[i];
		}
	}
	strbuf_setlen(sb, j);
	strbuf_rtrim(sb);
}

int mime_message_parse(struct mime_message **out, const char *buf, size_t len, unsigned flags)
{
	struct mime_message *m;
	struct mime_address *cc = NULL;
	size_t ncc = 0, cc_alloc = 0, to_alloc = 0, i;
	struct walk w;
	struct hiter it;
	struct hdr h;
	struct strbuf v = STRBUF_INIT;
	struct strlist refs = STRLIST_INIT;
	int seen_refs = 0;

	if (!out)
		return dlg_error(DLG_EINVALID, "mime_message_parse: no result pointer");
	*out = NULL;
	if (!buf || !len)
		return dlg_error(DLG_EINVALID, "empty message");
	m = xcalloc(1, sizeof(*m));
	hiter_init(&it, buf, len);
	while (hiter_next(&it, &h)) {
		strbuf_reset(&v);
		unfold(&v, h.val, h.vlen);
		if (hdr_is(&h, "from") && !m->from.addr) {
			struct mime_address *list;
			size_t n;
			mime_address_list_parse(&list, &n, v.buf);
			if (n) {
				m->from = list[0];
				list[0].name = list[0].addr = NULL;
			}
			mime_address_list_free(list, n);
		} else if (hdr_is(&h, "to")) {
			add_addresses(&m->to, &m->nto, &to_alloc, v.buf);
		} else if (hdr_is(&h, "cc")) {
			add_addresses(&cc, &ncc, &cc_alloc, v.buf);
		} else if (hdr_is(&h, "subject") && !m->subject) {
			m->subject = display_text(v.buf, v.len);
		} else if (hdr_is(&h, "date") && !m->has_date) {
			m->has_date = !mime_date_parse(&m->date, v.buf);
		} else if (hdr_is(&h, "message-id") && !m->message_id) {
			m->message_id = first_id(v.buf, 0);
		} else if (hdr_is(&h, "in-reply-to") && !m->in_reply_to) {
			m->in_reply_to = first_id(v.buf, 1);
		} else if (hdr_is(&h, "references") && !seen_refs) {
			seen_refs = 1;
			parse_ids(&refs, v.buf, 1);
		}
	}
	strbuf_release(&v);
	for (i = 0; i < ncc; i++) {
		m->nto++;
		ALLOC_GROW(m->to, m->nto, to_alloc);
		m->to[m->nto - 1] = cc[i];
	}
	free(cc);
	m->references = refs.items;
	m->nreferences = refs.nr;
	if (!m->from.name)
		m->from.name = xstrdup("");
	if (!m->from.addr)
		m->from.addr = xstrdup("");
	if (!m->subject)
		m->subject = xstrdup("");
	if (!m->has_date)
		m->date = 0;

	memset(&w, 0, sizeof(w));
	w.msg = m;
	w.flags = flags;
	strbuf_init(&w.text, 0);
	walk_entity(&w, buf, len, 0, MODE_NORMAL, "text/plain", 1);
	normalize_newlines(&w.text);
	m->text = strbuf_detach(&w.text, NULL);
	*out = m;
	return 0;
}

void mime_message_free(struct mime_message *m)
{
	size_t i;
	if (!m)
		return;
	free(m->from.name);
	free(m->from.addr);
	mime_address_list_free(m->to, m->nto);
	free(m->subject);
	free(m->message_id);
	free(m->in_reply_to);
	for (i = 0; i < m->nreferences; i++)
		free(m->references[i]);
	free(m->references);
	free(m->text);
	for (i = 0; i < m->nattachments; i++) {
		free(m->attachments[i].name);
		free(m->attachments[i].type);
		free(m->attachments[i].data);
	}
	free(m->attachments);
	free(m);
}
