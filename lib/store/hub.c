/*
 * The hub: the store a team's clones push to.  It alone delivers answers
 * (send.at = hub in the versioned config tells every clone so), and what a
 * push brings is hostile until git's hooks have had dlg check it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "git/error.h"
#include "git/treediff.h"
#include "store/hub.h"
#include "store/layout.h"
#include "store/sync.h"

static void hub_mark_path(struct strbuf *out, struct dlg_store *s)
{
	strbuf_addf(out, "%s/hub", s->dlgdir);
}

int store_is_hub(struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int hub;
	hub_mark_path(&path, s);
	hub = !lstat(path.buf, &st) && S_ISREG(st.st_mode);
	strbuf_release(&path);
	return hub;
}

int store_sends(struct dlg_store *s, const struct config *c)
{
	/* any value but unset leaves delivery to the hub: twice is worse than late */
	return !config_get(c, "send.at") || store_is_hub(s);
}

/* ---- making a hub ---- */

/* 'text' for sh, whatever text holds. */
static void sh_quote(struct strbuf *out, const char *text)
{
	strbuf_addch(out, '\'');
	for (const char *p = text; *p; p++)
		if (*p == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *p);
	strbuf_addch(out, '\'');
}

/*
 * The hooks hand dlg its input as arguments and give it /dev/null for
 * stdin: a dlg command reads dialog ids from a pipe on stdin, and git's
 * list of updates is one.  The pusher's DLG_* settings stay out, so the
 * hub's commits carry the hub's own operator.
 */
static void hook_text(struct strbuf *out, const char *dlg, const char *which)
{
	strbuf_addstr(out, "#!/bin/sh\n"
			   "# Written by dlg init --hub (see dlg-hook(1)): dlg checks and follows\n"
			   "# every push.  Its stdin is /dev/null; the updates are its arguments.\n"
			   "unset DLG_DIR DLG_OPERATOR DLG_EMAIL\n"
			   "set --\n"
			   "while read -r old new ref; do set -- \"$@\" \"$old\" \"$new\" \"$ref\"; done\n"
			   "exec ");
	sh_quote(out, dlg);
	strbuf_addf(out, " -C \"${GIT_DIR:-.}/..\" hook %s \"$@\" </dev/null\n", which);
}

