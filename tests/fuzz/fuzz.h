/*
 * What the libFuzzer harnesses share.  Each harness is one file,
 * tests/fuzz/NAME.c, defining LLVMFuzzerTestOneInput(); its seeds and
 * regression inputs are tests/fuzz/NAME/ (see tests/fuzz/README).
 *
 * Besides crashes and the sanitizers' findings, the harnesses check what
 * the parsers promise (valid UTF-8 out, formats that read back the same);
 * a broken promise aborts with FUZZ_FAIL, which libFuzzer reports as a
 * crash and saves the input for.
 */
#ifndef DLG_FUZZ_H
#define DLG_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FAIL(...) do { \
	fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)

#define FUZZ_CHECK(cond, ...) do { if (!(cond)) FUZZ_FAIL(__VA_ARGS__); } while (0)

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static inline int fuzz_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	while (p < end) {
		unsigned c = *p, n, cp;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if ((size_t)(end - p) <= n)
			return 0;
		for (unsigned k = 1; k <= n; k++) {
			if ((p[k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* A string the parsers hand back: valid UTF-8 and no NUL inside (NULL is fine). */
#define FUZZ_TEXT(s, what) do { \
	const char *s_ = (s); \
	if (s_) \
		FUZZ_CHECK(fuzz_utf8_valid(s_, strlen(s_)), "%s is not valid UTF-8", what); \
} while (0)
#define FUZZ_TEXT_N(s, n, what) do { \
	FUZZ_CHECK(fuzz_utf8_valid((s), (n)), "%s is not valid UTF-8", what); \
	FUZZ_CHECK(!memchr((s), '\0', (n)), "%s holds a NUL byte", what); \
} while (0)

/* The input as a NUL-terminated string of exactly size + 1 bytes, so a read
   past its end is the sanitizer's to see. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Splits the input at its first NUL byte: two parts for two-input parsers. */
static inline void fuzz_split(const uint8_t *data, size_t size, char **a, size_t *alen, char **b,
			      size_t *blen)
{
	const uint8_t *z = memchr(data, '\0', size);
	*alen = z ? (size_t)(z - data) : size;
	*blen = z ? size - *alen - 1 : 0;
	*a = fuzz_string(data, *alen);
	*b = fuzz_string(z ? z + 1 : data + size, *blen);
}

#endif
