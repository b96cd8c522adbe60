#include <string.h>

#include "base/error.h"
#include "base/redact.h"
#include "channel/channel.h"
#include "ops/config.h"
#include "store/config.h"
#include "store/tx.h"

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

int dlg_config_key_check(const char *key)
{
	if (!config_key_valid(key))
		return dlg_error(DLG_EINVALID, "'%s' is not a key: dot-separated words of a-z, 0-9, '-' and '_'", key);
	return 0;
}

static const char *const assign_modes[] = { "off", "round-robin", "least-open", NULL };

static int config_value_valid(const char *key, const char *value)
{
	if (!strncmp(key, "assign.mode", 11) && (!key[11] || key[11] == '.')) {
		for (int i = 0; assign_modes[i]; i++)
			if (!strcmp(value, assign_modes[i]))
				return 0;
		return dlg_error(DLG_EINVALID, "%s is off, round-robin or least-open, not '%s'", key, value);
	}
	if (!strcmp(key, "send.at") && strcmp(value, "hub"))
		return dlg_error(DLG_EINVALID, "send.at is hub (or unset), not '%s'", value);
	if (strchr(value, '\n'))
		return dlg_error(DLG_EINVALID, "a value is one line");
	return 0;
}

int dlg_config_set(struct dlg_store *s, const char *key, const char *value)
{
	struct config_job job = { key, value };
	int err;
	if ((err = dlg_config_key_check(key)) < 0)
		return err;
	/* secrets belong in .git/dlg/secrets, never in history */
	if (config_key_looks_secret(key))
		return dlg_error(DLG_EINVALID, "'%s' looks like a secret, and the config is versioned: "
				 "give secrets to dlg channel add --token-file or --password-file", key);
	if ((err = config_value_check(key, value)) < 0 || (err = config_value_valid(key, value)) < 0)
		return err;
	return store_change(s, config_fn, &job, NULL);
}

int dlg_config_unset(struct dlg_store *s, const char *key)
{
	struct config_job job = { key, NULL };
	int err;
	if ((err = dlg_config_key_check(key)) < 0)
		return err;
	return store_change(s, config_fn, &job, NULL);
}
