#ifndef DLG_ORDER_H
#define DLG_ORDER_H

#include <time.h>

#include "base/strbuf.h"
#include "store/message.h"
#include "store/tx.h"

/*
 * The order of a record's timeline: a dialog's messages (cur/) and the notes
 * of a dialog or a user (notes/), the same for every reader and in every
 * clone (store-format.md, "Order").  Items sort by the second in their file
 * name, then by the sequence dlg wrote into them (X-Dlg-Sequence in a
 * message's block, Sequence: in a note; 0 when there is none), then
 * messages before notes, then by name, bytewise.  Two items a clone made in
 * one second differ in sequence; items two clones made concurrently may
 * share one, and the rest of the key decides, alike in every clone.
 */

/* A larger sequence is unreadable (0); a record at the limit stamps new
   items with the limit itself, as the operation logs' clocks do. */
#define ORDER_SEQ_MAX (1UL << 62)

struct order_key {
	time_t time;        /* the second in the file name */
	unsigned long seq;
	int note;           /* a note: after the messages of equal time and sequence */
	const char *name;   /* borrowed */
};

int order_cmp(const struct order_key *a, const struct order_key *b);
/* qsort()'s comparison of an array of struct order_key. */
int order_cmp_qsort(const void *a, const void *b);

/* A sequence as written: digits only, at most ORDER_SEQ_MAX; else 0. */
unsigned long order_seq_parse(const char *s);

/* The first part of a note's name, the second it was made:
   "20261125T100000Z".  A note's name is that, '-' and 8 random hex digits. */
void note_name_second(struct strbuf *out, time_t t);
/* The second in a note's name, or 0. */
time_t note_name_time(const char *name);

void order_key_message(struct order_key *k, const struct stored_msg *m);
/* A note from its name and bytes (its Sequence: field). */
void order_key_note(struct order_key *k, const char *name, const char *buf, size_t len);

/* Reads the message of that name into m: 0, or < 0 to pass it over. */
typedef int order_read_fn(struct stored_msg *m, const char *name, void *ctx);
/* The last message in order among those of the sorted names that read
   accepts: names start with their second, so it is in the last second that
   has one, and only that second's are read.  0, else DLG_ENOTFOUND. */
int order_last_message(struct stored_msg *out, const struct strlist *names, order_read_fn *read,
		       void *ctx);

/* The sequence of what a change writes into the record at dir at its time
   (tx_time): one more than the largest among the record's messages and
   notes named with that second, 1 when there is none.  Only those are read. */
int order_next_seq(unsigned long *out, struct dlg_tx *tx, const char *dir);

#endif
