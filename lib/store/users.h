#ifndef DLG_USERS_H
#define DLG_USERS_H

#include "base/strbuf.h"
#include "store/store.h"
#include "store/tx.h"

/*
 * Changes to user cards in bulk: the data a website keeps about its
 * visitors (plan, city, orders) imported as JSON Lines, and two cards of
 * one person merged.
 */

/* A property's name on a card: letters, digits, '_', '-' and '.', 1 to 64
   of them ("name" is the user's name, set apart from the properties). */
int user_prop_key_valid(const char *key, size_t len);

/* One line of `dlg user import`. */
struct user_import {
	char *id;          /* a user id (prefix not allowed: scripts name users exactly) */
	char *kind;        /* or an identity: email, telegram, vk, facebook, chat */
	char *value;
	char *name;        /* NULL: unchanged */
	struct strlist keys;
	struct strlist values;   /* "" for a null value: the property is removed */
	size_t line;             /* where it stood in the input, for messages */
};
void user_import_clear(struct user_import *u);
/* {"id"|"email"|"telegram"|"vk"|"facebook"|"chat": "...", "name"?: "...", "props"?: {...}} */
int user_import_parse(struct user_import *u, const char *line, size_t len);
/* Applies it; a user named by an identity the store does not know is created.
   out gets the user id; *changed whether anything changed. */
int user_import_apply(char out[17], int *changed, struct dlg_tx *tx, const struct user_import *u);

/*
 * Merges user other into keep: other's identities, name (when keep has
 * none), properties (keep's own win) and dialogs join keep's card, its
 * notes are copied, its dialogs name keep as their user, and its log says
 * "merged KEEP", so messages from any of its identities go to keep from now
 * on.  Nothing of other is deleted.
 */
int users_merge(struct dlg_tx *tx, const char *keep, const char *other);
/*
 * For a user merged into another: the identities and dialogs it has that
 * the user kept lacks (they reached it concurrently with the merge, in
 * another clone) join the user kept, as users_merge does.  A user not
 * merged is left alone.  Merging clones runs it for every merged user whose
 * log both sides changed.
 */
int users_merge_follow(struct dlg_tx *tx, const char *other);

#endif
