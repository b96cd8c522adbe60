#include <string.h>

#include "channel.h"
#include "cmd.h"
#include "config.h"
#include "redact.h"

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

struct config_job {
	const char *key;
	const char *value;   /* NULL: unset */
};

static int config_fn(struct dlg_tx *tx, void *payload)
{
	struct config_job *job = payload;
	struct config c = CONFIG_INIT;
	const char *old;
	int err = config_load_tx(&c, tx);
	if (err < 0)
		goto out;
	old = config_get(&c, job->key);
	if (!job->value && !old) {
		err = dlg_error(DLG_ENOTFOUND, "'%s' is not set", job->key);
		goto out;
	}
	if (job->value && old && !strcmp(old, job->value))
		goto out; /* nothing changes: no commit */
	if (job->value) {
		struct strbuf shown = STRBUF_INIT;
		config_set(&c, job->key, job->value);
		text_redact(&shown, job->value, strlen(job->value));
		tx_message(tx, "config %s=%s\n", job->key, shown.buf);
		strbuf_release(&shown);
	} else {
		config_unset(&c, job->key);
		tx_message(tx, "config --unset %s\n", job->key);
	}
	err = config_store_tx(tx, &c);
out:
	config_clear(&c);
	return err;
}

static const char *const assign_modes[] = { "off", "round-robin", "least-open", NULL };

static int value_valid(const char *key, const char *value)
{
	if (!strncmp(key, "assign.mode", 11) && (!key[11] || key[11] == '.')) {
		for (int i = 0; assign_modes[i]; i++)
			if (!strcmp(value, assign_modes[i]))
				return 1;
		return error_msg("%s is off, round-robin or least-open, not '%s'", key, value), 0;
	}
	if (strchr(value, '\n'))
		return error_msg("a value is one line"), 0;
	return 1;
}

CMD(config)
{
	struct config_job job = { 0 };
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
	job.key = argv[0];
	if (!config_key_valid(job.key))
		return error_msg("'%s' is not a key: dot-separated words of a-z, 0-9, '-' and '_'", job.key);
	if (argc == 1 && !unset) {
		struct config cfg = CONFIG_INIT;
		const char *v;
		if (config_load(&cfg, ctx->store) < 0)
			return error_last();
		if ((v = config_get(&cfg, job.key))) {
			print_safe(stdout, v, 0);
			putchar('\n');
		} else {
			ret = 1; /* like git config: unset is exit 1, quietly */
		}
		config_clear(&cfg);
		return ret;
	}
	if (!unset) {
		job.value = argv[1];
		/* secrets belong in .git/dlg/secrets, never in history */
		if (config_key_looks_secret(job.key))
			return error_msg("'%s' looks like a secret, and the config is versioned: "
					 "give secrets to dlg channel add --token-file or --password-file", job.key);
		if (config_value_check(job.key, job.value) < 0)
			return error_last();
		if (!value_valid(job.key, job.value))
			return 1;
	}
	if (store_change(ctx->store, config_fn, &job, NULL) < 0)
		return error_last();
	return 0;
}
