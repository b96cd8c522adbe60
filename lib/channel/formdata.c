/*
 * multipart/form-data, strictly (formdata.h): a body from anyone on the
 * internet.  Parts point into the body; nothing is copied but names.
 */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "channel/formdata.h"
#include "mail/mimeparam.h"

#define BOUNDARY_MAX 70 /* RFC 2046 */

static int is_utf8_text(const char *s, size_t len)
{
	struct strbuf clean = STRBUF_INIT;
	int same;
	utf8_sanitize(&clean, s, len);
	same = clean.len == len && !memcmp(clean.buf, s, len);
	strbuf_release(&clean);
	return same;
}

static int boundary_valid(const char *b)
{
	static const char bchars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=? ";
	size_t len = strlen(b);
	return len && strspn(b, bchars) == len && b[len - 1] != ' ';
}

int formdata_is(const char *content_type)
{
	struct strbuf type = STRBUF_INIT;
	struct params ps = { 0 };
	int is;
	if (!content_type)
		return 0;
	params_parse(&type, &ps, content_type, strlen(content_type));
	is = !strcmp(type.buf, "multipart/form-data");
	params_clear(&ps);
	strbuf_release(&type);
	return is;
}

/* The disposition's name and filename into part. */
static int read_disposition(struct formdata_part *part, const char *value, size_t len)
{
	struct strbuf type = STRBUF_INIT;
	struct params ps = { 0 };
	const char *name, *filename;
	int err = 0;
	params_parse(&type, &ps, value, len);
	name = param_raw(&ps, "name");
	filename = param_raw(&ps, "filename");
	if (strcmp(type.buf, "form-data"))
		err = dlg_error(DLG_EINVALID, "a part's disposition is '%s', not form-data", type.buf);
	else if (!name || !*name)
		err = dlg_error(DLG_EINVALID, "a part has no name");
	else if (!is_utf8_text(name, strlen(name)) || (filename && !is_utf8_text(filename, strlen(filename))))
		err = dlg_error(DLG_EINVALID, "a part's name or file name is not UTF-8");
	else {
		part->name = xstrdup(name);
		part->filename = filename ? xstrdup(filename) : NULL;
	}
	params_clear(&ps);
	strbuf_release(&type);
	return err;
}

/* The header fields at *p, up to and past their empty line. */
static int read_headers(struct formdata_part *part, const char **p, const char *end)
{
	const char *h = *p, *limit = end - *p > FORMDATA_HEADERS_MAX ? *p + FORMDATA_HEADERS_MAX : end;
	int dispositions = 0, err;
	for (;;) {
		const char *eol = memchr(h, '\n', (size_t)(limit - h)), *colon;
		size_t len;
		if (!eol)
			return dlg_error(DLG_EINVALID, limit < end ?
					 "a part's header fields are longer than %d bytes" :
					 "a part's header fields have no end", FORMDATA_HEADERS_MAX);
		if (eol == h || eol[-1] != '\r')
			return dlg_error(DLG_EINVALID, "a header line does not end in CRLF");
		len = (size_t)(eol - 1 - h);
		if (!len)
			break;
		if (memchr(h, '\r', len) || memchr(h, '\0', len))
			return dlg_error(DLG_EINVALID, "a header line holds a CR or a NUL");
		/* obsolete line folding: a line going on in the next */
		if (*h == ' ' || *h == '\t' || (eol + 1 < end && (eol[1] == ' ' || eol[1] == '\t')))
			return dlg_error(DLG_EINVALID, "a folded header line");
		if (!(colon = memchr(h, ':', len)))
			return dlg_error(DLG_EINVALID, "a header line without a colon");
		if ((size_t)(colon - h) == strlen("Content-Disposition") &&
		    !strncasecmp(h, "Content-Disposition", (size_t)(colon - h))) {
			if (dispositions++)
				return dlg_error(DLG_EINVALID, "a part has two Content-Disposition fields");
			if ((err = read_disposition(part, colon + 1, len - (size_t)(colon + 1 - h))) < 0)
				return err;
		}
		h = eol + 1;
	}
	if (!dispositions)
		return dlg_error(DLG_EINVALID, "a part has no Content-Disposition");
	*p = h + 2;
	return 0;
}

static int parse(struct formdata *fd, const char *delim, size_t dlen, const char *body, size_t len)
{
	const char *p = body, *end = body + len;
	int err;
	if (!len)
		return dlg_error(DLG_EINVALID, "the body is empty: no closing delimiter");
	if (len < dlen || memcmp(body, delim + 2, dlen - 2))
		return dlg_error(DLG_EINVALID, "the body does not start with its boundary");
	for (p += dlen - 2;; p += dlen) {
		struct formdata_part *part;
		const char *next;
		if (end - p >= 2 && !memcmp(p, "--", 2))
			return fd->n ? 0 : dlg_error(DLG_EINVALID, "the body has no parts");
		if (p == end)
			return dlg_error(DLG_EINVALID, "no closing delimiter");
		if (end - p < 2 || memcmp(p, "\r\n", 2))
			return dlg_error(DLG_EINVALID, "a delimiter line has more after the boundary");
		p += 2;
		if (fd->n == FORMDATA_PARTS_MAX)
			return dlg_error(DLG_EINVALID, "more than %d parts", FORMDATA_PARTS_MAX);
		ALLOC_GROW(fd->parts, fd->n + 1, fd->alloc);
		part = &fd->parts[fd->n++];
		memset(part, 0, sizeof(*part));
		if ((err = read_headers(part, &p, end)) < 0)
			return err;
		/* the content ends at the next CRLF and delimiter, which it cannot hold */
		if (!(next = memmem(p, (size_t)(end - p), delim, dlen)))
			return dlg_error(DLG_EINVALID, "no closing delimiter");
		part->data = p;
		part->len = (size_t)(next - p);
		p = next;
	}
}

int formdata_parse(struct formdata *fd, const char *content_type, const char *body, size_t len)
{
	struct strbuf type = STRBUF_INIT, delim = STRBUF_INIT;
	struct params ps = { 0 };
	const char *boundary;
	int err;

	params_parse(&type, &ps, content_type, strlen(content_type));
	boundary = param_raw(&ps, "boundary");
	if (strcmp(type.buf, "multipart/form-data"))
		err = dlg_error(DLG_EINVALID, "the body is not multipart/form-data");
	else if (!boundary || !*boundary)
		err = dlg_error(DLG_EINVALID, "no boundary in the Content-Type");
	else if (strlen(boundary) > BOUNDARY_MAX)
		err = dlg_error(DLG_EINVALID, "the boundary is longer than %d characters", BOUNDARY_MAX);
	else if (!boundary_valid(boundary))
		err = dlg_error(DLG_EINVALID, "the boundary has characters RFC 2046 does not allow");
	else {
		strbuf_addf(&delim, "\r\n--%s", boundary);
		err = parse(fd, delim.buf, delim.len, body, len);
	}
	if (err)
		formdata_clear(fd);
	params_clear(&ps);
	strbuf_release(&type);
	strbuf_release(&delim);
	return err;
}

const struct formdata_part *formdata_get(const struct formdata *fd, const char *name)
{
	for (size_t i = 0; i < fd->n; i++)
		if (!strcmp(fd->parts[i].name, name))
			return &fd->parts[i];
	return NULL;
}

void formdata_clear(struct formdata *fd)
{
	for (size_t i = 0; i < fd->n; i++) {
		free(fd->parts[i].name);
		free(fd->parts[i].filename);
	}
	free(fd->parts);
	fd->parts = NULL;
	fd->n = fd->alloc = 0;
}
