#ifndef DLG_SPOOL_H
#define DLG_SPOOL_H

#include "channel/channel.h"

/*
 * The website chat's spool directory (store-format.md): new/ and tmp/ for
 * visitor messages, out/ for answers, cur/ for what dlg committed.  The
 * site's account can write every directory here, so each is opened once
 * without following a symbolic link, and everything after is relative to
 * these descriptors: a path looked up twice could lead elsewhere the
 * second time.  Read by the chat driver (chat.c) and the gateway.
 */
struct spool {
	int top, tmp, new, cur, out, popups;
};
/* Missing directories are made, but new/ (and the spool itself, mode
   0700) only with SPOOL_MAKE_NEW: a reader that made it would wait forever
   on a spool nobody writes to; the gateway, which writes new/, makes it. */
enum { SPOOL_TMP = 1, SPOOL_NEW = 2, SPOOL_CUR = 4, SPOOL_OUT = 8, SPOOL_MAKE_NEW = 16, SPOOL_POPUPS = 32 };

/* Larger files are not visitor messages: 2 MB of attachments, base64, and room for text. */
#define SPOOL_MAX_FILE (8u << 20)

/* Opens the channel's spool and the subdirectories in `which`; tmp/, cur/,
   out/ and popups/ (the page pop-ups, popups.h) are made when missing. */
int spool_open(struct spool *sp, const struct channel *ch, int which);
/* The same for the spool at dir. */
int spool_open_dir(struct spool *sp, const char *dir, int which);
void spool_close(struct spool *sp);

#endif
