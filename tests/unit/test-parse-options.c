/*
 * Unit tests for the option parser of every command (cmd/parse-options.c):
 * what it takes from argv, what is left, and what it prints: "dlg: CMD:"
 * messages, the usage on stderr after a usage error, --help on stdout.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/strbuf.h"
#include "../../cmd/parse-options.h"

/* The front end's reporter (cmd/dlg.c), which the parser uses for a bad
   number; the program here is "dlg test". */
const char *cmd_name = "test";

static void report(const char *fmt, va_list ap)
{
	fprintf(stderr, "dlg: %s: ", cmd_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int error_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	return 1;
}

/* The same for a usage error (cmd/output.c): exit 2. */
int error_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(fmt, ap);
	va_end(ap);
	return 2;
}

/* What the options of the table below were given. */
static struct {
	int quiet, force, verbose, wait, called;
	const char *message, *user, *users_from, *last_arg;
	struct strlist attach;
} got;

static int record_cb(const struct opt *o, const char *arg)
{
	got.called++;
	got.last_arg = arg;
	if (arg && !strcmp(arg, "fail"))
		return error_msg("'%s' is not good", arg);
	if (arg && !strcmp(arg, "bad")) {
		error_msg("'%s' is no value for --call", arg);
		return OPT_BAD_VALUE;
	}
	return arg && !strcmp(arg, "misuse") ? 2 : 0;
}

static const char *const usage_lines[] = {
	"dlg test [-q] [-m TEXT] ARG...",
	"dlg test --other-form",
	"",
	"Tests the parser.",
	NULL,
};

static const struct opt opts[] = {
	OPT_FLAG('q', "quiet", &got.quiet, "print nothing"),
	OPT_FLAG('f', "force", &got.force, NULL),
	OPT_COUNTER('v', "verbose", &got.verbose, "say more (repeatable)"),
	OPT_STRING('m', "message", &got.message, "TEXT", "the text;\nit may be long"),
	OPT_STRING_LIST('a', "attach", &got.attach, "FILE", ""),
	OPT_INTEGER('w', "wait", &got.wait, "SECONDS", "how long", 0, 3600),
	OPT_STRING(0, "user", &got.user, "USER", "a user"),
	OPT_STRING(0, "users-from", &got.users_from, "FILE", "users from FILE"),
	OPT_CALLBACK('c', "call", NULL, "ARG", "a callback", record_cb),
	OPT_CALLBACK(0, "call-bare", NULL, NULL, "a callback without an argument", record_cb),
	OPT_TEXT("A line after the options."),
	OPT_END(),
};

/* The table's --help: the help three columns after the longest option. */
#define HELP_TEXT \
	"usage: dlg test [-q] [-m TEXT] ARG...\n" \
	"       dlg test --other-form\n" \
	"Tests the parser.\n" \
	"  -q, --quiet          print nothing\n" \
	"  -v, --verbose        say more (repeatable)\n" \
	"  -m, --message TEXT   the text;\n" \
	"                       it may be long\n" \
	"  -a, --attach FILE\n" \
	"  -w, --wait SECONDS   how long\n" \
	"  --user USER          a user\n" \
	"  --users-from FILE    users from FILE\n" \
	"  -c, --call ARG       a callback\n" \
	"  --call-bare          a callback without an argument\n" \
	"A line after the options.\n"

struct run {
	int ret;          /* what parse_options() returned */
	char *argv[16];   /* the words, then the arguments left */
	struct strbuf out, err;
};

/* Reads what the descriptor fd got in the file f since it was emptied. */
static void drain(struct strbuf *sb, FILE *f)
{
	char buf[4096];
	size_t n;
	rewind(f);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	fclose(f);
}

/* Parses "test" and the NULL-terminated words with opts and flags,
   catching what goes to stdout and stderr. */
