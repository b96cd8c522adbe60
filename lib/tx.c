/*
 * A transaction: the writes one command makes, applied to the branch tip as
 * one commit built from the previous tree with only the changed paths, so
 * its cost follows the number of changed paths, not the size of the store.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"
#include "util.h"

struct tx_update {
	char *path;
	git_oid oid;
	int remove;
};

struct dlg_tx {
	struct dlg_store *store;
	git_oid base_oid;
	git_tree *base_tree;
	struct tx_update *u;
	size_t nr, alloc;
	struct strbuf msg;
	time_t now;
};

struct dlg_store *tx_store(struct dlg_tx *tx) { return tx->store; }
time_t tx_time(struct dlg_tx *tx) { return tx->now; }

const char *tx_operator(struct dlg_tx *tx)
{
	const char *op = NULL;
	store_operator(&op, tx->store); /* resolved before the transaction began */
	return op ? op : "-";
}

static struct tx_update *tx_find(struct dlg_tx *tx, const char *path)
{
	for (size_t i = tx->nr; i-- > 0;)
		if (!strcmp(tx->u[i].path, path))
			return &tx->u[i];
	return NULL;
}

static struct tx_update *tx_slot(struct dlg_tx *tx, const char *path)
{
	struct tx_update *u = tx_find(tx, path);
	if (u)
		return u;
	ALLOC_GROW(tx->u, tx->nr + 1, tx->alloc);
	u = &tx->u[tx->nr++];
	memset(u, 0, sizeof(*u));
	u->path = xstrdup(path);
	return u;
}

static int read_blob(struct strbuf *out, git_repository *repo, const git_oid *oid, const char *path)
{
	git_blob *blob = NULL;
	int err = git_blob_lookup(&blob, repo, oid);
	if (err < 0)
		return dlg_error_git(err, path);
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

int tx_read(struct strbuf *out, struct dlg_tx *tx, const char *path)
{
	struct tx_update *u = tx_find(tx, path);
	git_tree_entry *e = NULL;
	int err;

	if (u) {
		if (u->remove)
			return DLG_ENOTFOUND;
		return read_blob(out, tx->store->repo, &u->oid, path);
	}
	err = git_tree_entry_bypath(&e, tx->base_tree, path);
	if (err == GIT_ENOTFOUND)
		return DLG_ENOTFOUND;
	if (err < 0)
		return dlg_error_git(err, path);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		err = DLG_ENOTFOUND;
	else
		err = read_blob(out, tx->store->repo, git_tree_entry_id(e), path);
	git_tree_entry_free(e);
	return err;
}

int tx_exists(struct dlg_tx *tx, const char *path)
{
	struct tx_update *u = tx_find(tx, path);
	git_tree_entry *e = NULL;
	size_t len = strlen(path);

	if (u)
		return !u->remove;
	/* A pending file below path makes it an existing directory. */
	for (size_t i = 0; i < tx->nr; i++)
		if (!tx->u[i].remove && !strncmp(tx->u[i].path, path, len) && tx->u[i].path[len] == '/')
			return 1;
	if (git_tree_entry_bypath(&e, tx->base_tree, path) < 0)
		return 0;
	git_tree_entry_free(e);
	return 1;
}

int tx_write(struct dlg_tx *tx, const char *path, const void *data, size_t len)
{
	git_oid oid;
	int err = git_blob_create_from_buffer(&oid, tx->store->repo, data, len);
	if (err < 0)
		return dlg_error_git(err, path);
	struct tx_update *u = tx_slot(tx, path);
	u->oid = oid;
	u->remove = 0;
	return 0;
}

int tx_remove(struct dlg_tx *tx, const char *path)
{
	if (!tx_exists(tx, path))
		return 0;
	tx_slot(tx, path)->remove = 1;
	return 0;
}

int tx_list(struct strlist *out, struct dlg_tx *tx, const char *dir)
{
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;
	size_t dlen = strlen(dir);
	struct strlist names = STRLIST_INIT;

	if (!git_tree_entry_bypath(&e, tx->base_tree, dir) &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    !git_tree_lookup(&sub, tx->store->repo, git_tree_entry_id(e))) {
		size_t n = git_tree_entrycount(sub);
		for (size_t i = 0; i < n; i++)
			strlist_push(&names, git_tree_entry_name(git_tree_entry_byindex(sub, i)));
	}
	git_tree_free(sub);
	git_tree_entry_free(e);
	for (size_t i = 0; i < tx->nr; i++) {
		const char *p = tx->u[i].path, *rest, *slash;
		if (tx->u[i].remove || strncmp(p, dir, dlen) || p[dlen] != '/')
			continue;
		rest = p + dlen + 1;
		slash = strchr(rest, '/');
		char *name = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
		if (strlist_has(&names, name))
			free(name);
		else
			strlist_push_nodup(&names, name);
	}
	/* Drop names removed in this transaction (files only; directories vanish with their last file). */
	for (size_t i = 0; i < names.nr;) {
		struct strbuf full = STRBUF_INIT;
		strbuf_addf(&full, "%s/%s", dir, names.items[i]);
		struct tx_update *u = tx_find(tx, full.buf);
		strbuf_release(&full);
		if (u && u->remove) {
			free(names.items[i]);
			names.items[i] = names.items[--names.nr];
		} else {
			i++;
		}
	}
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++)
		strlist_push_nodup(out, names.items[i]);
	free(names.items);
	return 0;
}

