#include <string.h>

#include "error.h"
#include "strbuf.h"
#include "treediff.h"

static int is_tree(const git_tree_entry *e)
{
	return e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

static int walk(git_repository *repo, struct strbuf *path, const git_tree *a, const git_tree *b,
		treediff_fn fn, void *payload);

/* One name present on either side: files are reported, trees descended. */
static int entry_diff(git_repository *repo, struct strbuf *path, const git_tree_entry *ea,
		      const git_tree_entry *eb, treediff_fn fn, void *payload)
{
	size_t len = path->len;
	int err = 0;

	if (ea && eb && git_tree_entry_filemode(ea) == git_tree_entry_filemode(eb) &&
	    git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))
		return 0;
	if (len)
		strbuf_addch(path, '/');
	strbuf_addstr(path, git_tree_entry_name(ea ? ea : eb));
	if (is_tree(ea) || is_tree(eb)) {
		git_tree *ta = NULL, *tb = NULL;
		if ((is_tree(ea) && (err = git_tree_lookup(&ta, repo, git_tree_entry_id(ea))) < 0) ||
		    (is_tree(eb) && (err = git_tree_lookup(&tb, repo, git_tree_entry_id(eb))) < 0))
			err = dlg_error_git(err, path->buf);
		else
			err = walk(repo, path, ta, tb, fn, payload);
		git_tree_free(ta);
		git_tree_free(tb);
		/* a file replaced by a directory (or back) */
		if (!err && ea && !is_tree(ea))
			err = fn(path->buf, git_tree_entry_id(ea), NULL, payload);
		if (!err && eb && !is_tree(eb))
			err = fn(path->buf, NULL, git_tree_entry_id(eb), payload);
	} else {
		err = fn(path->buf, ea ? git_tree_entry_id(ea) : NULL, eb ? git_tree_entry_id(eb) : NULL, payload);
	}
	strbuf_setlen(path, len);
	return err;
}

static int walk(git_repository *repo, struct strbuf *path, const git_tree *a, const git_tree *b,
		treediff_fn fn, void *payload)
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
			err = entry_diff(repo, path, ea, eb, fn, payload);
			i++, j++;
		} else if (c < 0) {
			err = entry_diff(repo, path, ea, NULL, fn, payload);
			i++;
		} else {
			err = entry_diff(repo, path, NULL, eb, fn, payload);
			j++;
		}
	}
	return err;
}

int tree_diff(git_repository *repo, const git_tree *a, const git_tree *b, treediff_fn fn, void *payload)
{
	struct strbuf path = STRBUF_INIT;
	int err = walk(repo, &path, a, b, fn, payload);
	strbuf_release(&path);
	return err;
}
