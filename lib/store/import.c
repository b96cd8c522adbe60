#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "git/hash.h"
#include "mail/mime.h"
#include "store/assign.h"
#include "store/chanmsg.h"
#include "store/id.h"
#include "store/import.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/order.h"
#include "store/outbox.h"
#include "store/popup.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

void import_result_reset(struct import_result *r)
{
	strlist_clear(&r->dialogs);
	strlist_clear(&r->known);
	r->imported = r->duplicates = r->created = 0;
}

int user_id_for(char out[17], const char *kind, const char *value)
{
	return key_make(out, "user", kind, value);
}

int message_key_for(char out[17], const char *kind, const char *channel_message_id)
{
	return key_make(out, "msg", kind, channel_message_id);
}

int dialog_info_read(struct dialog_info *info, struct dlg_tx *tx, const char *dir)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err;
	layout_record_file(&path, dir, "info");
	err = tx_read(&data, tx, path.buf);
	if (!err)
		dialog_info_parse(info, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

struct tx_msgs {
	struct dlg_tx *tx;
	const char *dir;
	struct strbuf path, data;
};

/* A customer's message, header fields only. */
static int read_incoming(struct stored_msg *m, const char *name, void *ctx)
{
	struct tx_msgs *t = ctx;
	int err;
	strbuf_reset(&t->path);
	strbuf_reset(&t->data);
	layout_message(&t->path, t->dir, name);
	if ((err = tx_read(&t->data, t->tx, t->path.buf)) < 0 ||
	    (err = stored_msg_parse(m, name, t->data.buf, mime_body_offset(t->data.buf, t->data.len), 0)) < 0)
		return err;
	if (m->out) {
		stored_msg_clear(m);
		return DLG_ENOTFOUND;
	}
	return 0;
}

int dialog_last_incoming(struct stored_msg *out, struct dlg_tx *tx, const char *dir)
{
	struct strlist names = STRLIST_INIT;
	struct tx_msgs t = { tx, dir, STRBUF_INIT, STRBUF_INIT };
	int found;
	strbuf_addf(&t.path, "%s/cur", dir);
	tx_list(&names, tx, t.path.buf);
	found = !order_last_message(out, &names, read_incoming, &t);
	strlist_clear(&names);
	strbuf_release(&t.path);
	strbuf_release(&t.data);
	return found;
}

/* Did addr take part in a dialog: as sender or recipient of one of its
   messages?  Stops at the first; no list of every address is built (a
   thread of large mails would make that quadratic). */
static int thread_has_address(struct dlg_tx *tx, const char *dir, const char *addr)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int found = 0;
	if (!*addr)
		return 0;
	strbuf_addf(&path, "%s/cur", dir);
	tx_list(&names, tx, path.buf);
	for (size_t i = 0; i < names.nr && !found; i++) {
		struct mime_message *m = NULL;
		strbuf_reset(&path);
		strbuf_reset(&data);
		layout_message(&path, dir, names.items[i]);
		if (tx_read(&data, tx, path.buf) < 0)
			continue;
		/* Headers are all we need; cut the body off before parsing. */
		size_t hdr = mime_body_offset(data.buf, data.len);
		if (mime_message_parse(&m, data.buf, hdr, 0) < 0)
			continue;
		found = !strcmp(m->from.addr, addr);
		for (size_t k = 0; k < m->nto && !found; k++)
			found = !strcmp(m->to[k].addr, addr);
		mime_message_free(m);
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&data);
	return found;
}

static int dialog_is_open(struct dlg_tx *tx, const char *dir)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int open;
	layout_record_file(&path, dir, "status");
	open = !tx_read(&data, tx, path.buf) && !strncmp(data.buf, "open", 4);
	strbuf_release(&path);
	strbuf_release(&data);
	return open;
}

/* A dialog this message replies to, if the sender may join it: 1 and its
   id, 0 when there is none, or an error. */
