/*
 * Unit tests for lib/mail/charset.c and lib/mail/html.c: UTF-8 repair, charsets,
 * encoded words, quoted-printable, base64, HTML to text.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "base/error.h"
#include "mail/charset.h"
#include "mail/html.h"
#include "mail/mime.h"

#include "mime-test.h"

static void test_utf8_sanitize(void **state)
{
	(void)state;
	CHECK_DECODE(utf8_sanitize, "plain", "plain");
	CHECK_DECODE(utf8_sanitize, "a\0b", "ab");                         /* NUL dropped */
	CHECK_DECODE(utf8_sanitize, "caf\xc3\xa9", "caf\xc3\xa9");
	CHECK_DECODE(utf8_sanitize, "x\xffy", "x\xef\xbf\xbdy");
	CHECK_DECODE(utf8_sanitize, "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong */
	CHECK_DECODE(utf8_sanitize, "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_DECODE(utf8_sanitize, "\xe2\x82", "\xef\xbf\xbd");          /* truncated: one */
	CHECK_DECODE(utf8_sanitize, "\xe2\x82x", "\xef\xbf\xbdx");
	CHECK_DECODE(utf8_sanitize, "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	CHECK_DECODE(utf8_sanitize, "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_DECODE(utf8_sanitize, "", "");
}

static void test_charsets(void **state)
{
	(void)state;
	CHECK_CHARSET("koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет");
	CHECK_CHARSET("KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет");
	CHECK_CHARSET("windows-1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет");
	CHECK_CHARSET("cp1251", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет");
	CHECK_CHARSET("\"CP-1251\"", "\xcf\xf0\xe8\xe2\xe5\xf2", "Привет");
	CHECK_CHARSET("latin1", "caf\xe9", "café");
	CHECK_CHARSET("ISO-8859-1", "\x93q\x94", "\xe2\x80\x9cq\xe2\x80\x9d"); /* as windows-1252 */
	CHECK_CHARSET("iso-8859-15", "\xa4", "€");
	CHECK_CHARSET("iso-8859-2", "\xb1", "ą");
	CHECK_CHARSET("gb2312", "\xd6\xd0\xce\xc4", "中文");
	CHECK_CHARSET("shift_jis", "\x93\xfa\x96\x7b", "日本");
	CHECK_CHARSET("utf-8", "ok\xff", "ok\xef\xbf\xbd");
	CHECK_CHARSET("utf8", "\xd0\x96", "Ж");
	CHECK_CHARSET(NULL, "\xd0\x96", "Ж");
	CHECK_CHARSET("x-no-such-charset", "a\xd0\x96\xff", "aЖ\xef\xbf\xbd");
	CHECK_CHARSET("us-ascii", "naïve", "naïve");
	CHECK_CHARSET("koi8-r", "a\0b", "ab");
	/* bytes invalid in the charset become U+FFFD, the rest survives */
	CHECK_CHARSET("utf-16le", "A\0B", "A\xef\xbf\xbd");
	CHECK_CHARSET("shift_jis", "\x82", "\xef\xbf\xbd");
}

static void test_decode_words(void **state)
{
	(void)state;
	CHECK_DECODE(mime_decode_words, "=?koi8-r?B?8NLJ18XU?=", "Привет");
	CHECK_DECODE(mime_decode_words, "=?windows-1251?B?z/Do4uXy?=", "Привет");
	CHECK_DECODE(mime_decode_words, "=?windows-1251?Q?=CF=F0=E8=E2=E5=F2_=EC=E8=F0?=",
		     "Привет мир");
	CHECK_DECODE(mime_decode_words, "=?iso-8859-1?q?accentu=E9?=", "accentué");
	CHECK_DECODE(mime_decode_words, "Essai =?iso-8859-1?Q?accentu=E9?= fin", "Essai accentué fin");
	/* whitespace between adjacent encoded words disappears, even folded */
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?a?= =?utf-8?q?b?=", "ab");
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?a?=\r\n\t=?utf-8?q?b?=", "ab");
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?a_?= =?iso-8859-1?q?=E9?=", "a é");
	/* a character split across two words */
	CHECK_DECODE(mime_decode_words, "=?utf-8?b?0A==?= =?utf-8?b?lg==?=", "Ж");
	/* ...but whitespace next to plain text stays */
	CHECK_DECODE(mime_decode_words, "x =?utf-8?q?y?= z", "x y z");
	CHECK_DECODE(mime_decode_words, "=?UTF-8*en?Q?hi?=", "hi");
	CHECK_DECODE(mime_decode_words, "=?utf-8?B?SGVsbG8?=", "Hello"); /* missing padding */
	/* malformed words are left alone */
	CHECK_DECODE(mime_decode_words, "=?utf-8?x?abc?=", "=?utf-8?x?abc?=");
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?never closed", "=?utf-8?q?never closed");
	CHECK_DECODE(mime_decode_words, "=??q?abc?=", "=??q?abc?=");
	CHECK_DECODE(mime_decode_words, "a = b =? c ?=", "a = b =? c ?=");
	CHECK_DECODE(mime_decode_words, "=?no-such?q?x=41?=", "xA");
	CHECK_DECODE(mime_decode_words, "raw \xd0\x96 \xff", "raw Ж \xef\xbf\xbd");
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?nul=00here?=", "nulhere");
	CHECK_DECODE(mime_decode_words, "=?utf-8?q?bad=FFbyte?=", "bad\xef\xbf\xbd" "byte");
}

static void test_encode_words(void **state)
{
	struct strbuf sb = STRBUF_INIT, back = STRBUF_INIT, long_in = STRBUF_INIT;
	const char *p;
	int i;
	(void)state;

	mime_encode_words(&sb, "Hello, world");
	assert_string_equal(sb.buf, "Hello, world");
	strbuf_reset(&sb);
	mime_encode_words(&sb, "Привет");
	assert_string_equal(sb.buf, "=?UTF-8?B?0J/RgNC40LLQtdGC?=");
	strbuf_reset(&sb);
	mime_encode_words(&sb, "a =?x?q?y?= b"); /* would be misread: encode */
	assert_memory_equal(sb.buf, "=?UTF-8?B?", 10);
	mime_decode_words(&back, sb.buf, sb.len);
	assert_string_equal(back.buf, "a =?x?q?y?= b");

	for (i = 0; i < 100; i++)
		strbuf_addstr(&long_in, i % 3 ? "Жё" : "x€😀 ");
	strbuf_reset(&sb);
	strbuf_reset(&back);
	mime_encode_words(&sb, long_in.buf);
	/* each word is at most 75 characters and holds whole characters */
	for (p = sb.buf; *p;) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		struct strbuf one = STRBUF_INIT;
		assert_true(n <= 75);
		assert_memory_equal(p, "=?UTF-8?B?", 10);
		mime_decode_words(&one, p, n);
		assert_null(strstr(one.buf, "\xef\xbf\xbd"));
		strbuf_release(&one);
		p += n;
		if (*p == ' ')
			p++;
	}
	assert_null(strchr(sb.buf, '\n'));
	mime_decode_words(&back, sb.buf, sb.len);
	assert_string_equal(back.buf, long_in.buf);
	strbuf_release(&sb);
	strbuf_release(&back);
	strbuf_release(&long_in);
}

static void test_qp(void **state)
{
	struct strbuf in = STRBUF_INIT, enc = STRBUF_INIT, dec = STRBUF_INIT;
	const char *line;
	int i;
	(void)state;

	CHECK_DECODE(qp_decode, "soft=\nbreak", "softbreak");
	CHECK_DECODE(qp_decode, "soft=\r\nbreak", "softbreak");
	CHECK_DECODE(qp_decode, "soft= \t\nbreak", "softbreak");
	CHECK_DECODE(qp_decode, "a=3Db=3db", "a=b=b");
	CHECK_DECODE(qp_decode, "caf=C3=A9", "caf\xc3\xa9");
	CHECK_DECODE(qp_decode, "bad=ZZ=", "bad=ZZ");
	CHECK_DECODE(qp_decode, "trailing   \nnext", "trailing\nnext");
	CHECK_DECODE(qp_decode, "in side", "in side");
	CHECK_DECODE(qp_decode, "x=4", "x=4");

	strbuf_reset(&enc);
	qp_encode(&enc, "a=b \nc\t\n", 8);
	assert_string_equal(enc.buf, "a=3Db=20\nc=09\n");
	strbuf_reset(&enc);
	qp_encode(&enc, "caf\xc3\xa9", 5);
	assert_string_equal(enc.buf, "caf=C3=A9");
	strbuf_reset(&enc);
	qp_encode(&enc, "end ", 4);
	assert_string_equal(enc.buf, "end=20");

	/* long lines and every byte value round-trip, lines stay <= 76 */
	for (i = 0; i < 3000; i++)
		strbuf_addch(&in, i % 400 == 399 ? '\n' : (char)(i * 7 % 256));
	strbuf_reset(&enc);
	qp_encode(&enc, in.buf, in.len);
	for (line = enc.buf; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		assert_true(n <= 76);
		assert_true(n == 0 || (line[n - 1] != ' ' && line[n - 1] != '\t'));
		line += n + (nl ? 1 : 0);
	}
	for (i = 0; i < (int)enc.len; i++)
		assert_true(enc.buf[i] == '\n' || (enc.buf[i] >= 32 && enc.buf[i] < 127) || enc.buf[i] == '\t');
	qp_decode(&dec, enc.buf, enc.len);
	assert_int_equal(dec.len, in.len);
	assert_memory_equal(dec.buf, in.buf, in.len);
	strbuf_release(&in);
	strbuf_release(&enc);
	strbuf_release(&dec);
}

static void test_base64(void **state)
{
	struct strbuf in = STRBUF_INIT, enc = STRBUF_INIT, dec = STRBUF_INIT;
	const char *line;
	int i;
	(void)state;

	CHECK_DECODE(base64_decode, "SGVsbG8sIHdvcmxk", "Hello, world");
	CHECK_DECODE(base64_decode, "SGVs\r\nbG8=", "Hello");
	CHECK_DECODE(base64_decode, "SGVsbG8", "Hello");             /* missing padding */
	CHECK_DECODE(base64_decode, "S G!V*s\x01" "bG8==\n!!", "Hello");
	CHECK_DECODE(base64_decode, "SGk=SGk=", "HiHi");             /* concatenated blocks */
	CHECK_DECODE(base64_decode, "", "");
	CHECK_DECODE(base64_decode, "A", "");

	base64_encode(&enc, "Hello", 5);
	assert_string_equal(enc.buf, "SGVsbG8=\n");
	strbuf_reset(&enc);
	for (i = 0; i < 1000; i++)
		strbuf_addch(&in, (char)(i * 31 % 256));
	base64_encode(&enc, in.buf, in.len);
	for (line = enc.buf; *line;) {
		const char *nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(nl - line <= 76);
		line = nl + 1;
	}
	base64_decode(&dec, enc.buf, enc.len);
	assert_int_equal(dec.len, in.len);
	assert_memory_equal(dec.buf, in.buf, in.len);
	strbuf_release(&in);
	strbuf_release(&enc);
	strbuf_release(&dec);
}

/* ---- html.c ---- */

#define CHECK_HTML(in, want) CHECK_DECODE(html_to_text, in, want)

static void test_html(void **state)
{
	(void)state;
	CHECK_HTML("<p>Hello <b>world</b></p><p>Second</p>", "Hello world\n\nSecond");
	CHECK_HTML("a<br>b<br/>c", "a\nb\nc");
	CHECK_HTML("<html><head><title>T</title><style>p{x}</style></head><body>Body</body></html>",
		   "Body");
	CHECK_HTML("x<script>if (a<b) document.write('<p>no</p>')</script>y", "xy");
	CHECK_HTML("<STYLE type=text/css>.a{}</STYLE>ok", "ok");
	CHECK_HTML("<ul><li>one<li>two</ul>", "- one\n- two");
	CHECK_HTML("<h1>Title</h1>text", "Title\n\ntext");
	CHECK_HTML("<div>a</div><div>b</div>", "a\nb");
	CHECK_HTML("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc");
	CHECK_HTML("  lots   of\n\n  space  ", "lots of space");
	CHECK_HTML("<pre>  keep\n    this</pre>", "  keep\n    this");
	CHECK_HTML("&amp; &lt;tag&gt; &quot;q&quot; &apos;", "& <tag> \"q\" '");
	CHECK_HTML("a&nbsp;b &copy; &mdash; &ndash; &hellip; &laquo;x&raquo;", "a b © — – … «x»");
	CHECK_HTML("&#65;&#x42;&#X43; &#1046; &#x1F600;", "ABC Ж 😀");
	CHECK_HTML("&#0; &#xD800; &#1114112; &#99999999999;",
		   "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd");
	CHECK_HTML("&#150;", "–");
	CHECK_HTML("&bogus; & &amp AT&T", "&bogus; & & AT&T");
	CHECK_HTML("<p>a</p><br><br><br><br><p>b</p>", "a\n\nb");
	CHECK_HTML("<input value=\"a>swordfish\">hunter2", "hunter2");
	CHECK_HTML("1 < 2 and 3 > 2", "1 < 2 and 3 > 2");
	CHECK_HTML("a<!-- <p>hidden</p> -->b<!-- never closed", "ab");
	CHECK_HTML("<!DOCTYPE html><?xml x?>text", "text");
	CHECK_HTML("<head><title>x</title><p>implied body", "implied body");
	CHECK_HTML("<a href=\"x>y", "y");
	CHECK_HTML("caf\xe9", "caf\xef\xbf\xbd");
	CHECK_HTML("", "");
}

static void test_html_linear(void **state)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	size_t i;
	clock_t t0 = clock();
	(void)state;

	/* pathological input: unbalanced quotes, comments and entities */
	for (i = 0; i < 200000; i++)
		strbuf_addstr(&in, i % 2 ? "<a x=\"" : "<b y='>&#x; &");
	for (i = 0; i < 200000; i++)
		strbuf_addstr(&in, "<br>");
	for (i = 0; i < 200000; i++)
		strbuf_addstr(&in, "<p><li><!-- x --><script>");
	html_to_text(&out, in.buf, in.len);
	assert_true(valid_utf8(out.buf, out.len));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10);
	strbuf_release(&in);
	strbuf_release(&out);
}

/* ---- headers ---- */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_sanitize),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_decode_words),
		cmocka_unit_test(test_encode_words),
		cmocka_unit_test(test_qp),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_html_linear),
	};
	return cmocka_run_group_tests_name("charset", tests, NULL, NULL);
}
