#ifndef DLG_TEMPLATE_H
#define DLG_TEMPLATE_H

#include "base/strbuf.h"

/*
 * Saved replies: templates/NAME in the store's tree, text with variables
 * written {{name}} (spaces inside the braces allowed).  A variable the
 * lookup does not know, or one without a value, is an error: an answer
 * that says "Dear ," is worse than none.
 */

/* Fills value and returns 0, DLG_ENOTFOUND for an unknown name, or
   DLG_EINVALID (with the reason set) for a known one without a value. */
typedef int (*template_lookup_fn)(struct strbuf *value, const char *name, void *data);

int template_expand(struct strbuf *out, const char *text, template_lookup_fn lookup, void *data);
/* Lowercase letters, digits, '.', '_' and '-'; at most 64; not starting with '.' or '-'. */
int template_name_valid(const char *name);

#endif
