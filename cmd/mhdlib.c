#define MHDLIB_IMPL
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "mhdlib.h"

#ifndef MHDLIB_SONAME
#define MHDLIB_SONAME "libmicrohttpd.so.12"
#endif

struct mhdlib mhdlib;

/* "0.9.75" as MHD_VERSION spells it, 0x00097500; 0 when it is not that shape. */
static unsigned long version_number(const char *v)
{
	unsigned a, b, c;
	if (!v || sscanf(v, "%u.%u.%u", &a, &b, &c) != 3 || a > 99 || b > 99 || c > 99)
		return 0;
	return ((unsigned long)(a / 10 * 16 + a % 10) << 24) | ((unsigned long)(b / 10 * 16 + b % 10) << 16) |
		((unsigned long)(c / 10 * 16 + c % 10) << 8);
}

int mhdlib_load(void)
{
	const char *env = getenv("DLG_LIBMICROHTTPD"), *file = env && *env ? env : MHDLIB_SONAME;
	const char *(*get_version)(void);
	void *handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);

	if (!handle)
		return error_msg("cannot load libmicrohttpd: %s", dlerror());
	if (!(*(void **)&get_version = dlsym(handle, "MHD_get_version")) ||
	    version_number(get_version()) < (MHD_VERSION & 0xffffff00UL)) {
		error_msg("cannot load libmicrohttpd: built for %x, found %s", (unsigned)MHD_VERSION,
			  get_version ? get_version() : "no version");
		dlclose(handle);
		return 1;
	}
#define MHDLIB_RESOLVE(name)                                                             \
	if (!(*(void **)&mhdlib.name = dlsym(handle, #name))) {                          \
		memset(&mhdlib, 0, sizeof(mhdlib));                                      \
		dlclose(handle);                                                         \
		return error_msg("cannot load libmicrohttpd: %s has no %s", file, #name); \
	}
	MHDLIB_FUNCTIONS(MHDLIB_RESOLVE)
#undef MHDLIB_RESOLVE
	return 0;
}
