#ifndef DLG_HTTP_H
#define DLG_HTTP_H

#include "base/strbuf.h"

/*
 * HTTP for the channels' APIs, through libcurl.  libcurl is opened with
 * dlopen() on the first request (lib/channel/curllib.h): linked, its 33 shared
 * libraries would cost every dlg process 5-7 ms, and only fetch and send
 * talk to the network.
 */

/* A form field, or with filename set, a file part of a multipart body. */
struct http_field {
	const char *name;
	const char *value;      /* NUL-terminated unless len is set */
	size_t len;             /* 0: strlen(value) */
	const char *filename;   /* a file part: sent under this name */
	const char *type;       /* a file part's MIME type (NULL: application/octet-stream) */
};

struct http_request {
	const char *method;               /* "GET" or "POST" (NULL: GET) */
	const char *url;                  /* GET fields are appended as ?a=b&c=d */
	const struct http_field *fields;
	size_t nfields;
	int multipart;                    /* POST fields as multipart/form-data, else urlencoded */
	const char *body;                 /* a raw POST body instead of fields (JSON) */
	size_t body_len;
	const char *content_type;         /* of body */
	long timeout_ms;                  /* the whole request; 0: 30 000 */
};

struct http_response {
	long status;            /* the HTTP status */
	struct strbuf body;
	long retry_after;       /* seconds from a Retry-After header, -1 without one */
};
#define HTTP_RESPONSE_INIT { 0, STRBUF_INIT, -1 }

/*
 * Makes the request.  Returns 0 when the server answered, whatever the
 * status; DLG_ENETWORK (a time-out, refused connection, a reset) with the
 * reason in the error slot; DLG_ERROR when libcurl cannot be loaded.
 */
int http_request(struct http_response *out, const struct http_request *req);
void http_response_release(struct http_response *r);

/* Percent-encodes s for a URL query or form value (RFC 3986 unreserved kept). */
void url_escape(struct strbuf *out, const char *s);

#endif
