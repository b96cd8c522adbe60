#include <string.h>

#include "base/error.h"
#include "channel/channel.h"
#include "channel/gateway.h"
#include "ops/channel.h"
#include "store/config.h"
#include "store/tx.h"

const struct dlg_channel_setting dlg_channel_settings[DLG_CHANNEL_NSETTINGS] = {
	{ "api-url", "telegram vk facebook" },
	{ "group-id", "vk" },
	{ "page-id", "facebook" },
	{ "imap", "email" },
	{ "smtp", "email" },
	{ "user", "email" },
	{ "address", "email" },
	{ "spool", "chat" },
	{ "timeout", "email telegram vk facebook" },
	{ "visitor-rate", "chat" },
	{ "address-rate", "chat" },
	{ "address-connections", "chat" },
};

/* What each type cannot work without. */
static const char *const required[][3] = {
	{ "vk", "group-id", NULL },
	{ "facebook", "page-id", NULL },
	{ "chat", "spool", NULL },
	{ "email", "address", NULL },
};

static int type_has(const char *types, const char *type)
{
	size_t n = strlen(type);
	for (const char *p = types; (p = strstr(p, type)); p += n)
		if ((p == types || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

static const char *configured_type(const struct config *c, const char *name)
{
	struct strbuf key = STRBUF_INIT;
	const char *type;
	strbuf_addf(&key, "channel.%s.type", name);
	type = config_get(c, key.buf);
	strbuf_release(&key);
	return type;
}

int dlg_channel_kind(struct strbuf *out, struct dlg_store *s, const char *arg)
{
	struct config c = CONFIG_INIT;
	const char *type;
	int err = config_load(&c, s);
	type = err < 0 ? NULL : configured_type(&c, arg);
	strbuf_addstr(out, type ? type : arg);
	config_clear(&c);
	return err;
}

int dlg_channel_find(struct strbuf *out, struct dlg_store *s, const char *arg)
{
	struct config c = CONFIG_INIT;
	struct strlist names = STRLIST_INIT;
	struct strbuf of_type = STRBUF_INIT;
	size_t n = 0;
	int err = config_load(&c, s);

	if (err < 0 || configured_type(&c, arg)) {
		if (!err)
			strbuf_addstr(out, arg);
		config_clear(&c);
		return err;
	}
	channel_names(&names, &c);
	for (size_t i = 0; i < names.nr; i++) {
		if (strcmp(configured_type(&c, names.items[i]), arg))
			continue;
		strbuf_addf(&of_type, "%s%s", n++ ? ", " : "", names.items[i]);
		if (n == 1)
			strbuf_addstr(out, names.items[i]);
	}
	if (!n)
		err = dlg_error(DLG_ENOTFOUND, "no channel '%s' (see dlg channel list)", arg);
	else if (n > 1)
		err = dlg_error(DLG_EAMBIGUOUS, "%zu channels are of type %s (%s): name one", n, arg,
				of_type.buf);
	if (err < 0)
		strbuf_reset(out);
	strbuf_release(&of_type);
	strlist_clear(&names);
	config_clear(&c);
	return err;
}

int dlg_channel_check(const struct dlg_channel_spec *spec)
{
	if (!channel_name_valid(spec->name))
		return dlg_error(DLG_EINVALID, "'%s' is not a channel name: lowercase letters, digits and '-', "
				 "at most 32", spec->name);
	if (!channel_type_valid(spec->type))
		return dlg_error(DLG_EINVALID, "unknown channel type '%s' (email, telegram, vk, facebook or chat)",
				 spec->type);
	for (size_t i = 0; i < DLG_CHANNEL_NSETTINGS; i++) {
		const char *key = dlg_channel_settings[i].key;
		struct strbuf full = STRBUF_INIT;
		int err;
		if (!spec->values[i])
			continue;
		if (!type_has(dlg_channel_settings[i].types, spec->type))
			return dlg_error(DLG_EINVALID, "--%s does not apply to %s channels", key, spec->type);
		strbuf_addf(&full, "channel.%s.%s", spec->name, key);
		err = config_value_check(full.buf, spec->values[i]);
		if (!err && *spec->values[i])
			err = gateway_setting_check(key, spec->values[i]);
		strbuf_release(&full);
		if (err < 0)
			return err;
	}
	if (spec->secret && !strcmp(spec->type, "chat"))
		return dlg_error(DLG_EINVALID, "chat channels have no secret");
	if (spec->secret && (!spec->secret_len || memchr(spec->secret, '\n', spec->secret_len)))
		return dlg_error(DLG_EINVALID, "a secret is one line");
	return 0;
}

struct channel_job {
	const char *name;
	const struct dlg_channel_spec *spec;   /* NULL: remove the channel */
};

static int channel_remove_settings(struct dlg_tx *tx, struct config *c, const char *name)
{
	struct strbuf prefix = STRBUF_INIT;
	strbuf_addf(&prefix, "channel.%s.", name);
	for (size_t i = c->keys.nr; i-- > 0;)
		if (!strncmp(c->keys.items[i], prefix.buf, prefix.len))
			config_unset(c, c->keys.items[i]);
	strbuf_release(&prefix);
	tx_message(tx, "channel rm %s\n", name);
	return 0;
}

static int channel_set_settings(struct dlg_tx *tx, struct config *c, const struct dlg_channel_spec *spec,
				const char *old_type)
{
	struct strbuf key = STRBUF_INIT;
	int adding = !old_type, err = 0;

	if (old_type && strcmp(old_type, spec->type)) {
		err = dlg_error(DLG_EEXISTS, "channel %s exists and is of type %s; 'dlg channel rm %s' first",
				spec->name, old_type, spec->name);
		goto out;
	}
	strbuf_addf(&key, "channel.%s.type", spec->name);
	config_set(c, key.buf, spec->type);
	for (size_t i = 0; i < DLG_CHANNEL_NSETTINGS; i++) {
		if (!spec->values[i])
			continue;
		strbuf_reset(&key);
		strbuf_addf(&key, "channel.%s.%s", spec->name, dlg_channel_settings[i].key);
		if (*spec->values[i])
			config_set(c, key.buf, spec->values[i]);
		else
			config_unset(c, key.buf);
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
		if (strcmp(required[i][0], spec->type))
			continue;
		for (size_t k = 1; k < 3 && required[i][k]; k++) {
			strbuf_reset(&key);
			strbuf_addf(&key, "channel.%s.%s", spec->name, required[i][k]);
			if (!config_get(c, key.buf)) {
				err = dlg_error(DLG_EINVALID, "a %s channel needs --%s", spec->type, required[i][k]);
				goto out;
			}
		}
	}
	tx_message(tx, "channel %s %s (%s)\n", adding ? "add" : "set", spec->name, spec->type);
out:
	strbuf_release(&key);
	return err;
}

static int channel_fn(struct dlg_tx *tx, void *payload)
{
	struct channel_job *job = payload;
	struct config c = CONFIG_INIT;
	struct strbuf key = STRBUF_INIT;
	const char *old_type;
	int err;

	if ((err = config_load_tx(&c, tx)) < 0)
		goto out;
	strbuf_addf(&key, "channel.%s.type", job->name);
	old_type = config_get(&c, key.buf);
	if (!job->spec && !old_type)
		err = dlg_error(DLG_ENOTFOUND, "no channel '%s'", job->name);
	else if (!job->spec)
		err = channel_remove_settings(tx, &c, job->name);
	else
		err = channel_set_settings(tx, &c, job->spec, old_type);
	if (!err)
		err = config_store_tx(tx, &c);
out:
	config_clear(&c);
	strbuf_release(&key);
	return err;
}

int dlg_channel_add(struct dlg_store *s, const struct dlg_channel_spec *spec)
{
	struct channel_job job = { spec->name, spec };
	int err;
	if ((err = dlg_channel_check(spec)) < 0 || (err = store_change(s, channel_fn, &job, NULL)) < 0)
		return err;
	if (spec->secret)
		return channel_secret_write(s, spec->name, spec->secret, spec->secret_len);
	return 0;
}

int dlg_channel_remove(struct dlg_store *s, const char *name)
{
	struct channel_job job = { name, NULL };
	int err;
	if ((err = store_change(s, channel_fn, &job, NULL)) < 0)
		return err;
	/* a chat channel's gateway key too: a channel added again under the
	   name must not take the old visitors' tokens */
	if ((err = channel_secret_remove(s, name)) < 0)
		return err;
	return gateway_key_remove(s->dlgdir, name);
}
