#ifndef DLG_OPS_REPLY_H
#define DLG_OPS_REPLY_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/store.h"

/* What one outgoing message may carry: the limit every channel shares. */
#define DLG_ATTACH_MAX (2u << 20)

/* A file an answer carries, as a message of its own. */
struct dlg_attachment {
	char *name;          /* what the customer sees it called */
	char *type;          /* its MIME type, found from its bytes */
	struct strbuf data;
};
#define DLG_ATTACHMENT_INIT { NULL, NULL, STRBUF_INIT }

/* The file at path, named by its last component.  The caller named it, so a
   link is followed; what it leads to is opened first and checked on the
   descriptor, so the checks and the bytes are of the same file.  Its
   reason is "cannot attach 'PATH': why" (too large, not a regular file...). */
int dlg_attachment_load(struct dlg_attachment *a, const char *path);
/* len bytes of data, named name; DLG_EINVALID over DLG_ATTACH_MAX. */
int dlg_attachment_set(struct dlg_attachment *a, const char *name, const void *data, size_t len);
void dlg_attachment_release(struct dlg_attachment *a);

struct dlg_reply_opts {
	const char *dialog;                  /* a full id */
	const char *text;                    /* the answer; NULL or blank: only the files */
	const struct dlg_attachment *files;  /* each goes as a message of its own */
	size_t nfiles;
};
struct dlg_reply_result {
	int assigned;        /* the dialog had nobody: the reply gave it to the operator */
	char *channel;       /* the configured channel dlg send will deliver it through */
	char *undeliverable; /* else why no channel can yet (none of its kind, several...) */
};
void dlg_reply_result_clear(struct dlg_reply_result *r);

/*
 * Queues an answer to the dialog in the outbox, addressed through the
 * channel the customer last wrote from, in reply to their newest message:
 * the text first, then each file.  The first operator to answer an
 * unassigned dialog takes it.  DLG_ENOTFOUND when there is no such dialog,
 * DLG_EINVALID when there is neither text nor a file.  out may be NULL;
 * else it is filled on success (dlg_reply_result_clear() frees it): an
 * answer no channel can deliver yet is still queued, for the front end to
 * warn about.
 */
int dlg_reply(struct dlg_reply_result *out, struct dlg_store *s, const struct dlg_reply_opts *opts);

#endif
