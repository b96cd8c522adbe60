/*
 * Unit tests for the terminal text helpers of lib/base/utf8.c: what reaches a
 * terminal is sanitized, valid UTF-8, and cut to a width without splitting
 * a character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/strbuf.h"
#include "base/time.h"
#include "mail/mime.h"
#include "base/utf8.h"

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

#define R "\xef\xbf\xbd" /* U+FFFD */

/* Bytes UTF-8 does not allow, and what a terminal gets instead: one U+FFFD
   per maximal subpart (Unicode 15, section 3.9), as utf8_sanitize() does. */
static const struct {
	const char *in, *out;
	size_t width;
} invalid[] = {
	{ "\xff\xa5\xa5\xa5", R R R R, 4 },                 /* the reported bytes */
	{ "\xff", R, 1 },
	{ "\xfe\xfe", R R, 2 },
	{ "\xf8\x88\x80\x80\x80", R R R R R, 5 },           /* old 5-byte form */
	{ "\xfc\x84\x80\x80\x80\x80", R R R R R R, 6 },     /* old 6-byte form */
	{ "\xf5\x80\x80\x80", R R R R, 4 },                 /* past U+10FFFF */
	{ "\xf4\x90\x80\x80", R R R R, 4 },                 /* U+110000 */
	{ "\xed\xa0\x80", R R R, 3 },                       /* surrogate U+D800 */
	{ "\xed\xbf\xbf", R R R, 3 },                       /* surrogate U+DFFF */
	{ "\xc0\x80", R R, 2 },                             /* overlong NUL */
	{ "\xc1\xbf", R R, 2 },                             /* overlong DEL */
	{ "\xe0\x80\xaf", R R R, 3 },                       /* overlong '/' */
	{ "\xe0\x82\x9b", R R R, 3 },                       /* overlong C1 CSI */
	{ "\xf0\x80\x80\xaf", R R R R, 4 },                 /* overlong '/' */
	{ "\xe2\x82" "A", R "A", 2 },                       /* truncated: one U+FFFD */
	{ "\xf0\x9f\x98" "A", R "A", 2 },
	{ "\xf0\x9f\x98", R, 1 },                           /* truncated at the end */
	{ "\xe2\x28\xa1", R "(" R, 3 },
	{ "\x80", R, 1 },                                   /* stray continuation */
	{ "\xbf\xbf" "x", R R "x", 3 },
	{ "a\xc3", "a" R, 2 },
	{ "\xd0\x9f\xd1", "\xd0\x9f" R, 2 },                /* the letter stays */
};

/* Valid text of every length goes out byte for byte. */
static const struct {
	const char *text;
	size_t width;
} valid[] = {
	{ "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", 6 }, /* Привет */
	{ "\xce\xb1\xce\xb2\xce\xb3", 3 },                          /* αβγ */
	{ "caf\xc3\xa9 e\xcc\x81", 6 },                              /* é, e + combining */
	{ "\xe4\xb8\xad\xe6\x96\x87", 4 },                          /* 中文 */
	{ "\xf0\x9f\x98\x84!", 3 },                                 /* emoji */
	{ "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf", 3 },                  /* U+07FF U+0800 U+FFFF */
	{ "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 2 },                  /* U+10000 U+10FFFF */
	{ "\xee\x80\x80", 1 },                                      /* private use */
	{ R, 1 },                                                   /* U+FFFD itself */
	{ "\xc2\xa0\xc2\xbf", 2 },                                  /* NBSP, ¿ */
};

static void test_invalid_utf8_becomes_fffd(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invalid) / sizeof(*invalid); i++) {
		const char *in = invalid[i].in;
		struct strbuf out = STRBUF_INIT;
		size_t len = strlen(in);
		term_sanitize(&out, in, len, 0);
		assert_string_equal(out.buf, invalid[i].out);
		strbuf_reset(&out);
		term_sanitize(&out, in, len, 1);
		assert_string_equal(out.buf, invalid[i].out);
		strbuf_reset(&out);
		assert_int_equal(term_sanitize_cut(&out, in, len, 80), invalid[i].width);
		assert_string_equal(out.buf, invalid[i].out);
		strbuf_reset(&out);
		assert_int_equal(utf8_width(in, len), invalid[i].width);
		utf8_truncate_len(&out, in, len, 80); /* cutters put out valid text too */
		assert_string_equal(out.buf, invalid[i].out);
		strbuf_reset(&out);
		utf8_sanitize(&out, in, len);
		assert_string_equal(out.buf, invalid[i].out);
		strbuf_release(&out);
	}
}

