/*
 * Unit tests for lib/channel/formdata.c: multipart/form-data as browsers
 * and curl send it, and each way a hostile body can break it refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "channel/formdata.h"

#define CT "multipart/form-data; boundary=----WebKitFormBoundaryX3"
#define D "------WebKitFormBoundaryX3"

static int parse(struct formdata *fd, const char *ct, const char *body, size_t len)
{
	return formdata_parse(fd, ct, body, len);
}

static void test_fields_and_a_file(void **state)
{
	static const char body[] =
		D "\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
		"Где заказ?\r\nвторая строка\r\n"
		D "\r\ncontent-disposition: form-data; name=\"file\"; filename=\"чек.png\"\r\n"
		"Content-Type: image/png\r\n\r\n"
		"\x89PNG\r\n\x00--not-the-boundary\r\n"
		D "--\r\nepilogue";
	struct formdata fd = FORMDATA_INIT;
	const struct formdata_part *p;
	(void)state;
	assert_int_equal(parse(&fd, CT, body, sizeof(body) - 1), 0);
	assert_int_equal(fd.n, 2);
	p = formdata_get(&fd, "text");
	assert_non_null(p);
	assert_null(p->filename);
	assert_int_equal(p->len, strlen("Где заказ?\r\nвторая строка"));
	assert_memory_equal(p->data, "Где заказ?\r\nвторая строка", p->len);
	p = formdata_get(&fd, "file");
	assert_non_null(p);
	assert_string_equal(p->filename, "чек.png");
	assert_int_equal(p->len, 25);
	assert_memory_equal(p->data, "\x89PNG\r\n\x00--not-the-boundary", 25);
	assert_null(formdata_get(&fd, "page"));
	formdata_clear(&fd);
	assert_int_equal(fd.n, 0);
}

static void test_quoted_boundary_and_empty_part(void **state)
{
	static const char body[] = "--a b\r\nContent-Disposition: form-data; name=page\r\n\r\n\r\n--a b--";
	struct formdata fd = FORMDATA_INIT;
	(void)state;
	assert_true(formdata_is("Multipart/Form-Data; boundary=\"a b\""));
	assert_false(formdata_is("application/json"));
	assert_false(formdata_is(NULL));
	assert_int_equal(parse(&fd, "multipart/form-data; boundary=\"a b\"", body, sizeof(body) - 1), 0);
	assert_int_equal(fd.n, 1);
	assert_int_equal(formdata_get(&fd, "page")->len, 0);
	formdata_clear(&fd);
}

static void refused(const char *ct, const char *body, const char *why)
{
	struct formdata fd = FORMDATA_INIT;
	int err = parse(&fd, ct, body, strlen(body));
	if (err != DLG_EINVALID)
		fail_msg("accepted (%d): %s", err, body);
	if (!strstr(dlg_error_last(), why))
		fail_msg("'%s' does not say '%s'", dlg_error_last(), why);
	assert_int_equal(fd.n, 0);
}

#define PART(n) D "\r\nContent-Disposition: form-data; name=\"" n "\"\r\n\r\nx\r\n"

static void test_malformed(void **state)
{
	struct strbuf big = STRBUF_INIT;
	(void)state;
	refused("multipart/form-data", PART("text") D "--", "no boundary");
	refused("multipart/form-data; boundary=", PART("text") D "--", "no boundary");
	refused("multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890",
		"--x", "boundary");
	refused("multipart/mixed; boundary=----WebKitFormBoundaryX3", PART("text") D "--", "not multipart/form-data");
	refused(CT, PART("text"), "no closing delimiter");
	refused(CT, PART("text") D, "no closing delimiter");
	refused(CT, "", "no closing delimiter");
	refused(CT, "preamble\r\n" PART("text") D "--", "does not start");
	refused(CT, D "--", "no parts");
	refused(CT, D "\r\nContent-Disposition: attachment; name=\"text\"\r\n\r\nx\r\n" D "--", "disposition");
	refused(CT, D "\r\nContent-Disposition: form-data\r\n\r\nx\r\n" D "--", "no name");
	refused(CT, D "\r\nContent-Type: text/plain\r\n\r\nx\r\n" D "--", "no Content-Disposition");
	refused(CT, D "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nx\r\n" D "--",
		"two Content-Disposition");
	refused(CT, D "\r\nContent-Disposition: form-data;\r\n name=\"text\"\r\n\r\nx\r\n" D "--", "folded");
	refused(CT, D "\r\nContent-Disposition: form-data; name=\"text\"\nX: y\r\n\r\nx\r\n" D "--", "CRLF");
	refused(CT, D "\r\nContent-Disposition: form-data; name=\"text\"\r\n" D "--", "header");
	refused(CT, D "  \r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nx\r\n" D "--", "delimiter");
	refused(CT, D "\r\nContent-Disposition: form-data; name=\"\xff\"\r\n\r\nx\r\n" D "--", "UTF-8");
	refused(CT, D "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\xc0.png\"\r\n\r\nx\r\n" D "--", "UTF-8");
	refused(CT, D "\r\nNo colon here\r\n\r\nx\r\n" D "--", "header");
	/* header fields past the bound */
	strbuf_addstr(&big, D "\r\nContent-Disposition: form-data; name=\"text\"\r\n");
	for (int i = 0; i < 100; i++)
		strbuf_addstr(&big, "X-Padding: 0123456789012345678901234567890123456789\r\n");
	strbuf_addstr(&big, "\r\nx\r\n" D "--");
	refused(CT, big.buf, "header");
	/* too many parts */
	strbuf_reset(&big);
	for (int i = 0; i <= FORMDATA_PARTS_MAX; i++)
		strbuf_addstr(&big, PART("p"));
	strbuf_addstr(&big, D "--");
	refused(CT, big.buf, "parts");
	strbuf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_and_a_file),
		cmocka_unit_test(test_quoted_boundary_and_empty_part),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
