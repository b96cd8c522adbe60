/*
 * dlg gc: one pack of everything reachable, then the removal of what it
 * makes redundant (gc.h says what is kept and why).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git/gitlib.h"

#include "base/durable.h"
#include "base/error.h"
#include "base/hex.h"
#include "git/error.h"
#include "git/packidx.h"
#include "store/config.h"
#include "store/gc-pack.h"
#include "store/gc.h"

/* git's own rule for a gc.pid left by a gc that died: stale after 12 hours. */
#define GC_PID_STALE (12 * 3600)

struct oids {
	git_oid *ids;
	size_t nr, alloc;
};

static void oids_push(struct oids *o, const git_oid *id)
{
	ALLOC_GROW(o->ids, o->nr + 1, o->alloc);
	git_oid_cpy(&o->ids[o->nr++], id);
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, 20);
}

int gc_parse_prune(long *seconds, const char *text)
{
	static const struct { const char *name; long seconds; } units[] = {
		{ "s", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hour", 3600 }, { "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
	};
	char unit[16];
	const char *p = text, *end;
	long n = 0;
	size_t len;

	if (!strcmp(text, "now")) {
		*seconds = 0;
		return 0;
	}
	if (!strcmp(text, "never")) {
		*seconds = -1;
		return 0;
	}
	if (*p < '0' || *p > '9')
		goto bad;
	while (*p >= '0' && *p <= '9' && n < 100000)
		n = n * 10 + (*p++ - '0');
	if (*p == '.' || *p == ' ')
		p++;
	end = p + strcspn(p, ". ");
	len = (size_t)(end - p);
	if (!len || len >= sizeof(unit) || (*end && strcmp(end, ".ago") && strcmp(end, " ago")))
		goto bad;
	memcpy(unit, p, len);
	unit[len] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (!strcmp(unit, units[i].name) && n < 100000) {
			*seconds = n * units[i].seconds;
			return 0;
		}
bad:
	return dlg_error(DLG_EINVALID, "'%s' is not an age such as 2.weeks.ago, 3d, now or never", text);
}

/* "xx/yyyy...": a loose object's id from its directory and file names. */
static int loose_id(unsigned char id[20], const char *dir, const char *name)
{
	char hex[41];
	if (strlen(name) != 38)
		return -1;
	memcpy(hex, dir, 2);
	memcpy(hex + 2, name, 38);
	for (int i = 0; i < 20; i++) {
		int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
		if (hi < 0 || lo < 0 || (hex[2 * i] >= 'A' && hex[2 * i] <= 'F') ||
		    (hex[2 * i + 1] >= 'A' && hex[2 * i + 1] <= 'F'))
			return -1;
		id[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Calls fn for each loose object of objdir, and each tmp_ file that a
   writer left among them (id NULL). */
typedef void loose_fn(void *payload, int dirfd, const char *dir, const char *name,
		      const unsigned char *id, const struct stat *st);
static void foreach_loose(const char *objdir, loose_fn *fn, void *payload)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;

	for (int i = 0; i < 256; i++) {
		char dir[3];
		snprintf(dir, sizeof(dir), "%02x", i);
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", objdir, dir);
		if (!(d = opendir(path.buf)))
			continue;
		while ((de = readdir(d))) {
			unsigned char id[20];
			int tmp = !strncmp(de->d_name, "tmp_", 4);
			if ((tmp || !loose_id(id, dir, de->d_name)) &&
			    !fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode))
				fn(payload, dirfd(d), dir, de->d_name, tmp ? NULL : id, &st);
		}
		closedir(d);
	}
	strbuf_release(&path);
}

struct object_count {
	size_t loose, packs;
	uint64_t bytes;
};

static void count_loose(void *payload, int dirfd, const char *dir, const char *name,
			const unsigned char *id, const struct stat *st)
{
	struct object_count *c = payload;
	if (id) {
		c->loose++;
		c->bytes += (uint64_t)st->st_size;
	}
}

/* Loose objects and packs in objects/, and their bytes. */
static void count_objects(const char *objdir, size_t *loose, size_t *packs, uint64_t *bytes)
{
	struct object_count c = { 0 };
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;

	foreach_loose(objdir, count_loose, &c);
	strbuf_addf(&path, "%s/pack", objdir);
	if ((d = opendir(path.buf))) {
		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			if (strncmp(de->d_name, "pack-", 5) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
				continue;
			c.bytes += (uint64_t)st.st_size;
			if (n > 5 && !strcmp(de->d_name + n - 5, ".pack"))
				c.packs++;
		}
		closedir(d);
	}
	strbuf_release(&path);
	*loose = c.loose;
	*packs = c.packs;
	*bytes = c.bytes;
}

/* git gc's .git/gc.pid ("PID HOST"), when that process still runs here. */
static long gc_pid_alive(const char *gitdir)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	char host[256] = "", *sp;
	struct stat st;
	long pid = 0;

	strbuf_addf(&path, "%s/gc.pid", gitdir);
	if (stat(path.buf, &st) == 0 && time(NULL) - st.st_mtime < GC_PID_STALE &&
	    strbuf_read_file(&sb, path.buf) >= 0) {
		gethostname(host, sizeof(host) - 1);
		pid = strtol(sb.buf, &sp, 10);
		strbuf_trim(&sb);
		if (pid <= 0 || *sp != ' ' || strcmp(sp + 1, host) || pid == (long)getpid() ||
		    (kill((pid_t)pid, 0) < 0 && errno != EPERM))
			pid = 0;
	}
	strbuf_release(&path);
	strbuf_release(&sb);
	return pid;
}

/* A git lock file among the refs (dir relative to gitdir): its name in which. */
static int ref_lock_held(struct strbuf *which, const char *gitdir, const char *dir)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	int found = 0;
	DIR *d;

	strbuf_addf(&path, "%s/%s", gitdir, dir);
	if (!(d = opendir(path.buf))) {
		strbuf_release(&path);
		return 0;
	}
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir, de->d_name);
		if (S_ISDIR(st.st_mode))
			found = ref_lock_held(which, gitdir, path.buf);
		else if (n > 5 && !strcmp(de->d_name + n - 5, ".lock")) {
			strbuf_addbuf(which, &path);
			found = 1;
		}
	}
	closedir(d);
	strbuf_release(&path);
	return found;
}

