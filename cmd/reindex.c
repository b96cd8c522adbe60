#include <getopt.h>

#include "cmd.h"
#include "store/index.h"

static const char reindex_usage[] =
	"usage: dlg reindex [-q]\n"
	"Rebuilds the derived index that dlg list reads (.git/dlg/index.sqlite)\n"
	"from the store.  Never needed for correctness: dlg keeps the index\n"
	"current and rebuilds it by itself when it is missing or damaged.\n"
	"  -q, --quiet   print nothing\n";

CMD(reindex)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dlg_index *ix = NULL;
	struct strlist ids = STRLIST_INIT;
	int c, quiet = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(reindex_usage, c == 'h');
	}
	if (optind < argc)
		return usage(reindex_usage, 0);
	if (index_open(&ix, ctx->store) < 0 || index_rebuild(ix) < 0 || index_ids(ix, &ids) < 0)
		ret = error_last();
	else if (!quiet)
		printf("indexed %zu dialog%s\n", ids.nr, ids.nr == 1 ? "" : "s");
	strlist_clear(&ids);
	index_free(ix);
	return ret;
}
