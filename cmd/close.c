#include "cmd.h"
#include "ops/dialog.h"

static const char *const close_usage[] = {
	"dlg close [ID...]",
	"",
	"Closes dialogs (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(close)
{
	static const struct opt opts[] = { OPT_END() };
	struct strlist ids = STRLIST_INIT;
	int ret;

	argc = parse_options(argc, argv, opts, close_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if ((ret = ids_from_args(&ids, ctx, argc, argv)) == 0 &&
	    dlg_close(NULL, ctx->store, &ids) < 0)
		ret = error_last();
	strlist_clear(&ids);
	return ret;
}
