#ifndef DLG_STORE_LAYOUT_H
#define DLG_STORE_LAYOUT_H

#include "base/strbuf.h"
#include "git/gitlib.h"

/*
 * The paths a store's tree may hold (store-format.md, "Paths"), checked
 * before any part of a tree from outside reaches the disk or the branch:
 * a peer's commit (dlg sync, dlg clone), a branch moved by git.  Like git's
 * verify_path(), and stricter: only the layout of store format 1.
 *
 * The *_problem() functions return NULL when all is well, else a short
 * reason ("a symbolic link") for a message.
 */

/* One component of a path: not empty, "." or "..", no '/', '\' or
   control character, and not .git in any spelling a file system could take
   for it (case, trailing dots and spaces, "git~1", NTFS streams, code
   points HFS+ ignores). */
const char *tree_name_problem(const char *name);
/* A whole path, components joined by '/', as a tree entry of that raw git
   mode (GIT_FILEMODE_BLOB or GIT_FILEMODE_TREE; no links, gitlinks or
   executables) at that place in the layout. */
const char *tree_path_problem(const char *path, unsigned int mode);
/* A tree entry found at path: its own name (which could hold a '/'), its
   raw mode and its place. */
const char *tree_entry_problem(const char *path, const git_tree_entry *e);

static inline int tree_name_valid(const char *name)
{
	return !tree_name_problem(name);
}

static inline int tree_path_valid(const char *path, unsigned int mode)
{
	return !tree_path_problem(path, mode);
}

/* Appends path for a message: printable ASCII as it is, any other byte
   and the backslash as \xNN, so a hostile name cannot steer a terminal
   nor hide what it is. */
void tree_path_quote(struct strbuf *out, const char *path);

/* Sets "refusing SUBJECT: path 'PATH': WHY" as the error and returns
   DLG_EINVALID. */
int tree_path_refuse(const char *subject, const char *path, const char *why);

/* Checks every entry that tree `to` adds or changes relative to `from`
   (NULL: the empty tree), opening only subtrees that differ, so the cost
   follows the change; DLG_EINVALID on the first bad one (tree_path_refuse,
   SUBJECT names `to` for people: a ref, "main (3f9a2c1)"). */
int tree_check_change(git_repository *repo, const git_tree *from, const git_tree *to, const char *subject);
/* The same between the trees of two commits (from may be NULL). */
int tree_check_commits(git_repository *repo, const git_oid *from, const git_oid *to, const char *subject);

/*
 * Building the paths of the layout: every part of dlg that names a file of
 * the tree does it through these, so this file is the one place that knows
 * where things are (store-format.md, "Layout").  Each appends to out.
 */
/* dialogs/3f/9a/ID and users/3f/9a/ID: sharded by the id's first four digits. */
void dialog_dir(struct strbuf *out, const char *id);
void user_dir(struct strbuf *out, const char *id);
/* operators/NAME: few enough for one directory. */
void operator_dir(struct strbuf *out, const char *name);
/* Whether path is a record's directory: dialogs/ab/cd/ID, users/ab/cd/ID or operators/NAME. */
int record_dir_is(const char *path);
int layout_is_dialog(const char *path);   /* under dialogs/ */
int layout_is_user(const char *path);     /* under users/ */
int layout_is_msgmap(const char *path);   /* msgmap or under it */
/* A record's file (info, log, status, assignee, tags, card): DIR/NAME. */
void layout_record_file(struct strbuf *out, const char *dir, const char *name);
/* A dialog's message: DIR/cur/FILE. */
void layout_message(struct strbuf *out, const char *dir, const char *file);
/* The same by the dialog's id: dialogs/3f/9a/ID/cur/FILE. */
void layout_dialog_message(struct strbuf *out, const char *id, const char *file);
/* Whether path is a message: .../cur/... */
int layout_is_message(const char *path);
/* A record's notes: DIR/notes, and one of them, DIR/notes/NAME. */
void layout_notes(struct strbuf *out, const char *dir);
void layout_note(struct strbuf *out, const char *dir, const char *name);
/* outbox/KEY, msgmap/ab/cd (the file holding KEY), templates/NAME. */
void layout_outbox_entry(struct strbuf *out, const char *key);
void layout_msgmap_file(struct strbuf *out, const char *key);
void layout_template(struct strbuf *out, const char *name);
/* popups/ID: a page pop-up (store/popup.h). */
void layout_popup(struct strbuf *out, const char *id);

#endif
