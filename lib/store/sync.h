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

/* The same; with SYNC_CONTAIN_THEIRS main ends containing ref (a merge
   commit, never "main stays" when the trees agree), so main can be pushed
   where ref came from without forcing. */
#define SYNC_CONTAIN_THEIRS 1u
int store_sync_flags(enum sync_result *out, struct dlg_store *s, const char *ref, unsigned flags);

/* refs/dlg/last-sync: main as it was before the last sync (dlg list
   --changed-since last-sync). */
#define SYNC_LAST_REF "refs/dlg/last-sync"
int store_mark_last_sync(struct dlg_store *s);
/* The ids of the dialogs whose directory differs between the commit rev
   names ("last-sync" for SYNC_LAST_REF) and main, sorted. */
int store_changed_dialogs(struct strlist *out, struct dlg_store *s, const char *rev);

/* DLG_EINVALID unless commit's tree is a dlg store of this format (its
   format file says so); ref names it in the message. */
int store_check_format(git_repository *repo, const git_oid *commit, const char *ref);

#endif
