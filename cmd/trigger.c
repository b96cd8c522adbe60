#include <errno.h>
#include <string.h>

#include "base/hex.h"
#include "base/utf8.h"
#include "channel/channel.h"
#include "cmd.h"
#include "ops/template.h"
#include "store/id.h"
#include "store/import.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/outbox.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/tx.h"

static const char *const trigger_usage[] = {
	"dlg trigger (--user USER... | --users-from FILE) --channel NAME",
	"            (-m TEXT | -F FILE | -t TEMPLATE) [--send] [-q]",
	"",
	"Starts a new dialog with each user: an outgoing message through the",
	"channel NAME, to the user's identity there.  Each trigger is a dialog",
	"of its own; the user's answer joins it.",
	NULL,
};

struct trigger_target {
	char uid[17];
	char *ident;         /* the user's identity on the channel */
	char *name;          /* for the To: header */
	char *text;
};

struct trigger_job {
	struct channel *ch;
	const char *kind;    /* the dialogs' channel, and the identity kind: the channel's type */
	struct trigger_target *t;
	size_t n;
	struct strlist ids;
};

static int trigger_one(struct dlg_tx *tx, struct trigger_job *job, const struct trigger_target *t)
{
	struct strbuf msgid = STRBUF_INIT, email = STRBUF_INIT, from = STRBUF_INIT, to = STRBUF_INIT,
		      subject = STRBUF_INIT, data = STRBUF_INIT, dir = STRBUF_INIT, path = STRBUF_INIT,
		      file = STRBUF_INIT, udir = STRBUF_INIT;
	struct dialog_info info = { 0 };
	struct reply_spec r = { 0 };
	const char *addr = channel_get(job->ch, "address"), *at;
	char rnd[17], key[17], did[17];
	int err;

	if (addr && !strcmp(job->ch->type, "email"))
		strbuf_addstr(&email, addr);
	else
		store_operator_email(&email, tx_store(tx));
	strbuf_addf(&from, "%s <%s>", tx_operator(tx), email.buf);
	random_hex(rnd, 16);
	at = strrchr(email.buf, '@');
	strbuf_addf(&msgid, "dlg.trigger.%s@%s", rnd, at && at[1] ? at + 1 : "dlg.invalid");
	if ((err = message_key_for(key, "email", msgid.buf)) < 0 ||
	    (err = key_make(did, "dialog", job->kind, key)) < 0)
		goto out;
	/* The dialog's subject: the message's first line. */
	utf8_truncate_len(&subject, t->text, strcspn(t->text, "\n"), 60);
	chan_address(&to, job->kind, t->ident);

	dialog_dir(&dir, did);
	info.channel = (char *)job->kind;
	info.user = (char *)t->uid;
	info.subject = subject.buf;
	info.created = tx_time(tx);
	dialog_info_format(&data, &info);
	strbuf_addf(&path, "%s/info", dir.buf);
	user_dir(&udir, t->uid);
	if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
	    (err = record_op(tx, dir.buf, "create", job->kind, NULL, NULL)) < 0 ||
	    /* the operator who wrote first has the dialog, as with a first reply */
	    (err = record_op(tx, dir.buf, "assign", tx_operator(tx), NULL, NULL)) < 0 ||
	    (err = record_op(tx, udir.buf, "dialog", did, NULL, NULL)) < 0)
		goto out;
	r.meta.channel = job->kind;
	r.meta.user = t->uid;
	r.meta.channel_user = t->ident;
	r.meta.route = job->ch->name;
	r.meta.conversation = strcmp(job->kind, "email") ? t->ident : NULL;
	r.operator = tx_operator(tx);
	r.from = from.buf;
	r.to = to.buf;
	r.subject = subject.buf;
	r.message_id = msgid.buf;
	r.text = t->text;
	r.date = tx_time(tx);
	strbuf_reset(&data);
	if ((err = message_build_reply(&data, &r)) < 0)
		goto out;
	message_file_name(&file, tx_time(tx), key, 1);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/cur/%s", dir.buf, file.buf);
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
	strlist_clear(&job->ids);
	for (size_t i = 0; i < job->n && !err; i++)
		err = trigger_one(tx, job, &job->t[i]);
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

/* The user's identity on the channel's kind, from the card; NULL when none. */
static char *user_ident(struct dlg_ctx *ctx, const char *uid, const char *kind)
{
	struct user_state st;
	const char *v;
	char *found;
	user_state_read(&st, ctx->store, uid);
	v = user_state_ident(&st, kind);
	found = v ? xstrdup(v) : NULL;
	user_state_clear(&st);
	return found;
}

