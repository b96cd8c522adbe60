/*
 * The walk behind dlg gc's pack: every commit the tips reach, each tree
 * once, each object named for the delta search (gc-pack.h says how).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/durable.h"
#include "base/error.h"
#include "git/error.h"
#include "store/gc-pack.h"

/* The ids already walked: open addressing on the id's first bytes. */
struct idset {
	git_oid *slots;
	unsigned char *used;
	size_t nslots, nr;
};

static size_t id_hash(const git_oid *id)
{
	size_t h;
	memcpy(&h, id->id, sizeof(h)); /* ids are uniform */
	return h;
}

static void idset_grow(struct idset *s)
{
	struct idset n = { 0 };
	n.nslots = s->nslots ? s->nslots * 2 : 4096;
	n.slots = xcalloc(n.nslots, sizeof(*n.slots));
	n.used = xcalloc(n.nslots, 1);
	for (size_t i = 0; i < s->nslots; i++)
		if (s->used[i]) {
			size_t k = id_hash(&s->slots[i]) & (n.nslots - 1);
			while (n.used[k])
				k = (k + 1) & (n.nslots - 1);
			n.used[k] = 1;
			n.slots[k] = s->slots[i];
		}
	n.nr = s->nr;
	free(s->slots);
	free(s->used);
	*s = n;
}

/* 1 when id was new (and is now in), 0 when it was there. */
static int idset_add(struct idset *s, const git_oid *id)
{
	size_t k;
	if ((s->nr + 1) * 4 > s->nslots * 3)
		idset_grow(s);
	for (k = id_hash(id) & (s->nslots - 1); s->used[k]; k = (k + 1) & (s->nslots - 1))
		if (git_oid_equal(&s->slots[k], id))
			return 0;
	s->used[k] = 1;
	s->slots[k] = *id;
	s->nr++;
	return 1;
}

static void idset_clear(struct idset *s)
{
	free(s->slots);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

struct walk {
	git_repository *repo;
	git_packbuilder *pb;
	const struct packidx *base;
	struct idset seen;
	struct strbuf path;
};

/* Not yet walked, and not in base: to be packed. */
static int wanted(struct walk *w, const git_oid *id)
{
	if (w->base && packidx_has(w->base, id->id))
		return 0;
	return idset_add(&w->seen, id);
}

/* "dialogs/HH/HH/ID/cur" or ".../new": the messages of one dialog. */
static size_t message_dir(const struct strbuf *path)
{
	const char *slash;
	if (strncmp(path->buf, "dialogs/", 8) || !(slash = strrchr(path->buf, '/')))
		return 0;
	if (strcmp(slash, "/cur") && strcmp(slash, "/new"))
		return 0;
	return (size_t)(slash - path->buf);
}

static int walk_tree(struct walk *w, const git_oid *id)
{
	git_tree *tree = NULL;
	size_t len = w->path.len, group = message_dir(&w->path);
	int err;

	if ((err = git_tree_lookup(&tree, w->repo, id)) < 0)
		return err;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const git_oid *eid = git_tree_entry_id(e);
		git_object_t type = git_tree_entry_type(e);

		if ((type != GIT_OBJECT_TREE && type != GIT_OBJECT_BLOB) || !wanted(w, eid))
			continue; /* a submodule's commit is not ours to pack */
		if (len)
			strbuf_addch(&w->path, '/');
		strbuf_addstr(&w->path, git_tree_entry_name(e));
		if (group && type == GIT_OBJECT_BLOB) {
			char keep = w->path.buf[group];
			w->path.buf[group] = '\0';
			err = git_packbuilder_insert(w->pb, eid, w->path.buf);
			w->path.buf[group] = keep;
		} else
			err = git_packbuilder_insert(w->pb, eid, w->path.buf);
		if (!err && type == GIT_OBJECT_TREE)
			err = walk_tree(w, eid);
		strbuf_setlen(&w->path, len);
	}
	git_tree_free(tree);
	return err;
}

int gc_is_commit(git_repository *repo, const git_oid *id)
{
	git_odb *odb = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t len;
	if (git_repository_odb(&odb, repo) == 0)
		git_odb_read_header(&len, &type, odb, id);
	git_odb_free(odb);
	return type == GIT_OBJECT_COMMIT;
}

static int walk_all(struct walk *w, const git_oid *tips, size_t ntips)
{
	git_revwalk *walk = NULL;
	git_oid id;
	int err;

	if ((err = git_revwalk_new(&walk, w->repo)) < 0)
		return err;
	for (size_t i = 0; i < ntips && !err; i++)
		if (gc_is_commit(w->repo, &tips[i]))
			err = git_revwalk_push(walk, &tips[i]);
		else if (wanted(w, &tips[i]))
			err = git_packbuilder_insert_recur(w->pb, &tips[i], NULL); /* a tag or a blob a ref names */
	while (!err && (err = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		const git_oid *tree;
		if (!wanted(w, &id))
			continue;
		if ((err = git_packbuilder_insert(w->pb, &id, NULL)) < 0 ||
		    (err = git_commit_lookup(&c, w->repo, &id)) < 0)
			break;
		tree = git_commit_tree_id(c);
		if (wanted(w, tree) && (err = git_packbuilder_insert(w->pb, tree, "")) == 0) {
			strbuf_reset(&w->path);
			err = walk_tree(w, tree);
		}
		git_commit_free(c);
	}
	git_revwalk_free(walk);
	return err == GIT_ITEROVER ? 0 : err;
}

int gc_pack_write(struct strbuf *name, size_t *count, git_repository *repo, const git_oid *tips,
		  size_t ntips, const struct packidx *base, const char *packdir)
{
	struct walk w = { .repo = repo, .base = base, .path = STRBUF_INIT };
	int err;

	*count = 0;
	/* libgit2's indexer then syncs the pack and its index before their names */
	git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
	if ((err = git_packbuilder_new(&w.pb, repo)) < 0)
		goto git_failed;
	git_packbuilder_set_threads(w.pb, 0);
	if ((err = walk_all(&w, tips, ntips)) < 0)
		goto git_failed;
	*count = git_packbuilder_object_count(w.pb);
	if (*count && (err = git_packbuilder_write(w.pb, packdir, 0, NULL, NULL)) < 0)
		goto git_failed;
	if (*count) {
		if (flush_fs(packdir) < 0 || flush_dir(packdir) < 0)
			err = dlg_error(DLG_ERROR, "cannot get the new pack onto the disk: %s", strerror(errno));
		else
			strbuf_addf(name, "pack-%s", git_packbuilder_name(w.pb));
	}
	goto out;
git_failed:
	err = dlg_error_git(err, "write the pack");
out:
	git_packbuilder_free(w.pb);
	idset_clear(&w.seen);
	strbuf_release(&w.path);
	return err;
}
