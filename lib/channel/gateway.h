#ifndef DLG_GATEWAY_H
#define DLG_GATEWAY_H

#include <time.h>

#include <jansson.h>

#include "base/strbuf.h"
#include "channel/spool.h"

/*
 * The website chat's gateway (dlg chat serve), the parts that need no
 * socket: visitors' signed tokens, a visitor's message into the spool's
 * new/ (through tmp/); a visitor's answers from out/ are answers.h's.  The gateway opens
 * the store only to read the channel's settings and its key at start.
 */
#define GATEWAY_KEY_SIZE 32
#define GATEWAY_TOKEN_TTL (30 * 24 * 3600)
#define GATEWAY_TEXT_MAX 4096    /* characters (code points) of one message */
#define GATEWAY_VISITOR_ID_LEN 24

/*
 * The channel's signing key, .git/dlg/secrets/CHANNEL.chat-key: 32 bytes,
 * mode 0600, made from getrandom() the first time (O_CREAT|O_EXCL|
 * O_NOFOLLOW, so a planted link is never written through).  A key of
 * another size, not a regular file, or readable by others is refused.
 */
int gateway_key_load(unsigned char key[GATEWAY_KEY_SIZE], const char *dlgdir, const char *channel);

/* Removes the channel's key (dlg channel rm): 0 also when there was none. */
int gateway_key_remove(const char *dlgdir, const char *channel);

/* A new visitor id: GATEWAY_VISITOR_ID_LEN random hex digits. */
void gateway_visitor_id(char out[GATEWAY_VISITOR_ID_LEN + 1]);

/* base64url(VISITOR "." EXPIRY "." HMAC-SHA256(key, VISITOR "." EXPIRY)), no padding. */
void gateway_token_make(struct strbuf *out, const unsigned char *key, const char *visitor, time_t expiry);
/* The visitor a token names: DLG_EINVALID ("forged token", "expired token")
   unless the key signed it and it has not expired at now. */
int gateway_token_verify(struct strbuf *visitor, const unsigned char *key, const char *token, time_t now);

/*
 * The gateway's limits, the channel's settings (channel.NAME.KEY):
 * visitor-rate (messages per visitor) and address-rate (new visitors and
 * messages per client address) are "N/s", "N/min" or "N/h", then
 * optionally ",BURST" (how many may come at once; half of N, at least 1,
 * when not given), or "off"; address-connections is the number of
 * connections one address may hold open (unset: no limit).
 */
#define GATEWAY_VISITOR_RATE "20/min,10"
#define GATEWAY_ADDRESS_RATE "120/min,60"
struct gateway_rate {
	double per_second;   /* 0: no limit */
	double burst;
};
/* DLG_EINVALID "KEY: ..." when value is not what key takes; 0 for keys
   that are not the gateway's limits. */
int gateway_setting_check(const char *key, const char *value);
/* value (NULL: def) of a rate setting. */
int gateway_rate_parse(struct gateway_rate *r, const char *key, const char *value, const char *def);

/* Code points in text (valid UTF-8, as jansson gives it). */
size_t gateway_text_chars(const char *text);

#define GATEWAY_FILE_MAX (2 << 20)  /* bytes of the one file a message may carry */
#define GATEWAY_POPUP_ID_MAX 128

struct gateway_message {
	const char *visitor, *name, *email;  /* name and email may be NULL */
	const char *page;                    /* may be NULL */
	const char *text;                    /* may be NULL when there is a file */
	time_t date;
	const char *popup;                   /* the pop-up answered, or NULL */
	const char *file_name;               /* the file, or NULL; a path is cut to its last name */
	const char *file_data;
	size_t file_len;
};
/* Writes m into new/ through tmp/ as the JSON `dlg fetch` reads, fsynced
   before it returns: an answered message is never lost.  Its spool id
   goes into id.  DLG_EINVALID for no text and no file, a too long text,
   a file over GATEWAY_FILE_MAX or without a name, a pop-up id that is
   empty, too long or holds a control character.  The file's type is what
   its bytes are (libmagic), whatever the browser said. */
int gateway_message_write(struct strbuf *id, const struct spool *sp, const struct gateway_message *m);


#endif
