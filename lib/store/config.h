#ifndef DLG_CONFIG_H
#define DLG_CONFIG_H

#include "base/strbuf.h"
#include "store/store.h"
#include "store/tx.h"

/*
 * The store's versioned configuration: the file `config` at the top of the
 * tree, one "key=value" per line, sorted by key, like `git config --list`.
 * Keys are dot-separated words ("channel.shop-tg.type"); values are one
 * line.  Secrets never go here (see channel.h).
 */

struct config {
	struct strlist keys;     /* sorted */
	struct strlist values;   /* values.items[i] belongs to keys.items[i] */
};
#define CONFIG_INIT { STRLIST_INIT, STRLIST_INIT }

void config_parse(struct config *c, const char *buf, size_t len);
void config_format(struct strbuf *out, const struct config *c);
void config_clear(struct config *c);
/* The value of key, or NULL. */
const char *config_get(const struct config *c, const char *key);
void config_set(struct config *c, const char *key, const char *value);
/* Removes key; returns 1 when it was there. */
int config_unset(struct config *c, const char *key);
/* A valid key: words of [a-z0-9-] joined by dots, at least two words. */
int config_key_valid(const char *key);
/* Whether a word of key (its parts between '.', '-' and '_'), other than a
   channel's name, names a secret: password, token, key, auth, ... */
int config_key_looks_secret(const char *key);

/* The configuration of the branch tip (read from the view: no libgit2). */
int config_load(struct config *c, struct dlg_store *s);
/* Inside a change. */
int config_load_tx(struct config *c, struct dlg_tx *tx);
int config_store_tx(struct dlg_tx *tx, const struct config *c);

#endif
