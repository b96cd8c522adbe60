#include <errno.h>
#include <fcntl.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/durable.h"
#include "base/error.h"
#include "git/error.h"
#include "git/packwrite.h"

/* Objects up to this size are compressed with a window just as big:
   resetting a full 32 KiB window for each small object costs more than
   compressing it. */
#define SMALL_OBJECT 4096
/* Level 1: the pack is rewritten by gc, which compresses it again. */
#define LEVEL 1

int pack_part_init(struct pack_part *p)
{
	memset(p, 0, sizeof(*p));
	strbuf_init(&p->buf, 0);
	if (deflateInit(&p->zs, LEVEL) != Z_OK)
		return dlg_error(DLG_ERROR, "cannot start zlib");
	if (deflateInit2(&p->small, LEVEL, Z_DEFLATED, 12, 4, Z_DEFAULT_STRATEGY) != Z_OK) {
		deflateEnd(&p->zs);
		return dlg_error(DLG_ERROR, "cannot start zlib");
	}
	if (deflateInit2(&p->stored, 0, Z_DEFLATED, 12, 4, Z_DEFAULT_STRATEGY) != Z_OK) {
		deflateEnd(&p->zs);
		deflateEnd(&p->small);
		return dlg_error(DLG_ERROR, "cannot start zlib");
	}
	p->ready = 1;
	return 0;
}

void pack_part_release(struct pack_part *p)
{
	if (p->ready) {
		deflateEnd(&p->zs);
		deflateEnd(&p->small);
		deflateEnd(&p->stored);
	}
	strbuf_release(&p->buf);
	free(p->entries);
	memset(p, 0, sizeof(*p));
}

int pack_part_add(struct pack_part *p, const git_oid *id, git_object_t type, const void *data, size_t len)
{
	z_stream *zs = type == GIT_OBJECT_TREE ? &p->stored : len <= SMALL_OBJECT ? &p->small : &p->zs;
	struct pack_entry *e;
	unsigned char head[16];
	size_t n = 0, size = len, start = p->buf.len;
	int zerr;

	ALLOC_GROW(p->entries, p->nr + 1, p->alloc);
	e = &p->entries[p->nr];
	e->id = *id;
	e->offset = start;
	/* The type and size: 4 bits of size beside the type, then 7 a byte. */
	head[n] = (unsigned char)((type << 4) | (size & 0x0f));
	for (size >>= 4; size; size >>= 7) {
		head[n++] |= 0x80;
		head[n] = (unsigned char)(size & 0x7f);
	}
	strbuf_add(&p->buf, head, n + 1);

	if (deflateReset(zs) != Z_OK)
		goto failed;
	strbuf_grow(&p->buf, deflateBound(zs, (uLong)len) + 16);
	zs->next_in = (Bytef *)data;
	zs->avail_in = 0;
	do {
		size_t room;
		if (!zs->avail_in && len) { /* uInt counts at most 4 GiB a step */
			uInt step = len > (1u << 30) ? 1u << 30 : (uInt)len;
			zs->avail_in = step;
			len -= step;
		}
		strbuf_grow(&p->buf, 1u << 16);
		room = p->buf.alloc - p->buf.len - 1;
		zs->next_out = (Bytef *)p->buf.buf + p->buf.len;
		zs->avail_out = room > (1u << 30) ? 1u << 30 : (uInt)room;
		room = zs->avail_out;
		zerr = deflate(zs, len ? Z_NO_FLUSH : Z_FINISH);
		if (zerr != Z_OK && zerr != Z_STREAM_END && zerr != Z_BUF_ERROR)
			goto failed;
		strbuf_setlen(&p->buf, p->buf.len + room - zs->avail_out);
	} while (zerr != Z_STREAM_END);
	e->crc = (uint32_t)crc32_z(0, (const Bytef *)p->buf.buf + start, p->buf.len - start);
	p->nr++;
	return 0;
failed:
	strbuf_setlen(&p->buf, start);
	return dlg_error(DLG_ERROR, "cannot compress an object");
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void add_be32(struct strbuf *sb, uint32_t v)
{
	unsigned char b[4];
	put_be32(b, v);
	strbuf_add(sb, b, 4);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pack_entry *const *x = a, *const *y = b;
	return memcmp((*x)->id.id, (*y)->id.id, GIT_OID_RAWSZ);
}

/* The .idx of version 2 for the sorted entries of a pack whose sum is sum. */
static int make_index(struct strbuf *idx, struct pack_entry **sorted, size_t n, const unsigned char *sum)
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	uint8_t digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx sha;
	size_t i, big = 0;

	strbuf_add(idx, magic, sizeof(magic));
	for (unsigned b = 0, k = 0; b < 256; b++) {
		while (k < n && sorted[k]->id.id[0] == b)
			k++;
		add_be32(idx, (uint32_t)k);
	}
	for (i = 0; i < n; i++) {
		if (i && !memcmp(sorted[i - 1]->id.id, sorted[i]->id.id, GIT_OID_RAWSZ))
			return dlg_error(DLG_ERROR, "an object twice in one pack");
		strbuf_add(idx, sorted[i]->id.id, GIT_OID_RAWSZ);
	}
	for (i = 0; i < n; i++)
		add_be32(idx, sorted[i]->crc);
	for (i = 0; i < n; i++)
		if (sorted[i]->offset < 0x80000000u)
			add_be32(idx, (uint32_t)sorted[i]->offset);
		else
			add_be32(idx, 0x80000000u | (uint32_t)big++);
	for (i = 0; i < n; i++)
		if (sorted[i]->offset >= 0x80000000u) {
			add_be32(idx, (uint32_t)(sorted[i]->offset >> 32));
			add_be32(idx, (uint32_t)sorted[i]->offset);
		}
	strbuf_add(idx, sum, SHA1_DIGEST_SIZE);
	sha1_init(&sha);
	sha1_update(&sha, idx->len, (const uint8_t *)idx->buf);
	sha1_digest(&sha, sizeof(digest), digest);
	strbuf_add(idx, digest, sizeof(digest));
	return 0;
}

