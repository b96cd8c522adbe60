#include "ops/dialog.h"
#include "ops/note.h"
#include "ops/text.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

struct note_job {
	const char *id;
	const char *text;
};

static int note_fn(struct dlg_tx *tx, void *payload)
{
	struct note_job *job = payload;
	struct strbuf dir = STRBUF_INIT, excerpt = STRBUF_INIT;
	int err = dialog_info_require(NULL, tx, job->id);
	if (err < 0)
		return err;
	dialog_dir(&dir, job->id);
	err = record_note(tx, dir.buf, job->text);
	dlg_text_excerpt(&excerpt, job->text);
	tx_message(tx, "note %.7s: %s\n", job->id, excerpt.buf);
	strbuf_release(&dir);
	strbuf_release(&excerpt);
	return err;
}

int dlg_note(struct dlg_store *s, const char *dialog, const char *text)
{
	struct note_job job = { dialog, text };
	int err = dlg_text_check(text, "note");
	if (err < 0)
		return err;
	return store_change(s, note_fn, &job, NULL);
}
