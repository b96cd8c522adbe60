#ifndef DLG_MAIL_HTML_H
#define DLG_MAIL_HTML_H

#include <stddef.h>

#include "base/strbuf.h"

/* HTML -> readable text: tags dropped, block elements as line breaks,
   entities decoded, <script>/<style> skipped. */
void html_to_text(struct strbuf *out, const char *html, size_t len);

#endif
