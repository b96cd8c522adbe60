/*
 * Unit tests for lib/mail/mime.c, lib/mail/charset.c and lib/mail/html.c.
 * Corpus cases read real mail from $DLG_CORPUS (default
 * ../shared/corpora/email/notmuch, relative to the project root) and are
 * skipped when it is missing.
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
#include "mail/mime.h"

#include "mime-test.h"

static const char *corpus_dir(void)
{
	const char *d = getenv("DLG_CORPUS");
	return d && *d ? d : "../shared/corpora/email/notmuch";
}

static int corpus_read(struct strbuf *sb, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int r;
	strbuf_addf(&path, "%s/%s", corpus_dir(), rel);
	r = strbuf_read_file(sb, path.buf);
	strbuf_release(&path);
	return r;
}

static struct mime_message *corpus_parse(const char *rel, unsigned flags)
{
	struct strbuf sb = STRBUF_INIT;
	struct mime_message *m = NULL;
	struct stat st;

	if (stat(corpus_dir(), &st) || !S_ISDIR(st.st_mode))
		return NULL;
	assert_int_equal(corpus_read(&sb, rel), 0);
	assert_int_equal(mime_message_parse(&m, sb.buf, sb.len, flags), 0);
	strbuf_release(&sb);
	return m;
}

#define CORPUS(m, rel, flags) do { \
	(m) = corpus_parse(rel, flags); \
	if (!(m)) { skip(); return; } \
} while (0)

/* ---- charset.c ---- */

static void test_headers(void **state)
{
	const char *msg = "From x\nSubject: first\r\n  folded\r\nX-Empty:\r\n"
			  "subject: second\r\n\r\nBody: not a header\r\n";
	struct strbuf sb = STRBUF_INIT;
	(void)state;

	assert_int_equal(mime_header_get(&sb, msg, strlen(msg), "SUBJECT"), 0);
	assert_string_equal(sb.buf, "first  folded");
	assert_int_equal(mime_header_get(&sb, msg, strlen(msg), "x-empty"), 0);
	assert_string_equal(sb.buf, "");
	assert_int_equal(mime_header_get(&sb, msg, strlen(msg), "Body"), DLG_ENOTFOUND);
	assert_int_equal(mime_header_get(&sb, msg, strlen(msg), "From"), DLG_ENOTFOUND);
	assert_string_equal(msg + mime_body_offset(msg, strlen(msg)), "Body: not a header\r\n");
	assert_int_equal(mime_body_offset("A: b\n", 5), 5);
	assert_int_equal(mime_body_offset("A: b", 4), 4);
	assert_int_equal(mime_body_offset("", 0), 0);
	assert_int_equal(mime_body_offset("no header line\nA: b\n", 20), 0);
	assert_int_equal(mime_body_offset("A: b\nnot a header\n", 18), 5);
	strbuf_release(&sb);
}

/* ---- messages ---- */

static void test_empty(void **state)
{
	struct mime_message *m = (void *)1;
	(void)state;
	assert_int_equal(mime_message_parse(&m, "", 0, 0), DLG_EINVALID);
	assert_null(m);
	assert_int_equal(mime_message_parse(&m, NULL, 0, 0), DLG_EINVALID);
	mime_message_free(NULL);
}

static void test_simple_message(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse("From: \"Doe, John\" <John.Doe@Example.COM>\r\n"
		  "To: a@b.c, =?koi8-r?B?8NLJ18XU?= <ivan@x.ru>\r\n"
		  "Cc: Group: g1@x, \"G 2\" <g2@x>;, last@x\r\n"
		  "Subject: =?utf-8?q?Re:_caf=C3=A9?=\r\n =?utf-8?q?_au_lait?=\r\n"
		  "Date: Thu, 16 Jun 2016 22:14:41 -0400\r\n"
		  "Message-ID: <abc@host>\r\n"
		  "In-Reply-To: <parent@host> (message of today)\r\n"
		  "References: <root@host>\r\n <mid@host> <parent@host>\r\n"
		  "\r\n"
		  "Hello\r\nworld  \r\n\r\n\r\n", 0);
	assert_string_equal(m->from.name, "Doe, John");
	assert_string_equal(m->from.addr, "john.doe@example.com");
	assert_int_equal(m->nto, 5);
	assert_string_equal(m->to[0].addr, "a@b.c");
	assert_string_equal(m->to[0].name, "");
	assert_string_equal(m->to[1].name, "Привет");
	assert_string_equal(m->to[1].addr, "ivan@x.ru");
	assert_string_equal(m->to[2].addr, "g1@x");
	assert_string_equal(m->to[3].name, "G 2");
	assert_string_equal(m->to[4].addr, "last@x");
	assert_string_equal(m->subject, "Re: café au lait");
	assert_true(m->has_date);
	assert_int_equal((long long)m->date, 1466129681LL);
	assert_string_equal(m->message_id, "abc@host");
	assert_string_equal(m->in_reply_to, "parent@host");
	assert_int_equal(m->nreferences, 3);
	assert_string_equal(m->references[0], "root@host");
	assert_string_equal(m->references[2], "parent@host");
	assert_string_equal(m->text, "Hello\nworld");
	assert_int_equal(m->nattachments, 0);
	mime_message_free(m);
}