/* Under the store lock: nobody else at work on the objects or the refs. */
static int check_idle(struct dlg_store *s)
{
	static const char *const top_locks[] = { "packed-refs.lock", "HEAD.lock", "gc.pid.lock" };
	struct strbuf which = STRBUF_INIT;
	long pid;
	int err = 0;

	if ((pid = gc_pid_alive(s->gitdir)))
		return dlg_error(DLG_ELOCKED, "another gc is running (pid %ld, .git/gc.pid)", pid);
	for (size_t i = 0; i < sizeof(top_locks) / sizeof(*top_locks) && !which.len; i++) {
		struct stat st;
		strbuf_addf(&which, "%s/%s", s->gitdir, top_locks[i]);
		if (lstat(which.buf, &st) < 0)
			strbuf_reset(&which);
		else {
			strbuf_reset(&which);
			strbuf_addstr(&which, top_locks[i]);
		}
	}
	if (which.len || ref_lock_held(&which, s->gitdir, "refs"))
		err = dlg_error(DLG_ELOCKED, "'%s' is held: git is updating the refs", which.buf);
	strbuf_release(&which);
	return err;
}

/* Our own .git/gc.pid, so that git gc waits for us as we wait for it. */
static int write_gc_pid(struct dlg_store *s)
{
	struct strbuf lock = STRBUF_INIT, path = STRBUF_INIT, line = STRBUF_INIT;
	char host[256] = "";
	int fd, err = 0;

	gethostname(host, sizeof(host) - 1);
	strbuf_addf(&line, "%ld %s", (long)getpid(), host);
	strbuf_addf(&lock, "%s/gc.pid.lock", s->gitdir);
	strbuf_addf(&path, "%s/gc.pid", s->gitdir);
	fd = open(lock.buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		err = dlg_error(errno == EEXIST ? DLG_ELOCKED : DLG_ERROR, "cannot create '%s': %s",
				lock.buf, strerror(errno));
	else if (write_all(fd, line.buf, line.len) < 0 || close(fd) < 0 || rename(lock.buf, path.buf) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path.buf, strerror(errno));
		unlink(lock.buf);
	}
	strbuf_release(&lock);
	strbuf_release(&path);
	strbuf_release(&line);
	return err;
}

