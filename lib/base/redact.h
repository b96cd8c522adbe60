#ifndef DLG_REDACT_H
#define DLG_REDACT_H

#include <stddef.h>

#include "base/strbuf.h"

/*
 * Credentials stay out of what dlg writes for people and for history:
 * error messages, X-Dlg-Error, commit messages, warnings.  A URL loses its
 * user name and password, the values of query parameters whose names look
 * secret (access_token=, key=, ...), Telegram's /bot<TOKEN>/ path segment
 * and its fragment; each becomes "…".  Secrets a channel has loaded are
 * replaced wherever they occur.
 */

/* Appends url[0..len) redacted. */
void url_redact(struct strbuf *out, const char *url, size_t len);
/* Less: scheme, host and port and the last path segment (the API method),
   "https://api.telegram.org/…/getUpdates"; for URLs dlg built around a
   secret, whatever shape it has. */
void url_redact_brief(struct strbuf *out, const char *url, size_t len);
/* Appends text with every URL in it (scheme://...) redacted and every
   registered secret replaced. */
void text_redact(struct strbuf *out, const char *text, size_t len);
/* Redacts sb in place. */
void strbuf_redact(struct strbuf *sb);

/* Why text (a setting) must not be stored in the versioned config: a URL
   in it holds "a password" or "a token"; NULL when none does (a user name
   alone is fine). */
const char *url_secret_kind(const char *text);

/* Whether a name (a config key, a query parameter) names a secret: one of
   its words, split at '.', '-' and '_', is password, token, key, auth, ... */
int name_looks_secret(const char *name, size_t len);

/* Secrets (a loaded token or password) that must never appear in text
   redacted from now on; the caller keeps the string alive until removed. */
void redact_secret_add(const char *secret);
void redact_secret_remove(const char *secret);

#endif
