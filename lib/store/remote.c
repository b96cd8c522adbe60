/*
 * dlg sync REMOTE: fetch, merge, push, again while the push is rejected.
 *
 * What is fetched is hostile.  The fetch writes objects and one ref,
 * refs/remotes/NAME/main: the remote is an in-memory one made from the
 * configured URL, so only the refspec given here applies (no configured
 * refspec, no tags, no FETCH_HEAD), and nothing fetched reaches main or
 * the view except through store_sync(), which checks every path first.
 *
 * The push never forces.  Over the network the server's receive-pack
 * compares and swaps the branch.  libgit2's local transport (a path,
 * file://) would not: it overwrites the branch from a tip it read at
 * connect time, so two clones pushing at once could lose one's commits.
 * A local push therefore sends the objects under a ref of its own and then
 * moves the other repository's main itself, from the tip it merged.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/hex.h"
#include "base/progress.h"
#include "base/redact.h"
#include "base/time.h"
#include "git/error.h"
#include "store/branch.h"
#include "store/remote.h"

struct remote {
	struct remote_auth auth;  /* first: libgit2's callbacks get its address */
	struct dlg_store *s;
	struct strbuf pushurl;
	struct strbuf track;      /* refs/remotes/NAME/main */
	int local;                /* a path or file:// */
	/* the push */
	int rejected;
	struct strbuf why;
};

void sync_remote_result_clear(struct sync_remote_result *r)
{
	strbuf_release(&r->name);
	strbuf_release(&r->local_gitdir);
	sync_arrived_clear(&r->arrived);
}

/* A libgit2 failure, its message redacted: a URL in it may hold a password. */
static int remote_error(struct remote *r, int code, const char *what)
{
	struct strbuf msg = STRBUF_INIT;
	int ret;

	dlg_error_git(code, what);
	text_redact(&msg, dlg_error_last(), strlen(dlg_error_last()));
	ret = dlg_error(code == GIT_ENOTFOUND ? DLG_ENOTFOUND : code == GIT_EAUTH ? DLG_EINVALID : DLG_ENETWORK,
			"%s: %s", r->auth.said.buf, msg.buf);
	strbuf_release(&msg);
	return ret;
}

static int is_local_url(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	if (!strncmp(url, "file://", 7))
		return 1;
	/* host:path (ssh's short form) has its colon before any slash */
	return !strstr(url, "://") && (!colon || (slash && slash < colon));
}

static const char *local_path(const char *url)
{
	return strncmp(url, "file://", 7) ? url : url + 7;
}

int sync_arg_is_remote(struct dlg_store *s, const char *arg)
{
	git_remote *named = NULL;
	struct stat st;

	if (strchr(arg, ':') || arg[0] == '/' || arg[0] == '.' || (!stat(arg, &st) && S_ISDIR(st.st_mode)))
		return 1;
	if (store_git(s) < 0 || git_remote_lookup(&named, s->repo, arg) < 0)
		return 0;
	git_remote_free(named);
	return 1;
}

int store_upstream(struct strbuf *out, struct dlg_store *s)
{
	git_config *cfg = NULL;
	git_buf buf = { 0 };
	int err;

	if ((err = store_git(s)) < 0)
		return err;
	if ((err = git_repository_config(&cfg, s->repo)) < 0)
		return dlg_error_git(err, "read .git/config");
	err = git_config_get_string_buf(&buf, cfg, "branch.main.remote");
	if (!err && buf.size) {
		strbuf_addstr(out, buf.ptr);
	} else {
		err = dlg_error(DLG_ENOTFOUND, "no upstream (git config branch.main.remote)");
	}
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return err;
}

/* A name for a URL given directly: its last path component, in the
   characters a ref's component may hold. */
