#ifndef DLG_RECORD_H
#define DLG_RECORD_H

#include <time.h>

#include "base/strbuf.h"
#include "store/oplog.h"
#include "store/store.h"
#include "store/tx.h"

/*
 * Dialogs and users are "records": a directory with an append-only
 * operation log (log) and files derived from it that people read with cat
 * (a dialog's status, assignee and tags; a user's card).  Derived files are
 * a pure function of the log, so after a merge they are simply derived
 * again from the merged log.
 */


/* One operation that lost its value to a concurrent one (ops[lost] was
   replaced by ops[by], whose writer had not seen it). */
struct op_override {
	size_t lost, by;
};

struct dialog_state {
	int closed;
	char *assignee;          /* NULL when unassigned */
	struct strlist tags;     /* sorted */
	/* The Lamport clocks of the operations that set the status and the
	   assignee (0: none): a new operation names them as its base. */
	unsigned long status_clock, assignee_clock;
	/* The last close's count of customer messages (-1: it counted none,
	   the close of an older dlg, which covers them all). */
	long seen;
	int reopened_by_customer; /* closed, but a customer wrote since */
	struct op_override *overridden;
	size_t noverridden;
};
/*
 * Replays a dialog's log.  incoming is how many customer messages the
 * dialog holds, or -1 when unknown: a dialog closed by a close that saw
 * fewer is open again (store-format.md, "Dialog state").
 */
void dialog_state_replay(struct dialog_state *st, const struct oplog *log, long incoming);
void dialog_state_clear(struct dialog_state *st);
/* Whether a message file name in cur/ is a customer's (no S flag). */
int message_name_incoming(const char *name);
/* The customer messages among the names of a dialog's cur/. */
long dialog_count_incoming(const struct strlist *names);

struct user_state {
	char *name;
	struct strlist idents;   /* "kind value" */
	struct strlist props;    /* "key\tvalue", sorted by key */
	struct strlist dialogs;  /* dialog ids, oldest first */
	char *merged_into;       /* the user this one was merged into, or NULL */
};
void user_state_replay(struct user_state *st, const struct oplog *log);
void user_state_clear(struct user_state *st);
/* A property's value, or NULL. */
const char *user_state_prop(const struct user_state *st, const char *key);
/* The user's first identity of a kind ("email", "telegram"...), or NULL. */
const char *user_state_ident(const struct user_state *st, const char *kind);
/* The user a user id stands for: itself, or the user it was merged into
   (followed through a few merges). */
int user_resolve(char out[17], struct dlg_tx *tx, const char *uid);

/* An operator: a name people assign dialogs to, who can be away. */
struct operator_state {
	int known;               /* added, and not removed since */
	int away;
	char *email;
};
void operator_state_replay(struct operator_state *st, const struct oplog *log);
void operator_state_clear(struct operator_state *st);
/* Lowercase letters, digits, '.', '_' and '-'; not starting with '.' or '-'. */
int operator_name_valid(const char *name);

#define RECORD_MAX_DERIVED 3
struct derived_file {
	const char *name;
	struct strbuf content;
	int present;
};
/* Derives the files of the record at dir ("dialogs/…" or "users/…") from its
   log text and, for a dialog, the number of customer messages it holds (-1:
   unknown); returns how many entries of files[] were filled. */
size_t record_derive(struct derived_file files[RECORD_MAX_DERIVED], const char *dir,
		     const char *log, size_t len, long incoming);
/* Whether a dialog's derived status depends on its message count: its last
   status operation is a close that counted the messages it saw. */
int dialog_log_counts_messages(const char *log, size_t len);
void derived_files_release(struct derived_file *files, size_t n);

/* Appends an operation to the record at dir and rewrites its derived files.
   When the operation would not change any derived file (tag an already
   tagged dialog), nothing is written and *changed is 0. Verbs that only
   record history (dialog) always count as a change unless an identical
   verb+args is in the log already. */
int record_op(struct dlg_tx *tx, const char *dir, const char *verb,
	      const char *a1, const char *a2, int *changed);
int record_load(struct oplog *log, struct dlg_tx *tx, const char *dir);

/* Adds a note file under dir/notes/; the name sorts by time. */
int record_note(struct dlg_tx *tx, const char *dir, const char *text);

/* A dialog's info file: fixed at creation. */
struct dialog_info {
	char *channel;
	char *user;
	char *subject;
	time_t created;
};
void dialog_info_format(struct strbuf *out, const struct dialog_info *info);
void dialog_info_parse(struct dialog_info *info, const char *buf, size_t len);
void dialog_info_clear(struct dialog_info *info);

/* "key: value" lines of a small text file: the value of key, or NULL (caller frees). */
char *kv_get(const char *buf, size_t len, const char *key);

/* Validates a tag name (no white space, controls or commas; not empty). */
int tag_valid(const char *tag);
/* A tag as tags are compared and as dlg tag writes it: lowercase
   (utf8_fold_case(); store-format.md, "Tags").  The caller frees it. */
char *tag_fold(const char *tag);

#endif
