/* Helpers shared by the MIME and charset unit tests. */
#ifndef DLG_MIME_TEST_H
#define DLG_MIME_TEST_H

/* ---- helpers ---- */

static inline int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i];
		size_t k, need;
		unsigned cp;
		if (!c)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

static inline int valid_str(const char *s)
{
	return s && valid_utf8(s, strlen(s));
}

static inline struct mime_message *parse(const char *s, unsigned flags)
{
	struct mime_message *m = NULL;
	assert_int_equal(mime_message_parse(&m, s, strlen(s), flags), 0);
	assert_non_null(m);
	assert_true(valid_str(m->text));
	assert_true(valid_str(m->subject));
	assert_true(valid_str(m->from.name));
	assert_true(valid_str(m->from.addr));
	return m;
}

#define CHECK_DECODE(fn, in, want) do { \
	struct strbuf sb_ = STRBUF_INIT; \
	fn(&sb_, in, sizeof(in) - 1); \
	assert_string_equal(sb_.buf, want); \
	strbuf_release(&sb_); \
} while (0)

#define CHECK_CHARSET(cs, in, want) do { \
	struct strbuf sb_ = STRBUF_INIT; \
	charset_to_utf8(&sb_, cs, in, sizeof(in) - 1); \
	assert_string_equal(sb_.buf, want); \
	strbuf_release(&sb_); \
} while (0)


#endif
