#include "base/utf8.h"
#include "cmd.h"

static const char *const search_usage[] = {
	"dlg search [options] QUERY...",
	"",
	"Finds dialogs by what was said in them, newest activity first, each with a",
	"line of the matching text.  QUERY: words (all must match), \"a phrase\", OR,",
	"-word or NOT word, ( ), from: to: subject: body: note: user: file: tag:",
	"channel: status: assignee: after: before: (man dlg-search).",
	NULL,
};

CMD(search)
{
	return list_or_search(argc, argv, ctx, search_usage, 1);
}

void search_snippet_print(struct dlg_ctx *ctx, const char *snippet, size_t width)
{
	struct strbuf line = STRBUF_INIT, flat = STRBUF_INIT;
	if (!snippet || !*snippet)
		return;
	/* one line: the snippet may span the lines of a message */
	for (const char *p = snippet; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			if (flat.len && flat.buf[flat.len - 1] != ' ')
				strbuf_addch(&flat, ' ');
		} else {
			strbuf_addch(&flat, *p);
		}
	strbuf_trim(&flat);
	strbuf_addstr(&line, "    ");
	term_sanitize_cut(&line, flat.buf, flat.len, width > 14 ? width - 4 : 100);
	strbuf_addch(&line, '\n');
	fputs(color(ctx, "\033[2m"), stdout);
	fwrite(line.buf, 1, line.len - 1, stdout);
	fputs(color(ctx, "\033[m"), stdout);
	putchar('\n');
	strbuf_release(&line);
	strbuf_release(&flat);
}
