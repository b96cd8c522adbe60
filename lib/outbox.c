/*
 * The generic half of send: the outbox, delivery states and back-off.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "deliver.h"
#include "error.h"
#include "record.h"
#include "summary.h"
#include "util.h"

/* After this many failed attempts a retryable failure is final. */
#define MAX_ATTEMPTS 10
/* Back-off: one minute after the first failure, doubling, at most an hour. */
#define BACKOFF_FIRST 60
#define BACKOFF_MAX 3600

/* ---- the outbox ---- */

static void outbox_path(struct strbuf *out, const char *key)
{
	strbuf_addf(out, "outbox/%s", key);
}

int outbox_add(struct dlg_tx *tx, const char *key, const char *dialog, const char *file)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err;
	outbox_path(&path, key);
	strbuf_addf(&data, "%s %s\n", dialog, file);
	err = tx_write(tx, path.buf, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int outbox_remove(struct dlg_tx *tx, const char *key)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	outbox_path(&path, key);
	err = tx_remove(tx, path.buf);
	strbuf_release(&path);
	return err;
}

void outbox_free(struct outbox_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].file);
	free(e);
}

static int entry_by_file(const void *pa, const void *pb)
{
	const struct outbox_entry *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);
	return c ? c : strcmp(a->dialog, b->dialog);
}

int outbox_list(struct outbox_entry **out, size_t *n, struct dlg_store *s)
{
	struct strlist keys = STRLIST_INIT;
	struct strbuf rel = STRBUF_INIT, data = STRBUF_INIT;
	struct outbox_entry *e;
	size_t k = 0;

	view_list(&keys, s, "outbox");
	e = xcalloc(keys.nr + 1, sizeof(*e));
	for (size_t i = 0; i < keys.nr; i++) {
		const char *sp;
		strbuf_reset(&rel);
		strbuf_reset(&data);
		strbuf_addf(&rel, "outbox/%s", keys.items[i]);
		if (strlen(keys.items[i]) != DLG_ID_LEN || view_read(&data, s, rel.buf) < 0)
			continue;
		strbuf_trim(&data);
		sp = strchr(data.buf, ' ');
		if (!sp || sp - data.buf != DLG_ID_LEN || !sp[1])
			continue;
		memcpy(e[k].key, keys.items[i], DLG_ID_LEN + 1);
		memcpy(e[k].dialog, data.buf, DLG_ID_LEN);
		e[k].dialog[DLG_ID_LEN] = '\0';
		e[k].file = xstrdup(sp + 1);
		k++;
	}
	/* Oldest first: file names start with the message's time. */
	qsort(e, k, sizeof(*e), entry_by_file);
	*out = e;
	*n = k;
	strlist_clear(&keys);
	strbuf_release(&rel);
	strbuf_release(&data);
	return 0;
}

/* ---- delivery headers ---- */

static int is_delivery_header(const char *line, size_t n)
{
	static const char *const names[] = { "X-Dlg-Delivery:", "X-Dlg-Attempts:", "X-Dlg-Error:",
					     "X-Dlg-Next-Attempt:", "X-Dlg-Sent-Via:", "X-Dlg-Sent-Id:",
					     "X-Dlg-Sent-At:", NULL };
	for (int i = 0; names[i]; i++)
		if (n >= strlen(names[i]) && !strncmp(line, names[i], strlen(names[i])))
			return 1;
	return 0;
}

void message_set_delivery(struct strbuf *out, const char *raw, size_t len, const char *state,
			  const char *const *headers)
{
	size_t block = message_block_len(raw, len), i = 0;
	message_add_header(out, "X-Dlg-Delivery", state, "\n");
	for (; headers && headers[0]; headers += 2)
		message_add_header(out, headers[0], headers[1], "\n");
	/* the rest of dlg's block: one field a line */
	while (i < block) {
		const char *line = raw + i, *nl = memchr(line, '\n', block - i);
		size_t n = nl ? (size_t)(nl - line) + 1 : block - i;
		if (!is_delivery_header(line, n))
			strbuf_add(out, line, n);
		i += n;
	}
	strbuf_add(out, raw + block, len - block);
}

/* ---- sending ---- */

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

/*
 * The channel a dialog's answers go through: the one the customer's most
 * recent message came through (or, before the customer wrote, the one a
 * trigger message named), else the only configured channel of that kind.
 * Fails with the reason when there is none or several.
 */
