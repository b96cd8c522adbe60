#ifndef DLG_OPS_USER_H
#define DLG_OPS_USER_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * User cards, changed the way dlg user changes them.  Each change is one
 * commit (none when nothing changes) and names users by their full id, as
 * dlg_user_resolve() gives it: an id no user has is DLG_ENOTFOUND, one that
 * is not 16 hex digits DLG_EINVALID.
 */

/*
 * The user arg names: a user id prefix of at least DLG_ID_MIN hex digits,
 * or an address or handle one of its identities has, alone or after its
 * kind ("a@example.com", "telegram:12345"; case does not matter).  A user
 * merged into another is that other one.  DLG_ENOTFOUND "no user 'ARG'";
 * for an id prefix, store_resolve()'s reason (DLG_EAMBIGUOUS when users
 * share it).
 */
int dlg_user_resolve(char out[17], struct dlg_store *s, const char *arg);

struct dlg_user_prop {
	const char *key;     /* user_prop_key_valid() (store/users.h), or "name" */
	const char *value;   /* "" removes the property; a name cannot be empty */
};
/* Sets, renames or removes, in order, all in one commit or none. */
int dlg_user_set(struct dlg_store *s, const char *uid, const struct dlg_user_prop *props, size_t n);
/* A note on the card: text as given, a final newline added when it has
   none; text of nothing but white space is DLG_EINVALID. */
int dlg_user_note(struct dlg_store *s, const char *uid, const char *text);
/* Merges user other into keep; store/users.h's users_merge() says how. */
int dlg_user_merge(struct dlg_store *s, const char *keep, const char *other);
/*
 * Imports JSON Lines (store/users.h's user_import_parse(); blank lines are
 * skipped), all in one commit or, if one line is bad, none: the error says
 * "line N: why; nothing was imported".  ids gets the user each line named,
 * each user once, in the order of the lines.
 */
int dlg_user_import(struct strlist *ids, struct dlg_store *s, const char *lines);

#endif
