#ifndef DLG_OPS_TEMPLATE_H
#define DLG_OPS_TEMPLATE_H

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Saved replies, templates/NAME in the store (store/template.h has their
 * syntax).  The variables: {{user.name}}, {{user.email}}, {{user.id}},
 * {{user.KEY}} (a property of the card), {{operator}}, {{dialog.subject}}
 * and {{dialog.id}}.
 */

/* DLG_EINVALID, saying what a name may hold, for one that cannot be a template's. */
int dlg_template_name_check(const char *name);

/* The text of template name, from the files of the tip: DLG_EINVALID for
   a name no template can have, DLG_ENOTFOUND when there is none. */
int dlg_template_read(struct strbuf *out, struct dlg_store *s, const char *name);

/* Template name with its variables filled in for dialog (a full id), or,
   dialog NULL, for user uid before there is a dialog (a trigger); a
   variable without a value is DLG_EINVALID ("template NAME: why"). */
int dlg_template_fill(struct strbuf *out, struct dlg_store *s, const char *name,
		      const char *dialog, const char *uid);

/* Adds template name, or changes its text (no commit when it is the same);
   DLG_EINVALID for a bad name, blank text, a variable that is none of the
   above ("unknown variable {{NAME}}") or a '{{' without '}}'. */
int dlg_template_save(struct dlg_store *s, const char *name, const char *text);
/* DLG_ENOTFOUND when there is no such template. */
int dlg_template_remove(struct dlg_store *s, const char *name);

#endif
