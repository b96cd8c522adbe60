/*
 * Unit tests for lib/ops/: the operations a front end calls, driven
 * directly on a scratch store and checked through the library (the view,
 * the branch's commits), as the chat gateway or the hub would use them.
 * None of them may print: each test runs its operations with stdout and
 * stderr sent to a file that must stay empty.
 */
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
#include <git2.h>

#include "base/error.h"
#include "channel/channel.h"
#include "ops/dialog.h"
#include "ops/import.h"
#include "ops/list.h"
#include "ops/note.h"
#include "ops/reply.h"
#include "ops/template.h"
#include "ops/trigger.h"
#include "store/config.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/store.h"
#include "store/summary.h"
#include "store/tx.h"
#include "store/view.h"

#include "store-test.h"

#define NOBODY "0123456789abcdef"   /* a full id no dialog or user has */

static char scratch[] = "/tmp/dlg-unit-ops-XXXXXX";
static struct printed printed;

/* A store of its own for each test. */
static int setup_store(void **state)
{
	setenv("DLG_EMAIL", "support@shop.example", 1);
	memcpy(scratch, "/tmp/dlg-unit-ops-XXXXXX", sizeof(scratch));
	*state = scratch_store_new(scratch, "alice");
	printed_open(&printed, scratch);
	return 0;
}

static int teardown_store(void **state)
{
	printed_close(&printed);
	scratch_store_free(*state, scratch);
	return 0;
}

static void mail(struct strbuf *out, const char *from, const char *msgid, const char *subject)
{
	strbuf_reset(out);
	strbuf_addf(out, "From: %s\nTo: support@shop.example\nSubject: %s\nMessage-ID: <%s>\n"
		    "Date: Sat, 21 Nov 2026 10:00:00 +0000\n\nHello, where is my parcel?\n",
		    from, subject, msgid);
}

/* A dialog started by one customer email; its full id goes to id. */
static void new_dialog(char id[17], struct dlg_store *s, const char *from, const char *msgid)
{
	struct dlg_import_result res = DLG_IMPORT_RESULT_INIT;
	struct strbuf raw = STRBUF_INIT;
	struct dlg_import_msg m;
	struct dlg_import_opts opts = { NULL, 0, &m, 1 };
	mail(&raw, from, msgid, "Parcel");
	m.source = "m.eml";
	m.data = raw.buf;
	m.len = raw.len;
	assert_int_equal(dlg_import(&res, s, &opts), 0);
	assert_int_equal(res.dialogs.nr, 1);
	assert_int_equal(res.created, 1);
	memcpy(id, res.dialogs.items[0], 17);
	dlg_import_result_clear(&res);
	strbuf_release(&raw);
}

/* The outbox entries ("DIALOG FILE") naming dialog id. */
static size_t outbox_count(struct dlg_store *s, const char *id)
{
	struct strlist keys = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, entry = STRBUF_INIT;
	size_t n = 0;
	view_list(&keys, s, "outbox");
	for (size_t i = 0; i < keys.nr; i++) {
		strbuf_reset(&path);
		strbuf_reset(&entry);
		layout_outbox_entry(&path, keys.items[i]);
		assert_int_equal(store_read(&entry, s, path.buf), 0);
		n += !strncmp(entry.buf, id, 16) && entry.buf[16] == ' ';
	}
	strlist_clear(&keys);
	strbuf_release(&path);
	strbuf_release(&entry);
	return n;
}

/* The message of the branch's newest commit. */
static char *last_commit_message(struct dlg_store *s)
{
	git_oid tip;
	git_commit *c = NULL;
	char *msg;
	assert_int_equal(store_tip(&tip, s), 0);
	assert_int_equal(git_commit_lookup(&c, s->repo, &tip), 0);
	msg = xstrdup(git_commit_message(c));
	git_commit_free(c);
	return msg;
}

static void assert_last_commit(struct dlg_store *s, const char *expected)
{
	char *msg = last_commit_message(s);
	assert_string_equal(msg, expected);
	free(msg);
}

