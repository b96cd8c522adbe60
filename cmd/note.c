#include <getopt.h>

#include "cmd.h"
#include "record.h"

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
	static const struct option opts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "file", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strlist ids = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	const char *m = NULL, *file = NULL;
	struct note_job job;
	int c, ret;

	while ((c = getopt_long(argc, argv, "m:F:h", opts, NULL)) != -1) {
		if (c == 'm')
			m = optarg;
		else if (c == 'F')
			file = optarg;
		else
			return usage(note_usage, c == 'h');
	}
	if (argc - optind != 1 || (m && file))
		return usage(note_usage, 0);
	if ((ret = ids_from_args(&ids, ctx, 1, argv + optind)) ||
	    (ret = text_from_sources(&text, m, file, "note")))
		goto out;
	job.id = ids.items[0];
	job.text = text.buf;
	if (store_change(ctx->store, note_fn, &job, NULL) < 0)
		ret = error_last();
out:
	strlist_clear(&ids);
	strbuf_release(&text);
	return ret;
}
