#ifndef DLG_EMOJI_H
#define DLG_EMOJI_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * Emoji shortcodes such as ":smile:", from the table in lib/emoji.tsv
 * (node-emoji's; its header says where it comes from).  Shortcodes are
 * lowercase ASCII letters, digits, '_', '+' and '-', and match
 * case-sensitively.
 */

/* The emoji (UTF-8) of the shortcode code[0..len), without colons; NULL when unknown. */
const char *emoji_lookup(const char *code, size_t len);

/*
 * Appends text with every known ":shortcode:" replaced by its emoji.  A code
 * only counts when no ASCII letter or digit touches its colons from outside,
 * so times, MAC and IPv6 addresses ("00:ab:cd", "fe80::a:1") and URLs stay as
 * they are; so do unknown codes.  A backslash right before a code that would
 * be replaced is the escape: "\:smile:" becomes ":smile:"; other backslashes
 * are text.  Every other byte, valid UTF-8 or not, is copied as it is.
 */
void emoji_expand(struct strbuf *out, const char *text);
/* The same done to text itself: what dlg does to an operator's replies, notes
   and templates (the library's operations store text as they are given it). */
void emoji_expand_in_place(struct strbuf *text);

/* Pushes "shortcode\temoji" for every shortcode containing word (all of them
   when word is NULL or empty), in shortcode order. */
void emoji_search(struct strlist *out, const char *word);

#endif
