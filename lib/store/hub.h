#ifndef DLG_STORE_HUB_H
#define DLG_STORE_HUB_H

#include "store/config.h"
#include "store/store.h"

/*
 * The hub (store-format.md, "The hub"): the store a team's clones push to
 * and the only one that delivers answers once the versioned config says
 * send.at = hub.  .git/dlg/hub, never versioned, marks it.
 */
int store_is_hub(struct dlg_store *s);
/* Whether this store delivers answers: send.at is unset in c (a lone
   store), or this store is the hub. */
int store_sends(struct dlg_store *s, const struct config *c);

/*
 * Makes s a hub: git's settings for a server (fsync, receive.deny*), the
 * pre-receive and post-receive hooks, which run dlg (its absolute path),
 * then .git/dlg/hub.  The versioned send.at is the caller's commit.
 */
int hub_setup(struct dlg_store *s, const char *dlg);

/*
 * The pre-receive check of one pushed update: only refs/heads/main, never
 * deleted, only forward, and every new commit a dlg store of this format
 * whose paths the layout allows (as dlg sync checks another clone's).
 * Reads the pushed objects from git's quarantine.  DLG_EINVALID says why.
 */
int hub_check_update(struct dlg_store *s, const char *old_hex, const char *new_hex, const char *ref);

#endif
