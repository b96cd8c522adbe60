#include <string.h>

#include "base/error.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

struct apply_ctx {
	const struct strlist *ids;
	const struct dialog_op *ops;
	size_t nops;
	const char *summary;
	size_t changed;
};

int tag_valid(const char *tag)
{
	if (!*tag || *tag == '+' || *tag == '-' || strlen(tag) > 100)
		return 0;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ',')
			return 0;
	return 1;
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

static int apply_fn(struct dlg_tx *tx, void *payload)
{
	struct apply_ctx *c = payload;
	struct strbuf dir = STRBUF_INIT, msg = STRBUF_INIT, list = STRBUF_INIT;
	int err = 0;

	c->changed = 0; /* the callback runs again after a lost race */
	for (size_t i = 0; i < c->ids->nr && !err; i++) {
		int any = 0;
		strbuf_reset(&dir);
		dialog_dir(&dir, c->ids->items[i]);
		for (size_t k = 0; k < c->nops && !err; k++) {
			int changed = 0;
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

int dialogs_apply(struct dlg_store *s, const struct strlist *ids, const struct dialog_op *ops,
		  size_t nops, const char *summary, size_t *changed)
{
	struct apply_ctx c = { ids, ops, nops, summary, 0 };
	int err = store_change(s, apply_fn, &c, NULL);
	if (changed)
		*changed = c.changed;
	return err;
}
