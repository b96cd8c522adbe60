#include <stdarg.h>

#include "base/error.h"
#include "base/redact.h"
#include "base/strbuf.h"

static struct strbuf last_error = STRBUF_INIT;

int dlg_error(int code, const char *fmt, ...)
{
	/* A new message may quote the last one: dlg_error(e, "line 3: %s", dlg_error_last()). */
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* Messages quote URLs and what servers said: no credentials in them. */
	strbuf_redact(&msg);
	strbuf_release(&last_error);
	last_error = msg;
	return code ? code : DLG_ERROR;
}

const char *dlg_error_last(void)
{
	return last_error.len ? last_error.buf : "unknown error";
}

void dlg_error_clear(void)
{
	strbuf_release(&last_error);
}
