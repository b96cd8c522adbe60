/*
 * The front end's one output layer: errors and warnings as "dlg: CMD: ...",
 * customer text with terminal controls neutralized, and the JSON that
 * --json prints, one object a line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/redact.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "output.h"
#include "store/summary.h"

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

int error_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(": ", fmt, ap);
	va_end(ap);
	return 2;
}

int error_usage_last(void)
{
	return error_usage("%s", dlg_error_last());
}

/* Texts are sanitized a piece at a time: a message's 60 MB are not copied. */
#define PRINT_PIECE 65536

void report_change(const char *verb, const struct strlist *ids, size_t changed, const char *what)
{
	struct strbuf line = STRBUF_INIT;
	if (!changed)
		strbuf_addf(&line, "%s: nothing to change", verb);
	else if (ids->nr == 1)
		strbuf_addf(&line, "%s %.7s: %s", verb, ids->items[0], what);
	else
		strbuf_addf(&line, "%s: %zu dialog%s %s", verb, changed, changed == 1 ? "" : "s", what);
	if (changed && changed < ids->nr)
		strbuf_addf(&line, " (%zu unchanged)", ids->nr - changed);
	strbuf_addch(&line, '\n');
	print_safe(stderr, line.buf, 1);
	strbuf_release(&line);
}

/* The progress line: what the library last reported, and when it was shown;
   the rate is of the phase it is in (messages, objects written, files in the view). */
static struct {
	struct timespec start, phase_start, shown_at;
	char what[32];
	size_t done, total, width;
	int reported;
} progress;

/* Seconds since progress_begin() (or since "since", when given). */
static double seconds_since(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - since->tv_sec) + (double)(now.tv_nsec - since->tv_nsec) / 1e9;
}

static void progress_show(const char *end)
{
	double elapsed = seconds_since(&progress.start), phase = seconds_since(&progress.phase_start);
	struct strbuf line = STRBUF_INIT;
	strbuf_addf(&line, "%s: %zu", cmd_name, progress.done);
	if (progress.total)
		strbuf_addf(&line, " of %zu", progress.total);
	/* "1 message", "2 messages", "1 of 30 messages" */
	strbuf_addf(&line, " %.*s, %.0f/s, %.1f s",
		    (int)strlen(progress.what) - (progress.done == 1 && !progress.total), progress.what,
		    phase > 0 ? (double)progress.done / phase : 0.0, elapsed);
	/* the line is rewritten in place: blanks over what a longer one left */
	fprintf(stderr, "\r%s%*s%s", line.buf,
		(int)(progress.width > line.len ? progress.width - line.len : 0), "", end);
	progress.width = line.len;
	clock_gettime(CLOCK_MONOTONIC, &progress.shown_at);
	strbuf_release(&line);
}

static void progress_report(const char *what, size_t done, size_t total)
{
	int new_phase = strncmp(progress.what, what, sizeof(progress.what) - 1) != 0;
	if (new_phase)
		clock_gettime(CLOCK_MONOTONIC, &progress.phase_start);
	snprintf(progress.what, sizeof(progress.what), "%s", what);
	progress.done = done;
	progress.total = total;
	/* about ten a second: a terminal that scrolls slowly must not slow the
	   work; the last of a known total at once, as writing it out may take a while */
	if (progress.reported && !new_phase && done != total && seconds_since(&progress.shown_at) < 0.1)
		return;
	progress.reported = 1;
	progress_show("");
}

void progress_begin(void)
{
	memset(&progress, 0, sizeof(progress));
	clock_gettime(CLOCK_MONOTONIC, &progress.start);
	progress.phase_start = progress.start;
	if (isatty(2))
		dlg_progress_to(progress_report);
}

void progress_end(void)
{
	dlg_progress_to(NULL);
	if (progress.reported)
		progress_show("\n");
	progress.reported = 0;
}

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

int color_auto(void)
{
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
	/* no-color.org: set to anything but empty; a terminal that says it is
	   dumb, or nothing, shows escapes as they are */
	return isatty(1) && !(no_color && *no_color) && term && strcmp(term, "dumb");
}

static pid_t pager_pid;

void pager_start(void)
{
	const char *pager = getenv("DLG_PAGER");
	int fds[2];
	if (!isatty(1))
		return;
	if (!pager)
		pager = getenv("PAGER");
	if (!pager)
		pager = "less -FRX"; /* quit when it fits on a screen, colours, no clearing */
	if (!*pager || !strcmp(pager, "cat") || pipe(fds) < 0)
		return;
	fflush(stdout);
	pager_pid = fork();
	if (pager_pid < 0) {
		pager_pid = 0;
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (!pager_pid) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		/* through the shell, as git does: PAGER may hold options */
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	dup2(fds[1], 1);
	close(fds[0]);
	close(fds[1]);
}

void pager_finish(void)
{
	if (!pager_pid)
		return;
	fflush(stdout);
	close(1); /* the pager's end of file */
	while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
		;
	pager_pid = 0;
}

int color_opt(const struct opt *o, const char *arg)
{
	struct dlg_ctx *ctx = o->value;
	if (!strcmp(arg, "always"))
		ctx->color = 1;
	else if (!strcmp(arg, "never"))
		ctx->color = 0;
	else if (!strcmp(arg, "auto"))
		ctx->color = color_auto();
	else
		return error_usage("--color takes auto, always or never, not '%s'", arg), OPT_BAD_VALUE;
	return 0;
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

json_t *dialog_summary_json(const struct dialog_summary *d)
{
	json_t *o = json_object(), *tags = json_array(), *user = json_object();
	struct strbuf ts = STRBUF_INIT;
	for (size_t i = 0; i < d->tags.nr; i++)
		json_array_append_new(tags, jstr(d->tags.items[i]));
	json_object_set_new(user, "id", jstr(d->info.user));
	json_object_set_new(user, "name", jstr(d->user_name));
	time_format_iso(&ts, d->last_at);
	json_object_set_new(o, "id", jstr(d->id));
	json_object_set_new(o, "status", jstr(d->closed ? "closed" : "open"));
	json_object_set_new(o, "assignee", d->assignee ? jstr(d->assignee) : json_null());
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "channel", jstr(d->info.channel));
	json_object_set_new(o, "user", user);
	json_object_set_new(o, "subject", jstr(d->info.subject));
	json_object_set_new(o, "last_message_at", jstr(ts.buf));
	json_object_set_new(o, "waiting", json_boolean(d->waiting));
	if (d->waiting) {
		strbuf_reset(&ts);
		time_format_iso(&ts, d->waiting_since);
		json_object_set_new(o, "waiting_since", jstr(ts.buf));
	} else {
		json_object_set_new(o, "waiting_since", json_null());
	}
	json_object_set_new(o, "preview", jstr(d->preview));
	json_object_set_new(o, "messages", json_integer((json_int_t)d->nmsgs));
	strbuf_release(&ts);
	return o;
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
