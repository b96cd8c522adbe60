/*
 * Unit tests for lib/base/redact.c: what reaches an error message, X-Dlg-Error
 * or a commit message holds no password, token or loaded secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/redact.h"
#include "base/strbuf.h"

typedef void redact_fn(struct strbuf *out, const char *in, size_t len);

static void check_with(redact_fn *fn, const char *in, const char *want)
{
	struct strbuf out = STRBUF_INIT;
	fn(&out, in, strlen(in));
	assert_string_equal(out.buf, want);
	strbuf_release(&out);
}

static void check_text(const char *in, const char *want)
{
	check_with(text_redact, in, want);
}

static void test_urls(void **state)
{
	(void)state;
	check_text("smtp://support:Pa55@127.0.0.1:25: Couldn't connect",
		   "smtp://127.0.0.1:25: Couldn't connect");
	check_text("smtp://support@127.0.0.1:9: no", "smtp://127.0.0.1:9: no");
	check_text("'imaps://a@b:c@host/INBOX' is not", "'imaps://host/INBOX' is not");
	check_text("https://api.telegram.org/bot123:AAE-x/getUpdates: Timeout",
		   "https://api.telegram.org/bot\xe2\x80\xa6/getUpdates: Timeout");
	check_text("https://api.telegram.org/file/bot123:AAE-x/photos/1.jpg",
		   "https://api.telegram.org/file/bot\xe2\x80\xa6/photos/1.jpg");
	check_text("GET https://graph.example/v19/me?fields=id&access_token=EAAB&limit=5 failed",
		   "GET https://graph.example/v19/me?fields=id&access_token=\xe2\x80\xa6&limit=5 failed");
	check_text("https://x.example/?key=1;sig=2#access_token=3",
		   "https://x.example/?key=\xe2\x80\xa6;sig=\xe2\x80\xa6#\xe2\x80\xa6");
	check_text("no url: botany and keys", "no url: botany and keys");
	check_text("://odd and 3://odd", "://odd and 3://odd");
	check_text("a robot/bot12:x path", "a robot/bot12:x path"); /* only inside a URL */
	check_text("http://h/robot12:x/monkey=1?token_type=bearer&monkey=2",
		   "http://h/robot12:x/monkey=1?token_type=\xe2\x80\xa6&monkey=2");
}

static void test_brief(void **state)
{
	(void)state;
	check_with(url_redact_brief, "https://u:p@api.example/botANYTHING/getMe?offset=5#x",
		   "https://api.example/\xe2\x80\xa6/getMe");
	check_with(url_redact_brief, "http://h:8/only", "http://h:8/only");
	check_with(url_redact_brief, "http://h?access_token=x", "http://h");
}

static void test_secret_kind(void **state)
{
	(void)state;
	assert_string_equal(url_secret_kind("smtp://support:Pa55@host:587"), "a password");
	assert_string_equal(url_secret_kind("imaps://support:@host/INBOX"), "a password");
	assert_string_equal(url_secret_kind("https://api.telegram.org/bot123:x/"), "a token");
	assert_string_equal(url_secret_kind("https://graph.example/?access_token=x"), "a token");
	assert_string_equal(url_secret_kind("see https://h/?api-key=x"), "a token");
	assert_null(url_secret_kind("smtp://support@host:587"));
	assert_null(url_secret_kind("https://api.telegram.org"));
	assert_null(url_secret_kind("/srv/chat-spool"));
	assert_null(url_secret_kind("user:password@host")); /* no URL: not ours to judge */
}

static void test_name_looks_secret(void **state)
{
	static const char *const secret[] = { "channel.mail.password", "x.pass", "x.passwd",
		"channel.mail.smtp-password", "channel.x.api-key", "channel.x.api_key", "x.apikey",
		"channel.vk.access_token", "x.auth", "x.credential", "x.key", "x.SECRET", "token", NULL };
	static const char *const innocent[] = { "channel.site.monkey", "x.keyboard", "x.passage",
		"x.tokenizer", "x.author", "assign.mode", "channel.mail.smtp", "x.keyring", NULL };
	(void)state;
	for (int i = 0; secret[i]; i++)
		assert_true(name_looks_secret(secret[i], strlen(secret[i])));
	for (int i = 0; innocent[i]; i++)
		assert_false(name_looks_secret(innocent[i], strlen(innocent[i])));
}

static void test_loaded_secrets(void **state)
{
	char secret[] = "hunter2-token";
	(void)state;
	redact_secret_add(secret);
	check_text("login failed for hunter2-token (hunter2-token)", "login failed for \xe2\x80\xa6 (\xe2\x80\xa6)");
	redact_secret_remove(secret);
	check_text("hunter2-token", "hunter2-token");
	redact_secret_add("ab"); /* too short to hide */
	check_text("abc", "abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_brief),
		cmocka_unit_test(test_secret_kind),
		cmocka_unit_test(test_name_looks_secret),
		cmocka_unit_test(test_loaded_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
