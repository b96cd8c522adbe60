#include "cmd.h"
#include "ops/dialog.h"

static const char *const close_usage[] = {
	"dlg close [-q] [ID...]",
	"",
	"Closes dialogs (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(close)
{
	struct strlist ids = STRLIST_INIT;
	size_t changed = 0;
	int ret, quiet = 0;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "do not say what changed"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, close_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if ((ret = ids_from_args(&ids, ctx, argc, argv)) == 0 &&
	    dlg_close(&changed, ctx->store, &ids) < 0)
		ret = error_last();
	else if (!ret && !quiet)
		report_change("close", &ids, changed, "closed");
	strlist_clear(&ids);
	return ret;
}
