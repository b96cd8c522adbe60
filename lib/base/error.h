#ifndef DLG_ERROR_H
#define DLG_ERROR_H

/*
 * Library functions return 0 or one of these negative codes; the detail
 * goes into an error slot (one per thread) that commands read with
 * dlg_error_last().  Expected failures have their own codes so callers
 * can tell "no such dialog" from "disk full".
 */
enum {
	DLG_OK = 0,
	DLG_ERROR = -1,      /* generic: the message says why */
	DLG_ENOTFOUND = -3,
	DLG_EEXISTS = -4,
	DLG_EAMBIGUOUS = -5,
	DLG_EINVALID = -6,   /* bad input from the caller or the user */
	DLG_ENOSTORE = -7,
	DLG_EMODIFIED = -15, /* lost a compare-and-swap race: retry */
	DLG_ENETWORK = -16,  /* the peer could not be reached or timed out: retry later */
	DLG_ELOCKED = -17,   /* another process's lock file is in the way */
	DLG_EELSEWHERE = -18, /* another store does this (the hub sends, not a clone) */
};

/* Sets the error message and returns code, so `return dlg_error(...)` reads well. */
int dlg_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the last message; never NULL. */
const char *dlg_error_last(void);
void dlg_error_clear(void);

#endif
