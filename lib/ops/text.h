#ifndef DLG_OPS_TEXT_H
#define DLG_OPS_TEXT_H

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

#endif
