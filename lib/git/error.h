#ifndef DLG_GIT_ERROR_H
#define DLG_GIT_ERROR_H

/* Wraps libgit2's last error into the error slot (base/error.h) with a
   prefix; GIT_ENOTFOUND and the like become their DLG_E* codes. */
int dlg_error_git(int code, const char *what);

#endif
