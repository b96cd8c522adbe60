/* Unit tests for the store library: op logs, derived state, filters, the
   merge rule, id prefixes and moving the branch, on real git repositories
   in a scratch dir. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "base/error.h"
#include "store/filter.h"
#include "store/merge.h"
#include "store/oplog.h"
#include "store/record.h"
#include "store/store.h"
#include "store/oplog.h"
#include "store/tx.h"
#include "store/branch.h"

#include "store-test.h"

static void test_field_encoding(void **state)
{
	struct strbuf enc = STRBUF_INIT, dec = STRBUF_INIT;
	field_encode(&enc, "Alice Smith 100%\n");
	assert_string_equal(enc.buf, "Alice%20Smith%20100%25%0A");
	field_decode(&dec, enc.buf, enc.len);
	assert_string_equal(dec.buf, "Alice Smith 100%\n");
	strbuf_reset(&enc);
	strbuf_reset(&dec);
	field_encode(&enc, "");
	field_decode(&dec, enc.buf, enc.len);
	assert_string_equal(dec.buf, "");
	strbuf_release(&enc);
	strbuf_release(&dec);
}

static void test_oplog_sorted_union(void **state)
{
	const char *a = "1 2026-11-25T10:00:00Z alice create email\n"
			"2 2026-11-25T10:01:00Z alice tag +vip\n";
	const char *b = "1 2026-11-25T10:00:00Z alice create email\n"
			"2 2026-11-25T10:00:30Z bob close\n";
	struct strbuf ab = STRBUF_INIT, ba = STRBUF_INIT;
	oplog_union(&ab, a, strlen(a), b, strlen(b));
	oplog_union(&ba, b, strlen(b), a, strlen(a));
	assert_string_equal(ab.buf, ba.buf); /* symmetric */
	assert_string_equal(ab.buf, "1 2026-11-25T10:00:00Z alice create email\n"
				    "2 2026-11-25T10:00:30Z bob close\n"
				    "2 2026-11-25T10:01:00Z alice tag +vip\n");
	strbuf_release(&ab);
	strbuf_release(&ba);
}

static void test_oplog_keeps_unknown_lines(void **state)
{
	const char *text = "garbage line\n1 2026-11-25T10:00:00Z a create email\n";
	struct oplog log = OPLOG_INIT;
	struct strbuf out = STRBUF_INIT;
	oplog_parse(&log, text, strlen(text));
	oplog_add(&log, 0, "b c", "tag", "+x", NULL);
	assert_int_equal(log.max_lamport, 2);
	oplog_format(&out, &log);
	assert_non_null(strstr(out.buf, "garbage line\n"));
	assert_non_null(strstr(out.buf, "2 1970-01-01T00:00:00Z b%20c tag +x\n"));
	oplog_clear(&log);
	strbuf_release(&out);
}

static void test_dialog_replay_last_writer_wins(void **state)
{
	const char *text = "1 2026-11-25T10:00:00Z a create email\n"
			   "2 2026-11-25T10:00:00Z a assign alice\n"
			   "2 2026-11-25T10:05:00Z b assign bob\n"
			   "3 2026-11-25T10:06:00Z b tag +vip\n"
			   "3 2026-11-25T10:06:00Z b tag +x\n"
			   "4 2026-11-25T10:07:00Z a tag -x\n"
			   "4 2026-11-25T10:07:00Z a close\n";
	struct derived_file files[RECORD_MAX_DERIVED];
	size_t n = record_derive(files, "dialogs/aa/bb/aabb000000000000", text, strlen(text), -1);
	assert_int_equal(n, 3);
	assert_string_equal(files[0].content.buf, "closed\n");
	assert_string_equal(files[1].content.buf, "bob\n");
	assert_string_equal(files[2].content.buf, "vip\n");
	derived_files_release(files, n);
}

static int replay_closed(const char *text, long incoming)
{
	struct oplog log = OPLOG_INIT;
	struct dialog_state st;
	int closed;
	oplog_parse(&log, text, strlen(text));
	dialog_state_replay(&st, &log, incoming);
	closed = st.closed;
	dialog_state_clear(&st);
	oplog_clear(&log);
	return closed;
}