static int collect_ref(const char *name, void *payload)
{
	void **args = payload;
	git_oid id;
	if (git_reference_name_to_id(&id, args[0], name) == 0)
		oids_push(args[1], &id);
	return 0;
}

/* The objects every ref and HEAD point to. */
static int read_tips(struct oids *out, git_repository *repo)
{
	void *args[2] = { repo, out };
	git_oid head;
	int err;
	out->nr = 0;
	if ((err = git_reference_foreach_name(repo, collect_ref, args)) < 0)
		return dlg_error_git(err, "read the refs");
	if (git_reference_name_to_id(&head, repo, "HEAD") == 0)
		oids_push(out, &head);
	return 0;
}

static int same_tips(const struct oids *a, const struct oids *b)
{
	if (a->nr != b->nr)
		return 0;
	for (size_t i = 0; i < a->nr; i++)
		if (!git_oid_equal(&a->ids[i], &b->ids[i]))
			return 0;
	return 1;
}

struct prune_state {
	const char *objdir;
	struct packidx pack;        /* the new pack's ids */
	struct packidx base;        /* incremental: the ids of the packs kept as they are */
	const struct strlist *whole; /* incremental: the packs folded into the new one */
	time_t cutoff;              /* older than this and unreachable: pruned (0: never) */
	struct strlist old_loose;   /* candidates: paths of loose objects no tip reached */
	struct strlist old_packs;   /* candidates: packs (path without .idx) with such objects */
	size_t pruned;
};

static void remove_pack(const char *base)
{
	/* The index first: a reader that no longer finds it does not open the pack. */
	static const char *const exts[] = { ".idx", ".bitmap", ".rev", ".mtimes", ".pack" };
	struct strbuf path = STRBUF_INIT;
	for (size_t i = 0; i < sizeof(exts) / sizeof(*exts); i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "%s%s", base, exts[i]);
		unlink(path.buf);
	}
	strbuf_release(&path);
}

/* Loose objects the pack holds go; unreachable old ones become candidates. */
static void prune_one_loose(void *payload, int dirfd, const char *dir, const char *name,
			    const unsigned char *id, const struct stat *st)
{
	struct prune_state *ps = payload;
	if (id && (packidx_has(&ps->pack, id) || packidx_has(&ps->base, id)))
		unlinkat(dirfd, name, 0);
	else if (ps->cutoff && st->st_mtime < ps->cutoff) {
		struct strbuf path = STRBUF_INIT;
		strbuf_addf(&path, "%s/%s/%s", ps->objdir, dir, name);
		strlist_push(&ps->old_loose, path.buf);
		strbuf_release(&path);
	}
}

static void prune_loose(struct prune_state *ps)
{
	foreach_loose(ps->objdir, prune_one_loose, ps);
}

/* "pack-X.idx" among the names "pack-X" of list. */
static int is_listed(const struct strlist *list, const char *idx_name)
{
	size_t n = strlen(idx_name) - 4;
	for (size_t i = 0; i < list->nr; i++)
		if (strlen(list->items[i]) == n && !strncmp(list->items[i], idx_name, n))
			return 1;
	return 0;
}

/* The ids of every pack but those of skip (and the new one, not yet there):
   what an incremental gc leaves as it is, and *packs how many. */
