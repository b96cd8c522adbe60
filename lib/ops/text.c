#include <string.h>

#include "base/error.h"
#include "ops/text.h"

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
