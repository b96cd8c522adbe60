#ifndef DLG_STORE_CLONE_H
#define DLG_STORE_CLONE_H

#include "store/store.h"

/* A new store in dir from the store or git URL source (dlg clone): its tip
   is checked before any file is written; on failure nothing is left.
   Credentials as for dlg sync (store/remote.h); cred may be NULL. */
struct sync_credentials;
int store_clone(struct dlg_store **out, const char *source, const char *dir,
		const struct sync_credentials *cred);

#endif
