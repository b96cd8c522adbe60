#ifndef DLG_STORE_OUTBOX_H
#define DLG_STORE_OUTBOX_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/store.h"
#include "store/tx.h"

/* The outbox: outgoing messages not yet sent (outbox/KEY = "DIALOG FILE"). */
struct outbox_entry {
	char key[17];
	char dialog[17];
	char *file;
	unsigned long seq;  /* its message's X-Dlg-Sequence, once someone read it */
};
void outbox_free(struct outbox_entry *e, size_t n);
/* outbox/KEY of the tree: "DIALOG FILE".  DLG_ENOTFOUND when absent or unreadable. */
int outbox_entry_read(struct outbox_entry *e, struct dlg_tx *tx, const char *key);
/* The path of the message an entry names: dialogs/../ID/cur/FILE. */
void outbox_entry_message_path(struct strbuf *out, const struct outbox_entry *e);
/*
 * Whether dlg send may still deliver the stored message raw: an outgoing
 * one, queued or failed with a next attempt.  Sent is final, and so is a
 * failure without a next attempt, whatever an outbox entry says (a merge
 * or an older tree may bring one back).
 */
int message_delivery_pending(const char *raw, size_t len);
/* Inside a change: queue or drop an entry. */
int outbox_add(struct dlg_tx *tx, const char *key, const char *dialog, const char *file);
int outbox_remove(struct dlg_tx *tx, const char *key);

/* Rewrites the delivery headers of a stored outgoing message. */
void message_set_delivery(struct strbuf *out, const char *raw, size_t len, const char *state,
			  const char *const *headers);

#endif
