#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/progress.h"
#include "mail/mime.h"
#include "mail/rfc5322.h"
#include "ops/channel.h"
#include "ops/import.h"
#include "store/assign.h"
#include "store/chanmsg.h"
#include "store/import.h"
#include "store/record.h"
#include "store/tx.h"

struct dated_msg {
	const struct dlg_import_msg *msg;
	time_t date;
	size_t seq;
};

struct import_job {
	const struct dlg_import_opts *opts;
	const char *channel;
	struct dated_msg *order;
	size_t first, count;       /* the batch being imported */
	struct import_result res;  /* of the batch */
	struct strlist skipped;    /* of the batch */
};

void dlg_import_result_clear(struct dlg_import_result *r)
{
	strlist_clear(&r->dialogs);
	strlist_clear(&r->skipped);
	r->imported = r->duplicates = r->created = 0;
}

int dlg_import_check(const struct dlg_import_opts *opts)
{
	if (opts->channel && !tag_valid(opts->channel))
		return dlg_error(DLG_EINVALID, "invalid channel name '%s'", opts->channel);
	return 0;
}

static int by_date(const void *pa, const void *pb)
{
	const struct dated_msg *a = pa, *b = pb;
	/* Parents before replies, so a batch threads as it would one by one. */
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The order the messages go in. */
static struct dated_msg *import_order(const struct dlg_import_opts *opts)
{
	struct dated_msg *order = xcalloc(opts->nmsgs, sizeof(*order));
	struct strbuf date = STRBUF_INIT;
	for (size_t i = 0; i < opts->nmsgs; i++) {
		const struct dlg_import_msg *m = &opts->msgs[i];
		order[i].msg = m;
		order[i].seq = i;
		strbuf_reset(&date);
		/* JSON lines keep their order: their dates were parsed by nobody yet. */
		if (!opts->json && !mime_header_get(&date, m->data, m->len, "Date"))
			mime_date_parse(&order[i].date, date.buf);
	}
	strbuf_release(&date);
	if (!opts->json)
		qsort(order, opts->nmsgs, sizeof(*order), by_date);
	return order;
}

static int import_fn(struct dlg_tx *tx, void *payload)
{
	struct import_job *job = payload;
	struct strbuf why = STRBUF_INIT;
	int err = 0;
	/* the callback runs again after a lost race */
	import_result_reset(&job->res);
	strlist_clear(&job->skipped);
	auto_assign_begin(job->res.autoassign);
	for (size_t i = job->first; i < job->first + job->count; i++) {
		const struct dlg_import_msg *msg = job->order[i].msg;
		if (job->opts->json) {
			struct chan_msg m;
			err = chan_msg_from_json(&m, msg->data, msg->len, NULL);
			if (!err)
				err = import_chan_msg(tx, &m, &job->res);
			chan_msg_clear(&m);
		} else {
			err = import_email(tx, job->channel, msg->data, msg->len, &job->res);
		}
		dlg_progress("messages", i + 1, job->opts->nmsgs);
		if (err == DLG_EINVALID) { /* this message only: the rest still goes in */
			strbuf_reset(&why);
			strbuf_addf(&why, "%s: %s", msg->source, dlg_error_last());
			strlist_push(&job->skipped, why.buf);
			err = 0;
		} else if (err < 0) {
			break;
		}
	}
	strbuf_release(&why);
	if (err < 0)
		return err;
	if (job->res.imported && (err = auto_assign_finish(job->res.autoassign, tx)) < 0)
		return err;
	if (job->res.imported)
		tx_message(tx, "import: %zu message%s, %zu new dialog%s\n", job->res.imported,
			   job->res.imported == 1 ? "" : "s", job->res.created,
			   job->res.created == 1 ? "" : "s");
	return 0;
}

/* Sorts l and drops the repeats. */
static void dialogs_unique(struct strlist *l)
{
	size_t kept = 0;
	strlist_sort(l);
	for (size_t i = 0; i < l->nr; i++) {
		if (kept && !strcmp(l->items[i], l->items[kept - 1]))
			free(l->items[i]);
		else
			l->items[kept++] = l->items[i];
	}
	l->nr = kept;
}

int dlg_import(struct dlg_import_result *out, struct dlg_store *s, const struct dlg_import_opts *opts)
{
	struct import_job job = { opts, "email", NULL, 0, 0,
				  { STRLIST_INIT, 0, 0, 0, NULL, STRLIST_INIT }, STRLIST_INIT };
	struct strbuf channel = STRBUF_INIT;
	int err;

	if ((err = dlg_import_check(opts)) < 0 || !opts->nmsgs)
		return err;
	/* a configured channel's name stands for its type, which dialogs record */
	if (opts->channel && (err = dlg_channel_kind(&channel, s, opts->channel)) < 0)
		return err;
	if (opts->channel)
		job.channel = channel.buf;
	if ((err = auto_assign_load(&job.res.autoassign, s)) < 0) {
		strbuf_release(&channel);
		return err;
	}
	job.order = import_order(opts);
	for (job.first = 0; job.first < opts->nmsgs; job.first += job.count) {
		job.count = opts->nmsgs - job.first < DLG_IMPORT_BATCH ? opts->nmsgs - job.first
								      : DLG_IMPORT_BATCH;
		err = store_change(s, import_fn, &job, NULL);
		for (size_t i = 0; i < job.skipped.nr; i++)
			strlist_push(&out->skipped, job.skipped.items[i]);
		if (err < 0)
			break;
		auto_assign_committed(job.res.autoassign);
		for (size_t i = 0; i < job.res.dialogs.nr; i++)
			strlist_push(&out->dialogs, job.res.dialogs.items[i]);
		/* a rerun after an interruption names them too, so a pipeline
		   (dlg import | dlg assign bob) still reaches every dialog */
		for (size_t i = 0; i < job.res.known.nr; i++)
			strlist_push(&out->dialogs, job.res.known.items[i]);
		out->imported += job.res.imported;
		out->duplicates += job.res.duplicates;
		out->created += job.res.created;
	}
	dialogs_unique(&out->dialogs);
	free(job.order);
	auto_assign_free(job.res.autoassign);
	import_result_reset(&job.res);
	strlist_clear(&job.skipped);
	strbuf_release(&channel);
	return err;
}
