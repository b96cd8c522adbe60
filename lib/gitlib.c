#define GITLIB_IMPL
#include <dlfcn.h>
#include <string.h>

#include "error.h"
#include "gitlib.h"
#include "util.h"

#ifndef GITLIB_SONAME
#define GITLIB_SONAME "libgit2.so"
#endif

struct gitlib gitlib;

int gitlib_load(void)
{
	static int loaded;
	void *handle;

	if (loaded)
		return 0;
	/* Already mapped when the program was linked with libgit2 (unit tests). */
	handle = dlopen(GITLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return dlg_error(DLG_ERROR, "cannot load libgit2: %s", dlerror());
#define GITLIB_RESOLVE(name)                                                             \
	if (!(*(void **)&gitlib.name = dlsym(handle, #name)))                            \
		return dlg_error(DLG_ERROR, "cannot load libgit2: %s has no %s", GITLIB_SONAME, \
				 #name);
	GITLIB_FUNCTIONS(GITLIB_RESOLVE)
#undef GITLIB_RESOLVE
	loaded = 1;
	return 0;
}

int gitlib_oid_fromstr(git_oid *out, const char *hex)
{
	for (size_t i = 0; i < GIT_OID_RAWSZ; i++) {
		int hi = hex_value(hex[2 * i]), lo = hi < 0 ? -1 : hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

char *gitlib_oid_tostr(char *out, size_t n, const git_oid *id)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	if (!out || !n)
		return out;
	for (i = 0; i + 1 < n && i < GIT_OID_HEXSZ; i++)
		out[i] = digits[(id->id[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[i] = '\0';
	return out;
}

int gitlib_oid_cmp(const git_oid *a, const git_oid *b)
{
	return memcmp(a->id, b->id, GIT_OID_RAWSZ);
}

void gitlib_oid_cpy(git_oid *out, const git_oid *src)
{
	memcpy(out->id, src->id, GIT_OID_RAWSZ);
}