static int find_thread(char out[17], struct dlg_tx *tx, const struct mime_message *m,
		       const char *uid)
{
	struct strlist ids = STRLIST_INIT, checked = STRLIST_INIT;
	int found = 0;

	if (m->in_reply_to)
		strlist_push(&ids, m->in_reply_to);
	for (size_t i = m->nreferences; i-- > 0;) /* nearest ancestor first */
		if (!strlist_has(&ids, m->references[i]))
			strlist_push(&ids, m->references[i]);
	for (size_t i = 0; i < ids.nr && !found; i++) {
		char key[17], did[17];
		struct strbuf dir = STRBUF_INIT;
		struct dialog_info info;
		if ((found = message_key_for(key, "email", ids.items[i])) < 0)
			break;
		/* ids naming messages of one dialog: it is read once */
		if (msgmap_lookup(did, NULL, tx, key) < 0 || strlist_has(&checked, did))
			continue;
		strlist_push(&checked, did);
		dialog_dir(&dir, did);
		if (!dialog_info_read(&info, tx, dir.buf)) {
			if (!strcmp(info.user, uid)) {
				found = 1;
			} else {
				/* Someone else's thread: only a participant may join it,
				   or a stranger citing a Message-ID reads another
				   customer's conversation. */
				found = thread_has_address(tx, dir.buf, m->from.addr);
			}
			dialog_info_clear(&info);
		}
		if (found)
			memcpy(out, did, sizeof(did));
		strbuf_release(&dir);
	}
	strlist_clear(&ids);
	strlist_clear(&checked);
	return found;
}

/* A website visitor's chat goes on in an open pop-up dialog: the widget
   is one conversation, whichever of the two started it. */
static int same_conversation(const char *dialog_channel, const char *channel)
{
	return !strcmp(dialog_channel, channel) ||
		(!strcmp(channel, "chat") && !strcmp(dialog_channel, "popup"));
}

int import_find_open_dialog(char out[17], struct dlg_tx *tx, const char *uid,
			    const char *channel, const char *subject)
{
	struct strbuf udir = STRBUF_INIT, want = STRBUF_INIT;
	struct oplog log = OPLOG_INIT;
	struct user_state us;
	int found = 0;

	user_dir(&udir, uid);
	if (record_load(&log, tx, udir.buf) < 0)
		goto out;
	user_state_replay(&us, &log);
	if (subject)
		subject_normalize(&want, subject);
	for (size_t i = us.dialogs.nr; i-- > 0 && !found;) {
		struct strbuf dir = STRBUF_INIT, have = STRBUF_INIT;
		struct dialog_info info;
		dialog_dir(&dir, us.dialogs.items[i]);
		if (!dialog_info_read(&info, tx, dir.buf)) {
			if (subject)
				subject_normalize(&have, info.subject);
			if (same_conversation(info.channel, channel) && !strcmp(have.buf, want.buf) &&
			    dialog_is_open(tx, dir.buf)) {
				memcpy(out, us.dialogs.items[i], DLG_ID_LEN + 1);
				found = 1;
			}
			dialog_info_clear(&info);
		}
		strbuf_release(&dir);
		strbuf_release(&have);
	}
	user_state_clear(&us);
out:
	oplog_clear(&log);
	strbuf_release(&udir);
	strbuf_release(&want);
	return found;
}

/* Repeats are dropped by the caller (sort and unique): a check here would
   make a large import quadratic. */
static void note_dialog(struct import_result *res, const char *id)
{
	if (!res->dialogs.nr || strcmp(res->dialogs.items[res->dialogs.nr - 1], id))
		strlist_push(&res->dialogs, id);
}

/* The message's own time, the same in every clone: Date:, else the newest
   Received: stamp, else 0 (never the import time, which clones disagree on). */
static time_t message_time(const struct mime_message *m, const char *raw, size_t len)
{
	struct strbuf v = STRBUF_INIT;
	time_t t = 0;
	if (m->has_date)
		return m->date;
	if (!mime_header_get(&v, raw, len, "Received")) {
		const char *semi = strrchr(v.buf, ';');
		if (!semi || mime_date_parse(&t, semi + 1) < 0)
			t = 0;
	}
	strbuf_release(&v);
	return t;
}

static void one_line(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_addch(out, *s == '\n' || *s == '\r' || *s == '\t' ? ' ' : *s);
	strbuf_trim(out);
}

