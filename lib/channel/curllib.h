/*
 * libcurl, loaded when a command first talks to the network.
 *
 * Linked, libcurl and the 33 shared libraries it pulls in (OpenSSL, nghttp2,
 * libssh2, Kerberos, LDAP...) cost every dlg process 5-7 ms before main(),
 * and only fetch and send use it.  So, as with libgit2 (lib/git/gitlib.h), dlg
 * is not linked against it: the functions below are looked up with dlopen()
 * and each curl_* name refers to a pointer in `curllib`.  A name missing
 * from the list is a link error, so the list cannot fall behind the code.
 *
 * As with git_*, nothing loads libcurl behind a caller's back: call
 * curllib_load() (lib/channel/http.c does, on every request) before any curl_*
 * call, or the call jumps through a NULL pointer.
 *
 * curl.h wraps curl_easy_setopt() and curl_easy_getinfo() in macros that
 * check the argument's type; they call the linked function, so they are
 * replaced here and the check is lost: pass longs as 1L, sizes as
 * (curl_off_t), and pointers as what the option documents.
 */
#ifndef DLG_CURLLIB_H
#define DLG_CURLLIB_H

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>

#define CURLLIB_FUNCTIONS(X) \
	X(curl_easy_cleanup) \
	X(curl_easy_getinfo) \
	X(curl_easy_init) \
	X(curl_easy_perform) \
	X(curl_easy_recv) \
	X(curl_easy_send) \
	X(curl_easy_setopt) \
	X(curl_easy_strerror) \
	X(curl_global_init) \
	X(curl_mime_addpart) \
	X(curl_mime_data) \
	X(curl_mime_filename) \
	X(curl_mime_free) \
	X(curl_mime_init) \
	X(curl_mime_name) \
	X(curl_mime_type) \
	X(curl_slist_append) \
	X(curl_slist_free_all) \

struct curllib {
#define CURLLIB_MEMBER(name) __typeof__(name) *name;
	CURLLIB_FUNCTIONS(CURLLIB_MEMBER)
#undef CURLLIB_MEMBER
};
extern struct curllib curllib;
extern int curllib_ready;

/* Loads libcurl and runs curl_global_init() once; DLG_ERROR with the
   loader's reason when it cannot, a libcurl older than the headers
   included.  $DLG_LIBCURL, when set, names the file to load instead of the
   SONAME dlg was built with (for tests and packagers).  Cheap after the
   first call. */
int curllib_load(void);

#ifndef CURLLIB_IMPL
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_easy_cleanup (curllib.curl_easy_cleanup)
#define curl_easy_getinfo (curllib.curl_easy_getinfo)
#define curl_easy_init (curllib.curl_easy_init)
#define curl_easy_perform (curllib.curl_easy_perform)
#define curl_easy_recv (curllib.curl_easy_recv)
#define curl_easy_send (curllib.curl_easy_send)
#define curl_easy_setopt (curllib.curl_easy_setopt)
#define curl_easy_strerror (curllib.curl_easy_strerror)
#define curl_global_init (curllib.curl_global_init)
#define curl_mime_addpart (curllib.curl_mime_addpart)
#define curl_mime_data (curllib.curl_mime_data)
#define curl_mime_filename (curllib.curl_mime_filename)
#define curl_mime_free (curllib.curl_mime_free)
#define curl_mime_init (curllib.curl_mime_init)
#define curl_mime_name (curllib.curl_mime_name)
#define curl_mime_type (curllib.curl_mime_type)
#define curl_slist_append (curllib.curl_slist_append)
#define curl_slist_free_all (curllib.curl_slist_free_all)
#endif

#endif
