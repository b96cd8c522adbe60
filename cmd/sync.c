#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "store/merge.h"
#include "store/remote.h"
#include "store/sync.h"

static const char *const sync_usage[] = {
	"dlg sync [-q | --json] [REMOTE...]",
	"dlg sync [-q] REF",
	"",
	"Shares this store with other clones: for each REMOTE (a configured",
	"remote, a URL or a path; none: the upstream dlg clone set) fetches its",
	"main, merges it and pushes main back, again when another clone pushed",
	"first; then says what arrived.  A REF (a commit fetched already) is only",
	"merged.  Merges never conflict; what no store may hold is refused whole.",
	NULL,
};

static const char *const merge_words[] = {
	[SYNC_UP_TO_DATE] = "up to date", [SYNC_FAST_FORWARD] = "fast-forward", [SYNC_MERGED] = "merged",
};

static const char *const kind_names[] = {
	[ARRIVED_ANSWER] = "answer", [ARRIVED_ASSIGN] = "assign", [ARRIVED_UNASSIGN] = "unassign",
	[ARRIVED_CLOSE] = "close",   [ARRIVED_REOPEN] = "reopen", [ARRIVED_TAG] = "tag",
	[ARRIVED_UNTAG] = "untag",   [ARRIVED_NOTE] = "note",
};

static const char *const kind_past[] = {
	[ARRIVED_ANSWER] = "answered", [ARRIVED_ASSIGN] = "assigned", [ARRIVED_UNASSIGN] = "unassigned",
	[ARRIVED_CLOSE] = "closed",    [ARRIVED_REOPEN] = "reopened", [ARRIVED_TAG] = "tagged",
	[ARRIVED_UNTAG] = "tagged",    [ARRIVED_NOTE] = "noted",
};

/* "bob: assigned 3 to themselves, closed 2; 4 new dialogs, 7 new messages" */
static void describe_arrived(struct strbuf *out, const struct sync_arrived *a)
{
	size_t start = out->len;

	for (size_t i = 0; i < a->nr; i++) {
		const struct arrived_count *c = &a->ops[i];
		if (i && !strcmp(a->ops[i - 1].actor, c->actor))
			strbuf_addstr(out, ", ");
		else
			strbuf_addf(out, "%s%s: ", i ? "; " : "", c->actor);
		strbuf_addf(out, "%s %zu", kind_past[c->kind], c->n);
		if (c->kind == ARRIVED_ASSIGN)
			strbuf_addf(out, " to %s", strcmp(c->arg, c->actor) ? c->arg : "themselves");
		else if (c->arg)
			strbuf_addf(out, " %c%s", c->kind == ARRIVED_TAG ? '+' : '-', c->arg);
	}
	if (a->dialogs || a->messages) {
		strbuf_addstr(out, out->len > start ? "; " : "");
		if (a->dialogs)
			strbuf_addf(out, "%zu new dialog%s", a->dialogs, a->dialogs == 1 ? "" : "s");
		if (a->messages)
			strbuf_addf(out, "%s%zu new message%s", a->dialogs ? ", " : "", a->messages,
				    a->messages == 1 ? "" : "s");
	}
	if (out->len == start)
		strbuf_addstr(out, "nothing new");
}

static void print_result(const struct sync_remote_result *r, int json)
{
	if (json) {
		json_t *o = json_object(), *ops = json_array();
		for (size_t i = 0; i < r->arrived.nr; i++) {
			const struct arrived_count *c = &r->arrived.ops[i];
			json_t *op = json_object();
			json_object_set_new(op, "operator", jstr(c->actor));
			json_object_set_new(op, "op", jstr(kind_names[c->kind]));
			if (c->arg)
				json_object_set_new(op, c->kind == ARRIVED_ASSIGN ? "to" : "tag", jstr(c->arg));
			json_object_set_new(op, "count", json_integer((json_int_t)c->n));
			json_array_append_new(ops, op);
		}
		json_object_set_new(o, "remote", jstr(r->name.buf));
		json_object_set_new(o, "merge", r->remote_had_main ? jstr(merge_words[r->merge]) : json_null());
		json_object_set_new(o, "new_dialogs", json_integer((json_int_t)r->arrived.dialogs));
		json_object_set_new(o, "new_messages", json_integer((json_int_t)r->arrived.messages));
		json_object_set_new(o, "operations", ops);
		json_object_set_new(o, "pushed", json_boolean(r->pushed));
		json_object_set_new(o, "attempts", json_integer(r->attempts));
		json_print_line(o);
		json_decref(o);
		return;
	}
	struct strbuf line = STRBUF_INIT;
	strbuf_addf(&line, "%s: ", r->name.buf);
	describe_arrived(&line, &r->arrived);
	if (!r->pushed)
		strbuf_addstr(&line, "; nothing to push");
	else if (r->attempts == 1)
		strbuf_addstr(&line, "; pushed");
	else
		strbuf_addf(&line, "; pushed after %d attempts", r->attempts);
	print_safe(stdout, line.buf, 0);
	putchar('\n');
	strbuf_release(&line);
}

