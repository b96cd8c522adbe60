#include "error.h"
#include "strbuf.h"

#include "gitlib.h"
#include <stdarg.h>

static struct strbuf last_error = STRBUF_INIT;

int dlg_error(int code, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(&last_error);
	va_start(ap, fmt);
	strbuf_vaddf(&last_error, fmt, ap);
	va_end(ap);
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

int dlg_error_git(int code, const char *what)
{
	const git_error *e = git_error_last(); /* may be NULL on libgit2 1.5 */
	int ret = code == GIT_ENOTFOUND ? DLG_ENOTFOUND :
		  code == GIT_EMODIFIED ? DLG_EMODIFIED :
		  code == GIT_EEXISTS ? DLG_EEXISTS :
		  code == GIT_EAMBIGUOUS ? DLG_EAMBIGUOUS : DLG_ERROR;
	return dlg_error(ret, "%s: %s", what, e && e->message ? e->message : "git error");
}
