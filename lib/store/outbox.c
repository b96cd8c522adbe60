/*
 * The outbox in the tree (outbox/KEY) and the delivery state of stored
 * outgoing messages: what dlg send reads and the changes that queue answers
 * write.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/error.h"
#include "base/redact.h"
#include "base/time.h"
#include "store/id.h"
#include "store/import.h"
#include "store/message.h"
#include "store/outbox.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

/* ---- the outbox ---- */

static void outbox_path(struct strbuf *out, const char *key)
{
	layout_outbox_entry(out, key);
}

int outbox_add(struct dlg_tx *tx, const char *key, const char *dialog, const char *file)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err;
	outbox_path(&path, key);
	strbuf_addf(&data, "%s %s\n", dialog, file);
	err = tx_write(tx, path.buf, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int outbox_remove(struct dlg_tx *tx, const char *key)
{
	struct strbuf path = STRBUF_INIT;
	int err;
	outbox_path(&path, key);
	err = tx_remove(tx, path.buf);
	strbuf_release(&path);
	return err;
}

void outbox_free(struct outbox_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].file);
	free(e);
}

int outbox_entry_read(struct outbox_entry *e, struct dlg_tx *tx, const char *key)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	const char *sp;
	int err;
	memset(e, 0, sizeof(*e));
	outbox_path(&path, key);
	if (strlen(key) != DLG_ID_LEN || (err = tx_read(&data, tx, path.buf)) < 0) {
		err = DLG_ENOTFOUND;
		goto out;
	}
	strbuf_trim(&data);
	sp = strchr(data.buf, ' ');
	if (!sp || sp - data.buf != DLG_ID_LEN || !sp[1] || strchr(sp + 1, '/')) {
		err = DLG_ENOTFOUND;
		goto out;
	}
	memcpy(e->key, key, DLG_ID_LEN + 1);
	memcpy(e->dialog, data.buf, DLG_ID_LEN);
	e->file = xstrdup(sp + 1);
out:
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

/* dialogs/../ID/cur/FILE of an entry. */
void outbox_entry_message_path(struct strbuf *out, const struct outbox_entry *e)
{
	layout_dialog_message(out, e->dialog, e->file);
}

int message_delivery_pending(const char *raw, size_t len)
{
	struct strbuf v = STRBUF_INIT;
	int pending;
	/* only an operator's message goes out: an entry naming a customer's is stale */
	if (message_block_get(&v, raw, len, "X-Dlg-Direction") || strcmp(v.buf, "out"))
		pending = 0;
	else if (message_block_get(&v, raw, len, "X-Dlg-Delivery"))
		pending = 1; /* queued, as a reply is written */
	else if (!strcmp(v.buf, "sent"))
		pending = 0;
	else if (!strcmp(v.buf, "failed"))
		pending = !message_block_get(&v, raw, len, "X-Dlg-Next-Attempt");
	else
		pending = 1;
	strbuf_release(&v);
	return pending;
}

/* ---- delivery headers ---- */

static int is_delivery_header(const char *line, size_t n)
{
	static const char *const names[] = { "X-Dlg-Delivery:", "X-Dlg-Attempts:", "X-Dlg-Error:",
					     "X-Dlg-Next-Attempt:", "X-Dlg-Sent-Via:", "X-Dlg-Sent-Id:",
					     "X-Dlg-Sent-At:", NULL };
	for (int i = 0; names[i]; i++)
		if (n >= strlen(names[i]) && !strncmp(line, names[i], strlen(names[i])))
			return 1;
	return 0;
}

void message_set_delivery(struct strbuf *out, const char *raw, size_t len, const char *state,
			  const char *const *headers)
{
	size_t block = message_block_len(raw, len), i = 0;
	message_add_header(out, "X-Dlg-Delivery", state, "\n");
	for (; headers && headers[0]; headers += 2)
		message_add_header(out, headers[0], headers[1], "\n");
	/* the rest of dlg's block: one field a line */
	while (i < block) {
		const char *line = raw + i, *nl = memchr(line, '\n', block - i);
		size_t n = nl ? (size_t)(nl - line) + 1 : block - i;
		if (!is_delivery_header(line, n))
			strbuf_add(out, line, n);
		i += n;
	}
	strbuf_add(out, raw + block, len - block);
}

/* ---- sending ---- */
