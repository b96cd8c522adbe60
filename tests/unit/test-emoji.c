/*
 * Unit tests for lib/base/emoji.c: shortcodes are found, expanded where they
 * stand as codes and nowhere else, and listed in table order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/emoji.h"
#include "base/strbuf.h"

#define SMILE "\xf0\x9f\x98\x84"
#define THUMBSUP "\xf0\x9f\x91\x8d"
#define HEART "\xe2\x9d\xa4\xef\xb8\x8f"
#define TADA "\xf0\x9f\x8e\x89"

static const char *lookup(const char *code)
{
	return emoji_lookup(code, strlen(code));
}

static void test_lookup(void **state)
{
	(void)state;
	assert_string_equal(lookup("smile"), SMILE);
	assert_string_equal(lookup("+1"), THUMBSUP);
	assert_string_equal(lookup("thumbsup"), THUMBSUP);
	assert_string_equal(lookup("-1"), "\xf0\x9f\x91\x8e");
	assert_string_equal(lookup("heart"), HEART);
	assert_string_equal(lookup("tada"), TADA);
	assert_string_equal(lookup("100"), "\xf0\x9f\x92\xaf");
	/* the first and last of the table */
	assert_non_null(lookup("+1"));
	assert_string_equal(lookup("zzz"), "\xf0\x9f\x92\xa4");
	assert_null(lookup("notanemoji"));
	assert_null(lookup("smil"));         /* a prefix is not a code */
	assert_null(lookup("smilee"));
	assert_null(lookup("Smile"));        /* case-sensitive */
	assert_null(lookup(":smile:"));      /* without the colons */
	assert_null(lookup(""));
	assert_null(lookup("+"));
	assert_null(lookup("zzzz"));
	/* len bounds the code: no NUL needed after it */
	assert_string_equal(emoji_lookup("smiley", 5), SMILE);
	assert_string_equal(emoji_lookup("smiley", 6), "\xf0\x9f\x98\x83");
	assert_null(emoji_lookup("smile\0x", 7));
	assert_null(emoji_lookup("smile", 0));
}

static void check_expand(const char *in, const char *expect)
{
	struct strbuf out = STRBUF_INIT;
	strbuf_addstr(&out, "> "); /* appends: what was there stays */
	emoji_expand(&out, in);
	assert_memory_equal(out.buf, "> ", 2);
	assert_string_equal(out.buf + 2, expect);
	assert_int_equal(out.len, 2 + strlen(expect));
	strbuf_release(&out);
}

static void test_expand(void **state)
{
	(void)state;
	check_expand("hello :smile:", "hello " SMILE);
	check_expand(":smile:", SMILE);
	check_expand(":smile: first", SMILE " first");
	check_expand("thanks :+1: and :heart: and :tada:!",
		     "thanks " THUMBSUP " and " HEART " and " TADA "!");
	check_expand(":smile::+1:", SMILE THUMBSUP);
	check_expand(":smile::+1::heart:", SMILE THUMBSUP HEART);
	check_expand("(:smile:)", "(" SMILE ")");
	check_expand("line\n:smile:\n", "line\n" SMILE "\n");
	check_expand("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 :smile:",
		     "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 " SMILE);
	check_expand("", "");
	check_expand("no codes here", "no codes here");
}

static void test_expand_escape(void **state)
{
	(void)state;
	check_expand("\\:smile:", ":smile:");
	check_expand("type \\:smile: to get :smile:", "type :smile: to get " SMILE);
	check_expand("\\:smile::+1:", ":smile:" THUMBSUP);
	check_expand(":smile:\\:+1:", SMILE ":+1:");
	check_expand("x\\:smile:", "x:smile:");
	check_expand("x\\:smile::+1:", "x:smile:" THUMBSUP);
	/* other backslashes are text */
	check_expand("\\\\:smile:", "\\:smile:");
	check_expand("C:\\dir\\n", "C:\\dir\\n");
	check_expand("\\:notanemoji:", "\\:notanemoji:");
	check_expand("\\", "\\");
	check_expand("end\\", "end\\");
	check_expand("\\:", "\\:");
}

/* In place: the buffer holds the expansion; an escaped code stays text. */
static void test_expand_in_place(void **state)
{
	struct strbuf text = STRBUF_INIT;
	(void)state;
	strbuf_addstr(&text, "thanks :+1: \\:smile:\n");
	emoji_expand_in_place(&text);
	assert_string_equal(text.buf, "thanks " THUMBSUP " :smile:\n");
	assert_int_equal(text.len, strlen(text.buf));
	strbuf_release(&text);
}

