/*
 * RFC 5322 address lists and dates (lib/mail/rfc5322.c).  The input is one
 * header value, read both as an address list and as a date; a date that
 * reads is formatted and read back to the same second.
 */
#include <time.h>

#include "fuzz.h"
#include "mail/mime.h"

/* 0001-01-02 .. 9999-12-30: what mime_date_format writes in four digits. */
#define FUZZ_TIME_MIN (-62135510400LL)
#define FUZZ_TIME_MAX (253402041600LL)

static void round_trip(time_t t)
{
	struct strbuf sb = STRBUF_INIT;
	time_t back;
	if ((long long)t < FUZZ_TIME_MIN || (long long)t > FUZZ_TIME_MAX)
		return;
	mime_date_format(&sb, t);
	FUZZ_CHECK(!mime_date_parse(&back, sb.buf), "'%s' (from %lld) does not read", sb.buf, (long long)t);
	FUZZ_CHECK(back == t, "'%s' reads as %lld, not %lld", sb.buf, (long long)back, (long long)t);
	strbuf_release(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct mime_address *list = NULL;
	size_t n = 0;
	time_t t;

	if (!mime_address_list_parse(&list, &n, s)) {
		for (size_t i = 0; i < n; i++) {
			FUZZ_TEXT(list[i].name, "a display name");
			FUZZ_TEXT(list[i].addr, "an address");
			for (const char *p = list[i].addr; *p; p++)
				FUZZ_CHECK(*p < 'A' || *p > 'Z', "an address not lowercased: '%s'", list[i].addr);
		}
		mime_address_list_free(list, n);
	}
	if (!mime_date_parse(&t, s))
		round_trip(t);
	if (size >= 8) {
		int64_t raw;
		memcpy(&raw, data, sizeof(raw));
		round_trip((time_t)raw);
	}
	free(s);
	return 0;
}
