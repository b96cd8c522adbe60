#ifndef DLG_IMPORT_H
#define DLG_IMPORT_H

#include "base/strbuf.h"
#include "store/store.h"
#include "store/tx.h"

struct auto_assign;
struct import_result {
	struct strlist dialogs;   /* ids created or changed; may repeat */
	size_t imported;
	size_t duplicates;
	size_t created;
	struct auto_assign *autoassign;  /* in: who new dialogs go to (assign.h); NULL: nobody */
	struct strlist known;     /* the dialogs of the duplicates; may repeat */
};
void import_result_reset(struct import_result *r);

/*
 * Imports one email (raw RFC 5322 bytes) into the transaction:
 * deduplicated by Message-ID (or content when it has none), threaded into
 * an existing dialog by In-Reply-To/References only when the sender is the
 * dialog's user or an address already in that dialog, else into the
 * sender's open dialog on the channel with the same subject, else a new
 * dialog.  A closed dialog that receives a message is reopened.
 */
int import_email(struct dlg_tx *tx, const char *channel, const char *raw, size_t len,
		 struct import_result *res);
/* The same for mail fetched through a configured channel: route names it,
   and answers go back through it. */
int import_email_routed(struct dlg_tx *tx, const char *channel, const char *route, const char *raw,
			size_t len, struct import_result *res);

/* The user's newest open dialog on channel; with a subject, only one about
   the same subject (Re: and the like folded).  Returns 1 and fills out. */
int import_find_open_dialog(char out[17], struct dlg_tx *tx, const char *uid,
			    const char *channel, const char *subject);

struct dialog_info;
struct stored_msg;
/* The info file of the dialog at dir ("dialogs/3f/9a/ID"). */
int dialog_info_read(struct dialog_info *info, struct dlg_tx *tx, const char *dir);
/* The customer's newest message in the dialog at dir, header fields only:
   what an answer replies to, and where it goes.  Returns 1 and fills out. */
int dialog_last_incoming(struct stored_msg *out, struct dlg_tx *tx, const char *dir);

/* Ids derived from channel facts, so clones agree on them; they fail as
   key_make() does. */
int user_id_for(char out[17], const char *kind, const char *value);
int message_key_for(char out[17], const char *kind, const char *channel_message_id);

struct chan_msg;
/*
 * Imports it: deduplicated by (kind, id); into the user's newest open
 * dialog of that kind, else a new dialog.  The user card learns the
 * identity, name, username and address.
 */
int import_chan_msg(struct dlg_tx *tx, const struct chan_msg *m, struct import_result *res);

#endif
