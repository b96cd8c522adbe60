/*
 * The chat gateway's tokens (lib/channel/gateway.c): the Authorization
 * header of every request, from anyone on the internet.  A token is
 * refused, or it names a well-formed visitor id; and a token dlg made
 * stops verifying when any byte of it is changed.
 */
#include <string.h>

#include "fuzz.h"
#include "channel/gateway.h"

static const unsigned char key[GATEWAY_KEY_SIZE] = "0123456789abcdef0123456789abcdef";

static int hex_id(const char *s)
{
	if (strlen(s) != GATEWAY_VISITOR_ID_LEN)
		return 0;
	for (; *s; s++)
		if (!strchr("0123456789abcdef", *s))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct strbuf visitor = STRBUF_INIT, made = STRBUF_INIT;

	if (!gateway_token_verify(&visitor, key, s, 1795600000))
		FUZZ_CHECK(hex_id(visitor.buf), "token '%s' verifies for visitor '%s'", s, visitor.buf);
	/* a real token with one byte set from the input */
	gateway_token_make(&made, key, "0123456789abcdef01234567", 1795600000 + 3600);
	if (size >= 2) {
		size_t at = data[0] % made.len;
		char was = made.buf[at];
		made.buf[at] = (char)data[1];
		strbuf_reset(&visitor);
		if (made.buf[at] && made.buf[at] != was)
			FUZZ_CHECK(gateway_token_verify(&visitor, key, made.buf, 1795600000) < 0,
				   "a token changed at %zu still verifies: %s", at, made.buf);
	}
	strbuf_release(&visitor);
	strbuf_release(&made);
	free(s);
	return 0;
}
