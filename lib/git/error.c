#include "base/error.h"
#include "git/error.h"
#include "git/gitlib.h"

int dlg_error_git(int code, const char *what)
{
	const git_error *e = git_error_last(); /* may be NULL on libgit2 1.5 */
	int ret = code == GIT_ENOTFOUND ? DLG_ENOTFOUND :
		  code == GIT_EMODIFIED ? DLG_EMODIFIED :
		  code == GIT_EEXISTS ? DLG_EEXISTS :
		  code == GIT_EAMBIGUOUS ? DLG_EAMBIGUOUS : DLG_ERROR;
	return dlg_error(ret, "%s: %s", what, e && e->message ? e->message : "git error");
}