static int read_users(struct strlist *out, const char *file)
{
	struct strbuf data = STRBUF_INIT;
	int r = strcmp(file, "-") ? strbuf_read_file(&data, file) : strbuf_read_fd(&data, 0);
	if (r < 0)
		return error_msg("cannot read '%s': %s", file, strerror(errno));
	for (char *p = data.buf; *p;) {
		char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		/* the first word: `dlg list`-like lines pipe in */
		size_t w = strcspn(p, " \t\r\n");
		if (w && *p != '#')
			strlist_push_nodup(out, xstrndup(p, w < n ? w : n));
		p += n + (nl ? 1 : 0);
	}
	strbuf_release(&data);
	return 0;
}

CMD(trigger)
{
	struct strlist users = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	struct config c = CONFIG_INIT;
	struct channel ch = { 0 };
	struct trigger_job job = { 0 };
	const char *chan = NULL, *m = NULL, *file = NULL, *tmpl = NULL, *users_from = NULL;
	int ret = 0, send_now = 0, quiet = 0, opened = 0;
	const struct opt opts[] = {
		OPT_COLUMN(25),
		OPT_STRING_LIST('u', "user", &users, "USER", "a user id, address or handle (may repeat)"),
		OPT_STRING(0, "users-from", &users_from, "FILE", "users one per line (- for stdin)"),
		OPT_STRING('c', "channel", &chan, "NAME", "a configured channel (dlg channel list)"),
		OPT_STRING('m', "message", &m, "TEXT", "the message; -F FILE reads it (- for stdin)"),
		OPT_STRING('F', "file", &file, "FILE", NULL),
		OPT_STRING('t', "template", &tmpl, "NAME",
			   "a saved reply, its {{user.*}} and {{operator}} filled in"),
		OPT_FLAG('s', "send", &send_now, "deliver now, as dlg send would"),
		OPT_FLAG('q', "quiet", &quiet, "print no dialog ids"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, trigger_usage, 0);
	if (argc || !chan || (!users.nr && !users_from) || (!!m + !!file + !!tmpl != 1)) {
		strlist_clear(&users);
		return argc < 0 ? parse_options_exit(argc) : usage_with_options(trigger_usage, opts, 0);
	}
	if ((users_from && (ret = read_users(&users, users_from))))
		goto out;
	if (!users.nr) {
		ret = error_msg("no users given");
		goto out;
	}
	if (config_load(&c, ctx->store) < 0 || channel_open(&ch, ctx->store, &c, chan) < 0) {
		ret = error_last();
		goto out;
	}
	opened = 1;
	if (!tmpl && (ret = text_from_sources(&text, m, file, "message")))
		goto out;
	job.ch = &ch;
	job.kind = ch.type;
	job.t = xcalloc(users.nr, sizeof(*job.t));
	for (size_t i = 0; i < users.nr && !ret; i++) {
		struct trigger_target *t = &job.t[job.n];
		struct strbuf body = STRBUF_INIT;
		if ((ret = user_from_arg(t->uid, ctx, users.items[i])))
			break;
		if (!(t->ident = user_ident(ctx, t->uid, ch.type))) {
			ret = error_msg("user %s has no %s identity to write to (see dlg user show)",
					users.items[i], ch.type);
			break;
		}
		job.n++;
		if (tmpl && dlg_template_fill(&body, ctx->store, tmpl, NULL, t->uid) < 0)
			ret = error_last();
		else if (!tmpl)
			strbuf_addbuf(&body, &text);
		if (!ret) {
			emoji_expand_in_place(&body);
			t->text = strbuf_detach(&body, NULL);
		}
		strbuf_release(&body);
	}
	/* Every user is checked first: all the dialogs start, or none. */
	if (ret)
		goto out;
	if (store_change(ctx->store, trigger_fn, &job, NULL) < 0) {
		ret = error_last();
		goto out;
	}
	if (!quiet)
		for (size_t i = 0; i < job.ids.nr; i++)
			puts(job.ids.items[i]);
	if (send_now) {
		fflush(stdout);
		ret = send_dialogs(ctx, &job.ids, 0, quiet);
	}
out:
	for (size_t i = 0; i < job.n; i++) {
		free(job.t[i].ident);
		free(job.t[i].text);
	}
	free(job.t);
	strlist_clear(&job.ids);
	if (opened)
		channel_close(&ch);
	config_clear(&c);
	strlist_clear(&users);
	strbuf_release(&text);
	return ret;
}
