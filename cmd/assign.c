#include <string.h>

#include "cmd.h"
#include "ops/dialog.h"

static const char *const assign_usage[] = {
	"dlg assign [-q] [--force] OPERATOR [ID...]",
	"dlg assign [-q] --none [ID...]",
	"",
	"Assigns dialogs (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(assign)
{
	struct strlist ids = STRLIST_INIT;
	struct strbuf what = STRBUF_INIT;
	size_t changed = 0;
	int none = 0, force = 0, quiet = 0, ret;
	const char *who = NULL;
	const struct opt opts[] = {
		OPT_COLUMN(13),
		OPT_FLAG(0, "none", &none, "unassign"),
		OPT_FLAG('f', "force", &force, "assign to a name that is no operator of the store"),
		OPT_FLAG('q', "quiet", &quiet, "do not say what changed"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, assign_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!none) {
		if (argc < 1)
			return usage_with_options(assign_usage, opts, 0);
		who = argv[0];
		argc--;
		argv++;
		if (!strcmp(who, "me")) {
			force = 1; /* "me" is no typo */
			if (store_operator(&who, ctx->store) < 0)
				return error_last();
		}
		if (dlg_assignee_check(who) < 0)
			return error_usage_last();
		/* before stdin is read for ids */
		if (!force && dlg_assignee_known(ctx->store, who) < 0)
			return error_msg("%s (dlg operator add %s, or --force)", dlg_error_last(), who);
	}
	if ((ret = ids_from_args(&ids, ctx, argc, argv)))
		goto out;
	if ((none ? dlg_unassign(&changed, ctx->store, &ids) :
		    dlg_assign(&changed, ctx->store, &ids, who, force ? DLG_ASSIGN_ANY_NAME : 0)) < 0) {
		ret = error_last();
	} else if (!quiet) {
		strbuf_addf(&what, "to %s", none ? "nobody" : who);
		report_change("assign", &ids, changed, what.buf);
	}
out:
	strbuf_release(&what);
	strlist_clear(&ids);
	return ret;
}
