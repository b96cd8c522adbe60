#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "store/filter.h"
#include "store/id.h"
#include "store/sync.h"
#include "ops/channel.h"
#include "ops/list.h"
#include "ops/search.h"

static const char *const list_usage[] = {
	"dlg list [options] [-] [QUERY...]",
	"",
	"Lists dialogs, newest activity first; with -, only those whose ids are on",
	"stdin; search terms (dlg-search(1)) narrow the set too.",
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

/* --since takes the first second of what DATE names, --until the last:
   "--until 2026-11-23" includes that day. */
static int date_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	time_t start, end;
	if (time_parse_span(&start, &end, arg, dlg_now()) < 0) {
		error_usage("cannot read the date '%s' (use YYYY-MM-DD[THH:MM], today, yesterday or an age: 30m, 3h, 2d, 1w)",
			    arg);
		return OPT_BAD_VALUE;
	}
	if (!strcmp(o->long_name, "until"))
		a->f->until = end;
	else
		a->f->since = start;
	return 0;
}

static int sort_opt(const struct opt *o, const char *arg)
{
	struct list_filter_args *a = o->value;
	return filter_parse_sort(a->f, arg) < 0 ? (error_usage_last(), OPT_BAD_VALUE) : 0;
}

/* Columns to fit: $COLUMNS, else the terminal's; 0 when stdout is no
   terminal (then lines are not cut).  Narrower than 60 is laid out as 60. */
static size_t output_width(void)
{
	struct winsize ws;
	const char *cols = getenv("COLUMNS");
	size_t w = 0;
	if (cols && atoi(cols) > 0)
		w = (size_t)atoi(cols);
	else if (isatty(1))
		w = !ioctl(1, TIOCGWINSZ, &ws) && ws.ws_col ? ws.ws_col : 80;
	return w && w < 60 ? 60 : w;
}

/*
 * The columns of a row: id, status and waiting mark, assignee, channel,
 * user, last message, waiting age, then tags and text (subject and
 * preview) in what is left.  When a width is to be fitted and that leaves
 * the tags and text less than TEXT_ROOM, the fixed columns give way, in
 * this order, down to their narrowest: user, assignee, date (without the
 * year), channel, user again, the status word when all rows have the same,
 * and last the channel.  The id is never cut.
 */
#define TEXT_ROOM 20
struct columns {
	size_t width;              /* 0: lines are not cut */
	int status;                /* the status word is shown */
	size_t assignee, channel, user;
	int short_date;            /* "11-25 10:00" instead of "2026-11-25 10:00" */
	size_t text;               /* room for tags and text; 0 when not cut */
};

static size_t fixed_width(const struct columns *c, size_t abbrev)
{
	return abbrev + (c->status ? 11 : 3) + c->assignee + 1 + (c->channel ? c->channel + 1 : 0) +
	       c->user + 1 + (c->short_date ? 11 : 16) + 5 + 2;
}

static void columns_fit(struct columns *c, size_t width, size_t abbrev, int one_status)
{
	struct { size_t *col; size_t narrowest; } steps[] = {
		{ &c->user, 12 }, { &c->assignee, 6 }, { NULL, 0 }, { &c->channel, 5 }, { &c->user, 8 },
	};
	*c = (struct columns){ width, 1, 10, 8, 20, 0, 0 };
	if (!width)
		return;
	size_t nsteps = sizeof(steps) / sizeof(*steps);
	for (size_t i = 0; fixed_width(c, abbrev) + TEXT_ROOM > width && i < nsteps + 2; i++) {
		size_t over = fixed_width(c, abbrev) + TEXT_ROOM - width;
		if (i == nsteps)
			c->status = !one_status;
		else if (i == nsteps + 1)
			c->channel = 0;
		else if (!steps[i].col)
			c->short_date = 1;
		else if (*steps[i].col - steps[i].narrowest > over)
			*steps[i].col -= over;
		else
			*steps[i].col = steps[i].narrowest;
	}
	c->text = width > fixed_width(c, abbrev) ? width - fixed_width(c, abbrev) : 1;
}

/* Buffers reused from line to line: a full listing prints 100 000 of them. */
struct line_bufs {
	struct strbuf line, text, ts, tags;
};

