#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "durable.h"
#include "util.h"

static const char clone_usage[] =
	"usage: dlg clone [-q] SOURCE DIR\n"
	"Makes a new store in DIR from the store SOURCE (a path or a git URL).\n"
	"  -q, --quiet   print nothing\n";

CMD(clone)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	git_clone_options copts;
	git_repository *repo = NULL;
	struct dlg_store *s = NULL;
	struct strbuf gitdir = STRBUF_INIT, src = STRBUF_INIT, tmp = STRBUF_INIT;
	struct stat st;
	int c, quiet = 0, ret = 0;

	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else
			return usage(clone_usage, c == 'h');
	}
	if (argc - optind != 2)
		return usage(clone_usage, 0);
	const char *source = argv[optind], *dir = argv[optind + 1];

	/* A store's repository is its .git; accept the store directory itself. */
	strbuf_addf(&src, "%s/.git", source);
	if (stat(src.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strbuf_reset(&src);
		strbuf_addstr(&src, source);
	}
	strbuf_addf(&gitdir, "%s/.git", dir);
	if (!stat(gitdir.buf, &st)) {
		ret = error_msg("'%s' already has a .git", dir);
		goto out;
	}
	if (mkdirs(dir, 0755) < 0) {
		ret = error_msg("cannot create '%s'", dir);
		goto out;
	}
	/* https://, ssh:// and friends: libgit2 needs its certificates then */
	if (strstr(src.buf, "://") && strncmp(src.buf, "file://", 7))
		gitlib_want_tls();
	if (gitlib_load() < 0) {
		ret = error_last();
		goto out;
	}
	git_clone_options_init(&copts, GIT_CLONE_OPTIONS_VERSION);
	copts.bare = 1; /* the view is dlg's, never git's checkout */
	/* The store appears whole or not at all: the repository is made under
	   another name, put on disk, and only then renamed to .git. */
	strbuf_addf(&tmp, "%s/.git-clone-%ld", dir, (long)getpid());
	if (git_clone(&repo, src.buf, tmp.buf, &copts) < 0) {
		dlg_error_git(-1, "clone");
		ret = error_last();
		goto out;
	}
	git_repository_free(repo);
	if (flush_fs(tmp.buf) < 0 || rename_new(tmp.buf, gitdir.buf) < 0 || flush_dir(dir) < 0) {
		ret = error_msg("cannot put the clone in place as '%s' (it is in '%s'): %s", gitdir.buf,
				tmp.buf, strerror(errno));
		goto out;
	}
	if (store_open(&s, dir) < 0 || store_view_update(s) < 0) {
		ret = error_last();
		goto out;
	}
	if (!quiet)
		printf("Cloned %s into %s\n", source, dir);
out:
	store_free(s);
	strbuf_release(&gitdir);
	strbuf_release(&src);
	strbuf_release(&tmp);
	return ret;
}
