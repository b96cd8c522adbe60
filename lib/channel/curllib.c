#define CURLLIB_IMPL
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "channel/curllib.h"

#ifndef CURLLIB_SONAME
#define CURLLIB_SONAME "libcurl.so.4"
#endif

struct curllib curllib;
int curllib_ready;

static const char *curllib_file(void)
{
	const char *env = getenv("DLG_LIBCURL");
	return env && *env ? env : CURLLIB_SONAME;
}

/* libcurl only adds to its ABI: one as new as the headers has every option
   and behaviour dlg was written for, an older one may not. */
static int curllib_check_version(void *handle, const char *file)
{
	curl_version_info_data *(*version_info)(CURLversion);
	const curl_version_info_data *v;

	if (!(*(void **)&version_info = dlsym(handle, "curl_version_info")))
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s has no curl_version_info", file);
	v = version_info(CURLVERSION_NOW);
	if (!v)
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s has no version", file);
	if (v->version_num < LIBCURL_VERSION_NUM)
		return dlg_error(DLG_ERROR, "cannot load libcurl: built for %s, found %u.%u.%u",
				 LIBCURL_VERSION, v->version_num >> 16, (v->version_num >> 8) & 0xff,
				 v->version_num & 0xff);
	return 0;
}

static int curllib_resolve(void *handle, const char *file)
{
#define CURLLIB_RESOLVE(name)                                                           \
	if (!(*(void **)&curllib.name = dlsym(handle, #name)))                          \
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s has no %s", file, #name);
	CURLLIB_FUNCTIONS(CURLLIB_RESOLVE)
#undef CURLLIB_RESOLVE
	return 0;
}

int curllib_load(void)
{
	const char *file = curllib_file();
	void *handle;
	CURLcode rc;
	int err;

	if (curllib_ready)
		return 0;
	/* Already mapped when the program was linked with libcurl. */
	handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return dlg_error(DLG_ERROR, "cannot load libcurl: %s", dlerror());
	if ((err = curllib_check_version(handle, file)) < 0 ||
	    (err = curllib_resolve(handle, file)) < 0) {
		/* No pointer into a library that is gone. */
		memset(&curllib, 0, sizeof(curllib));
		dlclose(handle);
		return err;
	}
	trace_perf("libcurl loaded");
	rc = curllib.curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK)
		return dlg_error(DLG_ERROR, "cannot load libcurl: curl_global_init: %s",
				 curllib.curl_easy_strerror(rc));
	trace_perf("libcurl started");
	curllib_ready = 1;
	return 0;
}