static int route_for(struct channel *ch, struct dlg_store *s, struct config *c,
		     const struct stored_msg *last_in, const struct stored_msg *msg,
		     const char *dialog_kind)
{
	struct strlist names = STRLIST_INIT;
	const char *kind = last_in ? last_in->channel : dialog_kind, *type = kind_type(kind);
	const char *route = last_in ? last_in->route : msg->route, *pick = NULL;
	size_t matches = 0;
	int err;

	if (route) {
		err = channel_open(ch, s, c, route);
		if (err == DLG_ENOTFOUND)
			return dlg_error(DLG_ENOTFOUND,
					 "the customer wrote through channel %s, which is not configured "
					 "(see dlg channel add)", route);
		if (err < 0 || !strcmp(ch->type, type))
			return err;
		/* Not dlg's word (a message stored before senders' fields were
		   renamed): no message comes through a channel of another kind. */
		channel_close(ch);
	}
	channel_names(&names, c);
	for (size_t i = 0; i < names.nr; i++) {
		struct strbuf k = STRBUF_INIT;
		const char *t;
		strbuf_addf(&k, "channel.%s.type", names.items[i]);
		t = config_get(c, k.buf);
		strbuf_release(&k);
		if (t && !strcmp(t, type)) {
			matches++;
			pick = names.items[i];
		}
	}
	if (matches == 1)
		err = channel_open(ch, s, c, pick);
	else if (!matches)
		err = dlg_error(DLG_ENOTFOUND, "no %s channel is configured (see dlg channel add)", type);
	else
		err = dlg_error(DLG_EAMBIGUOUS,
				"%zu %s channels are configured and the customer's messages name none",
				matches, type);
	strlist_clear(&names);
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
	dialog_dir(&path, job->e->dialog);
	strbuf_addf(&path, "/cur/%s", job->e->file);
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

static long backoff_seconds(long attempts, long retry_after)
{
	long wait = BACKOFF_FIRST;
	for (long i = 1; i < attempts && wait < BACKOFF_MAX; i++)
		wait *= 2;
	if (wait > BACKOFF_MAX)
		wait = BACKOFF_MAX;
	return retry_after > wait ? retry_after : wait;
}

static struct send_report *report_add(struct send_report **r, size_t *n, size_t *alloc,
				      const struct outbox_entry *e)
{
	struct send_report *rep;
	ALLOC_GROW(*r, *n + 1, *alloc);
	rep = &(*r)[(*n)++];
	memset(rep, 0, sizeof(*rep));
	memcpy(rep->dialog, e->dialog, sizeof(rep->dialog));
	rep->file = xstrdup(e->file);
	return rep;
}

static int send_one(struct send_report *rep, struct dlg_store *s, struct config *c,
		    const struct outbox_entry *e, int force)
{
	struct stored_msg *msgs = NULL, *msg = NULL, *last_in = NULL, full;
	struct strbuf rel = STRBUF_INIT, raw = STRBUF_INIT, iso = STRBUF_INIT, attempts_s = STRBUF_INIT,
		      summary = STRBUF_INIT;
	struct delivery d = { DELIVERY_RETRY, STRBUF_INIT, STRBUF_INIT, -1 };
	struct dialog_summary ds = { 0 };
	struct channel ch = { 0 };
	const struct channel_driver *drv;
	size_t n = 0;
	long attempts = 0;
	int err = 0, have_ds = 0;
	time_t now = dlg_now();

	/* headers for the route; the bytes of attachments for this message only */
	dialog_messages_load(&msgs, &n, s, e->dialog, 0);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(msgs[i].name, e->file))
			msg = &msgs[i];
		else if (!msgs[i].out)
			last_in = &msgs[i]; /* by time: the last one wins */
	}
	dialog_dir(&rel, e->dialog);
	strbuf_addf(&rel, "/cur/%s", e->file);
	if (!msg || view_read(&raw, s, rel.buf) < 0 ||
	    stored_msg_parse(&full, e->file, raw.buf, raw.len, MIME_WANT_DATA) < 0) {
		rep->result = SEND_FAILED;
		rep->detail = xstrdup("the queued message is missing from the dialog");
		msg = NULL;
		goto out;
	}
	msg = &full;
	{
		struct strbuf v = STRBUF_INIT;
		time_t next;
		if (!message_block_get(&v, raw.buf, raw.len, "X-Dlg-Attempts"))
			attempts = strtol(v.buf, NULL, 10);
		strbuf_release(&v);
		if (!force && msg->delivery && !strcmp(msg->delivery, "failed") && msg->next_attempt &&
		    !time_parse(&next, msg->next_attempt) && next > now) {
			rep->result = SEND_WAITING;
			rep->detail = xstrdup(msg->next_attempt);
			goto out;
		}
	}
	if (dialog_summary_load(&ds, s, e->dialog) < 0) {
		rep->result = SEND_FAILED;
		rep->detail = xstrdup(dlg_error_last());
		goto out;
	}
	have_ds = 1;
	if (route_for(&ch, s, c, last_in, msg, ds.info.channel) < 0) {
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
		struct outgoing o = { e->dialog, e->key, msg, last_in, NULL, raw.buf, raw.len };
		const struct stored_msg *from = last_in ? last_in : msg;
		o.to = from->conversation ? from->conversation : from->channel_user;
		if (!o.to || !*o.to) {
			rep->result = SEND_UNROUTED;
			rep->detail = xstrdup("the dialog has no customer address to answer");
			goto out;
		}
		if ((err = drv->send(&d, &ch, &o)) < 0)
			goto out;
	}
	attempts++;
	strbuf_addf(&attempts_s, "%ld", attempts);
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
	if (have_ds)
		dialog_summary_clear(&ds);
	channel_close(&ch);
	if (msg == &full)
		stored_msg_clear(&full);
	dialog_messages_free(msgs, n);
	strbuf_release(&rel);
	strbuf_release(&raw);
	strbuf_release(&iso);
	strbuf_release(&attempts_s);
	strbuf_release(&summary);
	strbuf_release(&d.channel_id);
	strbuf_release(&d.error);
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
	struct outbox_entry *e = NULL;
	struct config c = CONFIG_INIT;
	size_t n = 0, alloc = 0;
	int err, fd;

	*out = NULL;
	*nout = 0;
	if ((err = send_lock(&fd, s)) < 0)
		return err;
	/* Another sender may have finished while we waited for the lock. */
	if ((err = store_view_update(s)) < 0 || (err = config_load(&c, s)) < 0 ||
	    (err = outbox_list(&e, &n, s)) < 0)
		goto out;
	for (size_t i = 0; i < n && !err; i++) {
		if (ids && !strlist_has(ids, e[i].dialog))
			continue;
		err = send_one(report_add(out, nout, &alloc, &e[i]), s, &c, &e[i], force);
	}
out:
	outbox_free(e, n);
	config_clear(&c);
	close(fd);
	return err;
}
