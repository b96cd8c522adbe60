#include <errno.h>

#include "cmd.h"
#include "store/clone.h"

static const char *const clone_usage[] = {
	"dlg clone [-q] SOURCE DIR",
	"",
	"Makes a new store in DIR from the store SOURCE (a path or a git URL).",
	"A SOURCE whose files no store may hold is refused; DIR is left as it was.",
	NULL,
};

CMD(clone)
{
	struct dlg_store *s = NULL;
	int quiet = 0;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, clone_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc != 2)
		return usage_with_options(clone_usage, opts, 0);
	if (store_clone(&s, argv[0], argv[1], cmd_git_credentials()) < 0)
		return error_last();
	store_free(s);
	if (!quiet)
		printf("Cloned %s into %s\n", argv[0], argv[1]);
	return 0;
}
