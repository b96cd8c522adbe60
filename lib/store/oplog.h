#ifndef DLG_OPLOG_H
#define DLG_OPLOG_H

#include <time.h>

#include "base/strbuf.h"

/*
 * The operation log of a dialog or a user: one line per change,
 *   LAMPORT TIME ACTOR VERB [ARG...]
 * fields separated by one space and percent-encoded (util.h field_encode).
 * The file is kept sorted by (lamport, time, actor, line) and free of
 * duplicates, so two clones' logs merge by a sorted union of lines and
 * every clone replays the same operations in the same order.
 */
#define OP_MAXARGS 3
/* A larger clock makes a line unreadable (kept, not replayed); a log at the
   limit stamps new operations with it, never with a clock that wrapped. */
#define OPLOG_LAMPORT_MAX (1UL << 62)

struct op {
	unsigned long lamport;
	char *time;
	char *actor;
	char *verb;
	char *args[OP_MAXARGS];
	int nargs;
	char *line;
};

struct oplog {
	struct op *ops;
	size_t nr, alloc;
	unsigned long max_lamport;
};
#define OPLOG_INIT { NULL, 0, 0, 0 }

/* Parses every well-formed line; malformed lines are kept out of ops but
   survive oplog_format (they are carried through unchanged). */
void oplog_parse(struct oplog *log, const char *buf, size_t len);
/* Adds an operation stamped lamport max+1. */
void oplog_add(struct oplog *log, time_t t, const char *actor, const char *verb,
	       const char *a1, const char *a2);
/* The same with the time as the log writes it (ISO 8601): for operations a
   merge adds, which must come out alike in every clone. */
void oplog_add_at(struct oplog *log, const char *time, const char *actor, const char *verb,
		  const char *a1, const char *a2);
/* Sorted, deduplicated text of the log. */
void oplog_format(struct strbuf *out, struct oplog *log);
void oplog_clear(struct oplog *log);
/* The sorted union of two logs' texts. */
void oplog_union(struct strbuf *out, const char *a, size_t alen, const char *b, size_t blen);

/* Op-log fields are space separated: encodes space, %, controls as %XX. */
void field_encode(struct strbuf *out, const char *s);
void field_decode(struct strbuf *out, const char *s, size_t len);


#endif