static void test_missing_headers(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse("\nbody only\n", 0);
	assert_string_equal(m->subject, "");
	assert_string_equal(m->from.name, "");
	assert_string_equal(m->from.addr, "");
	assert_null(m->message_id);
	assert_null(m->in_reply_to);
	assert_int_equal(m->nreferences, 0);
	assert_false(m->has_date);
	assert_int_equal((long long)m->date, 0);
	assert_string_equal(m->text, "body only");
	mime_message_free(m);

	m = parse("just some text, no headers at all\nsecond line\n", 0);
	assert_string_equal(m->text, "just some text, no headers at all\nsecond line");
	mime_message_free(m);

	m = parse("Subject: x\nDate: garbage\nMessage-Id: bare@id\nIn-Reply-To: Your mail of Tuesday\n"
		  "References: a@b, junk c@d\n", 0);
	assert_false(m->has_date);
	assert_string_equal(m->message_id, "bare@id");
	assert_null(m->in_reply_to);
	assert_int_equal(m->nreferences, 2);
	assert_string_equal(m->references[1], "c@d");
	assert_string_equal(m->text, "");
	mime_message_free(m);

	m = parse("Message-ID: <>\nIn-Reply-To: <\n x@y>\n\n", 0);
	assert_null(m->message_id);
	assert_string_equal(m->in_reply_to, "x@y");
	mime_message_free(m);
}

static void test_8bit_and_nul(void **state)
{
	static const char raw[] = "Subject: caf\xc3\xa9 \xff\tend\nFrom: J\xc3\xb6rg <j@x>\n"
				  "Content-Type: text/plain; charset=utf-8\n\nnul\0byte \xfe ok\r\nline\r";
	struct mime_message *m = NULL;
	(void)state;
	assert_int_equal(mime_message_parse(&m, raw, sizeof(raw) - 1, 0), 0);
	assert_string_equal(m->subject, "café \xef\xbf\xbd end");
	assert_string_equal(m->from.name, "Jörg");
	assert_string_equal(m->text, "nulbyte \xef\xbf\xbd ok\nline");
	mime_message_free(m);
}

static void test_body_encodings(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse("Content-Type: text/plain; charset=\"iso-8859-1\"\n"
		  "Content-Transfer-Encoding: Quoted-Printable\n\n"
		  "Caf=E9 au lait, tr=E8s long=\n ligne =3D fin\n", 0);
	assert_string_equal(m->text, "Café au lait, très long ligne = fin");
	mime_message_free(m);

	m = parse("Content-Type: text/plain; charset=koi8-r\n"
		  "Content-Transfer-Encoding: base64\n\n8NLJ18XU\n", 0);
	assert_string_equal(m->text, "Привет");
	mime_message_free(m);

	m = parse("Content-Type: text/plain; charset=windows-1251\n"
		  "Content-Transfer-Encoding: 8bit\n\n\xcf\xf0\xe8\xe2\xe5\xf2\n", 0);
	assert_string_equal(m->text, "Привет");
	mime_message_free(m);

	m = parse("Content-Transfer-Encoding: base64\n\nSGVsbG8g\nd29y!bGQ\n", 0);
	assert_string_equal(m->text, "Hello world");
	mime_message_free(m);
}

