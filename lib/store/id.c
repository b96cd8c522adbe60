#include <string.h>

#include "base/hex.h"
#include "git/hash.h"
#include "store/id.h"

int key_make(char out[DLG_ID_LEN + 1], const char *kind, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[41];
	int err;
	strbuf_addstr(&sb, kind);
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, a ? a : "");
	strbuf_addch(&sb, '\0');
	strbuf_addstr(&sb, b ? b : "");
	err = hash_hex(hex, sb.buf, sb.len);
	strbuf_release(&sb);
	if (err < 0)
		return err;
	memcpy(out, hex, DLG_ID_LEN);
	out[DLG_ID_LEN] = '\0';
	return 0;
}

int is_full_id(const char *s)
{
	return strlen(s) == DLG_ID_LEN && is_hex_prefix(s);
}

void shard_path(struct strbuf *out, const char *top, const char *id)
{
	strbuf_addf(out, "%s/%.2s/%.2s/%s", top, id, id + 2, id);
}
