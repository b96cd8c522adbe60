#define GITLIB_IMPL
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "gitlib.h"
#include "util.h"

#ifndef GITLIB_SONAME
#define GITLIB_SONAME "libgit2.so"
#endif

struct gitlib gitlib;
int gitlib_ready;

int gitlib_load(void)
{
	void *handle;

	if (gitlib_ready)
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
	trace_perf("libgit2 loaded");
	gitlib.git_libgit2_init();
	/* libgit2 caches no tree over 4 KB; the top trees of a store (256 shard
	   entries) are bigger and were read again for every path looked up. */
	gitlib.git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	trace_perf("libgit2 started");
	gitlib_ready = 1;
	return 0;
}

struct gitlib *gitlib_need(void)
{
	if (gitlib_load() < 0) {
		fprintf(stderr, "dlg: %s\n", dlg_error_last());
		exit(127);
	}
	return &gitlib;
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
