/*
 * Unit tests for the search: the tokenizer (lib/store/search-token.c), the
 * query parser (lib/ops/search.c), and the two together in a real FTS5
 * table in memory (lib/store/search.c's tokenizer registration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/error.h"
#include "ops/search.h"
#include "store/search-token.h"
#include "store/search.h"

static void tokens(const char *text, int query, const char *want)
{
	struct search_tokenizer *t = search_tokenizer_new();
	struct strbuf out = STRBUF_INIT;
	search_tokens_string(&out, t, text, query);
	if (strcmp(out.buf, want))
		fail_msg("tokens of '%s': '%s', want '%s'", text, out.buf, want);
	strbuf_release(&out);
	search_tokenizer_free(t);
}

static void test_tokens_fold_and_stem(void **state)
{
	(void)state;
	tokens("Заказ заказа ЗАКАЗОМ", 0, "заказ заказ заказ");
	tokens("ЁЛКА ёлка елка", 0, "елк елк елк");
	tokens("Orders ORDER ordered", 0, "order order order");
	tokens("Ivan's e-mail: ivan@example.ru!", 0, "ivan s e mail ivan exampl ru");
	tokens("Straße ÀÉÎ", 0, "straße àéî");
	tokens("  \t\n—!?… 🍵 ", 0, "");
}

static void test_tokens_ids_exact(void **state)
{
	(void)state;
	tokens("#10482", 0, "10482");
	tokens("PO-2291", 0, "po-2291 /po /2291");
	tokens("PO-2291", 1, "po-2291");
	tokens("104820 10482.", 0, "104820 10482");
	tokens("abc123", 0, "abc123 /abc /123");
	tokens("2026-11-24", 1, "2026-11-24");
	tokens("covid-19 vaccines", 0, "covid-19 /covid /19 vaccin");
}

static void test_tokens_hostile(void **state)
{
	char big[400];
	(void)state;
	tokens("\xff\xfe\xc3 ab\xe2\x82 cd", 0, "ab cd");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		struct search_tokenizer *t = search_tokenizer_new();
		struct strbuf out = STRBUF_INIT;
		search_tokens_string(&out, t, big, 0);
		assert_true(out.len <= 128);
		strbuf_release(&out);
		search_tokenizer_free(t);
	}
}

static void compiles(const char *query, const char *match, const char *where)
{
	struct search_query q = SEARCH_QUERY_INIT;
	int err = search_query_compile(&q, query, 1000000, NULL);
	if (err < 0)
		fail_msg("'%s' does not compile: %s", query, dlg_error_last());
	if (strcmp(q.match.buf, match))
		fail_msg("'%s' matches '%s', want '%s'", query, q.match.buf, match);
	if (strcmp(q.where.buf, where))
		fail_msg("'%s' where '%s', want '%s'", query, q.where.buf, where);
	search_query_clear(&q);
}

static void refused(const char *query, const char *message)
{
	struct search_query q = SEARCH_QUERY_INIT;
	assert_int_equal(search_query_compile(&q, query, 1000000, NULL), DLG_EINVALID);
	if (strcmp(dlg_error_last(), message))
		fail_msg("'%s' is refused with '%s', want '%s'", query, dlg_error_last(), message);
	search_query_clear(&q);
}

static void test_query_compiles(void **state)
{
	(void)state;
	compiles("заказ", "\"заказ\"", "");
	compiles("a b", "(\"a\") AND (\"b\")", "");
	compiles("\"late delivery\" OR from:ivan", "(\"late delivery\") OR (sender : \"ivan\")", "");
	compiles("order -refund", "\"order\" NOT (\"refund\")", "");
	compiles("NOT order", "", "d.id NOT IN (SELECT id FROM search WHERE search MATCH '\"order\"')");
	compiles("tag:vip status:waiting", "", "(d.id IN (SELECT id FROM tags WHERE tag='vip')) AND (d.waiting=1)");
	compiles("channel:o'brien", "", "d.channel='o''brien'");
	compiles("after:2d before:1970-01-10", "", "(d.last_at >= 827200) AND (d.last_at < 777600)");
	compiles("(a OR tag:x) b", "\"b\"",
		 "(d.id IN (SELECT id FROM search WHERE search MATCH '\"a\"')) OR (d.id IN (SELECT id FROM tags WHERE tag='x'))");
	compiles("https://shop.example/x", "\"https://shop.example/x\"", "");
	compiles("assignee:none", "", "d.assignee IS NULL");
}

static void test_query_refused(void **state)
{
	(void)state;
	refused("order \"late", "query:7: unmatched quote");
	refused("заказ (late", "query:7: unmatched parenthesis");
	refused("a)", "query:2: unmatched parenthesis");
	refused("form:ivan", "query:1: no field 'form'");
	refused("from:", "query:1: a word or a phrase must follow 'from'");
	refused("order OR", "query:9: a word is missing here");
	refused("OR order", "query:1: a word is missing here");
	refused("status:new", "query:8: status: takes open, closed or waiting, not 'new'");
	refused("after:soon", "query:7: cannot read the date (YYYY-MM-DD, or 3h, 7d, 2w ago) 'soon'");
	refused("!!!", "query:1: no letters or digits to search for in '!!!'");
	refused("assignee:me", "query:10: assignee:me, but who is me? (set $DLG_OPERATOR)");
	refused("", "query:1: a word is missing here");
	refused("it\"s", "query:3: unmatched quote");
}

static void test_query_depth(void **state)
{
	struct strbuf q = STRBUF_INIT;
	struct search_query out = SEARCH_QUERY_INIT;
	(void)state;
	for (int i = 0; i < 10000; i++)
		strbuf_addstr(&q, "(-");
	strbuf_addstr(&q, "x");
	assert_int_equal(search_query_compile(&out, q.buf, 0, NULL), DLG_EINVALID);
	search_query_clear(&out);
	strbuf_release(&q);
}

/* The parser's expressions in a real FTS5 table with the real tokenizer. */
static void test_fts5_end_to_end(void **state)
{
	static const char *docs[][2] = {
		{ "1", "Где мой заказ #10482? Оплатил заказом PO-2291." },
		{ "2", "My orders had a late delivery, invoice 104820." },
		{ "3", "The delivery was late. ЁЛКА, order PO-22910" },
	};
	static const char *cases[][2] = {
		{ "заказа", "1" }, { "order", "2 3" }, { "елка", "3" }, { "#10482", "1" },
		{ "PO-2291", "1" }, { "2291", "1" }, { "\"late delivery\"", "2" }, { "late -invoice", "3" },
		{ "заказ OR invoice", "1 2" }, { "104820", "2" },
	};
	sqlite3 *db;
	sqlite3_stmt *st;
	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(search_register(db), 0);
	assert_int_equal(sqlite3_exec(db, search_schema, NULL, NULL, NULL), SQLITE_OK);
	for (size_t i = 0; i < sizeof(docs) / sizeof(*docs); i++) {
		sqlite3_prepare_v2(db, "INSERT INTO search(id, body) VALUES (?, ?)", -1, &st, NULL);
		sqlite3_bind_text(st, 1, docs[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, docs[i][1], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		sqlite3_finalize(st);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct search_query q = SEARCH_QUERY_INIT;
		struct strbuf got = STRBUF_INIT;
		assert_int_equal(search_query_compile(&q, cases[i][0], 0, NULL), 0);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT id FROM search WHERE search MATCH ? ORDER BY id",
						    -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, q.match.buf, -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW)
			strbuf_addf(&got, "%s%s", got.len ? " " : "", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		if (strcmp(got.buf, cases[i][1]))
			fail_msg("'%s' (%s) finds '%s', want '%s'", cases[i][0], q.match.buf, got.buf, cases[i][1]);
		strbuf_release(&got);
		search_query_clear(&q);
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_fold_and_stem),
		cmocka_unit_test(test_tokens_ids_exact),
		cmocka_unit_test(test_tokens_hostile),
		cmocka_unit_test(test_query_compiles),
		cmocka_unit_test(test_query_refused),
		cmocka_unit_test(test_query_depth),
		cmocka_unit_test(test_fts5_end_to_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
