/*
 * A transaction: the writes one command makes, applied to the branch tip as
 * one commit built from the previous tree with only the changed paths, so
 * its cost follows the number of changed paths, not the size of the store.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "git/gitlib.h"
#include "git/loose.h"
#include "git/packwrite.h"

#include "base/error.h"
#include "base/progress.h"
#include "base/time.h"
#include "git/error.h"
#include "store/branch.h"
#include "store/gc.h"
#include "store/store.h"
#include "store/tx.h"
#include "store/view.h"

struct tx_update {
	char *path;
	struct strbuf data;   /* the new content; blobs are made at commit time only */
	int remove;
	int same;             /* the base has this content there: the view needs no write */
};

/*
 * A big change's new blobs, compressed into its pack by a second thread
 * while the change builds its trees: they are the larger half of its
 * objects' bytes, and the trees take the main thread as long.
 */
struct blob_job {
	pthread_t thread;
	struct pack_part part;
	struct { git_oid id; const struct strbuf *data; } *blobs;
	size_t nr, alloc;
	size_t first;         /* where they are in the record's oids */
	int started, err;
};

/* Fewer new blobs than this are not worth a thread (a pack takes 100 objects). */
#define BLOB_JOB_MIN 64

struct dlg_tx {
	struct dlg_store *store;
	git_repository *repo;        /* reads the store, writes to memory */
	git_odb_backend *mempack;    /* new objects collect here (a record_backend) until the commit */
	git_oid base_oid, commit_oid; /* the commit is made by tx_commit */
	git_tree *base_tree;
	struct tx_update *u;
	size_t nr, alloc;
	size_t *slots;               /* open-addressing hash of paths: index + 1, 0 = free */
	size_t nslots;
	struct strbuf msg;
	time_t now;
	const char *actor;           /* who the operations are by, when not the operator */
	struct blob_job job;
};

/*
 * Reading the store's objects from a change's handle.  libgit2 1.5 refreshes
 * every backend after each write of a new object (it looks for the object
 * first); this read-only proxy has nothing to refresh, so a write costs a
 * hash and a copy.
 */
struct proxy_backend {
	git_odb_backend parent;
	git_odb *target;
};

static int proxy_read(void **buf, size_t *len, git_object_t *type, git_odb_backend *b, const git_oid *oid)
{
	git_odb_object *obj = NULL;
	int err = git_odb_read(&obj, ((struct proxy_backend *)b)->target, oid);
	if (err < 0)
		return err;
	*len = git_odb_object_size(obj);
	*type = git_odb_object_type(obj);
	*buf = git_odb_backend_data_alloc(b, *len ? *len : 1);
	if (*buf && *len)
		memcpy(*buf, git_odb_object_data(obj), *len);
	git_odb_object_free(obj);
	return *buf ? 0 : -1;
}

static int proxy_read_header(size_t *len, git_object_t *type, git_odb_backend *b, const git_oid *oid)
{
	return git_odb_read_header(len, type, ((struct proxy_backend *)b)->target, oid);
}

/* Asked before each write whether the new object exists: a miss must not
   rescan the store's pack directory every time. */
static int proxy_exists(git_odb_backend *b, const git_oid *oid)
{
	return git_odb_exists_ext(((struct proxy_backend *)b)->target, oid, GIT_ODB_LOOKUP_NO_REFRESH);
}

/*
 * Asked by every write whether the object is there already, to refresh its
 * time: a change's new trees are new, and each look in the store cost a
 * failed access(2) in objects/ and a search of every pack index.  Writing
 * one that is there after all only packs it twice, as git does too.
 */
static int proxy_freshen(git_odb_backend *b, const git_oid *oid)
{
	return GIT_ENOTFOUND;
}

static void proxy_free(git_odb_backend *b)
{
	git_odb_free(((struct proxy_backend *)b)->target);
	free(b);
}

/*
 * The in-memory store of a change, recording what is written:
 * git_mempack_dump() would pack each commit with its whole tree (the whole
 * store), while the pack only needs the objects this change made.
 */
