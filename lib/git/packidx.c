#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "git/packidx.h"

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "\377tOc", version 2, 256 cumulative counts by first byte, then the ids. */
int packidx_read(struct packidx *out, const char *path)
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	struct strbuf sb = STRBUF_INIT;
	size_t nr;

	memset(out, 0, sizeof(*out));
	if (strbuf_read_file(&sb, path) < 0) {
		int e = errno;
		strbuf_release(&sb);
		return dlg_error(DLG_ERROR, "cannot read '%s': %s", path, strerror(e));
	}
	if (sb.len < 8 + 256 * 4 || memcmp(sb.buf, magic, 8))
		goto bad;
	nr = be32((unsigned char *)sb.buf + 8 + 255 * 4);
	if (nr > (sb.len - 8 - 256 * 4) / 20)
		goto bad;
	out->ids = xmalloc(nr ? nr * 20 : 1);
	memcpy(out->ids, sb.buf + 8 + 256 * 4, nr * 20);
	out->nr = nr;
	for (size_t i = 1; i < nr; i++)
		if (memcmp(out->ids + (i - 1) * 20, out->ids + i * 20, 20) >= 0) {
			packidx_release(out);
			goto bad;
		}
	strbuf_release(&sb);
	return 0;
bad:
	strbuf_release(&sb);
	return dlg_error(DLG_ERROR, "'%s' is not a pack index dlg can read", path);
}

int packidx_has(const struct packidx *idx, const unsigned char id[20])
{
	size_t lo = 0, hi = idx->nr;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(idx->ids + mid * 20, id, 20);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

void packidx_release(struct packidx *idx)
{
	free(idx->ids);
	idx->ids = NULL;
	idx->nr = 0;
}
