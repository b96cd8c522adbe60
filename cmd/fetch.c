#include <stdlib.h>
#include <string.h>

#include "channel/driver.h"
#include "channel/fetch.h"
#include "cmd.h"

static const char *const fetch_usage[] = {
	"dlg fetch [-q] [--wait SECONDS] [CHANNEL...]",
	"",
	"Brings new customer messages from every configured channel (or the",
	"named ones) into the store; prints the ids of the dialogs they went to.",
	NULL,
};

/* Pages a channel may hand out in one run before the next run takes over. */
#define MAX_PAGES 100

CMD(fetch)
{
	struct fetch_opts fo = { 0 };
	struct config c = CONFIG_INIT;
	struct strlist names = STRLIST_INIT, warnings = STRLIST_INIT;
	struct import_result res = { STRLIST_INIT, 0, 0, 0, NULL, STRLIST_INIT };
	int quiet = 0, ret = 0;
	const struct opt opts[] = {
		OPT_INTEGER('w', "wait", &fo.wait, "SECONDS",
			    "let long-polling channels wait that long for news", 0, 3600),
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, fetch_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (config_load(&c, ctx->store) < 0)
		return error_last();
	if (argc) {
		for (int i = 0; i < argc; i++)
			strlist_push(&names, argv[i]);
	} else {
		channel_names(&names, &c);
		if (!names.nr)
			warning_msg("no channels are configured (see dlg channel add)");
	}
	if (!quiet)
		progress_begin();
	for (size_t i = 0; i < names.nr; i++) {
		struct channel chan;
		int err = channel_open(&chan, ctx->store, &c, names.items[i]);
		/* all channels: the ones set up only to send are passed over */
		if (!err && !argc && !channel_fetches(&chan)) {
			channel_close(&chan);
			continue;
		}
		int more = 1;
		/* A page at a time, each committed before the next is asked for. */
		for (int page = 0; !err && more && page < MAX_PAGES; page++)
			err = channel_fetch(&res, &warnings, &more, &chan, &fo);
		progress_end(); /* what follows goes on lines of its own */
		if (err < 0)
			ret = error_msg("%s", dlg_error_last());
		for (size_t k = 0; k < warnings.nr; k++)
			warning_msg("%s: %s", names.items[i], warnings.items[k]);
		strlist_clear(&warnings);
		channel_close(&chan);
	}
	if (!quiet) {
		strlist_sort(&res.dialogs);
		for (size_t i = 0; i < res.dialogs.nr; i++)
			if (!i || strcmp(res.dialogs.items[i], res.dialogs.items[i - 1]))
				puts(res.dialogs.items[i]);
	}
	import_result_reset(&res);
	strlist_clear(&names);
	config_clear(&c);
	return ret;
}
