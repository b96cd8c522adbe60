#ifndef DLG_MAIL_RFC5322_H
#define DLG_MAIL_RFC5322_H

#include <stddef.h>
#include <time.h>

#include "base/strbuf.h"

struct mime_address {
	char *name;        /* decoded display name, "" when none */
	char *addr;        /* lowercased addr-spec, "" when unparsable */
};


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
