#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "git/error.h"
#include "git/gitlib.h"
#include "ops/log.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/oplog.h"
#include "store/record.h"

/* The id of path in commit's tree; 0, or 1 when there is nothing there. */
static int path_id(git_oid *out, const git_commit *commit, const char *path)
{
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	int missing = 1;
	if (git_commit_tree(&tree, commit) < 0)
		return 1;
	if (!git_tree_entry_bypath(&e, tree, path)) {
		git_oid_cpy(out, git_tree_entry_id(e));
		missing = 0;
	}
	git_tree_entry_free(e);
	git_tree_free(tree);
	return missing;
}

/* The text of the blob at path in commit, or "" when there is none. */
static void blob_text(struct strbuf *out, git_repository *repo, const git_commit *commit,
		      const char *path)
{
	git_blob *blob = NULL;
	git_oid id;
	strbuf_reset(out);
	if (path_id(&id, commit, path) || git_blob_lookup(&blob, repo, &id) < 0)
		return;
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
}

static int has_line(const struct strbuf *text, const char *line, size_t len)
{
	const char *p = text->buf, *end = text->buf + text->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n == len && !memcmp(p, line, len))
			return 1;
		p += n + 1;
	}
	return 0;
}

/* "assign bob", "tag +vip", "close": an operation as people say it; the
   clocks a verb carries for merging (BASE, SEEN) are left out. */
static void op_words(struct strbuf *out, const struct op *op)
{
	int shown = !strcmp(op->verb, "assign") || !strcmp(op->verb, "tag") ||
		    !strcmp(op->verb, "create") ? 1 : 0;
	strbuf_addstr(out, op->verb);
	for (int i = 0; i < shown && i < op->nargs; i++)
		strbuf_addf(out, " %s", op->args[i]);
}

/* The tip's log and its replay: who won, and what each winner overrode. */
struct log_outcome {
	struct oplog log;
	struct dialog_state state;
};

/* Who overrode op (a line of a commit's log), by the tip's replay. */
static void override_of(struct dlg_log_override *out, const struct log_outcome *o, const struct op *op)
{
	struct strbuf words = STRBUF_INIT;
	memset(out, 0, sizeof(*out));
	for (size_t k = 0; k < o->state.noverridden; k++) {
		const struct op *lost = &o->log.ops[o->state.overridden[k].lost];
		const struct op *by = &o->log.ops[o->state.overridden[k].by];
		if (strcmp(lost->line, op->line))
			continue;
		op_words(&words, by);
		out->actor = xstrdup(by->actor);
		out->op = strbuf_detach(&words, NULL);
		if (time_parse(&out->time, by->time) < 0)
			out->time = 0;
		return;
	}
}

/* The op-log lines of log that none of the parents' logs has. */
static void new_ops(struct dlg_log_entry *e, const struct log_outcome *o, const struct strbuf *log,
		    const struct strbuf *parents, size_t nparents)
{
	struct oplog added = OPLOG_INIT;
	struct strbuf line = STRBUF_INIT, text = STRBUF_INIT;
	const char *p = log->buf, *end = log->buf + log->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), k = 0;
		while (k < nparents && !has_line(&parents[k], p, n))
			k++;
		if (k == nparents && n)
			strbuf_add(&text, p, n + !!nl);
		p += n + 1;
	}
	oplog_parse(&added, text.buf, text.len);
	e->overridden = xcalloc(added.nr + 1, sizeof(*e->overridden));
	for (size_t i = 0; i < added.nr; i++) {
		strbuf_reset(&line);
		op_words(&line, &added.ops[i]);
		strlist_push(&e->ops, line.buf);
		override_of(&e->overridden[i], o, &added.ops[i]);
	}
	oplog_clear(&added);
	strbuf_release(&line);
	strbuf_release(&text);
}

