#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "store/assign.h"
#include "store/index.h"
#include "store/oplog.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/tx.h"

#define LAST_PATH "operators/.last"

enum assign_mode { MODE_OFF, MODE_ROUND_ROBIN, MODE_LEAST_OPEN };

struct auto_assign {
	struct config config;
	struct strlist available;  /* sorted names of operators who are not away */
	size_t *open, *open_at_start;
	char *last, *last_at_start;
};

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct operator_info *)a)->name, ((const struct operator_info *)b)->name);
}

int operators_load(struct operator_info **out, size_t *n, struct dlg_store *s)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf rel = STRBUF_INIT, text = STRBUF_INIT;
	struct operator_info *ops;
	size_t k = 0;

	view_list(&names, s, "operators");
	ops = xcalloc(names.nr + 1, sizeof(*ops));
	for (size_t i = 0; i < names.nr; i++) {
		struct oplog log = OPLOG_INIT;
		struct operator_state st;
		if (names.items[i][0] == '.')
			continue;
		strbuf_reset(&rel);
		strbuf_reset(&text);
		operator_dir(&rel, names.items[i]);
		strbuf_addstr(&rel, "/log");
		if (view_read(&text, s, rel.buf) < 0)
			continue;
		oplog_parse(&log, text.buf, text.len);
		operator_state_replay(&st, &log);
		if (st.known) {
			ops[k].name = xstrdup(names.items[i]);
			ops[k].email = st.email ? xstrdup(st.email) : NULL;
			ops[k].away = st.away;
			k++;
		}
		operator_state_clear(&st);
		oplog_clear(&log);
	}
	if (k > 1)
		qsort(ops, k, sizeof(*ops), by_name);
	*out = ops;
	*n = k;
	strlist_clear(&names);
	strbuf_release(&rel);
	strbuf_release(&text);
	return 0;
}

void operators_free(struct operator_info *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(ops[i].name);
		free(ops[i].email);
	}
	free(ops);
}

static int id_row(const struct dialog_summary *d, void *payload)
{
	strlist_push(payload, d->id);
	return 0;
}

int operator_open_dialogs(struct strlist *ids, struct dlg_store *s, const char *name)
{
	struct dlg_index *ix = NULL;
	struct dialog_filter f = DIALOG_FILTER_INIT;
	int err;
	f.assignee = name;
	if ((err = index_open(&ix, s)) == 0 && (err = index_update(ix, NULL)) == 0)
		err = index_query(ix, &f, id_row, ids);
	index_free(ix);
	filter_clear(&f);
	return err;
}

int operator_open_count(size_t *out, struct dlg_store *s, const char *name)
{
	struct strlist ids = STRLIST_INIT;
	int err = operator_open_dialogs(&ids, s, name);
	*out = ids.nr;
	strlist_clear(&ids);
	return err;
}

static enum assign_mode mode_of(const struct config *c, const char *channel)
{
	struct strbuf k = STRBUF_INIT;
	const char *v;
	strbuf_addf(&k, "assign.mode.%s", channel ? channel : "");
	v = channel ? config_get(c, k.buf) : NULL;
	if (!v)
		v = config_get(c, "assign.mode");
	strbuf_release(&k);
	if (v && !strcmp(v, "round-robin"))
		return MODE_ROUND_ROBIN;
	if (v && !strcmp(v, "least-open"))
		return MODE_LEAST_OPEN;
	return MODE_OFF;
}

static int any_mode(const struct config *c, enum assign_mode want)
{
	for (size_t i = 0; i < c->keys.nr; i++)
		if (!strncmp(c->keys.items[i], "assign.mode", 11) &&
		    ((want == MODE_ROUND_ROBIN && !strcmp(c->values.items[i], "round-robin")) ||
		     (want == MODE_LEAST_OPEN && !strcmp(c->values.items[i], "least-open"))))
			return 1;
	return 0;
}

int auto_assign_load(struct auto_assign **out, struct dlg_store *s)
{
	struct auto_assign *a = xcalloc(1, sizeof(*a));
	struct operator_info *ops = NULL;
	struct strbuf last = STRBUF_INIT;
	size_t n = 0;
	int err;

	*out = NULL;
	a->config = (struct config)CONFIG_INIT;
	if ((err = config_load(&a->config, s)) < 0 ||
	    (!any_mode(&a->config, MODE_ROUND_ROBIN) && !any_mode(&a->config, MODE_LEAST_OPEN)))
		goto out;
	operators_load(&ops, &n, s);
	for (size_t i = 0; i < n; i++)
		if (!ops[i].away)
			strlist_push(&a->available, ops[i].name);
	a->open = xcalloc(a->available.nr + 1, sizeof(*a->open));
	a->open_at_start = xcalloc(a->available.nr + 1, sizeof(*a->open));
	if (any_mode(&a->config, MODE_LEAST_OPEN))
		for (size_t i = 0; i < a->available.nr && !err; i++)
			err = operator_open_count(&a->open_at_start[i], s, a->available.items[i]);
	if (!err && !view_read(&last, s, LAST_PATH)) {
		strbuf_trim(&last);
		a->last_at_start = strbuf_detach(&last, NULL);
	}
	if (!err) {
		auto_assign_begin(a);
		*out = a;
		a = NULL;
	}
out:
	operators_free(ops, n);
	strbuf_release(&last);
	auto_assign_free(a);
	return err;
}

void auto_assign_free(struct auto_assign *a)
{
	if (!a)
		return;
	config_clear(&a->config);
	strlist_clear(&a->available);
	free(a->open);
	free(a->open_at_start);
	free(a->last);
	free(a->last_at_start);
	free(a);
}

void auto_assign_begin(struct auto_assign *a)
{
	if (!a)
		return;
	memcpy(a->open, a->open_at_start, (a->available.nr + 1) * sizeof(*a->open));
	free(a->last);
	a->last = a->last_at_start ? xstrdup(a->last_at_start) : NULL;
}

void auto_assign_committed(struct auto_assign *a)
{
	if (!a)
		return;
	memcpy(a->open_at_start, a->open, (a->available.nr + 1) * sizeof(*a->open));
	free(a->last_at_start);
	a->last_at_start = a->last ? xstrdup(a->last) : NULL;
}

const char *auto_assign_pick(struct auto_assign *a, const char *channel)
{
	enum assign_mode mode;
	size_t pick = 0;
	if (!a || !a->available.nr || (mode = mode_of(&a->config, channel)) == MODE_OFF)
		return NULL;
	if (mode == MODE_ROUND_ROBIN) {
		/* the first name after the last one chosen, wrapping around */
		if (a->last)
			while (pick < a->available.nr && strcmp(a->available.items[pick], a->last) <= 0)
				pick++;
		if (pick == a->available.nr)
			pick = 0;
	} else {
		for (size_t i = 1; i < a->available.nr; i++)
			if (a->open[i] < a->open[pick])
				pick = i;
	}
	a->open[pick]++;
	free(a->last);
	a->last = xstrdup(a->available.items[pick]);
	return a->available.items[pick];
}

int auto_assign_finish(struct auto_assign *a, struct dlg_tx *tx)
{
	struct strbuf data = STRBUF_INIT;
	int err = 0;
	if (!a || !a->last || (a->last_at_start && !strcmp(a->last, a->last_at_start)))
		return 0;
	strbuf_addf(&data, "%s\n", a->last);
	err = tx_write(tx, LAST_PATH, data.buf, data.len);
	strbuf_release(&data);
	return err;
}