/* Mail starts with a header field: a name of printable characters, then a colon. */
static int looks_like_mail(const char *raw, size_t len)
{
	size_t i = 0;
	while (i < len && raw[i] > ' ' && raw[i] < 127 && raw[i] != ':')
		i++;
	return i > 0 && i < len && raw[i] == ':';
}

/*
 * What every incoming message does once its dialog is known (did) or to be
 * created (did empty): the dialog is created or reopened, the user card
 * learns the dialog, the file goes to cur/ and the msgmap learns its key.
 */
struct incoming {
	const char *channel;
	const char *key;
	const char *uid;
	const char *subject;
	time_t when;
	const char *data;
	size_t len;
};

static int store_incoming(struct dlg_tx *tx, char did[17], const struct incoming *in,
			  struct import_result *res)
{
	struct strbuf dir = STRBUF_INIT, udir = STRBUF_INIT, path = STRBUF_INIT, file = STRBUF_INIT,
		      data = STRBUF_INIT;
	int err, is_new = !*did;

	if (is_new) {
		struct dialog_info info = { 0 };
		if ((err = key_make(did, "dialog", in->channel, in->key)) < 0)
			goto out;
		dialog_dir(&dir, did);
		info.channel = (char *)in->channel;
		info.user = (char *)in->uid;
		info.subject = (char *)in->subject;
		info.created = in->when;
		dialog_info_format(&data, &info);
		layout_record_file(&path, dir.buf, "info");
		if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
		    (err = record_op(tx, dir.buf, "create", in->channel, NULL, NULL)) < 0)
			goto out;
		{
			const char *who = auto_assign_pick(res->autoassign, in->channel);
			if (who && (err = record_op(tx, dir.buf, "assign", who, NULL, NULL)) < 0)
				goto out;
		}
		res->created++;
	} else {
		dialog_dir(&dir, did);
		if (!dialog_is_open(tx, dir.buf) &&
		    (err = record_op(tx, dir.buf, "reopen", NULL, NULL, NULL)) < 0)
			goto out;
	}
	user_dir(&udir, in->uid);
	if (is_new && (err = record_op(tx, udir.buf, "dialog", did, NULL, NULL)) < 0)
		goto out;
	message_file_name(&file, in->when, in->key, 0);
	strbuf_reset(&path);
	layout_message(&path, dir.buf, file.buf);
	if ((err = tx_write(tx, path.buf, in->data, in->len)) < 0 ||
	    (err = msgmap_add(tx, in->key, did, file.buf)) < 0)
		goto out;
	res->imported++;
	note_dialog(res, did);
out:
	strbuf_release(&dir);
	strbuf_release(&udir);
	strbuf_release(&path);
	strbuf_release(&file);
	strbuf_release(&data);
	return err;
}

int import_email(struct dlg_tx *tx, const char *channel, const char *raw, size_t len,
		 struct import_result *res)
{
	return import_email_routed(tx, channel, NULL, raw, len, res);
}

int import_email_routed(struct dlg_tx *tx, const char *channel, const char *route, const char *raw,
			size_t len, struct import_result *res)
{
	struct mime_message *m = NULL;
	struct strbuf udir = STRBUF_INIT, data = STRBUF_INIT, subject = STRBUF_INIT;
	char key[17], uid[17], did[17] = "", hex[41];
	const char *addr;
	int err;

	if (!len)
		return dlg_error(DLG_EINVALID, "empty message");
	if (!looks_like_mail(raw, len))
		return dlg_error(DLG_EINVALID, "not an email message (no header fields)");
	/* Filing reads header fields only: the body, decoded, could be three
	   times the message (each broken byte a U+FFFD) for nothing. */
	if ((err = mime_message_parse(&m, raw, mime_body_offset(raw, len), 0)) < 0)
		return dlg_error(DLG_EINVALID, "empty message");
	if (m->message_id && *m->message_id)
		err = message_key_for(key, "email", m->message_id);
	else if (!(err = hash_hex(hex, raw, len)))
		err = message_key_for(key, "email-content", hex);
	if (err < 0)
		goto out;
	if (!msgmap_lookup(did, NULL, tx, key)) {
		res->duplicates++;
		strlist_push(&res->known, did);
		goto out;
	}
	addr = m->from.addr;
	{
		char first[17];
		/* an address of a user merged into another belongs to that one */
		if ((err = user_id_for(first, "email", addr)) < 0 ||
		    (err = user_resolve(uid, tx, first)) < 0)
			goto out;
	}
	one_line(&subject, m->subject);
	if ((err = find_thread(did, tx, m, uid)) < 0)
		goto out;
	if (!err && !import_find_open_dialog(did, tx, uid, channel, subject.buf))
		did[0] = '\0';

	user_dir(&udir, uid);
	if ((err = record_op(tx, udir.buf, "ident", "email", *addr ? addr : "(none)", NULL)) < 0 ||
	    (*m->from.name && (err = record_op(tx, udir.buf, "name", m->from.name, NULL, NULL)) < 0))
		goto out;
	{
		struct msg_meta meta = { channel, uid, addr, m->message_id, route, NULL };
		struct incoming in = { channel, key, uid, subject.buf, message_time(m, raw, len), NULL, 0 };
		message_wrap_incoming(&data, raw, len, &meta);
		in.data = data.buf;
		in.len = data.len;
		err = store_incoming(tx, did, &in, res);
	}
out:
	mime_message_free(m);
	strbuf_release(&udir);
	strbuf_release(&data);
	strbuf_release(&subject);
	return err;
}

