#ifndef DLG_OPS_CONFIG_H
#define DLG_OPS_CONFIG_H

#include "store/store.h"

/*
 * The store's versioned configuration (store/config.h), changed the way
 * dlg config changes it: one commit per change, none when nothing changes.
 * Secrets never go here: they belong to dlg_channel_add().
 */

/* DLG_EINVALID "'KEY' is not a key: ..." unless config_key_valid(key). */
int dlg_config_key_check(const char *key);
/*
 * Sets key to value.  DLG_EINVALID for a bad key, a key or a value that
 * looks like a secret (a password, a token, a URL with one), a value of
 * more than one line, or an assign.mode that is not off, round-robin or
 * least-open.
 */
int dlg_config_set(struct dlg_store *s, const char *key, const char *value);
/* DLG_ENOTFOUND "'KEY' is not set". */
int dlg_config_unset(struct dlg_store *s, const char *key);

#endif