static void read_base(struct packidx *out, size_t *packs, const char *packdir, const struct strlist *skip)
{
	struct strbuf path = STRBUF_INIT;
	struct oids all = { 0 };
	struct dirent *de;
	DIR *d;

	*packs = 0;
	memset(out, 0, sizeof(*out));
	if (!(d = opendir(packdir)))
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct packidx idx;
		if (strncmp(de->d_name, "pack-", 5) || n < 10 || strcmp(de->d_name + n - 4, ".idx") ||
		    is_listed(skip, de->d_name))
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", packdir, de->d_name);
		if (packidx_read(&idx, path.buf) < 0) {
			dlg_error_clear(); /* its objects are packed again: safe, if not small */
			continue;
		}
		(*packs)++;
		for (size_t k = 0; k < idx.nr; k++)
			oids_push(&all, (const git_oid *)(idx.ids + k * 20));
		packidx_release(&idx);
	}
	closedir(d);
	strbuf_release(&path);
	if (all.nr)
		qsort(all.ids, all.nr, sizeof(*all.ids), cmp_id);
	out->ids = (unsigned char *)all.ids;
	out->nr = all.nr;
}

/* Older packs (all but new_name, NULL when no pack was written): redundant
   ones go; old ones with unreachable objects become candidates. */
static void prune_packs(struct prune_state *ps, const char *new_name)
{
	struct strbuf path = STRBUF_INIT, base = STRBUF_INIT;
	struct strlist idxs = STRLIST_INIT;
	struct dirent *de;
	DIR *d;
	int removed = 0;

	strbuf_addf(&path, "%s/pack", ps->objdir);
	if (!(d = opendir(path.buf))) {
		strbuf_release(&path);
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (!strncmp(de->d_name, "pack-", 5) && n > 9 && !strcmp(de->d_name + n - 4, ".idx"))
			strlist_push(&idxs, de->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < idxs.nr; i++) {
		const char *name = idxs.items[i];
		struct packidx idx;
		struct stat st;
		size_t extra = 0;

		strbuf_reset(&base);
		strbuf_addf(&base, "%s/pack/%.*s", ps->objdir, (int)(strlen(name) - 4), name);
		if (new_name && !strncmp(name, new_name, strlen(new_name)) && name[strlen(new_name)] == '.')
			continue;
		if (ps->whole && !is_listed(ps->whole, name))
			continue; /* incremental: a pack kept as it is */
		strbuf_reset(&path);
		strbuf_addf(&path, "%s.keep", base.buf);
		if (!lstat(path.buf, &st))
			continue; /* kept on purpose, as git keeps it */
		strbuf_reset(&path);
		strbuf_addf(&path, "%s.pack", base.buf);
		if (lstat(path.buf, &st) < 0)
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s.idx", base.buf);
		if (packidx_read(&idx, path.buf) < 0) {
			dlg_error_clear();
			continue; /* not ours to judge: left alone */
		}
		for (size_t k = 0; k < idx.nr; k++)
			extra += !packidx_has(&ps->pack, idx.ids + k * 20) && !packidx_has(&ps->base, idx.ids + k * 20);
		packidx_release(&idx);
		if (!extra) {
			remove_pack(base.buf);
			removed = 1;
		} else if (ps->cutoff && st.st_mtime < ps->cutoff)
			strlist_push(&ps->old_packs, base.buf);
	}
	if (removed) {
		/* git's index over several packs would name packs that are gone */
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/pack/multi-pack-index", ps->objdir);
		unlink(path.buf);
	}
	strlist_clear(&idxs);
	strbuf_release(&path);
	strbuf_release(&base);
}

/* Adds to seen what tree id reaches outside the pack. */
static int reach_tree(struct oids *seen, git_repository *repo, const struct packidx *pack, const git_oid *id)
{
	git_tree *tree = NULL;
	int err;
	if (packidx_has(pack, id->id))
		return 0; /* all it reaches is in the pack */
	oids_push(seen, id);
	if ((err = git_tree_lookup(&tree, repo, id)) < 0)
		return dlg_error_git(err, "read a new tree");
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && !err; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			err = reach_tree(seen, repo, pack, git_tree_entry_id(e));
		else if (!packidx_has(pack, git_tree_entry_id(e)->id))
			oids_push(seen, git_tree_entry_id(e));
	}
	git_tree_free(tree);
	return err;
}

