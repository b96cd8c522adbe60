#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "store/chanmsg.h"
#include "store/id.h"
#include "store/import.h"
#include "store/oplog.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"
#include "store/users.h"


void user_import_clear(struct user_import *u)
{
	free(u->id);
	free(u->kind);
	free(u->value);
	free(u->name);
	strlist_clear(&u->keys);
	strlist_clear(&u->values);
	memset(u, 0, sizeof(*u));
}

int user_prop_key_valid(const char *key, size_t len)
{
	if (!len || len > 64)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!((key[i] >= 'a' && key[i] <= 'z') || (key[i] >= 'A' && key[i] <= 'Z') ||
		      (key[i] >= '0' && key[i] <= '9') || key[i] == '_' || key[i] == '-' || key[i] == '.'))
			return 0;
	return 1;
}

/* A JSON value as one line of card text: strings as they are, numbers and booleans as JSON. */
static int prop_text(struct strbuf *out, json_t *v)
{
	if (json_is_string(v)) {
		for (const char *p = json_string_value(v); *p; p++)
			strbuf_addch(out, *p == '\n' || *p == '\r' ? ' ' : *p);
	} else if (json_is_integer(v) || json_is_real(v) || json_is_boolean(v)) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);
		strbuf_addstr(out, s ? s : "");
		free(s);
	} else if (!json_is_null(v)) {
		return 0;
	}
	return 1;
}

int user_import_parse(struct user_import *u, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr), *props, *v;
	const char *key;
	int err = 0, named = 0;

	memset(u, 0, sizeof(*u));
	if (!root)
		return dlg_error(DLG_EINVALID, "not JSON: %s", jerr.text);
	if (!json_is_object(root)) {
		err = dlg_error(DLG_EINVALID, "not a JSON object");
		goto out;
	}
	if ((v = json_object_get(root, "id"))) {
		if (!json_is_string(v) || !is_full_id(json_string_value(v))) {
			err = dlg_error(DLG_EINVALID, "\"id\" is not a user id of 16 hex digits");
			goto out;
		}
		u->id = xstrdup(json_string_value(v));
		named++;
	}
	/* identities are named by the channel types */
	for (int i = 0; channel_types[i]; i++) {
		if (!(v = json_object_get(root, channel_types[i])))
			continue;
		if (!json_is_string(v) && !json_is_integer(v)) {
			err = dlg_error(DLG_EINVALID, "\"%s\" is not a string", channel_types[i]);
			goto out;
		}
		if (!named++) {
			struct strbuf val = STRBUF_INIT;
			prop_text(&val, v);
			/* addresses are lowercased, as the channels record them */
			if (!strcmp(channel_types[i], "email"))
				for (char *p = val.buf; *p; p++)
					*p = *p >= 'A' && *p <= 'Z' ? *p + 32 : *p;
			u->kind = xstrdup(channel_types[i]);
			u->value = strbuf_detach(&val, NULL);
		}
	}
	if (!named) {
		err = dlg_error(DLG_EINVALID, "no \"id\", \"email\", \"telegram\", \"vk\", \"facebook\" or \"chat\"");
		goto out;
	}
	if (named > 1) {
		err = dlg_error(DLG_EINVALID, "more than one of \"id\", \"email\", \"telegram\"...: which user is it?");
		goto out;
	}
	if (u->value && !*u->value) {
		err = dlg_error(DLG_EINVALID, "\"%s\" is empty", u->kind);
		goto out;
	}
	if ((v = json_object_get(root, "name"))) {
		if (!json_is_string(v) || !*json_string_value(v)) {
			err = dlg_error(DLG_EINVALID, "\"name\" is not a non-empty string");
			goto out;
		}
		u->name = xstrdup(json_string_value(v));
	}
	props = json_object_get(root, "props");
	if (props && !json_is_object(props)) {
		err = dlg_error(DLG_EINVALID, "\"props\" is not an object");
		goto out;
	}
	json_object_foreach(props, key, v) {
		struct strbuf text = STRBUF_INIT;
		if (!strcmp(key, "name") || !user_prop_key_valid(key, strlen(key))) {
			err = dlg_error(DLG_EINVALID, "\"%s\" is not a property name", key);
			break;
		}
		if (!prop_text(&text, v)) {
			strbuf_release(&text);
			err = dlg_error(DLG_EINVALID, "property \"%s\": objects and arrays do not fit on a card", key);
			break;
		}
		strlist_push(&u->keys, key);
		strlist_push_nodup(&u->values, strbuf_detach(&text, NULL));
	}