struct record_backend {
	git_odb_backend parent;
	git_odb_backend *mem;
	git_oid *oids;
	size_t nr, alloc;
};

static int record_read(void **buf, size_t *len, git_object_t *type, git_odb_backend *b, const git_oid *oid)
{
	git_odb_backend *mem = ((struct record_backend *)b)->mem;
	return mem->read(buf, len, type, mem, oid);
}

static int record_read_header(size_t *len, git_object_t *type, git_odb_backend *b, const git_oid *oid)
{
	git_odb_backend *mem = ((struct record_backend *)b)->mem;
	return mem->read_header(len, type, mem, oid);
}

static int record_exists(git_odb_backend *b, const git_oid *oid)
{
	git_odb_backend *mem = ((struct record_backend *)b)->mem;
	return mem->exists(mem, oid);
}

static int record_write(git_odb_backend *b, const git_oid *oid, const void *data, size_t len,
			git_object_t type)
{
	struct record_backend *r = (struct record_backend *)b;
	if (r->mem->exists(r->mem, oid))
		return 0;
	ALLOC_GROW(r->oids, r->nr + 1, r->alloc);
	git_oid_cpy(&r->oids[r->nr++], oid);
	return r->mem->write(r->mem, oid, data, len, type);
}

static void record_free(git_odb_backend *b)
{
	struct record_backend *r = (struct record_backend *)b;
	r->mem->free(r->mem);
	free(r->oids);
	free(r);
}

/* A handle on the store whose writes stay in memory (*mempack) until flushed. */
static int open_memory(git_repository **out, git_odb_backend **mempack, struct dlg_store *s)
{
	struct proxy_backend *proxy = xcalloc(1, sizeof(*proxy));
	struct record_backend *rec = xcalloc(1, sizeof(*rec));
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	int err;

	*out = NULL;
	*mempack = NULL;
	git_odb_init_backend(&proxy->parent, GIT_ODB_BACKEND_VERSION);
	proxy->parent.read = proxy_read;
	proxy->parent.read_header = proxy_read_header;
	proxy->parent.exists = proxy_exists;
	proxy->parent.freshen = proxy_freshen;
	proxy->parent.free = proxy_free;
	if ((err = git_repository_odb(&proxy->target, s->repo)) < 0) {
		free(proxy);
		return dlg_error_git(err, "open the object store");
	}
	if ((err = git_odb_new(&odb)) < 0 ||
	    (err = git_odb_add_backend(odb, &proxy->parent, 1)) < 0) {
		proxy_free(&proxy->parent);
		git_odb_free(odb);
		return dlg_error_git(err, "open the object store");
	}
	git_odb_init_backend(&rec->parent, GIT_ODB_BACKEND_VERSION);
	rec->parent.read = record_read;
	rec->parent.read_header = record_read_header;
	rec->parent.exists = record_exists;
	rec->parent.write = record_write;
	rec->parent.free = record_free;
	if ((err = git_mempack_new(&rec->mem)) < 0) {
		free(rec);
		goto fail;
	}
	*mempack = &rec->parent;
	if ((err = git_odb_add_backend(odb, *mempack, 2)) < 0) {
		(*mempack)->free(*mempack);
		goto fail;
	}
	if ((err = git_repository_wrap_odb(&repo, odb)) < 0) {
fail:
		*mempack = NULL;
		git_repository_free(repo);
		git_odb_free(odb);
		return dlg_error_git(err, "open the object store");
	}
	git_odb_free(odb); /* the repository holds it, and the odb its backends */
	*out = repo;
	return 0;
}