/* A close covers the customer messages it counted; one more reopens. */
static void test_dialog_close_counts_messages(void **state)
{
	const char *counted = "1 2026-11-25T10:00:00Z a create email\n"
			      "2 2026-11-25T10:01:00Z a close 1 0\n";
	const char *legacy = "1 2026-11-25T10:00:00Z a create email\n"
			     "2 2026-11-25T10:01:00Z a close\n";
	const char *hostile = "1 2026-11-25T10:00:00Z a create email\n"
			      "2 2026-11-25T10:01:00Z a close -1 x\n";
	assert_true(replay_closed(counted, 1));
	assert_false(replay_closed(counted, 2));
	assert_true(replay_closed(counted, -1));
	assert_true(replay_closed(legacy, 9));
	assert_true(replay_closed(hostile, 9));
	assert_true(dialog_log_counts_messages(counted, strlen(counted)));
	assert_false(dialog_log_counts_messages(legacy, strlen(legacy)));
}

/* An operation whose base clock is older than the value's setter did not
   see it; without a base, only an equal clock proves it. */
static void test_dialog_overrides(void **state)
{
	const char *text = "1 2026-11-25T10:00:00Z hub create email\n"
			   "2 2026-11-25T10:00:00Z alice assign alice 0\n"
			   "2 2026-11-25T10:05:00Z bob assign bob 0\n"
			   "3 2026-11-25T10:06:00Z bob assign carol 2\n"
			   "4 2026-11-25T10:07:00Z dan tag +x\n"
			   "4 2026-11-25T10:08:00Z dan close 0 0\n"
			   "5 2026-11-25T10:09:00Z eve reopen 4\n"
			   "5 2026-11-25T10:10:00Z old unassign\n"
			   "5 2026-11-25T10:11:00Z zed assign zed\n";
	struct oplog log = OPLOG_INIT;
	struct dialog_state st;
	oplog_parse(&log, text, strlen(text));
	dialog_state_replay(&st, &log, 0);
	assert_int_equal(st.noverridden, 2);
	assert_string_equal(log.ops[st.overridden[0].lost].actor, "alice");
	assert_string_equal(log.ops[st.overridden[0].by].actor, "bob");
	/* legacy operations: an unassign by "old" and an assign by "zed" at the same clock */
	assert_string_equal(log.ops[st.overridden[1].lost].actor, "old");
	assert_string_equal(log.ops[st.overridden[1].by].actor, "zed");
	assert_string_equal(st.assignee, "zed");
	assert_false(st.closed);
	dialog_state_clear(&st);
	oplog_clear(&log);
}

/* A log from another clone need not be sorted: replay follows the log
   order, not the file's. */
static void test_replay_ignores_file_order(void **state)
{
	const char *sorted = "1 2026-11-25T10:00:00Z a create email\n"
			     "2 2026-11-25T10:00:00Z a assign alice 0\n"
			     "3 2026-11-25T10:01:00Z b assign bob 2\n";
	const char *shuffled = "3 2026-11-25T10:01:00Z b assign bob 2\n"
			       "1 2026-11-25T10:00:00Z a create email\n"
			       "2 2026-11-25T10:00:00Z a assign alice 0\n";
	struct derived_file a[RECORD_MAX_DERIVED], b[RECORD_MAX_DERIVED];
	size_t na = record_derive(a, "dialogs/aa/bb/aabb000000000000", sorted, strlen(sorted), -1);
	size_t nb = record_derive(b, "dialogs/aa/bb/aabb000000000000", shuffled, strlen(shuffled), -1);
	assert_int_equal(na, nb);
	assert_string_equal(a[1].content.buf, "bob\n");
	assert_string_equal(b[1].content.buf, "bob\n");
	derived_files_release(a, na);
	derived_files_release(b, nb);
}

static void test_user_card(void **state)
{
	const char *text = "1 2026-11-25T10:00:00Z - ident email ivan@example.ru\n"
			   "2 2026-11-25T10:00:00Z - name Иван\n"
			   "3 2026-11-25T10:00:00Z a set plan pro\n"
			   "4 2026-11-25T10:00:00Z a set city Oslo%0Aname:%20x\n"
			   "5 2026-11-25T10:00:00Z a unset plan\n"
			   "6 2026-11-25T10:00:00Z - dialog 0123456789abcdef\n";
	struct derived_file files[RECORD_MAX_DERIVED];
	size_t n = record_derive(files, "users/aa/bb/aabb000000000000", text, strlen(text), -1);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].content.buf,
			    "name: Иван\nemail: ivan@example.ru\ndialogs: 1\n\ncity: Oslo name: x\n");
	derived_files_release(files, n);
}

