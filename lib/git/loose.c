#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "git/loose.h"

static const char *type_name(git_object_t type)
{
	switch (type) {
	case GIT_OBJECT_COMMIT: return "commit";
	case GIT_OBJECT_TREE: return "tree";
	case GIT_OBJECT_BLOB: return "blob";
	case GIT_OBJECT_TAG: return "tag";
	default: return NULL;
	}
}

int loose_writer_init(struct loose_writer *w, const char *objdir)
{
	memset(w, 0, sizeof(*w));
	strbuf_init(&w->objdir, 0);
	strbuf_init(&w->path, 0);
	strbuf_init(&w->tmp, 0);
	strbuf_init(&w->out, 0);
	strbuf_addstr(&w->objdir, objdir);
	/* git's own core.looseCompression default: a loose object lives until gc
	   packs it, and the default level cost a change a millisecond. */
	if (deflateInit2(&w->zs, Z_BEST_SPEED, Z_DEFLATED, 12, 4, Z_DEFAULT_STRATEGY) != Z_OK)
		return dlg_error(DLG_ERROR, "cannot start zlib");
	w->ready = 1;
	return 0;
}

void loose_writer_release(struct loose_writer *w)
{
	if (w->ready)
		deflateEnd(&w->zs);
	w->ready = 0;
	strbuf_release(&w->objdir);
	strbuf_release(&w->path);
	strbuf_release(&w->tmp);
	strbuf_release(&w->out);
}

static int deflate_object(struct loose_writer *w, const char *header, size_t hlen, const void *data,
			  size_t len)
{
	int zerr;
	strbuf_reset(&w->out);
	if (deflateReset(&w->zs) != Z_OK)
		return -1;
	strbuf_grow(&w->out, deflateBound(&w->zs, (uLong)(hlen + len)) + 64);
	w->zs.next_out = (Bytef *)w->out.buf;
	w->zs.avail_out = (uInt)(w->out.alloc - 1);
	w->zs.next_in = (Bytef *)header;
	w->zs.avail_in = (uInt)hlen;
	if (deflate(&w->zs, Z_NO_FLUSH) != Z_OK)
		return -1;
	w->zs.next_in = (Bytef *)data;
	w->zs.avail_in = (uInt)len;
	zerr = deflate(&w->zs, Z_FINISH);
	if (zerr != Z_STREAM_END)
		return -1;
	strbuf_setlen(&w->out, w->zs.total_out);
	return 0;
}

int loose_write(struct loose_writer *w, const git_oid *id, git_object_t type, const void *data,
		size_t len)
{
	char hex[GIT_OID_HEXSZ + 1], header[64];
	struct stat st;
	size_t hlen;
	int fd, err = 0;

	git_oid_tostr(hex, sizeof(hex), id);
	strbuf_reset(&w->path);
	strbuf_addf(&w->path, "%s/%.2s/%s", w->objdir.buf, hex, hex + 2);
	if (!stat(w->path.buf, &st))
		return 0;
	if (!type_name(type))
		return dlg_error(DLG_EINVALID, "object %s has no type git knows", hex);
	hlen = (size_t)snprintf(header, sizeof(header), "%s %zu", type_name(type), len) + 1;
	if (deflate_object(w, header, hlen, data, len) < 0)
		return dlg_error(DLG_ERROR, "cannot compress object %s", hex);

	strbuf_reset(&w->tmp);
	strbuf_addf(&w->tmp, "%s/%.2s", w->objdir.buf, hex);
	if (mkdir(w->tmp.buf, 0755) < 0 && errno != EEXIST)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", w->tmp.buf, strerror(errno));
	strbuf_addstr(&w->tmp, "/tmp_obj_XXXXXX");
	if ((fd = mkstemp(w->tmp.buf)) < 0)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", w->tmp.buf, strerror(errno));
	/* Read-only like git's; the name is the content. */
	if (fchmod(fd, 0444) < 0 || write_all(fd, w->out.buf, w->out.len) < 0)
		err = -1;
	if (close(fd) < 0)
		err = -1;
	if (!err && rename(w->tmp.buf, w->path.buf) < 0)
		err = -1;
	if (err) {
		err = dlg_error(DLG_ERROR, "cannot write object %s: %s", hex, strerror(errno));
		unlink(w->tmp.buf);
	}
	return err;
}
