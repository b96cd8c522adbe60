#ifndef DLG_CHAN_PARSE_H
#define DLG_CHAN_PARSE_H

#include <jansson.h>

#include "channel/channel.h"
#include "channel/http.h"

/*
 * The HTTP channels' answers read without the network: each driver's fetch
 * parses a message with these, then downloads the files it names.  Kept
 * apart so that tests/fuzz can feed them hostile JSON directly.
 */

/* A file a channel message names, downloaded after parsing. */
struct chan_ref {
	const char *ref;     /* Telegram: a file_id; VK, Facebook: a URL (borrowed from the JSON) */
	const char *name;    /* never NULL */
	const char *type;    /* MIME type, or NULL */
	long long size;      /* as the channel says, or -1 */
};

struct chan_refs {
	struct chan_ref *v;
	size_t nr, alloc;
};
#define CHAN_REFS_INIT { NULL, 0, 0 }
void chan_refs_add(struct chan_refs *r, const char *ref, const char *name, const char *type,
		   long long size);
void chan_refs_clear(struct chan_refs *r);

/*
 * One message object of the channel's answer as a chan_msg (route: the
 * configured channel).  m->id stays NULL when it holds nothing dlg keeps
 * (a bot's or the page's own message, one without a sender).
 */
void telegram_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route, json_t *msg);
void vk_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route, json_t *msg);
/* users.get's answer: the card's name and screen name. */
void vk_user_parse(struct chan_msg *m, json_t *response);
/* page: the page's own id; psid: the conversation's customer, or NULL. */
void facebook_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route,
			    const char *page, json_t *msg, const char *psid);

/*
 * An answer's envelope: 0 with the payload (Telegram's "result", VK's
 * "response"), or DLG_ENETWORK for what a retry may cure, DLG_EINVALID for
 * a refusal.  *root is the caller's to free either way (it may be NULL).
 */
int telegram_answer(json_t **root, json_t **result, const struct http_response *r, long *retry_after,
		    const char *method);
int vk_answer(json_t **root, json_t **response, const struct http_response *r, const char *method);
int facebook_answer(json_t **root, const struct http_response *r, const char *what);

#endif