/* What the refs reach now that the pack, made from the tips before, lacks:
   the objects of the changes made meanwhile. */
static int reach_since(struct packidx *out, git_repository *repo, const struct packidx *pack,
		       const struct oids *before, const struct oids *now)
{
	struct oids seen = { 0 };
	git_revwalk *walk = NULL;
	git_oid id;
	int err;

	if ((err = git_revwalk_new(&walk, repo)) < 0)
		goto git_failed;
	for (size_t i = 0; i < now->nr; i++)
		if (!gc_is_commit(repo, &now->ids[i]))
			oids_push(&seen, &now->ids[i]); /* a tag or a blob a ref names */
		else if ((err = git_revwalk_push(walk, &now->ids[i])) < 0)
			goto git_failed;
	for (size_t i = 0; i < before->nr; i++)
		if (gc_is_commit(repo, &before->ids[i]) && (err = git_revwalk_hide(walk, &before->ids[i])) < 0)
			goto git_failed;
	while ((err = git_revwalk_next(&id, walk)) == 0) {
		git_commit *c = NULL;
		oids_push(&seen, &id);
		if ((err = git_commit_lookup(&c, repo, &id)) < 0)
			goto git_failed;
		err = reach_tree(&seen, repo, pack, git_commit_tree_id(c));
		git_commit_free(c);
		if (err < 0)
			goto out;
	}
	if (err != GIT_ITEROVER)
		goto git_failed;
	err = 0;
	goto out;
git_failed:
	err = dlg_error_git(err, "walk the new commits");
out:
	git_revwalk_free(walk);
	if (seen.nr)
		qsort(seen.ids, seen.nr, sizeof(*seen.ids), cmp_id);
	out->ids = (unsigned char *)seen.ids; /* git_oid is its 20 bytes */
	out->nr = seen.nr;
	return err;
}

/* Under the store lock, so that no change is half made: the candidates
   that nothing made since the pack refers to go. */
static int prune_unreachable(struct prune_state *ps, struct dlg_store *s, const struct oids *tips)
{
	struct oids now = { 0 };
	struct packidx reached = { 0 };
	int err;

	if ((err = store_lock(s)) < 0)
		return err;
	if ((err = read_tips(&now, s->repo)) == 0 && !same_tips(tips, &now))
		err = reach_since(&reached, s->repo, &ps->pack, tips, &now);
	for (size_t i = 0; i < ps->old_loose.nr && !err; i++) {
		const char *path = ps->old_loose.items[i];
		const char *slash = strrchr(path, '/');
		unsigned char id[20];
		struct stat st;
		if (lstat(path, &st) < 0 || st.st_mtime >= ps->cutoff)
			continue; /* written again meanwhile */
		if (!strncmp(slash + 1, "tmp_", 4) ||
		    (!loose_id(id, slash - 2, slash + 1) && !packidx_has(&reached, id)))
			ps->pruned += !unlink(path);
	}
	for (size_t i = 0; i < ps->old_packs.nr && !err; i++) {
		struct strbuf path = STRBUF_INIT;
		struct packidx idx;
		int used = 0;
		strbuf_addf(&path, "%s.idx", ps->old_packs.items[i]);
		if (packidx_read(&idx, path.buf) == 0) {
			for (size_t k = 0; k < idx.nr && !used; k++)
				used = packidx_has(&reached, idx.ids + k * 20);
			if (!used) {
				for (size_t k = 0; k < idx.nr; k++)
					ps->pruned += !packidx_has(&ps->pack, idx.ids + k * 20);
				remove_pack(ps->old_packs.items[i]);
			}
			packidx_release(&idx);
		}
		dlg_error_clear();
		strbuf_release(&path);
	}
	store_unlock(s);
	free(now.ids);
	packidx_release(&reached);
	return err;
}

