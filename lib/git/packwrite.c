#include <nettle/sha1.h>
#include <string.h>
#include <zlib.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "git/error.h"
#include "git/packwrite.h"

/* The indexer takes the pack in pieces of about this size. */
#define CHUNK (1u << 20)
/* Objects up to this size are compressed with a window just as big:
   resetting a full 32 KiB window for each small object costs more than
   compressing it. */
#define SMALL_OBJECT 4096

struct pack_out {
	git_odb_writepack *wp;
	git_indexer_progress stats;
	struct sha1_ctx sha;
	struct strbuf buf;
	z_stream zs, small;  /* small: a 4 KiB window, which is cheap to reset */
};

static int out_flush(struct pack_out *o)
{
	int err;
	if (!o->buf.len)
		return 0;
	sha1_update(&o->sha, o->buf.len, (const uint8_t *)o->buf.buf);
	err = o->wp->append(o->wp, o->buf.buf, o->buf.len, &o->stats);
	strbuf_reset(&o->buf);
	return err < 0 ? dlg_error_git(err, "write pack") : 0;
}

static int out_add(struct pack_out *o, const void *data, size_t len)
{
	strbuf_add(&o->buf, data, len);
	return o->buf.len >= CHUNK ? out_flush(o) : 0;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* An object's entry: its type and size in git's varint, then its deflated bytes. */
static int out_object(struct pack_out *o, git_object_t type, const unsigned char *data, size_t len)
{
	unsigned char head[16];
	size_t n = 0, size = len;
	z_stream *zs = len <= SMALL_OBJECT ? &o->small : &o->zs;
	int zerr, err;

	head[n] = (unsigned char)((type << 4) | (size & 0x0f));
	for (size >>= 4; size; size >>= 7) {
		head[n++] |= 0x80;
		head[n] = (unsigned char)(size & 0x7f);
	}
	if ((err = out_add(o, head, n + 1)) < 0)
		return err;

	if (deflateReset(zs) != Z_OK)
		return dlg_error(DLG_ERROR, "cannot compress an object");
	zs->next_in = (Bytef *)data;
	do {
		size_t room;
		uInt step = len > CHUNK ? CHUNK : (uInt)len;
		len -= step;
		zs->avail_in = step;
		do {
			strbuf_grow(&o->buf, CHUNK / 4);
			room = o->buf.alloc - o->buf.len - 1;
			zs->next_out = (Bytef *)o->buf.buf + o->buf.len;
			zs->avail_out = (uInt)room;
			zerr = deflate(zs, len ? Z_NO_FLUSH : Z_FINISH);
			if (zerr != Z_OK && zerr != Z_STREAM_END && zerr != Z_BUF_ERROR)
				return dlg_error(DLG_ERROR, "cannot compress an object");
			strbuf_setlen(&o->buf, o->buf.len + room - zs->avail_out);
			if (o->buf.len >= CHUNK && (err = out_flush(o)) < 0)
				return err;
		} while (zs->avail_out == 0 || (!len && zerr != Z_STREAM_END));
	} while (len);
	return 0;
}

int pack_write_whole(struct strbuf *name, git_odb *odb, git_odb_backend *src, const git_oid *ids, size_t n)
{
	struct pack_out o;
	unsigned char head[12], sum[SHA1_DIGEST_SIZE];
	int err;

	if (n > UINT32_MAX)
		return dlg_error(DLG_EINVALID, "too many objects for one pack");
	memset(&o, 0, sizeof(o));
	sha1_init(&o.sha);
	/* Level 1: the pack is rewritten by gc, which compresses it again. */
	if (deflateInit(&o.zs, 1) != Z_OK)
		return dlg_error(DLG_ERROR, "cannot start zlib");
	if (deflateInit2(&o.small, 1, Z_DEFLATED, 12, 4, Z_DEFAULT_STRATEGY) != Z_OK) {
		deflateEnd(&o.zs);
		return dlg_error(DLG_ERROR, "cannot start zlib");
	}
	strbuf_init(&o.buf, CHUNK + CHUNK / 4);
	if ((err = git_odb_write_pack(&o.wp, odb, NULL, NULL)) < 0) {
		err = dlg_error_git(err, "write pack");
		goto out;
	}

	memcpy(head, "PACK", 4);
	put_be32(head + 4, 2);
	put_be32(head + 8, (uint32_t)n);
	err = out_add(&o, head, sizeof(head));
	for (size_t i = 0; i < n && !err; i++) {
		void *data;
		size_t len;
		git_object_t type;
		if ((err = src->read(&data, &len, &type, src, &ids[i])) < 0) {
			err = dlg_error_git(err, "write pack");
			break;
		}
		err = out_object(&o, type, data, len);
		git_odb_backend_data_free(src, data);
	}
	if (!err)
		err = out_flush(&o);
	if (!err) {
		sha1_digest(&o.sha, sizeof(sum), sum);
		if ((err = o.wp->append(o.wp, sum, sizeof(sum), &o.stats)) == 0)
			err = o.wp->commit(o.wp, &o.stats);
		strbuf_addstr(name, "pack-");
		for (size_t i = 0; i < sizeof(sum); i++)
			strbuf_addf(name, "%02x", sum[i]);
		if (err < 0)
			err = dlg_error_git(err, "write pack");
	}
out:
	if (o.wp)
		o.wp->free(o.wp);
	deflateEnd(&o.zs);
	deflateEnd(&o.small);
	strbuf_release(&o.buf);
	return err;
}
