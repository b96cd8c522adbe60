#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hex.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/message.h"
#include "store/search-token.h"
#include "store/search.h"

const char search_schema[] =
	"CREATE VIRTUAL TABLE search USING fts5(id UNINDEXED, subject, sender, recipient, body, note,"
	" file, user, tokenize='dlg');";

/* FTS5 wants its own tokenizer type; ours is the search_tokenizer. */
static int tok_create(void *unused, const char **args, int nargs, Fts5Tokenizer **out)
{
	*out = (Fts5Tokenizer *)search_tokenizer_new();
	return SQLITE_OK;
}

static void tok_delete(Fts5Tokenizer *t)
{
	search_tokenizer_free((struct search_tokenizer *)t);
}

struct fts5_sink {
	void *ctx;
	int (*token)(void *ctx, int tflags, const char *token, int ntoken, int start, int end);
};

static int to_fts5(void *payload, int flags, const char *token, size_t len, size_t start, size_t end)
{
	struct fts5_sink *sink = payload;
	return sink->token(sink->ctx, (flags & SEARCH_TOKEN_COLOCATED) ? FTS5_TOKEN_COLOCATED : 0, token,
			   (int)len, (int)start, (int)end);
}

static int tok_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int len,
			int (*token)(void *, int, const char *, int, int, int))
{
	struct fts5_sink sink = { ctx, token };
	int query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	return search_tokenize((struct search_tokenizer *)t, text, len > 0 ? (size_t)len : 0, query,
			       to_fts5, &sink);
}

int search_register(sqlite3 *db)
{
	static fts5_tokenizer tokenizer = { tok_create, tok_delete, tok_tokenize };
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_ERROR;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (api)
		rc = api->xCreateTokenizer(api, "dlg", NULL, &tokenizer, NULL);
	return rc == SQLITE_OK ? 0 : dlg_error(DLG_ERROR, "index: this SQLite has no FTS5 for the search index");
}

sqlite3_int64 search_rowid(const char *id)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < DLG_ID_LEN && id[i]; i++)
		v = v << 4 | (unsigned)hex_value((unsigned char)id[i]);
	return (sqlite3_int64)v; /* every 64-bit pattern is a rowid */
}

struct search_writer {
	sqlite3 *db;
	sqlite3_stmt *ins, *del;
};

int search_writer_open(struct search_writer **out, sqlite3 *db)
{
	struct search_writer *w = xcalloc(1, sizeof(*w));
	w->db = db;
	if (sqlite3_prepare_v2(db, "INSERT INTO search(rowid, " SEARCH_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?)",
			       -1, &w->ins, NULL) ||
	    sqlite3_prepare_v2(db, "DELETE FROM search WHERE rowid=?", -1, &w->del, NULL)) {
		int err = dlg_error(DLG_ERROR, "index: prepare: %s", sqlite3_errmsg(db));
		search_writer_close(w);
		return err;
	}
	*out = w;
	return 0;
}

void search_writer_close(struct search_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->del);
	free(w);
}

/* The text of one field: its values one a line, each once. */
struct field {
	struct strbuf text;
	struct strlist seen;
};

static void field_add(struct field *f, const char *value)
{
	if (!value || !*value || strlist_has(&f->seen, value))
		return;
	strlist_push(&f->seen, value);
	if (f->text.len)
		strbuf_addch(&f->text, '\n');
	strbuf_addstr(&f->text, value);
}

static void field_add_address(struct field *f, const struct mime_address *a)
{
	field_add(f, a->name);
	field_add(f, a->addr);
}

enum { F_SUBJECT, F_SENDER, F_RECIPIENT, F_BODY, F_NOTE, F_FILE, F_USER, NFIELDS };

static void add_notes(struct field *f, struct dlg_store *s, const char *dir)
{
	struct note *notes;
	size_t n;
	notes_load(&notes, &n, s, dir);
	for (size_t i = 0; i < n; i++)
		field_add(f, notes[i].text);
	notes_free(notes, n);
}

static void add_user(struct field *f, struct dlg_store *s, const char *uid)
{
	struct user_state st;
	struct strbuf dir = STRBUF_INIT;
	if (!is_full_id(uid))
		return;
	if (!user_state_read(&st, s, uid)) {
		field_add(f, st.name);
		for (size_t i = 0; i < st.idents.nr; i++) {
			const char *sp = strchr(st.idents.items[i], ' ');
			field_add(f, sp ? sp + 1 : st.idents.items[i]);
		}
		for (size_t i = 0; i < st.props.nr; i++) {
			char *kv = xstrdup(st.props.items[i]), *tab = strchr(kv, '\t');
			if (tab)
				*tab = ' ';
			field_add(f, kv);
			free(kv);
		}
	}
	user_state_clear(&st);
	user_dir(&dir, uid);
	add_notes(f, s, dir.buf);
	strbuf_release(&dir);
}

static void collect(struct field *fields, struct dlg_store *s, const char *id, const struct dialog_summary *d)
{
	struct stored_msg *msgs;
	struct strbuf dir = STRBUF_INIT;
	size_t n;

	field_add(&fields[F_SUBJECT], d->info.subject);
	dialog_messages_load(&msgs, &n, s, id, 0);
	for (size_t i = 0; i < n; i++) {
		const struct mime_message *m = msgs[i].mime;
		field_add(&fields[F_SUBJECT], m->subject);
		field_add_address(&fields[F_SENDER], &m->from);
		for (size_t k = 0; k < m->nto; k++)
			field_add_address(&fields[F_RECIPIENT], &m->to[k]);
		if (fields[F_BODY].text.len)
			strbuf_addstr(&fields[F_BODY].text, "\n\n");
		strbuf_addstr(&fields[F_BODY].text, m->text);
		for (size_t k = 0; k < m->nattachments; k++)
			field_add(&fields[F_FILE], m->attachments[k].name);
	}
	dialog_messages_free(msgs, n);
	dialog_dir(&dir, id);
	add_notes(&fields[F_NOTE], s, dir.buf);
	strbuf_release(&dir);
	add_user(&fields[F_USER], s, d->info.user);
}

int search_put(struct search_writer *w, struct dlg_store *s, const char *id, const struct dialog_summary *d)
{
	struct field fields[NFIELDS];
	sqlite3_int64 rowid = search_rowid(id);
	int err = 0;

	sqlite3_reset(w->del);
	sqlite3_bind_int64(w->del, 1, rowid);
	if (sqlite3_step(w->del) != SQLITE_DONE)
		return dlg_error(DLG_ERROR, "index: update: %s", sqlite3_errmsg(w->db));
	if (!d)
		return 0;
	for (int i = 0; i < NFIELDS; i++) {
		strbuf_init(&fields[i].text, 0);
		fields[i].seen = (struct strlist)STRLIST_INIT;
	}
	collect(fields, s, id, d);
	sqlite3_reset(w->ins);
	sqlite3_bind_int64(w->ins, 1, rowid);
	sqlite3_bind_text(w->ins, 2, id, -1, SQLITE_STATIC);
	for (int i = 0; i < NFIELDS; i++)
		sqlite3_bind_text(w->ins, 3 + i, fields[i].text.buf, (int)fields[i].text.len, SQLITE_STATIC);
	if (sqlite3_step(w->ins) != SQLITE_DONE)
		err = dlg_error(DLG_ERROR, "index: update: %s", sqlite3_errmsg(w->db));
	for (int i = 0; i < NFIELDS; i++) {
		strbuf_release(&fields[i].text);
		strlist_clear(&fields[i].seen);
	}
	return err;
}
