#ifndef DLG_CMD_H
#define DLG_CMD_H

#include "base/emoji.h"
#include "base/error.h"
#include "base/strbuf.h"
#include "input.h"
#include "output.h"
#include "parse-options.h"
#include "store/store.h"

/*
 * The dlg command: a thin front end over lib/.  Each cmd/NAME.c parses its
 * arguments (parse-options.h), gathers its input (input.h), calls the
 * library and prints (output.h); cmd/dlg.c dispatches.
 */
struct dlg_ctx {
	const char *dir;           /* -C DIR */
	struct dlg_store *store;   /* opened by the dispatcher for NEED_STORE commands */
	int color;                 /* colour escapes in the output: color_auto() or --color */
};

#define CMD(name) int cmd_##name(int argc, char **argv, struct dlg_ctx *ctx)
CMD(init); CMD(clone); CMD(import); CMD(list); CMD(show); CMD(reply); CMD(note);
CMD(assign); CMD(close); CMD(reopen); CMD(tag); CMD(user); CMD(sync); CMD(fsck);
CMD(help); CMD(reindex); CMD(channel); CMD(fetch); CMD(send); CMD(operator); CMD(config); CMD(template); CMD(emoji); CMD(trigger);
CMD(attachment); CMD(search); CMD(log); CMD(hook); CMD(chat); CMD(gc);
/* The command being run, as messages name it ("dlg: CMD: ..."). */
extern const char *cmd_name;

/* dlg list, and dlg search (search set): the listing, of the query the
   arguments make when there are some (list.c). */
int list_or_search(int argc, char **argv, struct dlg_ctx *ctx, const char *const *usage, int search);
/* The line under a dialog that dlg search found: where the words are (search.c). */
void search_snippet_print(struct dlg_ctx *ctx, const char *snippet, size_t width);

/* User names and passwords for dlg clone and dlg sync from git's credential
   helpers (git credential fill, approve, reject: sync.c). */
struct sync_credentials;
const struct sync_credentials *cmd_git_credentials(void);
/* In a clone of a hub, which alone sends: takes what is queued here to the
   hub by a sync with the upstream (sync.c); an exit code. */
int sync_to_hub(struct dlg_ctx *ctx, int quiet);

/* The absolute path of the running dlg (for the hooks it writes and the
   senders it starts); 1 (the exit code) after saying why not. */
int self_path(struct strbuf *out);

/* The store's after_change hook: starts dlg gc --auto, detached, when it
   is due (gc.c). */
void gc_auto_after_change(struct dlg_store *s);

/* dlg send's work, which reply --send and trigger --send run too: sends the
   outbox of ids (all when NULL) and reports each message (send.c). */
int send_dialogs(struct dlg_ctx *ctx, const struct strlist *ids, int force, int quiet);

#endif
