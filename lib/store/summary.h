#ifndef DLG_SUMMARY_H
#define DLG_SUMMARY_H

#include <time.h>

#include "store/message.h"
#include "store/order.h"
#include "store/record.h"
#include "store/store.h"
#include "store/view.h"

/*
 * What list and show read, taken from the view (the files of the tip;
 * callers run store_view_update() first).
 */
struct dialog_summary {
	char id[17];
	struct dialog_info info;
	int closed;
	char *assignee;          /* NULL when unassigned */
	struct strlist tags;
	char *user_name;         /* the card's name, else the user's first identity */
	size_t nmsgs;
	time_t last_at;
	int waiting;             /* open, and the last message came from the customer */
	time_t waiting_since;    /* waiting: the time of the first message after the operators' last; else 0 */
	char *preview;           /* one line from the last message */
};

int dialog_summary_load(struct dialog_summary *d, struct dlg_store *s, const char *id);
void dialog_summary_clear(struct dialog_summary *d);

/* Every dialog id in the view, sorted. */
int dialog_ids_all(struct strlist *out, struct dlg_store *s);

/* A dialog's messages, in timeline order (store/order.h). */
int dialog_messages_load(struct stored_msg **out, size_t *n, struct dlg_store *s,
			 const char *id, unsigned mime_flags);
/* Only those named with a second at or after since (0: all).  Names start
   with their second, so the rest are not read: later items of a timeline
   are always among these. */
int dialog_messages_load_since(struct stored_msg **out, size_t *n, struct dlg_store *s, const char *id,
			       time_t since, unsigned mime_flags);
/* The file names in a dialog's cur/, sorted (by second, as names start with it). */
void dialog_message_names(struct strlist *out, struct dlg_store *s, const char *id);
/* The newest of them in timeline order: only the newest second's messages
   are read.  0, else DLG_ENOTFOUND. */
int dialog_newest_message(struct stored_msg *out, struct dlg_store *s, const char *id,
			  const struct strlist *names);
void dialog_messages_free(struct stored_msg *msgs, size_t n);

struct note {
	char *name;
	char *author;
	time_t date;
	char *text;
	struct order_key order;  /* its name is the note's */
};
/* Notes of the record at dir ("dialogs/…" or "users/…"), in timeline order. */
int notes_load(struct note **out, size_t *n, struct dlg_store *s, const char *dir);
void notes_free(struct note *notes, size_t n);

/* An operation of a dialog that lost its value to a concurrent one: its
   writer had not seen the operation that replaced it (store-format.md,
   "Dialog state"). */
struct dialog_conflict {
	const char *actor, *verb, *value, *time;      /* the operation that lost */
	const char *by_actor, *by_verb, *by_value, *by_time;
};
struct dialog_conflicts {
	struct oplog log;                 /* the strings above point into it */
	struct dialog_conflict *items;
	size_t nr;
};
int dialog_conflicts_load(struct dialog_conflicts *out, struct dlg_store *s, const char *id);
void dialog_conflicts_clear(struct dialog_conflicts *c);

/* A user's state from the view; DLG_ENOTFOUND (st empty) when there is no such user. */
int user_state_read(struct user_state *st, struct dlg_store *s, const char *uid);


/* The name people know a user by: card name, else first identity, else the id. */
char *user_display_name(struct dlg_store *s, const char *uid);
/* The opening of a message on one line: quotes and signature skipped. */
void text_preview(struct strbuf *out, const char *text, size_t cols);

#endif
