
#include "cmd.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

static const char note_usage[] =
	"usage: dlg note [-m TEXT | -F FILE] ID\n"
	"  -m, --message TEXT   the note\n"
	"  -F, --file FILE      read it from FILE (- for stdin)\n"
	"Adds an internal note to a dialog; notes never reach the customer.\n";

struct note_job {
	const char *id;
	const char *text;
};

static int note_fn(struct dlg_tx *tx, void *payload)
{
	struct note_job *job = payload;
	struct strbuf dir = STRBUF_INIT;
	int err;
	dialog_dir(&dir, job->id);
	err = record_note(tx, dir.buf, job->text);
	tx_message(tx, "note %.7s\n", job->id);
	strbuf_release(&dir);
	return err;
}

CMD(note)
{
	struct strlist ids = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	struct note_job job;
	char *target;
	int ret = parse_text_command(&target, &text, argc, argv, note_usage, "note");

	if (ret || (ret = ids_from_args(&ids, ctx, 1, &target)))
		goto out;
	job.id = ids.items[0];
	job.text = text.buf;
	if (store_change(ctx->store, note_fn, &job, NULL) < 0)
		ret = error_last();
out:
	strlist_clear(&ids);
	strbuf_release(&text);
	return ret < 0 ? 0 : ret;
}
