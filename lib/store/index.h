#ifndef DLG_INDEX_H
#define DLG_INDEX_H

#include "store/filter.h"
#include "store/store.h"
#include "store/summary.h"

/*
 * The derived index: an unversioned SQLite cache of every dialog's summary
 * in .git/dlg/index.sqlite, so that `dlg list` does not read every dialog.
 * It records the commit it was built at; index_update() brings it to the
 * branch tip from the difference of the two trees (only dialogs whose tree
 * changed, and dialogs of users whose card changed, are read again), and
 * rebuilds it from scratch when it is missing, of another format, corrupt,
 * or built at a commit the repository no longer has.
 */
struct dlg_index;

int index_open(struct dlg_index **out, struct dlg_store *s);
void index_free(struct dlg_index *ix);
/* Brings the index to the tip; *rebuilt says whether it started over. */
int index_update(struct dlg_index *ix, int *rebuilt);
int index_rebuild(struct dlg_index *ix);

/* Calls fn for each dialog that passes the filter, in its order.
   The summary is valid during the call only.  fn returning non-zero stops. */
typedef int (*index_row_fn)(const struct dialog_summary *d, void *payload);
int index_query(struct dlg_index *ix, const struct dialog_filter *f, index_row_fn fn, void *payload);
/* Each tag in use (case-folded) with its number of dialogs, by tag
   (bytewise).  fn returning non-zero stops, and is returned. */
typedef int (*index_tag_fn)(const char *tag, size_t dialogs, void *payload);
int index_tag_counts(struct dlg_index *ix, index_tag_fn fn, void *payload);
/* The same with a search (ops/search.c makes one): match, an FTS5
   expression over the table `search` (store/search.h), and where, an SQL
   condition on the dialog's row `d`; either may be NULL.  fn gets a line
   of the matching text ("" without match). */
struct index_search {
	const char *match;
	const char *where;
	int no_snippet;      /* fn gets "": a snippet costs a look at each match's text */
};
typedef int (*index_hit_fn)(const struct dialog_summary *d, const char *snippet, void *payload);
int index_search(struct dlg_index *ix, const struct dialog_filter *f, const struct index_search *q,
		 index_hit_fn fn, void *payload);
/* Every dialog id, sorted. */
int index_ids(struct dlg_index *ix, struct strlist *out);
/* How many digits keep every dialog id unique (at least 7). */
int index_abbrev(struct dlg_index *ix);

#endif
