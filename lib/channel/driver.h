#ifndef DLG_CHANNEL_DRIVER_H
#define DLG_CHANNEL_DRIVER_H

#include <time.h>

#include "base/strbuf.h"
#include "channel/channel.h"
#include "store/message.h"

/*
 * Fetching from and sending through channels.  Each channel type is a
 * driver; the generic code around it (fetch.c, send.c) keeps the promises: messages are
 * committed before a cursor moves, and a message is marked sent only after
 * the channel took it (so a crash re-sends, never loses, and channels that
 * accept an idempotency key never show it twice).
 */

/* What one fetch brought: channel messages and raw emails, and how to move
   the cursor once they are committed. */
struct fetch_batch {
	struct chan_msg *msgs;
	size_t nmsgs, alloc;
	struct strbuf *emails;
	size_t nemails, ealloc;
	struct strbuf cursor;       /* the new cursor, written after the commit; empty: unchanged */
	struct strlist done;        /* driver's own: what to acknowledge after the commit */
	struct strlist warnings;    /* items skipped, with why (the command prints them) */
	int more;                   /* the channel holds more: fetch again after this commit */
};
void fetch_batch_init(struct fetch_batch *b);
void fetch_batch_clear(struct fetch_batch *b);
struct chan_msg *fetch_batch_add_msg(struct fetch_batch *b);
struct strbuf *fetch_batch_add_email(struct fetch_batch *b);

/* Downloads url (a file of a message, no token needed) into m's files; a
   file the channel will not give (4xx) is noted in the text instead, and
   only a retryable failure (DLG_ENETWORK) is an error. */
int chan_msg_download(struct chan_msg *m, const struct channel_api *api, const char *url,
		      const char *name, const char *type);

struct fetch_opts {
	int wait;                   /* seconds a long poll may wait for news (0: answer now) */
};

enum delivery_state { DELIVERY_SENT, DELIVERY_RETRY, DELIVERY_FAILED };

struct delivery {
	enum delivery_state state;
	struct strbuf channel_id;   /* the channel's id of what it accepted */
	struct strbuf error;        /* why not */
	long retry_after;           /* seconds the channel asked us to wait; -1: none */
};

/* A delivery that did not happen, from a library error: DLG_ENETWORK may
   pass on a later try, anything else is final.  Returns 0. */
int delivery_from_error(struct delivery *d, int err, long retry_after);

/* One queued message on its way out. */
struct outgoing {
	const char *dialog;
	const char *key;            /* dlg's message key: idempotency for the channel */
	const struct stored_msg *msg;      /* parsed with MIME_WANT_DATA */
	const struct stored_msg *last_in;  /* the customer's most recent message, or NULL */
	const char *to;             /* conversation on the channel: chat id, peer id, address */
	const char *raw;            /* the stored file */
	size_t len;
};
/* The text of an outgoing message, trailing white space dropped. */
void outgoing_text(struct strbuf *out, const struct outgoing *o);

struct channel_driver {
	const char *type;
	int (*fetch)(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o);
	/* After the commit: advance what fetch read (spool files, server side state). */
	int (*fetched)(struct channel *ch, struct fetch_batch *b);
	/* Returns 0 with d filled (also for a refusal), < 0 only for dlg's own errors. */
	int (*send)(struct delivery *d, struct channel *ch, const struct outgoing *o);
	/* Sending the same message again after a crash shows it once: the
	   channel knows it by dlg's key (email's Message-ID, VK's random_id, the
	   chat spool's file name).  Without it, an interrupted send is final. */
	int resend_shows_once;
};
const struct channel_driver *channel_driver_for(const char *type);

extern const struct channel_driver chat_driver;
extern const struct channel_driver telegram_driver;
extern const struct channel_driver email_driver;
extern const struct channel_driver vk_driver;
extern const struct channel_driver facebook_driver;

#endif
