#define CURLLIB_IMPL
#include <dlfcn.h>

#include "base/error.h"
#include "base/time.h"
#include "channel/curllib.h"

#ifndef CURLLIB_SONAME
#define CURLLIB_SONAME "libcurl.so.4"
#endif

struct curllib curllib;
int curllib_ready;

int curllib_load(void)
{
	void *handle;
	CURLcode rc;

	if (curllib_ready)
		return 0;
	/* Already mapped when the program was linked with libcurl. */
	handle = dlopen(CURLLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s", dlerror());
#define CURLLIB_RESOLVE(name)                                                              \
	if (!(*(void **)&curllib.name = dlsym(handle, #name)))                             \
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s has no %s", CURLLIB_SONAME, \
				 #name);
	CURLLIB_FUNCTIONS(CURLLIB_RESOLVE)
#undef CURLLIB_RESOLVE
	trace_perf("libcurl loaded");
	rc = curllib.curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return dlg_error(DLG_ERROR, "cannot load libcurl: curl_global_init: %s",
				 curllib.curl_easy_strerror(rc));
	trace_perf("libcurl started");
	curllib_ready = 1;
	return 0;
}