static void pad(struct strbuf *out, const char *s, size_t cols)
{
	for (size_t w = term_sanitize_cut(out, s, strlen(s), cols); w < cols; w++)
		strbuf_addch(out, ' ');
}

/* The last message's time, in 16 columns or, short, 11 ("11-25 10:00"
   this year, "2025-11-25" before). */
static void add_date(struct strbuf *out, time_t t, int short_date, time_t now)
{
	struct tm tm, this;
	if (!short_date) {
		time_format_short(out, t);
		return;
	}
	localtime_r(&t, &tm);
	localtime_r(&now, &this);
	if (!t)
		strbuf_addstr(out, "(no date)  ");
	else if (tm.tm_year == this.tm_year)
		strbuf_addf(out, "%02d-%02d %02d:%02d", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	else
		strbuf_addf(out, "%04d-%02d-%02d ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* How long the customer has waited, in at most 4 columns: 59m, 23h, 364d, 2y. */
static void add_age(struct strbuf *out, time_t since, time_t now)
{
	long long s = now > since ? (long long)(now - since) : 0;
	char age[32];
	if (!since) /* messages without a date (no Date:, no Received:): no age to tell */
		snprintf(age, sizeof(age), "?");
	else if (s < 3600)
		snprintf(age, sizeof(age), "%lldm", s / 60);
	else if (s < 86400)
		snprintf(age, sizeof(age), "%lldh", s / 3600);
	else if (s < 365 * 86400LL)
		snprintf(age, sizeof(age), "%lldd", s / 86400);
	else
		snprintf(age, sizeof(age), "%lldy", s / (365 * 86400LL) > 999 ? 999 : s / (365 * 86400LL));
	strbuf_addf(out, "%4s", age);
}

static void print_line(struct dlg_ctx *ctx, struct line_bufs *b, const struct dialog_summary *d,
		       int abbrev, const struct columns *c, time_t now)
{
	struct strbuf *line = &b->line;
	size_t tags_room = 0, text_room = c->text ? c->text : 100;
	strbuf_reset(line);
	strbuf_addstr(line, color(ctx, "\033[33m"));
	strbuf_add(line, d->id, (size_t)abbrev);
	strbuf_addstr(line, color(ctx, "\033[m"));
	if (c->status)
		strbuf_addstr(line, d->closed ? "  closed " : "  open   ");
	else
		strbuf_addch(line, ' ');
	if (d->waiting) {
		strbuf_addstr(line, color(ctx, "\033[1;31m"));
		strbuf_addch(line, '*');
		strbuf_addstr(line, color(ctx, "\033[m"));
		strbuf_addch(line, ' ');
	} else {
		strbuf_addstr(line, "  ");
	}
	pad(line, d->assignee ? d->assignee : "-", c->assignee);
	strbuf_addch(line, ' ');
	if (c->channel) {
		pad(line, d->info.channel, c->channel);
		strbuf_addch(line, ' ');
	}
	pad(line, d->user_name, c->user);
	strbuf_addch(line, ' ');
	strbuf_reset(&b->ts);
	add_date(&b->ts, d->last_at, c->short_date, now);
	strbuf_addbuf(line, &b->ts);
	strbuf_addch(line, ' ');
	if (d->waiting) {
		strbuf_addstr(line, color(ctx, "\033[1;31m"));
		add_age(line, d->waiting_since, now);
		strbuf_addstr(line, color(ctx, "\033[m"));
	} else {
		strbuf_addstr(line, "    ");
	}
	strbuf_addstr(line, "  ");
	if (d->tags.nr) {
		/* dlg writes plain tags, a fetched commit may hold anything */
		strbuf_reset(&b->tags);
		for (size_t i = 0; i < d->tags.nr; i++) {
			if (i)
				strbuf_addch(&b->tags, ',');
			strbuf_addstr(&b->tags, d->tags.items[i]);
		}
		/* "[" "]" and a space: whole when they leave the text its share, else cut to half */
		tags_room = utf8_width(b->tags.buf, b->tags.len) + 3;
		if (c->text && tags_room + TEXT_ROOM / 2 > text_room)
			tags_room = text_room / 2;
		if (tags_room >= 6) { /* "[vi…] " says little; less, nothing */
			strbuf_addstr(line, color(ctx, "\033[36m"));
			strbuf_addch(line, '[');
			term_sanitize_cut(line, b->tags.buf, b->tags.len, tags_room - 3);
			strbuf_addch(line, ']');
			strbuf_addstr(line, color(ctx, "\033[m"));
			strbuf_addch(line, ' ');
		} else {
			tags_room = 0;
		}
	}
	/* The subject says what it is about, the preview where it stands. */
	strbuf_reset(&b->text);
	strbuf_addstr(&b->text, d->info.subject);
	if (*d->preview && strcmp(d->preview, d->info.subject)) {
		if (b->text.len)
			strbuf_addstr(&b->text, " \xe2\x80\x94 ");
		strbuf_addstr(&b->text, d->preview);
	}
	if (c->text)
		text_room = text_room > tags_room ? text_room - tags_room : 0;
	if (text_room)
		term_sanitize_cut(line, b->text.buf, b->text.len, text_room);
	strbuf_rtrim(line);
	strbuf_addch(line, '\n');
	fwrite(line->buf, 1, line->len, stdout);
}

struct list_out {
	struct dlg_ctx *ctx;
	struct line_bufs bufs;
	int quiet, json, warned, failed;
	struct columns cols;
	int fitted;
	int one_status;         /* --status open or closed: every row has the same */
	size_t width;
	time_t now;
	size_t limit, shown;    /* --limit: 0 for all */
	struct dlg_list_result res;
	const struct strlist *only; /* ids from stdin (-), sorted; NULL for all */
	const struct strlist *changed; /* --changed-since: those ids, sorted; NULL for all */
	int snippets;               /* dlg search: a line of the matching text under each */
};

static void warn_fallback(struct list_out *o)
{
	if (o->res.from_view && o->res.why.len && !o->warned)
		warning_msg("%s; listing from the files", o->res.why.buf);
	o->warned = 1;
}

static int print_hit(const struct dialog_summary *d, const char *snippet, void *payload)
{
	struct list_out *o = payload;
	progress_end(); /* the index is built: its line ends before the first row */
	warn_fallback(o);
	if (!d) {
		o->failed = error_last();
		return 0;
	}
	if (o->only && !strlist_has_sorted(o->only, d->id))
		return 0;
	if (o->changed && !strlist_has_sorted(o->changed, d->id))
		return 0;
	if (o->quiet) {
		puts(d->id);
	} else if (o->json) {
		json_t *j = dialog_summary_json(d);
		if (o->snippets)
			json_object_set_new(j, "snippet", jstr(snippet));
		json_print_line(j);
		json_decref(j);
	} else {
		if (!o->fitted++) /* the ids' width is known from the first row on */
			columns_fit(&o->cols, o->width, o->res.abbrev, o->one_status);
		print_line(o->ctx, &o->bufs, d, (int)o->res.abbrev, &o->cols, o->now);
		if (o->snippets)
			search_snippet_print(o->ctx, snippet, o->width);
	}
	/* a listing stops once it has shown --limit rows: 1 is no error */
	return o->limit && ++o->shown >= o->limit;
}

static int print_row(const struct dialog_summary *d, void *payload)
{
	return print_hit(d, NULL, payload);
}

CMD(list)
{
	return list_or_search(argc, argv, ctx, list_usage, 0);
}

int list_or_search(int argc, char **argv, struct dlg_ctx *ctx, const char *const *usage, int search)
{
	struct dialog_filter f = DIALOG_FILTER_INIT;
	struct strbuf query = STRBUF_INIT;
	struct strlist ids = STRLIST_INIT, changed = STRLIST_INIT;
	const char *changed_since = NULL;
	struct list_out out = { 0 };
	out.res = (struct dlg_list_result)DLG_LIST_RESULT_INIT;
	out.bufs = (struct line_bufs){ STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct list_filter_args fa = { ctx, &f, "", STRBUF_INIT };
	int quiet = 0, json = 0, given = 0, ret = 0;
	const struct opt opts[] = {
		OPT_CALLBACK(0, "status", &fa, "open|closed|all", search ? "(default: all)" : "(default: open)", status_opt),
		OPT_CALLBACK(0, "assignee", &fa, "NAME|me|none", "", assignee_opt),
		OPT_CALLBACK(0, "tag", &fa, "[-]TAG", "require / exclude a tag (repeatable)", tag_opt),
		OPT_CALLBACK(0, "channel", &fa, "NAME|TYPE", "a configured channel, or a channel type", channel_opt),
		OPT_CALLBACK(0, "user", &fa, "ID|ADDRESS", "", user_opt),
		OPT_CALLBACK(0, "since", &fa, "DATE", "last message at or after DATE (YYYY-MM-DD[THH:MM])",
			     date_opt),
		OPT_CALLBACK(0, "until", &fa, "DATE", "last message at or before DATE (a day: all of it)",
			     date_opt),
		OPT_FLAG(0, "waiting", &f.waiting, "the customer waits for an answer"),
		OPT_STRING(0, "changed-since", &changed_since, "REV", "changed since commit REV (last-sync: the last sync)"),
		OPT_CALLBACK(0, "sort", &fa, "oldest|newest", "by the last message (default: newest)", sort_opt),
		OPT_CALLBACK(0, "limit", &out.limit, "N", "the first N dialogs only", opt_count_cb),
		OPT_FLAG('q', "quiet", &quiet, "print full ids only"),
		OPT_FLAG(0, "json", &json, "one JSON object per line"),
		OPT_CALLBACK(0, "color", ctx, "auto|always|never", "(default: auto)", color_opt),
		OPT_END(),
	};

	if (search)
		f.status = FILTER_ALL; /* what was said is found whenever it was said */
	/* "-refund" is a term of the query; "--refund" an option we lack; a lone
	   "-" asks for ids on stdin, which is read only when asked: `dlg list` in
	   a `while read` loop leaves the loop's input alone */
	argc = parse_options(argc, argv, opts, usage, PARSE_OPT_KEEP_UNKNOWN);
	for (int i = 0, terms = 0; i < argc && !ret; i++) {
		if (!strcmp(argv[i], "--") && !terms) {
			terms = 1;
			continue;
		}
		if (!terms && !strcmp(argv[i], "-")) {
			given = 1;
			continue;
		}
		if (!terms && argv[i][0] == '-' && argv[i][1] == '-') {
			/* as parse_options() says it of the options it knows are not its */
			error_usage("unknown option '%s'", argv[i]);
			ret = usage_with_options(usage, opts, 0);
		}
		strbuf_addf(&query, "%s%s", query.len ? " " : "", argv[i]); /* as notmuch joins them */
	}
	if (argc < 0 || ret || (search && !query.len)) {
		filter_clear(&f);
		strbuf_release(&query);
		strbuf_release(&fa.channel);
		return argc < 0 ? parse_options_exit(argc) : ret ? ret : usage_with_options(usage, opts, 0);
	}
	if (given && (ret = ids_from_stdin(&ids, ctx)))
		goto out;
	if (changed_since && store_changed_dialogs(&changed, ctx->store, changed_since) < 0) {
		ret = error_usage_last();
		goto out;
	}
	strlist_sort(&ids);
	out.ctx = ctx;
	out.quiet = quiet;
	out.json = json;
	out.width = output_width();
	out.now = dlg_now();
	out.one_status = f.status != FILTER_ALL;
	out.only = given ? &ids : NULL;
	out.changed = changed_since ? &changed : NULL;
	out.snippets = search;
	/* a first read after an import builds the index: minutes at 100 000 dialogs */
	progress_begin();
	if (query.len) {
		/* the line of matching text, only where it is printed */
		unsigned flags = search && !quiet ? 0 : DLG_SEARCH_NO_SNIPPET;
		int err = dlg_search(&out.res, ctx->store, &f, query.buf, flags, print_hit, &out);
		if (err < 0)
			ret = error_last() + (err == DLG_EINVALID); /* a malformed query: usage, 2 */
	} else if (dlg_list(&out.res, ctx->store, &f, getenv("DLG_NO_INDEX") ? DLG_LIST_NO_INDEX : 0,
			    print_row, &out) < 0) {
		ret = error_last();
	}
	progress_end();
	warn_fallback(&out);
	if (out.failed)
		ret = out.failed;
out:
	strbuf_release(&out.bufs.line);
	strbuf_release(&out.bufs.text);
	strbuf_release(&out.bufs.ts);
	strbuf_release(&out.bufs.tags);
	strbuf_release(&out.res.why);
	strlist_clear(&ids);
	strlist_clear(&changed);
	strbuf_release(&query);
	filter_clear(&f);
	strbuf_release(&fa.channel);
	return ret;
}
