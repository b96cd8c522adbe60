#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "channel/channel.h"
#include "channel/driver.h"
#include "channel/send.h"
#include "ops/dialog.h"
#include "ops/reply.h"
#include "ops/text.h"
#include "store/config.h"
#include "store/id.h"
#include "store/import.h"
#include "mail/mime.h"
#include "store/layout.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/order.h"
#include "store/outbox.h"
#include "store/record.h"
#include "store/tx.h"

static void attachment_name(struct dlg_attachment *a, const char *name)
{
	a->name = xstrdup(name);
	a->type = mime_type_sniff(a->data.buf, a->data.len);
}

int dlg_attachment_load(struct dlg_attachment *a, const char *path)
{
	const char *base = strrchr(path, '/');
	int err;
	strbuf_init(&a->data, 0);
	a->name = a->type = NULL;
	if ((err = file_read_regular(&a->data, AT_FDCWD, path, 0, DLG_ATTACH_MAX)) < 0)
		return dlg_error(err, "cannot attach '%s': %s", path, dlg_error_last());
	attachment_name(a, base && base[1] ? base + 1 : path);
	return 0;
}

int dlg_attachment_set(struct dlg_attachment *a, const char *name, const void *data, size_t len)
{
	strbuf_init(&a->data, 0);
	a->name = a->type = NULL;
	if (len > DLG_ATTACH_MAX)
		return dlg_error(DLG_EINVALID, "cannot attach '%s': %zu bytes, more than the %u MB "
				 "(%u bytes) allowed", name, len, DLG_ATTACH_MAX >> 20, DLG_ATTACH_MAX);
	strbuf_add(&a->data, data, len);
	attachment_name(a, name);
	return 0;
}

void dlg_attachment_release(struct dlg_attachment *a)
{
	free(a->name);
	free(a->type);
	a->name = a->type = NULL;
	strbuf_release(&a->data);
}

struct reply_job {
	const char *id;
	const char *text;    /* "": only the files */
	const struct dlg_attachment *files;
	size_t nfiles;
	int assigned;
	struct strbuf route;        /* the channel that will deliver it */
	struct strbuf unroutable;   /* else why none can */
};

/* Which channel dlg send would deliver the answer through, or why none. */
static void reply_route(struct reply_job *job, struct config *c, const char *kind, const char *route)
{
	const struct channel_driver *drv;
	struct strbuf k = STRBUF_INIT;
	strbuf_reset(&job->unroutable);
	if (outbox_route(&job->route, c, kind, route) < 0) {
		strbuf_addstr(&job->unroutable, dlg_error_last());
	} else {
		strbuf_addf(&k, "channel.%s.type", job->route.buf);
		drv = channel_driver_for(config_get(c, k.buf));
		if (!drv || !drv->send) {
			strbuf_addf(&job->unroutable, "sending through channel %s is not supported yet",
				    job->route.buf);
			strbuf_reset(&job->route);
		}
	}
	strbuf_release(&k);
}

/* An address that can go on an SMTP command line as it is. */
static int plain_address(const char *addr)
{
	return strchr(addr, '@') && !strpbrk(addr, " \t\r\n<>\",;()");
}

static int is_ours(const char *addr, const char *from_addr, struct config *c)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf k = STRBUF_INIT;
	const char *a;
	int ours = !strcasecmp(addr, from_addr);
	channel_names(&names, c);
	for (size_t i = 0; i < names.nr && !ours; i++) {
		strbuf_reset(&k);
		strbuf_addf(&k, "channel.%s.address", names.items[i]);
		ours = (a = config_get(c, k.buf)) && !strcasecmp(addr, a);
	}
	strlist_clear(&names);
	strbuf_release(&k);
	return ours;
}

/*
 * The customer's Cc, kept on the answer as a mail reader's "reply all"
 * keeps it: "a@x, b@y", without our own addresses (the one we answer
 * from, every email channel's), the customer, repeats, or anything that
 * is not a plain address.
 */
static void reply_cc(struct strbuf *out, const struct mime_message *m, const char *from_addr,
		     struct config *c)
{
	struct strlist seen = STRLIST_INIT;
	strlist_push(&seen, m->from.addr);
	for (size_t i = m->nto - m->ncc; i < m->nto; i++) {
		const char *addr = m->to[i].addr;
		int dup = 0;
		for (size_t k = 0; k < seen.nr && !dup; k++)
			dup = !strcasecmp(seen.items[k], addr);
		if (dup || !plain_address(addr) || is_ours(addr, from_addr, c))
			continue;
		strlist_push(&seen, addr);
		strbuf_addf(out, "%s%s", out->len ? ", " : "", addr);
	}
	strlist_clear(&seen);
}