static const char nested[] =
	"From: a@b\n"
	"Content-Type: multipart/mixed; boundary=outer\n\n"
	"preamble\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=\"alt one\"\n\n"
	"--alt one\n"
	"Content-Type: text/plain; charset=utf-8\n\n"
	"Plain text body\n"
	"--alt one\n"
	"Content-Type: multipart/related; boundary=rel\n\n"
	"--rel\n"
	"Content-Type: text/html\n\n"
	"<p>HTML body</p>\n"
	"--rel\n"
	"Content-Type: image/png\n"
	"Content-ID: <img1>\n"
	"Content-Transfer-Encoding: base64\n\n"
	"iVBORw0K\n"
	"--rel--\n"
	"--alt one--\n"
	"--outer\n"
	"Content-Type: application/pdf; name=\"=?utf-8?q?r=C3=A9sum=C3=A9?=.pdf\"\n"
	"Content-Disposition: attachment\n"
	"Content-Transfer-Encoding: base64\n\n"
	"JVBERi0xLjQK\n"
	"--outer\n"
	"Content-Type: text/plain\n"
	"Content-Disposition: attachment; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt\n\n"
	"report\n"
	"--outer\n"
	"Content-Type: text/x-log\n"
	"Content-Disposition: inline;\n"
	" filename*0*=iso-8859-1''%E9t%E9;\n"
	" filename*1=\".log\"\n\n"
	"log\n"
	"--outer\n"
	"Content-Type: message/rfc822\n\n"
	"Subject: inner\n\ninner body\n"
	"--outer--\n"
	"epilogue\n";

static void test_nested_multipart(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse(nested, MIME_WANT_DATA);
	assert_string_equal(m->text, "Plain text body");
	assert_int_equal(m->nattachments, 5);
	assert_string_equal(m->attachments[0].type, "image/png");
	assert_string_equal(m->attachments[0].name, "");
	assert_int_equal(m->attachments[0].size, 6);
	assert_memory_equal(m->attachments[0].data, "\x89PNG\r\n", 6);
	assert_string_equal(m->attachments[1].type, "application/pdf");
	assert_string_equal(m->attachments[1].name, "résumé.pdf");
	assert_int_equal(m->attachments[1].size, 9);
	assert_memory_equal(m->attachments[1].data, "%PDF-1.4\n", 9);
	assert_string_equal(m->attachments[2].name, "отчёт.txt");
	assert_string_equal(m->attachments[2].type, "text/plain");
	assert_int_equal(m->attachments[2].size, 6);
	assert_string_equal(m->attachments[3].name, "été.log");
	assert_string_equal(m->attachments[3].type, "text/x-log");
	assert_string_equal(m->attachments[4].type, "message/rfc822");
	assert_string_equal(m->attachments[4].name, "");
	assert_int_equal(m->attachments[4].size, strlen("Subject: inner\n\ninner body"));
	mime_message_free(m);

	/* without MIME_WANT_DATA: sizes only */
	m = parse(nested, 0);
	assert_int_equal(m->nattachments, 5);
	assert_null(m->attachments[1].data);
	assert_int_equal(m->attachments[1].size, 9);
	mime_message_free(m);
}

static void test_params(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nbody\n--b\n"
		  "Content-Type: application/octet-stream;\n"
		  "\tname*0*=UTF-8''%E2%82%AC%20;\n\tname*2=\"c\"; name*1=b\n\n"
		  "x\n--b\n"
		  "Content-Type: application/octet-stream; name=fallback.bin\n"
		  "Content-Disposition: attachment; filename=\"quoted \\\"name\\\".txt\"\n\nx\n"
		  "--b\n"
		  "Content-Type: APPLICATION/X-Thing (a comment); name=\"C:\\dir\\f.doc\"\n\nx\n"
		  "--b\n"
		  "Content-Disposition: attachment; filename*=iso-8859-1'fr'caf%E9.txt;"
		  " filename=\"cafe.txt\"\n\nx\n--b--\n", 0);
	assert_string_equal(m->text, "body");
	assert_int_equal(m->nattachments, 4);
	assert_string_equal(m->attachments[0].name, "€ bc");
	assert_string_equal(m->attachments[1].name, "quoted \"name\".txt");
	assert_string_equal(m->attachments[2].name, "C:\\dir\\f.doc");
	assert_string_equal(m->attachments[2].type, "application/x-thing");
	assert_string_equal(m->attachments[3].name, "café.txt");
	assert_string_equal(m->attachments[3].type, "text/plain");
	mime_message_free(m);
}