static void test_first_reply_assigns_and_queues(void **state)
{
	struct dlg_store *s = *state;
	struct dlg_reply_result res = { -1, NULL, NULL };
	struct dlg_reply_opts opts = { 0 };
	struct dialog_summary d = { 0 };
	char id[17];

	new_dialog(id, s, "Ivan Petrov <ivan@example.ru>", "m1@example.ru");
	assert_int_equal(outbox_count(s, id), 0);
	opts.dialog = id;
	opts.text = "On its way!\n";
	printed_begin(&printed);
	assert_int_equal(dlg_reply(&res, s, &opts), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(res.assigned, 1);
	/* queued all the same, and the front end is told why it cannot go yet */
	assert_null(res.channel);
	assert_non_null(strstr(res.undeliverable, "no email channel is configured"));
	dlg_reply_result_clear(&res);
	assert_int_equal(outbox_count(s, id), 1);
	assert_int_equal(dialog_summary_load(&d, s, id), 0);
	assert_string_equal(d.assignee, "alice");
	assert_int_equal(d.nmsgs, 2);
	dialog_summary_clear(&d);

	/* the dialog is alice's now: a second answer only queues */
	printed_begin(&printed);
	assert_int_equal(dlg_reply(&res, s, &opts), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(res.assigned, 0);
	dlg_reply_result_clear(&res);
	assert_int_equal(outbox_count(s, id), 2);
	{
		struct strbuf expect = STRBUF_INIT;
		strbuf_addf(&expect, "reply %.7s: \"On its way!\"\n", id);
		assert_last_commit(s, expect.buf);
		strbuf_release(&expect);
	}
}

static void test_reply_with_a_file_only(void **state)
{
	static const char pdf[] = "%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
	struct dlg_store *s = *state;
	struct dlg_attachment a = DLG_ATTACHMENT_INIT, big = DLG_ATTACHMENT_INIT;
	struct dlg_reply_opts opts = { 0 };
	char *huge = xcalloc(DLG_ATTACH_MAX + 1, 1), id[17];

	new_dialog(id, s, "ivan@example.ru", "m1@example.ru");
	printed_begin(&printed);
	assert_int_equal(dlg_attachment_set(&big, "huge.bin", huge, DLG_ATTACH_MAX + 1), DLG_EINVALID);
	assert_non_null(strstr(dlg_error_last(), "huge.bin"));
	assert_int_equal(dlg_attachment_set(&a, "invoice.pdf", pdf, sizeof(pdf) - 1), 0);
	opts.dialog = id;
	opts.files = &a;
	opts.nfiles = 1;
	assert_int_equal(dlg_reply(NULL, s, &opts), 0);  /* no text: the file alone */
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_string_equal(a.name, "invoice.pdf");
	assert_string_equal(a.type, "application/pdf");
	assert_int_equal(outbox_count(s, id), 1);
	dlg_attachment_release(&a);
	dlg_attachment_release(&big);
	free(huge);
}

static void test_note_stays_out_of_the_outbox(void **state)
{
	struct dlg_store *s = *state;
	struct note *notes = NULL;
	struct strbuf dir = STRBUF_INIT, expect = STRBUF_INIT;
	size_t n = 0;
	char id[17];

	new_dialog(id, s, "ivan@example.ru", "m1@example.ru");
	printed_begin(&printed);
	assert_int_equal(dlg_note(s, id, "refund approved\n"), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(outbox_count(s, id), 0);
	dialog_dir(&dir, id);
	assert_int_equal(notes_load(&notes, &n, s, dir.buf), 0);
	assert_int_equal(n, 1);
	assert_string_equal(notes[0].author, "alice");
	assert_string_equal(notes[0].text, "refund approved\n");
	strbuf_addf(&expect, "note %.7s: \"refund approved\"\n", id);
	assert_last_commit(s, expect.buf);
	notes_free(notes, n);
	strbuf_release(&dir);
	strbuf_release(&expect);
}

/* Errors come back as codes with their reason, and change nothing. */
static void test_errors_are_codes(void **state)
{
	struct dlg_store *s = *state;
	struct dlg_reply_opts opts = { 0 };
	struct strlist ids = STRLIST_INIT, changes = STRLIST_INIT;
	struct dialog_summary d = { 0 };
	git_oid before, after;
	size_t changed = 99;
	char id[17];

	new_dialog(id, s, "ivan@example.ru", "m1@example.ru");
	assert_int_equal(store_tip(&before, s), 0);
	printed_begin(&printed);
	opts.dialog = NOBODY;
	opts.text = "hello\n";
	assert_int_equal(dlg_reply(NULL, s, &opts), DLG_ENOTFOUND);
	assert_string_equal(dlg_error_last(), "no dialog '" NOBODY "'");
	opts.dialog = id;
	opts.text = " \n\t\n";
	assert_int_equal(dlg_reply(NULL, s, &opts), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "empty reply; nothing was written");
	opts.dialog = "3f9a";
	opts.text = "hello\n";
	assert_int_equal(dlg_reply(NULL, s, &opts), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "'3f9a' is not a dialog id");
	assert_int_equal(dlg_note(s, NOBODY, "x\n"), DLG_ENOTFOUND);
	assert_int_equal(dlg_note(s, id, ""), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "empty note; nothing was written");

	/* one unknown id among known ones: none of them changes */
	strlist_push(&ids, id);
	strlist_push(&ids, NOBODY);
	assert_int_equal(dlg_close(&changed, s, &ids), DLG_ENOTFOUND);
	assert_int_equal(changed, 0);
	assert_int_equal(dlg_assign(NULL, s, &ids, "", 0), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "invalid operator name ''");
	strlist_push(&changes, "+two words");
	assert_int_equal(dlg_tag(NULL, s, &ids, &changes), DLG_EINVALID);
	assert_string_equal(dlg_error_last(), "invalid tag 'two words'");
	assert_int_equal(dlg_template_remove(s, "nothing"), DLG_ENOTFOUND);
	assert_int_equal(dlg_template_save(s, "Bad/Name", "x\n"), DLG_EINVALID);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);

	assert_int_equal(store_tip(&after, s), 0);
	assert_true(git_oid_equal(&before, &after));
	assert_int_equal(dialog_summary_load(&d, s, id), 0);
	assert_false(d.closed);
	assert_null(d.assignee);
	dialog_summary_clear(&d);
	strlist_clear(&ids);
	strlist_clear(&changes);
}

static void test_assign_close_tag(void **state)
{
	struct dlg_store *s = *state;
	struct strlist ids = STRLIST_INIT, changes = STRLIST_INIT;
	struct dialog_summary d = { 0 };
	struct strbuf expect = STRBUF_INIT;
	size_t changed = 0;
	char a[17], b[17];

	new_dialog(a, s, "ivan@example.ru", "m1@example.ru");
	new_dialog(b, s, "olga@example.ru", "m2@example.ru");
	strlist_push(&ids, a);
	printed_begin(&printed);
	assert_int_equal(dlg_assign(&changed, s, &ids, "bob", 0), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(changed, 1);
	strbuf_addf(&expect, "assign %.7s to bob\n", a);
	assert_last_commit(s, expect.buf);

	strlist_push(&ids, b);
	strlist_sort(&ids);
	printed_begin(&printed);
	assert_int_equal(dlg_close(&changed, s, &ids), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(changed, 2);
	strbuf_reset(&expect);
	strbuf_addf(&expect, "close 2 dialogs\n\n%.7s\n%.7s\n", ids.items[0], ids.items[1]);
	assert_last_commit(s, expect.buf);

	printed_begin(&printed);
	/* closed already: nothing changes, and no commit says it did */
	assert_int_equal(dlg_close(&changed, s, &ids), 0);
	assert_int_equal(changed, 0);
	assert_last_commit(s, expect.buf);
	strlist_push(&changes, "+vip");
	strlist_push(&changes, "+billing");
	assert_int_equal(dlg_tag(&changed, s, &ids, &changes), 0);
	assert_int_equal(changed, 2);
	assert_int_equal(dlg_reopen(&changed, s, &ids), 0);
	assert_int_equal(dlg_unassign(&changed, s, &ids), 0);
	assert_int_equal(changed, 1);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);

	assert_int_equal(dialog_summary_load(&d, s, a), 0);
	assert_false(d.closed);
	assert_null(d.assignee);
	assert_int_equal(d.tags.nr, 2);
	assert_string_equal(d.tags.items[0], "billing");
	assert_string_equal(d.tags.items[1], "vip");
	dialog_summary_clear(&d);
	strlist_clear(&ids);
	strlist_clear(&changes);
	strbuf_release(&expect);
}

static void test_templates(void **state)
{
	struct dlg_store *s = *state;
	struct strbuf out = STRBUF_INIT;
	char id[17];

	new_dialog(id, s, "Ivan Petrov <ivan@example.ru>", "m1@example.ru");
	printed_begin(&printed);
	assert_int_equal(dlg_template_save(s, "shipped", "Hello {{user.name}}, {{dialog.subject}}: {{operator}}\n"), 0);
	assert_int_equal(dlg_template_fill(&out, s, "shipped", id, NULL), 0);
	assert_string_equal(out.buf, "Hello Ivan Petrov, Parcel: alice\n");
	assert_int_equal(dlg_template_save(s, "card", "{{user.plan}}\n"), 0);
	strbuf_reset(&out);
	assert_int_equal(dlg_template_fill(&out, s, "card", id, NULL), DLG_EINVALID);
	assert_non_null(strstr(dlg_error_last(), "template card: {{user.plan}}"));
	assert_int_equal(dlg_template_read(&out, s, "gone"), DLG_ENOTFOUND);
	assert_int_equal(dlg_template_remove(s, "card"), 0);
	assert_int_equal(dlg_template_read(&out, s, "card"), DLG_ENOTFOUND);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_last_commit(s, "template rm card\n");
	strbuf_release(&out);
}

static int config_fn(struct dlg_tx *tx, void *payload)
{
	struct config c = CONFIG_INIT;
	int err;
	(void)payload;
	config_set(&c, "channel.site.type", "chat");
	config_set(&c, "channel.site.spool", scratch);
	err = config_store_tx(tx, &c);
	tx_message(tx, "unit: a chat channel\n");
	config_clear(&c);
	return err;
}

/* A chat channel, "site", in the store's configuration; opened into ch. */
static void chat_channel(struct channel *ch, struct config *c, struct dlg_store *s)
{
	assert_int_equal(store_change(s, config_fn, NULL, NULL), 0);
	assert_int_equal(config_load(c, s), 0);
	assert_int_equal(channel_open(ch, s, c, "site"), 0);
}

static void test_trigger_after_chat_import(void **state)
{
	static const char line[] = "{\"id\":\"1\",\"visitor\":{\"id\":\"v42\",\"name\":\"Anna\"},"
				   "\"text\":\"Hi\",\"date\":\"2026-11-20T10:00:00Z\"}";
	struct dlg_store *s = *state;
	struct dlg_import_msg msgs[] = {
		{ "spool:1", line, sizeof(line) - 1 },
		{ "spool:2", "{\"id\":", 6 },
	};
	struct dlg_import_opts import = { NULL, 1, msgs, 2 };
	struct dlg_import_result res = DLG_IMPORT_RESULT_INIT;
	struct dialog_summary d = { 0 };
	struct config c = CONFIG_INIT;
	struct channel ch;
	struct strlist ids = STRLIST_INIT;
	struct dlg_trigger_target t = { NULL, NULL, "New tea in stock\nCome and see.\n" };
	struct dlg_trigger_opts opts = { &ch, &t, 1, 0 };
	char *uid;

	chat_channel(&ch, &c, s);
	printed_begin(&printed);
	/* the broken line is skipped with its name; the other goes in */
	assert_int_equal(dlg_import(&res, s, &import), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(res.imported, 1);
	assert_int_equal(res.skipped.nr, 1);
	assert_true(!strncmp(res.skipped.items[0], "spool:2: ", 9));
	assert_int_equal(dialog_summary_load(&d, s, res.dialogs.items[0]), 0);
	uid = xstrdup(d.info.user);
	dialog_summary_clear(&d);

	t.user = NOBODY;
	printed_begin(&printed);
	assert_int_equal(dlg_trigger(&ids, s, &opts), DLG_ENOTFOUND);
	assert_int_equal(ids.nr, 0);
	t.user = uid;
	assert_int_equal(dlg_trigger(&ids, s, &opts), 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	assert_int_equal(ids.nr, 1);
	assert_string_not_equal(ids.items[0], res.dialogs.items[0]);
	assert_int_equal(dialog_summary_load(&d, s, ids.items[0]), 0);
	assert_string_equal(d.info.user, uid);
	assert_string_equal(d.info.channel, "chat");
	assert_string_equal(d.info.subject, "New tea in stock");
	assert_string_equal(d.assignee, "alice");
	assert_int_equal(outbox_count(s, ids.items[0]), 1);
	dialog_summary_clear(&d);
	{
		struct strbuf expect = STRBUF_INIT;
		strbuf_addf(&expect, "trigger %.7s via site\n", ids.items[0]);
		assert_last_commit(s, expect.buf);
		strbuf_release(&expect);
	}
	channel_close(&ch);
	config_clear(&c);
	dlg_import_result_clear(&res);
	strlist_clear(&ids);
	free(uid);
}

static int collect_id(const struct dialog_summary *d, void *payload)
{
	assert_non_null(d);
	strlist_push(payload, d->id);
	return 0;
}

/* The list a front end gets, from the index and from the files alike. */
static void test_list_index_and_view_agree(void **state)
{
	struct dlg_store *s = *state;
	struct dlg_list_result res = DLG_LIST_RESULT_INIT;
	struct dialog_filter f = DIALOG_FILTER_INIT;
	struct strlist from_index = STRLIST_INIT, from_view = STRLIST_INIT, ids = STRLIST_INIT;
	char a[17], b[17], c[17];

	new_dialog(a, s, "ivan@example.ru", "m1@example.ru");
	new_dialog(b, s, "olga@example.ru", "m2@example.ru");
	new_dialog(c, s, "anna@example.ru", "m3@example.ru");
	strlist_push(&ids, b);
	printed_begin(&printed);
	assert_int_equal(dlg_close(NULL, s, &ids), 0);
	assert_int_equal(dlg_list(&res, s, &f, 0, collect_id, &from_index), 0);
	assert_false(res.from_view);
	assert_int_equal(res.abbrev, 7);
	assert_int_equal(dlg_list(&res, s, &f, DLG_LIST_NO_INDEX, collect_id, &from_view), 0);
	assert_true(res.from_view);
	assert_int_equal(res.why.len, 0);
	printed_end(&printed, 0);
	assert_nothing_printed(&printed);
	/* open dialogs only, by default; the same ones in the same order */
	assert_int_equal(from_index.nr, 2);
	assert_int_equal(from_view.nr, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(from_index.items[i], from_view.items[i]);
		assert_string_not_equal(from_index.items[i], b);
	}
	strlist_clear(&from_index);
	strlist_clear(&from_view);
	strlist_clear(&ids);
	strbuf_release(&res.why);
	filter_clear(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_reply_assigns_and_queues, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_reply_with_a_file_only, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_note_stays_out_of_the_outbox, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_errors_are_codes, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_assign_close_tag, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_templates, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_trigger_after_chat_import, setup_store, teardown_store),
		cmocka_unit_test_setup_teardown(test_list_index_and_view_agree, setup_store, teardown_store),
	};
	int failed;
	if (gitlib_load() < 0)
		return 1;
	failed = cmocka_run_group_tests_name("ops", tests, NULL, NULL);
	dlg_error_clear();
	git_libgit2_shutdown();
	return failed ? 1 : 0;
}
