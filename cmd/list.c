#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "store/filter.h"
#include "store/id.h"
#include "ops/channel.h"
#include "ops/list.h"

static const char *const list_usage[] = {
	"dlg list [options] [-]",
	"",
	"Lists dialogs, newest activity first; with -, only those whose ids are on stdin.",
	NULL,
};

/* The filter list's options build, each checked where it stands on the
   command line: the first bad one is the one reported.  No store is open
   when a --help comes later on the line (the dispatcher opens none for
   it): then the options that would read the store do not. */
struct list_filter_args {
	struct dlg_ctx *ctx;
	struct dialog_filter *f;
	char uid[17];
	struct strbuf channel;
};

static int status_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	if (filter_parse_status(a->f, arg) < 0) {
		error_usage_last();
		return OPT_BAD_VALUE;
	}
	return 0;
}

static int assignee_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	if (!strcmp(arg, "none"))
		a->f->assignee = "";
	else if (!strcmp(arg, "me") && a->ctx->store)
		return store_operator(&a->f->assignee, a->ctx->store) < 0 ? error_last() : 0;
	else
		a->f->assignee = arg;
	return 0;
}

static int tag_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	return filter_add_tag(a->f, arg) < 0 ? error_last() : 0;
}

static int user_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	int ret = a->ctx->store ? user_from_arg(a->uid, a->ctx, arg) : 0;
	if (!ret)
		a->f->user = a->uid;
	return ret;
}

static int channel_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	a->f->channel = arg;
	if (!a->ctx->store)
		return 0;
	strbuf_reset(&a->channel);
	if (dlg_channel_kind(&a->channel, a->ctx->store, arg) < 0)
		return error_last();
	a->f->channel = a->channel.buf;
	return 0;
}

static int date_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	int until = !strcmp(o->long_name, "until");
	time_t *t = until ? &a->f->until : &a->f->since;
	if (time_parse_local(t, arg) < 0) {
		error_usage("cannot read the date '%s' (use YYYY-MM-DD[THH:MM])", arg);
		return OPT_BAD_VALUE;
	}
	if (until && strlen(arg) == 10 && arg[4] == '-')
		*t += 86399; /* --until DAY includes that day */
	return 0;
}