/*
 * The dialog of the pop-up a visitor answers: popup names its message (the
 * key the widget got as the answer's id).  Only the visitor it was for may
 * join it: anyone can name a key, and a stranger must not write into, nor
 * be shown, another visitor's dialog.  Returns 1 and fills out.
 */
static int popup_answered_dialog(char out[17], struct dlg_tx *tx, const char *popup, const char *uid)
{
	struct strbuf dir = STRBUF_INIT;
	struct dialog_info info;
	char did[17];
	int found = 0;

	if (!is_full_id(popup) || msgmap_lookup(did, NULL, tx, popup) < 0)
		return 0;
	dialog_dir(&dir, did);
	if (!dialog_info_read(&info, tx, dir.buf)) {
		found = !strcmp(info.channel, "popup") && !strcmp(info.user, uid);
		dialog_info_clear(&info);
	}
	if (found)
		memcpy(out, did, sizeof(did));
	strbuf_release(&dir);
	return found;
}

/*
 * A page pop-up the answer names (popups/ID in the tree): 1 with out the
 * visitor's open dialog that started with it; 2 when none is open yet and
 * one is to start (p read, key its message's key); 0 when popup names no
 * page pop-up, or that dialog was closed (the answer is then filed as any
 * other pop-up message).
 */
static int page_popup_dialog(char out[17], struct page_popup *p, char key[17], struct dlg_tx *tx,
			     const char *popup, const char *uid)
{
	struct strbuf dir = STRBUF_INIT;
	int open;
	if (page_popup_read(p, tx, popup) < 0)
		return 0;
	/* one message per pop-up and visitor: what makes the dialog theirs */
	if (key_make(key, "popup-shown", popup, uid) < 0) {
		page_popup_clear(p);
		return 0;
	}
	if (msgmap_lookup(out, NULL, tx, key) < 0)
		return 2;
	page_popup_clear(p);
	dialog_dir(&dir, out);
	open = dialog_is_open(tx, dir.buf);
	strbuf_release(&dir);
	return open;
}

/* The page pop-up as the first message of the dialog its answer opened:
   the text and operator of the tree, at the pop-up's time, already shown. */
