/*
 * An mbox file as dlg import splits it (lib/mail/mbox.c): messages come
 * out in order, never empty, no more of them than "From " lines begin, and
 * never longer, together, than the input.
 */
#include "fuzz.h"
#include "mail/mbox.h"

struct seen {
	size_t n, bytes;
};

static int each(const char *msg, size_t len, size_t n, void *payload)
{
	struct seen *s = payload;
	FUZZ_CHECK(n == s->n + 1, "message %zu after %zu", n, s->n);
	FUZZ_CHECK(len > 0, "an empty message %zu", n);
	s->n = n;
	s->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	size_t froms = 0;
	for (size_t i = 0; i + 5 <= size; i++)
		if ((i == 0 || data[i - 1] == '\n') && !memcmp(data + i, "From ", 5))
			froms++;
	if (mbox_split((const char *)data, size, each, &s) != 0)
		FUZZ_CHECK(0, "mbox_split failed where each never did");
	FUZZ_CHECK(s.bytes <= size, "%zu bytes of messages from %zu", s.bytes, size);
	FUZZ_CHECK(s.n <= froms + 1, "%zu messages from %zu separators", s.n, froms);
	return 0;
}
