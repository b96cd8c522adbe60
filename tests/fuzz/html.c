/*
 * HTML to text (lib/mail/html.c), as an HTML-only mail's body reaches it: already
 * decoded to UTF-8.  Its text must be valid UTF-8 without NULs, whatever
 * entities (&#0; &#xD800; &#x110000;) the HTML holds.
 */
#include "fuzz.h"
#include "mail/mime.h"
#include "mail/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	utf8_sanitize(&in, (const char *)data, size);
	html_to_text(&out, in.buf, in.len);
	FUZZ_TEXT_N(out.buf, out.len, "html_to_text's output");
	/* raw bytes as well: a part whose charset lied */
	strbuf_reset(&out);
	html_to_text(&out, (const char *)data, size);
	strbuf_release(&in);
	strbuf_release(&out);
	return 0;
}
