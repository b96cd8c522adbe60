#include <string.h>

#include "base/utf8.h"
#include "cmd.h"
#include "ops/template.h"
#include "store/template.h"
#include "store/view.h"

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

static int template_list(struct dlg_ctx *ctx)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT, line = STRBUF_INIT;
	view_list(&names, ctx->store, "templates");
	for (size_t i = 0; i < names.nr; i++) {
		strbuf_reset(&text);
		strbuf_reset(&line);
		if (!template_name_valid(names.items[i]))
			continue;
		if (dlg_template_read(&text, ctx->store, names.items[i]) < 0) {
			error_last();
			continue;
		}
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
	struct strbuf text = STRBUF_INIT;
	const char *m = NULL, *file = NULL, *sub, *name;
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
	name = argv[1];
	if (!strcmp(sub, "show")) {
		if (dlg_template_read(&text, ctx->store, name) < 0)
			ret = error_last();
		else
			print_safe(stdout, text.buf, 1);
		strbuf_release(&text);
		return ret;
	}
	if (strcmp(sub, "add") && strcmp(sub, "rm"))
		return usage_with_options(template_usage, opts, 0);
	/* before the text is asked for */
	if (dlg_template_name_check(name) < 0)
		return error_last();
	if (!strcmp(sub, "add")) {
		if ((ret = text_from_sources(&text, m, file, "template")))
			goto out;
		if (dlg_template_save(ctx->store, name, text.buf) < 0)
			ret = error_last();
	} else if (dlg_template_remove(ctx->store, name) < 0) {
		ret = error_last();
	}
out:
	strbuf_release(&text);
	return ret;
}
