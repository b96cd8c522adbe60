/*
 * The search query parser (lib/ops/search.c): user input.  A query is
 * refused with its position, or compiles to an FTS5 expression and an SQL
 * condition that SQLite takes as they are: run here against an FTS5 table
 * with dlg's tokenizer and the list index's columns.
 */
#include <string.h>

#include "fuzz.h"
#include "base/error.h"
#include "ops/search.h"
#include "store/search.h"

static sqlite3 *db;

static void open_db(void)
{
	if (db)
		return;
	FUZZ_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK && !search_register(db) &&
		   sqlite3_exec(db, search_schema, NULL, NULL, NULL) == SQLITE_OK &&
		   sqlite3_exec(db, "CREATE TABLE dialogs(id, closed, assignee, channel, waiting, last_at);"
			        "CREATE TABLE tags(tag, id);"
			        "INSERT INTO search(id, body, user) VALUES ('a', 'Заказ PO-2291 order', 'ivan');"
			        "INSERT INTO dialogs VALUES ('a', 0, NULL, 'email', 1, 5);",
			        NULL, NULL, NULL) == SQLITE_OK, "cannot set up: %s", sqlite3_errmsg(db));
}

static void runs(const char *sql, const char *bind, const char *query)
{
	sqlite3_stmt *st = NULL;
	int rc;
	FUZZ_CHECK(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "'%s' compiles to '%s': %s",
		   query, sql, sqlite3_errmsg(db));
	if (bind)
		sqlite3_bind_text(st, 1, bind, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	FUZZ_CHECK(rc == SQLITE_DONE, "'%s' (%s) fails: %s", query, bind ? bind : sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct search_query q = SEARCH_QUERY_INIT;
	open_db();
	if (search_query_compile(&q, s, 1795600000, NULL) < 0) {
		FUZZ_CHECK(!strncmp(dlg_error_last(), "query:", 6), "refused without a position: %s", dlg_error_last());
	} else {
		struct strbuf sql = STRBUF_INIT;
		FUZZ_CHECK(q.match.len || q.where.len, "'%s' compiles to nothing", s);
		if (q.match.len)
			runs("SELECT id FROM search WHERE search MATCH ?", q.match.buf, s);
		if (q.where.len) {
			strbuf_addf(&sql, "SELECT d.id FROM dialogs d WHERE %s", q.where.buf);
			runs(sql.buf, NULL, s);
		}
		strbuf_release(&sql);
	}
	search_query_clear(&q);
	free(s);
	return 0;
}
