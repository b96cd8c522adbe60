#ifndef DLG_STORE_TX_H
#define DLG_STORE_TX_H

#include <time.h>

#include "base/strbuf.h"
#include "git/gitlib.h"
#include "store/store.h"

/*
 * A change: the callback reads the tip through the transaction and records
 * writes; store_change() turns them into one commit (compare-and-swap on the
 * branch, rebuilt on a lost race) and then updates the view.  A callback that
 * changes nothing makes no commit.
 */
struct dlg_tx;
typedef int (*tx_fn)(struct dlg_tx *tx, void *payload);
/* New objects are kept in memory and written before the branch moves: loose
   for a small change, one packfile for a big one (an import). */
int store_change(struct dlg_store *s, tx_fn fn, void *payload, int *committed);

/* The same change made on the tree base instead of the tip, by actor at
   when, for a merge to complete what it merged: *out is the new tree, its
   objects written; nothing is committed. */
int store_change_tree(git_oid *out, struct dlg_store *s, const git_oid *base, const char *actor,
		      time_t when, tx_fn fn, void *payload);

int tx_read(struct strbuf *out, struct dlg_tx *tx, const char *path);
int tx_write(struct dlg_tx *tx, const char *path, const void *data, size_t len);
int tx_remove(struct dlg_tx *tx, const char *path);
/* Names directly inside dir (files and directories), sorted. */
int tx_list(struct strlist *out, struct dlg_tx *tx, const char *dir);
void tx_message(struct dlg_tx *tx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct dlg_store *tx_store(struct dlg_tx *tx);
const char *tx_operator(struct dlg_tx *tx);
time_t tx_time(struct dlg_tx *tx);

#endif
