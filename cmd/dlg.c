/*
 * dlg: the dispatcher.  One table names every command, what it needs and
 * what it does; `dlg help`, the man page index and the completions follow it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "cmd.h"
#include "store/view.h"

#define DLG_VERSION "0.1.0"

enum {
	NEED_STORE = 1,
	/* runs even when the files cannot be brought to the branch tip: fsck says why */
	VIEW_MAY_FAIL = 2,
	/* may talk HTTPS through libgit2: it loads the CA certificates (gitlib.h) */
	TALKS_TLS = 4,
	HIDDEN = 8,          /* left out of dlg help, the completions and dlg(1) */
};

struct cmd_struct {
	const char *name;
	int (*fn)(int, char **, struct dlg_ctx *);
	unsigned flags;
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "init",   cmd_init,   0,          "create a new store" },
	{ "clone",  cmd_clone,  0,          "make a second store from another one" },
	{ "import", cmd_import, NEED_STORE, "import email from files, mbox, Maildir or stdin" },
	{ "list",   cmd_list,   NEED_STORE, "list dialogs, filtered" },
	{ "search", cmd_search, NEED_STORE, "find dialogs by what was said in them" },
	{ "show",   cmd_show,   NEED_STORE, "show dialogs with their messages and notes" },
	{ "log",    cmd_log,    NEED_STORE, "show a dialog's history: who did what when" },
	{ "reply",  cmd_reply,  NEED_STORE, "queue an answer to a dialog" },
	{ "note",   cmd_note,   NEED_STORE, "add an internal note to a dialog" },
	{ "assign", cmd_assign, NEED_STORE, "assign dialogs to an operator" },
	{ "close",  cmd_close,  NEED_STORE, "close dialogs" },
	{ "reopen", cmd_reopen, NEED_STORE, "reopen dialogs" },
	{ "tag",    cmd_tag,    NEED_STORE, "add or remove tags" },
	{ "user",   cmd_user,   NEED_STORE, "show and edit user cards" },
	{ "sync",   cmd_sync,   NEED_STORE | TALKS_TLS, "share changes with other clones: fetch, merge, push" },
	{ "fsck",   cmd_fsck,   NEED_STORE | VIEW_MAY_FAIL, "check the files against the store's commit" },
	{ "gc",     cmd_gc,     NEED_STORE | VIEW_MAY_FAIL, "pack the store's objects and prune them, safely" },
	{ "reindex", cmd_reindex, NEED_STORE, "rebuild the index that list reads" },
	{ "channel", cmd_channel, NEED_STORE, "configure the channels customers write through" },
	{ "fetch",  cmd_fetch,  NEED_STORE, "bring new messages from the channels" },
	{ "chat",   cmd_chat,   NEED_STORE, "serve the website chat: visitors write, answers come back live" },
	{ "send",   cmd_send,   NEED_STORE, "deliver queued answers through their channels" },
	{ "operator", cmd_operator, NEED_STORE, "add operators, mark them away or back" },
	{ "config", cmd_config, NEED_STORE, "read and set the store's versioned configuration" },
	{ "template", cmd_template, NEED_STORE, "saved replies: add, list, show, remove" },
	{ "trigger", cmd_trigger, NEED_STORE, "start dialogs with users: a proactive message" },
	{ "attachment", cmd_attachment, NEED_STORE, "write out a dialog's attachments" },
	{ "emoji",  cmd_emoji,  0,          "list the :shortcodes: that become emoji" },
	{ "help",   cmd_help,   0,          "list commands, or show a command's usage" },
	/* what a hub's git hooks run (dlg-hook(1)), not for people */
	{ "hook",   cmd_hook,   NEED_STORE | HIDDEN, "check a push to a hub, then follow it" },
};

const char *cmd_name = "dlg";

static const char *const dlg_usage[] = {
	"dlg [-C DIR] COMMAND [ARGS]",
	"dlg help [COMMAND]    dlg --version",
	NULL,
};
static const struct opt no_options[] = { OPT_END() };

