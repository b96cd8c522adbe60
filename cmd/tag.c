#include <string.h>

#include "cmd.h"
#include "ops/dialog.h"

static const char *const tag_usage[] = {
	"dlg tag [-q] +TAG|-TAG... [ID...]",
	"",
	"Adds (+) and removes (-) tags (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(tag)
{
	struct strlist ids = STRLIST_INIT, args = STRLIST_INIT, changes = STRLIST_INIT;
	struct strbuf what = STRBUF_INIT;
	size_t changed = 0;
	int ret = 0, only_ids = 0, quiet = 0;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "do not say what changed"),
		OPT_END(),
	};

	/* "-spam" is a tag to remove, not an option: only -h, -q and their long
	   names are */
	argc = parse_options(argc, argv, opts, tag_usage, PARSE_OPT_KEEP_UNKNOWN);
	if (argc < 0)
		return parse_options_exit(argc);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_ids && !strcmp(a, "--")) {
			only_ids = 1;
		} else if (!only_ids && (a[0] == '+' || a[0] == '-')) {
			if (dlg_tag_change_check(a) < 0) {
				strbuf_release(&what);
				strlist_clear(&changes);
				strlist_clear(&args);
				return error_last();
			}
			strlist_push(&changes, a);
			strbuf_addf(&what, "%s%s", what.len ? " " : "", a);
		} else {
			strlist_push(&args, a);
		}
	}
	if (!changes.nr) {
		strlist_clear(&args);
		return usage_with_options(tag_usage, opts, 0);
	}
	if ((ret = ids_from_args(&ids, ctx, (int)args.nr, args.items)) == 0 &&
	    dlg_tag(&changed, ctx->store, &ids, &changes) < 0)
		ret = error_last();
	else if (!ret && !quiet)
		report_change("tag", &ids, changed, what.buf);
	strbuf_release(&what);
	strlist_clear(&changes);
	strlist_clear(&ids);
	strlist_clear(&args);
	return ret;
}
