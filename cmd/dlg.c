/*
 * dlg: the dispatcher.  One table names every command, what it needs and
 * what it does; `dlg help`, the man page index and the completions follow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/emoji.h"
#include "base/fileio.h"
#include "base/redact.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "mail/mime.h"
#include "ops/user.h"
#include "store/summary.h"
#include "store/view.h"

#define DLG_VERSION "0.1.0"

enum {
	NEED_STORE = 1,
	/* runs even when the files cannot be brought to the branch tip: fsck says why */
	VIEW_MAY_FAIL = 2,
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
	{ "show",   cmd_show,   NEED_STORE, "show dialogs with their messages and notes" },
	{ "reply",  cmd_reply,  NEED_STORE, "queue an answer to a dialog" },
	{ "note",   cmd_note,   NEED_STORE, "add an internal note to a dialog" },
	{ "assign", cmd_assign, NEED_STORE, "assign dialogs to an operator" },
	{ "close",  cmd_close,  NEED_STORE, "close dialogs" },
	{ "reopen", cmd_reopen, NEED_STORE, "reopen dialogs" },
	{ "tag",    cmd_tag,    NEED_STORE, "add or remove tags" },
	{ "user",   cmd_user,   NEED_STORE, "show and edit user cards" },
	{ "sync",   cmd_sync,   NEED_STORE, "merge another clone's branch" },
	{ "fsck",   cmd_fsck,   NEED_STORE | VIEW_MAY_FAIL, "check the files against the store's commit" },
	{ "reindex", cmd_reindex, NEED_STORE, "rebuild the index that list reads" },
	{ "channel", cmd_channel, NEED_STORE, "configure the channels customers write through" },
	{ "fetch",  cmd_fetch,  NEED_STORE, "bring new messages from the channels" },
	{ "send",   cmd_send,   NEED_STORE, "deliver queued answers through their channels" },
	{ "operator", cmd_operator, NEED_STORE, "add operators, mark them away or back" },
	{ "config", cmd_config, NEED_STORE, "read and set the store's versioned configuration" },
	{ "template", cmd_template, NEED_STORE, "saved replies: add, list, show, remove" },
	{ "trigger", cmd_trigger, NEED_STORE, "start dialogs with users: a proactive message" },
	{ "attachment", cmd_attachment, NEED_STORE, "write out a dialog's attachments" },
	{ "emoji",  cmd_emoji,  0,          "list the :shortcodes: that become emoji" },
	{ "help",   cmd_help,   0,          "list commands, or show a command's usage" },
};

const char *cmd_name = "dlg";

static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_redact(&sb);
	fprintf(stderr, "dlg: %s%s", cmd_name, prefix);
	print_safe(stderr, sb.buf, 0);
	fputc('\n', stderr);
	strbuf_release(&sb);
}

int error_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(": ", fmt, ap);
	va_end(ap);
	return 1;
}

void warning_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(": warning: ", fmt, ap);
	va_end(ap);
}

int error_last(void)
{
	return error_msg("%s", dlg_error_last());
}

/* Texts are sanitized a piece at a time: a message's 60 MB are not copied. */
#define PRINT_PIECE 65536

void print_safe(FILE *fp, const char *s, int keep_newlines)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = strlen(s), i = 0;
	while (i < len) {
		size_t n = len - i <= PRINT_PIECE ? len - i : utf8_cut(s + i, PRINT_PIECE);
		strbuf_reset(&sb);
		term_sanitize(&sb, s + i, n, keep_newlines);
		fwrite(sb.buf, 1, sb.len, fp);
		i += n;
	}
	strbuf_release(&sb);
}

const char *color(struct dlg_ctx *ctx, const char *code)
{
	return ctx->color ? code : "";
}

static int has_c1(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return 1;
	return 0;
}

json_t *jstr(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;
	if (!s)
		s = "";
	if (has_c1(s)) {
		/* C1 controls (U+0080-U+009F) are valid JSON but act on terminals;
		   jansson escapes the C0 ones itself. */
		for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
			if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
				strbuf_addstr(&sb, "\xef\xbf\xbd");
				p++;
			} else {
				strbuf_addch(&sb, *p);
			}
		}
		s = sb.buf;
	}
	j = json_string(s);
	if (!j) { /* not valid UTF-8: repair rather than drop */
		struct strbuf fixed = STRBUF_INIT;
		utf8_sanitize(&fixed, s, strlen(s));
		j = json_string(fixed.buf);
		strbuf_release(&fixed);
	}
	strbuf_release(&sb);
	return j ? j : json_string("");
}

void json_print_line(json_t *obj)
{
	/* straight to stdout: the text of a dialog of large messages is not
	   built a second time */
	if (!json_dumpf(obj, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER))
		fputc('\n', stdout);
}

static int stdin_is_data(void)
{
	struct stat st;
	if (isatty(0) || fstat(0, &st) < 0)
		return 0;
	/* Pipes and files only: a socket is ssh's or a daemon's stdin, not ids. */
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode);
}

static int resolve_into(struct strlist *out, struct dlg_ctx *ctx, const char *arg)
{
	char id[17];
	if (store_resolve(id, ctx->store, "dialogs", arg) < 0)
		return error_last();
	if (!strlist_has(out, id))
		strlist_push(out, id);
	return 0;
}

