#ifndef DLG_CHANNEL_SEND_H
#define DLG_CHANNEL_SEND_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/config.h"
#include "store/store.h"

/* What became of one message in a send run. */
struct send_report {
	char dialog[17];
	char *file;
	char *channel;              /* the channel tried, or NULL */
	enum { SEND_SENT, SEND_WAITING, SEND_RETRY, SEND_FAILED, SEND_UNROUTED } result;
	char *detail;               /* error text, or the time of the next attempt */
};
void send_reports_free(struct send_report *r, size_t n);

/*
 * Sends every message in the outbox whose dialog is in ids (all when ids is
 * NULL) through the channel of the customer's most recent message in it.
 * Each message is marked "sending" in a commit before its channel is
 * called, and "sent" or "failed" in one right after the channel answered;
 * a message found "sending" (a run that died in between) is sent again
 * only through a channel that shows a resend once, else it fails for good.
 * force ignores the back-off of failed messages.  DLG_EELSEWHERE, sending
 * nothing, in a clone whose hub delivers (store_sends()).
 */
int outbox_send(struct send_report **out, size_t *n, struct dlg_store *s,
		const struct strlist *ids, int force);

/*
 * Puts the final failures of the dialogs in ids (interrupted sends among
 * them) back in the outbox, due now, in one commit: an operator's decision
 * to try again.  *requeued says how many.
 */
int outbox_retry(size_t *requeued, struct dlg_store *s, const struct strlist *ids);

/*
 * The configured channel answers in a dialog go through: route (the
 * channel the customer's newest message came through, or a trigger's),
 * when it is configured and of the dialog's kind, else the only channel of
 * that kind.  Its name in *name; no secret is read.  DLG_ENOTFOUND or
 * DLG_EAMBIGUOUS, with the reason, when there is none or several.
 */
int outbox_route(struct strbuf *name, struct config *c, const char *kind, const char *route);

#endif
