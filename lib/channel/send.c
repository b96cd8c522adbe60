/*
 * dlg send's engine: the outbox as the commit has it, the route of each
 * message, one delivery at a time through the channel's driver, and the
 * back-off of failed ones.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/error.h"
#include "base/redact.h"
#include "base/time.h"
#include "channel/driver.h"
#include "channel/popups.h"
#include "channel/send.h"
#include "store/hub.h"
#include "store/id.h"
#include "store/import.h"
#include "store/order.h"
#include "store/outbox.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"
#include "store/view.h"

/* After this many failed attempts a retryable failure is final. */
#define MAX_ATTEMPTS 10
/* Back-off: one minute after the first failure, doubling, at most an hour. */
#define BACKOFF_FIRST 60
#define BACKOFF_MAX 3600

/* In the order they were written (store/order.h), dialog by dialog in a second. */
static int entry_cmp(const void *pa, const void *pb)
{
	const struct outbox_entry *a = pa, *b = pb;
	struct order_key ka = { message_name_time(a->file), a->seq, 0, a->file },
			 kb = { message_name_time(b->file), b->seq, 0, b->file };
	int c = order_cmp(&ka, &kb);
	return c ? c : strcmp(a->dialog, b->dialog);
}

/* The outbox as the commit has it: what to send, and stale entries dropped. */
struct plan_job {
	const struct strlist *ids;   /* only these dialogs; NULL: all */
	struct outbox_entry *e;
	size_t n, alloc;
	size_t dropped;
	int elsewhere;               /* the hub sends, not this store: e is left empty */
	size_t queued_elsewhere;
};

static void plan_reset(struct plan_job *job)
{
	outbox_free(job->e, job->n);
	job->e = NULL;
	job->n = job->alloc = job->dropped = 0;
}

static int plan_fn(struct dlg_tx *tx, void *payload)
{
	struct plan_job *job = payload;
	struct strlist keys = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, raw = STRBUF_INIT;
	struct config c = CONFIG_INIT;
	int err = 0;

	plan_reset(job); /* the callback runs again when the branch moved */
	job->queued_elsewhere = 0;
	tx_list(&keys, tx, "outbox");
	if ((err = config_load_tx(&c, tx)) < 0 || (job->elsewhere = !store_sends(tx_store(tx), &c))) {
		for (size_t i = 0; i < keys.nr && job->elsewhere; i++) {
			struct outbox_entry e;
			if (!outbox_entry_read(&e, tx, keys.items[i]) &&
			    (!job->ids || strlist_has(job->ids, e.dialog)))
				job->queued_elsewhere++;
			free(e.file);
		}
		strlist_clear(&keys); /* counted, not planned: a clone sends nothing */
	}
	for (size_t i = 0; i < keys.nr && !err; i++) {
		struct outbox_entry e;
		if (outbox_entry_read(&e, tx, keys.items[i]) < 0)
			continue;
		if (job->ids && !strlist_has(job->ids, e.dialog)) {
			free(e.file);
			continue;
		}
		strbuf_reset(&path);
		strbuf_reset(&raw);
		outbox_entry_message_path(&path, &e);
		err = tx_read(&raw, tx, path.buf);
		if (err == DLG_ENOTFOUND || (!err && !message_delivery_pending(raw.buf, raw.len))) {
			err = outbox_remove(tx, e.key);
			job->dropped++;
			free(e.file);
		} else if (!err) {
			e.seq = message_seq(raw.buf, raw.len);
			ALLOC_GROW(job->e, job->n + 1, job->alloc);
			job->e[job->n++] = e;
		} else {
			free(e.file);
		}
	}
	if (!err && job->dropped)
		tx_message(tx, "send: drop %zu stale outbox entr%s\n", job->dropped,
			   job->dropped == 1 ? "y" : "ies");
	/* Oldest first, in the order they were written. */
	if (job->n)
		qsort(job->e, job->n, sizeof(*job->e), entry_cmp);
	strlist_clear(&keys);
	strbuf_release(&path);
	strbuf_release(&raw);
	config_clear(&c);
	return err;
}

void send_reports_free(struct send_report *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].file);
		free(r[i].channel);
		free(r[i].detail);
	}
	free(r);
}

static const char *kind_type(const char *kind)
{
	return !strcmp(kind, "popup") ? "chat" : kind;
}