int ids_from_stdin(struct strlist *out, struct dlg_ctx *ctx, int *given)
{
	struct strbuf line = STRBUF_INIT;
	int ret = 0;
	*given = 0;
	if (!stdin_is_data())
		return 0;
	*given = 1;
	while (!ret && strbuf_getline(&line, stdin) != EOF) {
		/* The first word: `dlg list` lines pipe straight in. */
		size_t n = strcspn(line.buf, " \t\r");
		strbuf_setlen(&line, n);
		if (!line.len || line.buf[0] == '#')
			continue;
		ret = resolve_into(out, ctx, line.buf);
	}
	strbuf_release(&line);
	return ret;
}

int ids_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv)
{
	int given = 0, ret;
	for (int i = 0; i < argc; i++)
		if ((ret = resolve_into(out, ctx, argv[i])))
			return ret;
	if (argc)
		return 0;
	if ((ret = ids_from_stdin(out, ctx, &given)))
		return ret;
	if (!given)
		return error_msg("no dialog ids given (as arguments or on standard input)");
	return 0;
}

int user_from_arg(char out[17], struct dlg_ctx *ctx, const char *arg)
{
	return dlg_user_resolve(out, ctx->store, arg) < 0 ? error_last() : 0;
}

int edit_text(struct strbuf *out, const char *initial, const char *what)
{
	const char *editor = getenv("VISUAL");
	struct strbuf path = STRBUF_INIT, cmd = STRBUF_INIT;
	int fd, rc;
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	strbuf_addf(&path, "%s/dlg-%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", what);
	fd = mkstemp(path.buf);
	if (fd < 0)
		return error_msg("cannot create a temporary file: %s", strerror(errno));
	if (write(fd, initial, strlen(initial)) != (ssize_t)strlen(initial)) {
		close(fd);
		unlink(path.buf);
		strbuf_release(&path);
		return error_msg("cannot write a temporary file: %s", strerror(errno));
	}
	close(fd);
	/* The file name is ours (mkstemp), so quoting it is safe. */
	strbuf_addf(&cmd, "%s '%s'", editor, path.buf);
	rc = system(cmd.buf);
	/* $TMPDIR is everyone's: what the editor left there is read without following a link */
	if (rc == 0 && file_read_regular(out, AT_FDCWD, path.buf, FILE_NOFOLLOW, TEXT_MAX) < 0)
		rc = error_msg("cannot read what the editor saved in '%s': %s", path.buf, dlg_error_last());
	else if (rc != 0)
		rc = error_msg("the editor failed; nothing was written");
	unlink(path.buf);
	strbuf_release(&path);
	strbuf_release(&cmd);
	return rc;
}

int text_from_sources(struct strbuf *out, const char *m, const char *file, const char *what)
{
	if (m) {
		strbuf_addstr(out, m);
	} else if (file && strcmp(file, "-")) {
		/* opened, then checked: a pipe (-F <(cmd)) is read, but never past the
		   limit, so /dev/zero cannot keep dlg reading for ever */
		if (file_read_regular(out, AT_FDCWD, file, FILE_STREAM, TEXT_MAX) < 0)
			return error_msg("cannot read '%s': %s", file, dlg_error_last());
	} else if (file || !isatty(0)) {
		if (strbuf_read_fd(out, 0) < 0)
			return error_msg("cannot read standard input: %s", strerror(errno));
	} else {
		int ret = edit_text(out, "", what);
		if (ret)
			return ret;
	}
	strbuf_rtrim(out);
	if (!out->len)
		return error_msg("empty %s; nothing was written", what);
	strbuf_addch(out, '\n');
	return 0;
}

json_t *notes_json(const struct note *notes, size_t n)
{
	struct strbuf ts = STRBUF_INIT;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		strbuf_reset(&ts);
		time_format_iso(&ts, notes[i].date);
		json_object_set_new(o, "author", jstr(notes[i].author));
		json_object_set_new(o, "date", jstr(ts.buf));
		json_object_set_new(o, "text", jstr(notes[i].text));
		json_array_append_new(arr, o);
	}
	strbuf_release(&ts);
	return arr;
}

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
		printf("   %-10s  %s\n", commands[i].name, commands[i].summary);
	fputs("\n'dlg COMMAND --help' or 'man dlg-COMMAND' tells more.\n", stdout);
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
	ctx.color = isatty(1) && !getenv("NO_COLOR");

	int wants_help = 0;
	for (int k = i + 1; k < argc; k++)
		if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h"))
			wants_help = 1;
		else if (!strcmp(argv[k], "--"))
			break;
	if ((cmd->flags & NEED_STORE) && !wants_help && !parse_options_list_only) {
		struct strbuf root = STRBUF_INIT;
		if (store_find(&root, ctx.dir) < 0 || store_open(&ctx.store, root.buf) < 0 ||
		    (store_view_update(ctx.store) < 0 && !(cmd->flags & VIEW_MAY_FAIL))) {
			strbuf_release(&root);
			ret = error_last();
			goto out;
		}
		strbuf_release(&root);
	}
	trace_perf("store open");
	ret = cmd->fn(argc - i, argv + i, &ctx);
	trace_perf("command done");
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno != EPIPE)
			ret = error_msg("write error: %s", strerror(errno));
	}
out:
	store_free(ctx.store);
	dlg_error_clear();
	/* No git_libgit2_shutdown(): the process ends here, and freeing its
	   certificate chain and caches one by one took a millisecond. */
	trace_perf("exit");
	return ret;
}
