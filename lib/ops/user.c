#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hex.h"
#include "ops/text.h"
#include "ops/user.h"
#include "store/chanmsg.h"
#include "store/id.h"
#include "store/import.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/tx.h"
#include "store/users.h"
#include "store/view.h"

/* A user merged into another is that other one now. */
static void follow_merges(char id[17], struct dlg_store *s)
{
	for (int hops = 0; hops < 8; hops++) {
		struct user_state st;
		int moved = 0;
		if (!user_state_read(&st, s, id) && st.merged_into && strcmp(st.merged_into, id)) {
			memcpy(id, st.merged_into, DLG_ID_LEN + 1);
			moved = 1;
		}
		user_state_clear(&st);
		if (!moved)
			break;
	}
}

/* Users are named by the hash of their first identity, so an address or
   handle names one without a search.  DLG_ENOTFOUND, or user_id_for()'s
   failure to hash. */
static int find_by_identity(char out[17], struct dlg_store *s, const char *arg)
{
	const char *const *kinds = channel_types; /* identities are named by the channel types */
	struct strbuf lower = STRBUF_INIT, dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT;
	int found = 0, err = 0;

	for (const char *p = arg; *p; p++)
		strbuf_addch(&lower, *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	for (int i = 0; kinds[i] && !found && !err; i++) {
		const char *value = lower.buf;
		if (!strncmp(value, kinds[i], strlen(kinds[i])) && value[strlen(kinds[i])] == ':')
			value += strlen(kinds[i]) + 1;
		if ((err = user_id_for(out, kinds[i], value)) < 0)
			break;
		strbuf_reset(&dir);
		strbuf_reset(&path);
		user_dir(&dir, out);
		layout_record_file(&path, dir.buf, "log");
		found = !view_read(&data, s, path.buf);
	}
	strbuf_release(&lower);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	return found ? 0 : err < 0 ? err : DLG_ENOTFOUND;
}

int dlg_user_resolve(char out[17], struct dlg_store *s, const char *arg)
{
	int by_id = is_hex_prefix(arg) && strlen(arg) >= DLG_ID_MIN;
	int err = by_id ? store_resolve(out, s, "users", arg) : DLG_ENOTFOUND;
	int ident_err = err ? find_by_identity(out, s, arg) : 0;

	if (!err || !ident_err) {
		follow_merges(out, s);
		return 0;
	}
	if (ident_err != DLG_ENOTFOUND)
		return ident_err; /* an identity that could not be hashed */
	if (by_id)
		return err; /* store_resolve's reason: ambiguous, or no such user */
	return dlg_error(DLG_ENOTFOUND, "no user '%s'", arg);
}

static int user_id_check(const char *uid)
{
	return is_full_id(uid) ? 0 : dlg_error(DLG_EINVALID, "'%s' is not a user id", uid);
}

/* Inside a change, so a card is never started by an operation on it. */
static int user_known(struct dlg_tx *tx, const char *dir, const char *uid)
{
	struct strbuf path = STRBUF_INIT, log = STRBUF_INIT;
	int err;
	layout_record_file(&path, dir, "log");
	err = tx_read(&log, tx, path.buf);
	if (err == DLG_ENOTFOUND)
		err = dlg_error(DLG_ENOTFOUND, "no user '%s'", uid);
	strbuf_release(&path);
	strbuf_release(&log);
	return err;
}

struct user_set_job {
	const char *uid;
	const struct dlg_user_prop *props;
	size_t n;
};

static int user_set_fn(struct dlg_tx *tx, void *payload)
{
	struct user_set_job *job = payload;
	struct strbuf dir = STRBUF_INIT, msg = STRBUF_INIT;
	int err;
	user_dir(&dir, job->uid);
	err = user_known(tx, dir.buf, job->uid);
	strbuf_addf(&msg, "user %.7s:", job->uid);
	for (size_t i = 0; i < job->n && !err; i++) {
		const struct dlg_user_prop *p = &job->props[i];
		if (!strcmp(p->key, "name"))
			err = record_op(tx, dir.buf, "name", p->value, NULL, NULL);
		else if (*p->value)
			err = record_op(tx, dir.buf, "set", p->key, p->value, NULL);
		else
			err = record_op(tx, dir.buf, "unset", p->key, NULL, NULL);
		strbuf_addf(&msg, " %s%s", p->key, *p->value ? "=…" : "=");
	}
	tx_message(tx, "%s\n", msg.buf);
	strbuf_release(&dir);
	strbuf_release(&msg);
	return err;
}

int dlg_user_set(struct dlg_store *s, const char *uid, const struct dlg_user_prop *props, size_t n)
{
	struct user_set_job job = { uid, props, n };
	int err;
	if ((err = user_id_check(uid)) < 0)
		return err;
	for (size_t i = 0; i < n; i++) {
		if (!user_prop_key_valid(props[i].key, strlen(props[i].key)))
			return dlg_error(DLG_EINVALID, "'%s' is not a property name: letters, digits, '_', '-', '.'",
					 props[i].key);
		if (!strcmp(props[i].key, "name") && !*props[i].value)
			return dlg_error(DLG_EINVALID, "a name cannot be empty");
	}
	return store_change(s, user_set_fn, &job, NULL);
}

struct user_note_job {
	const char *uid;
	const char *text;
};

static int user_note_fn(struct dlg_tx *tx, void *payload)
{
	struct user_note_job *job = payload;
	struct strbuf dir = STRBUF_INIT;
	int err;
	user_dir(&dir, job->uid);
	if (!(err = user_known(tx, dir.buf, job->uid)))
		err = record_note(tx, dir.buf, job->text);
	tx_message(tx, "user %.7s: note\n", job->uid);
	strbuf_release(&dir);
	return err;
}

int dlg_user_note(struct dlg_store *s, const char *uid, const char *text)
{
	struct user_note_job job = { uid, text };
	int err;
	if ((err = user_id_check(uid)) < 0)
		return err;
	if ((err = dlg_text_check(text, "note")) < 0)
		return err;
	return store_change(s, user_note_fn, &job, NULL);
}

struct user_merge_job {
	const char *keep, *other;
};

static int user_merge_fn(struct dlg_tx *tx, void *payload)
{
	struct user_merge_job *job = payload;
	int err = users_merge(tx, job->keep, job->other);
	if (!err)
		tx_message(tx, "user merge %.7s into %.7s\n", job->other, job->keep);
	return err;
}

int dlg_user_merge(struct dlg_store *s, const char *keep, const char *other)
{
	struct user_merge_job job = { keep, other };
	int err;
	if ((err = user_id_check(keep)) < 0 || (err = user_id_check(other)) < 0)
		return err;
	return store_change(s, user_merge_fn, &job, NULL);
}

struct user_import_job {
	struct user_import *users;
	size_t n;
	struct strlist ids;
	size_t changed;
};

static int user_import_fn(struct dlg_tx *tx, void *payload)
{
	struct user_import_job *job = payload;
	int err = 0;
	strlist_clear(&job->ids);
	job->changed = 0;
	for (size_t i = 0; i < job->n && !err; i++) {
		char uid[17];
		int changed;
		if ((err = user_import_apply(uid, &changed, tx, &job->users[i])) < 0) {
			err = dlg_error(err, "line %zu: %s; nothing was imported", job->users[i].line,
					dlg_error_last());
			break;
		}
		job->changed += changed;
		if (!strlist_has(&job->ids, uid))
			strlist_push(&job->ids, uid);
	}
	if (!err && job->changed)
		tx_message(tx, "user import: %zu user%s\n", job->ids.nr, job->ids.nr == 1 ? "" : "s");
	return err;
}

/* Every non-blank line parsed before anything is applied: a bad one stops
   the import before the change starts. */
static int user_import_parse_lines(struct user_import_job *job, const char *lines)
{
	size_t alloc = 0, line = 0;
	int err;
	for (const char *p = lines; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (strspn(p, " \t\r") < n) {
			ALLOC_GROW(job->users, job->n + 1, alloc);
			if ((err = user_import_parse(&job->users[job->n], p, n)) < 0)
				return dlg_error(err, "line %zu: %s; nothing was imported", line, dlg_error_last());
			job->users[job->n++].line = line;
		}
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

int dlg_user_import(struct strlist *ids, struct dlg_store *s, const char *lines)
{
	struct user_import_job job = { NULL, 0, STRLIST_INIT, 0 };
	int err = user_import_parse_lines(&job, lines);
	if (!err && job.n)
		err = store_change(s, user_import_fn, &job, NULL);
	if (!err)
		for (size_t i = 0; i < job.ids.nr; i++)
			strlist_push(ids, job.ids.items[i]);
	for (size_t i = 0; i < job.n; i++)
		user_import_clear(&job.users[i]);
	free(job.users);
	strlist_clear(&job.ids);
	return err;
}