static void test_html_only(void **state)
{
	struct mime_message *m;
	(void)state;
	m = parse("Content-Type: text/html; charset=utf-8\n\n"
		  "<html><head><title>t</title></head><body><p>Hi&nbsp;there,</p>"
		  "<p>Your order&#8230;</p><ul><li>one</li><li>two</li></ul></body></html>\n", 0);
	assert_string_equal(m->text, "Hi there,\n\nYour order…\n\n- one\n- two");
	assert_int_equal(m->nattachments, 0);
	mime_message_free(m);

	m = parse("Content-Type: multipart/alternative; boundary=\"==x\"\n\n--==x\n"
		  "Content-Type: text/html\n\n<p>caf\xe9</p><meta charset=\"iso-8859-1\">\n--==x--\n", 0);
	assert_string_equal(m->text, "café");
	mime_message_free(m);

	/* an empty text/plain alternative does not hide the HTML one */
	m = parse("Content-Type: multipart/alternative; boundary=x\n\n--x\n"
		  "Content-Type: text/plain\n\n \n--x\n"
		  "Content-Type: text/html\n\n<b>real</b>\n--x--\n", 0);
	assert_string_equal(m->text, "real");
	mime_message_free(m);
}

static void test_broken_multipart(void **state)
{
	struct mime_message *m;
	(void)state;
	/* no boundary parameter */
	m = parse("Content-Type: multipart/mixed\n\n--foo\nContent-Type: text/plain\n\nhi\n--foo--\n", 0);
	assert_non_null(strstr(m->text, "hi"));
	assert_int_equal(m->nattachments, 0);
	mime_message_free(m);
	/* a boundary that never occurs */
	m = parse("Content-Type: multipart/mixed; boundary=\"nope\"\n\nplain words\n", 0);
	assert_string_equal(m->text, "plain words");
	mime_message_free(m);
	/* no close delimiter, CRLF, empty parts, junk after the delimiter */
	m = parse("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n"
		  "--b\r\n--b  \r\nContent-Type: image/gif\r\n\r\nGIF\r\n--bogus\r\nstill gif", 0);
	assert_string_equal(m->text, "first");
	assert_int_equal(m->nattachments, 1);
	assert_int_equal(m->attachments[0].size, strlen("GIF\r\n--bogus\r\nstill gif"));
	mime_message_free(m);
	/* multipart/digest parts default to message/rfc822 */
	m = parse("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: a\n\nb\n--d--\n", 0);
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].type, "message/rfc822");
	mime_message_free(m);
}

static void test_deep_nesting(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct mime_message *m;
	int i;
	(void)state;
	for (i = 0; i < 5000; i++)
		strbuf_addf(&sb, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	strbuf_addstr(&sb, "Content-Type: text/plain\n\ndeep\n");
	m = parse(sb.buf, 0);
	assert_true(m->nattachments <= 1); /* cut off at the depth limit */
	mime_message_free(m);

	/* a shallow nesting still works */
	strbuf_reset(&sb);
	for (i = 0; i < 10; i++)
		strbuf_addf(&sb, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i);
	strbuf_addstr(&sb, "Content-Type: text/plain\n\ndeep\n");
	m = parse(sb.buf, 0);
	assert_string_equal(m->text, "deep");
	mime_message_free(m);
	strbuf_release(&sb);
}

static double elapsed(clock_t t0)
{
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

static void test_big_messages(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct mime_message *m;
	clock_t t0;
	size_t i;
	(void)state;

	/* 10 MB of text in a base64 attachment plus a QP body */
	strbuf_addstr(&sb, "Subject: big\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
			   "Content-Transfer-Encoding: quoted-printable\n\n");
	for (i = 0; i < 40000; i++)
		strbuf_addstr(&sb, "Lorem ipsum dolor sit amet, caf=C3=A9 consectetur adipiscing =\nelit.\n");
	strbuf_addstr(&sb, "--B\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n");
	while (sb.len < 10 * 1024 * 1024)
		strbuf_addstr(&sb, "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\n");
	strbuf_addstr(&sb, "--B--\n");
	t0 = clock();
	m = parse(sb.buf, MIME_WANT_DATA);
	assert_true(elapsed(t0) < 20);
	assert_int_equal(m->nattachments, 1);
	assert_true(m->attachments[0].size > 5 * 1024 * 1024);
	assert_memory_equal(m->attachments[0].data, "ABCDEFGHIJ", 10);
	assert_true(strlen(m->text) > 2000000);
	assert_memory_equal(m->text, "Lorem ipsum dolor sit amet, café consectetur adipiscing elit.\n", 63);
	mime_message_free(m);

	/* pathological headers: unterminated encoded words, endless address lists */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "Subject: ");
	while (sb.len < 3 * 1024 * 1024)
		strbuf_addstr(&sb, "=?utf-8?q?=?x?b?");
	strbuf_addstr(&sb, "\nTo: ");
	while (sb.len < 6 * 1024 * 1024)
		strbuf_addstr(&sb, "\"a,b\" <x@y>, (c (d) e) z@w,");
	strbuf_addstr(&sb, "\nContent-Type: multipart/mixed; boundary=x\n\n");
	while (sb.len < 10 * 1024 * 1024)
		strbuf_addstr(&sb, "--x\nContent-Type: image/gif\n\nGIF\n");
	t0 = clock();
	m = parse(sb.buf, 0);
	assert_true(elapsed(t0) < 20);
	assert_int_equal(m->nto, MIME_MAX_ADDRESSES);
	assert_string_equal(m->to[0].name, "a,b");
	assert_string_equal(m->to[1].addr, "z@w");
	assert_string_equal(m->to[1].name, "c (d) e");
	assert_true(m->nattachments > 1000 && m->nattachments <= 10000); /* capped */
	mime_message_free(m);

	/* a multipart whose parts carry huge parameter lists */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: image/gif; ");
	for (i = 0; sb.len < 5 * 1024 * 1024; i++)
		strbuf_addf(&sb, "name*%zu*=%%41; filename*0=b; ", i % 1200);
	strbuf_addstr(&sb, "\nContent-Disposition: inline; ");
	while (sb.len < 10 * 1024 * 1024)
		strbuf_addstr(&sb, "filename*0*=utf-8''%41; filename*1=\"b\"; x");
	strbuf_addstr(&sb, "\n\nGIF\n--x--\n");
	t0 = clock();
	m = parse(sb.buf, 0);
	assert_true(elapsed(t0) < 20);
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].name, "Ab");
	mime_message_free(m);

	/* one 10 MB header line and no body */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "X-Long: ");
	while (sb.len < 10 * 1024 * 1024)
		strbuf_addstr(&sb, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n ");
	t0 = clock();
	m = parse(sb.buf, 0);
	assert_true(elapsed(t0) < 20);
	assert_string_equal(m->text, "");
	mime_message_free(m);
	strbuf_release(&sb);
}

