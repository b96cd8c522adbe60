/*
 * multipart/form-data (lib/channel/formdata.c): what a website chat's
 * visitor posts with a file, from anyone on the internet.  The input is
 * "CONTENT-TYPE\nBODY".  Parts lie inside the body, in order, at most
 * FORMDATA_PARTS_MAX of them, their names UTF-8 without NUL; a refusal
 * leaves nothing; and the parts written again with the same boundary read
 * back as the same parts.
 */
#include "fuzz.h"
#include "base/error.h"
#include "channel/formdata.h"

static void write_again(struct strbuf *out, const struct formdata *fd, const char *boundary)
{
	for (size_t i = 0; i < fd->n; i++) {
		strbuf_addf(out, "--%s\r\nContent-Disposition: form-data; name=\"%s\"", boundary, fd->parts[i].name);
		if (fd->parts[i].filename)
			strbuf_addf(out, "; filename=\"%s\"", fd->parts[i].filename);
		strbuf_addstr(out, "\r\n\r\n");
		strbuf_add(out, fd->parts[i].data, fd->parts[i].len);
		strbuf_addstr(out, "\r\n");
	}
	strbuf_addf(out, "--%s--\r\n", boundary);
}

static int plain(const char *s)
{
	return !strpbrk(s, "\"\\\r\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size), *body, *prev;
	struct formdata fd = FORMDATA_INIT, again = FORMDATA_INIT;
	struct strbuf ct = STRBUF_INIT, written = STRBUF_INIT;
	const char *b;
	int plain_names = 1;

	if (!nl)
		return 0;
	strbuf_add(&ct, data, (size_t)(nl - (const char *)data));
	if (memchr(ct.buf, '\0', ct.len))
		goto out;
	body = nl + 1;
	if (formdata_parse(&fd, ct.buf, body, size - (size_t)(body - (const char *)data)) < 0) {
		FUZZ_CHECK(!fd.n && !fd.parts, "a refusal left %zu parts", fd.n);
		goto out;
	}
	FUZZ_CHECK(fd.n >= 1 && fd.n <= FORMDATA_PARTS_MAX, "%zu parts", fd.n);
	prev = body;
	for (size_t i = 0; i < fd.n; i++) {
		const struct formdata_part *p = &fd.parts[i];
		FUZZ_TEXT(p->name, "a part's name");
		FUZZ_CHECK(*p->name, "an empty name");
		FUZZ_TEXT(p->filename, "a file name");
		FUZZ_CHECK(p->data >= prev && p->data + p->len <= (const char *)data + size,
			   "part %zu lies outside the body or before the one before it", i);
		prev = p->data + p->len;
		plain_names &= plain(p->name) && (!p->filename || plain(p->filename));
	}
	/* the boundary as the parser found it: the delimiter before the first part */
	b = body + 2;
	if (plain_names) {
		struct strbuf boundary = STRBUF_INIT;
		strbuf_add(&boundary, b, (size_t)((const char *)memchr(b, '\r', (size_t)(fd.parts[0].data - b)) - b));
		write_again(&written, &fd, boundary.buf);
		FUZZ_CHECK(!formdata_parse(&again, ct.buf, written.buf, written.len), "written again, refused: %s",
			   dlg_error_last());
		FUZZ_CHECK(again.n == fd.n, "written again, %zu parts, not %zu", again.n, fd.n);
		for (size_t i = 0; i < fd.n; i++)
			FUZZ_CHECK(!strcmp(again.parts[i].name, fd.parts[i].name) &&
				   !fd.parts[i].filename == !again.parts[i].filename &&
				   again.parts[i].len == fd.parts[i].len &&
				   !memcmp(again.parts[i].data, fd.parts[i].data, fd.parts[i].len),
				   "part %zu reads back otherwise", i);
		strbuf_release(&boundary);
	}
out:
	formdata_clear(&fd);
	formdata_clear(&again);
	strbuf_release(&ct);
	strbuf_release(&written);
	return 0;
}