/* The report: a carriage return, then a lead byte no UTF-8 has. */
static void test_reported_bytes(void **state)
{
	struct strbuf out = STRBUF_INIT;
	(void)state;
	term_sanitize(&out, "\x0d\xff\xa5\xa5\xa5", 5, 1);
	assert_string_equal(out.buf, "^M" R R R R);
	strbuf_reset(&out);
	assert_int_equal(term_sanitize_cut(&out, "\x0d\xff\xa5\xa5\xa5", 5, 3), 3);
	assert_string_equal(out.buf, "^M\xe2\x80\xa6");
	strbuf_release(&out);
}

static void test_valid_utf8_unchanged(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(*valid); i++) {
		const char *in = valid[i].text;
		struct strbuf out = STRBUF_INIT;
		size_t len = strlen(in);
		term_sanitize(&out, in, len, 0);
		assert_string_equal(out.buf, in);
		strbuf_reset(&out);
		assert_int_equal(term_sanitize_cut(&out, in, len, 80), valid[i].width);
		assert_string_equal(out.buf, in);
		strbuf_reset(&out);
		utf8_truncate_len(&out, in, len, 80);
		assert_string_equal(out.buf, in);
		assert_int_equal(utf8_width(in, len), valid[i].width);
		strbuf_release(&out);
	}
}

/* Characters of no width (combining marks, joiners) do not move the cut:
   a thousand of them after one letter must still fit the buffer. */
static void test_cut_zero_width_run(void **state)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	(void)state;
	strbuf_addch(&in, 'e');
	for (int i = 0; i < 1000; i++)
		strbuf_addstr(&in, i % 2 ? "\xcc\x81" : "\xe2\x80\x8d"); /* U+0301, U+200D */
	assert_int_equal(term_sanitize_cut(&out, in.buf, in.len, 10), 1);
	assert_int_equal(out.len, in.len);
	assert_memory_equal(out.buf, in.buf, in.len);
	strbuf_addstr(&in, "0123456789");
	strbuf_reset(&out);
	assert_int_equal(term_sanitize_cut(&out, in.buf, in.len, 10), 10);
	assert_int_equal(out.len, in.len - 2 + 3); /* "e", the marks, "01234567", "…" */
	strbuf_release(&in);
	strbuf_release(&out);
}

/* Text sanitized in pieces cut by utf8_cut() is text sanitized whole. */
static void test_utf8_cut(void **state)
{
	static const char text[] = "a\xd0\x9f\xe4\xb8\xad\xf0\x9f\x98\x84\xe2\x82" "b\x80\x80\x80\x80\x80"
				   "\xf0\x9f\x98\xff\xed\xa0\x80\xc3\xa9";
	size_t len = sizeof(text) - 1;
	struct strbuf whole = STRBUF_INIT;
	(void)state;
	term_sanitize(&whole, text, len, 0);
	for (size_t n = 4; n < len; n++) {
		struct strbuf pieces = STRBUF_INIT;
		size_t k = utf8_cut(text, n);
		assert_true(k <= n && k + 3 >= n);
		term_sanitize(&pieces, text, k, 0);
		term_sanitize(&pieces, text + k, len - k, 0);
		assert_string_equal(pieces.buf, whole.buf);
		strbuf_release(&pieces);
	}
	strbuf_release(&whole);
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
					"\xe2\x80\xae", "\xff", "\xe2\x82", "~",
					"\xf8\x88\x80", "\xed\xa0\x80", "\xc0\x80", "\xe0\x80\xaf",
					"\xf4\x90\x80\x80", "\xa5", "\xcc\x81\xcc\x81" };
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

