#ifndef DLG_STORE_FSCK_MEANING_H
#define DLG_STORE_FSCK_MEANING_H

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Checks that the tip agrees with itself and reports one line per problem
 * into report:
 *   stale PATH       a derived file (status, assignee, tags, card) differs
 *                    from a replay of its log, or a msgmap file from the
 *                    messages the dialogs hold;
 *   nolog DIR        a record without its log;
 *   orphan PATH      an outbox entry whose message is gone or not waiting
 *                    to be sent (sent, or failed for good);
 *   unqueued PATH    a message waiting to be sent without its outbox entry.
 * With repair, writes what the logs and messages give, in one commit.
 * Returns the number of problems (>= 0) or < 0.
 */
int store_fsck_meaning(struct strbuf *report, struct dlg_store *s, int repair);

#endif
