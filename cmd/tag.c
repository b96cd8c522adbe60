#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ops/dialog.h"
#include "ops/list.h"

static const char *const tag_usage[] = {
	"dlg tag [-q] +TAG|-TAG... [ID...|-]",
	"dlg tag --list",
	"",
	"Adds (+) and removes (-) tags (ids as arguments, or one per line on stdin);",
	"tags are written in lowercase and match in any case.",
	NULL,
};

struct tag_list_out {
	struct dlg_list_result res;
	int warned;
};

static int print_tag_count(const char *tag, size_t dialogs, void *payload)
{
	struct tag_list_out *o = payload;
	if (o->res.from_view && o->res.why.len && !o->warned++)
		warning_msg("%s; counting from the files", o->res.why.buf);
	printf("%7zu ", dialogs);
	print_safe(stdout, tag, 0); /* a fetched commit's tags file may hold anything */
	putchar('\n');
	return 0;
}

/* dlg tag --list: each tag in use with its number of dialogs. */
static int list_tags(struct dlg_ctx *ctx)
{
	struct tag_list_out out = { DLG_LIST_RESULT_INIT, 0 };
	int ret = 0;
	if (dlg_tag_counts(&out.res, ctx->store, getenv("DLG_NO_INDEX") ? DLG_LIST_NO_INDEX : 0,
			   print_tag_count, &out) < 0)
		ret = error_last();
	strbuf_release(&out.res.why);
	return ret;
}

CMD(tag)
{
	struct strlist ids = STRLIST_INIT, args = STRLIST_INIT, changes = STRLIST_INIT;
	struct strbuf what = STRBUF_INIT;
	size_t changed = 0;
	int ret = 0, only_ids = 0, quiet = 0, list = 0;
	const struct opt opts[] = {
		OPT_FLAG(0, "list", &list, "the tags in use, each with its number of dialogs"),
		OPT_FLAG('q', "quiet", &quiet, "do not say what changed"),
		OPT_END(),
	};

	/* "-spam" is a tag to remove, not an option: only --list, -h, -q and
	   their long names are */
	argc = parse_options(argc, argv, opts, tag_usage, PARSE_OPT_KEEP_UNKNOWN);
	if (argc < 0)
		return parse_options_exit(argc);
	if (list)
		return argc ? usage_with_options(tag_usage, opts, 0) : list_tags(ctx);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_ids && !strcmp(a, "--")) {
			only_ids = 1;
		} else if (!only_ids && (a[0] == '+' || (a[0] == '-' && a[1]))) {
			if (dlg_tag_change_check(a) < 0) {
				strbuf_release(&what);
				strlist_clear(&changes);
				strlist_clear(&args);
				return error_usage_last();
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
