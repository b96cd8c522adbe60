#ifndef DLG_OPS_SEARCH_H
#define DLG_OPS_SEARCH_H

#include <time.h>

#include "base/strbuf.h"
#include "ops/list.h"

/*
 * Full-text search (dlg-search(1)): a query in the manner of notmuch and
 * Gmail, compiled by a recursive-descent parser into an FTS5 expression
 * over the search index (store/search.h) and an SQL condition on the list
 * index's row of each dialog.  User text reaches FTS5 only as quoted
 * strings and SQL only as quoted literals.
 *
 *   query   := or
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := ("-" | "NOT") unary | primary
 *   primary := "(" or ")" | [FIELD ":"] (WORD | "\"" PHRASE "\"")
 *
 * Text fields: from, to, subject, body, note, user, file (no field: all of
 * them).  Conditions: tag, channel, status (open, closed, waiting),
 * assignee (a name, me, none), after and before (YYYY-MM-DD[THH:MM], or
 * 3h, 7d, 2w ago; on the dialog's last message: after is at or after it,
 * before strictly before).
 */
struct search_query {
	struct strbuf match;   /* FTS5 expression; empty when the query has no positive text */
	struct strbuf where;   /* SQL condition on the dialog's row d; empty for none */
};
#define SEARCH_QUERY_INIT { STRBUF_INIT, STRBUF_INIT }

/* Compiles query; now is what relative dates count back from, and s's
   operator is assignee:me (s may be NULL, then assignee:me fails).  A malformed query is
   DLG_EINVALID with "query:POS: reason", POS counting characters from 1. */
int search_query_compile(struct search_query *out, const char *query, time_t now, struct dlg_store *s);
void search_query_clear(struct search_query *q);

/* Called for each dialog found, newest activity first, with a line of the
   matching text ("" when the query had no words to match). */
typedef int (*dlg_search_fn)(const struct dialog_summary *d, const char *snippet, void *payload);

/* The dialogs that pass f and match query, from the derived index brought
   to the tip; out as for dlg_list() (out->from_view is never set: search
   needs the index, and fails when it cannot be had). */
enum {
	DLG_SEARCH_NO_SNIPPET = 1,  /* each gets "" for the matching text: cheaper */
};
int dlg_search(struct dlg_list_result *out, struct dlg_store *s, const struct dialog_filter *f,
	       const char *query, unsigned flags, dlg_search_fn each, void *payload);

#endif
