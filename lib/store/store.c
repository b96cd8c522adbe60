#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/time.h"
#include "git/error.h"
#include "store/branch.h"
#include "store/id.h"
#include "store/store.h"
#include "store/view.h"

/*
 * libgit2 is started and the repository opened on first use only: its
 * initialisation reads the whole CA bundle, which would double the time of
 * a `dlg list` served from a current index.
 */
int store_git(struct dlg_store *s)
{
	int err;
	if (s->repo)
		return 0;
	if ((err = gitlib_load()) < 0)
		return err;
	err = git_repository_open_ext(&s->repo, s->gitdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	trace_perf("repository open");
	return err < 0 ? dlg_error_git(err, s->gitdir) : 0;
}

static int is_store_dir(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int ok;
	strbuf_addf(&sb, "%s/.git/dlg", dir);
	ok = !stat(sb.buf, &st) && S_ISDIR(st.st_mode);
	strbuf_release(&sb);
	return ok;
}

int store_find(struct strbuf *root, const char *explicit_dir)
{
	const char *env = getenv("DLG_DIR");
	char *cwd;

	strbuf_reset(root);
	if (explicit_dir || (env && *env)) {
		const char *dir = explicit_dir ? explicit_dir : env;
		if (!is_store_dir(dir))
			return dlg_error(DLG_ENOSTORE, "'%s' is not a dlg store", dir);
		strbuf_addstr(root, dir);
		return 0;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return dlg_error(DLG_ERROR, "cannot read the current directory: %s", strerror(errno));
	strbuf_addstr(root, cwd);
	free(cwd);
	for (;;) {
		char *slash;
		if (is_store_dir(root->buf))
			return 0;
		slash = strrchr(root->buf, '/');
		if (!slash || slash == root->buf)
			break;
		strbuf_setlen(root, (size_t)(slash - root->buf));
	}
	if (is_store_dir("/")) {
		strbuf_reset(root);
		strbuf_addstr(root, "/");
		return 0;
	}
	return dlg_error(DLG_ENOSTORE, "not in a dlg store (use -C DIR, set DLG_DIR, or run 'dlg init')");
}

static struct dlg_store *store_alloc(const char *root)
{
	struct dlg_store *s = xcalloc(1, sizeof(*s));
	struct strbuf sb = STRBUF_INIT;
	s->root = xstrdup(root);
	strbuf_addf(&sb, "%s/.git", root);
	s->gitdir = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s/dlg", s->gitdir);
	s->dlgdir = strbuf_detach(&sb, NULL);
	strbuf_addf(&sb, "%s/tmp", s->dlgdir);
	s->tmpdir = strbuf_detach(&sb, NULL);
	s->lock_fd = -1;
	return s;
}

void store_free(struct dlg_store *s)
{
	if (!s)
		return;
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->repo) /* libgit2 may never have been loaded */
		git_repository_free(s->repo);
	free(s->root);
	free(s->gitdir);
	free(s->dlgdir);
	free(s->tmpdir);
	free(s->operator);
	free(s);
}

int store_git_config(git_repository *repo)
{
	/* git's own check of a fetch or a push refuses, among other things,
	   the tree entries '..' and '.git' before dlg ever reads them. */
	static const char *const keys[] = { "transfer.fsckObjects", "fetch.fsckObjects", "receive.fsckObjects" };
	git_config *cfg = NULL;
	int err = git_repository_config(&cfg, repo);
	for (size_t i = 0; !err && i < sizeof(keys) / sizeof(*keys); i++)
		err = git_config_set_bool(cfg, keys[i], 1);
	git_config_free(cfg);
	return err < 0 ? dlg_error_git(err, "set up .git/config") : 0;
}

static int ensure_private_dirs(struct dlg_store *s)
{
	if (mkdirs(s->tmpdir, 0755) < 0)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", s->tmpdir, strerror(errno));
	return 0;
}

int store_open(struct dlg_store **out, const char *root)
{
	struct dlg_store *s = store_alloc(root);
	int err;

	*out = NULL;
	{
		struct stat st;
		if (stat(s->gitdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			store_free(s);
			return dlg_error(DLG_ENOSTORE, "'%s' is not a dlg store", root);
		}
	}
	if ((err = ensure_private_dirs(s)) < 0) {
		store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int store_init(struct dlg_store **out, const char *dir)
{
	git_repository_init_options opts;
	struct dlg_store *s;
	git_treebuilder *tb = NULL;
	git_oid blob, tree, commit;
	git_signature *sig = NULL;
	const char *op;
	struct stat st;
	int err;

	*out = NULL;
	s = store_alloc(dir);
	if (!stat(s->gitdir, &st)) {
		store_free(s);
		return dlg_error(DLG_EEXISTS, "'%s' already has a .git", dir);
	}
	/* Know who we are, and have libgit2, before anything is created, so a
	   failed init leaves nothing. */
	if ((err = store_operator(&op, s)) < 0 || (err = gitlib_load()) < 0) {
		store_free(s);
		return err;
	}
	if (mkdirs(dir, 0755) < 0) {
		err = dlg_error(DLG_ERROR, "cannot create '%s': %s", dir, strerror(errno));
		store_free(s);
		return err;
	}
	git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH;
	opts.initial_head = "main";
	opts.description = "dlg store: customer-support dialogs (use 'dlg', not 'git commit')\n";
	if ((err = git_repository_init_ext(&s->repo, s->gitdir, &opts)) < 0) {
		err = dlg_error_git(err, "init");
		goto out;
	}
	if ((err = ensure_private_dirs(s)) < 0 || (err = store_git_config(s->repo)) < 0)
		goto out;

	/* The first commit has no parent to compare-and-swap against. */
	if ((err = git_blob_create_from_buffer(&blob, s->repo, DLG_FORMAT, strlen(DLG_FORMAT))) < 0 ||
	    (err = git_treebuilder_new(&tb, s->repo, NULL)) < 0 ||
	    (err = git_treebuilder_insert(NULL, tb, "format", &blob, GIT_FILEMODE_BLOB)) < 0 ||
	    (err = git_treebuilder_write(&tree, tb)) < 0) {
		err = dlg_error_git(err, "init");
		goto out;
	}
	{
		git_tree *t = NULL;
		struct strbuf email = STRBUF_INIT;
		store_operator_email(&email, s);
		err = git_tree_lookup(&t, s->repo, &tree);
		if (!err)
			err = git_signature_new(&sig, op, email.buf, (git_time_t)dlg_now(), 0);
		if (!err)
			err = git_commit_create(&commit, s->repo, NULL, sig, sig, NULL,
						"init: new dlg store\n", t, 0, NULL);
		git_tree_free(t);
		strbuf_release(&email);
		if (err < 0) {
			err = dlg_error_git(err, "init");
			goto out;
		}
	}
	if ((err = store_branch_cas(s, &commit, NULL)) < 0)
		goto out;
	err = store_view_update(s);
out:
	git_treebuilder_free(tb);
	git_signature_free(sig);
	if (err < 0) {
		store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

static int lock_store(struct dlg_store *s, int wait)
{
	if (s->lock_depth++)
		return 0;
	if (s->lock_fd < 0) {
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s/lock", s->dlgdir);
		s->lock_fd = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		strbuf_release(&path);
		if (s->lock_fd < 0) {
			s->lock_depth = 0;
			return dlg_error(DLG_ERROR, "cannot open the store lock: %s", strerror(errno));
		}
	}
	while (flock(s->lock_fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
		if (errno != EINTR) {
			s->lock_depth = 0;
			if (errno == EWOULDBLOCK)
				return dlg_error(DLG_ELOCKED, "another dlg is changing the store");
			return dlg_error(DLG_ERROR, "cannot lock the store: %s", strerror(errno));
		}
	}
	return 0;
}

int store_lock(struct dlg_store *s)
{
	return lock_store(s, 1);
}

int store_trylock(struct dlg_store *s)
{
	return lock_store(s, 0);
}

void store_unlock(struct dlg_store *s)
{
	if (s->lock_depth && !--s->lock_depth)
		flock(s->lock_fd, LOCK_UN);
}

int store_tip(git_oid *out, struct dlg_store *s)
{
	int err;
	if (!s->repo && !branch_read(out, s->gitdir))
		return 0;
	if ((err = store_git(s)) < 0)
		return err;
	err = git_reference_name_to_id(out, s->repo, DLG_BRANCH);
	if (err == GIT_ENOTFOUND)
		return dlg_error(DLG_ENOTFOUND, "the store has no branch '%s'", DLG_BRANCH);
	return err < 0 ? dlg_error_git(err, "read branch") : 0;
}

int store_tip_tree(git_tree **out, struct dlg_store *s)
{
	{
		int gerr = store_git(s);
		if (gerr < 0)
			return gerr;
	}
	git_oid oid;
	git_commit *c = NULL;
	int err = store_tip(&oid, s);
	if (err < 0)
		return err;
	if ((err = git_commit_lookup(&c, s->repo, &oid)) < 0 ||
	    (err = git_commit_tree(out, c)) < 0)
		err = dlg_error_git(err, "read tip");
	git_commit_free(c);
	return err;
}

int store_read(struct strbuf *out, struct dlg_store *s, const char *path)
{
	{
		int gerr = store_git(s);
		if (gerr < 0)
			return gerr;
	}
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int err = store_tip_tree(&tree, s);
	if (err < 0)
		return err;
	err = git_tree_entry_bypath(&e, tree, path);
	if (err == GIT_ENOTFOUND || (!err && git_tree_entry_type(e) != GIT_OBJECT_BLOB)) {
		err = dlg_error(DLG_ENOTFOUND, "no file '%s'", path);
	} else if (err < 0 || (err = git_blob_lookup(&blob, s->repo, git_tree_entry_id(e))) < 0) {
		err = dlg_error_git(err, path);
	} else {
		strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	}
	git_blob_free(blob);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return err;
}

static int operator_valid(const char *name)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++, n++)
		if (*p < 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return n > 0 && n <= 64;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * dlg.operator from the store's own .git/config, read without libgit2, so
 * that dlg show, which records what it displayed to whom, still never
 * loads it.  Only the plain form `git config dlg.operator NAME` writes is
 * taken ("[dlg]", then "operator = NAME"); the value, else NULL when the
 * file has none or has anything this reader is unsure of (quotes,
 * escapes, comments, includes, continued lines): libgit2 decides then.
 */
static char *local_config_operator(const struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	char *found = NULL;
	int in_dlg = 0, sure = 1;

	strbuf_addf(&path, "%s/config", s->gitdir);
	if (file_read_regular(&text, AT_FDCWD, path.buf, 0, 1 << 20) < 0)
		sure = 0;
	for (char *line = text.buf; sure && *line;) {
		char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line), *eq;
		while (line < end && is_blank(*line))
			line++;
		while (end > line && is_blank(end[-1]))
			end--;
		*end = '\0';
		if (*line == '[') {
			in_dlg = !strcasecmp(line, "[dlg]");
			sure = !strncasecmp(line, "[include", 8) ? 0 : line[strlen(line) - 1] == ']';
		} else if (end > line && end[-1] == '\\') {
			sure = 0;
		} else if (in_dlg && !strncasecmp(line, "operator", 8) &&
			   (eq = line + 8 + strspn(line + 8, " \t")) && *eq == '=') {
			eq += 1 + strspn(eq + 1, " \t");
			free(found);
			found = xstrdup(eq);
			sure = *eq && !strpbrk(eq, "\"\\;#");
		}
		line = nl ? nl + 1 : end;
	}
	if (!sure) {
		free(found);
		found = NULL;
	}
	strbuf_release(&path);
	strbuf_release(&text);
	return found;
}

int store_operator(const char **out, struct dlg_store *s)
{
	const char *env = getenv("DLG_OPERATOR");
	git_config *cfg = NULL;
	git_buf buf = { 0 };

	if (s->operator) {
		*out = s->operator;
		return 0;
	}
	if (env && *env) {
		s->operator = xstrdup(env);
		s->operator_from_env = 1;
	} else if (!s->repo && is_store_dir(s->root) && (s->operator = local_config_operator(s))) {
		; /* the store's own setting, which comes before the user's */
	} else if (!s->repo && is_store_dir(s->root) && store_git(s) < 0) {
		return DLG_ERROR; /* store_git said why */
	} else if (!s->repo && gitlib_load() < 0) {
		return DLG_ERROR; /* no store yet, but git's own settings need libgit2 */
	} else if (s->repo ? !git_repository_config(&cfg, s->repo) : !git_config_open_default(&cfg)) {
		/* not git's user.name: customers would read a name nobody chose for them */
		if (!git_config_get_string_buf(&buf, cfg, "dlg.operator"))
			s->operator = xstrdup(buf.ptr);
		git_buf_dispose(&buf);
		git_config_free(cfg);
	}
	if (!s->operator)
		return dlg_error(DLG_EINVALID, s->repo ?
				 "who are you? set DLG_OPERATOR or git config dlg.operator NAME" :
				 "who are you? set DLG_OPERATOR or git config --global dlg.operator NAME");
	if (!operator_valid(s->operator)) {
		int err = dlg_error(DLG_EINVALID, "invalid operator name '%s'", s->operator);
		free(s->operator);
		s->operator = NULL;
		return err;
	}
	*out = s->operator;
	return 0;
}

void store_operator_email(struct strbuf *out, struct dlg_store *s)
{
	const char *env = getenv("DLG_EMAIL"), *op = NULL;
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	int found = 0;

	if (env && *env) {
		strbuf_addstr(out, env);
		return;
	}
	if (store_operator(&op, s) < 0)
		op = "dlg";
	if (!store_git(s) && !git_repository_config(&cfg, s->repo)) {
		if (!git_config_get_string_buf(&buf, cfg, "dlg.email")) {
			found = 1;
		} else if (!s->operator_from_env) {
			/* git's user.email belongs with git's user.name, not with another operator */
			git_buf name = { 0 };
			if (!git_config_get_string_buf(&name, cfg, "user.name") && !strcmp(name.ptr, op) &&
			    !git_config_get_string_buf(&buf, cfg, "user.email"))
				found = 1;
			git_buf_dispose(&name);
		}
		if (found)
			strbuf_addstr(out, buf.ptr);
		git_buf_dispose(&buf);
		git_config_free(cfg);
	}
	if (!found)
		strbuf_addf(out, "%s@dlg.invalid", op);
}

/* The names of one shard listing that are ids starting with prefix. */
static void match_prefix(struct strlist *found, const char *name, const char *prefix, size_t plen)
{
	if (!strncmp(name, prefix, plen) && strlen(name) == DLG_ID_LEN)
		strlist_push(found, name);
}

/* The view holds every dialog and user of the tip (store_view_update runs
   before each command), so a shard directory answers without libgit2. */
static void resolve_in_view(struct strlist *found, struct dlg_store *s, const char *dir,
			    const char *prefix, size_t plen)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	DIR *d;
	strbuf_addf(&path, "%s/%s", s->root, dir);
	if ((d = opendir(path.buf))) {
		while ((de = readdir(d)))
			match_prefix(found, de->d_name, prefix, plen);
		closedir(d);
	}
	strbuf_release(&path);
}

static int resolve_in_tree(struct strlist *found, struct dlg_store *s, const char *dir,
			   const char *prefix, size_t plen)
{
	git_tree *tree = NULL, *leaf = NULL;
	git_tree_entry *e = NULL;
	int err;
	if ((err = store_git(s)) < 0 || (err = store_tip_tree(&tree, s)) < 0)
		return err;
	if (!git_tree_entry_bypath(&e, tree, dir) && git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    !git_tree_lookup(&leaf, s->repo, git_tree_entry_id(e))) {
		size_t n = git_tree_entrycount(leaf);
		for (size_t i = 0; i < n; i++)
			match_prefix(found, git_tree_entry_name(git_tree_entry_byindex(leaf, i)), prefix, plen);
	}
	git_tree_entry_free(e);
	git_tree_free(leaf);
	git_tree_free(tree);
	return 0;
}

/* The most candidates an ambiguous id's message lists. */
#define AMBIGUOUS_SHOWN 8

static int ambiguous(struct strlist *found, const char *what, const char *prefix)
{
	struct strbuf names = STRBUF_INIT;
	int err;
	strlist_sort(found);
	for (size_t i = 0; i < found->nr && i < AMBIGUOUS_SHOWN; i++)
		strbuf_addf(&names, "%s%s", i ? ", " : "", found->items[i]);
	if (found->nr > AMBIGUOUS_SHOWN)
		strbuf_addf(&names, " and %zu more", found->nr - AMBIGUOUS_SHOWN);
	err = dlg_error(DLG_EAMBIGUOUS, "ambiguous %sid '%s': %s", strcmp(what, "dialog") ? "user " : "",
			prefix, names.buf);
	strbuf_release(&names);
	return err;
}

int store_resolve(char out[17], struct dlg_store *s, const char *top, const char *prefix)
{
	const char *what = !strcmp(top, "users") ? "user" : "dialog";
	struct strbuf dir = STRBUF_INIT;
	struct strlist found = STRLIST_INIT;
	size_t plen = strlen(prefix);
	int err = 0;

	if (!is_hex_prefix(prefix) || plen > DLG_ID_LEN)
		return dlg_error(DLG_EINVALID, "'%s' is not a %s id", prefix, what);
	if (plen < DLG_ID_MIN)
		return dlg_error(DLG_EINVALID, "%s id '%s' is too short (at least %d hex digits)",
				 what, prefix, DLG_ID_MIN);
	/* Four digits name the shard directory, so a lookup reads one small directory. */
	strbuf_addf(&dir, "%s/%.2s/%.2s", top, prefix, prefix + 2);
	resolve_in_view(&found, s, dir.buf, prefix, plen);
	if (found.nr != 1) { /* the tree is the truth should the view be damaged */
		strlist_clear(&found);
		err = resolve_in_tree(&found, s, dir.buf, prefix, plen);
	}
	strbuf_release(&dir);
	if (!err && !found.nr)
		err = dlg_error(DLG_ENOTFOUND, "no %s '%s'", what, prefix);
	else if (!err && found.nr > 1)
		err = ambiguous(&found, what, prefix);
	else if (!err)
		memcpy(out, found.items[0], DLG_ID_LEN + 1);
	strlist_clear(&found);
	return err;
}

int store_commit_object(git_oid *out, struct dlg_store *s, git_repository *repo, const git_oid *tree_oid,
			const git_oid *parent_oids, size_t nparents, const char *message)
{
	{
		int gerr = store_git(s);
		if (gerr < 0)
			return gerr;
	}
	const git_commit *parents[2] = { NULL, NULL };
	git_commit *owned[2] = { NULL, NULL };
	git_signature *sig = NULL;
	git_tree *tree = NULL;
	struct strbuf email = STRBUF_INIT;
	const char *op;
	int err;

	if (nparents > 2)
		return dlg_error(DLG_EINVALID, "too many parents");
	if ((err = store_operator(&op, s)) < 0)
		return err;
	store_operator_email(&email, s);
	for (size_t i = 0; i < nparents && !err; i++) {
		err = git_commit_lookup(&owned[i], repo, &parent_oids[i]);
		parents[i] = owned[i];
	}
	if (err < 0 ||
	    (err = git_tree_lookup(&tree, repo, tree_oid)) < 0 ||
	    (err = git_signature_new(&sig, op, email.buf, (git_time_t)dlg_now(), 0)) < 0 ||
	    (err = git_commit_create(out, repo, NULL, sig, sig, NULL, message, tree,
				     nparents, parents)) < 0)
		err = dlg_error_git(err, "commit");
	git_signature_free(sig);
	git_tree_free(tree);
	git_commit_free(owned[0]);
	git_commit_free(owned[1]);
	strbuf_release(&email);
	return err;
}

int store_commit_tree(git_oid *out, struct dlg_store *s, const git_oid *tree_oid,
		      const git_oid *parent_oids, size_t nparents, const char *message)
{
	int err = store_commit_object(out, s, s->repo, tree_oid, parent_oids, nparents, message);
	return err ? err : store_branch_cas(s, out, nparents ? &parent_oids[0] : NULL);
}