void tx_message(struct dlg_tx *tx, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(&tx->msg);
	va_start(ap, fmt);
	strbuf_vaddf(&tx->msg, fmt, ap);
	va_end(ap);
}

static void tx_clear(struct dlg_tx *tx)
{
	for (size_t i = 0; i < tx->nr; i++)
		free(tx->u[i].path);
	free(tx->u);
	tx->u = NULL;
	tx->nr = tx->alloc = 0;
	git_tree_free(tx->base_tree);
	tx->base_tree = NULL;
	strbuf_release(&tx->msg);
}

static int tx_begin(struct dlg_tx *tx, struct dlg_store *s)
{
	git_commit *c = NULL;
	int err;
	memset(tx, 0, sizeof(*tx));
	tx->store = s;
	tx->now = dlg_now();
	strbuf_init(&tx->msg, 0);
	if ((err = store_tip(&tx->base_oid, s)) < 0)
		return err;
	if ((err = git_commit_lookup(&c, s->repo, &tx->base_oid)) < 0 ||
	    (err = git_commit_tree(&tx->base_tree, c)) < 0)
		err = dlg_error_git(err, "read tip");
	git_commit_free(c);
	return err;
}

static int tx_commit(struct dlg_tx *tx, int *committed)
{
	git_tree_update *updates;
	git_oid tree_oid, commit_oid;
	int err;

	*committed = 0;
	if (!tx->nr)
		return 0;
	updates = xcalloc(tx->nr, sizeof(*updates));
	for (size_t i = 0; i < tx->nr; i++) {
		updates[i].action = tx->u[i].remove ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
		updates[i].id = tx->u[i].oid;
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = tx->u[i].path;
	}
	err = git_tree_create_updated(&tree_oid, tx->store->repo, tx->base_tree, tx->nr, updates);
	free(updates);
	if (err < 0)
		return dlg_error_git(err, "build tree");
	if (git_oid_equal(&tree_oid, git_tree_id(tx->base_tree)))
		return 0; /* nothing changed: no empty commit */
	if (!tx->msg.len)
		strbuf_addstr(&tx->msg, "change");
	if (tx->msg.buf[tx->msg.len - 1] != '\n')
		strbuf_addch(&tx->msg, '\n');
	err = store_commit_tree(&commit_oid, tx->store, &tree_oid, &tx->base_oid, 1, tx->msg.buf);
	if (!err)
		*committed = 1;
	return err;
}

int store_change(struct dlg_store *s, tx_fn fn, void *payload, int *committed)
{
	struct dlg_tx tx;
	const char *op;
	int err, done = 0, attempts = 0;

	if ((err = store_operator(&op, s)) < 0)
		return err;
	if ((err = store_lock(s)) < 0)
		return err;
	/* dlg writers hold the lock; the retry covers branch moves from outside
	   (git update-ref, a fetch into the branch). */
	do {
		if ((err = tx_begin(&tx, s)) == 0 && (err = fn(&tx, payload)) == 0)
			err = tx_commit(&tx, &done);
		tx_clear(&tx);
	} while (err == DLG_EMODIFIED && ++attempts < 100);
	if (!err)
		err = store_view_update(s);
	store_unlock(s);
	if (committed)
		*committed = done;
	return err;
}
