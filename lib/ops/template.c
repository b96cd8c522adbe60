#include <string.h>

#include "base/error.h"
#include "ops/template.h"
#include "ops/text.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/template.h"
#include "store/users.h"
#include "store/tx.h"
#include "store/view.h"

int dlg_template_name_check(const char *name)
{
	if (!template_name_valid(name))
		return dlg_error(DLG_EINVALID, "'%s' is not a template name: lowercase letters, "
				 "digits, '.', '_' and '-'", name);
	return 0;
}

int dlg_template_read(struct strbuf *out, struct dlg_store *s, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	if (!template_name_valid(name))
		return dlg_error(DLG_EINVALID, "'%s' is not a template name", name);
	layout_template(&path, name);
	err = view_read(out, s, path.buf);
	strbuf_release(&path);
	if (err < 0)
		return dlg_error(DLG_ENOTFOUND, "no template '%s' (see dlg template list)", name);
	return 0;
}

struct template_vars {
	struct dlg_store *store;
	struct dialog_summary *d;   /* NULL before there is a dialog (trigger) */
	const char *uid;
	struct user_state *user;
};

static int template_var(struct strbuf *value, const char *name, void *data)
{
	struct template_vars *v = data;
	const char *op;
	if (!strcmp(name, "operator")) {
		if (store_operator(&op, v->store) < 0)
			return DLG_EINVALID;
		strbuf_addstr(value, op);
	} else if (!strncmp(name, "dialog.", 7) && !v->d) {
		return dlg_error(DLG_EINVALID, "{{%s}}: there is no dialog yet", name);
	} else if (!strcmp(name, "dialog.subject")) {
		strbuf_addstr(value, v->d->info.subject ? v->d->info.subject : "");
	} else if (!strcmp(name, "dialog.id")) {
		strbuf_addstr(value, v->d->id);
	} else if (!strcmp(name, "user.name")) {
		if (!v->user->name || !*v->user->name)
			return dlg_error(DLG_EINVALID, "{{user.name}}: the user has no name on their card "
					 "(dlg user set USER name=...)");
		strbuf_addstr(value, v->user->name);
	} else if (!strcmp(name, "user.email")) {
		const char *email = user_state_ident(v->user, "email");
		if (!email)
			return dlg_error(DLG_EINVALID, "{{user.email}}: the user has no email address");
		strbuf_addstr(value, email);
	} else if (!strcmp(name, "user.id")) {
		strbuf_addstr(value, v->uid);
	} else if (!strncmp(name, "user.", 5) && name[5]) {
		const char *p = user_state_prop(v->user, name + 5);
		if (!p)
			return dlg_error(DLG_EINVALID, "{{%s}}: the user card has no property %s "
					 "(dlg user set USER %s=...)", name, name + 5, name + 5);
		strbuf_addstr(value, p);
	} else {
		return DLG_ENOTFOUND;
	}
	return 0;
}

/* The variables template_var() knows, without their values: what a
   template may hold when it is saved. */
static int template_var_known(struct strbuf *value, const char *name, void *data)
{
	static const char *const names[] = {
		"operator", "dialog.subject", "dialog.id", "user.name", "user.email", "user.id",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(name, names[i]))
			return 0;
	if (!strncmp(name, "user.", 5) && user_prop_key_valid(name + 5, strlen(name + 5)))
		return 0;
	return DLG_ENOTFOUND;
}

int dlg_template_fill(struct strbuf *out, struct dlg_store *s, const char *name,
		      const char *dialog, const char *uid)
{
	struct strbuf text = STRBUF_INIT;
	struct dialog_summary d = { 0 };
	struct user_state user;
	struct template_vars v = { s, dialog ? &d : NULL, uid, &user };
	int err;

	if ((err = dlg_template_read(&text, s, name)) < 0)
		return err;
	if (dialog && (err = dialog_summary_load(&d, s, dialog)) < 0) {
		strbuf_release(&text);
		return err;
	}
	if (dialog)
		v.uid = d.info.user;
	user_state_read(&user, s, v.uid);
	if ((err = template_expand(out, text.buf, template_var, &v)) < 0)
		err = dlg_error(err, "template %s: %s", name, dlg_error_last());
	user_state_clear(&user);
	if (dialog)
		dialog_summary_clear(&d);
	strbuf_release(&text);
	return err;
}

struct template_job {
	const char *name;
	const char *text;    /* NULL: remove */
};

static int template_fn(struct dlg_tx *tx, void *payload)
{
	struct template_job *job = payload;
	struct strbuf path = STRBUF_INIT, old = STRBUF_INIT;
	int err, existed;
	layout_template(&path, job->name);
	err = tx_read(&old, tx, path.buf);
	existed = !err;
	if (err && err != DLG_ENOTFOUND)
		goto out;
	err = 0;
	if (!job->text) {
		if (!existed)
			err = dlg_error(DLG_ENOTFOUND, "no template '%s'", job->name);
		else if (!(err = tx_remove(tx, path.buf)))
			tx_message(tx, "template rm %s\n", job->name);
	} else if (!existed || strcmp(old.buf, job->text)) {
		if (!(err = tx_write(tx, path.buf, job->text, strlen(job->text))))
			tx_message(tx, "template %s %s\n", existed ? "change" : "add", job->name);
	}
out:
	strbuf_release(&path);
	strbuf_release(&old);
	return err;
}

int dlg_template_save(struct dlg_store *s, const char *name, const char *text)
{
	struct template_job job = { name, text };
	struct strbuf expanded = STRBUF_INIT;
	int err;
	if ((err = dlg_template_name_check(name)) < 0 || (err = dlg_text_check(text, "template")) < 0)
		return err;
	/* a typo in a variable is found now, not at the first reply */
	err = template_expand(&expanded, text, template_var_known, NULL);
	strbuf_release(&expanded);
	return err < 0 ? err : store_change(s, template_fn, &job, NULL);
}

int dlg_template_remove(struct dlg_store *s, const char *name)
{
	struct template_job job = { name, NULL };
	int err = dlg_template_name_check(name);
	return err < 0 ? err : store_change(s, template_fn, &job, NULL);
}
