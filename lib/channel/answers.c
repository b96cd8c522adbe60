/*
 * The gateway's index of the spool's out/: which answer files are whose,
 * in the order they were written.  Without it every request and every
 * woken event stream read all of out/, which only grows: with 5 000
 * answers there and 300 visitors connected, an answer took 4.4 s to reach
 * its visitor (bench/chat-load.py).  With it, out/ is read once at start
 * and then one file per change inotify reports; a visitor's request reads
 * that visitor's files alone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "channel/answers.h"
#include "channel/spool.h"

/*
 * visitors: VISITOR → {"generation": N, "answers": [[NAME, SECONDS, NANOSECONDS], ...]}
 * with the answers sorted by their change time, then name; names: NAME →
 * VISITOR, so that a file removed or replaced is found without reading it.
 */
struct answer_index {
	int out;
	json_t *visitors, *names;
};

static int is_answer_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json") && !strchr(name, '/');
}

static int is_string(json_t *o, const char *key)
{
	return json_is_string(json_object_get(o, key));
}

/* The answer in out/NAME as JSON, with its change time; NULL when it is not one. */
static json_t *answer_read(int out, const char *name, struct timespec *written)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	json_t *j = NULL;
	int fd = file_open_read(&st, out, name, FILE_NOFOLLOW);
	if (fd < 0)
		return NULL;
	if (!file_read_fd(&data, fd, &st, SPOOL_MAX_FILE)) {
		j = json_loadb(data.buf, data.len, 0, NULL);
		if (!json_is_object(j) || !is_string(j, "id") || !is_string(j, "date") ||
		    !is_string(j, "visitor")) {
			json_decref(j);
			j = NULL;
		}
		/* the inode's change time: set by the kernel, never by a utime() */
		*written = st.st_ctim;
	}
	close(fd);
	strbuf_release(&data);
	return j;
}

static json_t *visitor_entry(struct answer_index *idx, const char *visitor)
{
	json_t *v = json_object_get(idx->visitors, visitor);
	if (!v) {
		v = json_pack("{s:I, s:[]}", "generation", (json_int_t)0, "answers");
		json_object_set_new(idx->visitors, visitor, v);
	}
	return v;
}

static void bump(json_t *v)
{
	json_t *g = json_object_get(v, "generation");
	json_integer_set(g, json_integer_value(g) + 1);
}

static int entry_before(json_t *a, long long sec, long long nsec, const char *name)
{
	long long as = json_integer_value(json_array_get(a, 1)), an = json_integer_value(json_array_get(a, 2));
	if (as != sec)
		return as < sec;
	if (an != nsec)
		return an < nsec;
	return strcmp(json_string_value(json_array_get(a, 0)), name) < 0;
}

static void forget(struct answer_index *idx, const char *name, struct strbuf *changed)
{
	const char *visitor = json_string_value(json_object_get(idx->names, name));
	json_t *v, *list;
	size_t i;
	if (!visitor)
		return;
	v = json_object_get(idx->visitors, visitor);
	list = json_object_get(v, "answers");
	for (i = 0; i < json_array_size(list); i++)
		if (!strcmp(json_string_value(json_array_get(json_array_get(list, i), 0)), name)) {
			json_array_remove(list, i);
			break;
		}
	bump(v);
	if (changed) {
		strbuf_reset(changed);
		strbuf_addstr(changed, visitor);
	}
	json_object_del(idx->names, name);
}

/* Looks at out/NAME again; the visitor whose answers changed goes into changed. */
static void look_at(struct answer_index *idx, const char *name, struct strbuf *changed)
{
	struct timespec written;
	json_t *j, *v, *list, *entry;
	const char *visitor;
	size_t at;

	forget(idx, name, changed);
	if (!is_answer_name(name) || !(j = answer_read(idx->out, name, &written)))
		return;
	visitor = json_string_value(json_object_get(j, "visitor"));
	v = visitor_entry(idx, visitor);
	list = json_object_get(v, "answers");
	/* answers mostly come last: look from the end */
	for (at = json_array_size(list); at > 0; at--)
		if (entry_before(json_array_get(list, at - 1), written.tv_sec, written.tv_nsec, name))
			break;
	entry = json_pack("[s, I, I]", name, (json_int_t)written.tv_sec, (json_int_t)written.tv_nsec);
	json_array_insert_new(list, at, entry);
	json_object_set_new(idx->names, name, json_string(visitor));
	bump(v);
	if (changed) {
		strbuf_reset(changed);
		strbuf_addstr(changed, visitor);
	}
	json_decref(j);
}

int answer_index_rescan(struct answer_index *idx)
{
	struct dirent *de;
	/* a description of its own: a dup() would share the read position */
	int fd = openat(idx->out, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	const char *visitor;
	json_t *v;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return dlg_error(DLG_ERROR, "cannot read the spool's out/: %s", strerror(errno));
	}
	/* every visitor's streams look again: what changed unseen is unknown */
	json_object_foreach(idx->visitors, visitor, v) {
		json_array_clear(json_object_get(v, "answers"));
		bump(v);
	}
	json_object_clear(idx->names);
	while ((de = readdir(d)))
		look_at(idx, de->d_name, NULL);
	closedir(d);
	return 0;
}

int answer_index_new(struct answer_index **out, int outdir)
{
	struct answer_index *idx = xcalloc(1, sizeof(*idx));
	int err;
	idx->out = outdir;
	idx->visitors = json_object();
	idx->names = json_object();
	if ((err = answer_index_rescan(idx)) < 0) {
		answer_index_free(idx);
		idx = NULL;
	}
	*out = idx;
	return err;
}

void answer_index_free(struct answer_index *idx)
{
	if (!idx)
		return;
	json_decref(idx->visitors);
	json_decref(idx->names);
	free(idx);
}

void answer_index_update(struct strbuf *changed, struct answer_index *idx, const char *name)
{
	strbuf_reset(changed);
	look_at(idx, name, changed);
}

unsigned long answer_index_generation(const struct answer_index *idx, const char *visitor)
{
	json_t *v = json_object_get(idx->visitors, visitor);
	return v ? (unsigned long)json_integer_value(json_object_get(v, "generation")) : 0;
}

int answer_index_replies(json_t **out, const struct answer_index *idx, const char *visitor, const char *after)
{
	json_t *list = json_object_get(json_object_get(idx->visitors, visitor), "answers"), *entry;
	size_t i;

	*out = json_array();
	json_array_foreach(list, i, entry) {
		struct timespec written;
		json_t *j = answer_read(idx->out, json_string_value(json_array_get(entry, 0)), &written);
		/* replaced since it was indexed by another visitor's: not this one's */
		if (!j || strcmp(json_string_value(json_object_get(j, "visitor")), visitor)) {
			json_decref(j);
			continue;
		}
		if (after && !strcmp(json_string_value(json_object_get(j, "id")), after)) {
			json_array_clear(*out);
			json_decref(j);
			continue;
		}
		json_array_append_new(*out, j);
	}
	return 0;
}
