#ifndef DLG_IMAP_H
#define DLG_IMAP_H

#include "base/strbuf.h"

/*
 * The small part of IMAP that fetching needs, read-only.  libcurl makes the
 * connection (TLS, STARTTLS, login) with CURLOPT_CONNECT_ONLY, and the
 * commands are ours: libcurl's own fetch is `UID FETCH n BODY[]` after a
 * read-write SELECT, which marks every message \Seen on the server, while
 * dlg promises never to flag anything.  Here the mailbox is EXAMINEd (read
 * only) and messages are read with BODY.PEEK[].
 */

struct imap;

/* url: imap://host[:port]/MAILBOX or imaps://...; the mailbox defaults to INBOX. */
int imap_open(struct imap **out, const char *url, const char *user, const char *password,
	      long timeout_ms);
void imap_close(struct imap *im);

/* EXAMINEs the mailbox; *uidvalidity from its answer. */
int imap_examine(struct imap *im, unsigned long long *uidvalidity);
/* UIDs greater than after, ascending (at most max of them); *more says more remain. */
int imap_uids_after(unsigned long long **out, size_t *n, int *more, struct imap *im,
		    unsigned long long after, size_t max);
/* The whole message, without setting \Seen. DLG_ENOTFOUND when it is gone. */
int imap_fetch(struct strbuf *out, struct imap *im, unsigned long long uid);

#endif
