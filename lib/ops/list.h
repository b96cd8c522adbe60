#ifndef DLG_OPS_LIST_H
#define DLG_OPS_LIST_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/filter.h"
#include "store/index.h"
#include "store/store.h"
#include "store/summary.h"

/*
 * Listing dialogs: those matching a filter, in the filter's order, from the
 * derived index (.git/dlg/index.sqlite), brought to the tip first.  The
 * index is a cache: when it cannot be used the same list comes from the
 * view's files, only slower, and out says so.
 */
struct dlg_list_result {
	size_t abbrev;          /* id prefix length no two dialogs of the store share (at least 7) */
	int from_view;          /* listed from the files */
	struct strbuf why;      /* why the index was not used; empty when it was not wanted */
};
#define DLG_LIST_RESULT_INIT { 0, 0, STRBUF_INIT }

/* Called for each dialog, in order; d is NULL for a dialog whose files
   could not be read (dlg_error_last() says why), and the listing goes on.
   A nonzero return stops it and is what dlg_list() returns. */
typedef int (*dlg_list_fn)(const struct dialog_summary *d, void *payload);

enum {
	DLG_LIST_NO_INDEX = 1,  /* from the files: what the index must agree with */
};

/* out is filled before the first call of each.  Returns 0, what each
   stopped with, or a DLG_E* code. */
int dlg_list(struct dlg_list_result *out, struct dlg_store *s, const struct dialog_filter *f,
	     unsigned flags, dlg_list_fn each, void *payload);

/* The tags in use: each (case-folded, as tags are compared) with the
   number of dialogs that have it, sorted bytewise, from the index or
   (flags, or when it cannot be used) the files; out as for dlg_list(). */
int dlg_tag_counts(struct dlg_list_result *out, struct dlg_store *s, unsigned flags, index_tag_fn each,
		   void *payload);

#endif