int outbox_route(struct strbuf *name, struct config *c, const char *kind, const char *route)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf k = STRBUF_INIT;
	const char *type = kind_type(kind), *t, *pick = NULL;
	size_t matches = 0;
	int err = 0;

	strbuf_reset(name);
	if (route) {
		strbuf_addf(&k, "channel.%s.type", route);
		t = config_get(c, k.buf);
		strbuf_release(&k);
		if (!t)
			return dlg_error(DLG_ENOTFOUND,
					 "the customer wrote through channel %s, which is not configured "
					 "(see dlg channel add)", route);
		if (!strcmp(t, type)) {
			strbuf_addstr(name, route);
			return 0;
		}
		/* Not dlg's word (a message stored before senders' fields were
		   renamed): no message comes through a channel of another kind. */
	}
	channel_names(&names, c);
	for (size_t i = 0; i < names.nr; i++) {
		strbuf_reset(&k);
		strbuf_addf(&k, "channel.%s.type", names.items[i]);
		t = config_get(c, k.buf);
		if (t && !strcmp(t, type)) {
			matches++;
			pick = names.items[i];
		}
	}
	if (matches == 1)
		strbuf_addstr(name, pick);
	else if (!matches)
		err = dlg_error(DLG_ENOTFOUND, "no %s channel is configured (see dlg channel add)", type);
	else
		err = dlg_error(DLG_EAMBIGUOUS,
				"%zu %s channels are configured and the customer's messages name none",
				matches, type);
	strlist_clear(&names);
	strbuf_release(&k);
	return err;
}

/* The channel a dialog's answers go through (outbox_route()), opened. */
static int route_for(struct channel *ch, struct dlg_store *s, struct config *c,
		     const struct stored_msg *last_in, const struct stored_msg *msg,
		     const char *dialog_kind)
{
	struct strbuf name = STRBUF_INIT;
	int err = outbox_route(&name, c, last_in ? last_in->channel : dialog_kind,
			       last_in ? last_in->route : msg->route);
	if (!err)
		err = channel_open(ch, s, c, name.buf);
	strbuf_release(&name);
	return err;
}

struct mark_job {
	const struct outbox_entry *e;
	const char *state;
	const char *const *headers;
	int final;               /* leaves the outbox */
	const char *summary;
};

static int mark_fn(struct dlg_tx *tx, void *payload)
{
	struct mark_job *job = payload;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT, out = STRBUF_INIT;
	int err;
	outbox_entry_message_path(&path, job->e);
	if ((err = tx_read(&data, tx, path.buf)) == DLG_ENOTFOUND) {
		err = outbox_remove(tx, job->e->key); /* the message is gone: so is its entry */
		goto out;
	} else if (err < 0) {
		goto out;
	}
	message_set_delivery(&out, data.buf, data.len, job->state, job->headers);
	if ((err = tx_write(tx, path.buf, out.buf, out.len)) < 0 ||
	    (job->final && (err = outbox_remove(tx, job->e->key)) < 0))
		goto out;
	tx_message(tx, "send %.7s: %s\n", job->e->dialog, job->summary);
out:
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&out);
	return err;
}

static int mark_sending(struct dlg_store *s, const struct outbox_entry *e, const char *channel,
			const char *attempts)
{
	struct strbuf summary = STRBUF_INIT;
	const char *h[] = { "X-Dlg-Attempts", attempts, NULL };
	struct mark_job job = { e, "sending", h, 0, NULL };
	int err;
	strbuf_addf(&summary, "sending via %s", channel);
	job.summary = summary.buf;
	err = store_change(s, mark_fn, &job, NULL);
	strbuf_release(&summary);
	return err;
}

/*
 * A message left "sending" by a run that ended before the channel's answer
 * was recorded, on a channel that would show it twice: the customer may
 * have it, so only an operator may send it again.
 */
static int mark_interrupted(struct send_report *rep, struct dlg_store *s, const struct outbox_entry *e,
			    const char *channel, long attempts)
{
	struct strbuf why = STRBUF_INIT, summary = STRBUF_INIT, n = STRBUF_INIT;
	int err;
	strbuf_addf(&n, "%ld", attempts);
	strbuf_addf(&why, "a send through %s was interrupted before the channel's answer was recorded: "
		    "it may have reached the customer; check, then 'dlg send --retry %.7s' sends it again",
		    channel, e->dialog);
	const char *h[] = { "X-Dlg-Attempts", n.buf, "X-Dlg-Error", why.buf, NULL };
	struct mark_job job = { e, "failed", h, 1, NULL };
	strbuf_addf(&summary, "failed via %s, interrupted", channel);
	job.summary = summary.buf;
	err = store_change(s, mark_fn, &job, NULL);
	rep->result = SEND_FAILED;
	rep->detail = strbuf_detach(&why, NULL);
	strbuf_release(&summary);
	strbuf_release(&n);
	return err;
}

