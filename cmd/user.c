#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "ops/user.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/users.h"

static const char *const user_usage[] = {
	"dlg user show [--json] USER",
	"dlg user set USER KEY=VALUE...   (KEY= removes; name=... renames)",
	"dlg user note [-m TEXT | -F FILE] USER   (--message, --file)",
	"dlg user import [-q]      JSON Lines on stdin, one commit",
	"dlg user merge KEEP OTHER",
	"",
	"USER is a user id prefix or an address or handle the user is known by.",
	NULL,
};

/* The options of every subcommand, in one table: an option given to
   another subcommand than its own is a usage error, where it stands. */
struct user_args {
	const char *sub;
	int json, quiet;
	const char *message, *file;
};

static int only_for(const struct user_args *a, const char *sub)
{
	return strcmp(a->sub, sub) ? 2 : 0;
}

static int json_opt(const struct opt *o, const char *arg)
{
	struct user_args *a = o->value;
	a->json = 1;
	return only_for(a, "show");
}

static int quiet_opt(const struct opt *o, const char *arg)
{
	struct user_args *a = o->value;
	a->quiet = 1;
	return only_for(a, "import");
}

static int text_opt(const struct opt *o, const char *arg)
{
	struct user_args *a = o->value;
	*(o->short_name == 'm' ? &a->message : &a->file) = arg;
	return only_for(a, "note");
}

struct user_dialog {
	struct dialog_summary d;
};

static int by_last_desc(const void *pa, const void *pb)
{
	const struct dialog_summary *a = pa, *b = pb;
	return a->last_at != b->last_at ? (a->last_at > b->last_at ? -1 : 1) : strcmp(a->id, b->id);
}

static int user_show(struct dlg_ctx *ctx, const char *uid, int json)
{
	struct user_state st;
	struct dialog_summary *ds;
	struct note *notes = NULL;
	struct strbuf dir = STRBUF_INIT, ts = STRBUF_INIT;
	size_t nd = 0, nn = 0;
	time_t first_seen = 0, last_seen = 0;

	user_state_read(&st, ctx->store, uid);
	user_dir(&dir, uid);
	notes_load(&notes, &nn, ctx->store, dir.buf);
	ds = xcalloc(st.dialogs.nr + 1, sizeof(*ds));
	for (size_t i = 0; i < st.dialogs.nr; i++)
		if (!dialog_summary_load(&ds[nd], ctx->store, st.dialogs.items[i]))
			nd++;
	qsort(ds, nd, sizeof(*ds), by_last_desc);
	for (size_t i = 0; i < nd; i++) {
		if (!first_seen || (ds[i].info.created && ds[i].info.created < first_seen))
			first_seen = ds[i].info.created;
		if (ds[i].last_at > last_seen)
			last_seen = ds[i].last_at;
	}

	if (json) {
		json_t *o = json_object(), *ids = json_object(), *props = json_object(),
		       *jd = json_array();
		json_object_set_new(o, "id", jstr(uid));
		json_object_set_new(o, "name", st.name ? jstr(st.name) : json_null());
		strbuf_reset(&ts);
		time_format_iso(&ts, first_seen);
		json_object_set_new(o, "first_seen", nd ? jstr(ts.buf) : json_null());
		strbuf_reset(&ts);
		time_format_iso(&ts, last_seen);
		json_object_set_new(o, "last_seen", nd ? jstr(ts.buf) : json_null());
		for (size_t i = 0; i < st.idents.nr; i++) {
			char *sp = strchr(st.idents.items[i], ' ');
			*sp = '\0';
			json_t *arr = json_object_get(ids, st.idents.items[i]);
			if (!arr) {
				arr = json_array();
				json_object_set_new(ids, st.idents.items[i], arr);
			}
			json_array_append_new(arr, jstr(sp + 1));
			*sp = ' ';
		}
		for (size_t i = 0; i < st.props.nr; i++) {
			char *tab = strchr(st.props.items[i], '\t');
			*tab = '\0';
			json_object_set_new(props, st.props.items[i], jstr(tab + 1));
			*tab = '\t';
		}
		for (size_t i = 0; i < nd; i++)
			json_array_append_new(jd, dialog_summary_json(&ds[i]));
		json_object_set_new(o, "identities", ids);
		json_object_set_new(o, "properties", props);
		json_object_set_new(o, "notes", notes_json(notes, nn));
		json_object_set_new(o, "dialogs", jd);
		json_print_line(o);
		json_decref(o);
	} else {
		printf("%suser %s%s\n", color(ctx, "\033[33m"), uid, color(ctx, "\033[m"));
		fputs("name:     ", stdout);
		print_safe(stdout, st.name ? st.name : "(unknown)", 0);
		putchar('\n');
		for (size_t i = 0; i < st.idents.nr; i++) {
			char *sp = strchr(st.idents.items[i], ' ');
			size_t kind = (size_t)(sp - st.idents.items[i]);
			struct strbuf shown = STRBUF_INIT;
			term_sanitize(&shown, st.idents.items[i], kind, 0); /* a kind from a fetched log */
			printf("%s:%*s", shown.buf, (int)(kind < 9 ? 9 - kind : 0), "");
			strbuf_release(&shown);
			print_safe(stdout, sp + 1, 0);
			putchar('\n');
		}
		if (nd) {
			strbuf_reset(&ts);
			time_format_short(&ts, first_seen);
			printf("first:    %s\n", ts.buf);
			strbuf_reset(&ts);
			time_format_short(&ts, last_seen);
			printf("last:     %s\n", ts.buf);
		}
		if (st.props.nr)
			puts("\nproperties:");
		for (size_t i = 0; i < st.props.nr; i++) {
			char *tab = strchr(st.props.items[i], '\t');
			*tab = '\0';
			fputs("  ", stdout);
			print_safe(stdout, st.props.items[i], 0);
			fputs(" = ", stdout);
			print_safe(stdout, tab + 1, 0);
			putchar('\n');
			*tab = '\t';
		}
		for (size_t i = 0; i < nn; i++) {
			strbuf_reset(&ts);
			time_format_short(&ts, notes[i].date);
			printf("\n── note · %s · ", ts.buf);
			print_safe(stdout, notes[i].author, 0);
			putchar('\n');
			print_safe(stdout, notes[i].text, 1);
		}
		printf("\ndialogs (%zu, newest first):\n", nd);
		for (size_t i = 0; i < nd; i++) {
			strbuf_reset(&ts);
			time_format_short(&ts, ds[i].last_at);
			printf("  %.7s  %-6s  %s  ", ds[i].id, ds[i].closed ? "closed" : "open", ts.buf);
			print_safe(stdout, ds[i].info.subject, 0);
			putchar('\n');
		}
	}
	for (size_t i = 0; i < nd; i++)
		dialog_summary_clear(&ds[i]);
	free(ds);
	notes_free(notes, nn);
	user_state_clear(&st);
	strbuf_release(&dir);
	strbuf_release(&ts);
	return 0;
}

