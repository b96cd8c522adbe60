#include <string.h>

#include "base/time.h"
#include "cmd.h"
#include "ops/log.h"

static const char *const log_usage[] = {
	"dlg log [--json] ID",
	"",
	"Shows a dialog's history, newest first: every commit that changed it",
	"(when, who, what), and the operations it wrote in the dialog's log,",
	"each marked when a concurrent one from another clone overrode it.",
	NULL,
};

/* The first line of a commit message. */
static void subject_of(struct strbuf *out, const char *message)
{
	const char *nl = strchr(message, '\n');
	strbuf_add(out, message, nl ? (size_t)(nl - message) : strlen(message));
}

static void log_print(const struct dlg_log_entry *e)
{
	struct strbuf when = STRBUF_INIT, line = STRBUF_INIT;
	time_format_short(&when, e->time);
	strbuf_addf(&line, "%.7s %s %s  ", e->commit, when.buf, e->author);
	subject_of(&line, e->message);
	strbuf_addch(&line, '\n');
	for (size_t k = 0; k < e->ops.nr; k++) {
		const struct dlg_log_override *by = &e->overridden[k];
		strbuf_addf(&line, "    %s", e->ops.items[k]);
		if (by->actor) {
			strbuf_reset(&when);
			time_format_short(&when, by->time);
			strbuf_addf(&line, "  (overridden by %s's %s, %s)", by->actor, by->op, when.buf);
		}
		strbuf_addch(&line, '\n');
	}
	/* commits may come from other clones: nothing in them reaches the terminal raw */
	print_safe(stdout, line.buf, 1);
	strbuf_release(&when);
	strbuf_release(&line);
}

static void log_print_json(const struct dlg_log_entry *e)
{
	struct strbuf when = STRBUF_INIT, subject = STRBUF_INIT;
	json_t *o = json_object(), *ops = json_array(), *overridden = json_array();
	time_format_iso(&when, e->time);
	subject_of(&subject, e->message);
	json_object_set_new(o, "commit", jstr(e->commit));
	json_object_set_new(o, "date", jstr(when.buf));
	json_object_set_new(o, "author", jstr(e->author));
	json_object_set_new(o, "subject", jstr(subject.buf));
	json_object_set_new(o, "message", jstr(e->message));
	for (size_t k = 0; k < e->ops.nr; k++) {
		const struct dlg_log_override *by = &e->overridden[k];
		json_t *who = json_null();
		json_array_append_new(ops, jstr(e->ops.items[k]));
		if (by->actor) {
			who = json_object();
			strbuf_reset(&when);
			time_format_iso(&when, by->time);
			json_object_set_new(who, "actor", jstr(by->actor));
			json_object_set_new(who, "op", jstr(by->op));
			json_object_set_new(who, "date", jstr(when.buf));
		}
		json_array_append_new(overridden, who);
	}
	json_object_set_new(o, "ops", ops);
	json_object_set_new(o, "overridden_by", overridden);
	json_print_line(o);
	json_decref(o);
	strbuf_release(&when);
	strbuf_release(&subject);
}

CMD(log)
{
	struct strlist ids = STRLIST_INIT;
	struct dlg_log_entry *entries = NULL;
	size_t n = 0;
	int json = 0, ret;
	const struct opt opts[] = {
		OPT_FLAG(0, "json", &json, "one JSON object per commit"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, log_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc != 1)
		return usage_with_options(log_usage, opts, 0);
	if ((ret = ids_from_args(&ids, ctx, 1, argv)))
		goto out;
	if (dlg_log(&entries, &n, ctx->store, ids.items[0]) < 0) {
		ret = error_last();
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		json ? log_print_json(&entries[i]) : log_print(&entries[i]);
out:
	dlg_log_free(entries, n);
	strlist_clear(&ids);
	return ret;
}
