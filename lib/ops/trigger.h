#ifndef DLG_OPS_TRIGGER_H
#define DLG_OPS_TRIGGER_H

#include <stddef.h>
#include <time.h>

#include "base/strbuf.h"
#include "channel/channel.h"
#include "store/store.h"

/*
 * A trigger: we write first.  Each target gets a dialog of its own on the
 * channel's type, assigned to the operator, holding one outgoing message
 * (queued in the outbox) to the user's identity there; the user's answer
 * joins it.
 */
struct dlg_trigger_target {
	const char *user;    /* a full user id */
	const char *ident;   /* where on the channel; NULL: dlg_trigger_ident() */
	const char *text;    /* the message; its first line is the subject */
};
struct dlg_trigger_opts {
	const struct channel *channel;   /* opened with channel_open() */
	const struct dlg_trigger_target *targets;
	size_t ntargets;
	/* a pop-up on the website (a chat channel): the dialogs' channel is
	   popup, and the widget shows the message as a pop-up card */
	int popup;
};

/* The new dialogs' ids go to out, in the targets' order.  One change: every
   dialog starts, or none (DLG_ENOTFOUND for an unknown user or one without
   an identity on the channel, DLG_EINVALID for a blank text). */
int dlg_trigger(struct strlist *out, struct dlg_store *s, const struct dlg_trigger_opts *opts);

/* The user's first identity of kind (a channel type) on their card, which
   the caller frees; DLG_ENOTFOUND when there is none to write to. */
int dlg_trigger_ident(char **out, struct dlg_store *s, const char *uid, const char *kind);

/*
 * A page pop-up (store/popup.h): every visitor of the website's pages that
 * match page sees text, until `until` (0: 30 days from now) or until it is
 * withdrawn.  One commit writing popups/ID; the new id goes to out.
 * DLG_EINVALID for a channel that is not a chat channel, a blank text, a
 * page pattern that is empty, longer than POPUP_PAGE_MAX or holds a control
 * character, an end already past.
 */
#define DLG_POPUP_DAYS 30
struct dlg_page_popup_opts {
	const struct channel *channel;
	const char *page;
	const char *text;
	time_t until;
};
int dlg_popup_add(char out[17], struct dlg_store *s, const struct dlg_page_popup_opts *opts);
/* Ends it now (the file says when); DLG_ENOTFOUND "no pop-up 'ID'".  One
   withdrawn already stays as it is. */
int dlg_popup_withdraw(struct dlg_store *s, const char *id);

#endif