/*
 * git credential ACTION: git's helpers hold the user names and passwords
 * git users already have; dlg asks them and never stores one.  input is a
 * few lines, written whole before the answer is read (git reads it all
 * first), so the pipes cannot both fill.
 */
static int run_git_credential(const char *action, const char *input, struct strbuf *answer)
{
	int in[2], out[2], status;
	pid_t pid;
	ssize_t n;
	char buf[1024];

	if (pipe(in) < 0)
		return -1;
	if (pipe(out) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return -1;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		/* cron and pipes: fail rather than wait for a terminal nobody watches */
		if (!isatty(2))
			setenv("GIT_TERMINAL_PROMPT", "0", 1);
		execlp("git", "git", "credential", action, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	for (size_t off = 0, len = strlen(input); off < len; off += (size_t)n)
		if ((n = write(in[1], input + off, len - off)) <= 0 && errno != EINTR)
			break;
		else if (n < 0)
			n = 0;
	close(in[1]);
	while ((n = read(out[0], buf, sizeof(buf))) != 0)
		if (n > 0 && answer)
			strbuf_add(answer, buf, (size_t)n);
		else if (n < 0 && errno != EINTR)
			break;
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static void credential_field(struct strbuf *out, const char *answer, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = answer; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == '=') {
			size_t len = strcspn(p + klen + 1, "\n");
			strbuf_add(out, p + klen + 1, len);
			return;
		}
	}
}

static int credential_fill(struct strbuf *user, struct strbuf *password, const char *url, void *payload)
{
	struct strbuf input = STRBUF_INIT, answer = STRBUF_INIT;
	int err = 0;

	(void)payload;
	strbuf_addf(&input, "url=%s\n\n", url);
	if (run_git_credential("fill", input.buf, &answer) < 0) {
		err = dlg_error(DLG_EINVALID, "no user name and password for %s (git credential fill failed)", url);
	} else {
		credential_field(user, answer.buf, "username");
		credential_field(password, answer.buf, "password");
	}
	memset(answer.buf, 0, answer.len);
	strbuf_release(&answer);
	strbuf_release(&input);
	return err;
}

static void credential_done(const char *url, const char *user, const char *password, int worked,
			    void *payload)
{
	struct strbuf input = STRBUF_INIT;

	(void)payload;
	strbuf_addf(&input, "url=%s\nusername=%s\npassword=%s\n\n", url, user, password);
	run_git_credential(worked ? "approve" : "reject", input.buf, NULL);
	memset(input.buf, 0, input.len);
	strbuf_release(&input);
}

const struct sync_credentials *cmd_git_credentials(void)
{
	static const struct sync_credentials cred = { credential_fill, credential_done, NULL };
	return &cred;
}

/*
 * A push to a path moved that repository's main without git's
 * receive-pack, which would have run its post-receive: run it as git
 * would (in its git directory, the update on stdin), so a hub at a path
 * follows the push as it follows one over ssh.  Its output is the hook's
 * to say; its failure, like git's, does not undo the push.
 */
static void run_post_receive(const struct sync_remote_result *r)
{
	struct strbuf gitdir = STRBUF_INIT, hook = STRBUF_INIT, line = STRBUF_INIT;
	struct stat st;
	void (*was)(int);
	int in[2], status;
	pid_t pid;

	if (!r->local_gitdir.len)
		return;
	strbuf_addf(&gitdir, "%s/.git", r->local_gitdir.buf);
	if (stat(gitdir.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strbuf_reset(&gitdir);
		strbuf_addbuf(&gitdir, &r->local_gitdir);
	}
	strbuf_addf(&hook, "%s/hooks/post-receive", gitdir.buf);
	strbuf_addf(&line, "%s %s refs/heads/main\n", r->pushed_old, r->pushed_new);
	if (access(hook.buf, X_OK) < 0 || pipe(in) < 0)
		goto out;
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		close(in[0]);
		close(in[1]);
		goto out;
	}
	if (!pid) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		dup2(2, 1); /* as git shows a hook's output: never in our stdout */
		if (chdir(gitdir.buf) < 0)
			_exit(127);
		setenv("GIT_DIR", ".", 1);
		execl(hook.buf, hook.buf, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	/* a hook that reads nothing closes the pipe: no SIGPIPE for that */
	was = signal(SIGPIPE, SIG_IGN);
	while (write(in[1], line.buf, line.len) < 0 && errno == EINTR)
		continue;
	close(in[1]);
	signal(SIGPIPE, was);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	strbuf_release(&gitdir);
	strbuf_release(&hook);
	strbuf_release(&line);
}

static int sync_one(struct sync_remote_result *r, struct dlg_ctx *ctx, const char *remote)
{
	if (store_sync_remote(r, ctx->store, remote, cmd_git_credentials()) < 0)
		return error_last();
	run_post_receive(r);
	return 0;
}

static int sync_remotes(struct dlg_ctx *ctx, char **remotes, int n, int quiet, int json)
{
	int ret = 0;

	for (int i = 0; i < n; i++) {
		struct sync_remote_result r = SYNC_REMOTE_RESULT_INIT;
		int err = sync_one(&r, ctx, remotes[i]);
		if (err)
			ret = err;
		else if (!quiet)
			print_result(&r, json);
		sync_remote_result_clear(&r);
	}
	return ret;
}

int sync_to_hub(struct dlg_ctx *ctx, int quiet)
{
	struct strbuf upstream = STRBUF_INIT, line = STRBUF_INIT;
	struct sync_remote_result r = SYNC_REMOTE_RESULT_INIT;
	int ret;

	if (store_upstream(&upstream, ctx->store) < 0) {
		ret = error_msg("the hub sends answers, and this clone has no upstream to take them "
				"there (git config branch.main.remote NAME, then dlg sync)");
	} else if (!(ret = store_mark_last_sync(ctx->store) < 0 ? error_last() : 0) &&
		   !(ret = sync_one(&r, ctx, upstream.buf)) && !quiet) {
		strbuf_addstr(&line, "send: the hub sends the answers; ");
		strbuf_addf(&line, "%s: ", r.name.buf);
		describe_arrived(&line, &r.arrived);
		strbuf_addstr(&line, r.pushed ? "; pushed\n" : "; the hub has them already\n");
		print_safe(stderr, line.buf, 1);
	}
	sync_remote_result_clear(&r);
	strbuf_release(&upstream);
	strbuf_release(&line);
	return ret;
}

CMD(sync)
{
	enum sync_result r;
	struct strbuf upstream = STRBUF_INIT;
	char *one[1];
	int quiet = 0, json = 0, ret;
	const struct opt opts[] = {
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_FLAG(0, "json", &json, "what arrived, one JSON object per remote"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, sync_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc) {
		if (store_upstream(&upstream, ctx->store) < 0) {
			strbuf_release(&upstream);
			error_usage("no upstream: give a REMOTE (a URL or a path), or set one with "
				    "git -C STORE config branch.main.remote NAME");
			return usage_with_options(sync_usage, opts, 0);
		}
		one[0] = upstream.buf;
		argv = one;
		argc = 1;
	}
	for (int i = 0; i < argc; i++)
		if (!sync_arg_is_remote(ctx->store, argv[i]) && argc > 1) {
			strbuf_release(&upstream);
			error_usage("'%s' is no remote (a configured remote's name, a URL or a path)", argv[i]);
			return usage_with_options(sync_usage, opts, 0);
		}
	if (!quiet)
		progress_begin();
	if (store_mark_last_sync(ctx->store) < 0) {
		ret = error_last();
	} else if (argc > 1 || sync_arg_is_remote(ctx->store, argv[0])) {
		ret = sync_remotes(ctx, argv, argc, quiet, json);
	} else if (store_sync(&r, ctx->store, argv[0]) < 0) {
		ret = error_last();
	} else {
		ret = 0;
		if (!quiet)
			puts(r == SYNC_UP_TO_DATE ? "already up to date" :
			     r == SYNC_FAST_FORWARD ? "fast-forward" : "merged");
	}
	progress_end();
	strbuf_release(&upstream);
	return ret;
}
