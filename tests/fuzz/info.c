/*
 * A dialog's info file (lib/store/record.c dialog_info_parse, kv_get), as read
 * from a tree that may come from another clone.  What it reads, written
 * out again, must read back the same.
 */
#include "fuzz.h"
#include "store/record.h"

/* Times mime and ISO formats write in four-digit years. */
#define FUZZ_TIME_MAX (253402041600LL)

static int plain(const char *s)
{
	return !strchr(s, '\r') && *s != ' ';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dialog_info info, back;
	struct strbuf out = STRBUF_INIT;
	char *v;

	dialog_info_parse(&info, (const char *)data, size);
	dialog_info_format(&out, &info);
	dialog_info_parse(&back, out.buf, out.len);
	if (plain(info.channel))
		FUZZ_CHECK(!strcmp(info.channel, back.channel), "the channel reads back as '%s'", back.channel);
	if (plain(info.user))
		FUZZ_CHECK(!strcmp(info.user, back.user), "the user reads back as '%s'", back.user);
	if (plain(info.subject))
		FUZZ_CHECK(!strcmp(info.subject, back.subject), "the subject reads back as '%s'", back.subject);
	if (info.created >= 0 && (long long)info.created <= FUZZ_TIME_MAX)
		FUZZ_CHECK(info.created == back.created, "created %lld reads back as %lld", (long long)info.created,
			   (long long)back.created);
	if ((v = kv_get((const char *)data, size, "dialogs")))
		FUZZ_CHECK(!memchr(v, '\n', strlen(v)), "a value runs past its line");
	free(v);
	dialog_info_clear(&info);
	dialog_info_clear(&back);
	strbuf_release(&out);
	return 0;
}