static void entry_fill(struct dlg_log_entry *e, git_repository *repo, const git_commit *c,
		       const git_oid *id, const char *logpath, const struct log_outcome *o)
{
	const git_signature *who = git_commit_author(c);
	size_t np = git_commit_parentcount(c);
	struct strbuf log = STRBUF_INIT, *parents = xcalloc(np + 1, sizeof(*parents));

	git_oid_tostr(e->commit, sizeof(e->commit), id);
	e->author = xstrdup(who && who->name ? who->name : "");
	e->time = who ? (time_t)who->when.time : 0;
	e->message = xstrdup(git_commit_message(c) ? git_commit_message(c) : "");
	e->ops = (struct strlist)STRLIST_INIT;
	blob_text(&log, repo, c, logpath);
	for (size_t k = 0; k < np; k++) {
		git_commit *parent = NULL;
		strbuf_init(&parents[k], 0);
		if (!git_commit_lookup(&parent, repo, git_commit_parent_id(c, (unsigned)k)))
			blob_text(&parents[k], repo, parent, logpath);
		git_commit_free(parent);
	}
	new_ops(e, o, &log, parents, np);
	for (size_t k = 0; k < np; k++)
		strbuf_release(&parents[k]);
	free(parents);
	strbuf_release(&log);
}

/* Whether commit changed the tree at dir: it differs from every parent's. */
static int changed_dir(git_repository *repo, const git_commit *c, const char *dir)
{
	git_oid mine, theirs;
	int have = !path_id(&mine, c, dir);
	size_t np = git_commit_parentcount(c);
	if (!np)
		return have;
	for (size_t k = 0; k < np; k++) {
		git_commit *parent = NULL;
		int same = 0;
		if (!git_commit_lookup(&parent, repo, git_commit_parent_id(c, (unsigned)k))) {
			int had = !path_id(&theirs, parent, dir);
			same = had == have && (!have || git_oid_equal(&mine, &theirs));
		}
		git_commit_free(parent);
		if (same)
			return 0;
	}
	return 1;
}

int dlg_log(struct dlg_log_entry **out, size_t *n, struct dlg_store *s, const char *id)
{
	struct strbuf dir = STRBUF_INIT, logpath = STRBUF_INIT, text = STRBUF_INIT;
	struct log_outcome outcome = { OPLOG_INIT, { 0 } };
	git_revwalk *walk = NULL;
	git_commit *tip_commit = NULL;
	git_oid tip, oid, dir_id;
	size_t alloc = 0;
	int err;

	*out = NULL;
	*n = 0;
	if (!is_full_id(id))
		return dlg_error(DLG_EINVALID, "'%s' is not a dialog id", id);
	if ((err = store_git(s)) < 0 || (err = store_tip(&tip, s)) < 0)
		return err;
	dialog_dir(&dir, id);
	layout_record_file(&logpath, dir.buf, "log");
	if ((err = git_commit_lookup(&tip_commit, s->repo, &tip)) < 0) {
		err = dlg_error_git(err, "read the branch");
		goto out;
	}
	if (path_id(&dir_id, tip_commit, dir.buf)) {
		err = dlg_error(DLG_ENOTFOUND, "no dialog '%s'", id);
		goto out;
	}
	blob_text(&text, s->repo, tip_commit, logpath.buf);
	oplog_parse(&outcome.log, text.buf, text.len);
	dialog_state_replay(&outcome.state, &outcome.log, -1);
	if ((err = git_revwalk_new(&walk, s->repo)) < 0 ||
	    (err = git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_TIME)) < 0 ||
	    (err = git_revwalk_push(walk, &tip)) < 0) {
		err = dlg_error_git(err, "walk history");
		goto out;
	}
	while ((err = git_revwalk_next(&oid, walk)) == 0) {
		git_commit *c = NULL;
		if ((err = git_commit_lookup(&c, s->repo, &oid)) < 0)
			break;
		if (changed_dir(s->repo, c, dir.buf)) {
			ALLOC_GROW(*out, *n + 1, alloc);
			entry_fill(&(*out)[(*n)++], s->repo, c, &oid, logpath.buf, &outcome);
		}
		git_commit_free(c);
	}
	err = err < 0 && err != GIT_ITEROVER ? dlg_error_git(err, "walk history") : 0;
out:
	if (err < 0) {
		dlg_log_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	git_revwalk_free(walk);
	git_commit_free(tip_commit);
	dialog_state_clear(&outcome.state);
	oplog_clear(&outcome.log);
	strbuf_release(&dir);
	strbuf_release(&logpath);
	strbuf_release(&text);
	return err;
}

void dlg_log_free(struct dlg_log_entry *entries, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(entries[i].author);
		free(entries[i].message);
		for (size_t k = 0; entries[i].overridden && k < entries[i].ops.nr; k++) {
			free(entries[i].overridden[k].actor);
			free(entries[i].overridden[k].op);
		}
		free(entries[i].overridden);
		strlist_clear(&entries[i].ops);
	}
	free(entries);
}
