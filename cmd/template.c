#include <string.h>

#include "base/utf8.h"
#include "cmd.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/template.h"
#include "store/tx.h"

static const char *const template_usage[] = {
	"dlg template add NAME [-m TEXT | -F FILE]",
	"dlg template list",
	"dlg template show NAME",
	"dlg template rm NAME",
	"",
	"Saved replies, versioned in the store (templates/NAME).  The text may",
	"hold variables: {{user.name}}, {{user.email}}, {{user.KEY}} (a property),",
	"{{operator}}, {{dialog.subject}}, {{dialog.id}}; dlg reply --template",
	"fills them in.",
	NULL,
};

struct template_job {
	const char *name;
	const char *text;    /* NULL: remove */
	int existed;
};

static void template_path(struct strbuf *out, const char *name)
{
	strbuf_addf(out, "templates/%s", name);
}

static int template_fn(struct dlg_tx *tx, void *payload)
{
	struct template_job *job = payload;
	struct strbuf path = STRBUF_INIT, old = STRBUF_INIT;
	int err;
	template_path(&path, job->name);
	err = tx_read(&old, tx, path.buf);
	job->existed = !err;
	if (err && err != DLG_ENOTFOUND)
		goto out;
	err = 0;
	if (!job->text) {
		if (!job->existed)
			err = dlg_error(DLG_ENOTFOUND, "no template '%s'", job->name);
		else if (!(err = tx_remove(tx, path.buf)))
			tx_message(tx, "template rm %s\n", job->name);
	} else if (!job->existed || strcmp(old.buf, job->text)) {
		if (!(err = tx_write(tx, path.buf, job->text, strlen(job->text))))
			tx_message(tx, "template %s %s\n", job->existed ? "change" : "add", job->name);
	}
out:
	strbuf_release(&path);
	strbuf_release(&old);
	return err;
}

int template_read(struct strbuf *out, struct dlg_ctx *ctx, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	if (!template_name_valid(name))
		return error_msg("'%s' is not a template name", name);
	template_path(&path, name);
	err = view_read(out, ctx->store, path.buf);
	strbuf_release(&path);
	if (err < 0)
		return error_msg("no template '%s' (see dlg template list)", name);
	return 0;
}

struct template_vars {
	struct dlg_ctx *ctx;
	struct dialog_summary *d;   /* NULL before there is a dialog (trigger) */
	const char *uid;
	struct user_state *user;
};

/* {{user.name}}, {{user.email}}, {{user.KEY}}, {{operator}}, {{dialog.subject}}, {{dialog.id}} */
static int template_var(struct strbuf *value, const char *name, void *data)
{
	struct template_vars *v = data;
	const char *op;
	if (!strcmp(name, "operator")) {
		if (store_operator(&op, v->ctx->store) < 0)
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

int template_fill(struct strbuf *out, struct dlg_ctx *ctx, const char *name, const char *dialog,
		  const char *uid)
{
	struct strbuf text = STRBUF_INIT;
	struct dialog_summary d = { 0 };
	struct user_state user;
	struct template_vars v = { ctx, dialog ? &d : NULL, uid, &user };
	int ret;

	if ((ret = template_read(&text, ctx, name)))
		return ret;
	if (dialog) {
		if (dialog_summary_load(&d, ctx->store, dialog) < 0) {
			strbuf_release(&text);
			return error_last();
		}
		v.uid = d.info.user;
	}
	user_state_read(&user, ctx->store, v.uid);
	if (template_expand(out, text.buf, template_var, &v) < 0)
		ret = error_msg("template %s: %s", name, dlg_error_last());
	user_state_clear(&user);
	if (dialog)
		dialog_summary_clear(&d);
	strbuf_release(&text);
	return ret;
}

static int template_list(struct dlg_ctx *ctx)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT, line = STRBUF_INIT;
	view_list(&names, ctx->store, "templates");
	for (size_t i = 0; i < names.nr; i++) {
		strbuf_reset(&text);
		strbuf_reset(&line);
		if (!template_name_valid(names.items[i]) || template_read(&text, ctx, names.items[i]))
			continue;
		strbuf_addf(&line, "%-20s ", names.items[i]);
		utf8_truncate_len(&line, text.buf, strcspn(text.buf, "\n"), 56);
		print_safe(stdout, line.buf, 0);
		putchar('\n');
	}
	strlist_clear(&names);
	strbuf_release(&text);
	strbuf_release(&line);
	return 0;
}

CMD(template)
{
	struct template_job job = { 0 };
	struct strbuf text = STRBUF_INIT;
	const char *m = NULL, *file = NULL, *sub;
	int ret = 0;
	const struct opt opts[] = {
		OPT_STRING('m', "message", &m, "TEXT", NULL),
		OPT_STRING('F', "file", &file, "FILE", NULL),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, template_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc)
		return usage_with_options(template_usage, opts, 0);
	sub = argv[0];
	if (!strcmp(sub, "list")) {
		if (argc != 1 || m || file)
			return usage_with_options(template_usage, opts, 0);
		return template_list(ctx);
	}
	if (argc != 2 || (strcmp(sub, "add") && (m || file)) || (m && file))
		return usage_with_options(template_usage, opts, 0);
	job.name = argv[1];
	if (!strcmp(sub, "show")) {
		if ((ret = template_read(&text, ctx, job.name)) == 0)
			print_safe(stdout, text.buf, 1);
		strbuf_release(&text);
		return ret;
	}
	if (strcmp(sub, "add") && strcmp(sub, "rm"))
		return usage_with_options(template_usage, opts, 0);
	if (!template_name_valid(job.name))
		return error_msg("'%s' is not a template name: lowercase letters, digits, '.', '_' and '-'",
				 job.name);
	if (!strcmp(sub, "add")) {
		if ((ret = text_from_sources(&text, m, file, "template")))
			goto out;
		job.text = text.buf;
	}
	if (store_change(ctx->store, template_fn, &job, NULL) < 0)
		ret = error_last();
out:
	strbuf_release(&text);
	return ret;
}
