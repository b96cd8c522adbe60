#ifndef DLG_CHANNEL_H
#define DLG_CHANNEL_H

#include <time.h>

#include "config.h"
#include "import.h"
#include "store.h"
#include "strbuf.h"

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

/* The known types, NULL-terminated. */
extern const char *const channel_types[];
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

/* An attachment of a channel message. */
struct chan_file {
	char *name;          /* as the customer's side named it; sanitized when written out */
	char *type;          /* MIME type */
	struct strbuf data;
};

/*
 * One message from a chat-like channel (Telegram, VK, Facebook, the
 * website's chat and pop-ups).  It is stored as an RFC 5322 file like mail,
 * so Maildir readers show it too: From "Name <kind-ID@KIND.invalid>", the
 * text as text/plain, attachments as parts.
 */
struct chan_msg {
	char *kind;          /* the dialog's channel as lists show it: telegram, vk, facebook, chat, popup */
	char *route;         /* the configured channel it came through; answers go back there */
	char *user;          /* the customer's id on the channel */
	char *ident;         /* identity kind for the user card (telegram, vk, facebook, chat) */
	char *conversation;  /* where answers go: chat id, peer id, PSID, visitor id */
	char *id;            /* unique among this kind's messages */
	char *name;          /* display name, may be NULL */
	char *username;      /* handle, may be NULL */
	char *email;         /* an address the customer gave (chat), may be NULL */
	char *page;          /* chat: the page the visitor was on */
	char *popup;         /* pop-up: its name */
	char *text;          /* may be empty when there are files */
	time_t date;
	struct chan_file *files;
	size_t nfiles, alloc;
};
void chan_msg_clear(struct chan_msg *m);
struct chan_file *chan_msg_add_file(struct chan_msg *m, const char *name, const char *type);

/* Adds a line to the text saying what is missing ("[photo.jpg could not be
   downloaded: ...]"), rather than the message going missing. */
void chan_msg_note(struct chan_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The address a channel user stands under in From: and To: (tg-ID@telegram.invalid;
   for email the address itself). */
void chan_address(struct strbuf *out, const char *kind, const char *user);

/* The subject a new dialog gets: the first line of the text, cut. */
void chan_msg_subject(struct strbuf *out, const struct chan_msg *m);
/* The message as stored: RFC 5322 with X-Dlg headers (see store-format.md). */
/* Fails only when the boundary of a message with files cannot be hashed. */
int chan_msg_format(struct strbuf *out, const struct chan_msg *m, const char *user_id);

/*
 * Imports it: deduplicated by (kind, id); into the user's newest open
 * dialog of that kind, else a new dialog.  The user card learns the
 * identity, name, username and address.
 */
int import_chan_msg(struct dlg_tx *tx, const struct chan_msg *m, struct import_result *res);

/* The JSON shape of the chat spool and `dlg import --json` (dlg-channel(1)). */
int chan_msg_from_json(struct chan_msg *m, const char *json, size_t len, const char *route);

#endif
