#include "cmd.h"

static const char *const init_usage[] = {
	"dlg init [-q] [DIR]",
	"",
	"Creates a store in DIR (default: the current directory).",
	NULL,
};

CMD(init)
{
	struct dlg_store *s = NULL;
	const char *dir = ".";
	int quiet = 0;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, init_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc > 1)
		return usage_with_options(init_usage, opts, 0);
	if (argc)
		dir = argv[0];
	if (store_init(&s, dir) < 0)
		return error_last();
	if (!quiet)
		printf("Initialized an empty dlg store in %s\n", dir);
	store_free(s);
	return 0;
}