/* What a message makes dlg keep is capped (mime.h), whatever its size. */
static void test_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct mime_message *m;
	struct mime_address *a;
	size_t n, i;
	(void)state;

	/* To and Cc: the first MIME_MAX_ADDRESSES, To first */
	strbuf_addstr(&sb, "From: first@x, second@x, third@x\nCc: cc@x\nTo: ");
	for (i = 0; i < 1500; i++)
		strbuf_addf(&sb, "a%zu@x, ", i);
	strbuf_addstr(&sb, "\nTo: more@x\n\nbody\n");
	m = parse(sb.buf, 0);
	assert_string_equal(m->from.addr, "first@x");
	assert_int_equal(m->nto, MIME_MAX_ADDRESSES);
	assert_string_equal(m->to[0].addr, "a0@x");
	assert_string_equal(m->to[MIME_MAX_ADDRESSES - 1].addr, "a999@x");
	mime_message_free(m);

	strbuf_reset(&sb);
	for (i = 0; i < 1500; i++)
		strbuf_addf(&sb, "\"N %zu\" <a%zu@x>, ", i, i);
	assert_int_equal(mime_address_list_parse(&a, &n, sb.buf), 0);
	assert_int_equal(n, MIME_MAX_ADDRESSES);
	assert_string_equal(a[999].name, "N 999");
	mime_address_list_free(a, n);

	/* References: the first (the thread's root) and the nearest ones */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "In-Reply-To: <irt@x> <second@x>\nReferences:");
	for (i = 0; i < 300; i++)
		strbuf_addf(&sb, " <r%zu@x>", i);
	strbuf_addstr(&sb, "\n\nbody\n");
	m = parse(sb.buf, 0);
	assert_string_equal(m->in_reply_to, "irt@x");
	assert_int_equal(m->nreferences, MIME_MAX_REFERENCES);
	assert_string_equal(m->references[0], "r0@x");
	assert_string_equal(m->references[1], "r201@x");
	assert_string_equal(m->references[MIME_MAX_REFERENCES - 1], "r299@x");
	mime_message_free(m);

	/* fewer are kept as they are */
	m = parse("References: <a@x> b@x <c@x>\n\nbody\n", 0);
	assert_int_equal(m->nreferences, 2);
	assert_string_equal(m->references[0], "a@x");
	assert_string_equal(m->references[1], "c@x");
	mime_message_free(m);

	/* parameters past MIME_MAX_PARAMS are not read: the charset is lost */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "Content-Type: text/plain; charset=koi8-r");
	for (i = 0; i < MIME_MAX_PARAMS + 10; i++)
		strbuf_addf(&sb, "; p%zu=v", i);
	strbuf_addstr(&sb, "\nContent-Disposition: inline");
	for (i = 0; i < MIME_MAX_PARAMS; i++)
		strbuf_addstr(&sb, "; p=v");
	strbuf_addstr(&sb, "; filename=late.txt\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n");
	m = parse(sb.buf, 0);
	assert_string_equal(m->text, "Привет"); /* the first parameters still count */
	assert_int_equal(m->nattachments, 0); /* the late filename does not */
	mime_message_free(m);

	/* a field is read up to MIME_MAX_FIELD bytes, folds taken out */
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "Subject: ");
	for (i = 0; i < MIME_MAX_FIELD / 64 + 10; i++)
		strbuf_addstr(&sb, "0123456789012345678901234567890123456789012345678901234567890123\n ");
	strbuf_addstr(&sb, "\nReferences: <first@x> ");
	while (sb.len < 3 * MIME_MAX_FIELD)
		strbuf_addstr(&sb, "<r@x> ");
	strbuf_addstr(&sb, "<last@x>\n\nbody\n");
	m = parse(sb.buf, 0);
	assert_int_equal(strlen(m->subject), MIME_MAX_FIELD - 1); /* less the space after "Subject:" */
	assert_memory_equal(m->subject, "0123456789012345678901234567890123456789012345678901234567890123 0123", 69);
	assert_int_equal(m->nreferences, MIME_MAX_REFERENCES);
	assert_string_equal(m->references[0], "first@x");
	assert_string_equal(m->references[MIME_MAX_REFERENCES - 1], "r@x");
	mime_message_free(m);
	strbuf_release(&sb);
}

