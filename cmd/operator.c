#include <string.h>

#include "cmd.h"
#include "ops/operator.h"
#include "store/assign.h"

static const char *const operator_usage[] = {
	"dlg operator add NAME [--email ADDR]",
	"dlg operator list [--dialogs | --json]",
	"dlg operator away NAME    dlg operator back NAME    dlg operator rm NAME",
	"",
	"Operators are who dialogs are assigned to; automatic assignment",
	"(assign.mode, see dlg config) picks among those who are not away.",
	"NAME may be 'me': the operator running the command.  list counts each",
	"one's open dialogs; --dialogs names them (--json always does).",
	NULL,
};

/* What the command line asks for. */
struct operator_job {
	const char *name;
	const char *verb;       /* add, away, back, remove */
	const char *email;
};

static int operator_change(struct dlg_store *s, const struct operator_job *job)
{
	if (!strcmp(job->verb, "add"))
		return dlg_operator_add(s, job->name, job->email);
	if (!strcmp(job->verb, "away"))
		return dlg_operator_away(s, job->name);
	if (!strcmp(job->verb, "back"))
		return dlg_operator_back(s, job->name);
	return dlg_operator_remove(s, job->name);
}

static int operator_list(struct dlg_ctx *ctx, int json, int verbose)
{
	struct operator_info *ops = NULL;
	size_t n = 0;
	int ret = 0;
	operators_load(&ops, &n, ctx->store);
	for (size_t i = 0; i < n && !ret; i++) {
		struct strlist ids = STRLIST_INIT;
		size_t open;
		if (operator_open_dialogs(&ids, ctx->store, ops[i].name) < 0) {
			ret = error_last();
			break;
		}
		open = ids.nr;
		if (json) {
			json_t *o = json_object();
			json_object_set_new(o, "name", jstr(ops[i].name));
			json_object_set_new(o, "email", ops[i].email ? jstr(ops[i].email) : json_null());
			json_object_set_new(o, "away", json_boolean(ops[i].away));
			json_object_set_new(o, "open", json_integer((json_int_t)open));
			{
				json_t *arr = json_array();
				for (size_t k = 0; k < ids.nr; k++)
					json_array_append_new(arr, jstr(ids.items[k]));
				json_object_set_new(o, "dialogs", arr);
			}
			json_print_line(o);
			json_decref(o);
		} else {
			struct strbuf line = STRBUF_INIT;
			strbuf_addf(&line, "%-16s %-9s %5zu open", ops[i].name, ops[i].away ? "away" : "available", open);
			if (ops[i].email)
				strbuf_addf(&line, "  %s", ops[i].email);
			print_safe(stdout, line.buf, 0);
			putchar('\n');
			/* the dialogs themselves, short ids on one line, newest first */
			if (ids.nr && verbose) {
				fputs("   ", stdout);
				for (size_t k = 0; k < ids.nr; k++)
					printf(" %.7s", ids.items[k]);
				putchar('\n');
			}
			strbuf_release(&line);
		}
		strlist_clear(&ids);
	}
	operators_free(ops, n);
	return ret;
}

CMD(operator)
{
	static const char *const verbs[][2] = {
		{ "add", "add" }, { "away", "away" }, { "back", "back" }, { "rm", "remove" },
	};
	struct operator_job job = { 0 };
	const char *sub;
	int json = 0, verbose = 0;
	const struct opt opts[] = {
		OPT_STRING(0, "email", &job.email, "ADDR", NULL),
		OPT_FLAG(0, "json", &json, NULL),
		OPT_FLAG(0, "dialogs", &verbose, NULL),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, operator_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc)
		return usage_with_options(operator_usage, opts, 0);
	sub = argv[0];
	if (!strcmp(sub, "list")) {
		if (argc != 1 || job.email)
			return usage_with_options(operator_usage, opts, 0);
		return operator_list(ctx, json, verbose);
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++)
		if (!strcmp(sub, verbs[i][0]))
			job.verb = verbs[i][1];
	if (!job.verb || argc != 2 || json || verbose || (job.email && strcmp(job.verb, "add")))
		return usage_with_options(operator_usage, opts, 0);
	job.name = argv[1];
	if (!strcmp(job.name, "me") && store_operator(&job.name, ctx->store) < 0)
		return error_last();
	if (operator_change(ctx->store, &job) < 0)
		return error_last();
	return 0;
}
