#ifndef DLG_CHANNEL_FETCH_H
#define DLG_CHANNEL_FETCH_H

#include "base/strbuf.h"
#include "channel/channel.h"
#include "channel/driver.h"
#include "store/import.h"

/* Whether there is anything to fetch from ch: an email channel set up only
   to send (no --imap) has nothing. */
int channel_fetches(const struct channel *ch);

/* Fetches one page from channel ch and commits it; res counts it, *more
   says the channel holds more. */
int channel_fetch(struct import_result *res, struct strlist *warnings, int *more,
		  struct channel *ch, const struct fetch_opts *o);

#endif
