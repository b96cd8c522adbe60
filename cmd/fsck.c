#include <getopt.h>

#include "cmd.h"
#include "store/fsck-meaning.h"
#include "store/fsck.h"

static const char fsck_usage[] =
	"usage: dlg fsck [--repair]\n"
	"Checks that the latest commit agrees with itself (derived files against\n"
	"their logs, the outbox and msgmap against the messages: stale, nolog,\n"
	"orphan, unqueued) and compares the files of the store with it (modified,\n"
	"missing, extra, symlink; invalid: a path of the commit that no store may\n"
	"hold).  --repair derives again in one commit and restores the files;\n"
	"extra files and links are moved to .git/dlg/lost+found, never deleted.\n";

CMD(fsck)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strbuf report = STRBUF_INIT;
	int c, repair = 0, n, m;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'r')
			repair = 1;
		else
			return usage(fsck_usage, c == 'h');
	}
	if (optind < argc)
		return usage(fsck_usage, 0);
	/* The commit's meaning is checked first but repaired last: its repair is
	   a commit that the view, repaired by then, follows. */
	n = store_fsck_meaning(&report, ctx->store, 0);
	if (n < 0 || (m = store_fsck(&report, ctx->store, repair)) < 0) {
		n = -1;
	} else {
		struct strbuf again = STRBUF_INIT;
		if (repair && n && store_fsck_meaning(&again, ctx->store, 1) < 0)
			m = -1;
		strbuf_release(&again);
		n = m < 0 ? -1 : n + m;
	}
	print_safe(stdout, report.buf, 1);
	strbuf_release(&report);
	if (n < 0)
		return error_last();
	if (n && repair)
		printf("repaired %d problem%s\n", n, n == 1 ? "" : "s");
	return n && !repair ? 1 : 0;
}
