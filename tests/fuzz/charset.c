/*
 * Charset decoding and the transfer encodings (lib/mail/charset.c).  The input
 * is "CHARSET\0BYTES": the bytes are decoded from that charset, as
 * quoted-printable, base64 and RFC 2047 words; the encoders' output must
 * read back as what went in.
 */
#include "fuzz.h"
#include "mail/mime.h"
#include "mail/charset.h"

static void same(const struct strbuf *a, const char *b, size_t blen, const char *what)
{
	FUZZ_CHECK(a->len == blen && !memcmp(a->buf, b, blen), "%s does not read back as it was", what);
}

/* Lines of at most 76 characters, and no CR (lib/mail/mime.h). */
static void check_lines(const struct strbuf *sb, const char *what)
{
	size_t col = 0;
	for (size_t i = 0; i < sb->len; i++) {
		FUZZ_CHECK(sb->buf[i] != '\r', "%s writes a CR", what);
		col = sb->buf[i] == '\n' ? 0 : col + 1;
		FUZZ_CHECK(col <= 76, "%s writes a line longer than 76", what);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, enc = STRBUF_INIT, dec = STRBUF_INIT, crlf = STRBUF_INIT;
	char *charset, *in;
	size_t clen, len;

	fuzz_split(data, size, &charset, &clen, &in, &len);

	charset_to_utf8(&out, charset, in, len);
	FUZZ_TEXT_N(out.buf, out.len, "charset_to_utf8's output");

	strbuf_reset(&out);
	utf8_sanitize(&out, in, len);
	FUZZ_TEXT_N(out.buf, out.len, "utf8_sanitize's output");
	strbuf_reset(&dec);
	utf8_sanitize(&dec, out.buf, out.len);
	same(&dec, out.buf, out.len, "sanitized text sanitized again");

	strbuf_reset(&out);
	mime_decode_words(&out, in, len);
	FUZZ_TEXT_N(out.buf, out.len, "mime_decode_words's output");

	/* encoded words decode to the sanitized text */
	strbuf_reset(&out);
	utf8_sanitize(&out, in, strlen(in));
	mime_encode_words(&enc, in);
	strbuf_reset(&dec);
	mime_decode_words(&dec, enc.buf, enc.len);
	same(&dec, out.buf, out.len, "mime_encode_words's output");

	strbuf_reset(&out);
	qp_decode(&out, in, len);
	strbuf_reset(&out);
	base64_decode(&out, in, len);

	strbuf_reset(&enc);
	strbuf_reset(&dec);
	base64_encode(&enc, in, len);
	check_lines(&enc, "base64_encode");
	base64_decode(&dec, enc.buf, enc.len);
	same(&dec, in, len, "base64_encode's output");

	/* quoted-printable keeps everything but turns CRLF into LF */
	for (size_t i = 0; i < len; i++)
		if (!(in[i] == '\r' && i + 1 < len && in[i + 1] == '\n'))
			strbuf_addch(&crlf, in[i]);
	strbuf_reset(&enc);
	strbuf_reset(&dec);
	qp_encode(&enc, in, len);
	check_lines(&enc, "qp_encode");
	qp_decode(&dec, enc.buf, enc.len);
	same(&dec, crlf.buf, crlf.len, "qp_encode's output");

	strbuf_release(&out);
	strbuf_release(&enc);
	strbuf_release(&dec);
	strbuf_release(&crlf);
	free(charset);
	free(in);
	return 0;
}
