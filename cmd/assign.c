#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "store/record.h"

static const char assign_usage[] =
	"usage: dlg assign OPERATOR [ID...]\n"
	"       dlg assign --none [ID...]\n"
	"Assigns dialogs (ids as arguments or one per line on stdin).\n"
	"  --none     unassign\n";

CMD(assign)
{
	static const struct option opts[] = {
		{ "none", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strlist ids = STRLIST_INIT;
	struct strbuf summary = STRBUF_INIT;
	struct dialog_op op;
	int c, none = 0, ret;
	const char *who = NULL;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'n')
			none = 1;
		else
			return usage(assign_usage, c == 'h');
	}
	argc -= optind;
	argv += optind;
	if (!none) {
		if (argc < 1)
			return usage(assign_usage, 0);
		who = argv[0];
		argc--;
		argv++;
		if (!strcmp(who, "me") && store_operator(&who, ctx->store) < 0)
			return error_last();
		if (!*who || strchr(who, '\n'))
			return error_msg("invalid operator name '%s'", who);
	}
	if ((ret = ids_from_args(&ids, ctx, argc, argv)))
		goto out;
	op.verb = none ? "unassign" : "assign";
	op.arg = who;
	if (none)
		strbuf_addstr(&summary, "unassign %s");
	else
		strbuf_addf(&summary, "assign %%s to %s", who);
	if (dialogs_apply(ctx->store, &ids, &op, 1, summary.buf, NULL) < 0)
		ret = error_last();
out:
	strlist_clear(&ids);
	strbuf_release(&summary);
	return ret;
}