/* What the commit message says was sent: the opening words, the files. */
static void reply_summary(struct strbuf *out, const struct reply_job *job)
{
	if (*job->text)
		dlg_text_excerpt(out, job->text);
	for (size_t i = 0; i < job->nfiles; i++) {
		strbuf_addstr(out, i ? ", " : *job->text ? " + " : "");
		term_sanitize(out, job->files[i].name, strlen(job->files[i].name), 0);
	}
}

static int reply_fn(struct dlg_tx *tx, void *payload)
{
	struct reply_job *job = payload;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT, from = STRBUF_INIT,
		      email = STRBUF_INIT, subject = STRBUF_INIT, refs = STRBUF_INIT, file = STRBUF_INIT,
		      msgid = STRBUF_INIT;
	struct dialog_info info;
	struct stored_msg last;
	struct oplog log = OPLOG_INIT;
	struct dialog_state st;
	struct strlist msgids = STRLIST_INIT;
	struct config config = CONFIG_INIT;
	struct strbuf cc = STRBUF_INIT, summary = STRBUF_INIT;
	struct reply_file *files = NULL;
	const char *kind;
	char key[17], rnd[17];
	unsigned long seq;
	int err, have_last, one_email;
	size_t nmsgs;

	job->assigned = 0;
	if ((err = dialog_info_require(&info, tx, job->id)) < 0)
		return err;
	dialog_dir(&dir, job->id);
	have_last = dialog_last_incoming(&last, tx, dir.buf);
	config_load_tx(&config, tx); /* none, or unreadable: no channel to name */
	kind = have_last ? last.channel : info.channel;
	reply_route(job, &config, kind, have_last ? last.route : NULL);

	/* Mail that came through an email channel is answered from its address. */
	if (have_last && last.route) {
		struct strbuf k = STRBUF_INIT;
		const char *addr;
		strbuf_addf(&k, "channel.%s.address", last.route);
		if ((addr = config_get(&config, k.buf)) && *addr)
			strbuf_addstr(&email, addr);
		strbuf_release(&k);
	}
	if (!email.len)
		store_operator_email(&email, tx_store(tx));
	strbuf_addf(&from, "%s <%s>", tx_operator(tx), email.buf);
	/* One "Re: ", in the customer's spelling of the rest. */
	strbuf_addf(&subject, "Re: %s", subject_strip_prefixes(info.subject));
	if (have_last && last.mime->message_id) {
		for (size_t i = 0; i < last.mime->nreferences; i++)
			strbuf_addf(&refs, "%s<%s>", refs.len ? " " : "", last.mime->references[i]);
		if (!last.mime->nreferences && last.mime->in_reply_to)
			strbuf_addf(&refs, "<%s>", last.mime->in_reply_to);
		strbuf_addf(&refs, "%s<%s>", refs.len ? " " : "", last.mime->message_id);
	}
	/*
	 * Email carries the text and every file in one message, as mail
	 * readers expect.  Chat channels promise one file per message: the
	 * text first, then each file as a message of its own.  Their files
	 * are named DATE.KEY and share the date, so the keys are handed out in
	 * ascending order: a dlg that sorts by name alone keeps it too.
	 */
	one_email = !strcmp(kind, "email");
	nmsgs = one_email ? 1 : job->nfiles + 1;
	files = xcalloc(job->nfiles + 1, sizeof(*files));
	for (size_t i = 0; i < job->nfiles; i++)
		files[i] = (struct reply_file){ job->files[i].name, job->files[i].type,
						job->files[i].data.buf, job->files[i].data.len };
	if (one_email && have_last)
		reply_cc(&cc, last.mime, email.buf, &config);
	for (size_t part = 0; part < nmsgs; part++) {
		const char *at = strrchr(email.buf, '@');
		random_hex(rnd, 16);
		strbuf_reset(&msgid);
		/* The Message-ID's domain is ours: the one of our From address. */
		strbuf_addf(&msgid, " dlg.%s.%s@%s", job->id, rnd, at && at[1] ? at + 1 : "dlg.invalid");
		if ((err = message_key_for(key, "email", msgid.buf + 1)) < 0)
			goto out;
		/* "KEY MSGID": sorting the lines sorts the keys */
		strbuf_reset(&file);
		strbuf_addf(&file, "%s%s", key, msgid.buf);
		strlist_push(&msgids, file.buf);
	}
	strlist_sort(&msgids);
	/* Their sequence says the order they were made in, whatever their keys
	   (store/order.h): the text, then each file, after all of the second. */
	if ((err = order_next_seq(&seq, tx, dir.buf)) < 0)
		goto out;
	for (size_t part = *job->text || one_email ? 0 : 1; part < nmsgs; part++) {
		struct reply_spec r = { 0 };
		const char *sp = strchr(msgids.items[part], ' ');
		memcpy(key, msgids.items[part], DLG_ID_LEN);
		key[DLG_ID_LEN] = '\0';
		strbuf_reset(&msgid);
		strbuf_addstr(&msgid, sp + 1);
		r.meta.channel = info.channel;
		r.meta.user = info.user;
		r.meta.channel_user = have_last ? last.channel_user : NULL;
		r.meta.channel_message = NULL;
		r.operator = tx_operator(tx);
		r.from = from.buf;
		r.to = have_last && *last.mime->from.addr ? last.mime->from.addr :
		       have_last && last.channel_user ? last.channel_user : "";
		r.cc = cc.buf;
		r.subject = subject.buf;
		r.message_id = msgid.buf;
		r.in_reply_to = have_last ? last.mime->message_id : NULL;
		r.references = refs.buf;
		r.text = part ? "" : job->text;
		r.date = tx_time(tx);
		r.seq = seq < ORDER_SEQ_MAX ? seq++ : seq;
		if (one_email) {
			r.files = files;
			r.nfiles = job->nfiles;
		} else if (part) {
			r.files = &files[part - 1];
			r.nfiles = 1;
		}
		strbuf_reset(&data);
		if ((err = message_build_reply(&data, &r)) < 0)
			goto out;
		strbuf_reset(&file);
		message_file_name(&file, tx_time(tx), key, 1);
		strbuf_reset(&path);
		layout_message(&path, dir.buf, file.buf);
		if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
		    (err = msgmap_add(tx, key, job->id, file.buf)) < 0 ||
		    (err = outbox_add(tx, key, job->id, file.buf)) < 0)
			goto out;
	}
	if ((err = record_load(&log, tx, dir.buf)) < 0)
		goto out;
	dialog_state_replay(&st, &log, -1);
	if (!st.assignee) {
		/* The first operator to answer takes the dialog. */
		err = record_op(tx, dir.buf, "assign", tx_operator(tx), NULL, NULL);
		job->assigned = 1;
	}
	dialog_state_clear(&st);
	reply_summary(&summary, job);
	if (job->assigned)
		tx_message(tx, "reply %.7s: %s (assign to %s)\n", job->id, summary.buf, tx_operator(tx));
	else
		tx_message(tx, "reply %.7s: %s\n", job->id, summary.buf);