static void test_filters(void **state)
{
	struct dialog_filter f = DIALOG_FILTER_INIT;
	struct dialog_summary d;
	memset(&d, 0, sizeof(d));
	d.info.channel = "email";
	d.info.user = "u1";
	d.assignee = "bob";
	d.last_at = 1000;
	strlist_push(&d.tags, "vip");
	assert_true(filter_match(&f, &d));
	d.closed = 1;
	assert_false(filter_match(&f, &d));
	assert_int_equal(filter_parse_status(&f, "all"), 0);
	assert_true(filter_match(&f, &d));
	assert_int_equal(filter_parse_status(&f, "maybe"), DLG_EINVALID);
	f.assignee = "";
	assert_false(filter_match(&f, &d));
	f.assignee = "bob";
	assert_true(filter_match(&f, &d));
	assert_int_equal(filter_add_tag(&f, "vip"), 0);
	assert_true(filter_match(&f, &d));
	assert_int_equal(filter_add_tag(&f, "-vip"), 0);
	assert_false(filter_match(&f, &d));
	assert_int_equal(filter_add_tag(&f, "a b"), DLG_EINVALID);
	filter_clear(&f);
	f = (struct dialog_filter)DIALOG_FILTER_INIT;
	f.status = FILTER_ALL;
	f.since = 1001;
	assert_false(filter_match(&f, &d));
	f.since = 0;
	f.until = 999;
	assert_false(filter_match(&f, &d));
	f.until = 0;
	f.channel = "chat";
	assert_false(filter_match(&f, &d));
	f.channel = NULL;
	f.waiting = 1;
	assert_false(filter_match(&f, &d));
	strlist_clear(&d.tags);
	filter_clear(&f);
}

/* A scratch store for the tests that need git. */
static char scratch[] = "/tmp/dlg-unit-XXXXXX";

static int setup_store(void **state)
{
	*state = scratch_store_new(scratch, "unit");
	return 0;
}

static int teardown_store(void **state)
{
	scratch_store_free(*state, scratch);
	return 0;
}

struct put { const char *path, *data; };

static int put_fn(struct dlg_tx *tx, void *payload)
{
	const struct put *p = payload;
	for (; p->path; p++) {
		int err = p->data ? tx_write(tx, p->path, p->data, strlen(p->data)) : tx_remove(tx, p->path);
		if (err)
			return err;
	}
	tx_message(tx, "unit\n");
	return 0;
}

static void test_resolve_prefixes(void **state)
{
	struct dlg_store *s = *state;
	struct put files[] = {
		{ "dialogs/ab/cd/abcd000000000001/info", "x\n" },
		{ "dialogs/ab/cd/abcd000000000002/info", "y\n" },
		{ "dialogs/ab/ce/abce000000000000/info", "z\n" },
		{ NULL, NULL },
	};
	char id[17];
	int committed = 0;
	assert_int_equal(store_change(s, put_fn, files, &committed), 0);
	assert_true(committed);
	assert_int_equal(store_resolve(id, s, "dialogs", "abce"), 0);
	assert_string_equal(id, "abce000000000000");
	assert_int_equal(store_resolve(id, s, "dialogs", "abcd00000000000"), DLG_EAMBIGUOUS);
	assert_int_equal(store_resolve(id, s, "dialogs", "abcd000000000002"), 0);
	assert_int_equal(store_resolve(id, s, "dialogs", "abc"), DLG_EINVALID);
	assert_int_equal(store_resolve(id, s, "dialogs", "abcg"), DLG_EINVALID);
	assert_int_equal(store_resolve(id, s, "dialogs", "ffff"), DLG_ENOTFOUND);
	assert_int_equal(store_resolve(id, s, "dialogs", "abcd0000000000022"), DLG_EINVALID);
	/* an unchanged tree makes no commit */
	assert_int_equal(store_change(s, put_fn, files, &committed), 0);
	assert_false(committed);
}

static git_tree *tree_of(struct dlg_store *s, struct put *files)
{
	git_treebuilder *tb = NULL;
	git_oid oid;
	git_tree *t = NULL;
	git_index *idx = NULL;
	/* An in-memory index is the simplest way to build nested trees in a test. */
	assert_int_equal(git_index_new(&idx), 0);
	for (; files->path; files++) {
		git_index_entry e;
		memset(&e, 0, sizeof(e));
		e.mode = GIT_FILEMODE_BLOB;
		e.path = files->path;
		assert_int_equal(git_blob_create_from_buffer(&e.id, s->repo, files->data, strlen(files->data)), 0);
		assert_int_equal(git_index_add(idx, &e), 0);
	}
	assert_int_equal(git_index_write_tree_to(&oid, idx, s->repo), 0);
	assert_int_equal(git_tree_lookup(&t, s->repo, &oid), 0);
	git_index_free(idx);
	git_treebuilder_free(tb);
	return t;
}

