#ifndef DLG_MAIL_CHARSET_H
#define DLG_MAIL_CHARSET_H

#include <stddef.h>

#include "base/strbuf.h"

/* Converts len bytes in charset to UTF-8; an unknown charset is treated as
   UTF-8 with invalid bytes replaced, never an error. */
void charset_to_utf8(struct strbuf *out, const char *charset, const char *in, size_t len);
/* RFC 2047 encoded words -> UTF-8, appended to out. */
void mime_decode_words(struct strbuf *out, const char *in, size_t len);
/* Encodes a UTF-8 header value as RFC 2047 words when it is not plain ASCII. */
void mime_encode_words(struct strbuf *out, const char *utf8);

void qp_decode(struct strbuf *out, const char *in, size_t len);
void base64_decode(struct strbuf *out, const char *in, size_t len);
/* Encoders for messages dlg writes: lines of at most 76 characters, CRLF-free ("\n"). */
void qp_encode(struct strbuf *out, const char *in, size_t len);
void base64_encode(struct strbuf *out, const char *in, size_t len);

#endif