/* Columns of the terminal, or 0 when stdout is not one (then lines are not cut). */
static size_t terminal_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	if (!isatty(1))
		return 0;
	if (!ioctl(1, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	return cols && atoi(cols) > 0 ? (size_t)atoi(cols) : 80;
}

/* Terminal columns of s, not counting colour escapes. */
static size_t visible_width(const char *s)
{
	size_t w = 0;
	while (*s) {
		size_t n = strcspn(s, "\033");
		w += utf8_width(s, n);
		s += n;
		if (*s == '\033') {
			s += strcspn(s, "m");
			if (*s)
				s++;
		}
	}
	return w;
}

/* Buffers reused from line to line: a full listing prints 100 000 of them. */
struct line_bufs {
	struct strbuf line, text, ts;
};

static void pad(struct strbuf *out, const char *s, size_t cols)
{
	for (size_t w = term_sanitize_cut(out, s, strlen(s), cols); w < cols; w++)
		strbuf_addch(out, ' ');
}

static void print_line(struct dlg_ctx *ctx, struct line_bufs *b, const struct dialog_summary *d,
		       int abbrev, size_t width)
{
	struct strbuf *line = &b->line;
	strbuf_reset(line);
	strbuf_addstr(line, color(ctx, "\033[33m"));
	strbuf_add(line, d->id, (size_t)abbrev);
	strbuf_addstr(line, color(ctx, "\033[m"));
	strbuf_addstr(line, d->closed ? "  closed " : "  open   ");
	if (d->waiting) {
		strbuf_addstr(line, color(ctx, "\033[1;31m"));
		strbuf_addch(line, '*');
		strbuf_addstr(line, color(ctx, "\033[m"));
		strbuf_addch(line, ' ');
	} else {
		strbuf_addstr(line, "  ");
	}
	pad(line, d->assignee ? d->assignee : "-", 10);
	strbuf_addch(line, ' ');
	pad(line, d->info.channel, 8);
	strbuf_addch(line, ' ');
	pad(line, d->user_name, 20);
	strbuf_addch(line, ' ');
	strbuf_reset(&b->ts);
	time_format_short(&b->ts, d->last_at);
	strbuf_addbuf(line, &b->ts);
	strbuf_addstr(line, "  ");
	if (d->tags.nr) {
		strbuf_addstr(line, color(ctx, "\033[36m"));
		strbuf_addch(line, '[');
		for (size_t i = 0; i < d->tags.nr; i++) {
			if (i)
				strbuf_addch(line, ',');
			/* dlg writes plain tags, a fetched commit may hold anything */
			term_sanitize(line, d->tags.items[i], strlen(d->tags.items[i]), 0);
		}
		strbuf_addch(line, ']');
		strbuf_addstr(line, color(ctx, "\033[m"));
		strbuf_addch(line, ' ');
	}
	/* The subject says what it is about, the preview where it stands. */
	strbuf_reset(&b->text);
	strbuf_addstr(&b->text, d->info.subject);
	if (*d->preview && strcmp(d->preview, d->info.subject)) {
		if (b->text.len)
			strbuf_addstr(&b->text, " \xe2\x80\x94 ");
		strbuf_addstr(&b->text, d->preview);
	}
	if (width) {
		size_t used = visible_width(line->buf);
		term_sanitize_cut(line, b->text.buf, b->text.len, width > used + 10 ? width - used : 10);
	} else {
		term_sanitize_cut(line, b->text.buf, b->text.len, 100);
	}
	strbuf_addch(line, '\n');
	fwrite(line->buf, 1, line->len, stdout);
}

struct list_out {
	struct dlg_ctx *ctx;
	struct line_bufs bufs;
	int quiet, json, warned, failed;
	size_t width;
	struct dlg_list_result res;
	const struct strlist *only; /* ids from stdin (-), sorted; NULL for all */
};

static int in_sorted(const struct strlist *l, const char *s)
{
	size_t lo = 0, hi = l->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->items[mid], s);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static void warn_fallback(struct list_out *o)
{
	if (o->res.from_view && o->res.why.len && !o->warned)
		warning_msg("%s; listing from the files", o->res.why.buf);
	o->warned = 1;
}

static int print_row(const struct dialog_summary *d, void *payload)
{
	struct list_out *o = payload;
	warn_fallback(o);
	if (!d) {
		o->failed = error_last();
		return 0;
	}
	if (o->only && !in_sorted(o->only, d->id))
		return 0;
	if (o->quiet) {
		puts(d->id);
	} else if (o->json) {
		json_t *j = dialog_summary_json(d);
		json_print_line(j);
		json_decref(j);
	} else {
		print_line(o->ctx, &o->bufs, d, (int)o->res.abbrev, o->width);
	}
	return 0;
}

CMD(list)
{
	struct dialog_filter f = DIALOG_FILTER_INIT;
	struct strlist ids = STRLIST_INIT;
	struct list_out out = { 0 };
	out.res = (struct dlg_list_result)DLG_LIST_RESULT_INIT;
	out.bufs = (struct line_bufs){ STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct list_filter_args fa = { ctx, &f, "", STRBUF_INIT };
	int quiet = 0, json = 0, given = 0, ret = 0;
	const struct opt opts[] = {
		OPT_CALLBACK(0, "status", &fa, "open|closed|all", "(default: open)", status_opt),
		OPT_CALLBACK(0, "assignee", &fa, "NAME|me|none", "", assignee_opt),
		OPT_CALLBACK(0, "tag", &fa, "[-]TAG", "require / exclude a tag (repeatable)", tag_opt),
		OPT_CALLBACK(0, "channel", &fa, "NAME|TYPE", "a configured channel, or a channel type", channel_opt),
		OPT_CALLBACK(0, "user", &fa, "ID|ADDRESS", "", user_opt),
		OPT_CALLBACK(0, "since", &fa, "DATE", "last message at or after DATE (YYYY-MM-DD[THH:MM])",
			     date_opt),
		OPT_CALLBACK(0, "until", &fa, "DATE", "last message at or before DATE (a day: all of it)",
			     date_opt),
		OPT_FLAG(0, "waiting", &f.waiting, "the customer waits for an answer"),
		OPT_FLAG('q', "quiet", &quiet, "print full ids only"),
		OPT_FLAG(0, "json", &json, "one JSON object per line"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, list_usage, 0);
	/* stdin only when asked: `dlg list` in a `while read` loop leaves the loop's input alone */
	given = argc == 1 && !strcmp(argv[0], "-");
	if (argc && !given) {
		filter_clear(&f);
		strbuf_release(&fa.channel);
		return argc < 0 ? parse_options_exit(argc) : usage_with_options(list_usage, opts, 0);
	}
	if (given && (ret = ids_from_stdin(&ids, ctx)))
		goto out;
	strlist_sort(&ids);
	out.ctx = ctx;
	out.quiet = quiet;
	out.json = json;
	out.width = terminal_width();
	out.only = given ? &ids : NULL;
	if (dlg_list(&out.res, ctx->store, &f, getenv("DLG_NO_INDEX") ? DLG_LIST_NO_INDEX : 0, print_row,
		     &out) < 0)
		ret = error_last();
	warn_fallback(&out);
	if (out.failed)
		ret = out.failed;
out:
	strbuf_release(&out.bufs.line);
	strbuf_release(&out.bufs.text);
	strbuf_release(&out.bufs.ts);
	strbuf_release(&out.res.why);
	strlist_clear(&ids);
	filter_clear(&f);
	strbuf_release(&fa.channel);
	return ret;
}