/* ---- dates ---- */

static void expect_date(const char *s, long long want)
{
	time_t t = 1;
	if (mime_date_parse(&t, s))
		fail_msg("could not parse \"%s\"", s);
	if ((long long)t != want)
		fail_msg("\"%s\": got %lld, want %lld", s, (long long)t, want);
}

static void test_dates(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	time_t t;
	(void)state;
	expect_date("Thu, 16 Jun 2016 22:14:41 -0400", 1466129681);
	expect_date("16 Jun 2016 22:14:41 -0400", 1466129681);
	expect_date("Fri, 17 Jun 2016 02:14:41 +0000", 1466129681);
	expect_date("Fri, 17 Jun 2016 02:14:41 GMT", 1466129681);
	expect_date("Fri, 17 Jun 2016 02:14:41 UT", 1466129681);
	expect_date("Fri, 17 Jun 2016 02:14:41 Z", 1466129681);
	expect_date("Thu, 16 Jun 2016 22:14:41 EDT", 1466129681);
	expect_date("Thu, 16 Jun 2016 21:14:41 CDT", 1466129681);
	expect_date("Thu, 16 Jun 2016 21:14:41 EST", 1466129681);
	expect_date("Thu, 16 Jun 2016 20:14:41 CST", 1466129681);
	expect_date("Thu, 16 Jun 2016 20:14:41 MDT", 1466129681);
	expect_date("Thu, 16 Jun 2016 19:14:41 MST", 1466129681);
	expect_date("Thu, 16 Jun 2016 19:14:41 PDT", 1466129681);
	expect_date("Thu, 16 Jun 2016 18:14:41 PST", 1466129681);
	expect_date("Fri, 17 Jun 2016 07:44:41 +0530", 1466129681);
	expect_date("Fri, 17 Jun 16 02:14:41 +0000", 1466129681);     /* two-digit year */
	expect_date("Fri, 17 Jun 116 02:14:41 +0000", 1466129681);    /* three-digit year */
	expect_date("Sat, 1 Jan 99 00:00 +0000", 915148800);          /* no seconds */
	expect_date("  fri,17 jun 2016 02:14:41 +0000 (UTC)", 1466129681);
	expect_date("Tue, 23 Jun 2026 07:47:54 +0200 (CEST)", 1782193674);
	expect_date("Fri Jun 17 02:14:41 2016", 1466129681);          /* asctime */
	expect_date("2016-06-17 02:14:41 +0000", 1466129681);
	expect_date("2016-06-17T04:14:41+02:00", 1466129681);
	expect_date("17-Jun-2016 02:14:41 +0000", 1466129681);
	expect_date("Thu, 01 Jan 1970 00:00:00 +0000", 0);
	expect_date("Wed, 31 Dec 1969 23:59:59 +0000", -1);
	expect_date("Tue, 29 Feb 2000 12:00:00 +0000", 951825600);
	expect_date("1 January 2000", 946684800);
	assert_int_equal(mime_date_parse(&t, ""), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "garbage"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "Thu Jan 01 00:00:10 +0000"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "32 Jan 2000 00:00:00"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "1 Jan 2000 25:00:00"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "1 Jan 2000 10:00:00 +99999"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, "1 Jan 99999999999999 10:00"), DLG_EINVALID);
	assert_int_equal(mime_date_parse(&t, NULL), DLG_EINVALID);

	mime_date_format(&sb, 1466129681);
	assert_string_equal(sb.buf, "Fri, 17 Jun 2016 02:14:41 +0000");
	strbuf_reset(&sb);
	mime_date_format(&sb, 0);
	assert_string_equal(sb.buf, "Thu, 01 Jan 1970 00:00:00 +0000");
	strbuf_reset(&sb);
	mime_date_format(&sb, -1);
	assert_string_equal(sb.buf, "Wed, 31 Dec 1969 23:59:59 +0000");
	strbuf_reset(&sb);
	mime_date_format(&sb, 1795600800);
	assert_string_equal(sb.buf, "Wed, 25 Nov 2026 10:00:00 +0000");
	/* round trip */
	for (t = -100000000; t < 4000000000; t += 86399 * 37) {
		time_t back;
		strbuf_reset(&sb);
		mime_date_format(&sb, t);
		assert_int_equal(mime_date_parse(&back, sb.buf), 0);
		assert_int_equal((long long)back, (long long)t);
	}
	strbuf_release(&sb);
}

