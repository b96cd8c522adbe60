/*
 * The option parser of every command (parse-options.h).  Its messages are
 * every other error's, "dlg: list: option '--status' requires an argument",
 * followed by the usage; they name an unknown option without its value,
 * which may be the password a misspelt option was to read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "parse-options.h"

int parse_options_list_only;

/* -h and --help: in every table that has no option of those names. */
static const struct opt implicit_help = OPT_FLAG('h', "help", NULL, NULL);

struct parser {
	int argc;
	char **argv;
	int i;                     /* the word being parsed */
	int kept;                  /* arguments left so far, in argv[0..kept-1] */
	const struct opt *opts;
	const char *const *usage;
	unsigned flags;
	int own_help;              /* the table has its own -h or --help */
};

static int is_option(const struct opt *o)
{
	return o->kind != OPT_KIND_END && o->kind != OPT_KIND_TEXT && o->kind != OPT_KIND_COLUMN;
}

static int has_own_help(const struct opt *opts)
{
	for (const struct opt *o = opts; o->kind != OPT_KIND_END; o++)
		if (is_option(o) && (o->short_name == 'h' || (o->long_name && !strcmp(o->long_name, "help"))))
			return 1;
	return 0;
}

static const struct opt *find_short(const struct parser *p, int c)
{
	for (const struct opt *o = p->opts; o->kind != OPT_KIND_END; o++)
		if (is_option(o) && o->short_name && o->short_name == c)
			return o;
	return !p->own_help && c == implicit_help.short_name ? &implicit_help : NULL;
}

/* The options that have a long name, in the table's order, the implicit
   --help last (where getopt tables had it): the k-th, or NULL past them. */
static const struct opt *long_option(const struct parser *p, size_t k)
{
	for (const struct opt *o = p->opts; o->kind != OPT_KIND_END; o++)
		if (is_option(o) && o->long_name && !k--)
			return o;
	return !p->own_help && !k ? &implicit_help : NULL;
}

static int usage_error(const struct parser *p)
{
	return PARSE_OPT_EXIT(usage_with_options(p->usage, p->opts, 0));
}

/* A lowercase copy of an argument's name, for the messages about it. */
static void add_lowercase(struct strbuf *sb, const char *s)
{
	for (; *s; s++)
		strbuf_addch(sb, *s >= 'A' && *s <= 'Z' ? *s + ('a' - 'A') : *s);
}

static int bad_integer(const struct opt *o, const char *arg)
{
	struct strbuf what = STRBUF_INIT;
	add_lowercase(&what, o->argh);
	error_msg("--%s takes %s from %ld to %ld, not '%s'", o->long_name, what.buf, o->min, o->max, arg);
	strbuf_release(&what);
	return 2;
}

int opt_count_cb(const struct opt *o, const char *arg)
{
	char *end;
	long n = strtol(arg, &end, 10);
	if (*end || end == arg || n < 1) {
		error_usage("--%s takes a number from 1 up, not '%s'", o->long_name, arg);
		return OPT_BAD_VALUE;
	}
	*(size_t *)o->value = (size_t)n;
	return 0;
}

/* Does what option o says with its argument arg; returns 0 or PARSE_OPT_EXIT(code). */
static int apply(const struct parser *p, const struct opt *o, const char *arg)
{
	char *end;
	long n;
	int ret;

	if (o == &implicit_help)
		return PARSE_OPT_EXIT(usage_with_options(p->usage, p->opts, 1));
	switch (o->kind) {
	case OPT_KIND_FLAG:
		*(int *)o->value = 1;
		break;
	case OPT_KIND_COUNTER:
		++*(int *)o->value;
		break;
	case OPT_KIND_STRING:
		*(const char **)o->value = arg;
		break;
	case OPT_KIND_STRING_LIST:
		strlist_push(o->value, arg);
		break;
	case OPT_KIND_INTEGER:
		/* as strtol() reads it: "" is 0, " 5" and "+5" are 5 */
		n = strtol(arg, &end, 10);
		if (*end || n < o->min || n > o->max)
			return PARSE_OPT_EXIT(bad_integer(o, arg));
		*(int *)o->value = (int)n;
		break;
	case OPT_KIND_CALLBACK:
		ret = o->callback(o, arg);
		if (ret == 2)
			return usage_error(p);
		if (ret == OPT_BAD_VALUE)
			return PARSE_OPT_EXIT(2);
		if (ret)
			return PARSE_OPT_EXIT(ret);
		break;
	default:
		break;
	}
	return 0;
}

