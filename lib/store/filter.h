#ifndef DLG_FILTER_H
#define DLG_FILTER_H

#include <time.h>

#include "store/summary.h"

enum filter_status { FILTER_OPEN, FILTER_CLOSED, FILTER_ALL };
/* On the last message time; between equal times by id (newest: ascending). */
enum filter_sort { FILTER_NEWEST, FILTER_OLDEST };

/* What `dlg list` flags ask for; all given conditions must hold. */
struct dialog_filter {
	enum filter_status status;
	const char *assignee;      /* operator name; "" for unassigned; NULL for any */
	struct strlist tags;       /* must all be present; case-folded (tag_fold()) */
	struct strlist not_tags;   /* must all be absent; case-folded */
	const char *channel;
	const char *user;          /* full user id */
	time_t since, until;       /* on the last message time; 0 = open-ended */
	int waiting;
	enum filter_sort sort;     /* the order of the listing */
};
#define DIALOG_FILTER_INIT { FILTER_OPEN, NULL, STRLIST_INIT, STRLIST_INIT, NULL, NULL, 0, 0, 0, FILTER_NEWEST }

/* Adds a --tag argument: "vip" requires, "-vip" excludes. Returns DLG_EINVALID for a bad name. */
int filter_add_tag(struct dialog_filter *f, const char *arg);
int filter_parse_status(struct dialog_filter *f, const char *arg);
/* "oldest" or "newest"; DLG_EINVALID for anything else. */
int filter_parse_sort(struct dialog_filter *f, const char *arg);
int filter_match(const struct dialog_filter *f, const struct dialog_summary *d);
void filter_clear(struct dialog_filter *f);

#endif
