#include "cmd.h"
#include "ops/dialog.h"

static const char *const reopen_usage[] = {
	"dlg reopen [ID...]",
	"",
	"Reopens dialogs (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(reopen)
{
	static const struct opt opts[] = { OPT_END() };
	struct strlist ids = STRLIST_INIT;
	int ret;

	argc = parse_options(argc, argv, opts, reopen_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if ((ret = ids_from_args(&ids, ctx, argc, argv)) == 0 &&
	    dlg_reopen(NULL, ctx->store, &ids) < 0)
		ret = error_last();
	strlist_clear(&ids);
	return ret;
}
