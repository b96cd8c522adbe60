#include "cmd.h"
#include "store/merge.h"
#include "store/sync.h"

static const char *const sync_usage[] = {
	"dlg sync [-q] REF",
	"",
	"Merges another clone's branch, fetched with git fetch, into this store:",
	"a fast-forward or one merge commit; it never conflicts.  A REF that adds a",
	"path no store may hold (man dlg-sync, PATHS) is refused whole.",
	NULL,
};

CMD(sync)
{
	enum sync_result r;
	int quiet = 0, err;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, sync_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc != 1)
		return usage_with_options(sync_usage, opts, 0);
	if (!quiet)
		progress_begin();
	err = store_sync(&r, ctx->store, argv[0]);
	progress_end();
	if (err < 0)
		return error_last();
	if (!quiet)
		puts(r == SYNC_UP_TO_DATE ? "already up to date" :
		     r == SYNC_FAST_FORWARD ? "fast-forward" : "merged");
	return 0;
}
