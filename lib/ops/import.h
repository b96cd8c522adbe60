#ifndef DLG_OPS_IMPORT_H
#define DLG_OPS_IMPORT_H

#include <stddef.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Importing messages a front end has read: raw email (RFC 5322 bytes), or
 * chat and pop-up messages as JSON in the chat spool's shape
 * (dlg-channel(1)).  store/import.h says how each finds its dialog.
 */
struct dlg_import_msg {
	const char *source;    /* how a skipped message is named: "FILE", "FILE#3", "FILE:12" */
	const char *data;
	size_t len;
};
struct dlg_import_opts {
	const char *channel;   /* email: the channel the mail came through (a configured
				  channel's name stands for its type); NULL: "email" */
	int json;              /* the messages are chat messages as JSON */
	const struct dlg_import_msg *msgs;
	size_t nmsgs;
};
struct dlg_import_result {
	struct strlist dialogs;   /* of every message given, those already in the
				     store included: sorted, each once */
	size_t imported;
	size_t duplicates;        /* already in the store: left out */
	size_t created;           /* new dialogs */
	struct strlist skipped;   /* "SOURCE: why" for each message that could not go in */
};
#define DLG_IMPORT_RESULT_INIT { STRLIST_INIT, 0, 0, 0, STRLIST_INIT }
void dlg_import_result_clear(struct dlg_import_result *r);

/* DLG_EINVALID when opts cannot import anything whatever the messages. */
int dlg_import_check(const struct dlg_import_opts *opts);

/*
 * Imports the messages, deduplicated, new dialogs assigned as the store's
 * assign.mode says.  Email goes in by its Date, parents before replies,
 * so a batch threads as it would one by one; JSON in the order given.  A
 * message that cannot go in is skipped (out->skipped) and the rest still
 * go.  Large imports are several changes (commits) of at most
 * DLG_IMPORT_BATCH messages, so memory stays bounded; should one fail, out
 * holds what the ones before it did, and the messages it skipped.
 */
#define DLG_IMPORT_BATCH 20000
int dlg_import(struct dlg_import_result *out, struct dlg_store *s, const struct dlg_import_opts *opts);

#endif
