#ifndef DLG_STORE_REMOTE_H
#define DLG_STORE_REMOTE_H

#include "base/strbuf.h"
#include "store/arrived.h"
#include "store/store.h"
#include "store/sync.h"

/*
 * dlg sync with another store over git (store-format.md, "Syncing with
 * remotes"): fetch its main into refs/remotes/NAME/main, merge it
 * (store_sync), push main there without forcing; a rejected push (someone
 * pushed first) is fetched, merged and pushed again, SYNC_MAX_ATTEMPTS
 * pushes at most, after a short random pause that grows.
 */
/* A push must land between two moves of the other side's main.  At a
   busy hub (the soak test's: about 2 answers a second, each moving it
   twice, sending then sent) about 1 sync in 20 was refused 8 times in a
   row, about 1 in 150 16 times; the next sync goes on. */
#define SYNC_MAX_ATTEMPTS 16

/*
 * A user name and password for a URL come from the front end (git
 * credential fill); the library never prompts.  fill returns 0 with both
 * set, or a DLG_E* code (the error slot says why).  done says whether they
 * worked (git credential approve / reject).  ssh keys come from ssh-agent,
 * then ~/.ssh/id_ed25519, id_ecdsa and id_rsa (unencrypted), without asking.
 */
struct sync_credentials {
	int (*fill)(struct strbuf *user, struct strbuf *password, const char *url, void *payload);
	void (*done)(const char *url, const char *user, const char *password, int worked,
		     void *payload);
	void *payload;
};

/* One connection's credentials (tried in the order above, each once) and
   progress (base/progress.h), for a clone as for a sync. */
struct remote_auth {
	const struct sync_credentials *cred;
	struct strbuf said;        /* the remote as messages name it (no password) */
	struct strbuf url;
	int ssh_step, pass_asked;
	struct strbuf user, pass;
};
#define REMOTE_AUTH_INIT(cred) { (cred), STRBUF_INIT, STRBUF_INIT, 0, 0, STRBUF_INIT, STRBUF_INIT }
/* Sets cb's credentials and progress callbacks, with a as their payload. */
void remote_auth_callbacks(git_remote_callbacks *cb, struct remote_auth *a);
/* After the operation (code: libgit2's): the front end learns whether the
   password it gave worked, and the password is forgotten. */
void remote_auth_done(struct remote_auth *a, int code);
void remote_auth_release(struct remote_auth *a);

struct sync_remote_result {
	struct strbuf name;        /* the remote as said, a URL redacted */
	int remote_had_main;       /* else it was empty and gets ours */
	enum sync_result merge;    /* the last merge's */
	int pushed;                /* main went there (0: it had it already) */
	int attempts;              /* pushes tried */
	struct sync_arrived arrived;
	/* A push to a path or file:// moved that repository's main itself, so
	   no receive-pack ran its hooks: its git directory and the update, for
	   the front end to run post-receive as git would (a hub's follows). */
	struct strbuf local_gitdir;
	char pushed_old[GIT_OID_HEXSZ + 1], pushed_new[GIT_OID_HEXSZ + 1];
};
#define SYNC_REMOTE_RESULT_INIT { STRBUF_INIT, 0, SYNC_UP_TO_DATE, 0, 0, SYNC_ARRIVED_INIT, STRBUF_INIT, "", "" }
void sync_remote_result_clear(struct sync_remote_result *r);

/* Whether dlg sync takes arg for a remote: a configured remote's name, a
   URL, or a path (it holds a ':', which no ref may, starts with '/' or
   '.', or names a directory); anything else is a ref. */
int sync_arg_is_remote(struct dlg_store *s, const char *arg);
/* The upstream, git's branch.main.remote (dlg clone sets it);
   DLG_ENOTFOUND when there is none. */
int store_upstream(struct strbuf *out, struct dlg_store *s);
/* Syncs with remote (a remote's name, a URL or a path); cred may be NULL. */
int store_sync_remote(struct sync_remote_result *out, struct dlg_store *s, const char *remote,
		      const struct sync_credentials *cred);

#endif