static int prune_setting(long *seconds, struct dlg_store *s, const char *given)
{
	struct config c = CONFIG_INIT;
	const char *v = given;
	int err;
	if (!v && config_load(&c, s) == 0)
		v = config_get(&c, "gc.prune");
	err = gc_parse_prune(seconds, v ? v : GC_PRUNE_DEFAULT);
	config_clear(&c);
	return err;
}

/* One pass: the pack, and what it makes redundant.  whole: everything is
   packed again and the unreachable pruned; else only what no pack but
   those of folded has. */
static int gc_pass(struct gc_result *out, struct dlg_store *s, const struct oids *tips, long grace,
		   int whole, const struct strlist *folded, size_t *base_packs)
{
	struct prune_state ps = { 0 };
	struct strbuf objdir = STRBUF_INIT, packdir = STRBUF_INIT, name = STRBUF_INIT;
	size_t count;
	int err;

	strbuf_addf(&objdir, "%s/objects", s->gitdir);
	strbuf_addf(&packdir, "%s/pack", objdir.buf);
	ps.objdir = objdir.buf;
	if (!whole) {
		read_base(&ps.base, base_packs, packdir.buf, folded);
		ps.whole = folded;
	}
	if ((err = gc_pack_write(&name, &count, s->repo, tips->ids, tips->nr, whole ? NULL : &ps.base,
				 packdir.buf)) < 0)
		goto out;
	if (name.len) {
		struct strbuf idx = STRBUF_INIT;
		strbuf_addf(&idx, "%s/%s.idx", packdir.buf, name.buf);
		err = packidx_read(&ps.pack, idx.buf);
		strbuf_release(&idx);
		if (err < 0)
			goto out;
	} else if (whole)
		goto out; /* nothing reachable: nothing is judged redundant */
	ps.cutoff = !whole || grace < 0 ? 0 : time(NULL) - grace + (grace == 0);
	prune_loose(&ps);
	prune_packs(&ps, name.len ? name.buf : NULL);
	if (ps.old_loose.nr || ps.old_packs.nr)
		err = prune_unreachable(&ps, s, tips);
	flush_dir(packdir.buf);
	out->pruned += ps.pruned;
out:
	packidx_release(&ps.pack);
	packidx_release(&ps.base);
	strlist_clear(&ps.old_loose);
	strlist_clear(&ps.old_packs);
	strbuf_release(&objdir);
	strbuf_release(&packdir);
	strbuf_release(&name);
	return err;
}

static long config_number(const struct config *c, const char *key, long fallback);

static void read_limits(struct dlg_store *s, long *loose, long *packs)
{
	struct config c = CONFIG_INIT;
	*loose = GC_AUTO_DEFAULT;
	*packs = GC_AUTO_PACK_LIMIT_DEFAULT;
	if (config_load(&c, s) < 0) {
		dlg_error_clear();
		return;
	}
	*loose = config_number(&c, "gc.auto", GC_AUTO_DEFAULT);
	*packs = config_number(&c, "gc.auto-pack-limit", GC_AUTO_PACK_LIMIT_DEFAULT);
	config_clear(&c);
}

