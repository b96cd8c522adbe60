#include <stdio.h>
#include <string.h>

#include "base/emoji.h"
#include "cmd.h"

static const char *const emoji_usage[] = {
	"dlg emoji [-q] [WORD]",
	"",
	"Lists the emoji shortcodes whose name contains WORD (all without it).",
	"A :code: in the texts of dlg reply, note and template becomes its emoji;",
	"\\:code: keeps the code as it is.",
	NULL,
};

CMD(emoji)
{
	struct strlist found = STRLIST_INIT;
	struct strbuf word = STRBUF_INIT;
	const char *arg = NULL;
	int quiet = 0, ret = 0;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print only the :code: names"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, emoji_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc > 1)
		return usage_with_options(emoji_usage, opts, 0);
	if (argc) {
		/* ":smi" or ":smile:" as typed in a text means the same as "smi", "smile" */
		arg = argv[0];
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
