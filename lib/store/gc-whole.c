/*
 * The packs a big change wrote whole (without deltas): .git/dlg/whole-packs,
 * one "pack-<40 hex>" a line.  A hint for gc, never a truth: a line lost in
 * a crash only leaves a pack for the next full gc to delta.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "base/hex.h"
#include "store/gc.h"

static void list_path(struct strbuf *path, const struct dlg_store *s)
{
	strbuf_addf(path, "%s/whole-packs", s->dlgdir);
}

static int valid_name(const char *line, size_t len)
{
	if (len != 45 || strncmp(line, "pack-", 5))
		return 0;
	for (size_t i = 5; i < len; i++)
		if (hex_value(line[i]) < 0 || (line[i] >= 'A' && line[i] <= 'F'))
			return 0;
	return 1;
}

void gc_whole_note(struct dlg_store *s, const char *name)
{
	struct strbuf path = STRBUF_INIT, line = STRBUF_INIT;
	int fd;
	list_path(&path, s);
	strbuf_addf(&line, "%s\n", name);
	fd = open(path.buf, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0) {
		write_all(fd, line.buf, line.len);
		close(fd);
	}
	strbuf_release(&path);
	strbuf_release(&line);
}

int gc_whole_pending(const struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	int pending;
	list_path(&path, s);
	pending = !lstat(path.buf, &st) && S_ISREG(st.st_mode) && st.st_size > 0;
	strbuf_release(&path);
	return pending;
}

void gc_whole_read(struct strlist *out, const struct dlg_store *s)
{
	struct strbuf path = STRBUF_INIT, sb = STRBUF_INIT;
	list_path(&path, s);
	if (strbuf_read_file(&sb, path.buf) >= 0)
		for (char *p = sb.buf, *nl; *p; p = nl + 1) {
			if (!(nl = strchr(p, '\n')))
				break; /* a line being written */
			*nl = '\0';
			if (valid_name(p, (size_t)(nl - p)) && !strlist_has(out, p))
				strlist_push(out, p);
		}
	strbuf_release(&path);
	strbuf_release(&sb);
}

int gc_whole_forget(struct dlg_store *s, const struct strlist *done)
{
	struct strlist now = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, tmp = STRBUF_INIT, text = STRBUF_INIT;
	int fd, err = 0;

	gc_whole_read(&now, s);
	for (size_t i = 0; i < now.nr; i++)
		if (!strlist_has(done, now.items[i]))
			strbuf_addf(&text, "%s\n", now.items[i]);
	list_path(&path, s);
	if (!text.len) {
		if (unlink(path.buf) < 0 && errno != ENOENT)
			err = dlg_error(DLG_ERROR, "cannot remove '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	strbuf_addf(&tmp, "%s.new", path.buf);
	fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0 && write_all(fd, text.buf, text.len) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0 || close(fd) < 0 || rename(tmp.buf, path.buf) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path.buf, strerror(errno));
		unlink(tmp.buf);
	}
out:
	strlist_clear(&now);
	strbuf_release(&path);
	strbuf_release(&tmp);
	strbuf_release(&text);
	return err;
}
