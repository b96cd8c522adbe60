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
 * One commit per message delivered or failed, right after the channel
 * answered.  force ignores the back-off of failed messages.
 */
int outbox_send(struct send_report **out, size_t *n, struct dlg_store *s,
		const struct strlist *ids, int force);

/*
 * The configured channel answers in a dialog go through: route (the
 * channel the customer's newest message came through, or a trigger's),
 * when it is configured and of the dialog's kind, else the only channel of
 * that kind.  Its name in *name; no secret is read.  DLG_ENOTFOUND or
 * DLG_EAMBIGUOUS, with the reason, when there is none or several.
 */
int outbox_route(struct strbuf *name, struct config *c, const char *kind, const char *route);

#endif
