#include <errno.h>
#include <getopt.h>

#include "cmd.h"
#include "store/clone.h"

static const char clone_usage[] =
	"usage: dlg clone [-q] SOURCE DIR\n"
	"Makes a new store in DIR from the store SOURCE (a path or a git URL).\n"
	"A SOURCE whose files no store may hold is refused; DIR is left as it was.\n"
	"  -q, --quiet   print nothing\n";

CMD(clone)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dlg_store *s = NULL;
	int c, quiet = 0;

	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(clone_usage, c == 'h');
	}
	if (argc - optind != 2)
		return usage(clone_usage, 0);
	if (store_clone(&s, argv[optind], argv[optind + 1]) < 0)
		return error_last();
	store_free(s);
	if (!quiet)
		printf("Cloned %s into %s\n", argv[optind], argv[optind + 1]);
	return 0;
}
