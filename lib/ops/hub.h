#ifndef DLG_OPS_HUB_H
#define DLG_OPS_HUB_H

#include "store/store.h"

/*
 * A new store in dir made a hub (store/hub.h): the store of dlg init, the
 * hub's git settings and hooks running dlg (the absolute path dlg), and one
 * commit setting send.at = hub, so every clone leaves delivery to it.
 */
int dlg_hub_init(struct dlg_store **out, const char *dir, const char *dlg);

#endif
