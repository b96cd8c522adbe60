#ifndef DLG_VIEW_H
#define DLG_VIEW_H

#include "store.h"
#include "viewfs.h"

/* What the view's writer (view.c) and its checker (fsck.c) share. */

/* Is this tree path shown in the view?  msgmap/ is not. */
int view_has(const char *rel);
/* dialogs/xx/yy/ID: a Maildir, with new/ and tmp/ beside cur/. */
int view_is_dialog_dir(const char *rel);
/* Makes the Maildir's new/ and tmp/ (git keeps no empty directory) in the
   dialog directory dirfd. */
void view_make_maildir(int dirfd);
/* Writes blob oid at name in dirfd (rel names it). */
int view_write_blob(struct viewfs *v, struct dlg_store *s, int dirfd, const char *name, const char *rel,
		    const git_oid *oid);
/* Records in .git/dlg/view the commit the files show. */
int view_record(struct dlg_store *s, const git_oid *commit);

#endif