out:
	json_decref(root);
	if (err)
		user_import_clear(u);
	return err;
}

int user_import_apply(char out[17], int *changed, struct dlg_tx *tx, const struct user_import *u)
{
	struct strbuf dir = STRBUF_INIT;
	int err = 0, c = 0;
	*changed = 0;
	if (u->id) {
		struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
		user_dir(&path, u->id);
		strbuf_addstr(&path, "/log");
		err = tx_read(&data, tx, path.buf);
		strbuf_release(&path);
		strbuf_release(&data);
		if (err == DLG_ENOTFOUND)
			return dlg_error(DLG_ENOTFOUND, "no user %s", u->id);
		if (err < 0 || (err = user_resolve(out, tx, u->id)) < 0)
			return err;
	} else {
		char first[17];
		if ((err = user_id_for(first, u->kind, u->value)) < 0 ||
		    (err = user_resolve(out, tx, first)) < 0)
			return err;
	}
	user_dir(&dir, out);
	if (u->kind && (err = record_op(tx, dir.buf, "ident", u->kind, u->value, &c)) == 0)
		*changed |= c;
	if (!err && u->name && (err = record_op(tx, dir.buf, "name", u->name, NULL, &c)) == 0)
		*changed |= c;
	for (size_t i = 0; !err && i < u->keys.nr; i++) {
		const char *v = u->values.items[i];
		err = *v ? record_op(tx, dir.buf, "set", u->keys.items[i], v, &c)
			 : record_op(tx, dir.buf, "unset", u->keys.items[i], NULL, &c);
		*changed |= c;
	}
	strbuf_release(&dir);
	return err;
}

static int load_user(struct user_state *st, struct dlg_tx *tx, const char *uid)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT;
	struct oplog log = OPLOG_INIT;
	int err;
	user_dir(&dir, uid);
	layout_record_file(&path, dir.buf, "log");
	if ((err = tx_read(&data, tx, path.buf)) == DLG_ENOTFOUND)
		err = dlg_error(DLG_ENOTFOUND, "no user %s", uid);
	if (!err) {
		oplog_parse(&log, data.buf, data.len);
		user_state_replay(st, &log);
	}
	oplog_clear(&log);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

/* info's "user:" line, rewritten: the dialog now belongs to keep. */
static int move_dialog(struct dlg_tx *tx, const char *dialog, const char *keep)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT, out = STRBUF_INIT;
	struct dialog_info info;
	int err;
	dialog_dir(&dir, dialog);
	layout_record_file(&path, dir.buf, "info");
	if ((err = tx_read(&data, tx, path.buf)) == DLG_ENOTFOUND) {
		err = 0; /* a dialog that never reached this clone */
		goto out;
	}
	if (err < 0)
		goto out;
	dialog_info_parse(&info, data.buf, data.len);
	if (strcmp(info.user, keep)) {
		free(info.user);
		info.user = xstrdup(keep);
		dialog_info_format(&out, &info);
		err = tx_write(tx, path.buf, out.buf, out.len);
	}
	dialog_info_clear(&info);
out:
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&out);
	return err;
}