static int store_page_popup_message(struct dlg_tx *tx, const char *did, const char *key,
				    const struct page_popup *p, const struct chan_msg *m, const char *uid,
				    const char *subject)
{
	struct strbuf email = STRBUF_INIT, from = STRBUF_INIT, to = STRBUF_INIT, msgid = STRBUF_INIT,
		      data = STRBUF_INIT, sent = STRBUF_INIT, file = STRBUF_INIT, path = STRBUF_INIT,
		      shown = STRBUF_INIT;
	struct reply_spec r = { 0 };
	/* before the answer, whatever the clocks say: an answer in the same
	   second would sort first (incoming messages carry no sequence) */
	time_t shown_at = p->created < m->date ? p->created : m->date - 1;
	int err;

	store_operator_email(&email, tx_store(tx));
	strbuf_addf(&from, "%s <%s>", p->operator_, email.buf);
	chan_address(&to, "popup", m->user);
	strbuf_addf(&msgid, "dlg.popup.%s.%s@chat.dlg.invalid", p->id, uid);
	strbuf_addf(&shown, "popups/%s.json", p->id);
	r.meta.channel = "popup";
	r.meta.user = uid;
	r.meta.channel_user = m->user;
	r.meta.route = m->route;
	r.meta.conversation = m->conversation;
	r.operator = p->operator_;
	r.from = from.buf;
	r.to = to.buf;
	r.subject = subject;
	r.message_id = msgid.buf;
	r.text = p->text;
	r.date = shown_at;
	if (!(err = message_build_reply(&data, &r))) {
		const char *h[] = { "X-Dlg-Sent-Via", m->route ? m->route : "chat", "X-Dlg-Sent-Id", shown.buf, NULL };
		message_set_delivery(&sent, data.buf, data.len, "sent", h);
		message_file_name(&file, shown_at, key, 1);
		layout_dialog_message(&path, did, file.buf);
		if (!(err = tx_write(tx, path.buf, sent.buf, sent.len)))
			err = msgmap_add(tx, key, did, file.buf);
	}
	strbuf_release(&email);
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&msgid);
	strbuf_release(&data);
	strbuf_release(&sent);
	strbuf_release(&file);
	strbuf_release(&path);
	strbuf_release(&shown);
	return err;
}

int import_chan_msg(struct dlg_tx *tx, const struct chan_msg *m, struct import_result *res)
{
	struct strbuf udir = STRBUF_INIT, data = STRBUF_INIT, subject = STRBUF_INIT;
	struct page_popup shown;
	char key[17], uid[17], did[17] = "", shown_key[17];
	int err = 0, page = 0;

	if (!m->kind || !m->user || !*m->user || !m->id || !*m->id)
		return dlg_error(DLG_EINVALID, "a %s message needs a user and a message id",
				 m->kind ? m->kind : "channel");
	if ((err = message_key_for(key, m->kind, m->id)) < 0)
		return err;
	if (!msgmap_lookup(did, NULL, tx, key)) {
		res->duplicates++;
		strlist_push(&res->known, did);
		return 0;
	}
	{
		char first[17];
		if ((err = user_id_for(first, m->ident, m->user)) < 0 ||
		    (err = user_resolve(uid, tx, first)) < 0)
			return err;
	}
	chan_msg_subject(&subject, m);
	if (!strcmp(m->kind, "popup") && m->popup && popup_answered_dialog(did, tx, m->popup, uid))
		; /* the answer to a pop-up joins it */
	else if (!strcmp(m->kind, "popup") && m->popup &&
		 (page = page_popup_dialog(did, &shown, shown_key, tx, m->popup, uid)))
		did[0] = page == 2 ? '\0' : did[0];
	/* The same conversation while a dialog is open: no subjects in chats. */
	else if (!import_find_open_dialog(did, tx, uid, m->kind, NULL))
		did[0] = '\0';

	user_dir(&udir, uid);
	if ((err = record_op(tx, udir.buf, "ident", m->ident, m->user, NULL)) < 0 ||
	    (m->name && *m->name && (err = record_op(tx, udir.buf, "name", m->name, NULL, NULL)) < 0) ||
	    (m->username && *m->username &&
	     (err = record_op(tx, udir.buf, "set", "username", m->username, NULL)) < 0) ||
	    (m->email && *m->email && (err = record_op(tx, udir.buf, "ident", "email", m->email, NULL)) < 0))
		goto out;
	if ((err = chan_msg_format(&data, m, uid)) < 0)
		goto out;
	{
		struct incoming in = { m->kind, key, uid, subject.buf, m->date, data.buf, data.len };
		err = store_incoming(tx, did, &in, res);
	}
	if (!err && page == 2)
		err = store_page_popup_message(tx, did, shown_key, &shown, m, uid, subject.buf);
out:
	if (page == 2)
		page_popup_clear(&shown);
	strbuf_release(&udir);
	strbuf_release(&data);
	strbuf_release(&subject);
	return err;
}
