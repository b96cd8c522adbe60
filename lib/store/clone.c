/*
 * dlg clone: a new store from another one.  The other side is hostile like
 * any peer: its tip is checked (lib/git/treepath.h) before a file of it is
 * written, and a clone that fails leaves nothing behind.  The repository
 * is made under another name, put on disk, and only then renamed to .git,
 * so a store appears whole or not at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/fileio.h"
#include "base/redact.h"
#include "git/error.h"
#include "store/layout.h"
#include "store/remote.h"
#include "store/store.h"
#include "store/view.h"
#include "store/viewfs.h"

static int dir_is_empty(const char *path)
{
	struct strlist names = STRLIST_INIT;
	int empty = !list_dir_at(&names, AT_FDCWD, path) && !names.nr;
	strlist_clear(&names);
	return empty;
}

/* Empties directory path (its entries, never following a link). */
static void empty_dir(const char *path)
{
	struct strlist names = STRLIST_INIT;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !list_dir_at(&names, fd, "."))
		for (size_t i = 0; i < names.nr; i++)
			remove_tree_at(fd, names.items[i]);
	if (fd >= 0)
		close(fd);
	strlist_clear(&names);
}

/* Checks the tip of the repository just cloned and sets it up as a store's. */
static int check_clone(git_repository *repo, const char *source)
{
	git_oid tip;
	int err = git_reference_name_to_id(&tip, repo, DLG_BRANCH);
	if (err < 0)
		return dlg_error(DLG_ENOSTORE, "'%s' has no branch main: not a dlg store", source);
	if ((err = tree_check_commits(repo, NULL, &tip, source)) < 0)
		return err;
	return store_git_config(repo);
}

int store_clone(struct dlg_store **out, const char *source, const char *dir,
		const struct sync_credentials *cred)
{
	struct remote_auth auth = REMOTE_AUTH_INIT(cred);
	git_clone_options opts;
	git_repository *repo = NULL;
	struct dlg_store *s = NULL;
	struct strbuf src = STRBUF_INIT, gitdir = STRBUF_INIT, tmp = STRBUF_INIT;
	struct stat st;
	int made_dir, was_empty, placed = 0, err;

	*out = NULL;
	/* A store's repository is its .git; accept the store directory itself. */
	strbuf_addf(&src, "%s/.git", source);
	if (stat(src.buf, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strbuf_reset(&src);
		strbuf_addstr(&src, source);
	}
	strbuf_addf(&gitdir, "%s/.git", dir);
	if (!lstat(gitdir.buf, &st)) {
		err = dlg_error(DLG_EEXISTS, "'%s' already has a .git", dir);
		goto done;
	}
	made_dir = lstat(dir, &st) < 0;
	was_empty = !made_dir && dir_is_empty(dir);
	if (mkdirs(dir, 0755) < 0) {
		err = dlg_error(DLG_ERROR, "cannot create '%s': %s", dir, strerror(errno));
		goto done;
	}
	/* https://, ssh:// and friends: libgit2 needs its certificates then */
	if (strstr(src.buf, "://") && strncmp(src.buf, "file://", 7))
		gitlib_want_tls();
	if ((err = gitlib_load()) < 0)
		goto fail;
	git_clone_options_init(&opts, GIT_CLONE_OPTIONS_VERSION);
	opts.bare = 1; /* the view is dlg's, never git's checkout */
	url_redact(&auth.said, source, strlen(source));
	strbuf_addstr(&auth.url, src.buf);
	remote_auth_callbacks(&opts.fetch_opts.callbacks, &auth);
	strbuf_addf(&tmp, "%s/.git-clone-%ld", dir, (long)getpid());
	err = git_clone(&repo, src.buf, tmp.buf, &opts);
	remote_auth_done(&auth, err);
	if (err == GIT_EUSER) {
		goto fail; /* the credentials said why */
	} else if (err < 0) {
		err = dlg_error_git(err, "clone");
		goto fail;
	}
	err = check_clone(repo, source);
	git_repository_free(repo);
	if (err < 0)
		goto fail;
	if (flush_fs(tmp.buf) < 0 || rename_new(tmp.buf, gitdir.buf) < 0 || flush_dir(dir) < 0) {
		err = dlg_error(DLG_ERROR, "cannot put the clone in place as '%s': %s", gitdir.buf,
				strerror(errno));
		goto fail;
	}
	placed = 1;
	if ((err = store_open(&s, dir)) < 0 || (err = store_view_update(s)) < 0)
		goto fail;
	*out = s;
	goto done;
fail:
	/* Nothing half made stays: what this clone created goes, as it came. */
	store_free(s);
	if (made_dir) {
		remove_tree_at(AT_FDCWD, dir);
	} else {
		/* the .git is ours only once we put it there */
		remove_tree_at(AT_FDCWD, placed ? gitdir.buf : tmp.buf);
		if (was_empty)
			empty_dir(dir);
	}
done:
	remote_auth_release(&auth);
	strbuf_release(&src);
	strbuf_release(&gitdir);
	strbuf_release(&tmp);
	return err;
}
