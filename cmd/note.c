#include <string.h>

#include "cmd.h"
#include "ops/note.h"

static const char *const note_usage[] = {
	"dlg note [-q] [-m TEXT | -F FILE] ID",
	NULL,
};

CMD(note)
{
	struct strlist ids = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	const char *m = NULL, *file = NULL;
	int ret, quiet = 0;
	const struct opt opts[] = {
		OPT_STRING('m', "message", &m, "TEXT", "the note"),
		OPT_STRING('F', "file", &file, "FILE", "read it from FILE (- for stdin)"),
		OPT_FLAG('q', "quiet", &quiet, "do not say what was done"),
		OPT_TEXT("Adds an internal note to a dialog; notes never reach the customer."),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, note_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc != 1 || (m && file))
		return usage_with_options(note_usage, opts, 0);
	if (!strcmp(argv[0], "-") && text_wants_stdin(m, file))
		return error_usage("standard input holds the id: give the note with -m or -F FILE");
	/* the id first: "-" reads it from stdin, which the text may not then */
	if ((ret = one_id_from_args(&ids, ctx, 1, argv)))
		goto out;
	if ((ret = text_from_sources(&text, m, file, "note")))
		goto out;
	emoji_expand_in_place(&text);
	if (dlg_note(ctx->store, ids.items[0], text.buf) < 0)
		ret = error_last();
	else if (!quiet)
		report_change("note", &ids, 1, "added");
out:
	strlist_clear(&ids);
	strbuf_release(&text);
	return ret;
}
