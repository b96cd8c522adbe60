#ifndef DLG_CMD_INPUT_H
#define DLG_CMD_INPUT_H

#include "base/strbuf.h"

struct dlg_ctx;

/* Dialog ids from argv, else from stdin (one per line, first word) when it
   is not a terminal; every prefix resolved to a full id.  Returns 0, or 1/2
   after printing the reason. */
int ids_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv);
/* Dialog ids piped on stdin, if stdin is a pipe or a file; *given says so. */
int ids_from_stdin(struct strlist *out, struct dlg_ctx *ctx, int *given);
/* Resolves a user given as id prefix or address/handle; prints why not. */
int user_from_arg(char out[17], struct dlg_ctx *ctx, const char *arg);

/* Opens $VISUAL, $EDITOR or vi on a file NAME.txt holding initial, then
   "# " lines saying what to do and comment (NULL: none; each of its lines
   starts with "# "); out gets what was saved, without those lines. */
int edit_text(struct strbuf *out, const char *initial, const char *what, const char *comment);
/* edit_text(), then trailing white space dropped and an empty text refused
   ("empty WHAT; nothing was written"); the text ends in one newline. */
int text_from_editor(struct strbuf *out, const char *initial, const char *what, const char *comment);
/* The most text -F FILE or the editor may give: what one message may carry. */
#define TEXT_MAX (2u << 20)
/* Message text: -m, -F FILE ("-" is stdin; a FILE must be a regular file of
   at most TEXT_MAX bytes), stdin when piped, else $EDITOR. */
int text_from_sources(struct strbuf *out, const char *m, const char *file, const char *what);

#endif