static long backoff_seconds(long attempts, long retry_after)
{
	long wait = BACKOFF_FIRST;
	for (long i = 1; i < attempts && wait < BACKOFF_MAX; i++)
		wait *= 2;
	if (wait > BACKOFF_MAX)
		wait = BACKOFF_MAX;
	return retry_after > wait ? retry_after : wait;
}

/* What one send needs, read from the commit: the view is a copy people may edit. */
struct send_prep {
	const struct outbox_entry *e;
	int queued;                 /* the entry is there and its message still to deliver */
	struct strbuf raw;          /* the message as committed */
	struct stored_msg msg;      /* parsed with MIME_WANT_DATA */
	struct stored_msg last_in;  /* the customer's newest message */
	int have_msg, have_last;
	struct config config;
	struct dialog_info info;
	int have_info;
};

static void prep_clear(struct send_prep *p)
{
	if (p->have_msg)
		stored_msg_clear(&p->msg);
	if (p->have_last)
		stored_msg_clear(&p->last_in);
	if (p->have_info)
		dialog_info_clear(&p->info);
	strbuf_release(&p->raw);
	config_clear(&p->config);
	p->queued = p->have_msg = p->have_last = p->have_info = 0;
}

static int prep_fn(struct dlg_tx *tx, void *payload)
{
	struct send_prep *p = payload;
	struct outbox_entry now;
	struct strbuf path = STRBUF_INIT;
	int err = 0;

	prep_clear(p);
	/* another sender may have delivered it (or a commit dropped it) since the plan */
	if (outbox_entry_read(&now, tx, p->e->key) < 0)
		goto out;
	p->queued = !strcmp(now.dialog, p->e->dialog) && !strcmp(now.file, p->e->file);
	free(now.file);
	outbox_entry_message_path(&path, p->e);
	if (!p->queued || (err = tx_read(&p->raw, tx, path.buf)) < 0 ||
	    !(p->queued = message_delivery_pending(p->raw.buf, p->raw.len)))
		goto out;
	if (stored_msg_parse(&p->msg, p->e->file, p->raw.buf, p->raw.len, MIME_WANT_DATA) < 0)
		goto out; /* reported by the sender: have_msg is 0 */
	p->have_msg = 1;
	strbuf_reset(&path);
	dialog_dir(&path, p->e->dialog);
	if ((err = config_load_tx(&p->config, tx)) < 0)
		goto out;
	p->have_info = !dialog_info_read(&p->info, tx, path.buf);
	p->have_last = dialog_last_incoming(&p->last_in, tx, path.buf);
out:
	if (err == DLG_ENOTFOUND) {
		p->queued = 0; /* the message is gone */
		err = 0;
	}
	strbuf_release(&path);
	return err;
}

