#define GITLIB_IMPL
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hex.h"
#include "base/time.h"
#include "git/gitlib.h"

#ifndef GITLIB_SONAME
#define GITLIB_SONAME "libgit2.so"
#endif

struct gitlib gitlib;
int gitlib_ready;

#ifdef DLG_MBEDTLS_CA_STANDIN
static void *gitlib_handle;
static int gitlib_tls;

/*
 * Debian builds libgit2 1.5 on mbedTLS, whose start-up in
 * git_libgit2_init() parses the whole system CA bundle: about 4 ms, half of
 * what a change costs dlg, for HTTPS that a local store never asks libgit2
 * for (channels use libcurl, and clones and syncs read local repositories).
 * These two definitions in the executable take precedence over mbedTLS's
 * when libgit2 binds them (the main program comes first in the lookup
 * scope; the Makefile exports them), and load nothing, so certificate
 * checks would fail, never pass.  A clone from a network URL asks for the
 * real ones first (gitlib_want_tls()), found through libgit2's own
 * dependencies.
 *
 * The Makefile builds them only where that holds: a libgit2 shared library
 * linked to mbedTLS, and a libcurl that is not (curl would bind them too,
 * and trust no certificate).
 */
typedef int (*crt_parse_fn)(void *chain, const char *path);

static int crt_parse(const char *name, void *chain, const char *path)
{
	crt_parse_fn real;
	if (!gitlib_tls || !gitlib_handle || !(*(void **)&real = dlsym(gitlib_handle, name)))
		return 0;
	return real(chain, path);
}

int mbedtls_x509_crt_parse_file(void *chain, const char *path)
{
	return crt_parse("mbedtls_x509_crt_parse_file", chain, path);
}

int mbedtls_x509_crt_parse_path(void *chain, const char *path)
{
	return crt_parse("mbedtls_x509_crt_parse_path", chain, path);
}

void gitlib_want_tls(void)
{
	gitlib_tls = 1;
}
#else
void gitlib_want_tls(void)
{
	/* Without the stand-ins libgit2 loads its CA certificates itself. */
}
#endif

static const char *gitlib_file(void)
{
	const char *env = getenv("DLG_LIBGIT2");
	return env && *env ? env : GITLIB_SONAME;
}

/* libgit2 keeps its ABI within a minor version only (its SONAME ends in
   MAJOR.MINOR), so another minor is refused before any function is used. */
static int gitlib_check_version(void *handle, const char *file)
{
	int (*version)(int *major, int *minor, int *rev);
	int major = 0, minor = 0, rev = 0;

	if (!(*(void **)&version = dlsym(handle, "git_libgit2_version")))
		return dlg_error(DLG_ERROR, "cannot load libgit2: %s has no git_libgit2_version", file);
	version(&major, &minor, &rev);
	if (major != LIBGIT2_VER_MAJOR || minor != LIBGIT2_VER_MINOR)
		return dlg_error(DLG_ERROR, "cannot load libgit2: built for %d.%d, found %d.%d",
				 LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR, major, minor);
	return 0;
}

static int gitlib_resolve(void *handle, const char *file)
{
#define GITLIB_RESOLVE(name)                                                            \
	if (!(*(void **)&gitlib.name = dlsym(handle, #name)))                           \
		return dlg_error(DLG_ERROR, "cannot load libgit2: %s has no %s", file, #name);
	GITLIB_FUNCTIONS(GITLIB_RESOLVE)
#undef GITLIB_RESOLVE
	return 0;
}

int gitlib_load(void)
{
	const char *file = gitlib_file();
	void *handle;
	int err;

	if (gitlib_ready)
		return 0;
	/* Already mapped when the program was linked with libgit2 (unit tests). */
	handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		return dlg_error(DLG_ERROR, "cannot load libgit2: %s", dlerror());
	if ((err = gitlib_check_version(handle, file)) < 0 ||
	    (err = gitlib_resolve(handle, file)) < 0) {
		/* No pointer into a library that is gone. */
		memset(&gitlib, 0, sizeof(gitlib));
		dlclose(handle);
		return err;
	}
#ifdef DLG_MBEDTLS_CA_STANDIN
	gitlib_handle = handle;
#endif
	trace_perf("libgit2 loaded");
	gitlib.git_libgit2_init();
	/* libgit2 caches no tree over 4 KB; the top trees of a store (256 shard
	   entries) are bigger and were read again for every path looked up. */
	gitlib.git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)1 << 20);
	trace_perf("libgit2 started");
	gitlib_ready = 1;
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