/* A new temporary file in packdir, read-only as git's pack files are. */
static int temp_file(struct strbuf *path, const char *packdir, const char *prefix)
{
	int fd;
	strbuf_reset(path);
	strbuf_addf(path, "%s/%sXXXXXX", packdir, prefix);
	if ((fd = mkstemp(path->buf)) < 0)
		return dlg_error(DLG_ERROR, "cannot create '%s': %s", path->buf, strerror(errno));
	if (fchmod(fd, 0444) < 0) {
		int e = errno;
		close(fd);
		unlink(path->buf);
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", path->buf, strerror(e));
	}
	return fd;
}

static int write_file(const char *path, int fd, const void *data, size_t len)
{
	if (write_all(fd, data, len) < 0)
		return dlg_error(DLG_ERROR, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int pack_write_parts(struct strbuf *name, const char *packdir, struct pack_part *const *parts, size_t nparts)
{
	struct strbuf tmp_pack = STRBUF_INIT, tmp_idx = STRBUF_INIT, path = STRBUF_INIT, idx = STRBUF_INIT;
	struct pack_entry **sorted = NULL;
	unsigned char head[12], sum[SHA1_DIGEST_SIZE];
	struct sha1_ctx sha;
	uint64_t offset = sizeof(head);
	size_t n = 0, k = 0;
	int fd = -1, err;

	for (size_t i = 0; i < nparts; i++)
		n += parts[i]->nr;
	if (n > UINT32_MAX)
		return dlg_error(DLG_EINVALID, "too many objects for one pack");
	memcpy(head, "PACK", 4);
	put_be32(head + 4, 2);
	put_be32(head + 8, (uint32_t)n);
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));

	if ((fd = err = temp_file(&tmp_pack, packdir, "tmp_pack_")) < 0)
		goto out;
	sha1_init(&sha);
	sha1_update(&sha, sizeof(head), head);
	if ((err = write_file(tmp_pack.buf, fd, head, sizeof(head))) < 0)
		goto failed;
	for (size_t i = 0; i < nparts; i++) {
		const struct pack_part *part = parts[i];
		if (!part->nr)
			continue;
		sha1_update(&sha, part->buf.len, (const uint8_t *)part->buf.buf);
		if ((err = write_file(tmp_pack.buf, fd, part->buf.buf, part->buf.len)) < 0)
			goto failed;
		for (size_t j = 0; j < part->nr; j++) {
			part->entries[j].offset += offset;
			sorted[k++] = &part->entries[j];
		}
		offset += part->buf.len;
	}
	sha1_digest(&sha, sizeof(sum), sum);
	if ((err = write_file(tmp_pack.buf, fd, sum, sizeof(sum))) < 0)
		goto failed;
	if (close(fd) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", tmp_pack.buf, strerror(errno));
		goto failed;
	}
	fd = -1;

	qsort(sorted, n, sizeof(*sorted), cmp_entry);
	if ((err = make_index(&idx, sorted, n, sum)) < 0)
		goto failed;
	if ((fd = err = temp_file(&tmp_idx, packdir, "tmp_idx_")) < 0)
		goto failed;
	if ((err = write_file(tmp_idx.buf, fd, idx.buf, idx.len)) < 0)
		goto failed;
	if (close(fd) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", tmp_idx.buf, strerror(errno));
		goto failed;
	}
	fd = -1;

	strbuf_addstr(name, "pack-");
	for (size_t i = 0; i < sizeof(sum); i++)
		strbuf_addf(name, "%02x", sum[i]);
	strbuf_addf(&path, "%s/%s.pack", packdir, name->buf);
	if (rename(tmp_pack.buf, path.buf) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path.buf, strerror(errno));
		goto failed;
	}
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/%s.idx", packdir, name->buf);
	if (rename(tmp_idx.buf, path.buf) < 0) {
		err = dlg_error(DLG_ERROR, "cannot write '%s': %s", path.buf, strerror(errno));
		goto failed; /* the pack stays, without an index: gc's to judge */
	}
	err = 0;
	goto out;
failed:
	if (fd >= 0)
		close(fd);
	if (tmp_pack.len)
		unlink(tmp_pack.buf);
	if (tmp_idx.len)
		unlink(tmp_idx.buf);
	strbuf_setlen(name, 0);
out:
	free(sorted);
	strbuf_release(&tmp_pack);
	strbuf_release(&tmp_idx);
	strbuf_release(&path);
	strbuf_release(&idx);
	return err;
}

int pack_write_whole(struct strbuf *name, const char *packdir, git_odb_backend *src, const git_oid *ids,
		     size_t n)
{
	struct pack_part part, *parts[] = { &part };
	int err = pack_part_init(&part);

	for (size_t i = 0; i < n && !err; i++) {
		void *data;
		size_t len;
		git_object_t type;
		if ((err = src->read(&data, &len, &type, src, &ids[i])) < 0) {
			err = dlg_error_git(err, "write pack");
			break;
		}
		err = pack_part_add(&part, &ids[i], type, data, len);
		git_odb_backend_data_free(src, data);
	}
	if (!err)
		err = pack_write_parts(name, packdir, parts, 1);
	pack_part_release(&part);
	return err;
}
