#include <getopt.h>

#include "cmd.h"

static const char init_usage[] =
	"usage: dlg init [-q] [DIR]\n"
	"Creates a store in DIR (default: the current directory).\n"
	"  -q, --quiet   print nothing\n";

CMD(init)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct dlg_store *s = NULL;
	const char *dir = ".";
	int c, quiet = 0;

	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(init_usage, c == 'h');
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc)
		return usage(init_usage, 0);
	if (store_init(&s, dir) < 0)
		return error_last();
	if (!quiet)
		printf("Initialized an empty dlg store in %s\n", dir);
	store_free(s);
	return 0;
}