static int copy_notes(struct dlg_tx *tx, const char *keep, const char *other)
{
	struct strbuf keep_dir = STRBUF_INIT, other_dir = STRBUF_INIT, from = STRBUF_INIT,
		      to = STRBUF_INIT, data = STRBUF_INIT;
	struct strlist names = STRLIST_INIT;
	int err = 0;
	user_dir(&keep_dir, keep);
	user_dir(&other_dir, other);
	layout_notes(&from, other_dir.buf);
	tx_list(&names, tx, from.buf);
	for (size_t i = 0; i < names.nr && !err; i++) {
		strbuf_reset(&from);
		strbuf_reset(&to);
		strbuf_reset(&data);
		layout_note(&from, other_dir.buf, names.items[i]);
		layout_note(&to, keep_dir.buf, names.items[i]);
		if (!(err = tx_read(&data, tx, from.buf)))
			err = tx_write(tx, to.buf, data.buf, data.len);
	}
	strlist_clear(&names);
	strbuf_release(&keep_dir);
	strbuf_release(&other_dir);
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&data);
	return err;
}

int users_merge_follow(struct dlg_tx *tx, const char *other)
{
	struct user_state o = { 0 };
	struct strbuf kdir = STRBUF_INIT;
	char keep[DLG_ID_LEN + 1];
	int err;

	if ((err = load_user(&o, tx, other)) < 0 || !o.merged_into ||
	    (err = user_resolve(keep, tx, other)) < 0 || !strcmp(keep, other))
		goto out;
	user_dir(&kdir, keep);
	/* Both verbs are facts recorded once: what the user kept has is skipped. */
	for (size_t i = 0; !err && i < o.idents.nr; i++) {
		char *sp = strchr(o.idents.items[i], ' ');
		*sp = '\0';
		err = record_op(tx, kdir.buf, "ident", o.idents.items[i], sp + 1, NULL);
		*sp = ' ';
	}
	for (size_t i = 0; !err && i < o.dialogs.nr; i++)
		if (!(err = record_op(tx, kdir.buf, "dialog", o.dialogs.items[i], NULL, NULL)))
			err = move_dialog(tx, o.dialogs.items[i], keep);
out:
	if (err == DLG_ENOTFOUND)
		err = 0; /* a user that never reached this clone */
	user_state_clear(&o);
	strbuf_release(&kdir);
	return err;
}

int users_merge(struct dlg_tx *tx, const char *keep, const char *other)
{
	struct user_state k, o;
	struct strbuf kdir = STRBUF_INIT, odir = STRBUF_INIT;
	int err;

	if (!strcmp(keep, other))
		return dlg_error(DLG_EINVALID, "a user cannot be merged into itself");
	if ((err = load_user(&k, tx, keep)) < 0)
		return err;
	if ((err = load_user(&o, tx, other)) < 0) {
		user_state_clear(&k);
		return err;
	}
	if (o.merged_into) {
		err = dlg_error(DLG_EINVALID, "user %s was merged into %s already", other, o.merged_into);
		goto out;
	}
	if (k.merged_into) {
		err = dlg_error(DLG_EINVALID, "user %s was merged into %s: merge into that one", keep, k.merged_into);
		goto out;
	}
	user_dir(&kdir, keep);
	user_dir(&odir, other);
	if (!k.name && o.name)
		err = record_op(tx, kdir.buf, "name", o.name, NULL, NULL);
	for (size_t i = 0; !err && i < o.props.nr; i++) {
		char *tab = strchr(o.props.items[i], '\t');
		*tab = '\0';
		if (!user_state_prop(&k, o.props.items[i]))
			err = record_op(tx, kdir.buf, "set", o.props.items[i], tab + 1, NULL);
		*tab = '\t';
	}
	if (!err)
		err = copy_notes(tx, keep, other);
	if (!err)
		err = record_op(tx, odir.buf, "merged", keep, NULL, NULL);
	/* identities and dialogs: the same step a sync repeats for what
	   reached the other user concurrently */
	if (!err)
		err = users_merge_follow(tx, other);
out:
	user_state_clear(&k);
	user_state_clear(&o);
	strbuf_release(&kdir);
	strbuf_release(&odir);
	return err;
}
