/* Unit tests for the operations front ends call on users, the config,
   operators and channels (lib/ops/): driven directly on a store in a
   scratch dir and checked through the library.  Errors come back as codes
   with a message, and the library prints nothing: every call runs with
   stdout and stderr sent to a file that must stay empty. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "channel/channel.h"
#include "ops/channel.h"
#include "ops/config.h"
#include "ops/operator.h"
#include "ops/user.h"
#include "store/assign.h"
#include "store/config.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/store.h"
#include "store/summary.h"

#include "store-test.h"

static char scratch[] = "/tmp/dlg-unit-ops-XXXXXX";
static struct dlg_store *store;
static struct printed printed;

#define QUIET(call) (printed_begin(&printed), printed_end(&printed, call))

static int setup(void **state)
{
	memcpy(scratch + strlen(scratch) - 6, "XXXXXX", 6);
	store = scratch_store_new(scratch, "unit");
	printed_open(&printed, scratch);
	return 0;
}

static int teardown(void **state)
{
	if (printed.active) /* a test failed while captured: cmocka's report goes out */
		printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	printed_close(&printed);
	scratch_store_free(store, scratch);
	store = NULL;
	return 0;
}

/* The branch's commit: a refused change makes none. */
static git_oid tip(void)
{
	git_oid oid;
	assert_int_equal(store_tip(&oid, store), 0);
	return oid;
}

static void assert_same_tip(const git_oid *before)
{
	git_oid now = tip();
	assert_memory_equal(now.id, before->id, sizeof(now.id));
}

static void assert_error(int got, int want, const char *message_part)
{
	assert_int_equal(got, want);
	if (!strstr(dlg_error_last(), message_part))
		fail_msg("error '%s' does not say '%s'", dlg_error_last(), message_part);
}

/* Users made the way a website hands them over: dlg_user_import. */
static void import_users(void)
{
	struct strlist ids = STRLIST_INIT;
	assert_int_equal(QUIET(dlg_user_import(&ids, store,
		"{\"email\":\"ann@example.com\",\"name\":\"Ann\",\"props\":{\"plan\":\"free\"}}\n"
		"\n"
		"{\"telegram\":12345}\n"
		"{\"email\":\"ann@example.com\"}\n")), 0);
	assert_int_equal(ids.nr, 2); /* a user named twice is listed once */
	strlist_clear(&ids);
}

static void resolve(char uid[17], const char *arg)
{
	assert_int_equal(QUIET(dlg_user_resolve(uid, store, arg)), 0);
}

static void test_user_resolve(void **state)
{
	char ann[17], again[17], tg[17], prefix[6];
	import_users();
	resolve(ann, "ann@example.com");
	resolve(again, "EMAIL:Ann@Example.COM");
	assert_string_equal(ann, again);
	memcpy(prefix, ann, 5);
	prefix[5] = '\0';
	resolve(again, prefix);
	assert_string_equal(ann, again);
	resolve(tg, "telegram:12345");
	assert_string_not_equal(ann, tg);
	assert_error(QUIET(dlg_user_resolve(again, store, "nobody@example.com")), DLG_ENOTFOUND,
		     "no user 'nobody@example.com'");
	assert_error(QUIET(dlg_user_resolve(again, store, "0000")), DLG_ENOTFOUND, "no user '0000'");
}

static void test_user_set(void **state)
{
	const struct dlg_user_prop props[] = {
		{ "name", "Anna" }, { "plan", "pro" }, { "city", "Oslo" }, { "plan", "" },
	};
	const struct dlg_user_prop bad_key[] = { { "city", "Rome" }, { "a b", "c" } };
	const struct dlg_user_prop empty_name[] = { { "city", "Rome" }, { "name", "" } };
	struct user_state st;
	git_oid before;
	char ann[17];

	import_users();
	resolve(ann, "ann@example.com");
	assert_int_equal(QUIET(dlg_user_set(store, ann, props, 4)), 0);
	assert_int_equal(user_state_read(&st, store, ann), 0);
	assert_string_equal(st.name, "Anna");
	assert_string_equal(user_state_prop(&st, "city"), "Oslo");
	assert_null(user_state_prop(&st, "plan")); /* set, then removed */
	user_state_clear(&st);

	before = tip();
	assert_error(QUIET(dlg_user_set(store, "0123456789abcdef", props, 1)), DLG_ENOTFOUND,
		     "no user '0123456789abcdef'");
	assert_error(QUIET(dlg_user_set(store, "0123", props, 1)), DLG_EINVALID, "not a user id");
	assert_error(QUIET(dlg_user_set(store, ann, bad_key, 2)), DLG_EINVALID, "'a b' is not a property name");
	assert_error(QUIET(dlg_user_set(store, ann, empty_name, 2)), DLG_EINVALID, "a name cannot be empty");
	assert_same_tip(&before);
	assert_int_equal(user_state_read(&st, store, ann), 0);
	assert_string_equal(user_state_prop(&st, "city"), "Oslo");
	user_state_clear(&st);
	/* no card was started for the unknown id */
	assert_int_equal(user_state_read(&st, store, "0123456789abcdef"), DLG_ENOTFOUND);
	user_state_clear(&st);
}