/* ---- addresses ---- */

static void test_addresses(void **state)
{
	struct mime_address *a;
	size_t n;
	(void)state;

	assert_int_equal(mime_address_list_parse(&a, &n,
		"\"Smith, John\" <John@Example.com>, Jane Roe <jane@x.org>,"
		" bob@Y.net (Bob Builder), plain@z.io, =?utf-8?q?J=C3=B6rg?= <j@x>,"
		" undisclosed-recipients:;, team: m1@t, \"M 2\" <m2@t>;, 'Quoted' <q@q>,"
		" <only@angle>, \"=?utf-8?b?0JbRkQ==?=\" <enc@q>,, \"a\\\"b\" <esc@x>"), 0);
	assert_int_equal(n, 11);
	assert_string_equal(a[0].name, "Smith, John");
	assert_string_equal(a[0].addr, "john@example.com");
	assert_string_equal(a[1].name, "Jane Roe");
	assert_string_equal(a[1].addr, "jane@x.org");
	assert_string_equal(a[2].name, "Bob Builder");
	assert_string_equal(a[2].addr, "bob@y.net");
	assert_string_equal(a[3].name, "");
	assert_string_equal(a[3].addr, "plain@z.io");
	assert_string_equal(a[4].name, "Jörg");
	assert_string_equal(a[5].addr, "m1@t");
	assert_string_equal(a[6].name, "M 2");
	assert_string_equal(a[6].addr, "m2@t");
	assert_string_equal(a[7].name, "Quoted");
	assert_string_equal(a[8].name, "");
	assert_string_equal(a[8].addr, "only@angle");
	assert_string_equal(a[9].name, "Жё");
	assert_string_equal(a[10].name, "a\"b");
	mime_address_list_free(a, n);

	assert_int_equal(mime_address_list_parse(&a, &n, ""), 0);
	assert_int_equal(n, 0);
	mime_address_list_free(a, n);

	assert_int_equal(mime_address_list_parse(&a, &n, "=?koi8-r?B?8NLJ18XU?= =?koi8-r?B?8NLJ18XU?= <A@B>"), 0);
	assert_int_equal(n, 1);
	assert_string_equal(a[0].name, "ПриветПривет");
	assert_string_equal(a[0].addr, "a@b");
	mime_address_list_free(a, n);

	/* broken input degrades, never crashes */
	assert_int_equal(mime_address_list_parse(&a, &n, "\"unterminated <x@y>, (open <z@w"), 0);
	mime_address_list_free(a, n);
	assert_int_equal(mime_address_list_parse(&a, &n, "Just A Name, <@route,@r2:real@host>, \xff@x"), 0);
	assert_int_equal(n, 3);
	assert_string_equal(a[0].name, "Just A Name");
	assert_string_equal(a[0].addr, "");
	assert_string_equal(a[1].addr, "real@host");
	assert_string_equal(a[2].addr, "\xef\xbf\xbd@x");
	mime_address_list_free(a, n);
	assert_int_equal(mime_address_list_parse(&a, &n, NULL), DLG_EINVALID);
}