static void keep(struct parser *p, char *word)
{
	p->argv[p->kept++] = word;
}

/* "--name[=value]" at p->argv[p->i]; arg is after the dashes.  Returns 0,
   1 when the word is to stay an argument (PARSE_OPT_KEEP_UNKNOWN), or
   PARSE_OPT_EXIT(code). */
static int parse_long(struct parser *p, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg), matches = 0;
	const struct opt *found = NULL, *o;
	int lenient = p->flags & PARSE_OPT_KEEP_UNKNOWN;

	for (size_t k = 0; !found && (o = long_option(p, k)); k++)
		if (strlen(o->long_name) == len && !strncmp(o->long_name, arg, len))
			found = o;
	/* else a name's unique beginning stands for it */
	for (size_t k = 0; !found && !lenient && (o = long_option(p, k)); k++)
		if (!strncmp(o->long_name, arg, len))
			matches++;
	if (matches > 1) {
		struct strbuf names = STRBUF_INIT;
		for (size_t k = 0; (o = long_option(p, k)); k++)
			if (!strncmp(o->long_name, arg, len))
				strbuf_addf(&names, " '--%s'", o->long_name);
		error_msg("option '--%.*s' is ambiguous; possibilities:%s", (int)len, arg, names.buf);
		strbuf_release(&names);
		return usage_error(p);
	}
	for (size_t k = 0; matches && !found && (o = long_option(p, k)); k++)
		if (!strncmp(o->long_name, arg, len))
			found = o;
	if (!found) {
		if (lenient)
			return 1;
		error_msg("unknown option '--%.*s'", (int)len, arg);
		return usage_error(p);
	}
	/* a word that names an option is that option, lenient or not */
	if (eq && !found->argh) {
		error_msg("option '--%s' doesn't allow an argument", found->long_name);
		return usage_error(p);
	}
	if (!eq && found->argh && p->i + 1 >= p->argc) {
		error_msg("option '--%s' requires an argument", found->long_name);
		return usage_error(p);
	}
	return apply(p, found, eq ? eq + 1 : found->argh ? p->argv[++p->i] : NULL);
}

/* "-xyz" at p->argv[p->i]: flags, the last of them perhaps taking the
   rest of the word or the next word as its argument.  Returns as
   parse_long() does. */
static int parse_short(struct parser *p, const char *arg)
{
	int lenient = p->flags & PARSE_OPT_KEEP_UNKNOWN;
	if (lenient && (arg[1] || !find_short(p, arg[0]) ||
			(find_short(p, arg[0])->argh && p->i + 1 >= p->argc)))
		return 1;
	for (const char *s = arg; *s; s++) {
		const struct opt *o = find_short(p, *s);
		int ret;
		if (!o) {
			/* the whole character, should it be UTF-8 */
			int n = 1;
			while ((s[n] & 0xc0) == 0x80)
				n++;
			error_msg("unknown option '-%.*s'", n, s);
			return usage_error(p);
		}
		if (o->argh) {
			if (s[1])
				return apply(p, o, s + 1);
			if (p->i + 1 < p->argc)
				return apply(p, o, p->argv[++p->i]);
			error_msg("option '-%c' requires an argument", *s);
			return usage_error(p);
		}
		if ((ret = apply(p, o, NULL)))
			return ret;
	}
	return 0;
}

static int list_options(const struct opt *opts)
{
	for (const struct opt *o = opts; o->kind != OPT_KIND_END; o++) {
		if (!is_option(o))
			continue;
		if (o->short_name)
			printf("-%c\n", o->short_name);
		if (o->long_name)
			printf("--%s\n", o->long_name);
	}
	if (!has_own_help(opts))
		printf("-%c\n--%s\n", implicit_help.short_name, implicit_help.long_name);
	return PARSE_OPT_EXIT(0);
}