static void test_user_note(void **state)
{
	struct strbuf dir = STRBUF_INIT;
	struct note *notes = NULL;
	size_t n = 0;
	char ann[17];

	import_users();
	resolve(ann, "ann@example.com");
	assert_int_equal(QUIET(dlg_user_note(store, ann, "prefers email")), 0);
	assert_error(QUIET(dlg_user_note(store, ann, " \n\t")), DLG_EINVALID, "empty note");
	assert_error(QUIET(dlg_user_note(store, "fedcba9876543210", "x")), DLG_ENOTFOUND, "no user");
	user_dir(&dir, ann);
	assert_int_equal(notes_load(&notes, &n, store, dir.buf), 0);
	assert_int_equal(n, 1);
	assert_string_equal(notes[0].text, "prefers email\n");
	assert_string_equal(notes[0].author, "unit");
	notes_free(notes, n);
	strbuf_release(&dir);
}

static void test_user_merge(void **state)
{
	struct user_state st;
	git_oid before;
	char ann[17], tg[17], found[17];

	import_users();
	resolve(ann, "ann@example.com");
	resolve(tg, "telegram:12345");
	before = tip();
	assert_error(QUIET(dlg_user_merge(store, ann, ann)), DLG_EINVALID, "into itself");
	assert_error(QUIET(dlg_user_merge(store, ann, "0123456789abcdef")), DLG_ENOTFOUND, "no user");
	assert_same_tip(&before);

	assert_int_equal(QUIET(dlg_user_merge(store, ann, tg)), 0);
	assert_int_equal(user_state_read(&st, store, tg), 0);
	assert_string_equal(st.merged_into, ann);
	user_state_clear(&st);
	assert_int_equal(user_state_read(&st, store, ann), 0);
	assert_string_equal(user_state_ident(&st, "telegram"), "12345");
	assert_string_equal(user_state_ident(&st, "email"), "ann@example.com");
	user_state_clear(&st);
	/* the handle names the user kept from now on */
	resolve(found, "telegram:12345");
	assert_string_equal(found, ann);
	assert_error(QUIET(dlg_user_merge(store, ann, tg)), DLG_EINVALID, "merged into");
}

static void test_user_import_all_or_nothing(void **state)
{
	struct strlist ids = STRLIST_INIT;
	struct user_state st;
	git_oid before;
	char ann[17];

	import_users();
	before = tip();
	assert_error(QUIET(dlg_user_import(&ids, store,
		"{\"email\":\"ann@example.com\",\"props\":{\"plan\":\"pro\"}}\n"
		"\n"
		"{\"email\":\"bob@example.com\",\"props\":{\"x\":[1]}}\n")),
		DLG_EINVALID, "line 3: property \"x\": objects and arrays do not fit on a card; nothing was imported");
	assert_error(QUIET(dlg_user_import(&ids, store,
		"{\"email\":\"bob@example.com\"}\n{\"id\":\"0123456789abcdef\"}\n")),
		DLG_ENOTFOUND, "line 2: ");
	assert_int_equal(ids.nr, 0);
	assert_same_tip(&before);
	resolve(ann, "ann@example.com");
	assert_int_equal(user_state_read(&st, store, ann), 0);
	assert_string_equal(user_state_prop(&st, "plan"), "free");
	user_state_clear(&st);
	assert_error(QUIET(dlg_user_resolve(ann, store, "bob@example.com")), DLG_ENOTFOUND, "no user");
}

static void test_config_set(void **state)
{
	struct config c = CONFIG_INIT;
	git_oid before;

	assert_int_equal(QUIET(dlg_config_set(store, "assign.mode", "round-robin")), 0);
	assert_int_equal(QUIET(dlg_config_set(store, "team.city", "Oslo")), 0);
	before = tip();
	assert_int_equal(QUIET(dlg_config_set(store, "assign.mode", "round-robin")), 0);
	assert_same_tip(&before); /* the same value: no commit */
	assert_error(QUIET(dlg_config_set(store, "channel.tg.token", "123:ABC")), DLG_EINVALID,
		     "looks like a secret");
	assert_error(QUIET(dlg_config_set(store, "channel.mail.smtp", "smtp://support:Pa55w0rd@127.0.0.1:25")),
		     DLG_EINVALID, "holds a password");
	assert_null(strstr(dlg_error_last(), "Pa55w0rd"));
	assert_error(QUIET(dlg_config_set(store, "assign.mode.chat", "sometimes")), DLG_EINVALID,
		     "off, round-robin or least-open");
	assert_error(QUIET(dlg_config_set(store, "team.note", "a\nb")), DLG_EINVALID, "one line");
	assert_error(QUIET(dlg_config_set(store, "NoDots", "x")), DLG_EINVALID, "is not a key");
	assert_same_tip(&before);

	assert_int_equal(QUIET(dlg_config_unset(store, "team.city")), 0);
	assert_error(QUIET(dlg_config_unset(store, "team.city")), DLG_ENOTFOUND, "'team.city' is not set");
	assert_int_equal(config_load(&c, store), 0);
	assert_string_equal(config_get(&c, "assign.mode"), "round-robin");
	assert_null(config_get(&c, "team.city"));
	assert_null(config_get(&c, "channel.tg.token"));
	assert_null(config_get(&c, "channel.mail.smtp"));
	assert_null(config_get(&c, "team.note"));
	config_clear(&c);
}

