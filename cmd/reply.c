#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "ops/reply.h"
#include "ops/template.h"
#include "store/seen.h"
#include "store/summary.h"

static const char *const reply_usage[] = {
	"dlg reply [-q] [-m TEXT | -F FILE | -t NAME [--no-edit]] [-a FILE]... [--send] ID",
	NULL,
};

/* How much of the customer's message the editor file quotes. */
#define QUOTE_LINES 200

/*
 * The customer's newest message, quoted under "# " lines in the editor
 * file: what the operator answers is in view while writing, and is never
 * sent.  Their text is made safe for the terminal the editor runs in.
 */
static void quote_last_customer(struct strbuf *out, struct dlg_store *s, const char *id)
{
	struct strbuf who = STRBUF_INIT, when = STRBUF_INIT, safe = STRBUF_INIT;
	const struct stored_msg *last = NULL;
	struct stored_msg *msgs;
	size_t n, lines = 0;
	const char *p;

	if (dialog_messages_load(&msgs, &n, s, id, 0) < 0)
		return;
	for (size_t i = n; i-- > 0 && !last;)
		if (!msgs[i].out)
			last = &msgs[i];
	if (!last)
		goto out;
	if (*last->mime->from.name)
		strbuf_addf(&who, "%s <%s>", last->mime->from.name, last->mime->from.addr);
	else
		strbuf_addstr(&who, *last->mime->from.addr ? last->mime->from.addr : "the customer");
	time_format_short(&when, last->date);
	term_sanitize(&safe, who.buf, who.len, 0);
	strbuf_addf(out, "#\n# %s wrote on %s:\n", safe.buf, when.buf);
	strbuf_reset(&safe);
	term_sanitize(&safe, last->mime->text, strlen(last->mime->text), 1);
	strbuf_rtrim(&safe);
	for (p = safe.buf; *p && lines < QUOTE_LINES; lines++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_addstr(out, len ? "# > " : "# >");
		strbuf_add(out, p, len);
		strbuf_addch(out, '\n');
		p += len + !!nl;
	}
	if (*p)
		strbuf_addstr(out, "# > [...]\n");
out:
	dialog_messages_free(msgs, n);
	strbuf_release(&who);
	strbuf_release(&when);
	strbuf_release(&safe);
}

/* "10:02" today, "2026-11-24 10:02" before: when another answer was written. */
static void add_when(struct strbuf *out, time_t t)
{
	struct tm then, today;
	time_t now = dlg_now();
	localtime_r(&t, &then);
	localtime_r(&now, &today);
	if (then.tm_year == today.tm_year && then.tm_yday == today.tm_yday)
		strbuf_addf(out, "%02d:%02d", then.tm_hour, then.tm_min);
	else
		time_format_short(out, t);
}

/*
 * Another operator's answer the operator had not seen when they wrote this
 * one (after mark: what dlg show last displayed to them, or the dialog as
 * this reply first read it).  The reply went in; the warning is not
 * silenced by -q, since the customer may now have two answers.
 */
static void warn_crossed_answer(struct dlg_store *s, const char *id, const char *mark)
{
	struct unseen_answer other;
	struct strbuf when = STRBUF_INIT;
	const char *me;
	if (store_operator(&me, s) < 0 || seen_answer_after(&other, s, me, id, mark) <= 0)
		return;
	add_when(&when, other.date);
	warning_msg("%s answered %.7s at %s, after you read it", other.operator, id, when.buf);
	strbuf_release(&when);
	unseen_answer_clear(&other);
}

