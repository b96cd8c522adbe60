#include <string.h>

#include "base/error.h"
#include "base/utf8.h"
#include "ops/text.h"
#include "store/summary.h"

int dlg_text_blank(const char *text)
{
	/* the white space strbuf_rtrim() takes off */
	return !text || !text[strspn(text, " \t\r\n")];
}

int dlg_text_check(const char *text, const char *what)
{
	if (dlg_text_blank(text))
		return dlg_error(DLG_EINVALID, "empty %s; nothing was written", what);
	return 0;
}

void dlg_text_excerpt(struct strbuf *out, const char *text)
{
	struct strbuf opening = STRBUF_INIT;
	/* the preview list shows: the words that say what the text is about */
	text_preview(&opening, text, DLG_TEXT_EXCERPT_COLS);
	strbuf_addch(out, '"');
	/* git log prints messages raw: nothing in them may drive a terminal */
	term_sanitize(out, opening.buf, opening.len, 0);
	strbuf_addch(out, '"');
	strbuf_release(&opening);
}
