#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "ops/dialog.h"
#include "store/assign.h"
#include "store/id.h"
#include "store/import.h"
#include "store/layout.h"

/* One operation on a dialog: assign, unassign, close, reopen or tag. */
struct dialog_op {
	const char *verb;
	const char *arg;
};

struct apply_ctx {
	const struct strlist *ids;
	const struct dialog_op *ops;
	size_t nops;
	const char *summary;
	size_t changed;
};

int dialog_info_require(struct dialog_info *info, struct dlg_tx *tx, const char *id)
{
	struct strbuf dir = STRBUF_INIT;
	struct dialog_info unused;
	int err;
	if (!is_full_id(id))
		return dlg_error(DLG_EINVALID, "'%s' is not a dialog id", id);
	dialog_dir(&dir, id);
	err = dialog_info_read(info ? info : &unused, tx, dir.buf);
	strbuf_release(&dir);
	if (err == DLG_ENOTFOUND)
		return dlg_error(err, "no dialog '%s'", id);
	if (!err && !info)
		dialog_info_clear(&unused);
	return err;
}

int dlg_assignee_check(const char *operator)
{
	if (!*operator || strchr(operator, '\n'))
		return dlg_error(DLG_EINVALID, "invalid operator name '%s'", operator);
	return 0;
}

int dlg_assignee_known(struct dlg_store *s, const char *operator)
{
	struct operator_info *ops;
	size_t n;
	int known;
	operators_load(&ops, &n, s);
	known = !n; /* a store without operators takes any name */
	for (size_t i = 0; i < n && !known; i++)
		known = !strcmp(ops[i].name, operator);
	operators_free(ops, n);
	return known ? 0 : dlg_error(DLG_ENOTFOUND, "no operator '%s'", operator);
}

int dlg_tag_change_check(const char *change)
{
	if (*change != '+' && *change != '-')
		return dlg_error(DLG_EINVALID, "'%s' neither adds (+TAG) nor removes (-TAG) a tag", change);
	if (!tag_valid(change + 1))
		return dlg_error(DLG_EINVALID, "invalid tag '%s'", change + 1);
	return 0;
}

static void summary_with(struct strbuf *out, const char *summary, const char *what)
{
	const char *p = strstr(summary, "%s");
	if (!p) {
		strbuf_addstr(out, summary);
		return;
	}
	strbuf_add(out, summary, (size_t)(p - summary));
	strbuf_addstr(out, what);
	strbuf_addstr(out, p + 2);
}

/*
 * A tag change as the dialog's tags stand, compared without case
 * (store-format.md, "Tags"): +TAG adds the lowercase tag unless the dialog
 * has it in some case already, -TAG removes it in every case it has.
 */
static int record_tag(struct dlg_tx *tx, const char *dir, const char *change, int *changed)
{
	struct strbuf path = STRBUF_INIT, tags = STRBUF_INIT, op = STRBUF_INIT;
	char *want = tag_fold(change + 1);
	int err = 0, has = 0;

	*changed = 0;
	layout_record_file(&path, dir, "tags");
	if (!tx_read(&tags, tx, path.buf)) {
		for (char *p = tags.buf, *nl; *p && !err; p = nl ? nl + 1 : p + strlen(p)) {
			char *folded;
			int one = 0;
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			folded = tag_fold(p);
			if (tag_valid(p) && !strcmp(folded, want)) {
				has = 1;
				strbuf_reset(&op);
				strbuf_addf(&op, "-%s", p);
				if (*change == '-')
					err = record_op(tx, dir, "tag", op.buf, NULL, &one);
				*changed |= one;
			}
			free(folded);
		}
	}
	if (!err && *change == '+' && !has) {
		strbuf_reset(&op);
		strbuf_addf(&op, "+%s", want);
		err = record_op(tx, dir, "tag", op.buf, NULL, changed);
	}
	free(want);
	strbuf_release(&path);
	strbuf_release(&tags);
	strbuf_release(&op);
	return err;
}

