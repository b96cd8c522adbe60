#ifndef DLG_CHANNEL_POPUPS_H
#define DLG_CHANNEL_POPUPS_H

#include <time.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Page pop-ups in the chat spool (store-format.md, "Page pop-ups"):
 * popups/ID.json, one per pop-up in effect, {"id", "page", "text",
 * "operator", "date", "until"}.  dlg send writes them from the tree (the
 * truth, store/popup.h) through tmp/, as answers go to out/; the gateway
 * reads them.  The site's account can write popups/, so a reader trusts
 * nothing it finds there: a link, a FIFO, a huge file, bad JSON or a field
 * out of shape is passed over.
 */
struct spool_popup {
	char id[17];
	char *page, *text, *operator_, *date;
	time_t until;
};
#define SPOOL_POPUP_MAX_FILE (64 * 1024)
#define SPOOL_POPUP_TEXT_MAX 16384   /* bytes */
#define SPOOL_POPUPS_MAX 1000        /* read from one popups/ */
#define SPOOL_POPUPS_SCAN 10000      /* entries of popups/ looked at, valid or not */

/* The file `name` holds: DLG_EINVALID (with the reason) unless it is a page
   pop-up in shape, named ID.json after its own id. */
int spool_popup_parse(struct spool_popup *p, const char *name, const char *buf, size_t len);
void spool_popup_clear(struct spool_popup *p);
/* In effect at now, and its pattern matches the page's URL (of at most
   SPOOL_POPUP_URL_MAX bytes) as fnmatch(3) without flags would ('*' spans
   slashes; bytes as in the C locale), in time bounded by the product of
   their lengths whatever the pattern. */
#define SPOOL_POPUP_URL_MAX 4096
int spool_popup_matches(const struct spool_popup *p, const char *url, time_t now);
/* The valid pop-ups of the spool directory popups/ (dirfd), by id; at most
   SPOOL_POPUPS_MAX among its first SPOOL_POPUPS_SCAN entries (a directory
   filled with junk costs a bounded read). */
int spool_popups_read(struct spool_popup **out, size_t *n, int dirfd);
void spool_popups_free(struct spool_popup *p, size_t n);

/* dlg send's part: the popups/ of every chat channel that has pop-ups in
   the tree made to match it: the ones in effect written (unless there, the
   same), everything else removed.  Safe to run again. */
int popups_publish(struct dlg_store *s);

#endif
