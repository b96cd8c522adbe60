#ifndef DLG_CMD_OUTPUT_H
#define DLG_CMD_OUTPUT_H

#include <stdio.h>

#include <jansson.h>

struct dlg_ctx;
struct dialog_summary;
struct note;

/* "dlg: CMD: message" on stderr (redacted, controls neutralized); returns 1,
   the failure exit code. */
int error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports the library's last error the same way; returns 1. */
int error_last(void);
/* The same for a usage error (a bad argument or option value): returns 2. */
int error_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error_usage_last(void);
void warning_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * What a change did, one line on stderr, so stdout stays for ids in a
 * pipe: "VERB 3f9a2c1: WHAT" for one dialog, "VERB: N dialogs WHAT" for
 * several, "VERB: nothing to change" when none changed.
 */
struct strlist;
void report_change(const char *verb, const struct strlist *ids, size_t changed, const char *what);

/*
 * Progress of long work (import, fetch, reindex, sync) on stderr when it
 * is a terminal: "CMD: N [of TOTAL] UNITS, RATE/s, ELAPSED s" on one line
 * rewritten with \r, at most about ten times a second, and left standing
 * at the end.  Nothing when stderr is a file or a pipe.  progress_begin()
 * sets the library's callback (base/progress.h), progress_end() removes it.
 */
void progress_begin(void);
void progress_end(void);

/* Writes customer text to fp with terminal controls neutralized. */
void print_safe(FILE *fp, const char *s, int keep_newlines);
/* The escape code when the output is in colour (ctx->color), else "". */
const char *color(struct dlg_ctx *ctx, const char *code);
/* --color=auto: stdout is a terminal, $TERM is set and not "dumb", and
   $NO_COLOR is unset or empty. */
int color_auto(void);
/* The --color=auto|always|never option of a table; its value is the
   dlg_ctx. */
struct opt;
int color_opt(const struct opt *o, const char *arg);

/* Like git: when stdout is a terminal, it goes from here on through
   $DLG_PAGER, else $PAGER, else "less -FRX" (run by sh; "" or "cat": no
   pager).  pager_finish() closes it and waits for the pager to end. */
void pager_start(void);
void pager_finish(void);

/* JSON helpers: strings are made valid UTF-8 first. */
json_t *jstr(const char *s);
void json_print_line(json_t *obj);
/* The list fields of a dialog as a JSON object (list, show, user show). */
json_t *dialog_summary_json(const struct dialog_summary *d);
json_t *notes_json(const struct note *notes, size_t n);

#endif
