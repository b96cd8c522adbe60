#include <string.h>

#include "cmd.h"
#include "store/record.h"

static const char *const tag_usage[] = {
	"dlg tag +TAG|-TAG... [ID...]",
	"",
	"Adds (+) and removes (-) tags (ids as arguments or one per line on stdin).",
	NULL,
};

CMD(tag)
{
	static const struct opt opts[] = { OPT_END() };
	struct strlist ids = STRLIST_INIT, args = STRLIST_INIT;
	struct dialog_op *ops = NULL;
	struct strbuf summary = STRBUF_INIT;
	size_t nops = 0;
	int ret = 0, only_ids = 0;

	/* "-spam" is a tag to remove, not an option: only -h and --help are */
	argc = parse_options(argc, argv, opts, tag_usage, PARSE_OPT_KEEP_UNKNOWN);
	if (argc < 0)
		return parse_options_exit(argc);
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!only_ids && !strcmp(a, "--")) {
			only_ids = 1;
		} else if (!only_ids && (a[0] == '+' || a[0] == '-')) {
			if (!tag_valid(a + 1))
				return error_msg("invalid tag '%s'", a + 1);
			ops = xrealloc(ops, (nops + 1) * sizeof(*ops));
			ops[nops].verb = "tag";
			ops[nops].arg = a;
			nops++;
			strbuf_addf(&summary, " %s", a);
		} else {
			strlist_push(&args, a);
		}
	}
	if (!nops) {
		free(ops);
		strlist_clear(&args);
		return usage_with_options(tag_usage, opts, 0);
	}
	if ((ret = ids_from_args(&ids, ctx, (int)args.nr, args.items)) == 0) {
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "tag %%s%s", summary.buf);
		if (dialogs_apply(ctx->store, &ids, ops, nops, msg.buf, NULL) < 0)
			ret = error_last();
		strbuf_release(&msg);
	}
	free(ops);
	strlist_clear(&ids);
	strlist_clear(&args);
	strbuf_release(&summary);
	return ret;
}