static char *read_path(struct dlg_store *s, const git_oid *tree_oid, const char *path)
{
	git_tree *t = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	char *out = NULL;
	assert_int_equal(git_tree_lookup(&t, s->repo, tree_oid), 0);
	if (!git_tree_entry_bypath(&e, t, path)) {
		assert_int_equal(git_blob_lookup(&b, s->repo, git_tree_entry_id(e)), 0);
		out = xstrndup(git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	}
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(t);
	return out;
}

#define D "dialogs/aa/bb/aabb000000000000/"

static void test_merge_rule(void **state)
{
	struct dlg_store *s = *state;
	struct put base[] = {
		{ D "log", "1 2026-11-25T10:00:00Z a create email\n" },
		{ D "status", "open\n" },
		{ D "info", "channel: email\n" },
		{ D "cur/1.k1:2,", "X-Dlg-Delivery: queued\n\nhi\n" },
		{ "gone", "deleted on one side, changed on the other\n" },
		{ NULL, NULL } };
	struct put ours[] = {
		{ D "log", "1 2026-11-25T10:00:00Z a create email\n2 2026-11-25T10:01:00Z a close\n" },
		{ D "status", "closed\n" },
		{ D "info", "channel: email\n" },
		{ D "cur/1.k1:2,", "X-Dlg-Delivery: sent\n\nhi\n" },
		{ D "notes/n1", "Author: a\n\nmine\n" },
		{ NULL, NULL } };
	struct put theirs[] = {
		{ D "log", "1 2026-11-25T10:00:00Z a create email\n2 2026-11-25T10:02:00Z b tag +vip\n" },
		{ D "status", "open\n" },
		{ D "tags", "vip\n" },
		{ D "info", "channel: email\n" },
		{ D "cur/1.k1:2,", "X-Dlg-Delivery: failed\n\nhi\n" },
		{ D "notes/n2", "Author: b\n\ntheirs\n" },
		{ "gone", "changed\n" },
		{ NULL, NULL } };
	git_tree *b = tree_of(s, base), *o = tree_of(s, ours), *t = tree_of(s, theirs);
	git_oid m1, m2;
	char *v;

	assert_int_equal(merge_trees(&m1, s, b, o, t), 0);
	assert_int_equal(merge_trees(&m2, s, b, t, o), 0);
	assert_true(git_oid_equal(&m1, &m2)); /* symmetric */

	v = read_path(s, &m1, D "log");
	assert_string_equal(v, "1 2026-11-25T10:00:00Z a create email\n"
			       "2 2026-11-25T10:01:00Z a close\n"
			       "2 2026-11-25T10:02:00Z b tag +vip\n");
	free(v);
	v = read_path(s, &m1, D "status");
	assert_string_equal(v, "closed\n");
	free(v);
	v = read_path(s, &m1, D "tags");
	assert_string_equal(v, "vip\n");
	free(v);
	v = read_path(s, &m1, D "cur/1.k1:2,");
	assert_string_equal(v, "X-Dlg-Delivery: sent\n\nhi\n");
	free(v);
	v = read_path(s, &m1, D "notes/n1");
	assert_non_null(v);
	free(v);
	v = read_path(s, &m1, D "notes/n2");
	assert_non_null(v);
	free(v);
	v = read_path(s, &m1, "gone");
	assert_string_equal(v, "changed\n");
	free(v);
	git_tree_free(b);
	git_tree_free(o);
	git_tree_free(t);
}

static void write_git_file(struct dlg_store *s, const char *rel, const char *text)
{
	struct strbuf path = STRBUF_INIT;
	FILE *fp;
	strbuf_addf(&path, "%s/%s", s->gitdir, rel);
	assert_non_null(fp = fopen(path.buf, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	strbuf_release(&path);
}

static int git_file_exists(struct dlg_store *s, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	int found;
	strbuf_addf(&path, "%s/%s", s->gitdir, rel);
	found = !access(path.buf, F_OK);
	strbuf_release(&path);
	return found;
}

/* The branch as git keeps it, loose or packed, moved only from where the
   change began, and never a lock left behind. */
static void test_branch_read_and_move(void **state)
{
	struct dlg_store *s = *state;
	struct strbuf loose = STRBUF_INIT;
	git_oid tip, next, got;
	git_tree *tree = NULL;
	char hex[GIT_OID_HEXSZ + 1], packed[200];

	assert_int_equal(store_tip(&tip, s), 0);
	assert_int_equal(branch_read(&got, s->gitdir), 0);
	assert_true(git_oid_equal(&got, &tip));
	assert_int_equal(store_tip_tree(&tree, s), 0);
	assert_int_equal(store_commit_object(&next, s, s->repo, git_tree_id(tree), &tip, 1, "next\n"), 0);
	git_tree_free(tree);

	/* only in packed-refs, as after git pack-refs --all */
	git_oid_tostr(hex, sizeof(hex), &tip);
	snprintf(packed, sizeof(packed), "# pack-refs with: peeled fully-peeled sorted \n"
		 "%s refs/heads/mainline\n%s refs/heads/main\n", hex, hex);
	write_git_file(s, "packed-refs", packed);
	strbuf_addf(&loose, "%s/refs/heads/main", s->gitdir);
	assert_int_equal(unlink(loose.buf), 0);
	assert_int_equal(branch_read(&got, s->gitdir), 0);
	assert_true(git_oid_equal(&got, &tip));

	/* not where the change began, or not expected to exist: no move */
	assert_int_equal(store_branch_cas(s, &tip, &next), DLG_EMODIFIED);
	assert_int_equal(store_branch_cas(s, &next, NULL), DLG_EMODIFIED);
	assert_false(git_file_exists(s, "refs/heads/main.lock"));
	assert_int_equal(branch_read(&got, s->gitdir), 0);
	assert_true(git_oid_equal(&got, &tip));

	/* moved: a loose ref that libgit2 and git read too */
	assert_int_equal(store_branch_cas(s, &next, &tip), 0);
	assert_false(git_file_exists(s, "refs/heads/main.lock"));
	assert_int_equal(branch_read(&got, s->gitdir), 0);
	assert_true(git_oid_equal(&got, &next));
	assert_int_equal(git_reference_name_to_id(&got, s->repo, "refs/heads/main"), 0);
	assert_true(git_oid_equal(&got, &next));

	/* a symbolic or damaged ref is never taken for a commit id */
	write_git_file(s, "refs/heads/main", "ref: refs/heads/other\n");
	assert_int_equal(branch_read(&got, s->gitdir), DLG_ERROR);
	assert_int_equal(store_branch_cas(s, &tip, &next), DLG_ERROR);
	assert_false(git_file_exists(s, "refs/heads/main.lock"));
	write_git_file(s, "refs/heads/main", "0123\n");
	assert_int_equal(branch_read(&got, s->gitdir), DLG_ERROR);

	/* no branch at all */
	assert_int_equal(unlink(loose.buf), 0);
	write_git_file(s, "packed-refs", "");
	assert_int_equal(branch_read(&got, s->gitdir), DLG_ENOTFOUND);
	assert_int_equal(store_branch_cas(s, &next, NULL), 0);
	assert_int_equal(store_tip(&got, s), 0);
	assert_true(git_oid_equal(&got, &next));
	strbuf_release(&loose);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_field_encoding),
		cmocka_unit_test(test_oplog_sorted_union),
		cmocka_unit_test(test_oplog_keeps_unknown_lines),
		cmocka_unit_test(test_dialog_replay_last_writer_wins),
		cmocka_unit_test(test_dialog_close_counts_messages),
		cmocka_unit_test(test_dialog_overrides),
		cmocka_unit_test(test_replay_ignores_file_order),
		cmocka_unit_test(test_user_card),
		cmocka_unit_test(test_filters),
	};
	const struct CMUnitTest with_store[] = {
		cmocka_unit_test(test_resolve_prefixes),
		cmocka_unit_test(test_merge_rule),
		cmocka_unit_test(test_branch_read_and_move),
	};
	int failed;
	if (gitlib_load() < 0)
		return 1;
	failed = cmocka_run_group_tests_name("store: pure", pure, NULL, NULL);
	failed += cmocka_run_group_tests_name("store: git", with_store, setup_store, teardown_store);
	dlg_error_clear();
	git_libgit2_shutdown();
	return failed ? 1 : 0;
}