out:
	if (have_last)
		stored_msg_clear(&last);
	config_clear(&config);
	strbuf_release(&cc);
	strbuf_release(&summary);
	free(files);
	oplog_clear(&log);
	dialog_info_clear(&info);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&from);
	strbuf_release(&email);
	strbuf_release(&subject);
	strbuf_release(&refs);
	strbuf_release(&file);
	strbuf_release(&msgid);
	strlist_clear(&msgids);
	return err;
}

void dlg_reply_result_clear(struct dlg_reply_result *r)
{
	free(r->channel);
	free(r->undeliverable);
	r->channel = r->undeliverable = NULL;
}

int dlg_reply(struct dlg_reply_result *out, struct dlg_store *s, const struct dlg_reply_opts *opts)
{
	struct reply_job job = { opts->dialog, opts->text, opts->files, opts->nfiles, 0,
				 STRBUF_INIT, STRBUF_INIT };
	int err;
	if (out)
		memset(out, 0, sizeof(*out));
	if (!opts->nfiles && (err = dlg_text_check(opts->text, "reply")) < 0)
		return err;
	if (dlg_text_blank(opts->text))
		job.text = "";
	if ((err = store_change(s, reply_fn, &job, NULL)) >= 0 && out) {
		out->assigned = job.assigned;
		if (job.route.len)
			out->channel = strbuf_detach(&job.route, NULL);
		else
			out->undeliverable = strbuf_detach(&job.unroutable, NULL);
	}
	strbuf_release(&job.route);
	strbuf_release(&job.unroutable);
	return err < 0 ? err : 0;
}