/* Tries to deliver one message and reports it in rep; 1 when it is no longer queued. */
static int send_one(struct send_report *rep, struct dlg_store *s, const struct outbox_entry *e,
		    int force)
{
	struct strbuf iso = STRBUF_INIT, attempts_s = STRBUF_INIT, summary = STRBUF_INIT, v = STRBUF_INIT;
	struct delivery d = { DELIVERY_RETRY, STRBUF_INIT, STRBUF_INIT, -1 };
	struct send_prep p;
	const struct stored_msg *msg = &p.msg, *last_in;
	struct channel ch = { 0 };
	const struct channel_driver *drv;
	long attempts = 0;
	int err;
	time_t now = dlg_now(), next;

	memset(&p, 0, sizeof(p));
	p.e = e;
	strbuf_init(&p.raw, 0);
	p.config = (struct config)CONFIG_INIT;
	if ((err = store_change(s, prep_fn, &p, NULL)) < 0)
		goto out;
	if (!p.queued) {
		err = 1;
		goto out;
	}
	if (!p.have_msg) {
		rep->result = SEND_FAILED;
		rep->detail = xstrdup("the queued message is empty");
		goto out;
	}
	last_in = p.have_last ? &p.last_in : NULL;
	if (!message_block_get(&v, p.raw.buf, p.raw.len, "X-Dlg-Attempts"))
		attempts = strtol(v.buf, NULL, 10);
	if (!force && msg->delivery && !strcmp(msg->delivery, "failed") && msg->next_attempt &&
	    !time_parse(&next, msg->next_attempt) && next > now) {
		rep->result = SEND_WAITING;
		rep->detail = xstrdup(msg->next_attempt);
		goto out;
	}
	if (!p.have_info) {
		rep->result = SEND_FAILED;
		rep->detail = xstrdup("the dialog has no info file (see dlg fsck)");
		goto out;
	}
	if (route_for(&ch, s, &p.config, last_in, msg, p.info.channel) < 0) {
		/* Nothing was tried: the message stays queued as it is. */
		rep->result = SEND_UNROUTED;
		rep->detail = xstrdup(dlg_error_last());
		goto out;
	}
	rep->channel = xstrdup(ch.name);
	if (!(drv = channel_driver_for(ch.type)) || !drv->send) {
		rep->result = SEND_UNROUTED;
		rep->detail = xstrdup("sending through this type of channel is not supported yet");
		goto out;
	}
	{
		struct outgoing o = { e->dialog, e->key, msg, last_in, NULL, p.raw.buf, p.raw.len };
		const struct stored_msg *from = last_in ? last_in : msg;
		o.to = from->conversation ? from->conversation : from->channel_user;
		if (!o.to || !*o.to) {
			rep->result = SEND_UNROUTED;
			rep->detail = xstrdup("the dialog has no customer address to answer");
			goto out;
		}
		if (msg->delivery && !strcmp(msg->delivery, "sending") && !drv->resend_shows_once) {
			err = mark_interrupted(rep, s, e, ch.name, attempts);
			goto out;
		}
		/* On disk before the channel hears of it: a crash from here on
		   leaves the message "sending", never "queued". */
		strbuf_addf(&attempts_s, "%ld", ++attempts);
		if ((err = mark_sending(s, e, ch.name, attempts_s.buf)) < 0 ||
		    (err = drv->send(&d, &ch, &o)) < 0)
			goto out;
	}
	/* the reason goes into the commit: no credentials in it */
	strbuf_redact(&d.error);
	if (d.state == DELIVERY_RETRY && attempts >= MAX_ATTEMPTS) {
		d.state = DELIVERY_FAILED;
		strbuf_addf(&d.error, " (gave up after %ld attempts)", attempts);
	}
	if (d.state == DELIVERY_SENT) {
		time_format_iso(&iso, now);
		const char *h[] = { "X-Dlg-Sent-Via", ch.name, "X-Dlg-Sent-Id", d.channel_id.buf,
				    "X-Dlg-Sent-At", iso.buf, "X-Dlg-Attempts", attempts_s.buf, NULL };
		struct mark_job job = { e, "sent", h, 1, NULL };
		strbuf_addf(&summary, "sent via %s", ch.name);
		job.summary = summary.buf;
		err = store_change(s, mark_fn, &job, NULL);
		rep->result = SEND_SENT;
		rep->detail = xstrdup(d.channel_id.buf);
	} else {
		int final = d.state == DELIVERY_FAILED;
		if (!final)
			time_format_iso(&iso, now + backoff_seconds(attempts, d.retry_after));
		const char *h[] = { "X-Dlg-Attempts", attempts_s.buf, "X-Dlg-Error", d.error.buf,
				    final ? NULL : "X-Dlg-Next-Attempt", iso.buf, NULL };
		struct mark_job job = { e, "failed", h, final, NULL };
		strbuf_addf(&summary, "failed via %s%s", ch.name, final ? "" : ", will retry");
		job.summary = summary.buf;
		err = store_change(s, mark_fn, &job, NULL);
		rep->result = final ? SEND_FAILED : SEND_RETRY;
		strbuf_reset(&summary);
		strbuf_addbuf(&summary, &d.error);
		if (!final)
			strbuf_addf(&summary, "; next attempt after %s", iso.buf);
		rep->detail = strbuf_detach(&summary, NULL);
	}
out:
	channel_close(&ch);
	prep_clear(&p);
	strbuf_release(&iso);
	strbuf_release(&attempts_s);
	strbuf_release(&summary);
	strbuf_release(&v);
	strbuf_release(&d.channel_id);
	strbuf_release(&d.error);
	return err;
}

/* Final failures of the dialogs in ids, back in the outbox, due now. */
struct retry_job {
	const struct strlist *ids;
	size_t requeued;
};

static int requeue_final_failure(struct retry_job *job, struct dlg_tx *tx, const char *dialog,
				 const char *file, const struct strbuf *raw, const char *now)
{
	struct strbuf path = STRBUF_INIT, out = STRBUF_INIT, attempts = STRBUF_INIT, why = STRBUF_INIT;
	char key[DLG_ID_LEN + 1];
	int err;
	const char *dot = strchr(file, '.');
	if (!dot || strlen(dot + 1) < DLG_ID_LEN)
		return 0;
	memcpy(key, dot + 1, DLG_ID_LEN);
	key[DLG_ID_LEN] = '\0';
	message_block_get(&attempts, raw->buf, raw->len, "X-Dlg-Attempts");
	message_block_get(&why, raw->buf, raw->len, "X-Dlg-Error");
	/* still "failed", so a merge with an older copy keeps this one */
	const char *h[] = { "X-Dlg-Attempts", attempts.buf, "X-Dlg-Error", why.buf,
			    "X-Dlg-Next-Attempt", now, NULL };
	message_set_delivery(&out, raw->buf, raw->len, "failed", h);
	layout_dialog_message(&path, dialog, file);
	if (!(err = tx_write(tx, path.buf, out.buf, out.len)) && !(err = outbox_add(tx, key, dialog, file)))
		job->requeued++;
	strbuf_release(&path);
	strbuf_release(&out);
	strbuf_release(&attempts);
	strbuf_release(&why);
	return err;
}

