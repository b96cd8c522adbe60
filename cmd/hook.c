/*
 * dlg hook: what a hub's git hooks run (dlg init --hub writes them).  The
 * updates come as arguments and stdin is /dev/null, so no dlg command ever
 * takes git's list of updates for dialog ids.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "store/hub.h"
#include "store/index.h"

static const char *const hook_usage[] = {
	"dlg hook pre-receive [OLD NEW REF]...",
	"dlg hook post-receive [OLD NEW REF]...",
	"",
	"What a hub's git hooks run (see dlg-hook(1)): pre-receive refuses any",
	"update that is not a dlg change moving main forward; post-receive brings",
	"the view and the index to the new tip and starts dlg send in the background.",
	NULL,
};

static int pre_receive(struct dlg_ctx *ctx, int argc, char **argv)
{
	int ret = 0;
	for (int i = 0; i + 2 < argc; i += 3)
		if (hub_check_update(ctx->store, argv[i], argv[i + 1], argv[i + 2]) < 0)
			ret = error_last();
	return ret;
}

static int outbox_has_entries(struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	int any = 0;
	strbuf_addf(&path, "%s/outbox", s->root);
	if ((d = opendir(path.buf))) {
		while (!any && (de = readdir(d)))
			any = de->d_name[0] != '.';
		closedir(d);
	}
	strbuf_release(&path);
	return any;
}

/* dlg send in a session of its own, its output appended to .git/dlg/send.log:
   the pusher does not wait for the channels, and send.lock keeps one
   sender at a time however many pushes start one. */
static int start_sender(struct dlg_ctx *ctx)
{
	struct strbuf self = STRBUF_INIT, log = STRBUF_INIT;
	pid_t pid;
	if (self_path(&self))
		return 1;
	strbuf_addf(&log, "%s/send.log", ctx->store->dlgdir);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY), out = open(log.buf, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (in < 0 || out < 0 || setsid() < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(127);
		execl(self.buf, "dlg", "-C", ctx->store->root, "send", (char *)NULL);
		_exit(127);
	}
	strbuf_release(&self);
	strbuf_release(&log);
	return pid < 0 ? error_msg("cannot start dlg send: %s", strerror(errno)) : 0;
}

static int post_receive(struct dlg_ctx *ctx)
{
	struct dlg_index *ix = NULL;
	int ret = 0;
	/* the view came to the tip as this command started; the index follows */
	if (index_open(&ix, ctx->store) < 0 || index_update(ix, NULL) < 0)
		ret = error_last();
	index_free(ix);
	if (store_is_hub(ctx->store) && outbox_has_entries(ctx->store) && start_sender(ctx))
		ret = 1;
	return ret;
}

CMD(hook)
{
	const struct opt opts[] = { OPT_END() };

	argc = parse_options(argc, argv, opts, hook_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc < 1 || (argc - 1) % 3)
		return usage_with_options(hook_usage, opts, 0);
	if (!strcmp(argv[0], "pre-receive"))
		return pre_receive(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "post-receive"))
		return post_receive(ctx);
	return error_usage("no hook '%s'; see dlg hook --help", argv[0]);
}
