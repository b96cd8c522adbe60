#ifndef DLG_STORE_SYNC_H
#define DLG_STORE_SYNC_H

#include "store/store.h"

enum sync_result { SYNC_UP_TO_DATE, SYNC_FAST_FORWARD, SYNC_MERGED };

/*
 * Merges the commit named by ref (e.g. refs/remotes/b/main after a git
 * fetch) into the branch.  The merge cannot conflict; the rule, written in
 * store-format.md, is symmetric, so two clones that merge each other end
 * with the same tree:
 *  - a path changed on one side only takes that side;
 *  - a log changed on both sides becomes the sorted union of both, and the
 *    files derived from it are derived again; a msgmap file, the sorted
 *    union of its lines;
 *  - any other file changed on both sides keeps the version whose blob id
 *    is greater (for messages: the one furthest in delivery, sent > failed >
 *    sending > queued, first); a file deleted on one side and changed on
 *    the other is kept.
 */
int store_sync(enum sync_result *out, struct dlg_store *s, const char *ref);

/* DLG_EINVALID unless commit's tree is a dlg store of this format (its
   format file says so); ref names it in the message. */
int store_check_format(git_repository *repo, const git_oid *commit, const char *ref);

#endif