static size_t path_hash(const char *p)
{
	size_t h = 1469598103934665603ULL;
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

static void slots_rebuild(struct dlg_tx *tx, size_t n)
{
	free(tx->slots);
	tx->nslots = n;
	tx->slots = xcalloc(n, sizeof(*tx->slots));
	for (size_t i = 0; i < tx->nr; i++) {
		size_t k = path_hash(tx->u[i].path) & (n - 1);
		while (tx->slots[k])
			k = (k + 1) & (n - 1);
		tx->slots[k] = i + 1;
	}
}

struct dlg_store *tx_store(struct dlg_tx *tx) { return tx->store; }
time_t tx_time(struct dlg_tx *tx) { return tx->now; }

const char *tx_operator(struct dlg_tx *tx)
{
	const char *op = NULL;
	if (tx->actor)
		return tx->actor;
	store_operator(&op, tx->store); /* resolved before the transaction began */
	return op ? op : "-";
}

static struct tx_update *tx_find(struct dlg_tx *tx, const char *path)
{
	if (!tx->nslots)
		return NULL;
	for (size_t k = path_hash(path) & (tx->nslots - 1); tx->slots[k]; k = (k + 1) & (tx->nslots - 1))
		if (!strcmp(tx->u[tx->slots[k] - 1].path, path))
			return &tx->u[tx->slots[k] - 1];
	return NULL;
}

static struct tx_update *tx_slot(struct dlg_tx *tx, const char *path)
{
	struct tx_update *u = tx_find(tx, path);
	if (u)
		return u;
	ALLOC_GROW(tx->u, tx->nr + 1, tx->alloc);
	u = &tx->u[tx->nr++];
	memset(u, 0, sizeof(*u));
	u->path = xstrdup(path);
	if (2 * tx->nr > tx->nslots)
		slots_rebuild(tx, tx->nslots ? 2 * tx->nslots : 64);
	else {
		size_t k = path_hash(path) & (tx->nslots - 1);
		while (tx->slots[k])
			k = (k + 1) & (tx->nslots - 1);
		tx->slots[k] = tx->nr;
	}
	return u;
}

static int read_blob(struct strbuf *out, git_repository *repo, const git_oid *oid, const char *path)
{
	git_blob *blob = NULL;
	int err = git_blob_lookup(&blob, repo, oid);
	if (err < 0)
		return dlg_error_git(err, path);
	strbuf_add(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return 0;
}

int tx_read(struct strbuf *out, struct dlg_tx *tx, const char *path)
{
	struct tx_update *u = tx_find(tx, path);
	git_tree_entry *e = NULL;
	int err;

	if (u) {
		if (u->remove)
			return DLG_ENOTFOUND;
		strbuf_addbuf(out, &u->data);
		return 0;
	}
	err = git_tree_entry_bypath(&e, tx->base_tree, path);
	if (err == GIT_ENOTFOUND)
		return DLG_ENOTFOUND;
	if (err < 0)
		return dlg_error_git(err, path);
	if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
		err = DLG_ENOTFOUND;
	else
		err = read_blob(out, tx->repo, git_tree_entry_id(e), path);
	git_tree_entry_free(e);
	return err;
}

int tx_write(struct dlg_tx *tx, const char *path, const void *data, size_t len)
{
	struct tx_update *u = tx_slot(tx, path);
	strbuf_reset(&u->data);
	strbuf_add(&u->data, data, len);
	u->remove = 0;
	return 0;
}

int tx_remove(struct dlg_tx *tx, const char *path)
{
	/* Files only: a pending file or one of the base tree. */
	struct tx_update *found = tx_find(tx, path);
	git_tree_entry *e = NULL;
	if (!found) {
		if (git_tree_entry_bypath(&e, tx->base_tree, path) < 0)
			return 0;
		git_tree_entry_free(e);
	} else if (found->remove) {
		return 0;
	}
	struct tx_update *u = tx_slot(tx, path);
	strbuf_release(&u->data);
	u->remove = 1;
	return 0;
}

int tx_list(struct strlist *out, struct dlg_tx *tx, const char *dir)
{
	git_tree_entry *e = NULL;
	git_tree *sub = NULL;
	size_t dlen = strlen(dir);
	struct strlist names = STRLIST_INIT;

	if (!git_tree_entry_bypath(&e, tx->base_tree, dir) &&
	    git_tree_entry_type(e) == GIT_OBJECT_TREE &&
	    !git_tree_lookup(&sub, tx->repo, git_tree_entry_id(e))) {
		size_t n = git_tree_entrycount(sub);
		for (size_t i = 0; i < n; i++)
			strlist_push(&names, git_tree_entry_name(git_tree_entry_byindex(sub, i)));
	}
	git_tree_free(sub);
	git_tree_entry_free(e);
	for (size_t i = 0; i < tx->nr; i++) {
		const char *p = tx->u[i].path, *rest, *slash;
		if (tx->u[i].remove || strncmp(p, dir, dlen) || p[dlen] != '/')
			continue;
		rest = p + dlen + 1;
		slash = strchr(rest, '/');
		char *name = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
		if (strlist_has(&names, name))
			free(name);
		else
			strlist_push_nodup(&names, name);
	}
	/* Drop names removed in this transaction (files only; directories vanish with their last file). */
	for (size_t i = 0; i < names.nr;) {
		struct strbuf full = STRBUF_INIT;
		strbuf_addf(&full, "%s/%s", dir, names.items[i]);
		struct tx_update *u = tx_find(tx, full.buf);
		strbuf_release(&full);
		if (u && u->remove) {
			free(names.items[i]);
			names.items[i] = names.items[--names.nr];
		} else {
			i++;
		}
	}
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++)
		strlist_push_nodup(out, names.items[i]);
	free(names.items);
	return 0;
}

void tx_message(struct dlg_tx *tx, const char *fmt, ...)
{
	va_list ap;
	strbuf_reset(&tx->msg);
	va_start(ap, fmt);
	strbuf_vaddf(&tx->msg, fmt, ap);
	va_end(ap);
}

static void *blob_job_run(void *arg)
{
	struct blob_job *job = arg;
	for (size_t i = 0; i < job->nr && !job->err; i++)
		job->err = pack_part_add(&job->part, &job->blobs[i].id, GIT_OBJECT_BLOB, job->blobs[i].data->buf,
					 job->blobs[i].data->len);
	return NULL;
}

/* Starts the job on the blobs it holds, when they are enough; else
   forgets them (flush_mempack compresses them itself). */
static void blob_job_start(struct blob_job *job)
{
	if (job->nr >= BLOB_JOB_MIN && pack_part_init(&job->part) == 0)
		job->started = !pthread_create(&job->thread, NULL, blob_job_run, job);
	if (!job->started) {
		if (job->nr >= BLOB_JOB_MIN)
			dlg_error_clear(); /* no thread or no zlib: flush_mempack does it all */
		pack_part_release(&job->part);
		job->nr = 0;
	}
}

static void blob_job_join(struct blob_job *job)
{
	if (job->started) {
		pthread_join(job->thread, NULL);
		job->started = 0;
	}
}

/* Waits for the job; 0, or the error it met.  What it made stays in job->part. */
static int blob_job_finish(struct blob_job *job)
{
	blob_job_join(job);
	return job->err < 0 ? dlg_error(DLG_ERROR, "cannot compress the change's blobs") : 0;
}

/* Leaves the error slot alone: a failed change's error is in it. */
static void blob_job_clear(struct blob_job *job)
{
	blob_job_join(job);
	pack_part_release(&job->part);
	free(job->blobs);
	memset(job, 0, sizeof(*job));
}

static void tx_clear(struct dlg_tx *tx)
{
	blob_job_clear(&tx->job); /* before the data it reads goes */
	for (size_t i = 0; i < tx->nr; i++) {
		free(tx->u[i].path);
		strbuf_release(&tx->u[i].data);
	}
	free(tx->u);
	free(tx->slots);
	tx->u = NULL;
	tx->slots = NULL;
	tx->nr = tx->alloc = tx->nslots = 0;
	git_tree_free(tx->base_tree);
	tx->base_tree = NULL;
	strbuf_release(&tx->msg);
}

static int tx_begin(struct dlg_tx *tx, struct dlg_store *s, git_repository *repo,
		    git_odb_backend *mempack)
{
	git_commit *c = NULL;
	int err;
	memset(tx, 0, sizeof(*tx));
	tx->store = s;
	tx->repo = repo;
	tx->mempack = mempack;
	tx->now = dlg_now();
	strbuf_init(&tx->msg, 0);
	if ((err = store_tip(&tx->base_oid, s)) < 0)
		return err;
	if ((err = git_commit_lookup(&c, tx->repo, &tx->base_oid)) < 0 ||
	    (err = git_commit_tree(&tx->base_tree, c)) < 0)
		err = dlg_error_git(err, "read tip");
	git_commit_free(c);
	return err;
}

/*
 * Blobs go straight to the in-memory backend: the ODB's own
 * write first looks for the object in every backend, and each miss rescans
 * the pack directory, which costs more than the write.
 */
static int write_blob(git_oid *out, struct dlg_tx *tx, const struct strbuf *data)
{
	if (git_odb_hash(out, data->buf, data->len, GIT_OBJECT_BLOB) < 0)
		return -1;
	return record_write(tx->mempack, out, data->buf, data->len, GIT_OBJECT_BLOB);
}

/* Writes the objects this change made as loose objects. */
static int flush_loose(struct dlg_tx *tx)
{
	struct record_backend *rec = (struct record_backend *)tx->mempack;
	struct loose_writer w;
	struct strbuf dir = STRBUF_INIT;
	int err;

	strbuf_addf(&dir, "%s/objects", tx->store->gitdir);
	err = loose_writer_init(&w, dir.buf);
	for (size_t i = 0; i < rec->nr && !err; i++) {
		void *data;
		size_t len;
		git_object_t type;
		if ((err = rec->mem->read(&data, &len, &type, rec->mem, &rec->oids[i])) < 0) {
			err = dlg_error_git(err, "write objects");
			break;
		}
		err = loose_write(&w, &rec->oids[i], type, data, len);
		git_odb_backend_data_free(rec->mem, data);
	}
	loose_writer_release(&w);
	strbuf_release(&dir);
	if (err < 0)
		return err;
	git_mempack_reset(rec->mem);
	rec->nr = 0;
	return 0;
}

/*
 * Writes the objects this change made as one packfile of the store, each
 * object whole: finding deltas would cost an import more than all the rest
 * of its object work, and gc finds them when it repacks.  The blobs the
 * job compressed come first, then the rest, compressed here.
 */
static int flush_mempack(struct dlg_tx *tx)
{
	struct record_backend *rec = (struct record_backend *)tx->mempack;
	struct blob_job *job = &tx->job;
	struct pack_part rest, *parts[] = { &job->part, &rest };
	struct strbuf name = STRBUF_INIT, packdir = STRBUF_INIT;
	git_odb *odb = NULL;
	int err;

	if ((err = blob_job_finish(job)) < 0 || (err = pack_part_init(&rest)) < 0)
		return err;
	for (size_t i = 0; i < rec->nr && !err; i++) {
		void *data;
		size_t len;
		git_object_t type;
		if (i >= job->first && i < job->first + job->part.nr)
			continue;
		if ((err = rec->mem->read(&data, &len, &type, rec->mem, &rec->oids[i])) < 0) {
			err = dlg_error_git(err, "write pack");
			break;
		}
		err = pack_part_add(&rest, &rec->oids[i], type, data, len);
		git_odb_backend_data_free(rec->mem, data);
	}
	strbuf_addf(&packdir, "%s/objects/pack", tx->store->gitdir);
	if (!err)
		err = pack_write_parts(&name, packdir.buf, parts, 2);
	if (!err && (err = git_repository_odb(&odb, tx->store->repo)) < 0)
		err = dlg_error_git(err, "write pack");
	if (!err) {
		git_mempack_reset(rec->mem);
		rec->nr = 0;
		git_odb_refresh(odb); /* one rescan, so the view's reads find the new pack */
		gc_whole_note(tx->store, name.buf);
	}
	git_odb_free(odb);
	pack_part_release(&rest); /* the job's goes with the change (tx_clear) */
	strbuf_release(&name);
	strbuf_release(&packdir);
	return err;
}

/*
 * Below git's own limit for unpacking what it fetches (transfer.unpackLimit),
 * new objects go loose; a big change makes one pack instead of thousands of
 * files.
 */
#define LOOSE_LIMIT 100

static int flush_objects(struct dlg_tx *tx)
{
	struct record_backend *rec = (struct record_backend *)tx->mempack;
	return rec->nr < LOOSE_LIMIT ? flush_loose(tx) : flush_mempack(tx);
}

/* Whether the base tree holds exactly this blob at path. */
static int base_has_blob(struct dlg_tx *tx, const char *path, const git_oid *id)
{
	git_tree_entry *e = NULL;
	int same;
	if (git_tree_entry_bypath(&e, tx->base_tree, path) < 0)
		return 0;
	same = git_tree_entry_type(e) == GIT_OBJECT_BLOB && git_oid_equal(git_tree_entry_id(e), id);
	git_tree_entry_free(e);
	return same;
}

/* The tree of the base with this change's writes; its blobs and trees are in memory. */
static int tx_build_tree(git_oid *tree_oid, struct dlg_tx *tx)
{
	git_tree_update *updates = xcalloc(tx->nr, sizeof(*updates));
	struct record_backend *rec = (struct record_backend *)tx->mempack;
	struct blob_job *job = &tx->job;
	int err;

	blob_job_clear(job);
	job->first = rec->nr;
	for (size_t i = 0; i < tx->nr; i++) {
		size_t known = rec->nr;
		updates[i].action = tx->u[i].remove ? GIT_TREE_UPDATE_REMOVE : GIT_TREE_UPDATE_UPSERT;
		if (!tx->u[i].remove && (err = write_blob(&updates[i].id, tx, &tx->u[i].data)) < 0) {
			free(updates);
			return dlg_error_git(err, tx->u[i].path);
		}
		if (rec->nr > known) { /* new, not met before in this change */
			ALLOC_GROW(job->blobs, job->nr + 1, job->alloc);
			job->blobs[job->nr].id = updates[i].id;
			job->blobs[job->nr++].data = &tx->u[i].data;
		}
		tx->u[i].same = !tx->u[i].remove && base_has_blob(tx, tx->u[i].path, &updates[i].id);
		updates[i].filemode = GIT_FILEMODE_BLOB;
		updates[i].path = tx->u[i].path;
	}
	blob_job_start(job);
	trace_perf("change: made blobs");
	err = git_tree_create_updated(tree_oid, tx->repo, tx->base_tree, tx->nr, updates);
	trace_perf("change: made trees");
	free(updates);
	return err < 0 ? dlg_error_git(err, "build tree") : 0;
}

static int tx_commit(struct dlg_tx *tx, int *committed)
{
	git_oid tree_oid;
	size_t nobjects;
	int err;

	*committed = 0;
	if (!tx->nr)
		return 0;
	if ((err = tx_build_tree(&tree_oid, tx)) < 0)
		return err;
	if (git_oid_equal(&tree_oid, git_tree_id(tx->base_tree)))
		return 0; /* nothing changed: no empty commit */
	if (!tx->msg.len)
		strbuf_addstr(&tx->msg, "change");
	if (tx->msg.buf[tx->msg.len - 1] != '\n')
		strbuf_addch(&tx->msg, '\n');
	if ((err = store_commit_object(&tx->commit_oid, tx->store, tx->repo, &tree_oid, &tx->base_oid, 1,
				       tx->msg.buf)) < 0)
		return err;
	trace_perf("change: made commit");
	/* An import's objects take a while to write and to get onto the disk:
	   progress says so, the last report once they are there. */
	nobjects = ((struct record_backend *)tx->mempack)->nr;
	if (nobjects >= LOOSE_LIMIT)
		dlg_progress("objects written", 0, nobjects);
	/* Written without a sync each: the branch's move gets them all onto
	   the disk at once, before the branch points to them. */
	if ((err = flush_objects(tx)) < 0)
		return err;
	trace_perf("change: wrote objects");
	if ((err = store_branch_cas(tx->store, &tx->commit_oid, &tx->base_oid)) < 0)
		return err;
	if (nobjects >= LOOSE_LIMIT)
		dlg_progress("objects written", nobjects, nobjects);
	*committed = 1;
	return 0;
}

/* The view follows the commit from the paths and contents in memory. */
static int view_follow(struct dlg_tx *tx)
{
	struct view_edit *edits = xcalloc(tx->nr + 1, sizeof(*edits));
	int err;
	for (size_t i = 0; i < tx->nr; i++) {
		edits[i].path = tx->u[i].path;
		edits[i].data = tx->u[i].data.buf;
		edits[i].len = tx->u[i].data.len;
		edits[i].remove = tx->u[i].remove;
		edits[i].same = tx->u[i].same;
	}
	err = store_view_follow(tx->store, &tx->base_oid, &tx->commit_oid, edits, tx->nr);
	free(edits);
	return err;
}

int store_change(struct dlg_store *s, tx_fn fn, void *payload, int *committed)
{
	struct dlg_tx tx;
	git_repository *repo = NULL;
	git_odb_backend *mempack = NULL;
	const char *op;
	int err, done = 0, attempts = 0;

	trace_perf("change: start");
	if ((err = store_git(s)) < 0 || (err = store_operator(&op, s)) < 0 ||
	    (err = open_memory(&repo, &mempack, s)) < 0)
		return err;
	if ((err = store_lock(s)) < 0)
		goto out;
	trace_perf("change: locked");
	/* dlg writers hold the lock; the retry covers branch moves from outside
	   (git update-ref, a fetch into the branch).  The callback may run again. */
	memset(&tx, 0, sizeof(tx));
	do {
		tx_clear(&tx);
		if ((err = tx_begin(&tx, s, repo, mempack)) == 0 && (err = fn(&tx, payload)) == 0)
			err = tx_commit(&tx, &done);
	} while (err == DLG_EMODIFIED && ++attempts < 100);
	trace_perf("change: committed");
	if (!err)
		err = done ? view_follow(&tx) : store_view_update(s);
	tx_clear(&tx);
	store_unlock(s);
	trace_perf("change: view updated");
	if (!err && done && s->after_change && !s->lock_depth) {
		s->after_change(s);
		trace_perf("change: upkeep checked");
	}
out:
	git_repository_free(repo);
	if (committed)
		*committed = done;
	return err;
}

int store_change_tree(git_oid *out, struct dlg_store *s, const git_oid *base, const char *actor,
		      time_t when, tx_fn fn, void *payload)
{
	struct dlg_tx tx;
	git_repository *repo = NULL;
	git_odb_backend *mempack = NULL;
	git_oid base_oid = *base; /* out may be base */
	int err;

	if ((err = store_git(s)) < 0 || (err = open_memory(&repo, &mempack, s)) < 0)
		return err;
	memset(&tx, 0, sizeof(tx));
	tx.store = s;
	tx.repo = repo;
	tx.mempack = mempack;
	tx.now = when;
	tx.actor = actor;
	strbuf_init(&tx.msg, 0);
	if ((err = git_tree_lookup(&tx.base_tree, repo, &base_oid)) < 0)
		err = dlg_error_git(err, "read tree");
	else if ((err = fn(&tx, payload)) == 0 && tx.nr && (err = tx_build_tree(out, &tx)) == 0 &&
		 !git_oid_equal(out, &base_oid))
		err = flush_objects(&tx);
	tx_clear(&tx);
	git_repository_free(repo);
	return err;
}
