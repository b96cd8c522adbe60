/*
 * libmicrohttpd, loaded when dlg chat serve starts.
 *
 * Linked, it brings GnuTLS and nine more shared libraries that every dlg
 * process would map before main() (about 2 ms a start, measured on
 * `dlg --version`), for one command.  So, as with libcurl
 * (lib/channel/curllib.h), dlg is not linked against it: each MHD_* name
 * below refers to a pointer that mhdlib_load() fills with dlsym().  A name
 * missing from the list is a link error, so the list cannot fall behind.
 */
#ifndef DLG_MHDLIB_H
#define DLG_MHDLIB_H

#include <microhttpd.h>

#define MHDLIB_FUNCTIONS(X) \
	X(MHD_add_response_header) \
	X(MHD_create_response_from_buffer) \
	X(MHD_create_response_from_callback) \
	X(MHD_destroy_response) \
	X(MHD_get_connection_info) \
	X(MHD_get_connection_values) \
	X(MHD_lookup_connection_value) \
	X(MHD_queue_response) \
	X(MHD_quiesce_daemon) \
	X(MHD_start_daemon) \
	X(MHD_stop_daemon) \

struct mhdlib {
#define MHDLIB_MEMBER(name) __typeof__(name) *name;
	MHDLIB_FUNCTIONS(MHDLIB_MEMBER)
#undef MHDLIB_MEMBER
};
extern struct mhdlib mhdlib;

/* Loads libmicrohttpd ($DLG_LIBMICROHTTPD, else the SONAME dlg was built
   with); 1 (the exit code) after saying why not, a library older than the
   headers included. */
int mhdlib_load(void);

#ifndef MHDLIB_IMPL
#define MHD_add_response_header (mhdlib.MHD_add_response_header)
#define MHD_create_response_from_buffer (mhdlib.MHD_create_response_from_buffer)
#define MHD_create_response_from_callback (mhdlib.MHD_create_response_from_callback)
#define MHD_destroy_response (mhdlib.MHD_destroy_response)
#define MHD_get_connection_info (mhdlib.MHD_get_connection_info)
#define MHD_get_connection_values (mhdlib.MHD_get_connection_values)
#define MHD_lookup_connection_value (mhdlib.MHD_lookup_connection_value)
#define MHD_queue_response (mhdlib.MHD_queue_response)
#define MHD_quiesce_daemon (mhdlib.MHD_quiesce_daemon)
#define MHD_start_daemon (mhdlib.MHD_start_daemon)
#define MHD_stop_daemon (mhdlib.MHD_stop_daemon)
#endif

#endif
