#include <string.h>

#include "base/error.h"
#include "store/id.h"
#include "store/msgmap.h"
#include "store/layout.h"

/* msgmap/ab/cd holds the keys starting with abcd, one "KEY DIALOG FILE" line each, sorted. */
static void msgmap_path(struct strbuf *out, const char *key)
{
	layout_msgmap_file(out, key);
}

static const char *msgmap_find(const char *map, const char *key)
{
	for (const char *p = map; *p;) {
		const char *nl = strchr(p, '\n');
		if (!strncmp(p, key, DLG_ID_LEN) && p[DLG_ID_LEN] == ' ')
			return p;
		if (!nl)
			break;
		p = nl + 1;
	}
	return NULL;
}

int msgmap_entry(char dialog[17], struct strbuf *file, const char *map, const char *key)
{
	const char *line = msgmap_find(map, key), *d, *sp, *nl;
	if (!line)
		return DLG_ENOTFOUND;
	d = line + DLG_ID_LEN + 1;
	sp = strchr(d, ' ');
	nl = strchr(d, '\n');
	if (!sp || sp - d != DLG_ID_LEN || (nl && nl < sp))
		return DLG_ENOTFOUND;
	memcpy(dialog, d, DLG_ID_LEN);
	dialog[DLG_ID_LEN] = '\0';
	if (file)
		strbuf_add(file, sp + 1, nl ? (size_t)(nl - sp - 1) : strlen(sp + 1));
	return 0;
}

int msgmap_lookup(char dialog[17], struct strbuf *file, struct dlg_tx *tx, const char *key)
{
	struct strbuf path = STRBUF_INIT, map = STRBUF_INIT;
	int err;
	msgmap_path(&path, key);
	err = tx_read(&map, tx, path.buf);
	if (!err)
		err = msgmap_entry(dialog, file, map.buf, key);
	strbuf_release(&path);
	strbuf_release(&map);
	return err;
}

int msgmap_add(struct dlg_tx *tx, const char *key, const char *dialog, const char *file)
{
	struct strbuf path = STRBUF_INIT, map = STRBUF_INIT, out = STRBUF_INIT;
	int err, placed = 0;
	msgmap_path(&path, key);
	err = tx_read(&map, tx, path.buf);
	if (err == DLG_ENOTFOUND)
		err = 0;
	for (const char *p = map.buf; !err && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
		int c = strncmp(p, key, DLG_ID_LEN);
		if (!placed && c >= 0) {
			strbuf_addf(&out, "%s %s %s\n", key, dialog, file);
			placed = 1;
		}
		if (c)
			strbuf_add(&out, p, n);
		p += n;
	}
	if (!placed)
		strbuf_addf(&out, "%s %s %s\n", key, dialog, file);
	if (!err)
		err = tx_write(tx, path.buf, out.buf, out.len);
	strbuf_release(&path);
	strbuf_release(&map);
	strbuf_release(&out);
	return err;
}
