#include <getopt.h>

#include "cmd.h"
#include "store/record.h"

static const char reopen_usage[] =
	"usage: dlg reopen [ID...]\n"
	"Reopens dialogs (ids as arguments or one per line on stdin).\n";

CMD(reopen)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct dialog_op op = { "reopen", NULL };
	struct strlist ids = STRLIST_INIT;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1)
		return usage(reopen_usage, c == 'h');
	if ((ret = ids_from_args(&ids, ctx, argc - optind, argv + optind)) == 0 &&
	    dialogs_apply(ctx->store, &ids, &op, 1, "reopen %s", NULL) < 0)
		ret = error_last();
	strlist_clear(&ids);
	return ret;
}
