#ifndef DLG_MESSAGE_H
#define DLG_MESSAGE_H

#include <time.h>

#include "base/strbuf.h"
#include "mail/mime.h"

/*
 * Messages are stored as RFC 5322 files in the dialog's Maildir (cur/).
 * What email has no header for travels in X-Dlg-* headers:
 *   X-Dlg-Channel, X-Dlg-Direction (in|out), X-Dlg-User (dlg user id),
 *   X-Dlg-Channel-User (address or handle on the channel),
 *   X-Dlg-Channel-Message (the channel's message id), X-Dlg-Route (the
 *   configured channel it came through), X-Dlg-Conversation (where answers
 *   go on that channel), and for outgoing
 *   messages X-Dlg-Operator and X-Dlg-Delivery (queued|sent|failed).
 * They are dlg's only in dlg's block: the leading run of whole-line
 * "X-Dlg-NAME: value" fields that dlg writes in front of the message.  An
 * X-Dlg-* field anywhere else was written by someone else; on the way in,
 * the sender's are renamed X-Original-Dlg-* and never read.
 * File names are DATE.KEY:2,FLAGS with DATE the message's unix time in ten
 * digits, so names sort by time and two clones name a message alike.
 */

struct stored_msg {
	char *name;
	char *channel;
	int out;
	char *operator;
	char *delivery;
	char *user;
	char *channel_user;
	char *channel_message;
	char *route;
	char *conversation;
	char *sent_via;          /* outgoing, sent: the channel */
	char *error;             /* outgoing, failed: why */
	char *next_attempt;      /* outgoing, failed: when dlg send tries again (ISO 8601), or NULL */
	unsigned long seq;       /* X-Dlg-Sequence: its place in its second (store/order.h), 0 when none */
	struct strlist ignored;  /* "Name: value" of X-Dlg-* fields outside the block, and renamed ones */
	time_t date;
	struct mime_message *mime;
};

/* Length of dlg's block at the top of buf (0 when there is none). */
size_t message_block_len(const char *buf, size_t len);
/* The first field called name (exactly as dlg spells it) in the block. */
int message_block_get(struct strbuf *out, const char *buf, size_t len, const char *name);

/* Reads the block; channel defaults to email.  Fields only outgoing
   messages carry are read from outgoing ones only, and a conversation only
   from chat-like channels' messages. */
int stored_msg_parse(struct stored_msg *m, const char *name, const char *buf, size_t len,
		     unsigned mime_flags);
void stored_msg_clear(struct stored_msg *m);
/* Its X-Dlg-Sequence, 0 when it has none (store/order.h). */
unsigned long message_seq(const char *buf, size_t len);
/* Message time from a file name (DATE.KEY…), or 0. */
time_t message_name_time(const char *name);
void message_file_name(struct strbuf *out, time_t date, const char *key, int out_dir);
/* The DATE a message file name starts with: ten digits, clamped. */
void message_name_second(struct strbuf *out, time_t date);

struct msg_meta {
	const char *channel;
	const char *user;
	const char *channel_user;
	const char *channel_message;
	const char *route;          /* X-Dlg-Route: the configured channel it came through */
	const char *conversation;   /* X-Dlg-Conversation: where answers go on that channel */
};
/* The X-Dlg headers of m for a message going dir ("in" or "out"). */
void message_add_meta(struct strbuf *out, const struct msg_meta *m, const char *dir, const char *eol);
/* One header line; controls in value become spaces (values from channels are untrusted). */
void message_add_header(struct strbuf *out, const char *name, const char *value, const char *eol);
/* The original bytes with X-Dlg headers in front, in the original's line ending;
   the sender's own X-Dlg-* fields renamed X-Original-Dlg-*. */
void message_wrap_incoming(struct strbuf *out, const char *raw, size_t len, const struct msg_meta *m);

/* A file an answer carries. */
struct reply_file {
	const char *name;
	const char *type;
	const char *data;
	size_t len;
};

struct reply_spec {
	struct msg_meta meta;
	const char *operator;
	const char *from;          /* "Name <addr>" */
	const char *to;            /* customer address or handle */
	const char *cc;            /* "a@x, b@y": email only, or NULL */
	const char *subject;
	const char *message_id;    /* without brackets */
	const char *in_reply_to;   /* without brackets, may be NULL */
	const char *references;    /* "<a> <b>", may be NULL */
	const char *text;          /* may be empty when a file goes */
	time_t date;
	unsigned long seq;         /* X-Dlg-Sequence (store/order.h); 0 writes none */
	const struct reply_file *files;  /* attached, in this order */
	size_t nfiles;
};
/* Fails only when the boundary of a reply with a file cannot be hashed. */
int message_build_reply(struct strbuf *out, const struct reply_spec *r);

/*
 * A multipart/mixed body: its Content-Type field, a blank line, and the
 * parts (each its header fields, a blank line and its body, ending in a
 * line end) between delimiter lines.  The boundary comes from a hash of the
 * parts (message_boundary): the same bytes in every clone, and no part can
 * hold it.
 */
int message_add_multipart(struct strbuf *out, const struct strbuf *parts, size_t n, const char *eol);
/* "dlg-" and 32 hex digits of a hash of seed and a counter: the first that
   occurs in no part.  Both fail when hash_hex() does. */
int message_boundary(struct strbuf *out, const char *seed, const struct strbuf *parts, size_t n);
/* A file as a base64 part with its Content-Type and Content-Disposition. */
void message_add_file_part(struct strbuf *out, const char *name, const char *type,
			   const char *data, size_t len, const char *eol);
/* A file name as an RFC 2231 value (filename*=utf-8''...): bytes outside [A-Za-z0-9._-] as %XX. */
void rfc2231_name(struct strbuf *out, const char *name);

/* Subject without Re:/Fwd: prefixes and surrounding space, for comparing. */
void subject_normalize(struct strbuf *out, const char *subject);
/* The subject after its Re:/Fwd:/Ответ: prefixes. */
const char *subject_strip_prefixes(const char *subject);
/* Case folding for comparisons: ASCII, Latin-1 and Cyrillic letters. */
void utf8_fold(struct strbuf *out, const char *s);

#endif
