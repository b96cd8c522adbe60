#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "ops/text.h"
#include "ops/trigger.h"
#include "store/id.h"
#include "store/import.h"
#include "store/layout.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/order.h"
#include "store/outbox.h"
#include "store/popup.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/tx.h"

struct trigger_job {
	const struct channel *ch;
	const char *kind;    /* the dialogs' channel, and the identity kind: the channel's type */
	const struct dlg_trigger_target *t;
	const char *const *idents;   /* of t[i] */
	size_t n;
	struct strlist ids;
};

/*
 * A new dialog's ids: its message's Message-ID, in our From address's
 * domain and random, names the message (key), and the dialog is named
 * after the message that started it, as an imported one is.
 */
static int trigger_ids(struct strbuf *msgid, char key[17], char did[17], const char *kind,
		       const char *email)
{
	const char *at = strrchr(email, '@');
	char rnd[17];
	int err;
	random_hex(rnd, 16);
	strbuf_addf(msgid, "dlg.trigger.%s@%s", rnd, at && at[1] ? at + 1 : "dlg.invalid");
	if ((err = message_key_for(key, "email", msgid->buf)) < 0)
		return err;
	return key_make(did, "dialog", kind, key);
}

static int trigger_one(struct dlg_tx *tx, struct trigger_job *job, const struct dlg_trigger_target *t,
		       const char *ident)
{
	struct strbuf msgid = STRBUF_INIT, email = STRBUF_INIT, from = STRBUF_INIT, to = STRBUF_INIT,
		      subject = STRBUF_INIT, data = STRBUF_INIT, dir = STRBUF_INIT, path = STRBUF_INIT,
		      file = STRBUF_INIT, udir = STRBUF_INIT;
	struct dialog_info info = { 0 };
	struct reply_spec r = { 0 };
	const char *addr = channel_get(job->ch, "address");
	char key[17], did[17];
	int err;

	if (addr && !strcmp(job->ch->type, "email"))
		strbuf_addstr(&email, addr);
	else
		store_operator_email(&email, tx_store(tx));
	strbuf_addf(&from, "%s <%s>", tx_operator(tx), email.buf);
	if ((err = trigger_ids(&msgid, key, did, job->kind, email.buf)) < 0)
		goto out;
	/* The dialog's subject: the message's first line. */
	utf8_truncate_len(&subject, t->text, strcspn(t->text, "\n"), 60);
	chan_address(&to, job->kind, ident);

	dialog_dir(&dir, did);
	info.channel = (char *)job->kind;
	info.user = (char *)t->user;
	info.subject = subject.buf;
	info.created = tx_time(tx);
	dialog_info_format(&data, &info);
	layout_record_file(&path, dir.buf, "info");
	user_dir(&udir, t->user);
	if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
	    (err = record_op(tx, dir.buf, "create", job->kind, NULL, NULL)) < 0 ||
	    /* the operator who wrote first has the dialog, as with a first reply */
	    (err = record_op(tx, dir.buf, "assign", tx_operator(tx), NULL, NULL)) < 0 ||
	    (err = record_op(tx, udir.buf, "dialog", did, NULL, NULL)) < 0)
		goto out;
	r.meta.channel = job->kind;
	r.meta.user = t->user;
	r.meta.channel_user = ident;
	r.meta.route = job->ch->name;
	r.meta.conversation = strcmp(job->kind, "email") ? ident : NULL;
	r.operator = tx_operator(tx);
	r.from = from.buf;
	r.to = to.buf;
	r.subject = subject.buf;
	r.message_id = msgid.buf;
	r.text = t->text;
	r.date = tx_time(tx);
	if ((err = order_next_seq(&r.seq, tx, dir.buf)) < 0)
		goto out;
	strbuf_reset(&data);
	if ((err = message_build_reply(&data, &r)) < 0)
		goto out;
	message_file_name(&file, tx_time(tx), key, 1);
	strbuf_reset(&path);
	layout_message(&path, dir.buf, file.buf);
	if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
	    (err = msgmap_add(tx, key, did, file.buf)) < 0 ||
	    (err = outbox_add(tx, key, did, file.buf)) < 0)
		goto out;
	strlist_push(&job->ids, did);
