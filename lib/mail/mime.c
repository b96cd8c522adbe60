/*
 * RFC 5322 / MIME message structure: header fields and multipart trees
 * (parameters are in mimeparam.c, addresses, msg-ids and dates in
 * rfc5322.c).  Input is untrusted bytes: nothing here recurses more than
 * MIME_MAX_DEPTH levels, every scan is linear per nesting level, what is
 * kept is capped (mime.h), and all strings handed out are valid UTF-8.
 */
#include <ctype.h>
#include <magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "mail/charset.h"
#include "mail/html.h"
#include "mail/mime.h"
#include "mail/mimeparam.h"

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

/* Sets out to the unfolded value, at most max bytes of it, trimmed: one
   copy, values can be huge. */
static void unfold(struct strbuf *out, const char *v, size_t n, size_t max)
{
	size_t i = 0;

	strbuf_reset(out);
	strbuf_grow(out, n < max ? n : max);
	while (i < n && out->len < max) {
		size_t j = i, room = max - out->len;
		while (j < n && j - i < room && v[j] != '\r' && v[j] != '\n')
			j++;
		strbuf_add(out, v + i, j - i);
		i = j + 1;
	}
	strbuf_trim(out);
}

/* The value of a field the parser reads: its first MIME_MAX_FIELD bytes. */
static void field_value(struct strbuf *out, const struct hdr *h)
{
	unfold(out, h->val, h->vlen, MIME_MAX_FIELD);
}

int mime_header_get(struct strbuf *out, const char *buf, size_t len, const char *name)
{
	struct hiter it;
	struct hdr h;

	hiter_init(&it, buf, len);
	while (hiter_next(&it, &h)) {
		if (hdr_is(&h, name)) {
			unfold(out, h.val, h.vlen, SIZE_MAX);
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
char *mime_display_text(const char *raw, size_t n)
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
			field_value(&v, &h);
			params_parse(&e->type, &e->ct, v.buf, v.len);
		} else if (!seen_cd && hdr_is(&h, "content-disposition")) {
			seen_cd = 1;
			field_value(&v, &h);
			params_parse(&e->disp, &e->cd, v.buf, v.len);
		} else if (!seen_cte && hdr_is(&h, "content-transfer-encoding")) {
			struct params none = { NULL, 0, 0 };
			seen_cte = 1;
			field_value(&v, &h);
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

/* The body without its transfer encoding: in tmp when it had one, else
   the bytes of the message themselves (an 8-bit body is not copied). */
static void decode_body(const char **body, size_t *len, struct strbuf *tmp, const struct entity *e)
{
	if (!strcmp(e->cte.buf, "base64"))
		base64_decode(tmp, e->body, e->blen);
	else if (!strcmp(e->cte.buf, "quoted-printable"))
		qp_decode(tmp, e->body, e->blen);
	else {
		*body = e->body;
		*len = e->blen;
		return;
	}
	*body = tmp->buf;
	*len = tmp->len;
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
	const char *body;
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
	a->data = NULL;
	decode_body(&body, &a->size, &data, e);
	if (w->flags & MIME_WANT_DATA) {
		if (body != data.buf)
			strbuf_add(&data, body, a->size);
		a->data = strbuf_detach(&data, NULL);
	}
	strbuf_release(&data);
}

static void add_text(struct walk *w, const struct entity *e, int html)
{
	struct strbuf raw = STRBUF_INIT, u = STRBUF_INIT;
	char *cs = param_get(&e->ct, "charset");
	const char *body;
	size_t blen, i, lead;

	decode_body(&body, &blen, &raw, e);
	if (html && !cs)
		cs = html_meta_charset(body, blen);
	charset_to_utf8(&u, cs, body, blen);
	strbuf_release(&raw);
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
	if (u.len && !w->text.len) { /* the first text: taken, not copied */
		struct strbuf t = w->text;
		w->text = u;
		u = t;
	} else if (u.len) {
		/* further inline text parts (a "PS", a list footer) follow the first */
		strbuf_addstr(&w->text, "\n\n");
		strbuf_addbuf(&w->text, &u);
	}
	free(cs);
	strbuf_release(&u);
}

static int is_type(const struct entity *e, const char *t)
{
	return !strcmp(e->type.buf, t);
}

static int is_attachment(const struct entity *e, int root)
{
	if (!strcmp(e->disp.buf, "attachment"))
		return 1;
	return !root && (param_has(&e->cd, "filename") || param_has(&e->ct, "name"));
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

/* ---- the message ---- */

/* Moves at most max - *nto addresses of list[0..n) to the end of *to; frees the rest. */
static void take_addresses(struct mime_address **to, size_t *nto, size_t *alloc,
			   struct mime_address *list, size_t n, size_t max)
{
	size_t i = 0;
	for (; i < n && *nto < max; i++) {
		(*nto)++;
		ALLOC_GROW(*to, *nto, *alloc);
		(*to)[*nto - 1] = list[i];
	}
	for (; i < n; i++) {
		free(list[i].name);
		free(list[i].addr);
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
	size_t ncc = 0, cc_alloc = 0, to_alloc = 0;
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
	/* only the fields read are unfolded; each is read while it can add */
	while (hiter_next(&it, &h)) {
		if (hdr_is(&h, "from") && !m->from.addr) {
			struct mime_address *list;
			size_t n;
			field_value(&v, &h);
			mime_address_list_parse(&list, &n, v.buf);
			if (n) {
				m->from = list[0];
				list[0].name = list[0].addr = NULL;
			}
			mime_address_list_free(list, n);
		} else if (hdr_is(&h, "to") && m->nto < MIME_MAX_ADDRESSES) {
			struct mime_address *list;
			size_t n;
			field_value(&v, &h);
			mime_address_list_parse(&list, &n, v.buf);
			take_addresses(&m->to, &m->nto, &to_alloc, list, n, MIME_MAX_ADDRESSES);
		} else if (hdr_is(&h, "cc") && ncc < MIME_MAX_ADDRESSES) {
			struct mime_address *list;
			size_t n;
			field_value(&v, &h);
			mime_address_list_parse(&list, &n, v.buf);
			take_addresses(&cc, &ncc, &cc_alloc, list, n, MIME_MAX_ADDRESSES);
		} else if (hdr_is(&h, "subject") && !m->subject) {
			field_value(&v, &h);
			m->subject = mime_display_text(v.buf, v.len);
		} else if (hdr_is(&h, "date") && !m->has_date) {
			field_value(&v, &h);
			m->has_date = !mime_date_parse(&m->date, v.buf);
		} else if (hdr_is(&h, "message-id") && !m->message_id) {
			field_value(&v, &h);
			m->message_id = mime_msgid_first(v.buf, 0);
		} else if (hdr_is(&h, "in-reply-to") && !m->in_reply_to) {
			field_value(&v, &h);
			m->in_reply_to = mime_msgid_first(v.buf, 1);
		} else if (hdr_is(&h, "references") && !seen_refs) {
			seen_refs = 1;
			field_value(&v, &h);
			mime_references_parse(&refs, v.buf);
		}
	}
	strbuf_release(&v);
	/* Cc after To, as long as there is room */
	m->ncc = m->nto;
	take_addresses(&m->to, &m->nto, &to_alloc, cc, ncc, MIME_MAX_ADDRESSES);
	m->ncc = m->nto - m->ncc;
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

char *mime_type_sniff(const char *data, size_t len)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	const char *t = m && !magic_load(m, NULL) ? magic_buffer(m, data, len) : NULL;
	char *type = xstrdup(t && strchr(t, '/') ? t : "application/octet-stream");
	if (m)
		magic_close(m);
	return type;
}
