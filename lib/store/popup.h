#ifndef DLG_STORE_POPUP_H
#define DLG_STORE_POPUP_H

#include <time.h>

#include "base/strbuf.h"
#include "store/tx.h"

/*
 * A page pop-up (store-format.md, "Page pop-ups"): a message the website's
 * widget shows every visitor of the pages that match a pattern, kept in the
 * tree as popups/ID.  The tree is the truth and the record: dlg send
 * publishes the pop-ups in effect to the chat spool, and a visitor's answer
 * opens a dialog that starts with the text read here, never from the spool.
 */
#define POPUP_PAGE_MAX 2048   /* bytes of a page pattern */

struct page_popup {
	char id[17];
	char *channel;    /* the chat channel's name */
	char *page;       /* a URL glob: fnmatch(3) without FNM_PATHNAME */
	char *operator_;
	char *text;
	time_t created, until;
	time_t withdrawn; /* 0: not withdrawn */
};
void page_popup_clear(struct page_popup *p);
void page_popup_format(struct strbuf *out, const struct page_popup *p);
/* DLG_EINVALID when a field is missing or unreadable. */
int page_popup_parse(struct page_popup *p, const char *id, const char *buf, size_t len);
/* Shown at now: not withdrawn, and now before its end. */
int page_popup_in_effect(const struct page_popup *p, time_t now);

/* popups/ID of the change's tree: DLG_ENOTFOUND when there is none. */
int page_popup_read(struct page_popup *p, struct dlg_tx *tx, const char *id);
int page_popup_write(struct dlg_tx *tx, const struct page_popup *p);
/* The ids under popups/, sorted. */
void page_popup_list(struct strlist *out, struct dlg_tx *tx);

#endif
