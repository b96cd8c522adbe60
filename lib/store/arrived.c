/*
 * What arrived with a sync: the tree difference between main before and
 * after it, read as dialogs, customer messages and operators' operations.
 * Everything counted comes from the other side (a hostile peer's files
 * are only counted, never trusted further: an actor is a log field or a
 * header value, copied as text for the front end to print safely).
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "git/error.h"
#include "git/treediff.h"
#include "store/arrived.h"
#include "store/layout.h"
#include "store/message.h"
#include "store/oplog.h"
#include "store/record.h"

struct walk {
	struct sync_arrived *out;
	git_repository *repo;
	struct strbuf a, b;
	int failed;       /* the error slot says why */
};

static int read_blob(struct strbuf *out, git_repository *repo, const git_oid *id)
{
	git_blob *blob = NULL;
	int err;

	strbuf_reset(out);
	if (!id)
		return 0;
	if ((err = git_blob_lookup(&blob, repo, id)) < 0)
		return dlg_error_git(err, "read blob");
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

static void count(struct sync_arrived *out, const char *actor, enum arrived_kind kind, const char *arg)
{
	for (size_t i = 0; i < out->nr; i++) {
		struct arrived_count *c = &out->ops[i];
		if (c->kind == kind && !strcmp(c->actor, actor) &&
		    (c->arg ? arg && !strcmp(c->arg, arg) : !arg)) {
			c->n++;
			return;
		}
	}
	ALLOC_GROW(out->ops, out->nr + 1, out->alloc);
	out->ops[out->nr++] = (struct arrived_count){ xstrdup(actor), kind, arg ? xstrdup(arg) : NULL, 1 };
}

static void count_op(struct sync_arrived *out, const struct op *op)
{
	const char *arg = op->nargs ? op->args[0] : NULL;

	if (!strcmp(op->verb, "assign") && arg)
		count(out, op->actor, ARRIVED_ASSIGN, arg);
	else if (!strcmp(op->verb, "unassign"))
		count(out, op->actor, ARRIVED_UNASSIGN, NULL);
	else if (!strcmp(op->verb, "close"))
		count(out, op->actor, ARRIVED_CLOSE, NULL);
	else if (!strcmp(op->verb, "reopen"))
		count(out, op->actor, ARRIVED_REOPEN, NULL);
	else if (!strcmp(op->verb, "tag") && arg && (*arg == '+' || *arg == '-') && arg[1])
		count(out, op->actor, *arg == '+' ? ARRIVED_TAG : ARRIVED_UNTAG, arg + 1);
}

/* The operations of the new log that the old one lacks. */
static void count_log(struct walk *w)
{
	struct oplog old = OPLOG_INIT, new = OPLOG_INIT;
	struct strlist seen = STRLIST_INIT;

	oplog_parse(&old, w->a.buf, w->a.len);
	oplog_parse(&new, w->b.buf, w->b.len);
	for (size_t i = 0; i < old.nr; i++)
		strlist_push(&seen, old.ops[i].line);
	strlist_sort(&seen);
	for (size_t i = 0; i < new.nr; i++)
		if (!strlist_has_sorted(&seen, new.ops[i].line))
			count_op(w->out, &new.ops[i]);
	strlist_clear(&seen);
	oplog_clear(&old);
	oplog_clear(&new);
}

static int message_is_outgoing(const char *path)
{
	const char *flags = strstr(strrchr(path, '/'), ":2,");
	return flags && strchr(flags + 3, 'S');
}

static int note_file(const char *path, const git_oid *old_id, const git_oid *new_id, void *payload)
{
	struct walk *w = payload;
	const char *base = strrchr(path, '/');
	int err = 0;

	if (!layout_is_dialog(path) || !base || !new_id)
		return 0;
	base++;
	if (!old_id && !strcmp(base, "info")) {
		w->out->dialogs++;
	} else if (!old_id && layout_is_message(path) && !message_is_outgoing(path)) {
		w->out->messages++;
	} else if (!old_id && layout_is_message(path)) {
		if ((err = read_blob(&w->b, w->repo, new_id)) < 0)
			goto fail;
		if (!message_block_get(&w->a, w->b.buf, w->b.len, "X-Dlg-Operator"))
			count(w->out, w->a.buf, ARRIVED_ANSWER, NULL);
	} else if (!old_id && strstr(path, "/notes/")) {
		char *author;
		if ((err = read_blob(&w->b, w->repo, new_id)) < 0)
			goto fail;
		if ((author = kv_get(w->b.buf, w->b.len, "Author"))) {
			count(w->out, author, ARRIVED_NOTE, NULL);
			free(author);
		}
	} else if (!strcmp(base, "log")) {
		if ((err = read_blob(&w->a, w->repo, old_id)) < 0 ||
		    (err = read_blob(&w->b, w->repo, new_id)) < 0)
			goto fail;
		count_log(w);
	}
	return 0;
fail:
	w->failed = 1;
	return err;
}

static int by_actor_kind_arg(const void *x, const void *y)
{
	const struct arrived_count *a = x, *b = y;
	int c = strcmp(a->actor, b->actor);
	if (c)
		return c;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return strcmp(a->arg ? a->arg : "", b->arg ? b->arg : "");
}

int sync_arrived(struct sync_arrived *out, git_repository *repo, const git_oid *before,
		 const git_oid *after)
{
	struct walk w = { out, repo, STRBUF_INIT, STRBUF_INIT, 0 };
	git_tree *bt = NULL, *at = NULL;
	int err;

	if ((before && (err = tree_of_commit(&bt, repo, before)) < 0) ||
	    (err = tree_of_commit(&at, repo, after)) < 0) {
		err = dlg_error_git(err, "read trees");
	} else if ((err = tree_diff(repo, bt, at, note_file, &w)) < 0) {
		if (!w.failed)
			err = dlg_error_git(err, "compare trees");
	} else if (out->nr) {
		qsort(out->ops, out->nr, sizeof(*out->ops), by_actor_kind_arg);
	}
	git_tree_free(bt);
	git_tree_free(at);
	strbuf_release(&w.a);
	strbuf_release(&w.b);
	return err;
}

void sync_arrived_clear(struct sync_arrived *a)
{
	for (size_t i = 0; i < a->nr; i++) {
		free(a->ops[i].actor);
		free(a->ops[i].arg);
	}
	free(a->ops);
	*a = (struct sync_arrived)SYNC_ARRIVED_INIT;
}
