#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "store/gc.h"

static const char *const gc_usage[] = {
	"dlg gc [--auto] [--prune=AGE] [-q]",
	"",
	"Packs the store's objects into one pack and removes what it makes",
	"redundant; unreachable objects go once older than AGE (gc.prune,",
	"2.weeks.ago).  Changes go on meanwhile.  dlg runs 'dlg gc --auto -q'",
	"by itself, detached, after an import and when loose objects or packs",
	"pile up (gc.auto, gc.auto-pack-limit); that one packs only what no",
	"other pack holds, and prunes nothing.",
	NULL,
};

static void human_bytes(struct strbuf *out, uint64_t n)
{
	if (n >= 10ull << 20)
		strbuf_addf(out, "%llu MB", (unsigned long long)((n + (1 << 19)) >> 20));
	else if (n >= 1 << 20)
		strbuf_addf(out, "%.1f MB", (double)n / (1 << 20));
	else
		strbuf_addf(out, "%llu KB", (unsigned long long)((n + 512) >> 10));
}

/* DLG_TEST_GC_WAIT=FILE: the tests' pause, once the refs are read, until FILE exists. */
static void wait_for_test(void)
{
	const char *file = getenv("DLG_TEST_GC_WAIT");
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	for (int i = 0; file && *file && i < 3000 && access(file, F_OK) < 0; i++)
		nanosleep(&tick, NULL);
}

CMD(gc)
{
	struct gc_options opt = { 0 };
	struct gc_result r;
	const char *prune = NULL;
	long seconds;
	int quiet = 0;
	const struct opt opts[] = {
		OPT_FLAG(0, "auto", &opt.auto_mode, "skip, quietly, when another dlg or git is at work"),
		OPT_STRING(0, "prune", &prune, "AGE", "prune unreachable objects older than AGE (now, never, 3d...)"),
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, gc_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc)
		return usage_with_options(gc_usage, opts, 0);
	if (prune && gc_parse_prune(&seconds, prune) < 0) {
		error_last();
		return 2;
	}
	opt.prune = prune;
	opt.before_pack = wait_for_test;
	/* Packs written whole while an automatic gc ran are its to fold too:
	   the change that wrote them found it running and started no other. */
	for (int round = 0;; round++) {
		if (store_gc(&r, ctx->store, &opt) < 0)
			return error_last();
		if (!opt.auto_mode || r.skipped || round == 3 || !gc_whole_pending(ctx->store))
			break;
	}
	if (opt.auto_mode && !r.skipped && store_gc_over_limits(ctx->store))
		/* to gc.log, which holds automatic gc back for a day (see below) */
		error_msg("%zu loose object%s and %zu pack%s remain, younger than gc.prune or kept; "
			  "automatic gc waits a day, or run 'dlg gc --prune=now' when nothing else writes",
			  r.loose_after, r.loose_after == 1 ? "" : "s", r.packs_after, r.packs_after == 1 ? "" : "s");
	if (!quiet && !r.skipped) {
		struct strbuf line = STRBUF_INIT;
		strbuf_addf(&line, "gc: %zu loose object%s and %zu pack%s into %zu pack%s, ", r.loose_before,
			    r.loose_before == 1 ? "" : "s", r.packs_before, r.packs_before == 1 ? "" : "s",
			    r.packs_after, r.packs_after == 1 ? "" : "s");
		human_bytes(&line, r.bytes_before);
		strbuf_addstr(&line, " \xe2\x86\x92 ");
		human_bytes(&line, r.bytes_after);
		if (r.pruned)
			strbuf_addf(&line, ", %zu unreachable pruned", r.pruned);
		puts(line.buf);
		strbuf_release(&line);
	}
	return 0;
}

/*
 * After each change (store->after_change): when gc is due, `dlg gc --auto
 * -q` starts detached, as git's auto gc does, and the change returns at
 * once.  Between the forks only what is safe in the child of a threaded
 * process (dlg chat serve) runs.  The gc's output goes to .git/dlg/gc.log,
 * whose lock the gc holds while it runs, so a running gc is not started
 * twice; a gc.log that says something (an error, or that gc could not
 * bring the store under the limits) holds automatic gc back for a day, as
 * git's gc.log does, rather than start a vain gc after every change.
 */
#define GC_LOG_HOLD (24 * 3600)

void gc_auto_after_change(struct dlg_store *s)
{
	struct strbuf self = STRBUF_INIT, log = STRBUF_INIT;
	struct stat st;
	pid_t pid;

	if (!store_gc_due(s) || self_path(&self)) {
		strbuf_release(&self);
		return;
	}
	strbuf_addf(&log, "%s/gc.log", s->dlgdir);
	if (!stat(log.buf, &st) && st.st_size > 0 && time(NULL) - st.st_mtime < GC_LOG_HOLD) {
		strbuf_release(&self);
		strbuf_release(&log);
		return;
	}
	char *args[] = { self.buf, "-C", s->root, "gc", "--auto", "-q", NULL };
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		int fd, null;
		setsid();
		if (fork() != 0)
			_exit(0);
		fd = open(log.buf, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0644);
		null = open("/dev/null", O_RDONLY);
		if (fd < 0 || null < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || ftruncate(fd, 0) < 0)
			_exit(0); /* a gc is running already */
		if (dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(1);
		/* nothing else of the parent's (a pipe's end, a listening socket) stays open */
		if (syscall(SYS_close_range, 3u, ~0u, 0u) < 0)
			for (int i = 3; i < 4096; i++)
				close(i);
		execv(args[0], args);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	strbuf_release(&self);
	strbuf_release(&log);
}
