#ifndef DLG_OPS_TEXT_H
#define DLG_OPS_TEXT_H

#include "base/strbuf.h"

/*
 * What an operator writes (a reply, a note, a template, a trigger's
 * message) goes into the store as the operation is given it: front ends
 * gather it, and expand :shortcodes: (base/emoji.h) when they want them.
 * Text that is only white space is no text.
 */

/* Whether text is NULL or only white space. */
int dlg_text_blank(const char *text);
/* DLG_EINVALID "empty WHAT; nothing was written" for blank text, else 0. */
int dlg_text_check(const char *text, const char *what);

/* How many columns of an operator's text a commit message quotes. */
#define DLG_TEXT_EXCERPT_COLS 40
/* Appends the opening words of text as a commit message names them, in
   double quotes: one line, cut to DLG_TEXT_EXCERPT_COLS columns ("…" when
   cut), quoted lines and the signature skipped, safe on a terminal. */
void dlg_text_excerpt(struct strbuf *out, const char *text);

#endif
