#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "ops/list.h"
#include "store/id.h"
#include "store/index.h"

static int by_last_desc(const void *pa, const void *pb)
{
	const struct dialog_summary *a = pa, *b = pb;
	if (a->last_at != b->last_at)
		return a->last_at > b->last_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Like git's abbreviations: long enough that no two ids in the store share it. */
static size_t abbrev_len(const struct strlist *all)
{
	size_t len = 7;
	for (size_t i = 1; i < all->nr; i++) {
		size_t common = 0;
		while (all->items[i][common] && all->items[i][common] == all->items[i - 1][common])
			common++;
		if (common + 1 > len)
			len = common + 1;
	}
	return len > DLG_ID_LEN ? DLG_ID_LEN : len;
}

/* The listing computed from the files alone, without the index. */
static int list_from_view(struct dlg_list_result *out, struct dlg_store *s,
			  const struct dialog_filter *f, dlg_list_fn each, void *payload)
{
	struct strlist all = STRLIST_INIT;
	struct dialog_summary *rows;
	size_t nrows = 0, i;
	int ret = 0;

	out->from_view = 1;
	dialog_ids_all(&all, s);
	out->abbrev = abbrev_len(&all);
	rows = xcalloc(all.nr + 1, sizeof(*rows));
	for (i = 0; i < all.nr && !ret; i++) {
		if (dialog_summary_load(&rows[nrows], s, all.items[i]) < 0)
			ret = each(NULL, payload);
		else if (filter_match(f, &rows[nrows]))
			nrows++;
		else
			dialog_summary_clear(&rows[nrows]);
	}
	if (nrows > 1)
		qsort(rows, nrows, sizeof(*rows), by_last_desc);
	for (i = 0; i < nrows; i++) {
		if (!ret)
			ret = each(&rows[i], payload);
		dialog_summary_clear(&rows[i]);
	}
	free(rows);
	strlist_clear(&all);
	return ret;
}

int dlg_list(struct dlg_list_result *out, struct dlg_store *s, const struct dialog_filter *f,
	     unsigned flags, dlg_list_fn each, void *payload)
{
	struct dlg_index *ix = NULL;
	int ret;

	strbuf_reset(&out->why);
	out->from_view = 0;
	if (flags & DLG_LIST_NO_INDEX)
		return list_from_view(out, s, f, each, payload);
	trace_perf("list: ids read");
	if (index_open(&ix, s) < 0 || index_update(ix, NULL) < 0) {
		strbuf_addstr(&out->why, dlg_error_last());
		ret = list_from_view(out, s, f, each, payload);
	} else {
		trace_perf("list: index current");
		out->abbrev = (size_t)index_abbrev(ix);
		ret = index_query(ix, f, each, payload);
		trace_perf("list: listed");
	}
	index_free(ix);
	return ret;
}