static int retry_fn(struct dlg_tx *tx, void *payload)
{
	struct retry_job *job = payload;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, raw = STRBUF_INIT, v = STRBUF_INIT,
		      now = STRBUF_INIT;
	struct strlist files = STRLIST_INIT;
	int err = 0;

	job->requeued = 0;
	time_format_iso(&now, tx_time(tx));
	for (size_t i = 0; i < job->ids->nr && !err; i++) {
		const char *dialog = job->ids->items[i];
		strbuf_reset(&dir);
		dialog_dir(&dir, dialog);
		strbuf_addstr(&dir, "/cur");
		strlist_clear(&files);
		tx_list(&files, tx, dir.buf);
		for (size_t k = 0; k < files.nr && !err; k++) {
			strbuf_reset(&raw);
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", dir.buf, files.items[k]);
			if (tx_read(&raw, tx, path.buf) < 0 ||
			    message_block_get(&v, raw.buf, raw.len, "X-Dlg-Direction") || strcmp(v.buf, "out") ||
			    message_block_get(&v, raw.buf, raw.len, "X-Dlg-Delivery") || strcmp(v.buf, "failed") ||
			    message_delivery_pending(raw.buf, raw.len))
				continue;
			err = requeue_final_failure(job, tx, dialog, files.items[k], &raw, now.buf);
		}
	}
	if (!err && job->requeued)
		tx_message(tx, "send: retry %zu failed message%s\n", job->requeued,
			   job->requeued == 1 ? "" : "s");
	strlist_clear(&files);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&raw);
	strbuf_release(&v);
	strbuf_release(&now);
	return err;
}

int outbox_retry(size_t *requeued, struct dlg_store *s, const struct strlist *ids)
{
	struct retry_job job = { ids, 0 };
	int err = store_change(s, retry_fn, &job, NULL);
	*requeued = job.requeued;
	return err;
}

/* One sender at a time: two would both see a message queued and send it twice. */
static int send_lock(int *fd, struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT;
	strbuf_addf(&path, "%s/send.lock", s->dlgdir);
	*fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	strbuf_release(&path);
	if (*fd < 0)
		return dlg_error(DLG_ERROR, "cannot open the send lock: %s", strerror(errno));
	while (flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(*fd);
			return dlg_error(DLG_ERROR, "cannot lock the outbox: %s", strerror(errno));
		}
	return 0;
}

int outbox_send(struct send_report **out, size_t *nout, struct dlg_store *s,
		const struct strlist *ids, int force)
{
	struct plan_job plan = { ids, NULL, 0, 0, 0, 0, 0 };
	size_t alloc = 0;
	int err, fd;

	*out = NULL;
	*nout = 0;
	if ((err = send_lock(&fd, s)) < 0)
		return err;
	/* Another sender may have finished while we waited for the lock. */
	if ((err = store_view_update(s)) < 0 || (err = store_change(s, plan_fn, &plan, NULL)) < 0)
		goto out;
	if (plan.elsewhere) {
		err = dlg_error(DLG_EELSEWHERE, "the hub sends answers, not this clone (queued here: %zu; "
				"they go out once they reach the hub)", plan.queued_elsewhere);
		goto out;
	}
	for (size_t i = 0; i < plan.n && !err; i++) {
		struct send_report rep;
		memset(&rep, 0, sizeof(rep));
		memcpy(rep.dialog, plan.e[i].dialog, sizeof(rep.dialog));
		rep.file = xstrdup(plan.e[i].file);
		if ((err = send_one(&rep, s, &plan.e[i], force)) > 0) {
			free(rep.file);
			err = 0;
			continue;
		}
		ALLOC_GROW(*out, *nout + 1, alloc);
		(*out)[(*nout)++] = rep;
	}
	/* the one that sends answers publishes the page pop-ups too */
	if (!err)
		err = popups_publish(s);
out:
	plan_reset(&plan);
	close(fd);
	return err;
}
