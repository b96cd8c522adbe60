#include <string.h>

#include "cmd.h"
#include "ops/dialog.h"

static const char *const tag_usage[] = {
	"dlg tag +TAG|-TAG... [ID...|-]",
	"",
	"Adds (+) and removes (-) tags (ids as arguments, or one per line on stdin).",
	NULL,
};

CMD(tag)
{
	static const struct opt opts[] = { OPT_END() };
	struct strlist ids = STRLIST_INIT, args = STRLIST_INIT, changes = STRLIST_INIT;
	int ret = 0, only_ids = 0;

	/* "-spam" is a tag to remove, not an option: only -h and --help are */
	argc = parse_options(argc, argv, opts, tag_usage, PARSE_OPT_KEEP_UNKNOWN);
	if (argc < 0)
		return parse_options_exit(argc);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_ids && !strcmp(a, "--")) {
			only_ids = 1;
		} else if (!only_ids && (a[0] == '+' || (a[0] == '-' && a[1]))) {
			if (dlg_tag_change_check(a) < 0) {
				strlist_clear(&changes);
				strlist_clear(&args);
				return error_usage_last();
			}
			strlist_push(&changes, a);
		} else {
			strlist_push(&args, a);
		}
	}
	if (!changes.nr) {
		strlist_clear(&args);
		return usage_with_options(tag_usage, opts, 0);
	}
	if ((ret = ids_from_args(&ids, ctx, (int)args.nr, args.items)) == 0 &&
	    dlg_tag(NULL, ctx->store, &ids, &changes) < 0)
		ret = error_last();
	strlist_clear(&changes);
	strlist_clear(&ids);
	strlist_clear(&args);
	return ret;
}
