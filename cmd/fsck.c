#include "cmd.h"
#include "store/fsck-meaning.h"
#include "store/fsck.h"

static const char *const fsck_usage[] = {
	"dlg fsck [--repair]",
	"",
	"Checks that the latest commit agrees with itself (derived files against",
	"their logs, the outbox and msgmap against the messages: stale, nolog,",
	"orphan, unqueued) and compares the files of the store with it (modified,",
	"missing, extra, symlink; invalid: a path of the commit that no store may",
	"hold).  --repair derives again in one commit and restores the files;",
	"extra files and links are moved to .git/dlg/lost+found, never deleted.",
	NULL,
};

CMD(fsck)
{
	struct strbuf report = STRBUF_INIT;
	int repair = 0, n, m;
	const struct opt opts[] = {
		OPT_FLAG(0, "repair", &repair, NULL),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, fsck_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc)
		return usage_with_options(fsck_usage, opts, 0);
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
