#ifndef DLG_VIEW_H
#define DLG_VIEW_H

#include "store/store.h"
#include "store/viewfs.h"

/* What the view's writer (view.c) and its checker (fsck.c) share. */

/* Is this tree path shown in the view?  msgmap/ is not. */
/* Brings the view up to the branch tip when they differ. */
int store_view_update(struct dlg_store *s);
/* What a change wrote, path by path, for the view to follow without a diff. */
struct view_edit {
	const char *path;
	const char *data;
	size_t len;
	int remove;
	int same; /* `from` has this content at path: nothing to write */
};
/* When the view shows `from`, applies edits and records `to`; otherwise
   (another process moved it) falls back to store_view_update().  The view
   shows `from`, so a file an edit changes is replaced without a look at
   what it held. */
int store_view_follow(struct dlg_store *s, const git_oid *from, const git_oid *to,
		      const struct view_edit *edits, size_t n);
/* The commit the view shows (DLG_ENOTFOUND when none is recorded). */
int store_view_commit(git_oid *out, struct dlg_store *s);

int view_has(const char *rel);
/* dialogs/xx/yy/ID: a Maildir, with new/ and tmp/ beside cur/. */
int view_is_dialog_dir(const char *rel);
/* Makes the Maildir's new/ and tmp/ (git keeps no empty directory) in the
   dialog directory dirfd. */
void view_make_maildir(int dirfd);
/*
 * Mail readers (store-format.md, "The view and mail readers").  A reader
 * marks a message by renaming cur/BASE:2,FLAGS to other flags: the same
 * message.  Returns the name in names that is name's up to and including
 * ":2," with other flags, else NULL.
 */
const char *view_renamed_message(const struct strlist *names, const char *name);
/* A file or directory that mail tools keep in directory rel of the view
   (the store's top, a dialog's Maildir): never dlg's, never extra. */
int view_reader_file(const char *rel, const char *name);

/* Writes blob oid at name in dirfd (rel names it). */
int view_write_blob(struct viewfs *v, struct dlg_store *s, int dirfd, const char *name, const char *rel,
		    const git_oid *oid);
/* Records in .git/dlg/view the commit the files show. */
int view_record(struct dlg_store *s, const git_oid *commit);

/* Reads a view file relative to the store root. */
int view_read(struct strbuf *out, struct dlg_store *s, const char *rel);
/* Names in a view directory, sorted; a missing directory is empty. */
int view_list(struct strlist *out, struct dlg_store *s, const char *rel);

#endif
