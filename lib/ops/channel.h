#ifndef DLG_OPS_CHANNEL_H
#define DLG_OPS_CHANNEL_H

#include <stddef.h>

#include "store/store.h"

/*
 * Channels configured the way dlg channel configures them
 * (channel/channel.h): settings are the config's channel.NAME.KEY, changed
 * in one commit; the secret goes to .git/dlg/secrets/NAME after it, so a
 * refused change leaves none behind.
 */

/* The settings, in the order dlg channel list shows them; each key is
   also dlg channel add's option --KEY. */
struct dlg_channel_setting {
	const char *key;
	const char *types;   /* the channel types that take it, space-separated */
};
#define DLG_CHANNEL_NSETTINGS 12
extern const struct dlg_channel_setting dlg_channel_settings[DLG_CHANNEL_NSETTINGS];

struct dlg_channel_spec {
	const char *name;
	const char *type;
	/* by dlg_channel_settings[]: NULL leaves a setting as it is, "" removes it */
	const char *values[DLG_CHANNEL_NSETTINGS];
	/* the token (the password of an email channel), one line; NULL leaves
	   the secret as it is */
	const char *secret;
	size_t secret_len;
};

/*
 * What dlg_channel_add() refuses before it looks at the store, each
 * DLG_EINVALID: a bad name or type, a setting the type does not take, a
 * value with a credential in it, a secret for a chat channel or of other
 * than one line.  A front end may ask before it reads the secret.
 */
int dlg_channel_check(const struct dlg_channel_spec *spec);
/*
 * Adds channel spec->name, or changes the settings (and the secret) of the
 * channel of that name, which must be of that type (else DLG_EEXISTS).
 * DLG_EINVALID when the type would lack a setting it cannot work without.
 */
int dlg_channel_add(struct dlg_store *s, const struct dlg_channel_spec *spec);
/* Removes the channel's settings, its secret and a chat channel's gateway
   key; DLG_ENOTFOUND "no channel 'NAME'". */
int dlg_channel_remove(struct dlg_store *s, const char *name);

/*
 * What a --channel argument names, for commands that take a configured
 * channel's name as well as a type (dlg list, import, trigger).
 * dlg_channel_kind(): the channel of dialogs, as their info holds it: a
 * configured channel's name stands for its type, anything else is taken
 * as it is (a type, or a label dlg import --channel gave).
 * dlg_channel_find(): the name of a configured channel: the channel of that
 * name, else the one channel of that type (DLG_ENOTFOUND when there is
 * none, DLG_EAMBIGUOUS when several have it).
 */
int dlg_channel_kind(struct strbuf *out, struct dlg_store *s, const char *arg);
int dlg_channel_find(struct strbuf *out, struct dlg_store *s, const char *arg);

#endif