static void parse(struct run *r, const struct opt *table, unsigned flags, ...)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int saved_out = dup(1), saved_err = dup(2), argc = 1;
	va_list ap;

	strlist_clear(&got.attach);
	memset(&got, 0, sizeof(got));
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->out, 0);
	strbuf_init(&r->err, 0);
	r->argv[0] = "test";
	va_start(ap, flags);
	while ((r->argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);

	assert_non_null(out);
	assert_non_null(err);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	r->ret = parse_options(argc, r->argv, table, usage_lines, flags);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	drain(&r->out, out);
	drain(&r->err, err);
}

static void run_release(struct run *r)
{
	strbuf_release(&r->out);
	strbuf_release(&r->err);
}

/* The arguments left after a parse that went on, as "a|b|c". */
static void assert_left(const struct run *r, const char *expect)
{
	struct strbuf sb = STRBUF_INIT;
	assert_true(r->ret >= 0);
	for (int i = 0; i < r->ret; i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", r->argv[i]);
	assert_string_equal(sb.buf, expect);
	strbuf_release(&sb);
}

/* A parse that ended the command with exit code code, printing err. */
static void assert_ended(const struct run *r, int code, const char *err)
{
	assert_true(r->ret < 0);
	assert_int_equal(parse_options_exit(r->ret), code);
	assert_string_equal(r->err.buf, err);
}

#define USAGE_ERROR(first_line) first_line HELP_TEXT

static void test_bundled_short_options(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "-qf", "x", NULL);
	assert_left(&r, "x");
	assert_true(got.quiet && got.force);
	run_release(&r);

	/* the last one takes the rest of the word, or the next word */
	parse(&r, opts, 0, "-qmhello", "-fm", "-x", NULL);
	assert_left(&r, "");
	assert_string_equal(got.message, "-x");
	assert_true(got.quiet && got.force);
	run_release(&r);

	parse(&r, opts, 0, "-qZ", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: unknown option '-Z'\n"));
	assert_true(got.quiet); /* as getopt: what came before was done */
	run_release(&r);
}

static void test_long_option_values(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "--message=a=b", "--attach", "one", "--attach=", "-atwo", NULL);
	assert_left(&r, "");
	assert_string_equal(got.message, "a=b");
	assert_int_equal(got.attach.nr, 3);
	assert_string_equal(got.attach.items[0], "one");
	assert_string_equal(got.attach.items[1], "");
	assert_string_equal(got.attach.items[2], "two");
	run_release(&r);

	parse(&r, opts, 0, "--quiet=1", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--quiet' doesn't allow an argument\n"));
	run_release(&r);
}

static void test_abbreviations(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "--mess", "hi", "--qu", NULL);
	assert_left(&r, "");
	assert_string_equal(got.message, "hi");
	assert_true(got.quiet);
	run_release(&r);

	/* a whole name is not the beginning of a longer one */
	parse(&r, opts, 0, "--user", "u", "--users", "f", NULL);
	assert_left(&r, "");
	assert_string_equal(got.user, "u");
	assert_string_equal(got.users_from, "f");
	run_release(&r);

	parse(&r, opts, 0, "--us=x", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--us' is ambiguous; possibilities: "
					"'--user' '--users-from'\n"));
	run_release(&r);

	/* the name getopt reports is the whole one */
	parse(&r, opts, 0, "--mes", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--message' requires an argument\n"));
	run_release(&r);
}

static void test_double_dash(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "a", "-q", "--", "-f", "--help", NULL);
	assert_left(&r, "a|-f|--help");
	assert_true(got.quiet);
	assert_false(got.force);
	run_release(&r);

	/* the argument of an option may be "--" */
	parse(&r, opts, 0, "-m", "--", "x", NULL);
	assert_left(&r, "x");
	assert_string_equal(got.message, "--");
	run_release(&r);
}

static void test_stop_at_first_argument(void **state)
{
	struct run r;
	(void)state;
	/* options among the arguments, in their order */
	parse(&r, opts, 0, "a", "-q", "b", "-", "-f", NULL);
	assert_left(&r, "a|b|-");
	assert_true(got.quiet && got.force);
	run_release(&r);

	parse(&r, opts, PARSE_OPT_STOP_AT_NON_OPTION, "-q", "a", "-f", "--bogus", NULL);
	assert_left(&r, "a|-f|--bogus");
	assert_true(got.quiet);
	assert_false(got.force);
	run_release(&r);

	setenv("POSIXLY_CORRECT", "1", 1);
	parse(&r, opts, 0, "a", "-q", NULL);
	unsetenv("POSIXLY_CORRECT");
	assert_left(&r, "a|-q");
	assert_false(got.quiet);
	run_release(&r);
}

