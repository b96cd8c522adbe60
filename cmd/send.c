#include <string.h>

#include "channel/send.h"
#include "cmd.h"

static const char *const send_usage[] = {
	"dlg send [-q] [--force] [ID...]",
	"dlg send [-q] --retry ID...",
	"",
	"Delivers the queued answers of every dialog (or of the dialogs given as",
	"arguments or on stdin) through the channel of the customer's most recent",
	"message.  Failed messages are retried with back-off; prints one line per",
	"message: the dialog id, what happened, the channel and its message id or",
	"the reason.",
	NULL,
};

static const char *const result_words[] = { "sent", "waiting", "failed", "failed", "queued" };

int send_dialogs(struct dlg_ctx *ctx, const struct strlist *ids, int force, int quiet)
{
	struct send_report *r = NULL;
	size_t n = 0;
	int ret = 0;

	int err = outbox_send(&r, &n, ctx->store, ids, force);
	if (err == DLG_EELSEWHERE)
		ret = sync_to_hub(ctx, quiet); /* a clone: the hub sends, once it has them */
	else if (err < 0)
		ret = error_last();
	for (size_t i = 0; i < n; i++) {
		struct strbuf line = STRBUF_INIT;
		int bad = r[i].result != SEND_SENT && r[i].result != SEND_WAITING;
		strbuf_addf(&line, "%s %s", r[i].dialog, result_words[r[i].result]);
		if (r[i].channel)
			strbuf_addf(&line, " %s", r[i].channel);
		if (r[i].result == SEND_WAITING)
			strbuf_addstr(&line, " until");
		if (r[i].detail && *r[i].detail)
			strbuf_addf(&line, " %s", r[i].detail);
		if (bad) {
			/* the reason reaches a person even under -q or with stdout in a pipe */
			error_msg("%s", line.buf);
			ret = 1;
		} else if (!quiet) {
			print_safe(stdout, line.buf, 0);
			putchar('\n');
		}
		strbuf_release(&line);
	}
	send_reports_free(r, n);
	return ret;
}

/* An operator's word that a failed message (even a final failure) may go again. */
static int retry_dialogs(struct dlg_ctx *ctx, const struct strlist *ids, int quiet)
{
	size_t n = 0;
	if (outbox_retry(&n, ctx->store, ids) < 0)
		return error_last();
	if (!quiet)
		fprintf(stderr, "send: %zu failed message%s queued again\n", n, n == 1 ? "" : "s");
	return 0;
}

CMD(send)
{
	struct strlist ids = STRLIST_INIT;
	int force = 0, quiet = 0, retry = 0, given, ret = 0;
	const struct opt opts[] = {
		OPT_FLAG('f', "force", &force, "retry failed messages now, whatever their back-off"),
		OPT_FLAG(0, "retry", &retry, "send the given dialogs' failed messages again, even final ones"),
		OPT_FLAG('q', "quiet", &quiet, "print only failures (on stderr)"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, send_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	given = argc || stdin_is_data();
	if (retry && !given)
		return error_usage("--retry sends again what failed in the dialogs given, and none is");
	if (given)
		ret = ids_from_args(&ids, ctx, argc, argv);
	if (!ret && retry)
		ret = retry_dialogs(ctx, &ids, quiet);
	if (!ret)
		ret = send_dialogs(ctx, given ? &ids : NULL, force, quiet);
	strlist_clear(&ids);
	return ret;
}