/* ---- corpus ---- */

static void test_corpus_files(void **state)
{
	struct mime_message *m;
	size_t i;
	int found;
	(void)state;

	CORPUS(m, "broken/broken-cc", 0);
	assert_string_equal(m->from.addr, "alice@example.org");
	assert_int_equal(m->nto, 3); /* To, Cc and the second cc: */
	assert_string_equal(m->to[2].name, "Charles");
	assert_string_equal(m->text, "Note the Cc: and cc: headers.");
	mime_message_free(m);

	CORPUS(m, "html/embedded-image", 0);
	assert_string_equal(m->from.name, "malmoborg");
	assert_string_equal(m->subject, "Tack alla trafikanter och fotgängare!");
	assert_non_null(strstr(m->text, "Malmö 2016-07-09"));
	assert_null(strstr(m->text, "<table"));
	mime_message_free(m);

	CORPUS(m, "html/attribute-text", 0);
	assert_string_equal(m->text, "hunter2");
	mime_message_free(m);

	CORPUS(m, "attachment/x-gtar-compressed.eml", MIME_WANT_DATA);
	assert_string_equal(m->from.name, "Antoine Beaupré");
	assert_int_equal(m->nreferences, 3);
	assert_string_equal(m->in_reply_to, "87a7v42bv9.fsf@curie.anarc.at");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].name, "zendesk-email-loop2.tgz");
	assert_memory_equal(m->attachments[0].data, "\x1f\x8b", 2); /* gzip magic */
	assert_non_null(strstr(m->text, "PS: don't we have"));
	mime_message_free(m);

	CORPUS(m, "attachment/text-calendar.eml", 0);
	assert_false(m->has_date); /* "Thu Jan 01 00:00:10 +0000" has no year */
	assert_string_equal(m->text, "This meeting will could have been an email");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].type, "text/calendar");
	mime_message_free(m);

	CORPUS(m, "broken/empty-part", 0);
	found = 0;
	for (i = 0; i < m->nattachments; i++)
		if (!strcmp(m->attachments[i].type, "message/rfc822"))
			found = !strcmp(m->attachments[i].name, "message.eml");
	assert_true(found);
	assert_non_null(strstr(m->text, "Mlmmj"));
	mime_message_free(m);
}

static size_t walk_corpus(const char *dir, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t count = 0;

	if (depth > 10 || !(d = opendir(dir)))
		return 0;
	while ((e = readdir(d))) {
		struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		strbuf_addf(&path, "%s/%s", dir, e->d_name);
		if (!stat(path.buf, &st) && S_ISDIR(st.st_mode)) {
			count += walk_corpus(path.buf, depth + 1);
		} else if (!strbuf_read_file(&data, path.buf) && data.len) {
			struct mime_message *m = NULL;
			size_t i;
			assert_int_equal(mime_message_parse(&m, data.buf, data.len, MIME_WANT_DATA), 0);
			assert_true(valid_str(m->text) && valid_str(m->subject));
			assert_true(valid_str(m->from.name) && valid_str(m->from.addr));
			for (i = 0; i < m->nto; i++)
				assert_true(valid_str(m->to[i].name) && valid_str(m->to[i].addr));
			for (i = 0; i < m->nattachments; i++)
				assert_true(valid_str(m->attachments[i].name) && valid_str(m->attachments[i].type));
			for (i = 0; i < m->nreferences; i++)
				assert_true(valid_str(m->references[i]));
			mime_message_free(m);
			/* every prefix of a message is a (broken) message too */
			for (i = 1; i < data.len; i += data.len / 7 + 1) {
				assert_int_equal(mime_message_parse(&m, data.buf, i, 0), 0);
				assert_true(valid_str(m->text));
				mime_message_free(m);
			}
			count++;
		}
		strbuf_release(&path);
		strbuf_release(&data);
	}
	closedir(d);
	return count;
}

static void test_corpus_all(void **state)
{
	struct stat st;
	(void)state;
	if (stat(corpus_dir(), &st) || !S_ISDIR(st.st_mode)) {
		skip();
		return;
	}
	assert_true(walk_corpus(corpus_dir(), 0) > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_simple_message),
		cmocka_unit_test(test_missing_headers),
		cmocka_unit_test(test_8bit_and_nul),
		cmocka_unit_test(test_body_encodings),
		cmocka_unit_test(test_nested_multipart),
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_html_only),
		cmocka_unit_test(test_broken_multipart),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_big_messages),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_corpus_files),
		cmocka_unit_test(test_corpus_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