int store_gc(struct gc_result *out, struct dlg_store *s, const struct gc_options *opt)
{
	struct oids tips = { 0 };
	struct strlist folded = STRLIST_INIT;
	struct strbuf objdir = STRBUF_INIT, gcpid = STRBUF_INIT;
	long grace, loose_limit, pack_limit;
	size_t base_packs = 0;
	int err, pid_written = 0;

	memset(out, 0, sizeof(*out));
	if ((err = prune_setting(&grace, s, opt->prune)) < 0 || (err = store_git(s)) < 0)
		return err;
	read_limits(s, &loose_limit, &pack_limit);
	strbuf_addf(&objdir, "%s/objects", s->gitdir);
	strbuf_addf(&gcpid, "%s/gc.pid", s->gitdir);

	/* The start, under the lock: no other dlg halfway through a change. */
	if ((err = opt->auto_mode ? store_trylock(s) : store_lock(s)) < 0)
		goto busy;
	if ((err = check_idle(s)) == 0 && (err = write_gc_pid(s)) == 0) {
		pid_written = 1;
		err = read_tips(&tips, s->repo);
		gc_whole_read(&folded, s);
	}
	store_unlock(s);
	if (err < 0)
		goto busy;
	count_objects(objdir.buf, &out->loose_before, &out->packs_before, &out->bytes_before);
	if (opt->before_pack)
		opt->before_pack();

	out->whole = !opt->auto_mode;
	if (!out->whole) {
		err = gc_pass(out, s, &tips, grace, 0, &folded, &base_packs);
		if (!err) {
			size_t loose, packs;
			uint64_t bytes;
			count_objects(objdir.buf, &loose, &packs, &bytes);
			/* past the limits even so: what only a whole repack mends */
			out->whole = (pack_limit && base_packs + 1 > (size_t)pack_limit) ||
				     (loose_limit && loose > (size_t)loose_limit);
		}
	}
	if (!err && out->whole)
		err = gc_pass(out, s, &tips, grace, 1, &folded, &base_packs);
	if (!err && folded.nr && (err = store_lock(s)) == 0) {
		err = gc_whole_forget(s, &folded);
		store_unlock(s);
	}
	count_objects(objdir.buf, &out->loose_after, &out->packs_after, &out->bytes_after);
busy:
	if (err == DLG_ELOCKED && opt->auto_mode) {
		dlg_error_clear();
		out->skipped = 1;
		err = 0;
	}
	if (pid_written)
		unlink(gcpid.buf);
	free(tips.ids);
	strlist_clear(&folded);
	strbuf_release(&objdir);
	strbuf_release(&gcpid);
	return err;
}

static long config_number(const struct config *c, const char *key, long fallback)
{
	const char *v = config_get(c, key);
	char *end;
	long n;
	if (!v)
		return fallback;
	n = strtol(v, &end, 10);
	return end == v || *end || n < 0 ? fallback : n;
}

/* The limits read once: loose objects or packs past them. */
static int over_limits(struct dlg_store *s, long limit, long pack_limit)
{
	struct strbuf path = STRBUF_INIT;
	struct dirent *de;
	long n = 0;
	int due = 0;
	DIR *d;

	if (!limit)
		return 0;
	/* As git does: one directory of 256 stands for all (ids are uniform). */
	strbuf_addf(&path, "%s/objects/17", s->gitdir);
	if ((d = opendir(path.buf))) {
		while ((de = readdir(d)) && !due) {
			unsigned char id[20];
			if (!loose_id(id, "17", de->d_name))
				due = ++n > (limit + 255) / 256;
		}
		closedir(d);
	}
	if (!due && pack_limit) {
		n = 0;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/objects/pack", s->gitdir);
		if ((d = opendir(path.buf))) {
			while ((de = readdir(d)) && !due) {
				size_t len = strlen(de->d_name);
				if (len > 5 && !strcmp(de->d_name + len - 5, ".pack"))
					due = ++n > pack_limit;
			}
			closedir(d);
		}
	}
	strbuf_release(&path);
	return due;
}

int store_gc_due(struct dlg_store *s)
{
	long limit, pack_limit;
	read_limits(s, &limit, &pack_limit); /* one read of config after each change */
	return limit && (gc_whole_pending(s) || over_limits(s, limit, pack_limit));
}

int store_gc_over_limits(struct dlg_store *s)
{
	long limit, pack_limit;
	read_limits(s, &limit, &pack_limit);
	return over_limits(s, limit, pack_limit);
}
