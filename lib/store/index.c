#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/error.h"
#include "base/progress.h"
#include "base/time.h"
#include "git/treediff.h"
#include "store/id.h"
#include "store/index.h"
#include "store/search.h"
#include "store/view.h"

#define INDEX_FORMAT "dlg-index 7"

struct dlg_index {
	struct dlg_store *store;
	sqlite3 *db;
	char *path;
};

static const char schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE dialogs(id TEXT PRIMARY KEY, closed INT NOT NULL, assignee TEXT,"
	" channel TEXT NOT NULL, user TEXT NOT NULL, user_name TEXT NOT NULL, subject TEXT NOT NULL,"
	" created INT NOT NULL, last_at INT NOT NULL, waiting INT NOT NULL, preview TEXT NOT NULL,"
	" nmsgs INT NOT NULL, tags TEXT NOT NULL, waiting_since INT NOT NULL) WITHOUT ROWID;" /* a lookup by id is one b-tree */
	/* tag: case-folded (tag_fold()), as tags are compared */
	"CREATE TABLE tags(tag TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY(tag, id)) WITHOUT ROWID;"
	/* Covering: the listing is one walk of this index, no lookup per row. */
	"CREATE INDEX dialogs_by_time ON dialogs(last_at DESC, id, closed, assignee, channel, user,"
	" user_name, subject, created, waiting, preview, nmsgs, tags, waiting_since);"
	"CREATE INDEX dialogs_by_assignee ON dialogs(assignee);"
	"CREATE INDEX dialogs_by_user ON dialogs(user);"
	"CREATE INDEX dialogs_by_channel ON dialogs(channel);"
	"INSERT INTO meta VALUES ('format', '" INDEX_FORMAT "');";

static int sql_error(struct dlg_index *ix, const char *what)
{
	return dlg_error(DLG_ERROR, "index: %s: %s", what, ix->db ? sqlite3_errmsg(ix->db) : "cannot open");
}

static int exec(struct dlg_index *ix, const char *sql)
{
	return sqlite3_exec(ix->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sql_error(ix, "exec");
}

static void close_db(struct dlg_index *ix)
{
	sqlite3_close(ix->db);
	ix->db = NULL;
}

/* Opens the file; 1 when it holds an index of our format, 0 when it must be made anew. */
static int open_db(struct dlg_index *ix)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;
	if (sqlite3_open_v2(ix->path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(ix->db, 60000);
	if (search_register(ix->db) < 0)
		return -1;
	/* A cache: losing the last write to a power cut only costs a rebuild.
	   The page cache stays at 4 MB whatever the page size. */
	sqlite3_exec(ix->db, "PRAGMA synchronous=OFF; PRAGMA cache_size=-4096; PRAGMA temp_store=MEMORY", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key='format'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    !strcmp((const char *)sqlite3_column_text(st, 0), INDEX_FORMAT))
		ok = 1;
	sqlite3_finalize(st);
	return ok;
}

/* A fresh, empty index file: whatever was there (truncated, foreign) goes. */
static int recreate(struct dlg_index *ix)
{
	struct strbuf side = STRBUF_INIT;
	int err;
	close_db(ix);
	unlink(ix->path);
	strbuf_addf(&side, "%s-journal", ix->path);
	unlink(side.buf);
	strbuf_release(&side);
	if (sqlite3_open_v2(ix->path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return sql_error(ix, "create");
	sqlite3_busy_timeout(ix->db, 60000);
	if ((err = search_register(ix->db)) < 0)
		return err;
	/* Bigger pages: a full listing walks the whole time index, and reads it
	   in 16 KB instead of 4 KB pieces.  A rebuild inserts in id order into
	   the time index, so it gets a bigger page cache for the while. */
	sqlite3_exec(ix->db, "PRAGMA synchronous=OFF; PRAGMA page_size=16384; PRAGMA cache_size=-65536",
		     NULL, NULL, NULL);
	if ((err = exec(ix, schema)) < 0)
		return err;
	return exec(ix, search_schema);
}

int index_open(struct dlg_index **out, struct dlg_store *s)
{
	struct dlg_index *ix = xcalloc(1, sizeof(*ix));
	struct strbuf path = STRBUF_INIT;
	int ok;
	strbuf_addf(&path, "%s/index.sqlite", s->dlgdir);
	ix->store = s;
	ix->path = strbuf_detach(&path, NULL);
	ok = open_db(ix);
	trace_perf("index: open");
	if (ok <= 0) {
		/* Made anew under the writers' lock, looked at once more there: a
		   file that another dlg is still building is never deleted under it. */
		int err = store_lock(s);
		if (!err) {
			close_db(ix);
			if (open_db(ix) <= 0 && recreate(ix) < 0)
				err = sql_error(ix, "create");
			store_unlock(s);
		}
		if (err < 0) {
			index_free(ix);
			return err;
		}
	}
	*out = ix;
	return 0;
}

void index_free(struct dlg_index *ix)
{
	if (!ix)
		return;
	close_db(ix);
	free(ix->path);
	free(ix);
}

struct writer {
	sqlite3_stmt *ins, *del, *deltags, *instag;
	struct search_writer *search;
};

/* search_too: the dialog's text may have changed, so its row of the search
   table is written again (it is the costly part: every message decoded). */
static int put_dialog(struct dlg_index *ix, struct writer *w, const char *id, int search_too)
{
	sqlite3_stmt *ins = w->ins, *del = w->del, *deltags = w->deltags, *instag = w->instag;
	struct dialog_summary d;
	struct strbuf tags = STRBUF_INIT;
	int err = dialog_summary_load(&d, ix->store, id);

	sqlite3_reset(deltags);
	sqlite3_bind_text(deltags, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(deltags) != SQLITE_DONE)
		return sql_error(ix, "update");
	if (err == DLG_ENOTFOUND) { /* the dialog is gone */
		sqlite3_reset(del);
		sqlite3_bind_text(del, 1, id, -1, SQLITE_STATIC);
		if (sqlite3_step(del) != SQLITE_DONE)
			return sql_error(ix, "update");
		return search_put(w->search, ix->store, id, NULL);
	}
	if (err < 0)
		return err;
	for (size_t i = 0; i < d.tags.nr; i++) {
		char *folded = tag_fold(d.tags.items[i]);
		strbuf_addf(&tags, "%s%s", i ? "," : "", d.tags.items[i]);
		sqlite3_reset(instag);
		sqlite3_bind_text(instag, 1, folded, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(instag, 2, id, -1, SQLITE_STATIC);
		if (sqlite3_step(instag) != SQLITE_DONE)
			err = sql_error(ix, "update");
		free(folded);
	}
	sqlite3_reset(ins);
	sqlite3_bind_text(ins, 1, d.id, -1, SQLITE_STATIC);
	sqlite3_bind_int(ins, 2, d.closed);
	if (d.assignee)
		sqlite3_bind_text(ins, 3, d.assignee, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ins, 3);
	sqlite3_bind_text(ins, 4, d.info.channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, d.info.user, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, d.user_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 7, d.info.subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 8, (sqlite3_int64)d.info.created);
	sqlite3_bind_int64(ins, 9, (sqlite3_int64)d.last_at);
	sqlite3_bind_int(ins, 10, d.waiting);
	sqlite3_bind_text(ins, 11, d.preview, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 12, (sqlite3_int64)d.nmsgs);
	sqlite3_bind_text(ins, 13, tags.buf, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 14, (sqlite3_int64)d.waiting_since);
	if (!err && sqlite3_step(ins) != SQLITE_DONE)
		err = sql_error(ix, "update");
	if (!err && search_too)
		err = search_put(w->search, ix->store, id, &d);
	strbuf_release(&tags);
	dialog_summary_clear(&d);
	return err;
}

static int writer_open(struct writer *w, struct dlg_index *ix)
{
	memset(w, 0, sizeof(*w));
	if (sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO dialogs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &w->ins, NULL) ||
	    sqlite3_prepare_v2(ix->db, "DELETE FROM dialogs WHERE id=?", -1, &w->del, NULL) ||
	    sqlite3_prepare_v2(ix->db, "DELETE FROM tags WHERE id=?", -1, &w->deltags, NULL) ||
	    sqlite3_prepare_v2(ix->db, "INSERT OR IGNORE INTO tags VALUES (?,?)", -1, &w->instag, NULL))
		return sql_error(ix, "prepare");
	return search_writer_open(&w->search, ix->db);
}

static void writer_close(struct writer *w)
{
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->del);
	sqlite3_finalize(w->deltags);
	sqlite3_finalize(w->instag);
	search_writer_close(w->search);
}

static int set_commit(struct dlg_index *ix, const git_oid *tip)
{
	char hex[GIT_OID_HEXSZ + 1];
	sqlite3_stmt *st = NULL;
	int err = 0;
	git_oid_tostr(hex, sizeof(hex), tip);
	if (sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO meta VALUES ('commit', ?)", -1, &st, NULL) ||
	    (sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC), sqlite3_step(st) != SQLITE_DONE))
		err = sql_error(ix, "update");
	sqlite3_finalize(st);
	return err;
}

static int get_commit(git_oid *out, struct dlg_index *ix)
{
	sqlite3_stmt *st = NULL;
	int err = DLG_ENOTFOUND;
	if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key='commit'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW &&
	    !git_oid_fromstr(out, (const char *)sqlite3_column_text(st, 0)))
		err = 0;
	sqlite3_finalize(st);
	return err;
}

static int common_prefix(const char *a, const char *b)
{
	int n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

static int get_abbrev(struct dlg_index *ix)
{
	sqlite3_stmt *st = NULL;
	int n = 7;
	if (sqlite3_prepare_v2(ix->db, "SELECT value FROM meta WHERE key='abbrev'", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n < 7 ? 7 : n > DLG_ID_LEN ? DLG_ID_LEN : n;
}

static int set_abbrev(struct dlg_index *ix, int n)
{
	struct strbuf sql = STRBUF_INIT;
	int err;
	strbuf_addf(&sql, "INSERT OR REPLACE INTO meta VALUES ('abbrev', '%d')", n);
	err = exec(ix, sql.buf);
	strbuf_release(&sql);
	return err;
}

/* Like git's abbreviations: long enough that no two ids share it.  It only
   grows, which keeps every printed prefix unique. */
static int widen_abbrev(struct dlg_index *ix, const struct strlist *ids)
{
	static const char *near[] = { "SELECT id FROM dialogs WHERE id<?1 ORDER BY id DESC LIMIT 1",
				      "SELECT id FROM dialogs WHERE id>?1 ORDER BY id LIMIT 1" };
	int n = get_abbrev(ix), was = n;
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(ix->db, near[k], -1, &st, NULL) != SQLITE_OK)
			return sql_error(ix, "prepare");
		for (size_t i = 0; i < ids->nr; i++) {
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, ids->items[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				int c = common_prefix(ids->items[i], (const char *)sqlite3_column_text(st, 0)) + 1;
				if (c > n)
					n = c;
			}
		}
		sqlite3_finalize(st);
	}
	return n != was ? set_abbrev(ix, n) : 0;
}

int index_abbrev(struct dlg_index *ix)
{
	return get_abbrev(ix);
}

static int rebuild_locked(struct dlg_index *ix, const git_oid *tip)
{
	struct strlist ids = STRLIST_INIT;
	struct writer w;
	int err;
	if ((err = recreate(ix)) < 0)
		return err;
	dialog_ids_all(&ids, ix->store);
	if ((err = exec(ix, "BEGIN IMMEDIATE")) < 0)
		goto out;
	if ((err = writer_open(&w, ix)) == 0) {
		for (size_t i = 0; i < ids.nr && !err; i++) {
			err = put_dialog(ix, &w, ids.items[i], 1);
			dlg_progress("dialogs", i + 1, ids.nr);
		}
		writer_close(&w);
	}
	if (!err) {
		int n = 7;
		for (size_t i = 1; i < ids.nr; i++) {
			int c = common_prefix(ids.items[i - 1], ids.items[i]) + 1;
			if (c > n)
				n = c;
		}
		err = set_abbrev(ix, n);
	}
	if (!err)
		err = set_commit(ix, tip);
	err = err ? (exec(ix, "ROLLBACK"), err) : exec(ix, "COMMIT");
out:
	strlist_clear(&ids);
	return err;
}

int index_rebuild(struct dlg_index *ix)
{
	git_oid tip;
	int err;
	if ((err = store_git(ix->store)) < 0 || (err = store_lock(ix->store)) < 0)
		return err;
	if ((err = store_view_update(ix->store)) == 0 && (err = store_tip(&tip, ix->store)) == 0)
		err = rebuild_locked(ix, &tip);
	store_unlock(ix->store);
	return err;
}

/* dialogs/ab/cd/ID/... or users/ab/cd/ID/...: the id, else NULL. */
static const char *record_id(const char *path, const char *top, char out[17])
{
	size_t n = strlen(top);
	if (strncmp(path, top, n) || strlen(path) < n + 6 + DLG_ID_LEN)
		return NULL;
	memcpy(out, path + n + 6, DLG_ID_LEN);
	out[DLG_ID_LEN] = '\0';
	return is_full_id(out) ? out : NULL;
}

struct changed {
	struct strlist *dialogs, *users;
	struct strlist *texts;   /* dialogs whose searchable text may have changed */
};

/* A dialog's files that hold none of the text search finds: its state. */
static int is_state_file(const char *path)
{
	const char *name = strrchr(path, '/');
	return name && (!strcmp(name, "/log") || !strcmp(name, "/status") ||
			!strcmp(name, "/assignee") || !strcmp(name, "/tags"));
}

static int note_changed(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload)
{
	struct changed *c = payload;
	char id[17];
	/* A dialog's files change together; skip repeats of the last one seen. */
	if (record_id(path, "dialogs/", id)) {
		if (!c->dialogs->nr || strcmp(c->dialogs->items[c->dialogs->nr - 1], id))
			strlist_push(c->dialogs, id);
		if (!is_state_file(path) && (!c->texts->nr || strcmp(c->texts->items[c->texts->nr - 1], id)))
			strlist_push(c->texts, id);
	} else if (record_id(path, "users/", id)) {
		if (!c->users->nr || strcmp(c->users->items[c->users->nr - 1], id))
			strlist_push(c->users, id);
	}
	return 0;
}

static int changed_records(struct strlist *dialogs, struct strlist *users, struct strlist *texts,
			   struct dlg_store *s, const git_oid *from, const git_oid *to)
{
	git_commit *a = NULL, *b = NULL;
	git_tree *ta = NULL, *tb = NULL;
	struct changed c = { dialogs, users, texts };
	int err;
	if ((err = git_commit_lookup(&a, s->repo, from)) < 0 || (err = git_commit_tree(&ta, a)) < 0 ||
	    (err = git_commit_lookup(&b, s->repo, to)) < 0 || (err = git_commit_tree(&tb, b)) < 0 ||
	    (err = tree_diff(s->repo, ta, tb, note_changed, &c)) < 0)
		err = DLG_ENOTFOUND; /* e.g. history rewritten: start over */
	git_tree_free(ta);
	git_tree_free(tb);
	git_commit_free(a);
	git_commit_free(b);
	return err;
}

int index_update(struct dlg_index *ix, int *rebuilt)
{
	struct strlist dialogs = STRLIST_INIT, users = STRLIST_INIT, texts = STRLIST_INIT;
	git_oid built, tip;
	struct writer w;
	int err, locked = 0;

	if (rebuilt)
		*rebuilt = 0;
	if ((err = store_tip(&tip, ix->store)) < 0)
		return err;
	if (!get_commit(&built, ix) && git_oid_equal(&built, &tip))
		return 0;
	/* Under the writers' lock the view is the tip and stays so while we read it. */
	if ((err = store_git(ix->store)) < 0 || (err = store_lock(ix->store)) < 0)
		return err;
	locked = 1;
	if ((err = store_view_update(ix->store)) < 0 || (err = store_tip(&tip, ix->store)) < 0)
		goto out;
	if (get_commit(&built, ix) < 0 ||
	    changed_records(&dialogs, &users, &texts, ix->store, &built, &tip) < 0) {
		if (rebuilt)
			*rebuilt = 1;
		err = rebuild_locked(ix, &tip);
		goto out;
	}
	if (git_oid_equal(&built, &tip))
		goto out;
	if ((err = exec(ix, "BEGIN IMMEDIATE")) < 0)
		goto out;
	{
		/* A renamed user shows in every one of their dialogs. */
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(ix->db, "SELECT id FROM dialogs WHERE user=?", -1, &st, NULL) == SQLITE_OK) {
			for (size_t i = 0; i < users.nr; i++) {
				sqlite3_reset(st);
				sqlite3_bind_text(st, 1, users.items[i], -1, SQLITE_STATIC);
				while (sqlite3_step(st) == SQLITE_ROW) {
					/* the user's card and notes are in each dialog's search row */
					strlist_push(&dialogs, (const char *)sqlite3_column_text(st, 0));
					strlist_push(&texts, (const char *)sqlite3_column_text(st, 0));
				}
			}
		}
		sqlite3_finalize(st);
	}
	strlist_sort(&dialogs);
	strlist_sort(&texts);
	if ((err = writer_open(&w, ix)) == 0) {
		for (size_t i = 0; i < dialogs.nr && !err; i++)
			if (!i || strcmp(dialogs.items[i], dialogs.items[i - 1]))
				err = put_dialog(ix, &w, dialogs.items[i],
						 strlist_has_sorted(&texts, dialogs.items[i]));
		writer_close(&w);
	}
	if (!err)
		err = widen_abbrev(ix, &dialogs);
	if (!err)
		err = set_commit(ix, &tip);
	err = err ? (exec(ix, "ROLLBACK"), err) : exec(ix, "COMMIT");
	if (err < 0) {
		/* A damaged file: the index is only a cache, so build it again. */
		if (rebuilt)
			*rebuilt = 1;
		err = rebuild_locked(ix, &tip);
	}
out:
	if (locked)
		store_unlock(ix->store);
	strlist_clear(&dialogs);
	strlist_clear(&users);
	strlist_clear(&texts);
	return err;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

int index_search(struct dlg_index *ix, const struct dialog_filter *f, const struct index_search *q,
		 index_hit_fn fn, void *payload)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	int n = 0, rc, err = 0;

	strbuf_addstr(&sql, "SELECT d.id, closed, assignee, channel, d.user, user_name, d.subject, created,"
			    " last_at, waiting, preview, nmsgs, tags, waiting_since");
	if (q && q->match && !q->no_snippet)
		/* the column that matched best, from its first match on: where the words are */
		strbuf_addstr(&sql, ", snippet(search, -1, '', '', '\xe2\x80\xa6', 12)"
				    " FROM search s JOIN dialogs d ON d.id=s.id WHERE search MATCH ?");
	else if (q && q->match)
		strbuf_addstr(&sql, ", '' FROM search s JOIN dialogs d ON d.id=s.id WHERE search MATCH ?");
	else
		strbuf_addstr(&sql, ", '' FROM dialogs d WHERE 1");
	if (q && q->where)
		strbuf_addf(&sql, " AND (%s)", q->where);
	if (f->status != FILTER_ALL)
		strbuf_addf(&sql, " AND closed=%d", f->status == FILTER_CLOSED);
	if (f->assignee)
		strbuf_addstr(&sql, *f->assignee ? " AND assignee=?" : " AND assignee IS NULL");
	for (size_t i = 0; i < f->tags.nr; i++)
		strbuf_addstr(&sql, " AND d.id IN (SELECT id FROM tags WHERE tag=?)");
	for (size_t i = 0; i < f->not_tags.nr; i++)
		strbuf_addstr(&sql, " AND d.id NOT IN (SELECT id FROM tags WHERE tag=?)");
	if (f->channel)
		strbuf_addstr(&sql, " AND d.channel=?");
	if (f->user)
		strbuf_addstr(&sql, " AND d.user=?");
	if (f->since)
		strbuf_addstr(&sql, " AND last_at>=?");
	if (f->until)
		strbuf_addstr(&sql, " AND last_at<=?");
	if (f->waiting)
		strbuf_addstr(&sql, " AND waiting=1");
	/* oldest first is the same walk of dialogs_by_time, backwards */
	strbuf_addstr(&sql, f->sort == FILTER_OLDEST ? " ORDER BY last_at, d.id DESC" : " ORDER BY last_at DESC, d.id");
	if (sqlite3_prepare_v2(ix->db, sql.buf, -1, &st, NULL) != SQLITE_OK) {
		err = sql_error(ix, "query");
		goto out;
	}
	if (q && q->match)
		sqlite3_bind_text(st, ++n, q->match, -1, SQLITE_STATIC);
	if (f->assignee && *f->assignee)
		sqlite3_bind_text(st, ++n, f->assignee, -1, SQLITE_STATIC);
	for (size_t i = 0; i < f->tags.nr; i++)
		sqlite3_bind_text(st, ++n, f->tags.items[i], -1, SQLITE_STATIC);
	for (size_t i = 0; i < f->not_tags.nr; i++)
		sqlite3_bind_text(st, ++n, f->not_tags.items[i], -1, SQLITE_STATIC);
	if (f->channel)
		sqlite3_bind_text(st, ++n, f->channel, -1, SQLITE_STATIC);
	if (f->user)
		sqlite3_bind_text(st, ++n, f->user, -1, SQLITE_STATIC);
	if (f->since)
		sqlite3_bind_int64(st, ++n, (sqlite3_int64)f->since);
	if (f->until)
		sqlite3_bind_int64(st, ++n, (sqlite3_int64)f->until);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		/* The strings are the statement's, valid until the next step: a
		   listing of 100 000 rows makes no copies. */
		struct dialog_summary d;
		const char *tags = col_text(st, 12);
		memset(&d, 0, sizeof(d));
		snprintf(d.id, sizeof(d.id), "%s", col_text(st, 0));
		d.closed = sqlite3_column_int(st, 1);
		d.assignee = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : (char *)col_text(st, 2);
		d.info.channel = (char *)col_text(st, 3);
		d.info.user = (char *)col_text(st, 4);
		d.user_name = (char *)col_text(st, 5);
		d.info.subject = (char *)col_text(st, 6);
		d.info.created = (time_t)sqlite3_column_int64(st, 7);
		d.last_at = (time_t)sqlite3_column_int64(st, 8);
		d.waiting = sqlite3_column_int(st, 9);
		d.preview = (char *)col_text(st, 10);
		d.nmsgs = (size_t)sqlite3_column_int64(st, 11);
		d.waiting_since = (time_t)sqlite3_column_int64(st, 13);
		for (const char *p = tags; *p;) {
			size_t len = strcspn(p, ",");
			strlist_push_nodup(&d.tags, xstrndup(p, len));
			p += len + (p[len] == ',');
		}
		err = fn(&d, col_text(st, 14), payload);
		strlist_clear(&d.tags);
		if (err)
			break; /* what fn stopped with is returned */
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE && !err)
		err = sql_error(ix, "query");
out:
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return err;
}

struct row_only {
	index_row_fn fn;
	void *payload;
};

static int row_only(const struct dialog_summary *d, const char *snippet, void *payload)
{
	struct row_only *r = payload;
	return r->fn(d, r->payload);
}

int index_query(struct dlg_index *ix, const struct dialog_filter *f, index_row_fn fn, void *payload)
{
	struct row_only r = { fn, payload };
	return index_search(ix, f, NULL, row_only, &r);
}

int index_ids(struct dlg_index *ix, struct strlist *out)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(ix->db, "SELECT id FROM dialogs ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return sql_error(ix, "query");
	while (sqlite3_step(st) == SQLITE_ROW)
		strlist_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return err;
}

int index_tag_counts(struct dlg_index *ix, index_tag_fn fn, void *payload)
{
	sqlite3_stmt *st = NULL;
	int rc, err = 0;
	if (sqlite3_prepare_v2(ix->db, "SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag", -1, &st,
			       NULL) != SQLITE_OK)
		return sql_error(ix, "query");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = fn(col_text(st, 0), (size_t)sqlite3_column_int64(st, 1), payload)) != 0)
			break;
	if (!err && rc != SQLITE_DONE)
		err = sql_error(ix, "query");
	sqlite3_finalize(st);
	return err;
}
