#ifndef DLG_MIME_H
#define DLG_MIME_H

#include <stddef.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/utf8.h" /* utf8_sanitize() */
#include "mail/rfc5322.h"

/*
 * Reading RFC 5322 / MIME messages from untrusted bytes.  Everything handed
 * back is valid UTF-8 (invalid sequences become U+FFFD) and NUL-free.
 * Parsing is best-effort: broken MIME never fails, it degrades to
 * "treat the rest as text".  Only an empty input is an error.
 */

struct mime_attachment {
	char *name;        /* decoded (RFC 2231 / RFC 2047) file name; "" when none */
	char *type;        /* lowercased "type/subtype" */
	size_t size;       /* decoded size in bytes */
	char *data;        /* decoded bytes, only with MIME_WANT_DATA, else NULL */
};

struct mime_message {
	struct mime_address from;
	struct mime_address *to;   /* To and Cc together */
	size_t nto;
	size_t ncc;                /* the last ncc of to are Cc's */
	char *subject;             /* decoded, unfolded; "" when none */
	char *message_id;          /* without angle brackets; NULL when none */
	char *in_reply_to;         /* first msg-id of In-Reply-To, no brackets; NULL */
	char **references;         /* msg-ids of References, oldest first, no brackets */
	size_t nreferences;
	time_t date;               /* from Date:; 0 when missing or unparsable */
	int has_date;
	char *text;                /* the readable body: text/plain preferred, else
				      HTML rendered to text; decoded to UTF-8 */
	struct mime_attachment *attachments;
	size_t nattachments;
};

/*
 * What one message can make dlg keep, whatever its size: a hostile message
 * must not cost memory or time out of proportion to its bytes (dlg-import(1),
 * LIMITS).  The message itself is always stored byte for byte; these bound
 * only what is read out of it.
 */
#define MIME_MAX_FIELD (1 << 20) /* bytes of a header field read (unfolded) */
#define MIME_MAX_ADDRESSES 1000  /* To and Cc addresses, together, To first */
#define MIME_MAX_REFERENCES 100  /* References ids: the first and the nearest 99 */
#define MIME_MAX_PARAMS 1000     /* parameters of one Content-Type or -Disposition */
#define MIME_MAX_PARTS 10000     /* MIME parts, counted as they are walked */
#define MIME_MAX_DEPTH 32        /* multipart nesting; deeper is one attachment */

enum { MIME_WANT_DATA = 1 };

/* Parses buf[0..len); returns 0, or DLG_EINVALID for an empty message. */
int mime_message_parse(struct mime_message **out, const char *buf, size_t len, unsigned flags);
void mime_message_free(struct mime_message *msg);

/*
 * Header access on the raw message (no MIME decoding): the first field
 * called name (case-insensitive), unfolded, leading/trailing space trimmed.
 * Returns 0 and fills out, or DLG_ENOTFOUND.  Stops at the first blank line.
 */
int mime_header_get(struct strbuf *out, const char *buf, size_t len, const char *name);
/* Offset of the body (after the blank line), or len when there is none. */
size_t mime_body_offset(const char *buf, size_t len);

/* A header value for display: encoded words decoded, controls as spaces, trimmed. */
char *mime_display_text(const char *raw, size_t n);

/* The MIME type of a file from its bytes (libmagic), never from what a
   sender claimed; application/octet-stream when unsure.  Caller frees. */
char *mime_type_sniff(const char *data, size_t len);

#endif
