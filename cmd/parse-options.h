#ifndef DLG_PARSE_OPTIONS_H
#define DLG_PARSE_OPTIONS_H

/*
 * One option parser for every command, in the manner of git's
 * parse-options: a command describes its options in a table, and the same
 * table parses argv and writes the option lines of --help.  Options parse
 * as getopt_long() parsed them before: bundled short flags (-qf), -xVALUE
 * and -x VALUE, --name=VALUE
 * and --name VALUE, unique abbreviations of long names, "--" ending the
 * options, options among the arguments unless the command stops at the
 * first argument; -h and --help in every table.
 */

enum opt_kind {
	OPT_KIND_END,
	OPT_KIND_TEXT,        /* a line of --help, not an option */
	OPT_KIND_COLUMN,      /* the column of the option lines' help below it */
	OPT_KIND_FLAG,        /* *(int *)value = 1 */
	OPT_KIND_COUNTER,     /* ++*(int *)value */
	OPT_KIND_STRING,      /* *(const char **)value = argument (the last one given) */
	OPT_KIND_STRING_LIST, /* each argument pushed on (struct strlist *)value */
	OPT_KIND_INTEGER,     /* *(int *)value = argument, decimal, from min to max */
	OPT_KIND_CALLBACK,    /* callback(option, argument) */
};

struct opt;
/*
 * An option's own handling; arg is NULL for an option without an
 * argument.  Returns 0, else the command's exit code: 1 after saying why,
 * 2 for a usage error (parse_options() then prints the usage), or
 * OPT_BAD_VALUE after saying what is wrong with arg (exit 2, no usage).
 */
typedef int parse_opt_cb(const struct opt *opt, const char *arg);
#define OPT_BAD_VALUE (-2)

struct opt {
	enum opt_kind kind;
	int short_name;        /* 0: none */
	const char *long_name; /* without the dashes; NULL: none */
	void *value;
	const char *argh;      /* the argument's name in --help; NULL: the option takes none */
	/* the option's line in --help (after '\n', more lines under it); ""
	   lists the option alone; NULL leaves it to the usage lines */
	const char *help;
	long min, max;         /* OPT_INTEGER's range; OPT_COLUMN's column in min */
	parse_opt_cb *callback;
};

#define OPT_END()                    { OPT_KIND_END, 0, NULL, NULL, NULL, NULL, 0, 0, NULL }
#define OPT_TEXT(line)               { OPT_KIND_TEXT, 0, NULL, NULL, NULL, (line), 0, 0, NULL }
/* Where the help of the option lines starts, for a table that does not
   take the default: three columns after the longest option. */
#define OPT_COLUMN(n)                { OPT_KIND_COLUMN, 0, NULL, NULL, NULL, NULL, (n), 0, NULL }
#define OPT_FLAG(s, l, v, h)         { OPT_KIND_FLAG, (s), (l), (v), NULL, (h), 0, 0, NULL }
#define OPT_COUNTER(s, l, v, h)      { OPT_KIND_COUNTER, (s), (l), (v), NULL, (h), 0, 0, NULL }
#define OPT_STRING(s, l, v, a, h)    { OPT_KIND_STRING, (s), (l), (v), (a), (h), 0, 0, NULL }
#define OPT_STRING_LIST(s, l, v, a, h) { OPT_KIND_STRING_LIST, (s), (l), (v), (a), (h), 0, 0, NULL }
/* A bad number is "--NAME takes argh from MIN to MAX, not '...'" with argh
   in lowercase (SECONDS: "--wait takes seconds from 0 to 3600"), exit 2. */
#define OPT_INTEGER(s, l, v, a, h, lo, hi) { OPT_KIND_INTEGER, (s), (l), (v), (a), (h), (lo), (hi), NULL }
#define OPT_CALLBACK(s, l, v, a, h, cb) { OPT_KIND_CALLBACK, (s), (l), (v), (a), (h), 0, 0, (cb) }

enum parse_opt_flags {
	/* options come before the arguments: the first argument ends them
	   (getopt's "+"; so does $POSIXLY_CORRECT, as it did for getopt) */
	PARSE_OPT_STOP_AT_NON_OPTION = 1,
	/* a word that is not one of the table's options spelt out whole (-x,
	   --name, --name=VALUE) stays among the arguments, where it was:
	   "-spam" is a tag to remove; so does "--", after which nothing is an
	   option */
	PARSE_OPT_KEEP_UNKNOWN = 2,
	/* the options belong to the subcommand that the arguments name: only
	   -h and --help are taken here (the table gives --help its lines),
	   every other word stays, "--" too */
	PARSE_OPT_SUBCOMMAND = 4,
};

/*
 * Parses the options of argv[1..argc-1]; argv[0] is the command's name.
 * Errors are reported as every error is, "dlg: CMD: unknown option '--x'".
 * usage: NULL-terminated; the first line follows "usage: ", the next ones
 * are more forms of the command, up to an "" after which lines are printed
 * as they are.  Returns how many arguments are left, moved to argv[0],
 * argv[1]...  When the command is to end here it returns a negative
 * number, and the command returns parse_options_exit() of it: 0 after
 * --help, 2 after a usage error (reported, and the usage printed on
 * stderr), or what an option's callback returned.
 */
int parse_options(int argc, char **argv, const struct opt *opts, const char *const *usage,
		  unsigned flags);
#define PARSE_OPT_EXIT(code) (-1 - (code))
static inline int parse_options_exit(int ret)
{
	return -1 - ret;
}

/* An OPT_CALLBACK for a count of at least 1 into the size_t at its value
   ("--limit takes a number from 1 up, not '0'", a usage error). */
int opt_count_cb(const struct opt *opt, const char *arg);

/* The usage lines, then the table's lines: on stdout and 0 for --help,
   else on stderr and 2 (a usage error's exit code). */
int usage_with_options(const char *const *usage, const struct opt *opts, int help);

/* Set by dlg --list-options: parse_options() prints the names of its
   table's options, one a line, and ends the command (exit 0); a
   PARSE_OPT_SUBCOMMAND parse lets the subcommand's table answer. */
extern int parse_options_list_only;

#endif