static void test_expand_kept(void **state)
{
	(void)state;
	check_expand(":notanemoji:", ":notanemoji:");
	check_expand("a :notanemoji: b :smile:", "a :notanemoji: b " SMILE);
	check_expand(":notanemoji::smile:", ":notanemoji:" SMILE);
	check_expand(":notanemoji:smile:", ":notanemoji:smile:"); /* "i:smile:" */
	check_expand(":Smile:", ":Smile:");
	check_expand(":smile", ":smile");
	check_expand("smile:", "smile:");
	check_expand(":", ":");
	check_expand("::", "::");
	check_expand(":::", ":::");
	check_expand(": smile :", ": smile :");
	check_expand(":sm ile:", ":sm ile:");
	check_expand("at 10:30:45 sharp", "at 10:30:45 sharp");
	check_expand("10:100:00", "10:100:00");
	check_expand("http://x:8080/", "http://x:8080/");
	check_expand("see https://example.com:443/a:b:c", "see https://example.com:443/a:b:c");
	/* codes touching letters or digits: addresses, not emoji */
	check_expand("00:ab:cd:ef:01:23", "00:ab:cd:ef:01:23");
	check_expand("fe80::a:1", "fe80::a:1");
	check_expand("x:smile:", "x:smile:");
	check_expand(":smile:s", ":smile:s");
	check_expand("ok :ab: ok", "ok \xf0\x9f\x86\x8e ok");
	/* invalid UTF-8 passes through untouched, next to codes too */
	check_expand("\xff\xfe :smile: \xc3", "\xff\xfe " SMILE " \xc3");
	check_expand("\xe2\x82:smile:\x80", "\xe2\x82" SMILE "\x80");
	check_expand(":\xf0\x9f:", ":\xf0\x9f:");
}

static void test_search(void **state)
{
	struct strlist all = STRLIST_INIT, some = STRLIST_INIT, none = STRLIST_INIT;
	size_t n = 0;
	(void)state;

	emoji_search(&all, NULL);
	assert_int_equal(all.nr, 1878);
	assert_string_equal(all.items[0], "+1\t" THUMBSUP);
	for (size_t i = 1; i < all.nr; i++) /* sorted, so lookup can bsearch */
		assert_true(strcmp(all.items[i - 1], all.items[i]) < 0);
	for (size_t i = 0; i < all.nr; i++) {
		const char *tab = strchr(all.items[i], '\t');
		assert_non_null(tab);
		assert_string_equal(emoji_lookup(all.items[i], tab - all.items[i]), tab + 1);
		if (strstr(all.items[i], "heart") && strstr(all.items[i], "heart") < tab)
			n++;
	}
	strlist_clear(&all);

	emoji_search(&all, "");
	assert_int_equal(all.nr, 1878);
	strlist_clear(&all);

	emoji_search(&some, "heart");
	assert_int_equal(some.nr, n);
	assert_true(some.nr > 10);
	assert_true(strlist_has(&some, "heart\t" HEART));
	assert_true(strlist_has(&some, "broken_heart\t\xf0\x9f\x92\x94"));
	for (size_t i = 0; i < some.nr; i++) {
		assert_non_null(strstr(some.items[i], "heart"));
		assert_true(strstr(some.items[i], "heart") < strchr(some.items[i], '\t'));
		if (i)
			assert_true(strcmp(some.items[i - 1], some.items[i]) < 0);
	}
	strlist_clear(&some);

	emoji_search(&some, "smile");
	assert_true(strlist_has(&some, "smile\t" SMILE));
	assert_true(strlist_has(&some, "smiley\t\xf0\x9f\x98\x83"));
	strlist_clear(&some);

	emoji_search(&some, "+1");
	assert_int_equal(some.nr, 1);
	assert_string_equal(some.items[0], "+1\t" THUMBSUP);
	strlist_clear(&some);

	/* appends: what was there stays */
	strlist_push(&some, "first");
	emoji_search(&some, "tada");
	assert_int_equal(some.nr, 2);
	assert_string_equal(some.items[0], "first");
	assert_string_equal(some.items[1], "tada\t" TADA);
	strlist_clear(&some);

	emoji_search(&none, "notanemoji");
	assert_int_equal(none.nr, 0);
	emoji_search(&none, "Smile");
	assert_int_equal(none.nr, 0);
	emoji_search(&none, "\t");  /* the tab is not part of the code */
	assert_int_equal(none.nr, 0);
	strlist_clear(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_expand_escape),
		cmocka_unit_test(test_expand_in_place),
		cmocka_unit_test(test_expand_kept),
		cmocka_unit_test(test_search),
	};
	return cmocka_run_group_tests_name("emoji", tests, NULL, NULL);
}
