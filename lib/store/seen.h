#ifndef DLG_STORE_SEEN_H
#define DLG_STORE_SEEN_H

#include <time.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * What an operator has seen of a dialog, so that dlg reply can tell them
 * when another operator answered meanwhile (store-format.md, "What an
 * operator has seen").  dlg show records the newest message it displayed,
 * per operator, in .git/dlg/seen/OPERATOR/ID: local, never versioned,
 * one line, replaced whole.
 */

/* Records that operator was shown dialog id (a full id) up to message, a
   file name of its cur/. */
int seen_record(struct dlg_store *s, const char *operator, const char *id, const char *message);

/*
 * Where operator's knowledge of dialog id ends, as a message file name in
 * *mark: what dlg show last recorded, when that names a message the dialog
 * has; else the dialog's newest message now (what the caller is about to
 * read), "" when it has none.
 */
int seen_mark(struct strbuf *mark, struct dlg_store *s, const char *operator, const char *id);

/* An answer the operator had not seen. */
struct unseen_answer {
	char *operator;  /* who wrote it */
	time_t date;
};
void unseen_answer_clear(struct unseen_answer *a);

/*
 * The newest answer in dialog id, in timeline order after message mark,
 * written by an operator other than operator: 1 (and *out filled) when
 * there is one, 0 when there is none.  An empty mark is before every
 * message; a mark the dialog does not have finds nothing (no warning is
 * better than a false one).
 */
int seen_answer_after(struct unseen_answer *out, struct dlg_store *s, const char *operator,
		      const char *id, const char *mark);

#endif
