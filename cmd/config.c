#include <string.h>

#include "cmd.h"
#include "ops/config.h"
#include "store/config.h"

static const char *const config_usage[] = {
	"dlg config KEY [VALUE]",
	"dlg config --unset KEY",
	"dlg config [--list]",
	"",
	"Reads and sets the store's versioned configuration (the file `config`),",
	"like git config.  Keys are dot-separated words: assign.mode,",
	"assign.mode.CHANNEL, channel.NAME.SETTING.  Secrets never go here.",
	NULL,
};

CMD(config)
{
	const char *key;
	int unset = 0, list = 0, ret = 0;
	const struct opt opts[] = {
		OPT_FLAG(0, "unset", &unset, NULL),
		OPT_FLAG('l', "list", &list, NULL),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, config_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if ((list && (argc || unset)) || argc > 2 || (unset && argc != 1))
		return usage_with_options(config_usage, opts, 0);
	if (!argc) {
		struct config cfg = CONFIG_INIT;
		if (config_load(&cfg, ctx->store) < 0)
			return error_last();
		for (size_t i = 0; i < cfg.keys.nr; i++) {
			struct strbuf line = STRBUF_INIT;
			strbuf_addf(&line, "%s=%s", cfg.keys.items[i], cfg.values.items[i]);
			print_safe(stdout, line.buf, 0);
			putchar('\n');
			strbuf_release(&line);
		}
		config_clear(&cfg);
		return 0;
	}
	key = argv[0];
	if (dlg_config_key_check(key) < 0)
		return error_last();
	if (argc == 1 && !unset) {
		struct config cfg = CONFIG_INIT;
		const char *v;
		if (config_load(&cfg, ctx->store) < 0)
			return error_last();
		if ((v = config_get(&cfg, key))) {
			print_safe(stdout, v, 0);
			putchar('\n');
		} else {
			ret = 1; /* like git config: unset is exit 1, quietly */
		}
		config_clear(&cfg);
		return ret;
	}
	if ((unset ? dlg_config_unset(ctx->store, key) : dlg_config_set(ctx->store, key, argv[1])) < 0)
		return error_last();
	return 0;
}