static void test_missing_argument(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "x", "-m", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '-m' requires an argument\n"));
	assert_string_equal(r.out.buf, "");
	run_release(&r);

	parse(&r, opts, 0, "--message", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--message' requires an argument\n"));
	run_release(&r);
}

static void test_unknown_option(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "--bogus=1", "-q", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: unknown option '--bogus'\n"));
	assert_false(got.quiet); /* the parse ended there */
	run_release(&r);

	parse(&r, opts, 0, "-\xc3\xa9", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: unknown option '-\xc3\xa9'\n"));
	run_release(&r);
}

static void test_counter(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "-v", "-vqv", "--verbose", "--verb", NULL);
	assert_left(&r, "");
	assert_int_equal(got.verbose, 5);
	run_release(&r);
}

static void test_integer(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "-w3600", NULL);
	assert_left(&r, "");
	assert_int_equal(got.wait, 3600);
	run_release(&r);

	/* as strtol() reads a number: an empty one is 0 */
	parse(&r, opts, 0, "--wait=", NULL);
	assert_left(&r, "");
	assert_int_equal(got.wait, 0);
	run_release(&r);

	parse(&r, opts, 0, "-w", "3601", NULL);
	assert_ended(&r, 2, "dlg: test: --wait takes seconds from 0 to 3600, not '3601'\n");
	run_release(&r);

	parse(&r, opts, 0, "-w5s", NULL);
	assert_ended(&r, 2, "dlg: test: --wait takes seconds from 0 to 3600, not '5s'\n");
	run_release(&r);
}

static void test_callbacks(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "-cone", "--call-bare", NULL);
	assert_left(&r, "");
	assert_int_equal(got.called, 2);
	assert_null(got.last_arg);
	run_release(&r);

	parse(&r, opts, 0, "--call=fail", "--bogus", NULL);
	assert_ended(&r, 1, "dlg: test: 'fail' is not good\n");
	run_release(&r);

	parse(&r, opts, 0, "-c", "misuse", NULL);
	assert_ended(&r, 2, HELP_TEXT);
	run_release(&r);

	/* a bad value is a usage error, which its message explains alone */
	parse(&r, opts, 0, "--call=bad", NULL);
	assert_ended(&r, 2, "dlg: test: 'bad' is no value for --call\n");
	run_release(&r);
}

