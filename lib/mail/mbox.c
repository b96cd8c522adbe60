#include <string.h>
#include <strings.h>

#include "mail/mbox.h"
#include "mail/mime.h"

int mbox_is(const char *buf, size_t len)
{
	return len >= 5 && !strncmp(buf, "From ", 5);
}

/* The boundary of a multipart message's header block, or "" . */
static void multipart_boundary(struct strbuf *out, const char *msg, size_t len)
{
	struct strbuf ct = STRBUF_INIT;
	strbuf_reset(out);
	if (!mime_header_get(&ct, msg, len, "Content-Type")) {
		const char *b = NULL;
		for (const char *p = ct.buf; *p && !b; p++)
			if (!strncasecmp(p, "boundary=", 9))
				b = p;
		if (b) {
			b += 9;
			if (*b == '"') {
				const char *e = strchr(++b, '"');
				strbuf_add(out, b, e ? (size_t)(e - b) : strlen(b));
			} else {
				strbuf_add(out, b, strcspn(b, "; \t"));
			}
		}
	}
	strbuf_release(&ct);
}

/* mbox.h says what counts as a message. */
int mbox_split(const char *buf, size_t len, mbox_msg_fn each, void *payload)
{
	struct strbuf msg = STRBUF_INIT, boundary = STRBUF_INIT;
	size_t i = 0, n = 0;
	int in_body = 0, open_multipart = 0, ret = 0;
	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) + 1 : len - i;
		if (ll >= 5 && !strncmp(line, "From ", 5) && !open_multipart) {
			if (msg.len)
				ret |= each(msg.buf, msg.len, ++n, payload);
			strbuf_reset(&msg);
			in_body = 0;
		} else {
			size_t q = 0;
			while (q < ll && line[q] == '>')
				q++;
			if (q && ll - q >= 5 && !strncmp(line + q, "From ", 5))
				line++, ll--;
			strbuf_add(&msg, line, ll);
			if (!in_body && (ll == 1 || (ll == 2 && line[0] == '\r'))) {
				in_body = 1;
				multipart_boundary(&boundary, msg.buf, msg.len);
				open_multipart = boundary.len > 0;
			} else if (open_multipart && ll >= boundary.len + 4 && line[0] == '-' &&
				   line[1] == '-' && !strncmp(line + 2, boundary.buf, boundary.len) &&
				   !strncmp(line + 2 + boundary.len, "--", 2)) {
				open_multipart = 0;
			}
		}
		i += ll;
	}
	if (msg.len)
		ret |= each(msg.buf, msg.len, ++n, payload);
	strbuf_release(&msg);
	strbuf_release(&boundary);
	return ret;
}
