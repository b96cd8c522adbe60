#include <string.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "git/error.h"
#include "git/treediff.h"

struct walk {
	git_repository *repo;
	struct strbuf path;
	treediff_entry_fn entry_fn;
	treediff_fn fn;
	void *payload;
};

static int is_tree(const git_tree_entry *e)
{
	return e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

static int report_file(struct walk *w, const git_oid *old_id, const git_oid *new_id)
{
	return w->fn ? w->fn(w->path.buf, old_id, new_id, w->payload) : 0;
}

static int walk(struct walk *w, const git_tree *a, const git_tree *b);

/* One name present on either side: files are reported, trees descended. */
static int entry_diff(struct walk *w, const git_tree_entry *ea, const git_tree_entry *eb)
{
	size_t len = w->path.len;
	int err = 0;

	if (ea && eb && git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb) &&
	    git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
		return 0;
	if (len)
		strbuf_addch(&w->path, '/');
	strbuf_addstr(&w->path, git_tree_entry_name(ea ? ea : eb));
	if (w->entry_fn && (err = w->entry_fn(w->path.buf, ea, eb, w->payload)) != 0) {
		strbuf_setlen(&w->path, len);
		return err == TREEDIFF_SKIP ? 0 : err;
	}
	if (is_tree(ea) || is_tree(eb)) {
		git_tree *ta = NULL, *tb = NULL;
		if ((is_tree(ea) && (err = git_tree_lookup(&ta, w->repo, git_tree_entry_id(ea))) < 0) ||
		    (is_tree(eb) && (err = git_tree_lookup(&tb, w->repo, git_tree_entry_id(eb))) < 0))
			err = dlg_error_git(err, w->path.buf);
		else
			err = walk(w, ta, tb);
		git_tree_free(ta);
		git_tree_free(tb);
		/* a file replaced by a directory (or back) */
		if (!err && ea && !is_tree(ea))
			err = report_file(w, git_tree_entry_id(ea), NULL);
		if (!err && eb && !is_tree(eb))
			err = report_file(w, NULL, git_tree_entry_id(eb));
	} else {
		err = report_file(w, ea ? git_tree_entry_id(ea) : NULL, eb ? git_tree_entry_id(eb) : NULL);
	}
	strbuf_setlen(&w->path, len);
	return err;
}

static int walk(struct walk *w, const git_tree *a, const git_tree *b)
{
	size_t na = a ? git_tree_entrycount(a) : 0, nb = b ? git_tree_entrycount(b) : 0;
	size_t i = 0, j = 0;
	int err = 0;

	/* Entries come sorted, so one merge pass pairs them up. */
	while (!err && (i < na || j < nb)) {
		const git_tree_entry *ea = i < na ? git_tree_entry_byindex(a, i) : NULL;
		const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
		int c = !ea ? 1 : !eb ? -1 : strcmp(git_tree_entry_name(ea), git_tree_entry_name(eb));
		if (c == 0) {
			err = entry_diff(w, ea, eb);
			i++, j++;
		} else if (c < 0) {
			err = entry_diff(w, ea, NULL);
			i++;
		} else {
			err = entry_diff(w, NULL, eb);
			j++;
		}
	}
	return err;
}

int tree_diff_entries(git_repository *repo, const git_tree *a, const git_tree *b,
		      treediff_entry_fn entry_fn, treediff_fn fn, void *payload)
{
	struct walk w = { repo, STRBUF_INIT, entry_fn, fn, payload };
	int err = walk(&w, a, b);
	strbuf_release(&w.path);
	return err;
}

int tree_diff(git_repository *repo, const git_tree *a, const git_tree *b, treediff_fn fn, void *payload)
{
	return tree_diff_entries(repo, a, b, NULL, fn, payload);
}

int tree_of_commit(git_tree **out, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	int err = git_commit_lookup(&c, repo, commit);
	if (!err)
		err = git_commit_tree(out, c);
	git_commit_free(c);
	return err;
}
