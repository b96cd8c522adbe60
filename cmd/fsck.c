#include <getopt.h>

#include "cmd.h"

static const char fsck_usage[] =
	"usage: dlg fsck [--repair]\n"
	"Compares the files of the store with its latest commit and lists what\n"
	"differs (modified, missing, extra, symlink; invalid: a path of the commit\n"
	"that no store may hold).  --repair restores the files from the commit;\n"
	"extra files and links are moved to .git/dlg/lost+found, never deleted.\n";

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
	print_safe(stdout, report.buf, 1);
	strbuf_release(&report);
	if (n < 0)
		return error_last();
	if (n && repair)
		printf("repaired %d problem%s\n", n, n == 1 ? "" : "s");
	return n && !repair ? 1 : 0;
}
