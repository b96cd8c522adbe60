#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/emoji.h"
#include "cmd.h"

static const char emoji_usage[] =
	"usage: dlg emoji [-q] [WORD]\n"
	"Lists the emoji shortcodes whose name contains WORD (all without it).\n"
	"A :code: in the texts of dlg reply, note and template becomes its emoji;\n"
	"\\:code: keeps the code as it is.\n"
	"  -q, --quiet   print only the :code: names\n";

CMD(emoji)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strlist found = STRLIST_INIT;
	struct strbuf word = STRBUF_INIT;
	const char *arg = NULL;
	int c, quiet = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(emoji_usage, c == 'h');
	}
	if (argc - optind > 1)
		return usage(emoji_usage, 0);
	if (optind < argc) {
		/* ":smi" or ":smile:" as typed in a text means the same as "smi", "smile" */
		arg = argv[optind];
		strbuf_addstr(&word, arg + (*arg == ':'));
		if (word.len && word.buf[word.len - 1] == ':')
			strbuf_setlen(&word, word.len - 1);
	}
	emoji_search(&found, word.buf);
	if (arg && !found.nr)
		ret = error_msg("no shortcode matches '%s'", arg);
	for (size_t i = 0; i < found.nr; i++) {
		const char *line = found.items[i], *tab = strchr(line, '\t');
		if (quiet)
			printf(":%.*s:\n", (int)(tab - line), line);
		else
			printf(":%.*s:%s\n", (int)(tab - line), line, tab);
	}
	strlist_clear(&found);
	strbuf_release(&word);
	return ret;
}
