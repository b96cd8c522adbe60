/*
 * Unit tests for lib/store/template.c: saved replies' {{variables}} filled in,
 * and every way a template can be wrong is an error, never a blank.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "store/template.h"

/* A lookup with three variables: name, plan, and empty (known, no value). */
static int lookup(struct strbuf *value, const char *name, void *data)
{
	int *calls = data;
	(*calls)++;
	if (!strcmp(name, "user.name"))
		strbuf_addstr(value, "Иван");
	else if (!strcmp(name, "user.plan"))
		strbuf_addstr(value, "pro {{not a variable}}");
	else if (!strcmp(name, "user.email"))
		return dlg_error(DLG_EINVALID, "{{user.email}}: the user has no email address");
	else
		return DLG_ENOTFOUND;
	return 0;
}

static int expand(struct strbuf *out, const char *text)
{
	int calls = 0;
	strbuf_reset(out);
	return template_expand(out, text, lookup, &calls);
}

static void test_fills_variables(void **state)
{
	struct strbuf out = STRBUF_INIT;
	(void)state;
	assert_int_equal(expand(&out, "Hello {{user.name}}!"), 0);
	assert_string_equal(out.buf, "Hello Иван!");
	assert_int_equal(expand(&out, "{{ user.name }}, {{user.plan}}"), 0);
	/* a value is text: braces in it are not expanded again */
	assert_string_equal(out.buf, "Иван, pro {{not a variable}}");
	assert_int_equal(expand(&out, "{{user.name}}{{user.name}}"), 0);
	assert_string_equal(out.buf, "ИванИван");
	assert_int_equal(expand(&out, "no variables, {single} braces, }} alone"), 0);
	assert_string_equal(out.buf, "no variables, {single} braces, }} alone");
	assert_int_equal(expand(&out, ""), 0);
	assert_string_equal(out.buf, "");
	strbuf_release(&out);
}

static void test_errors(void **state)
{
	struct strbuf out = STRBUF_INIT;
	(void)state;
	assert_int_equal(expand(&out, "Dear {{user.nickname}},"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "unknown variable {{user.nickname}}");
	assert_int_equal(expand(&out, "Mail: {{user.email}}"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "{{user.email}}: the user has no email address");
	assert_int_equal(expand(&out, "Hi {{user.name"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "'{{' without '}}'");
	assert_int_equal(expand(&out, "{{}}"), DLG_EINVALID);
	assert_int_equal(expand(&out, "{{user name}}"), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "'{{user name}}' is not a variable");
	assert_int_equal(expand(&out, "{{ {{user.name}} }}"), DLG_EINVALID);
	strbuf_release(&out);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(template_name_valid("shipped"));
	assert_true(template_name_valid("refund-2.v1_final"));
	assert_false(template_name_valid(""));
	assert_false(template_name_valid(".hidden"));
	assert_false(template_name_valid("-x"));
	assert_false(template_name_valid("Shipped"));
	assert_false(template_name_valid("a/b"));
	assert_false(template_name_valid("../x"));
	assert_false(template_name_valid("with space"));
	assert_false(template_name_valid("0123456789012345678901234567890123456789012345678901234567890123456789"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fills_variables),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_names),
	};
	int failed = cmocka_run_group_tests_name("template", tests, NULL, NULL);
	dlg_error_clear();
	return failed;
}