static int write_hook(struct dlg_store *s, const char *dlg, const char *which)
{
	struct strbuf dir = STRBUF_INIT, text = STRBUF_INIT;
	int dfd = -1, tfd = -1, err = 0;

	strbuf_addf(&dir, "%s/hooks", s->gitdir);
	hook_text(&text, dlg, which);
	if (mkdirs(dir.buf, 0755) < 0 || (dfd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (tfd = open(s->tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = dlg_error(DLG_ERROR, "cannot open '%s': %s", dir.buf, strerror(errno));
	else if ((err = file_write_at(tfd, "hook.", dfd, which, text.buf, text.len, 0)) < 0)
		; /* file_write_at said why */
	else if (fchmodat(dfd, which, 0755, 0) < 0)
		err = dlg_error(DLG_ERROR, "cannot make the %s hook executable: %s", which, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	if (tfd >= 0)
		close(tfd);
	strbuf_release(&dir);
	strbuf_release(&text);
	return err;
}

static int hub_git_config(struct dlg_store *s)
{
	/* a push git accepted is on disk before git says so */
	static const char *const strings[][2] = { { "core.fsync", "all" }, { "core.fsyncMethod", "fsync" } };
	static const char *const bools[] = { "receive.fsckObjects", "receive.denyNonFastForwards",
					     "receive.denyDeletes" };
	git_config *cfg = NULL;
	git_buf op = { 0 };
	int err = git_repository_config(&cfg, s->repo);
	for (size_t i = 0; !err && i < sizeof(strings) / sizeof(*strings); i++)
		err = git_config_set_string(cfg, strings[i][0], strings[i][1]);
	for (size_t i = 0; !err && i < sizeof(bools) / sizeof(*bools); i++)
		err = git_config_set_bool(cfg, bools[i], 1);
	/* the hub's own commits (deliveries) say who made them */
	if (!err && git_config_get_string_buf(&op, cfg, "dlg.operator") < 0)
		err = git_config_set_string(cfg, "dlg.operator", "hub");
	git_buf_dispose(&op);
	git_config_free(cfg);
	return err < 0 ? dlg_error_git(err, "set up .git/config") : 0;
}

int hub_setup(struct dlg_store *s, const char *dlg)
{
	struct strbuf path = STRBUF_INIT;
	int err;

	if (*dlg != '/')
		return dlg_error(DLG_EINVALID, "the hooks need dlg's absolute path, not '%s'", dlg);
	if ((err = store_git(s)) < 0 || (err = hub_git_config(s)) < 0 ||
	    (err = write_hook(s, dlg, "pre-receive")) < 0 || (err = write_hook(s, dlg, "post-receive")) < 0)
		return err;
	/* last: a store is a hub once its hooks guard it */
	hub_mark_path(&path, s);
	{
		int fd = open(path.buf, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			err = dlg_error(DLG_ERROR, "cannot create '%s': %s", path.buf, strerror(errno));
		else
			close(fd);
	}
	strbuf_release(&path);
	return err;
}

/* ---- checking a push ---- */

/* Pushed objects wait in git's quarantine until every hook said yes. */
static int see_quarantine(struct dlg_store *s)
{
	const char *q = getenv("GIT_QUARANTINE_PATH");
	git_odb *odb = NULL;
	int err;
	if (!q || !*q)
		return 0;
	if ((err = git_repository_odb(&odb, s->repo)) >= 0)
		err = git_odb_add_disk_alternate(odb, q);
	git_odb_free(odb);
	return err < 0 ? dlg_error_git(err, "read the pushed objects") : 0;
}

/* Every commit new to the hub: a dlg store of this format, every path one
   the layout allows, each against its first parent (the root against nothing). */
static int check_new_commits(struct dlg_store *s, const git_oid *old, const git_oid *new)
{
	git_revwalk *walk = NULL;
	git_oid oid;
	char hex[GIT_OID_HEXSZ + 1];
	struct strbuf subject = STRBUF_INIT;
	int err;

	if ((err = git_revwalk_new(&walk, s->repo)) < 0 || (err = git_revwalk_push(walk, new)) < 0 ||
	    (err = git_revwalk_hide(walk, old)) < 0) {
		git_revwalk_free(walk);
		return dlg_error_git(err, "walk the pushed history");
	}
	while ((err = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		git_oid_tostr(hex, sizeof(hex), &oid);
		strbuf_reset(&subject);
		strbuf_addf(&subject, "pushed commit %.7s", hex);
		if ((err = git_commit_lookup(&c, s->repo, &oid)) < 0) {
			err = dlg_error_git(err, "read a pushed commit");
			break;
		}
		err = store_check_format(s->repo, &oid, subject.buf);
		if (!err)
			err = tree_check_commits(s->repo, git_commit_parentcount(c) ? git_commit_parent_id(c, 0) : NULL,
						 &oid, subject.buf);
		git_commit_free(c);
		if (err < 0)
			break;
	}
	git_revwalk_free(walk);
	strbuf_release(&subject);
	return err == GIT_ITEROVER ? 0 : err;
}

int hub_check_update(struct dlg_store *s, const char *old_hex, const char *new_hex, const char *ref)
{
	git_oid old, new, zero;
	int err;

	if (strcmp(ref, DLG_BRANCH))
		return dlg_error(DLG_EINVALID, "a hub takes pushes to %s only, not '%s'", DLG_BRANCH, ref);
	if ((err = store_git(s)) < 0)
		return err;
	memset(&zero, 0, sizeof(zero));
	if (git_oid_fromstr(&old, old_hex) < 0 || git_oid_fromstr(&new, new_hex) < 0)
		return dlg_error(DLG_EINVALID, "'%s %s' is no update git would make", old_hex, new_hex);
	if (!memcmp(&new, &zero, sizeof(zero)))
		return dlg_error(DLG_EINVALID, "%s is never deleted on a hub", DLG_BRANCH);
	if (!memcmp(&old, &zero, sizeof(zero)))
		return dlg_error(DLG_EINVALID, "a hub has its %s from dlg init --hub", DLG_BRANCH);
	if ((err = see_quarantine(s)) < 0)
		return err;
	if (!git_oid_equal(&old, &new) && git_graph_descendant_of(s->repo, &new, &old) != 1)
		return dlg_error(DLG_EINVALID, "a hub takes fast-forwards only: %.7s does not contain %.7s "
				 "(fetch, dlg sync, then push)", new_hex, old_hex);
	return check_new_commits(s, &old, &new);
}
