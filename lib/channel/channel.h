#ifndef DLG_CHANNEL_H
#define DLG_CHANNEL_H

#include <time.h>

#include "base/strbuf.h"
#include "store/chanmsg.h"
#include "store/config.h"
#include "store/import.h"
#include "store/store.h"

/*
 * Channels: where customers write from and where answers go back.  A
 * channel is named by the operators ("shop-tg") and has a type; its
 * settings are `channel.NAME.*` keys of the store's config (versioned), its
 * secret (password or token) is .git/dlg/secrets/NAME (mode 0600, never
 * versioned) or $DLG_SECRET_NAME, and its fetch cursor (IMAP UID, update
 * offset, long-poll ts) is .git/dlg/cursors/NAME, written only after the
 * messages it covers are committed.
 */

struct channel {
	char *name;
	char *type;          /* email, telegram, vk, facebook, chat */
	struct config *config;   /* the whole store config; settings are channel.NAME.KEY */
	struct dlg_store *store;
	struct strbuf secret;
	int has_secret;
};

int channel_type_valid(const char *type);
/* A valid channel name: [a-z0-9][a-z0-9-]*, at most 32 characters. */
int channel_name_valid(const char *name);

/* Loads channel NAME from c (which must outlive it) and its secret. */
int channel_open(struct channel *ch, struct dlg_store *s, struct config *c, const char *name);
void channel_close(struct channel *ch);
/* The names of the configured channels, sorted. */
void channel_names(struct strlist *out, const struct config *c);
/* A setting (channel.NAME.KEY), or NULL. */
const char *channel_get(const struct channel *ch, const char *key);
/* What every HTTP API channel needs: where, with which token, how patiently. */
struct channel_api {
	struct channel *ch;
	const char *token;
	const char *base;      /* the api-url setting, else the provider's */
	long timeout_ms;
};
int channel_api_open(struct channel_api *api, struct channel *ch, const char *default_base);

/* How long one network call may take: the `timeout` setting (seconds), else 30 s. */
long channel_timeout_ms(const struct channel *ch);
/* The secret, or DLG_EINVALID "channel NAME has no token ...". */
int channel_secret(const char **out, const struct channel *ch);

/*
 * Secrets in memory: a process that loads one calls secret_protect_process()
 * first (no core dump, no ptrace by other processes of the user); they are
 * read into a buffer that never moves and zeroed when released
 * (strbuf_release_secret); error messages never show a loaded one.
 */
#define SECRET_MAX 4096
void secret_protect_process(void);
/* Reads one secret (at most SECRET_MAX bytes, trimmed) from fd; -1 with errno. */
int secret_read_fd(struct strbuf *out, int fd);

/* A setting that holds a credential (a URL with a password or a token):
   DLG_EINVALID saying where secrets go, without the secret; else 0. */
int config_value_check(const char *key, const char *value);

int channel_secret_write(struct dlg_store *s, const char *name, const char *data, size_t len);
int channel_secret_remove(struct dlg_store *s, const char *name);
int channel_cursor_read(struct strbuf *out, struct dlg_store *s, const char *name);
int channel_cursor_write(struct dlg_store *s, const char *name, const char *value);

#endif
