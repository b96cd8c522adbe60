#ifndef DLG_ANSWERS_H
#define DLG_ANSWERS_H

#include <jansson.h>

#include "base/strbuf.h"

/*
 * The chat gateway's index of the answers in the spool's out/ (one file
 * per answer, written there by dlg send): whose each file is, in the order
 * the files were written (their change time, then name).  out/ is read
 * once; after that the gateway reports each name inotify gives it.  Not
 * safe for concurrent use: the gateway holds a lock around it.
 */
struct answer_index;

/* Indexes the out/ directory open on outdir (kept, not closed). */
int answer_index_new(struct answer_index **out, int outdir);
void answer_index_free(struct answer_index *idx);

/* out/NAME was created, replaced or removed: look at it again.  The
   visitor whose answers changed goes into changed (empty: nobody's). */
void answer_index_update(struct strbuf *changed, struct answer_index *idx, const char *name);
/* Reads out/ again, after changes went unreported (an inotify overflow). */
int answer_index_rescan(struct answer_index *idx);

/* A number that changes whenever the visitor's answers change. */
unsigned long answer_index_generation(const struct answer_index *idx, const char *visitor);

/* The visitor's answers, oldest first; those after the answer whose id is
   after, when it is one of them: a new JSON array in *out.  Each file is
   read again, and one that is no longer this visitor's is left out. */
int answer_index_replies(json_t **out, const struct answer_index *idx, const char *visitor,
			 const char *after);

#endif