static void test_help(void **state)
{
	struct run r;
	(void)state;
	parse(&r, opts, 0, "x", "--he", "--bogus", NULL);
	assert_ended(&r, 0, "");
	assert_string_equal(r.out.buf, HELP_TEXT);
	run_release(&r);

	parse(&r, opts, 0, "-qh", NULL);
	assert_ended(&r, 0, "");
	assert_string_equal(r.out.buf, HELP_TEXT);
	run_release(&r);

	parse(&r, opts, 0, "--help=1", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--help' doesn't allow an argument\n"));
	run_release(&r);
}

static void test_help_column(void **state)
{
	static const char *const lines[] = { "dlg x", NULL };
	static const struct opt narrow[] = {
		OPT_COLUMN(6),
		OPT_FLAG(0, "long-name", NULL, "its help goes below"),
		OPT_FLAG('s', NULL, NULL, "fits"),
		OPT_END(),
	};
	FILE *f = tmpfile();
	int saved = dup(1);
	struct strbuf out = STRBUF_INIT;
	(void)state;
	assert_non_null(f);
	fflush(stdout);
	dup2(fileno(f), 1);
	assert_int_equal(usage_with_options(lines, narrow, 1), 0);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	drain(&out, f);
	assert_string_equal(out.buf, "usage: dlg x\n"
				     "  --long-name\n"
				     "      its help goes below\n"
				     "  -s  fits\n");
	strbuf_release(&out);
}

/* tag's words: "-spam" is a tag to remove, "--" stays for it */
static void test_keep_unknown(void **state)
{
	static const struct opt none[] = { OPT_END() };
	struct run r;
	(void)state;
	parse(&r, none, PARSE_OPT_KEEP_UNKNOWN, "+vip", "-spam", "--he", "id", "--", "--help", NULL);
	assert_left(&r, "+vip|-spam|--he|id|--|--help");
	run_release(&r);

	parse(&r, none, PARSE_OPT_KEEP_UNKNOWN, "+vip", "-h", "-spam", NULL);
	assert_ended(&r, 0, "");
	run_release(&r);

	/* only whole words: no bundles, no abbreviations */
	parse(&r, opts, PARSE_OPT_KEEP_UNKNOWN, "-qf", "--qu", "-m", NULL);
	assert_left(&r, "-qf|--qu|-m");
	assert_false(got.quiet);
	run_release(&r);

	/* but a word that names a long option is that option, misused or not */
	parse(&r, opts, PARSE_OPT_KEEP_UNKNOWN, "--quiet=1", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--quiet' doesn't allow an argument\n"));
	run_release(&r);
	parse(&r, opts, PARSE_OPT_KEEP_UNKNOWN, "--message", NULL);
	assert_ended(&r, 2, USAGE_ERROR("dlg: test: option '--message' requires an argument\n"));
	run_release(&r);

	parse(&r, opts, PARSE_OPT_KEEP_UNKNOWN, "-q", "--message", "x", "y", NULL);
	assert_left(&r, "y");
	assert_true(got.quiet);
	assert_string_equal(got.message, "x");
	run_release(&r);
}

static void test_subcommand(void **state)
{
	struct run r;
	(void)state;
	/* the subcommand's options stay for it, "--" too; --help anywhere */
	parse(&r, opts, PARSE_OPT_SUBCOMMAND, "add", "-q", "--", "--bogus", NULL);
	assert_left(&r, "add|-q|--|--bogus");
	assert_false(got.quiet);
	run_release(&r);

	parse(&r, opts, PARSE_OPT_SUBCOMMAND, "add", "--", "--help", NULL);
	assert_ended(&r, 0, "");
	assert_string_equal(r.out.buf, HELP_TEXT);
	run_release(&r);

	/* or only before the subcommand */
	parse(&r, opts, PARSE_OPT_SUBCOMMAND | PARSE_OPT_STOP_AT_NON_OPTION, "show", "-h", NULL);
	assert_left(&r, "show|-h");
	run_release(&r);
}

static void test_list_only(void **state)
{
	static const struct opt own_help[] = {
		OPT_FLAG('h', "help", NULL, NULL),
		OPT_END(),
	};
	struct run r;
	(void)state;
	parse_options_list_only = 1;
	parse(&r, own_help, 0, "--bogus", NULL);
	assert_ended(&r, 0, "");
	assert_string_equal(r.out.buf, "-h\n--help\n");
	run_release(&r);

	parse(&r, opts, PARSE_OPT_SUBCOMMAND, "add", NULL);
	assert_left(&r, "add");
	assert_string_equal(r.out.buf, "");
	run_release(&r);

	parse(&r, opts, 0, NULL);
	parse_options_list_only = 0;
	assert_ended(&r, 0, "");
	assert_string_equal(r.out.buf, "-q\n--quiet\n-f\n--force\n-v\n--verbose\n-m\n--message\n"
				       "-a\n--attach\n-w\n--wait\n--user\n--users-from\n-c\n--call\n"
				       "--call-bare\n-h\n--help\n");
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundled_short_options),
		cmocka_unit_test(test_long_option_values),
		cmocka_unit_test(test_abbreviations),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_stop_at_first_argument),
		cmocka_unit_test(test_missing_argument),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_counter),
		cmocka_unit_test(test_integer),
		cmocka_unit_test(test_callbacks),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_column),
		cmocka_unit_test(test_keep_unknown),
		cmocka_unit_test(test_subcommand),
		cmocka_unit_test(test_list_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
