#ifndef DLG_CMD_H
#define DLG_CMD_H

#include <stdio.h>

#include <jansson.h>

#include "base/emoji.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "parse-options.h"
#include "store/store.h"

struct dlg_ctx {
	const char *dir;           /* -C DIR */
	struct dlg_store *store;   /* opened by the dispatcher for NEED_STORE commands */
	int color;                 /* stdout is a terminal and NO_COLOR is unset */
};

#define CMD(name) int cmd_##name(int argc, char **argv, struct dlg_ctx *ctx)
CMD(init); CMD(clone); CMD(import); CMD(list); CMD(show); CMD(reply); CMD(note);
CMD(assign); CMD(close); CMD(reopen); CMD(tag); CMD(user); CMD(sync); CMD(fsck);
CMD(help); CMD(reindex); CMD(channel); CMD(fetch); CMD(send); CMD(operator); CMD(config); CMD(template); CMD(emoji); CMD(trigger);
CMD(attachment);

/* "dlg: CMD: message" on stderr; returns 1 (the failure exit code). */
int error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports the library's last error the same way; returns 1. */
int error_last(void);
void warning_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern const char *cmd_name;

/* Dialog ids from argv, else from stdin (one per line, first word) when it
   is not a terminal; every prefix resolved to a full id.  Returns 0, or 1/2
   after printing the reason. */
int ids_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv);
/* Dialog ids piped on stdin, if stdin is a pipe or a file; *given says so. */
int ids_from_stdin(struct strlist *out, struct dlg_ctx *ctx, int *given);
/* Resolves a user given as id prefix or address/handle. */
int user_from_arg(char out[17], struct dlg_ctx *ctx, const char *arg);


/* Opens $VISUAL, $EDITOR or vi on a file holding initial; out gets what was saved. */
int edit_text(struct strbuf *out, const char *initial, const char *what);
/* The most text -F FILE or the editor may give: what one message may carry. */
#define TEXT_MAX (2u << 20)
/* Message text: -m, -F FILE ("-" is stdin; a FILE must be a regular file of
   at most TEXT_MAX bytes), stdin when piped, else $EDITOR. */
int text_from_sources(struct strbuf *out, const char *m, const char *file, const char *what);

struct note;
json_t *notes_json(const struct note *notes, size_t n);

/* JSON helpers: strings are made valid UTF-8 first. */
json_t *jstr(const char *s);
void json_print_line(json_t *obj);

struct dialog_summary;
/* The list fields of a dialog as a JSON object (list.c). */
json_t *dialog_summary_json(const struct dialog_summary *d);

/* Sends the outbox of ids (all when NULL) and reports each message (send.c). */
int send_dialogs(struct dlg_ctx *ctx, const struct strlist *ids, int force, int quiet);

/* Writes customer text to fp with terminal controls neutralized. */
void print_safe(FILE *fp, const char *s, int keep_newlines);
const char *color(struct dlg_ctx *ctx, const char *code);

#endif