CMD(help)
{
	int all = 0;
	const struct opt opts[] = {
		/* the usage and the commands, as without a command */
		OPT_FLAG('h', "help", &all, NULL),
		OPT_END(),
	};
	argc = parse_options(argc, argv, opts, dlg_usage,
			     PARSE_OPT_STOP_AT_NON_OPTION | PARSE_OPT_KEEP_UNKNOWN);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc > 0 && !all) {
		for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
			if (!strcmp(commands[i].name, argv[0]) && strcmp(argv[0], "help")) {
				char *args[] = { argv[0], "--help", NULL };
				cmd_name = commands[i].name;
				return commands[i].fn(2, args, ctx);
			}
		if (strcmp(argv[0], "help")) {
			error_msg("no command '%s'; see 'dlg help'", argv[0]);
			return 2;
		}
	}
	usage_with_options(dlg_usage, no_options, 1);
	fputs("\ncommands:\n", stdout);
	for (size_t i = 0; i < sizeof(commands) / sizeof(*commands); i++)
		if (!(commands[i].flags & HIDDEN))
			printf("   %-10s  %s\n", commands[i].name, commands[i].summary);
	fputs("\n'dlg COMMAND --help' or 'man dlg-COMMAND' tells more.\n", stdout);
	return 0;
}

int self_path(struct strbuf *out)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return error_msg("cannot find dlg's own path: %s", n < 0 ? strerror(errno) : "empty");
	strbuf_add(out, buf, (size_t)n);
	return 0;
}

static void report_oom(size_t bytes)
{
	fprintf(stderr, "dlg: out of memory (%zu bytes)\n", bytes);
}

static void report_perf(double ms, const char *step)
{
	fprintf(stderr, "dlg: perf: %8.3f ms  %s\n", ms, step);
}

int main(int argc, char **argv)
{
	struct dlg_ctx ctx = { 0 };
	const struct cmd_struct *cmd = NULL;
	int i = 1, ret;

	xalloc_on_failure(report_oom);
	trace_perf_to(report_perf);
	trace_perf("main");
	signal(SIGPIPE, SIG_DFL); /* `dlg list | head` ends quietly */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-C") && i + 1 < argc) {
			ctx.dir = argv[i + 1];
			i += 2;
		} else if (!strncmp(argv[i], "-C", 2) && argv[i][2]) {
			ctx.dir = argv[i] + 2;
			i++;
		} else if (!strcmp(argv[i], "--version")) {
			puts("dlg " DLG_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			return cmd_help(1, argv, &ctx);
		} else if (!strcmp(argv[i], "--list-options")) {
			/* hidden, for tests/t0160-options.sh: a command's option names */
			parse_options_list_only = 1;
			i++;
		} else {
			fprintf(stderr, "dlg: unknown option '%s'\n", argv[i]);
			return usage_with_options(dlg_usage, no_options, 0);
		}
	}
	if (i >= argc)
		return usage_with_options(dlg_usage, no_options, 0);
	for (size_t k = 0; k < sizeof(commands) / sizeof(*commands); k++)
		if (!strcmp(commands[k].name, argv[i]))
			cmd = &commands[k];
	if (!cmd) {
		fprintf(stderr, "dlg: '%s' is not a dlg command; see 'dlg help'\n", argv[i]);
		return 2;
	}
	cmd_name = cmd->name;
	ctx.color = color_auto();

	int wants_help = 0;
	for (int k = i + 1; k < argc; k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))
			wants_help = 1;
		else if (!strcmp(argv[k], "--"))
			break;
	if (cmd->flags & TALKS_TLS)
		gitlib_want_tls(); /* before anything loads libgit2 */
	if ((cmd->flags & NEED_STORE) && !wants_help && !parse_options_list_only) {
		struct strbuf root = STRBUF_INIT;
		if (store_find(&root, ctx.dir) < 0 || store_open(&ctx.store, root.buf) < 0 ||
		    (store_view_update(ctx.store) < 0 && !(cmd->flags & VIEW_MAY_FAIL))) {
			strbuf_release(&root);
			ret = error_last();
			goto out;
		}
		strbuf_release(&root);
		ctx.store->after_change = gc_auto_after_change;
	}
	trace_perf("store open");
	ret = cmd->fn(argc - i, argv + i, &ctx);
	trace_perf("command done");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			ret = error_msg("write error: %s", strerror(errno));
	}
	pager_finish();
out:
	store_free(ctx.store);
	dlg_error_clear();
	/* No git_libgit2_shutdown(): the process ends here, and freeing its
	   certificate chain and caches one by one took a millisecond. */
	trace_perf("exit");
	return ret;
}
