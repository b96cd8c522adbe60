#include <getopt.h>

#include "cmd.h"

static const char fsck_usage[] =
	"usage: dlg fsck [--repair]\n"
	"Compares the files of the store with its latest commit and lists what\n"
	"differs (modified, missing, extra).  --repair restores the files from the\n"
	"commit; extra files are moved to .git/dlg/lost+found, never deleted.\n";

CMD(fsck)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf report = STRBUF_INIT;
	int c, repair = 0, n;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'r')
			repair = 1;
		else
			return usage(fsck_usage, c == 'h');
	}
	if (optind < argc)
		return usage(fsck_usage, 0);
	n = store_fsck(&report, ctx->store, repair);
	if (n < 0)
		return error_last();
	print_safe(stdout, report.buf, 1);
	strbuf_release(&report);
	if (n && repair)
		printf("repaired %d problem%s\n", n, n == 1 ? "" : "s");
	return n && !repair ? 1 : 0;
}