out:
	strbuf_release(&msgid);
	strbuf_release(&email);
	strbuf_release(&from);
	strbuf_release(&to);
	strbuf_release(&subject);
	strbuf_release(&data);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&file);
	strbuf_release(&udir);
	return err;
}

static int trigger_fn(struct dlg_tx *tx, void *payload)
{
	struct trigger_job *job = payload;
	int err = 0;
	strlist_clear(&job->ids);  /* the callback runs again after a lost race */
	for (size_t i = 0; i < job->n && !err; i++)
		err = trigger_one(tx, job, &job->t[i], job->idents[i]);
	if (!err && job->n == 1) {
		tx_message(tx, "trigger %.7s via %s\n", job->ids.items[0], job->ch->name);
	} else if (!err) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "trigger: %zu dialogs via %s\n\n", job->n, job->ch->name);
		for (size_t i = 0; i < job->ids.nr; i++)
			strbuf_addf(&msg, "%s\n", job->ids.items[i]);
		tx_message(tx, "%s", msg.buf);
		strbuf_release(&msg);
	}
	return err;
}

/* A user's state from the view: DLG_ENOTFOUND "no user 'UID'" when there is none. */
static int user_read(struct user_state *st, struct dlg_store *s, const char *uid)
{
	if (!is_full_id(uid))
		return dlg_error(DLG_EINVALID, "'%s' is not a user id", uid);
	if (user_state_read(st, s, uid) < 0) {
		user_state_clear(st);
		return dlg_error(DLG_ENOTFOUND, "no user '%s'", uid);
	}
	return 0;
}

int dlg_trigger_ident(char **out, struct dlg_store *s, const char *uid, const char *kind)
{
	struct user_state st;
	const char *v;
	int err = user_read(&st, s, uid);
	*out = NULL;
	if (err < 0)
		return err;
	if ((v = user_state_ident(&st, kind)))
		*out = xstrdup(v);
	user_state_clear(&st);
	if (!v)
		return dlg_error(DLG_ENOTFOUND, "user %s has no %s identity to write to "
				 "(see dlg user show)", uid, kind);
	return 0;
}

/* Where target t is written to: the identity it names, else the one of its card. */
static int target_ident(const char **ident, char **found, struct dlg_store *s,
			const struct dlg_trigger_target *t, const char *kind)
{
	struct user_state st;
	int err = dlg_text_check(t->text, "message");
	if (err < 0)
		return err;
	if (!t->ident) {
		err = dlg_trigger_ident(found, s, t->user, kind);
		*ident = *found;
		return err;
	}
	if ((err = user_read(&st, s, t->user)) < 0)
		return err;
	user_state_clear(&st);
	*ident = t->ident;
	return 0;
}

int dlg_trigger(struct strlist *out, struct dlg_store *s, const struct dlg_trigger_opts *opts)
{
	struct trigger_job job = { opts->channel, opts->popup ? "popup" : opts->channel->type,
				   opts->targets, NULL, opts->ntargets, STRLIST_INIT };
	char **found = xcalloc(opts->ntargets + 1, sizeof(*found));
	const char **idents = xcalloc(opts->ntargets + 1, sizeof(*idents));
	int err = 0;

	if (!opts->ntargets)
		err = dlg_error(DLG_EINVALID, "no users given");
	else if (opts->popup && strcmp(opts->channel->type, "chat"))
		err = dlg_error(DLG_EINVALID, "pop-ups are shown by the website's chat, and channel %s is a "
				"%s channel", opts->channel->name, opts->channel->type);
	/* Every user is checked first: all the dialogs start, or none. */
	for (size_t i = 0; i < opts->ntargets && !err; i++)
		err = target_ident(&idents[i], &found[i], s, &opts->targets[i], opts->channel->type);
	job.idents = idents;
	if (!err && !(err = store_change(s, trigger_fn, &job, NULL)))
		for (size_t i = 0; i < job.ids.nr; i++)
			strlist_push(out, job.ids.items[i]);
	for (size_t i = 0; i < opts->ntargets; i++)
		free(found[i]);
	free(found);
	free(idents);
	strlist_clear(&job.ids);
	return err;
}

