#include <getopt.h>

#include "cmd.h"
#include "store/merge.h"
#include "store/sync.h"

static const char sync_usage[] =
	"usage: dlg sync [-q] REF\n"
	"Merges another clone's branch, fetched with git fetch, into this store:\n"
	"a fast-forward or one merge commit; it never conflicts.  A REF that adds a\n"
	"path no store may hold (man dlg-sync, PATHS) is refused whole.\n"
	"  -q, --quiet   print nothing\n";

CMD(sync)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum sync_result r;
	int c, quiet = 0;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(sync_usage, c == 'h');
	}
	if (argc - optind != 1)
		return usage(sync_usage, 0);
	if (store_sync(&r, ctx->store, argv[optind]) < 0)
		return error_last();
	if (!quiet)
		puts(r == SYNC_UP_TO_DATE ? "already up to date" :
		     r == SYNC_FAST_FORWARD ? "fast-forward" : "merged");
	return 0;
}