/* JSON Lines on stdin: all of them in one commit, or none if one is bad. */
static int user_import(struct dlg_ctx *ctx, int quiet)
{
	struct strbuf data = STRBUF_INIT;
	struct strlist ids = STRLIST_INIT;
	int ret = 0;

	if (strbuf_read_fd(&data, 0) < 0)
		return error_msg("cannot read standard input: %s", strerror(errno));
	if (dlg_user_import(&ids, ctx->store, data.buf) < 0)
		ret = error_last();
	if (!ret && !quiet)
		for (size_t i = 0; i < ids.nr; i++)
			puts(ids.items[i]);
	strlist_clear(&ids);
	strbuf_release(&data);
	return ret;
}

/* KEY=VALUE arguments, checked before the user is looked up. */
static int user_set(struct dlg_ctx *ctx, int argc, char **argv)
{
	struct dlg_user_prop *props;
	char uid[17];
	int ret;

	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq || !user_prop_key_valid(argv[i], (size_t)(eq - argv[i])))
			return error_usage("expected KEY=VALUE with KEY of letters, digits, '_', '-', '.', not '%s'", argv[i]);
	}
	if ((ret = user_from_arg(uid, ctx, argv[0])))
		return ret;
	props = xcalloc((size_t)argc - 1, sizeof(*props));
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		props[i - 1].key = xstrndup(argv[i], (size_t)(eq - argv[i]));
		props[i - 1].value = eq + 1;
	}
	ret = dlg_user_set(ctx->store, uid, props, (size_t)argc - 1) < 0 ? error_last() : 0;
	for (int i = 0; i < argc - 1; i++)
		free((char *)props[i].key);
	free(props);
	return ret;
}

CMD(user)
{
	struct user_args a = { NULL, 0, 0, NULL, NULL };
	const struct opt opts[] = {
		OPT_CALLBACK(0, "json", &a, NULL, NULL, json_opt),
		OPT_CALLBACK('m', "message", &a, "TEXT", NULL, text_opt),
		OPT_CALLBACK('F', "file", &a, "FILE", NULL, text_opt),
		OPT_CALLBACK('q', "quiet", &a, NULL, NULL, quiet_opt),
		OPT_END(),
	};
	const char *sub;
	char uid[17];
	int ret;

	argc = parse_options(argc, argv, opts, user_usage,
			     PARSE_OPT_SUBCOMMAND | PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc)
		return usage_with_options(user_usage, opts, 0);
	a.sub = sub = argv[0];
	argc = parse_options(argc, argv, opts, user_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!strcmp(sub, "show")) {
		if (argc != 1)
			return usage_with_options(user_usage, opts, 0);
		if ((ret = user_from_arg(uid, ctx, argv[0])))
			return ret;
		return user_show(ctx, uid, a.json);
	}
	if (!strcmp(sub, "set"))
		return argc < 2 ? usage_with_options(user_usage, opts, 0) : user_set(ctx, argc, argv);
	if (!strcmp(sub, "import"))
		return argc ? usage_with_options(user_usage, opts, 0) : user_import(ctx, a.quiet);
	if (!strcmp(sub, "merge")) {
		char other[17];
		if (argc != 2)
			return usage_with_options(user_usage, opts, 0);
		if ((ret = user_from_arg(uid, ctx, argv[0])) || (ret = user_from_arg(other, ctx, argv[1])))
			return ret;
		return dlg_user_merge(ctx->store, uid, other) < 0 ? error_last() : 0;
	}
	if (!strcmp(sub, "note")) {
		struct strbuf text = STRBUF_INIT;
		if (argc != 1 || (a.message && a.file))
			return usage_with_options(user_usage, opts, 0);
		if ((ret = user_from_arg(uid, ctx, argv[0])) ||
		    (ret = text_from_sources(&text, a.message, a.file, "note"))) {
			strbuf_release(&text);
			return ret;
		}
		emoji_expand_in_place(&text);
		ret = dlg_user_note(ctx->store, uid, text.buf) < 0 ? error_last() : 0;
		strbuf_release(&text);
		return ret;
	}
	error_msg("unknown subcommand '%s'", sub);
	return usage_with_options(user_usage, opts, 0);
}
