#ifndef DLG_MIME_H
#define DLG_MIME_H

#include <stddef.h>
#include <time.h>

#include "strbuf.h"
#include "util.h" /* utf8_sanitize() */

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

struct mime_address {
	char *name;        /* decoded display name, "" when none */
	char *addr;        /* lowercased addr-spec, "" when unparsable */
};

struct mime_message {
	struct mime_address from;
	struct mime_address *to;   /* To and Cc together */
	size_t nto;
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

/* RFC 2047 encoded words -> UTF-8, appended to out. */
void mime_decode_words(struct strbuf *out, const char *in, size_t len);
/* Encodes a UTF-8 header value as RFC 2047 words when it is not plain ASCII. */
void mime_encode_words(struct strbuf *out, const char *utf8);

/* Converts len bytes in charset to UTF-8; an unknown charset is treated as
   UTF-8 with invalid bytes replaced, never an error. */
void charset_to_utf8(struct strbuf *out, const char *charset, const char *in, size_t len);
/* HTML -> readable text: tags dropped, block elements as line breaks,
   entities decoded, <script>/<style> skipped. */
void html_to_text(struct strbuf *out, const char *html, size_t len);

void qp_decode(struct strbuf *out, const char *in, size_t len);
void base64_decode(struct strbuf *out, const char *in, size_t len);
/* Encoders for messages dlg writes: lines of at most 76 characters, CRLF-free ("\n"). */
void qp_encode(struct strbuf *out, const char *in, size_t len);
void base64_encode(struct strbuf *out, const char *in, size_t len);

/* The first msg-id of a header value (Message-ID, In-Reply-To), without
   brackets; with at_only, a bare word counts only with an '@'.  NULL if none. */
char *mime_msgid_first(const char *v, int at_only);
/* The msg-ids of a References value, oldest first: the first and the last
   MIME_MAX_REFERENCES - 1 when there are more. */
void mime_references_parse(struct strlist *refs, const char *v);

/* RFC 5322 date -> time_t (UTC).  Returns 0 or DLG_EINVALID. Accepts the
   obsolete forms seen in real mail (two-digit years, named zones). */
int mime_date_parse(time_t *out, const char *s);
/* Formats t as an RFC 5322 date in UTC ("Tue, 25 Nov 2026 10:00:00 +0000"). */
void mime_date_format(struct strbuf *out, time_t t);

/* Parses an address list header value into name/addr pairs (decoded): the
   first MIME_MAX_ADDRESSES of them. */
int mime_address_list_parse(struct mime_address **out, size_t *nout, const char *value);
void mime_address_list_free(struct mime_address *list, size_t n);

#endif
