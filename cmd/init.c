#include "cmd.h"
#include "ops/hub.h"

static const char *const init_usage[] = {
	"dlg init [-q] [--hub] [DIR]",
	"",
	"Creates a store in DIR (default: the current directory); with --hub, the",
	"team's hub that clones push to and that alone delivers answers.",
	NULL,
};

CMD(init)
{
	struct dlg_store *s = NULL;
	struct strbuf self = STRBUF_INIT;
	const char *dir = ".";
	int quiet = 0, hub = 0, err;
	const struct opt opts[] = {
		OPT_FLAG(0, "hub", &hub, "a hub: takes the clones' pushes and sends their answers"),
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
	if (hub) {
		if (self_path(&self))
			return 1;
		err = dlg_hub_init(&s, dir, self.buf);
		strbuf_release(&self);
	} else {
		err = store_init(&s, dir);
	}
	if (err < 0)
		return error_last();
	if (!quiet)
		printf("Initialized an empty dlg %s in %s\n", hub ? "hub" : "store", dir);
	store_free(s);
	return 0;
}