static void derive_name(struct strbuf *out, const char *url)
{
	size_t end = strlen(url), start;

	while (end && url[end - 1] == '/')
		end--;
	if (end >= 5 && !strncmp(url + end - 5, "/.git", 5))
		end -= 5;
	else if (end >= 4 && !strncmp(url + end - 4, ".git", 4))
		end -= 4;
	start = end;
	while (start && url[start - 1] != '/' && url[start - 1] != ':')
		start--;
	for (size_t i = start; i < end; i++) {
		char c = url[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '_' || c == '-' || (c == '.' && out->len);
		strbuf_addch(out, ok ? c : '-');
	}
	if (!out->len)
		strbuf_addstr(out, "remote");
}

static int resolve(struct remote *r, const char *arg)
{
	git_remote *named = NULL;
	int err;

	if ((err = store_git(r->s)) < 0)
		return err;
	if (strpbrk(arg, "\n\r") || !*arg)
		return dlg_error(DLG_EINVALID, "'%s' is no remote (a line break in it)", arg);
	if (!git_remote_lookup(&named, r->s->repo, arg)) {
		const char *url = git_remote_url(named), *push = git_remote_pushurl(named);
		if (!url) {
			git_remote_free(named);
			return dlg_error(DLG_EINVALID, "remote '%s' has no URL", arg);
		}
		strbuf_addstr(&r->auth.said, arg);
		strbuf_addstr(&r->auth.url, url);
		strbuf_addstr(&r->pushurl, push ? push : url);
		strbuf_addf(&r->track, "refs/remotes/%s/main", arg);
		git_remote_free(named);
	} else {
		struct strbuf name = STRBUF_INIT;
		url_redact(&r->auth.said, arg, strlen(arg));
		strbuf_addstr(&r->auth.url, arg);
		strbuf_addstr(&r->pushurl, arg);
		derive_name(&name, arg);
		if (!git_remote_lookup(&named, r->s->repo, name.buf)) {
			/* a configured remote of that name has another URL */
			char hex[9];
			random_hex(hex, 8);
			strbuf_addf(&name, "-%s", hex);
			git_remote_free(named);
		}
		strbuf_addf(&r->track, "refs/remotes/%s/main", name.buf);
		strbuf_release(&name);
	}
	r->local = is_local_url(r->pushurl.buf);
	return 0;
}

static const char *ssh_user(const char *from_url)
{
	struct passwd *pw;
	if (from_url && *from_url)
		return from_url;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "git";
}

/* ssh: the agent, then each unencrypted key of ~/.ssh, once per connection. */
static int ssh_key(git_credential **out, struct remote_auth *r, const char *user)
{
	static const char *const keys[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	const char *home = getenv("HOME");

	while (r->ssh_step <= 3) {
		int step = r->ssh_step++;
		struct strbuf key = STRBUF_INIT, pub = STRBUF_INIT;
		int err;
		if (!step) {
			const char *sock = getenv("SSH_AUTH_SOCK");
			if (sock && *sock)
				return git_credential_ssh_key_from_agent(out, user);
			continue;
		}
		if (!home)
			continue;
		strbuf_addf(&key, "%s/.ssh/%s", home, keys[step - 1]);
		strbuf_addf(&pub, "%s.pub", key.buf);
		err = access(key.buf, R_OK) ? 1 :
		      git_credential_ssh_key_new(out, user, access(pub.buf, R_OK) ? NULL : pub.buf, key.buf, NULL);
		strbuf_release(&key);
		strbuf_release(&pub);
		if (err <= 0)
			return err;
	}
	return dlg_error(DLG_EINVALID, "%s: ssh refused every key (ssh-agent, ~/.ssh/id_ed25519, id_ecdsa, id_rsa)",
			 r->said.buf);
}

static int credentials(git_credential **out, const char *url, const char *user_from_url,
		       unsigned int allowed, void *payload)
{
	struct remote_auth *r = payload;
	int err;

	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return ssh_key(out, r, ssh_user(user_from_url)) < 0 ? GIT_EUSER : 0;
	if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
		if (r->pass_asked || !r->cred || !r->cred->fill) {
			if (r->pass_asked)
				r->pass_asked++; /* the server refused them */
			dlg_error(DLG_EINVALID, "%s: authentication failed%s", r->said.buf,
				  r->pass_asked ? "" : " (no credentials)");
			return GIT_EUSER;
		}
		r->pass_asked = 1;
		strbuf_reset(&r->user);
		strbuf_reset(&r->pass);
		if ((err = r->cred->fill(&r->user, &r->pass, url, r->cred->payload)) < 0)
			return GIT_EUSER;
		redact_secret_add(r->pass.buf);
		if (user_from_url && *user_from_url && !r->user.len)
			strbuf_addstr(&r->user, user_from_url);
		return git_credential_userpass_plaintext_new(out, r->user.buf, r->pass.buf);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, ssh_user(user_from_url));
	dlg_error(DLG_EINVALID, "%s: no way to authenticate that dlg knows", r->said.buf);
	return GIT_EUSER;
}

static int fetch_progress(const git_indexer_progress *stats, void *payload)
{
	(void)payload;
	dlg_progress("objects", stats->received_objects, stats->total_objects);
	return 0;
}

static int push_progress(unsigned int current, unsigned int total, size_t bytes, void *payload)
{
	(void)bytes;
	(void)payload;
	dlg_progress("objects", current, total);
	return 0;
}

static int push_status(const char *refname, const char *status, void *payload)
{
	struct remote *r = payload;
	(void)refname;
	if (status) {
		r->rejected = 1;
		strbuf_reset(&r->why);
		text_redact(&r->why, status, strlen(status));
	}
	return 0;
}

void remote_auth_callbacks(git_remote_callbacks *cb, struct remote_auth *r)
{
	git_remote_init_callbacks(cb, GIT_REMOTE_CALLBACKS_VERSION);
	cb->credentials = credentials;
	cb->transfer_progress = fetch_progress;
	cb->push_transfer_progress = push_progress;
	cb->push_update_reference = push_status;
	cb->payload = r;
	r->ssh_step = 0;
	r->pass_asked = 0;
}

/* What git credential approve/reject learns after an operation that asked
   (code: libgit2's); a failure that is not the server refusing them says
   nothing of them. */
void remote_auth_done(struct remote_auth *r, int code)
{
	int refused = code == GIT_EAUTH || (code == GIT_EUSER && r->pass_asked > 1);

	if (!r->pass_asked)
		return;
	if (r->cred && r->cred->done && (!code || refused))
		r->cred->done(r->url.buf, r->user.buf, r->pass.buf, !code, r->cred->payload);
	redact_secret_remove(r->pass.buf);
	/* the password was shown to nobody; now it is gone from memory too */
	memset(r->pass.buf, 0, r->pass.len);
	strbuf_reset(&r->pass);
}

void remote_auth_release(struct remote_auth *a)
{
	strbuf_release(&a->said);
	strbuf_release(&a->url);
	strbuf_release(&a->user);
	strbuf_release(&a->pass);
}

/* Fetches the remote's main into r->track; *has_main says whether it has
   one (or had: a main deleted there stays here, and the push, expecting
   it, is refused). */
static int fetch(int *has_main, git_oid *tip, struct remote *r)
{
	git_fetch_options fo;
	git_remote *remote = NULL;
	struct strbuf spec = STRBUF_INIT;
	char *specs[1];
	git_strarray refspecs = { specs, 1 };
	int err;

	*has_main = 0;
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	strbuf_addf(&spec, "+refs/heads/main:%s", r->track.buf);
	specs[0] = spec.buf;
	remote_auth_callbacks(&fo.callbacks, &r->auth);
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.prune = GIT_FETCH_NO_PRUNE;
	if ((err = git_remote_create_anonymous(&remote, r->s->repo, r->auth.url.buf)) < 0) {
		err = remote_error(r, err, "fetch");
	} else if ((err = git_remote_fetch(remote, &refspecs, &fo, "dlg sync: fetch")) < 0) {
		remote_auth_done(&r->auth, err);
		err = err == GIT_EUSER ? DLG_EINVALID : remote_error(r, err, "fetch");
	} else {
		remote_auth_done(&r->auth, 0);
	}
	git_remote_free(remote);
	strbuf_release(&spec);
	if (err < 0)
		return err;
	*has_main = !git_reference_name_to_id(tip, r->s->repo, r->track.buf);
	return 0;
}

/*
 * libgit2's local transport lists the other repository's refs when it
 * connects and again after it wrote its own, and fails on a ref that
 * another push removed in between: one of the incoming refs below.  Then
 * ours may or may not be there; local_cas looks.
 */
static int incoming_ref_vanished(void)
{
	const git_error *e = git_error_last();
	return e && e->message && strstr(e->message, "'refs/dlg/incoming/") && strstr(e->message, "not found");
}

/* Moves main in the repository at the push URL from old (NULL: none) to
   new_oid, once the objects pushed under incoming are there;
   r->rejected when main moved meanwhile. */
static int local_cas(struct remote *r, const char *incoming, const git_oid *new_oid, const git_oid *old)
{
	git_repository *other = NULL;
	git_reference *ref = NULL;
	const char *path = local_path(r->pushurl.buf);
	git_oid arrived;
	int err;

	if ((err = git_repository_open_ext(&other, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL)) < 0)
		return remote_error(r, err, "open");
	if (git_reference_name_to_id(&arrived, other, incoming) < 0 || !git_oid_equal(&arrived, new_oid)) {
		/* another push's ref vanished under libgit2 before ours was
		   written: nothing of ours is there, so try again as after a
		   refusal */
		r->rejected = 1;
		strbuf_reset(&r->why);
		strbuf_addstr(&r->why, "another push was under way");
		err = 0;
	} else if (flush_fs(path) < 0) {
		/* the objects are on disk before the branch names them */
		err = dlg_error(DLG_ERROR, "%s: flush: %s", r->auth.said.buf, strerror(errno));
	} else {
		err = old ? git_reference_create_matching(&ref, other, DLG_BRANCH, new_oid, 1, old, "dlg sync: push")
			  : git_reference_create(&ref, other, DLG_BRANCH, new_oid, 0, "dlg sync: push");
		/* moved since the fetch, or moving now (git's lock on it) */
		if (err == GIT_EMODIFIED || err == GIT_EEXISTS || err == GIT_ELOCKED) {
			r->rejected = 1;
			strbuf_reset(&r->why);
			strbuf_addstr(&r->why, err == GIT_ELOCKED ? "main is being moved" : "main moved meanwhile");
			err = 0;
		} else if (err < 0) {
			err = remote_error(r, err, "push");
		}
	}
	git_reference_remove(other, incoming);
	git_reference_free(ref);
	git_repository_free(other);
	return err;
}

/* Pushes main; r->rejected when the remote moved first.  A local push
   that moved main says where, and from what to what, in out. */
static int push(struct sync_remote_result *out, struct remote *r, int remote_had_main,
		const git_oid *remote_tip)
{
	git_push_options po;
	git_remote *remote = NULL;
	struct strbuf spec = STRBUF_INIT, incoming = STRBUF_INIT;
	char *specs[1], hex[17];
	git_strarray refspecs = { specs, 1 };
	git_oid tip;
	int err;

	r->rejected = 0;
	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	if ((err = store_tip(&tip, r->s)) < 0)
		return err;
	if (r->local) {
		random_hex(hex, 16);
		strbuf_addf(&incoming, "refs/dlg/incoming/%s", hex);
		strbuf_addf(&spec, "%s:%s", DLG_BRANCH, incoming.buf);
	} else {
		strbuf_addf(&spec, "%s:%s", DLG_BRANCH, DLG_BRANCH);
	}
	specs[0] = spec.buf;
	remote_auth_callbacks(&po.callbacks, &r->auth);
	if ((err = git_remote_create_anonymous(&remote, r->s->repo, r->pushurl.buf)) < 0) {
		err = remote_error(r, err, "push");
	} else if ((err = git_remote_push(remote, &refspecs, &po)) == GIT_ENONFASTFORWARD) {
		/* the remote moved between our fetch and this connection */
		remote_auth_done(&r->auth, 0);
		r->rejected = 1;
		err = 0;
	} else if (err < 0 && !(r->local && incoming_ref_vanished())) {
		remote_auth_done(&r->auth, err);
		err = err == GIT_EUSER ? DLG_EINVALID : remote_error(r, err, "push");
	} else {
		remote_auth_done(&r->auth, 0);
		if (r->local && !r->rejected)
			err = local_cas(r, incoming.buf, &tip, remote_had_main ? remote_tip : NULL);
		if (r->local && !err && !r->rejected) {
			strbuf_reset(&out->local_gitdir);
			strbuf_addstr(&out->local_gitdir, local_path(r->pushurl.buf));
			if (remote_had_main)
				git_oid_tostr(out->pushed_old, sizeof(out->pushed_old), remote_tip);
			else
				memset(out->pushed_old, '0', GIT_OID_HEXSZ);
			out->pushed_old[GIT_OID_HEXSZ] = '\0';
			git_oid_tostr(out->pushed_new, sizeof(out->pushed_new), &tip);
		}
	}
	if (!err && !r->rejected) {
		git_reference *ref = NULL;
		/* as git push does: the remote-tracking ref follows */
		if (!git_reference_create(&ref, r->s->repo, r->track.buf, &tip, 1, "dlg sync: push"))
			git_reference_free(ref);
	}
	git_remote_free(remote);
	strbuf_release(&spec);
	strbuf_release(&incoming);
	return err;
}

/* 50 ms to a bound that doubles with each rejection, up to 500 ms. */
static void back_off(int rejections)
{
	char hex[5];
	unsigned long bound = 50UL << (rejections < 4 ? rejections : 4), ms;
	struct timespec ts;

	if (bound > 500)
		bound = 500;
	random_hex(hex, 4);
	ms = 50 + strtoul(hex, NULL, 16) % (bound - 49);
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(ms * 1000000UL);
	nanosleep(&ts, NULL);
}

static int sync_loop(struct sync_remote_result *out, struct remote *r)
{
	git_oid remote_tip, tip;
	int has_main, err;

	for (;;) {
		if ((err = fetch(&has_main, &remote_tip, r)) < 0)
			return err;
		trace_perf("sync: fetched");
		out->remote_had_main = has_main;
		if (has_main && (err = store_sync_flags(&out->merge, r->s, r->track.buf, SYNC_CONTAIN_THEIRS)) < 0)
			return err;
		trace_perf("sync: merged");
		if ((err = store_tip(&tip, r->s)) < 0)
			return err;
		if (has_main && git_oid_equal(&tip, &remote_tip))
			return 0; /* nothing of ours is missing there */
		out->attempts++;
		if ((err = push(out, r, has_main, &remote_tip)) < 0)
			return err;
		trace_perf(r->rejected ? "sync: push rejected" : "sync: pushed");
		if (!r->rejected) {
			out->pushed = 1;
			return 0;
		}
		if (out->attempts >= SYNC_MAX_ATTEMPTS)
			return dlg_error(DLG_EMODIFIED, "%s: push rejected %d times (%s): others keep pushing; run dlg sync again",
					 r->auth.said.buf, out->attempts, r->why.len ? r->why.buf : "non-fast-forward");
		back_off(out->attempts);
	}
}

int store_sync_remote(struct sync_remote_result *out, struct dlg_store *s, const char *arg,
		      const struct sync_credentials *cred)
{
	struct remote r = { REMOTE_AUTH_INIT(cred), s, STRBUF_INIT, STRBUF_INIT, 0, 0, STRBUF_INIT };
	git_oid before, after;
	int err;

	if ((err = resolve(&r, arg)) < 0)
		goto out;
	strbuf_addbuf(&out->name, &r.auth.said);
	if ((err = store_tip(&before, s)) < 0 || (err = sync_loop(out, &r)) < 0 ||
	    (err = store_tip(&after, s)) < 0)
		goto out;
	if (!git_oid_equal(&before, &after))
		err = sync_arrived(&out->arrived, s->repo, &before, &after);
out:
	remote_auth_release(&r.auth);
	strbuf_release(&r.pushurl);
	strbuf_release(&r.track);
	strbuf_release(&r.why);
	return err;
}
