#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "store/filter.h"
#include "store/record.h"

int filter_add_tag(struct dialog_filter *f, const char *arg)
{
	int exclude = arg[0] == '-';
	const char *tag = exclude || arg[0] == '+' ? arg + 1 : arg;
	if (!tag_valid(tag))
		return dlg_error(DLG_EINVALID, "invalid tag '%s'", tag);
	strlist_push_nodup(exclude ? &f->not_tags : &f->tags, tag_fold(tag));
	return 0;
}

int filter_parse_sort(struct dialog_filter *f, const char *arg)
{
	if (!strcmp(arg, "newest"))
		f->sort = FILTER_NEWEST;
	else if (!strcmp(arg, "oldest"))
		f->sort = FILTER_OLDEST;
	else
		return dlg_error(DLG_EINVALID, "--sort takes oldest or newest, not '%s'", arg);
	return 0;
}

/* Whether one of tags is folded (already case-folded) in another case. */
static int has_tag_folded(const struct strlist *tags, const char *folded)
{
	int found = 0;
	for (size_t i = 0; i < tags->nr && !found; i++) {
		char *t = tag_fold(tags->items[i]);
		found = !strcmp(t, folded);
		free(t);
	}
	return found;
}

int filter_parse_status(struct dialog_filter *f, const char *arg)
{
	if (!strcmp(arg, "open"))
		f->status = FILTER_OPEN;
	else if (!strcmp(arg, "closed"))
		f->status = FILTER_CLOSED;
	else if (!strcmp(arg, "all"))
		f->status = FILTER_ALL;
	else
		return dlg_error(DLG_EINVALID, "--status takes open, closed or all, not '%s'", arg);
	return 0;
}

int filter_match(const struct dialog_filter *f, const struct dialog_summary *d)
{
	if ((f->status == FILTER_OPEN && d->closed) || (f->status == FILTER_CLOSED && !d->closed))
		return 0;
	if (f->assignee) {
		if (!*f->assignee ? d->assignee != NULL
				  : !d->assignee || strcmp(d->assignee, f->assignee))
			return 0;
	}
	for (size_t i = 0; i < f->tags.nr; i++)
		if (!has_tag_folded(&d->tags, f->tags.items[i]))
			return 0;
	for (size_t i = 0; i < f->not_tags.nr; i++)
		if (has_tag_folded(&d->tags, f->not_tags.items[i]))
			return 0;
	if (f->channel && strcmp(f->channel, d->info.channel))
		return 0;
	if (f->user && strcmp(f->user, d->info.user))
		return 0;
	if ((f->since && d->last_at < f->since) || (f->until && d->last_at > f->until))
		return 0;
	if (f->waiting && !d->waiting)
		return 0;
	return 1;
}

void filter_clear(struct dialog_filter *f)
{
	strlist_clear(&f->tags);
	strlist_clear(&f->not_tags);
}