static const struct operator_info *find_operator(const struct operator_info *ops, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

static void test_operators(void **state)
{
	struct operator_info *ops = NULL;
	const struct operator_info *bob;
	size_t n = 0;
	git_oid before;

	assert_int_equal(QUIET(dlg_operator_add(store, "bob", "bob@example.com")), 0);
	assert_int_equal(QUIET(dlg_operator_add(store, "carol", NULL)), 0);
	assert_int_equal(QUIET(dlg_operator_away(store, "bob")), 0);
	before = tip();
	assert_int_equal(QUIET(dlg_operator_away(store, "bob")), 0);
	assert_int_equal(QUIET(dlg_operator_add(store, "bob", "bob@example.com")), 0);
	assert_same_tip(&before); /* nothing changed: no commit */
	assert_error(QUIET(dlg_operator_away(store, "ghost")), DLG_ENOTFOUND, "no operator 'ghost'");
	assert_error(QUIET(dlg_operator_add(store, "Bob", NULL)), DLG_EINVALID, "not an operator name");
	assert_error(QUIET(dlg_operator_add(store, "me", NULL)), DLG_EINVALID, "not an operator name");
	assert_error(QUIET(dlg_operator_add(store, "dan", "dan at example")), DLG_EINVALID,
		     "not an email address");
	assert_same_tip(&before);

	assert_int_equal(operators_load(&ops, &n, store), 0);
	assert_int_equal(n, 2);
	assert_non_null(bob = find_operator(ops, n, "bob"));
	assert_true(bob->away);
	assert_string_equal(bob->email, "bob@example.com");
	operators_free(ops, n);

	assert_int_equal(QUIET(dlg_operator_back(store, "bob")), 0);
	assert_int_equal(QUIET(dlg_operator_add(store, "bob", "robert@example.com")), 0);
	assert_int_equal(QUIET(dlg_operator_remove(store, "carol")), 0);
	assert_error(QUIET(dlg_operator_remove(store, "carol")), DLG_ENOTFOUND, "no operator 'carol'");
	assert_int_equal(operators_load(&ops, &n, store), 0);
	assert_int_equal(n, 1);
	assert_false(ops[0].away);
	assert_string_equal(ops[0].email, "robert@example.com");
	operators_free(ops, n);
}

static void test_channels(void **state)
{
	struct dlg_channel_spec tg = { .name = "shop-tg", .type = "telegram", .secret = "123:ABC", .secret_len = 7 };
	struct dlg_channel_spec chat = { .name = "site", .type = "chat", .secret = "x", .secret_len = 1 };
	struct dlg_channel_spec vk = { .name = "shop-vk", .type = "vk" };
	struct config c = CONFIG_INIT;
	struct channel ch;
	git_oid before;

	for (size_t i = 0; i < DLG_CHANNEL_NSETTINGS; i++) /* the count matches the table */
		assert_non_null(dlg_channel_settings[i].key);
	tg.values[8] = "10"; /* timeout */
	assert_string_equal(dlg_channel_settings[8].key, "timeout");
	assert_int_equal(QUIET(dlg_channel_add(store, &tg)), 0);
	before = tip();
	assert_error(QUIET(dlg_channel_add(store, &chat)), DLG_EINVALID, "chat channels have no secret");
	assert_error(QUIET(dlg_channel_add(store, &vk)), DLG_EINVALID, "a vk channel needs --group-id");
	vk.name = "shop-tg";
	vk.values[1] = "42"; /* group-id */
	assert_error(QUIET(dlg_channel_add(store, &vk)), DLG_EEXISTS, "exists and is of type telegram");
	assert_same_tip(&before);

	assert_int_equal(config_load(&c, store), 0);
	assert_string_equal(config_get(&c, "channel.shop-tg.timeout"), "10");
	assert_int_equal(channel_open(&ch, store, &c, "shop-tg"), 0);
	assert_true(ch.has_secret);
	channel_close(&ch);
	config_clear(&c);

	assert_int_equal(QUIET(dlg_channel_remove(store, "shop-tg")), 0);
	assert_error(QUIET(dlg_channel_remove(store, "shop-tg")), DLG_ENOTFOUND, "no channel 'shop-tg'");
	assert_int_equal(config_load(&c, store), 0);
	assert_null(config_get(&c, "channel.shop-tg.type"));
	config_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_note, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_channels, setup, teardown),
	};
	return cmocka_run_group_tests_name("ops: users, config, operators, channels", tests, NULL, NULL);
}
