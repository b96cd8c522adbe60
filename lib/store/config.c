#include <errno.h>
#include <string.h>

#include "base/error.h"
#include "base/redact.h"
#include "store/config.h"
#include "store/tx.h"

#define CONFIG_PATH "config"

static size_t config_find(const struct config *c, const char *key, int *found)
{
	size_t lo = 0, hi = c->keys.nr;
	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->keys.items[mid], key);
		if (!cmp) {
			*found = 1;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void config_set(struct config *c, const char *key, const char *value)
{
	int found;
	size_t i = config_find(c, key, &found);
	struct strbuf v = STRBUF_INIT;
	for (const char *p = value; *p; p++) /* one line */
		strbuf_addch(&v, *p == '\n' || *p == '\r' ? ' ' : *p);
	if (found) {
		free(c->values.items[i]);
		c->values.items[i] = strbuf_detach(&v, NULL);
		return;
	}
	strlist_push(&c->keys, key);
	strlist_push_nodup(&c->values, strbuf_detach(&v, NULL));
	/* move the new pair from the end to its place */
	{
		char *k = c->keys.items[c->keys.nr - 1], *val = c->values.items[c->values.nr - 1];
		size_t n = c->keys.nr - 1 - i;
		memmove(c->keys.items + i + 1, c->keys.items + i, n * sizeof(char *));
		memmove(c->values.items + i + 1, c->values.items + i, n * sizeof(char *));
		c->keys.items[i] = k;
		c->values.items[i] = val;
	}
}

int config_unset(struct config *c, const char *key)
{
	int found;
	size_t i = config_find(c, key, &found), n;
	if (!found)
		return 0;
	free(c->keys.items[i]);
	free(c->values.items[i]);
	n = c->keys.nr - 1 - i;
	memmove(c->keys.items + i, c->keys.items + i + 1, n * sizeof(char *));
	memmove(c->values.items + i, c->values.items + i + 1, n * sizeof(char *));
	c->keys.nr--;
	c->values.nr--;
	return 1;
}

const char *config_get(const struct config *c, const char *key)
{
	int found;
	size_t i = config_find(c, key, &found);
	return found ? c->values.items[i] : NULL;
}

int config_key_valid(const char *key)
{
	int words = 1, len = 0;
	for (const char *p = key; *p; p++) {
		if (*p == '.') {
			if (!len)
				return 0;
			words++;
			len = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_') {
			len++;
		} else {
			return 0;
		}
	}
	return len > 0 && words >= 2;
}

int config_key_looks_secret(const char *key)
{
	/* A channel's name is the operators' choice, not a word of the schema:
	   a channel called "auth" is fine. */
	const char *skip = NULL, *end = NULL;
	int secret;
	if (!strncmp(key, "channel.", 8))
		skip = key + 8;
	else if (!strncmp(key, "assign.mode.", 12))
		skip = key + 12;
	if (skip && (end = strchr(skip, '.')) == NULL)
		end = skip + strlen(skip);
	if (!skip)
		return name_looks_secret(key, strlen(key));
	secret = name_looks_secret(key, (size_t)(skip - key));
	return secret || name_looks_secret(end, strlen(end));
}

void config_parse(struct config *c, const char *buf, size_t len)
{
	const char *end = buf + len;
	while (buf < end) {
		const char *nl = memchr(buf, '\n', (size_t)(end - buf)), *eq;
		size_t n = nl ? (size_t)(nl - buf) : (size_t)(end - buf);
		eq = memchr(buf, '=', n);
		/* a NUL would cut the key short: such a line is no setting */
		if (eq && eq > buf && !memchr(buf, '\0', n)) {
			char *key = xstrndup(buf, (size_t)(eq - buf));
			char *value = xstrndup(eq + 1, n - (size_t)(eq - buf) - 1);
			/* Lines a newer dlg wrote in a form we do not know are kept as they are. */
			config_set(c, key, value);
			free(key);
			free(value);
		}
		buf += n + (nl ? 1 : 0);
	}
}

void config_format(struct strbuf *out, const struct config *c)
{
	for (size_t i = 0; i < c->keys.nr; i++)
		strbuf_addf(out, "%s=%s\n", c->keys.items[i], c->values.items[i]);
}

void config_clear(struct config *c)
{
	strlist_clear(&c->keys);
	strlist_clear(&c->values);
}

int config_load(struct config *c, struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err = 0;
	strbuf_addf(&path, "%s/" CONFIG_PATH, s->root);
	if (strbuf_read_file(&data, path.buf) < 0 && errno != ENOENT)
		err = dlg_error(DLG_ERROR, "cannot read '%s': %s", path.buf, strerror(errno));
	else
		config_parse(c, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int config_load_tx(struct config *c, struct dlg_tx *tx)
{
	struct strbuf data = STRBUF_INIT;
	int err = tx_read(&data, tx, CONFIG_PATH);
	if (err == DLG_ENOTFOUND)
		err = 0;
	if (!err)
		config_parse(c, data.buf, data.len);
	strbuf_release(&data);
	return err;
}

int config_store_tx(struct dlg_tx *tx, const struct config *c)
{
	struct strbuf data = STRBUF_INIT;
	int err;
	config_format(&data, c);
	err = data.len ? tx_write(tx, CONFIG_PATH, data.buf, data.len) : tx_remove(tx, CONFIG_PATH);
	strbuf_release(&data);
	return err;
}
