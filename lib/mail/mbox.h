#ifndef DLG_MAIL_MBOX_H
#define DLG_MAIL_MBOX_H

#include <stddef.h>

/* Whether buf reads as an mbox: it starts with a "From " line. */
int mbox_is(const char *buf, size_t len);

/*
 * Calls each(msg, len, n, payload) for every message of the mbox in buf,
 * n counting from 1; returns the OR of what each returned (it goes on after
 * a nonzero one).  Messages start at "From " lines, which are not part of
 * them; ">From " quoting is undone (mboxrd).  Inside an unfinished multipart
 * body a "From " line is content (an attached patch or mbox), not the next
 * message.
 */
typedef int (*mbox_msg_fn)(const char *msg, size_t len, size_t n, void *payload);
int mbox_split(const char *buf, size_t len, mbox_msg_fn each, void *payload);

#endif
