#ifndef DLG_CMD_INPUT_H
#define DLG_CMD_INPUT_H

#include "base/strbuf.h"

struct dlg_ctx;

/* Dialog ids from argv, where "-" reads them from stdin (one per line, the
   first word), or with none there, from stdin when it is a pipe or a file;
   every prefix resolved to a full id.  Returns 0, or 1 (a bad id) or 2 (no
   ids at all) after printing the reason. */
int ids_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv);
/* The same, but a bad id is reported and passed over: out gets the good
   ones, and 1 comes back at the end should one have been bad (show). */
int ids_from_args_each(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv);
/* Dialog ids on stdin, whatever it is: what "-" asks for. */
int ids_from_stdin(struct strlist *out, struct dlg_ctx *ctx);
/* Whether stdin is a pipe or a file, which commands that act on dialogs
   read ids from when given none (a terminal, /dev/null or a socket is not). */
int stdin_is_data(void);
/* ids_from_args() that wants exactly one id (reply, note, attachment):
   none or more are a usage error, 2. */
int one_id_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv);
/* Whether text_from_sources() would read stdin, which an id "-" has taken. */
int text_wants_stdin(const char *m, const char *file);
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
