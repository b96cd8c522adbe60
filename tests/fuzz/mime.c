/*
 * The MIME parser (lib/mail/mime.c) on a whole message, as `dlg import` and the
 * email channel hand it over, read the way a stored message is read
 * (stored_msg_parse: MIME plus dlg's X-Dlg headers).  Everything it hands
 * back must be valid UTF-8 without NULs (lib/mail/mime.h).
 */
#include "fuzz.h"
#include "store/message.h"
#include "mail/mime.h"

static void check_address(const struct mime_address *a)
{
	FUZZ_TEXT(a->name, "an address's name");
	FUZZ_TEXT(a->addr, "an address");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stored_msg m;
	struct strbuf sb = STRBUF_INIT;
	const struct mime_message *mm;

	if (stored_msg_parse(&m, "1700000000.0123456789abcdef:2,S", (const char *)data, size,
			     MIME_WANT_DATA) < 0) {
		FUZZ_CHECK(size == 0, "only an empty message may fail to parse");
		return 0;
	}
	mm = m.mime;
	check_address(&mm->from);
	for (size_t i = 0; i < mm->nto; i++)
		check_address(&mm->to[i]);
	FUZZ_TEXT(mm->subject, "the subject");
	FUZZ_TEXT(mm->message_id, "the Message-ID");
	FUZZ_TEXT(mm->in_reply_to, "In-Reply-To");
	for (size_t i = 0; i < mm->nreferences; i++)
		FUZZ_TEXT(mm->references[i], "a reference");
	FUZZ_TEXT(mm->text, "the text");
	for (size_t i = 0; i < mm->nattachments; i++) {
		const struct mime_attachment *a = &mm->attachments[i];
		FUZZ_TEXT(a->name, "an attachment's name");
		FUZZ_TEXT(a->type, "an attachment's type");
		FUZZ_CHECK(a->data, "an attachment without data under MIME_WANT_DATA");
	}
	if (!mime_header_get(&sb, (const char *)data, size, "Subject")) {
		char *shown = mime_display_text(sb.buf, sb.len);
		FUZZ_TEXT(shown, "the displayed subject");
		for (const char *p = shown; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "a control character in a displayed header");
		free(shown);
	}
	FUZZ_CHECK(mime_body_offset((const char *)data, size) <= size, "the body starts past the end");
	strbuf_release(&sb);
	stored_msg_clear(&m);
	return 0;
}
