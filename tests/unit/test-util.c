/*
 * Unit tests for the terminal text helpers of lib/util.c: what reaches a
 * terminal is sanitized, and cut to a width without splitting a character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strbuf.h"
#include "util.h"

static void check_cut(const char *in, size_t cols, const char *expect, size_t expect_width)
{
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "> "); /* appends: what was there stays */
	assert_int_equal(term_sanitize_cut(&out, in, strlen(in), cols), expect_width);
	assert_string_equal(out.buf + 2, expect);
	assert_memory_equal(out.buf, "> ", 2);
	strbuf_release(&out);
}

static void test_sanitize_cut(void **state)
{
	(void)state;
	check_cut("hello", 10, "hello", 5);
	check_cut("hello world", 5, "hell\xe2\x80\xa6", 5);
	check_cut("hello", 5, "hello", 5);
	check_cut("", 5, "", 0);
	check_cut("a\033[31mred", 20, "a^[[31mred", 10);          /* ESC shown, not obeyed */
	check_cut("x\xc2\x9b" "2J", 20, "x\xef\xbf\xbd" "2J", 4); /* C1 CSI */
	check_cut("tab\there\nnl", 20, "tab here nl", 11);
	check_cut("\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97", 4, "\xe4\xb8\xad\xe2\x80\xa6", 3); /* wide */
	check_cut("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 4,
		  "\xd0\x9f\xd1\x80\xd0\xb8\xe2\x80\xa6", 4);
	check_cut("\xff\xfe", 5, "\xef\xbf\xbd\xef\xbf\xbd", 2);   /* broken bytes */
	check_cut("e\xcc\x81" "e", 2, "e\xcc\x81" "e", 2);         /* combining: no column */
	check_cut("abc", 0, "\xe2\x80\xa6", 1);
	check_cut("ab\033", 3, "ab\xe2\x80\xa6", 3);               /* "^[" is not split */
	check_cut("ab\033", 4, "ab^[", 4);
}

/* The one-pass cut must equal sanitizing everything, then cutting; but for
   control characters, whose "^X" it keeps whole where cutting the sanitized
   text could leave a lone "^" (checked above). */
static void test_cut_matches_two_passes(void **state)
{
	/* two-byte ones take a fast path: letters, NBSP, C1, combining, a lone lead */
	static const char *pieces[] = { "a", "Z", " ", "\t", "\n", "\xc2\x9b", "\xc2\xa0",
					"\xd0\xaf", "\xce\xb1", "\xdf\xbf", "\xcd\x80", "\xd1",
					"\xe4\xb8\xad", "\xf0\x9f\x98\x84", "\xcc\x81",
					"\xe2\x80\xae", "\xff", "\xe2\x82", "~" };
	const size_t npieces = sizeof(pieces) / sizeof(*pieces);
	unsigned seed = 12345;
	(void)state;
	for (int round = 0; round < 3000; round++) {
		struct strbuf in = STRBUF_INIT, safe = STRBUF_INIT, two = STRBUF_INIT, one = STRBUF_INIT;
		size_t n = (seed = seed * 1103515245 + 12345) >> 16 & 31, cols;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245 + 12345;
			strbuf_addstr(&in, pieces[(seed >> 16) % npieces]);
		}
		seed = seed * 1103515245 + 12345;
		cols = (seed >> 16) % 40;
		term_sanitize(&safe, in.buf, in.len, 0);
		utf8_truncate_len(&two, safe.buf, safe.len, cols);
		size_t w = term_sanitize_cut(&one, in.buf, in.len, cols);
		assert_int_equal(one.len, two.len);
		assert_memory_equal(one.buf, two.buf, one.len);
		assert_int_equal(w, utf8_width(two.buf, two.len));
		strbuf_release(&in);
		strbuf_release(&safe);
		strbuf_release(&two);
		strbuf_release(&one);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_cut),
		cmocka_unit_test(test_cut_matches_two_passes),
	};
	return cmocka_run_group_tests_name("util: terminal text", tests, NULL, NULL);
}
