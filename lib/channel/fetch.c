/*
 * dlg fetch's engine: one page from a channel's driver, imported in one
 * commit, and only then the channel's cursor moved, so a crash fetches again
 * rather than loses.
 */
#include <string.h>

#include "base/error.h"
#include "base/progress.h"
#include "channel/driver.h"
#include "channel/fetch.h"
#include "store/assign.h"
#include "store/tx.h"

struct fetch_job {
	struct fetch_batch *batch;
	struct channel *ch;
	struct import_result res;
	size_t before;   /* messages the fetch went through before this page */
};

static int fetch_fn(struct dlg_tx *tx, void *payload)
{
	struct fetch_job *job = payload;
	struct fetch_batch *b = job->batch;
	int err = 0;
	import_result_reset(&job->res);
	auto_assign_begin(job->res.autoassign);
	for (size_t i = 0; !err && i < b->nemails; i++) {
		dlg_progress("messages", job->before + i + 1, 0);
		err = import_email_routed(tx, "email", job->ch->name, b->emails[i].buf, b->emails[i].len,
					  &job->res);
		if (err == DLG_EINVALID) {
			/* Kept out of the store, said out loud: the server still has it. */
			struct strbuf w = STRBUF_INIT;
			strbuf_addf(&w, "message %zu: %s", i + 1, dlg_error_last());
			strlist_push(&b->warnings, w.buf);
			strbuf_release(&w);
			err = 0;
		}
	}
	for (size_t i = 0; !err && i < b->nmsgs; i++) {
		dlg_progress("messages", job->before + b->nemails + i + 1, 0);
		err = import_chan_msg(tx, &b->msgs[i], &job->res);
	}
	if (!err && job->res.imported)
		err = auto_assign_finish(job->res.autoassign, tx);
	if (!err && job->res.imported)
		tx_message(tx, "fetch %s: %zu message%s, %zu new dialog%s\n", job->ch->name,
			   job->res.imported, job->res.imported == 1 ? "" : "s", job->res.created,
			   job->res.created == 1 ? "" : "s");
	return err;
}

int channel_fetches(const struct channel *ch)
{
	return strcmp(ch->type, "email") || channel_get(ch, "imap");
}

int channel_fetch(struct import_result *res, struct strlist *warnings, int *more,
		  struct channel *ch, const struct fetch_opts *o)
{
	const struct channel_driver *drv = channel_driver_for(ch->type);
	struct fetch_batch b;
	struct fetch_job job = { &b, ch, { STRLIST_INIT, 0, 0, 0, NULL, STRLIST_INIT },
				 res->imported + res->duplicates };
	int err;

	if (!drv || !drv->fetch)
		return dlg_error(DLG_EINVALID, "channel %s: fetching from %s channels is not supported yet",
				 ch->name, ch->type);
	*more = 0;
	fetch_batch_init(&b);
	err = drv->fetch(&b, ch, o);
	for (size_t i = 0; i < b.warnings.nr; i++)
		strlist_push(warnings, b.warnings.items[i]);
	strlist_clear(&b.warnings);
	if (err < 0)
		goto out;
	if ((b.nmsgs || b.nemails) && (err = auto_assign_load(&job.res.autoassign, ch->store)) == 0)
		err = store_change(ch->store, fetch_fn, &job, NULL);
	auto_assign_free(job.res.autoassign);
	job.res.autoassign = NULL;
	for (size_t i = 0; i < b.warnings.nr; i++)
		strlist_push(warnings, b.warnings.items[i]);
	/* Only now, with the messages in a commit, may the cursor move. */
	if (!err && b.cursor.len)
		err = channel_cursor_write(ch->store, ch->name, b.cursor.buf);
	if (!err && drv->fetched)
		err = drv->fetched(ch, &b);
	if (!err) {
		*more = b.more;
		for (size_t i = 0; i < job.res.dialogs.nr; i++)
			strlist_push(&res->dialogs, job.res.dialogs.items[i]);
		res->imported += job.res.imported;
		res->duplicates += job.res.duplicates;
		res->created += job.res.created;
	}
out:
	import_result_reset(&job.res);
	fetch_batch_clear(&b);
	return err;
}