struct popup_job {
	struct page_popup p;
	int withdraw;
};

static int popup_fn(struct dlg_tx *tx, void *payload)
{
	struct popup_job *job = payload;
	struct page_popup *p = &job->p;
	int err;
	if (job->withdraw) {
		struct page_popup cur;
		if ((err = page_popup_read(&cur, tx, p->id)) < 0)
			return err;
		if (!cur.withdrawn) {
			cur.withdrawn = tx_time(tx);
			if (!(err = page_popup_write(tx, &cur)))
				tx_message(tx, "trigger --withdraw popups/%s\n", cur.id);
		}
		page_popup_clear(&cur);
		return err;
	}
	/* a lost race runs this again: the same id, at the change's time */
	free(p->operator_);
	p->operator_ = xstrdup(tx_operator(tx));
	p->created = tx_time(tx);
	if (!p->until)
		p->until = p->created + DLG_POPUP_DAYS * 86400;
	if (p->until <= p->created)
		return dlg_error(DLG_EINVALID, "the pop-up would end in the past");
	if ((err = page_popup_write(tx, p)) < 0)
		return err;
	tx_message(tx, "trigger --popup popups/%s via %s\n\npage: %s\n", p->id, p->channel, p->page);
	return 0;
}

static int page_pattern_check(const char *page)
{
	size_t n = strlen(page);
	if (!n)
		return dlg_error(DLG_EINVALID, "the page pattern is empty");
	if (n > POPUP_PAGE_MAX)
		return dlg_error(DLG_EINVALID, "the page pattern is longer than %d bytes", POPUP_PAGE_MAX);
	for (const unsigned char *c = (const unsigned char *)page; *c; c++)
		if (*c < ' ' || *c == 127)
			return dlg_error(DLG_EINVALID, "the page pattern holds a control character");
	return 0;
}

int dlg_popup_add(char out[17], struct dlg_store *s, const struct dlg_page_popup_opts *opts)
{
	struct popup_job job = { .p = { .until = opts->until } };
	int err;
	if (strcmp(opts->channel->type, "chat"))
		return dlg_error(DLG_EINVALID, "pop-ups are shown by the website's chat, and channel %s "
				 "is a %s channel", opts->channel->name, opts->channel->type);
	if ((err = page_pattern_check(opts->page)) < 0 || (err = dlg_text_check(opts->text, "message")) < 0)
		return err;
	random_hex(job.p.id, DLG_ID_LEN);
	job.p.channel = xstrdup(opts->channel->name);
	job.p.page = xstrdup(opts->page);
	job.p.text = xstrdup(opts->text);
	/* as an answer's text is sent: trailing white space is no part of it */
	{
		size_t n = strlen(job.p.text);
		while (n && strchr(" \t\r\n", job.p.text[n - 1]))
			job.p.text[--n] = '\0';
	}
	if (!(err = store_change(s, popup_fn, &job, NULL)))
		memcpy(out, job.p.id, sizeof(job.p.id));
	page_popup_clear(&job.p);
	return err;
}

int dlg_popup_withdraw(struct dlg_store *s, const char *id)
{
	struct popup_job job = { .withdraw = 1 };
	if (!is_full_id(id))
		return dlg_error(DLG_EINVALID, "'%s' is not a pop-up id (16 hex digits)", id);
	memcpy(job.p.id, id, sizeof(job.p.id));
	return store_change(s, popup_fn, &job, NULL);
}
