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

static int by_last_asc(const void *pa, const void *pb)
{
	return by_last_desc(pb, pa);
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
		qsort(rows, nrows, sizeof(*rows), f->sort == FILTER_OLDEST ? by_last_asc : by_last_desc);
	for (i = 0; i < nrows; i++) {
		if (!ret)
			ret = each(&rows[i], payload);
		dialog_summary_clear(&rows[i]);
	}
	free(rows);
	strlist_clear(&all);
	return ret;
}

/* Brings the index to the tip; NULL, with the reason in out, when the
   files must answer instead. */
static struct dlg_index *current_index(struct dlg_list_result *out, struct dlg_store *s, unsigned flags)
{
	struct dlg_index *ix = NULL;
	strbuf_reset(&out->why);
	out->from_view = 0;
	if (flags & DLG_LIST_NO_INDEX)
		return NULL;
	if (index_open(&ix, s) < 0 || index_update(ix, NULL) < 0) {
		strbuf_addstr(&out->why, dlg_error_last());
		index_free(ix);
		return NULL;
	}
	return ix;
}

int dlg_list(struct dlg_list_result *out, struct dlg_store *s, const struct dialog_filter *f,
	     unsigned flags, dlg_list_fn each, void *payload)
{
	struct dlg_index *ix;
	int ret;

	trace_perf("list: ids read");
	if (!(ix = current_index(out, s, flags))) {
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

/* Each dialog's tags, folded, once a dialog: sorted, a tag comes once for
   each dialog that has it. */
static int tags_from_view(struct dlg_list_result *out, struct dlg_store *s, index_tag_fn each,
			  void *payload)
{
	struct strlist all = STRLIST_INIT, tags = STRLIST_INIT, mine = STRLIST_INIT;
	int ret = 0;
	out->from_view = 1;
	dialog_ids_all(&all, s);
	for (size_t i = 0; i < all.nr; i++) {
		struct dialog_summary d;
		if (dialog_summary_load(&d, s, all.items[i]) < 0)
			continue;
		for (size_t k = 0; k < d.tags.nr; k++)
			strlist_push_nodup(&mine, tag_fold(d.tags.items[k]));
		strlist_sort(&mine);
		for (size_t k = 0; k < mine.nr; k++)
			if (!k || strcmp(mine.items[k], mine.items[k - 1]))
				strlist_push(&tags, mine.items[k]);
		strlist_clear(&mine);
		dialog_summary_clear(&d);
	}
	strlist_sort(&tags);
	for (size_t i = 0, n; i < tags.nr && !ret; i += n) {
		for (n = 1; i + n < tags.nr && !strcmp(tags.items[i], tags.items[i + n]); n++)
			;
		ret = each(tags.items[i], n, payload);
	}
	strlist_clear(&tags);
	strlist_clear(&all);
	return ret;
}

int dlg_tag_counts(struct dlg_list_result *out, struct dlg_store *s, unsigned flags, index_tag_fn each,
		   void *payload)
{
	struct dlg_index *ix = current_index(out, s, flags);
	int ret = ix ? index_tag_counts(ix, each, payload) : tags_from_view(out, s, each, payload);
	index_free(ix);
	return ret;
}