/* PARSE_OPT_SUBCOMMAND: -h and --help, all else is the subcommand's. */
static int parse_for_subcommand(struct parser *p)
{
	int stop = p->flags & PARSE_OPT_STOP_AT_NON_OPTION;
	for (p->i = 1; p->i < p->argc; p->i++) {
		char *word = p->argv[p->i];
		if (!strcmp(word, "-h") || !strcmp(word, "--help"))
			return PARSE_OPT_EXIT(usage_with_options(p->usage, p->opts, 1));
		keep(p, word);
		if (stop)
			break;
	}
	while (++p->i < p->argc)
		keep(p, p->argv[p->i]);
	return p->kept;
}

int parse_options(int argc, char **argv, const struct opt *opts, const char *const *usage,
		  unsigned flags)
{
	struct parser p = { argc, argv, 1, 0, opts, usage, flags, has_own_help(opts) };
	int stop = (flags & PARSE_OPT_STOP_AT_NON_OPTION) || getenv("POSIXLY_CORRECT");

	if (flags & PARSE_OPT_SUBCOMMAND)
		return parse_for_subcommand(&p);
	if (parse_options_list_only)
		return list_options(opts);
	for (; p.i < argc; p.i++) {
		char *word = argv[p.i];
		int ret;
		if (word[0] != '-' || !word[1]) {
			keep(&p, word);
			if (stop)
				break;
			continue;
		}
		if (!strcmp(word, "--")) {
			if (flags & PARSE_OPT_KEEP_UNKNOWN)
				keep(&p, word);
			break;
		}
		ret = word[1] == '-' ? parse_long(&p, word + 2) : parse_short(&p, word + 1);
		if (ret < 0)
			return ret;
		if (ret) { /* an argument now, as PARSE_OPT_KEEP_UNKNOWN says */
			keep(&p, word);
			if (stop)
				break;
		}
	}
	while (++p.i < argc)
		keep(&p, argv[p.i]);
	return p.kept;
}

/* "  -x, --name ARG": an option as its line in --help starts. */
static void option_label(struct strbuf *out, const struct opt *o)
{
	strbuf_addstr(out, "  ");
	if (o->short_name)
		strbuf_addf(out, "-%c%s", o->short_name, o->long_name ? ", " : "");
	if (o->long_name)
		strbuf_addf(out, "--%s", o->long_name);
	if (o->argh)
		strbuf_addf(out, " %s", o->argh);
}

static int listed(const struct opt *o)
{
	return is_option(o) && o->help;
}

static void print_option(FILE *out, const struct opt *o, size_t column)
{
	struct strbuf sb = STRBUF_INIT;
	size_t line_start = 0;
	option_label(&sb, o);
	for (const char *h = o->help; *h;) {
		size_t n = strcspn(h, "\n");
		if (sb.len - line_start >= column) { /* the label is too long: the help goes below it */
			strbuf_addch(&sb, '\n');
			line_start = sb.len;
		}
		while (sb.len - line_start < column)
			strbuf_addch(&sb, ' ');
		strbuf_add(&sb, h, n);
		h += n;
		if (*h == '\n') {
			h++;
			strbuf_addch(&sb, '\n');
			line_start = sb.len;
		}
	}
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, out);
	strbuf_release(&sb);
}

int usage_with_options(const char *const *usage, const struct opt *opts, int help)
{
	FILE *out = help ? stdout : stderr;
	struct strbuf label = STRBUF_INIT;
	size_t column = 0, i;

	for (const struct opt *o = opts; o->kind != OPT_KIND_END; o++) {
		if (!listed(o))
			continue;
		strbuf_reset(&label);
		option_label(&label, o);
		if (label.len + 3 > column)
			column = label.len + 3;
	}
	strbuf_release(&label);
	for (i = 0; usage[i] && *usage[i]; i++)
		fprintf(out, "%s%s\n", i ? "       " : "usage: ", usage[i]);
	for (i += usage[i] != NULL; usage[i]; i++)
		fprintf(out, "%s\n", usage[i]);
	for (const struct opt *o = opts; o->kind != OPT_KIND_END; o++) {
		if (o->kind == OPT_KIND_COLUMN)
			column = (size_t)o->min;
		else if (o->kind == OPT_KIND_TEXT)
			fprintf(out, "%s\n", o->help);
		else if (listed(o))
			print_option(out, o, column);
	}
	return help ? 0 : 2;
}