static int apply_fn(struct dlg_tx *tx, void *payload)
{
	struct apply_ctx *c = payload;
	struct strbuf dir = STRBUF_INIT, msg = STRBUF_INIT, list = STRBUF_INIT;
	int err = 0;

	c->changed = 0; /* the callback runs again after a lost race */
	for (size_t i = 0; i < c->ids->nr && !err; i++) {
		int any = 0;
		/* an operation never starts a dialog: a record would appear with no info */
		if ((err = dialog_info_require(NULL, tx, c->ids->items[i])) < 0)
			break;
		strbuf_reset(&dir);
		dialog_dir(&dir, c->ids->items[i]);
		for (size_t k = 0; k < c->nops && !err; k++) {
			int changed = 0;
			if (!strcmp(c->ops[k].verb, "tag"))
				err = record_tag(tx, dir.buf, c->ops[k].arg, &changed);
			else
				err = record_op(tx, dir.buf, c->ops[k].verb, c->ops[k].arg, NULL, &changed);
			any |= changed;
		}
		if (any) {
			c->changed++;
			strbuf_addf(&list, "%.7s\n", c->ids->items[i]);
		}
	}
	if (!err && c->changed) {
		if (c->changed == 1) {
			struct strbuf one = STRBUF_INIT;
			strbuf_add(&one, list.buf, 7);
			summary_with(&msg, c->summary, one.buf);
			strbuf_release(&one);
			strbuf_addch(&msg, '\n');
		} else {
			struct strbuf many = STRBUF_INIT;
			strbuf_addf(&many, "%zu dialogs", c->changed);
			summary_with(&msg, c->summary, many.buf);
			strbuf_release(&many);
			strbuf_addf(&msg, "\n\n%s", list.buf);
		}
		tx_message(tx, "%s", msg.buf);
	}
	strbuf_release(&dir);
	strbuf_release(&msg);
	strbuf_release(&list);
	return err;
}

/*
 * Applies ops to every dialog of ids as one change, whose commit message is
 * summary with "%s" standing for the dialog part: "ID" for one dialog,
 * "N dialogs" and the ids listed below for many.
 */
static int dialogs_apply(size_t *changed, struct dlg_store *s, const struct strlist *ids,
			 const struct dialog_op *ops, size_t nops, const char *summary)
{
	struct apply_ctx c = { ids, ops, nops, summary, 0 };
	int err = store_change(s, apply_fn, &c, NULL);
	if (changed)
		*changed = err < 0 ? 0 : c.changed;
	return err;
}

int dlg_assign(size_t *changed, struct dlg_store *s, const struct strlist *ids, const char *operator,
	       unsigned flags)
{
	const struct dialog_op op = { "assign", operator };
	struct strbuf summary = STRBUF_INIT;
	int err = dlg_assignee_check(operator);
	if (!err && !(flags & DLG_ASSIGN_ANY_NAME))
		err = dlg_assignee_known(s, operator);
	if (err < 0)
		return err;
	/* the name goes in as it is, even with a "%s" of its own */
	strbuf_addf(&summary, "assign %%s to %s", operator);
	err = dialogs_apply(changed, s, ids, &op, 1, summary.buf);
	strbuf_release(&summary);
	return err;
}

int dlg_unassign(size_t *changed, struct dlg_store *s, const struct strlist *ids)
{
	static const struct dialog_op op = { "unassign", NULL };
	return dialogs_apply(changed, s, ids, &op, 1, "unassign %s");
}

int dlg_close(size_t *changed, struct dlg_store *s, const struct strlist *ids)
{
	static const struct dialog_op op = { "close", NULL };
	return dialogs_apply(changed, s, ids, &op, 1, "close %s");
}

int dlg_reopen(size_t *changed, struct dlg_store *s, const struct strlist *ids)
{
	static const struct dialog_op op = { "reopen", NULL };
	return dialogs_apply(changed, s, ids, &op, 1, "reopen %s");
}

int dlg_tag(size_t *changed, struct dlg_store *s, const struct strlist *ids,
	    const struct strlist *changes)
{
	struct dialog_op *ops;
	struct strlist folded = STRLIST_INIT;
	struct strbuf summary = STRBUF_INIT;
	int err = 0;

	if (!changes->nr)
		return dlg_error(DLG_EINVALID, "no tag to add or remove");
	ops = xcalloc(changes->nr, sizeof(*ops));
	strbuf_addstr(&summary, "tag %s");
	for (size_t i = 0; i < changes->nr && !err; i++) {
		/* in the commit message as written: lowercase */
		if ((err = dlg_tag_change_check(changes->items[i])) < 0)
			break;
		strlist_push_nodup(&folded, tag_fold(changes->items[i]));
		strbuf_addf(&summary, " %s", folded.items[i]);
	}
	for (size_t i = 0; i < folded.nr; i++)
		ops[i] = (struct dialog_op){ "tag", folded.items[i] };
	if (!err)
		err = dialogs_apply(changed, s, ids, ops, changes->nr, summary.buf);
	free(ops);
	strlist_clear(&folded);
	strbuf_release(&summary);
	return err;
}
