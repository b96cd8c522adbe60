#include "cmd.h"
#include "store/index.h"

static const char *const reindex_usage[] = {
	"dlg reindex [-q]",
	"",
	"Rebuilds the derived index that dlg list reads (.git/dlg/index.sqlite)",
	"from the store.  Never needed for correctness: dlg keeps the index",
	"current and rebuilds it by itself when it is missing or damaged.",
	NULL,
};

CMD(reindex)
{
	struct dlg_index *ix = NULL;
	struct strlist ids = STRLIST_INIT;
	int quiet = 0, ret = 0, failed;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, reindex_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc)
		return usage_with_options(reindex_usage, opts, 0);
	if (!quiet)
		progress_begin();
	failed = index_open(&ix, ctx->store) < 0 || index_rebuild(ix) < 0 || index_ids(ix, &ids) < 0;
	progress_end();
	if (failed)
		ret = error_last();
	else if (!quiet)
		printf("indexed %zu dialog%s\n", ids.nr, ids.nr == 1 ? "" : "s");
	strlist_clear(&ids);
	index_free(ix);
	return ret;
}