static void check_fold(const char *in, const char *expect)
{
	struct strbuf sb = STRBUF_INIT;
	utf8_fold_case(&sb, in, strlen(in));
	assert_string_equal(sb.buf, expect);
	strbuf_release(&sb);
}

static void test_fold_case(void **state)
{
	(void)state;
	check_fold("VIP", "vip");
	check_fold("СРОЧНО-Ёлка", "срочно-ёлка");
	check_fold("ÀÉÎ×ÞΑΩΪ", "àéî×þαωϊ");
	check_fold("ЀЏ", "ѐџ");
	check_fold("日本語-ß", "日本語-ß");
	check_fold("\xff\xfe" "A", "\xff\xfe" "a"); /* broken bytes stay as they are */
}

static void test_time_parse_refuses_impossible_days(void **state)
{
	time_t t;
	(void)state;
	assert_int_equal(time_parse(&t, "2024-02-29"), 0);
	assert_int_equal(time_parse(&t, "2000-02-29T23:59:60Z"), 0);
	assert_int_equal(time_parse(&t, "2023-02-29"), -1);
	assert_int_equal(time_parse(&t, "1900-02-29"), -1);
	assert_int_equal(time_parse(&t, "2011-02-30"), -1);
	assert_int_equal(time_parse(&t, "2026-04-31"), -1);
	assert_int_equal(time_parse(&t, "2026-13-01"), -1);
	assert_int_equal(time_parse(&t, "2026-11-25T-1:00"), -1);
	assert_int_equal(time_parse(&t, "2026-11-25T10:-5"), -1);
}

static void test_time_parse_span(void **state)
{
	time_t now, start, end, day;
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(time_parse(&now, "2026-11-25T10:00:00Z"), 0);
	assert_int_equal(time_parse(&day, "2026-11-25"), 0);
	assert_int_equal(time_parse_span(&start, &end, "today", now), 0);
	assert_true(start == day && end == day + 86399);
	assert_int_equal(time_parse_span(&start, &end, "yesterday", now), 0);
	assert_true(start == day - 86400 && end == day - 1);
	assert_int_equal(time_parse_span(&start, &end, "3h", now), 0);
	assert_true(start == now - 3 * 3600 && end == start);
	assert_int_equal(time_parse_span(&start, &end, "2w", now), 0);
	assert_true(start == now - 14 * 86400);
	assert_int_equal(time_parse_span(&start, &end, "2026-11-23", now), 0);
	assert_true(start == day - 2 * 86400 && end == day - 86400 - 1);
	assert_int_equal(time_parse_span(&start, &end, "2026-11-23T10:30", now), 0);
	assert_true(start == end);
	const char *bad[] = { "", "d", "3y", "3hh", "1234567d", "-3d", "Today", "2011-02-30" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(time_parse_span(&start, &end, bad[i], now), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_cut),
		cmocka_unit_test(test_fold_case),
		cmocka_unit_test(test_time_parse_refuses_impossible_days),
		cmocka_unit_test(test_time_parse_span),
		cmocka_unit_test(test_cut_matches_two_passes),
		cmocka_unit_test(test_invalid_utf8_becomes_fffd),
		cmocka_unit_test(test_reported_bytes),
		cmocka_unit_test(test_valid_utf8_unchanged),
		cmocka_unit_test(test_cut_zero_width_run),
		cmocka_unit_test(test_utf8_cut),
	};
	return cmocka_run_group_tests_name("util: terminal text", tests, NULL, NULL);
}
