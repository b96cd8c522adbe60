#include "base/error.h"
#include "ops/config.h"
#include "ops/hub.h"
#include "store/hub.h"

int dlg_hub_init(struct dlg_store **out, const char *dir, const char *dlg)
{
	struct dlg_store *s = NULL;
	int err;

	*out = NULL;
	if (*dlg != '/')
		return dlg_error(DLG_EINVALID, "the hooks need dlg's absolute path, not '%s'", dlg);
	if ((err = store_init(&s, dir)) < 0)
		return err;
	if ((err = hub_setup(s, dlg)) < 0 || (err = dlg_config_set(s, "send.at", "hub")) < 0) {
		store_free(s);
		return err;
	}
	*out = s;
	return 0;
}