CMD(reply)
{
	struct strlist ids = STRLIST_INIT, paths = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT, quote = STRBUF_INIT, mark = STRBUF_INIT;
	struct dlg_reply_opts reply = { 0 };
	struct dlg_reply_result done = { 0 };
	struct dlg_attachment *files;
	const char *m = NULL, *file = NULL, *tmpl = NULL;
	int ret = 0, send_now = 0, no_edit = 0, quiet = 0;
	const struct opt opts[] = {
		OPT_COLUMN(23),
		OPT_STRING('m', "message", &m, "TEXT", "the answer"),
		OPT_STRING('F', "file", &file, "FILE", "read it from FILE (- for stdin)"),
		OPT_STRING('t', "template", &tmpl, "NAME", "a saved reply, its {{variables}} filled in; on a\n"
			   "terminal it opens in $EDITOR first (--no-edit: not)"),
		OPT_FLAG(0, "no-edit", &no_edit, NULL),
		OPT_STRING_LIST('a', "attach", &paths, "FILE",
				"send FILE too, as a message of its own (at most 2 MB)"),
		OPT_FLAG('s', "send", &send_now, "deliver it now (dlg send), not only queue it"),
		OPT_FLAG('q', "quiet", &quiet, "do not say what was done, nor warn of no channel"),
		OPT_TEXT("Queues an answer to the dialog, addressed through its channel.  The text"),
		OPT_TEXT("comes from -m, -F FILE (- for stdin), piped stdin, or $EDITOR; with"),
		OPT_TEXT("--attach it may be left out.  Replying to an unassigned dialog assigns"),
		OPT_TEXT("it to you."),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, reply_usage, 0);
	if (argc != 1 || (!!m + !!file + !!tmpl > 1) || (no_edit && !tmpl)) {
		strlist_clear(&paths);
		return argc < 0 ? parse_options_exit(argc) : usage_with_options(reply_usage, opts, 0);
	}
	files = xcalloc(paths.nr + 1, sizeof(*files));
	/* every file is read before anything is written: all go, or none */
	for (size_t i = 0; i < paths.nr && !ret; i++, reply.nfiles++)
		if (dlg_attachment_load(&files[i], paths.items[i]) < 0)
			ret = error_last();
	if (!ret && !strcmp(argv[0], "-") && !tmpl && (!paths.nr || m || file) &&
	    text_wants_stdin(m, file))
		ret = error_usage("standard input holds the id: give the reply with -m, -F FILE or -t NAME");
	if (!ret)
		ret = one_id_from_args(&ids, ctx, 1, argv);
	const char *writer;
	if (!ret && !store_operator(&writer, ctx->store))
		seen_mark(&mark, ctx->store, writer, ids.items[0]);
	if (!ret && tmpl) {
		struct strbuf draft = STRBUF_INIT;
		if (dlg_template_fill(&draft, ctx->store, tmpl, ids.items[0], NULL) < 0) {
			ret = error_last();
		} else {
			/* like git commit: on a terminal, the draft is the operator's to edit */
			if (!no_edit && isatty(0) && isatty(1)) {
				quote_last_customer(&quote, ctx->store, ids.items[0]);
				ret = edit_text(&text, draft.buf, "reply", quote.buf);
			} else {
				strbuf_addbuf(&text, &draft);
			}
		}
		strbuf_release(&draft);
		strbuf_rtrim(&text);
		if (!ret && !text.len)
			ret = error_msg("empty reply; nothing was written");
		if (!ret) {
			strbuf_addch(&text, '\n');
			emoji_expand_in_place(&text);
		}
	} else if (!ret && (!paths.nr || m || file)) {
		/* With files, the text is what -m or -F say: no editor opens for it. */
		if (!m && !file && isatty(0)) {
			quote_last_customer(&quote, ctx->store, ids.items[0]);
			ret = text_from_editor(&text, "", "reply", quote.buf);
		} else {
			ret = text_from_sources(&text, m, file, "reply");
		}
		if (!ret)
			emoji_expand_in_place(&text);
	}
	if (ret)
		goto out;
	reply.dialog = ids.items[0];
	reply.text = text.buf;
	reply.files = files;
	if (dlg_reply(&done, ctx->store, &reply) < 0) {
		ret = error_last();
		goto out;
	}
	warn_crossed_answer(ctx->store, ids.items[0], mark.buf);
	if (!quiet) {
		struct strbuf what = STRBUF_INIT;
		strbuf_addstr(&what, "queued");
		if (done.channel)
			strbuf_addf(&what, " for %s", done.channel);
		const char *me;
		if (done.assigned && !store_operator(&me, ctx->store))
			strbuf_addf(&what, " (assigned to %s)", me);
		report_change("reply", &ids, 1, what.buf);
		strbuf_release(&what);
		if (done.undeliverable)
			warning_msg("no channel can deliver this reply yet; it stays queued: %s",
				    done.undeliverable);
	}
	if (send_now)
		ret = send_dialogs(ctx, &ids, 0, 0);
out:
	dlg_reply_result_clear(&done);
	for (size_t i = 0; i < reply.nfiles; i++)
		dlg_attachment_release(&files[i]);
	free(files);
	strlist_clear(&paths);
	strlist_clear(&ids);
	strbuf_release(&text);
	strbuf_release(&quote);
	strbuf_release(&mark);
	return ret;
}
