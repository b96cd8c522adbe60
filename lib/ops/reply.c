#include <fcntl.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "ops/dialog.h"
#include "ops/reply.h"
#include "ops/text.h"
#include "store/config.h"
#include "store/id.h"
#include "store/import.h"
#include "store/layout.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/order.h"
#include "store/outbox.h"
#include "store/record.h"
#include "store/tx.h"

/* The MIME type from the file's bytes (libmagic), as mail clients expect it. */
static char *file_type(const char *data, size_t len)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	const char *t = m && !magic_load(m, NULL) ? magic_buffer(m, data, len) : NULL;
	char *type = xstrdup(t && strchr(t, '/') ? t : "application/octet-stream");
	if (m)
		magic_close(m);
	return type;
}

static void attachment_name(struct dlg_attachment *a, const char *name)
{
	a->name = xstrdup(name);
	a->type = file_type(a->data.buf, a->data.len);
}

int dlg_attachment_load(struct dlg_attachment *a, const char *path)
{
	const char *base = strrchr(path, '/');
	int err;
	strbuf_init(&a->data, 0);
	a->name = a->type = NULL;
	if ((err = file_read_regular(&a->data, AT_FDCWD, path, 0, DLG_ATTACH_MAX)) < 0)
		return dlg_error(err, "cannot attach '%s': %s", path, dlg_error_last());
	attachment_name(a, base && base[1] ? base + 1 : path);
	return 0;
}

int dlg_attachment_set(struct dlg_attachment *a, const char *name, const void *data, size_t len)
{
	strbuf_init(&a->data, 0);
	a->name = a->type = NULL;
	if (len > DLG_ATTACH_MAX)
		return dlg_error(DLG_EINVALID, "cannot attach '%s': %zu bytes, more than the %u MB "
				 "(%u bytes) allowed", name, len, DLG_ATTACH_MAX >> 20, DLG_ATTACH_MAX);
	strbuf_add(&a->data, data, len);
	attachment_name(a, name);
	return 0;
}

void dlg_attachment_release(struct dlg_attachment *a)
{
	free(a->name);
	free(a->type);
	a->name = a->type = NULL;
	strbuf_release(&a->data);
}

struct reply_job {
	const char *id;
	const char *text;    /* "": only the files */
	const struct dlg_attachment *files;
	size_t nfiles;
	int assigned;
};

static int reply_fn(struct dlg_tx *tx, void *payload)
{
	struct reply_job *job = payload;
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT, from = STRBUF_INIT,
		      email = STRBUF_INIT, subject = STRBUF_INIT, refs = STRBUF_INIT, file = STRBUF_INIT,
		      msgid = STRBUF_INIT;
	struct dialog_info info;
	struct stored_msg last;
	struct oplog log = OPLOG_INIT;
	struct dialog_state st;
	struct strlist msgids = STRLIST_INIT;
	char key[17], rnd[17];
	unsigned long seq;
	int err, have_last;

	job->assigned = 0;
	if ((err = dialog_info_require(&info, tx, job->id)) < 0)
		return err;
	dialog_dir(&dir, job->id);
	have_last = dialog_last_incoming(&last, tx, dir.buf);

	/* Mail that came through an email channel is answered from its address. */
	if (have_last && last.route) {
		struct config c = CONFIG_INIT;
		struct strbuf k = STRBUF_INIT;
		const char *addr;
		strbuf_addf(&k, "channel.%s.address", last.route);
		if (!config_load_tx(&c, tx) && (addr = config_get(&c, k.buf)) && *addr)
			strbuf_addstr(&email, addr);
		config_clear(&c);
		strbuf_release(&k);
	}
	if (!email.len)
		store_operator_email(&email, tx_store(tx));
	strbuf_addf(&from, "%s <%s>", tx_operator(tx), email.buf);
	/* One "Re: ", in the customer's spelling of the rest. */
	strbuf_addf(&subject, "Re: %s", subject_strip_prefixes(info.subject));
	if (have_last && last.mime->message_id) {
		for (size_t i = 0; i < last.mime->nreferences; i++)
			strbuf_addf(&refs, "%s<%s>", refs.len ? " " : "", last.mime->references[i]);
		if (!last.mime->nreferences && last.mime->in_reply_to)
			strbuf_addf(&refs, "<%s>", last.mime->in_reply_to);
		strbuf_addf(&refs, "%s<%s>", refs.len ? " " : "", last.mime->message_id);
	}
	/*
	 * The text first, then each file as a message of its own.  Their files
	 * are named DATE.KEY and share the date, so the keys are handed out in
	 * ascending order: a dlg that sorts by name alone keeps it too.
	 */
	for (size_t part = 0; part <= job->nfiles; part++) {
		const char *at = strrchr(email.buf, '@');
		random_hex(rnd, 16);
		strbuf_reset(&msgid);
		/* The Message-ID's domain is ours: the one of our From address. */
		strbuf_addf(&msgid, " dlg.%s.%s@%s", job->id, rnd, at && at[1] ? at + 1 : "dlg.invalid");
		if ((err = message_key_for(key, "email", msgid.buf + 1)) < 0)
			goto out;
		/* "KEY MSGID": sorting the lines sorts the keys */
		strbuf_reset(&file);
		strbuf_addf(&file, "%s%s", key, msgid.buf);
		strlist_push(&msgids, file.buf);
	}
	strlist_sort(&msgids);
	/* Their sequence says the order they were made in, whatever their keys
	   (store/order.h): the text, then each file, after all of the second. */
	if ((err = order_next_seq(&seq, tx, dir.buf)) < 0)
		goto out;
	for (size_t part = *job->text ? 0 : 1; part <= job->nfiles; part++) {
		const struct dlg_attachment *a = part ? &job->files[part - 1] : NULL;
		struct reply_spec r = { 0 };
		const char *sp = strchr(msgids.items[part], ' ');
		memcpy(key, msgids.items[part], DLG_ID_LEN);
		key[DLG_ID_LEN] = '\0';
		strbuf_reset(&msgid);
		strbuf_addstr(&msgid, sp + 1);
		r.meta.channel = info.channel;
		r.meta.user = info.user;
		r.meta.channel_user = have_last ? last.channel_user : NULL;
		r.meta.channel_message = NULL;
		r.operator = tx_operator(tx);
		r.from = from.buf;
		r.to = have_last && *last.mime->from.addr ? last.mime->from.addr :
		       have_last && last.channel_user ? last.channel_user : "";
		r.subject = subject.buf;
		r.message_id = msgid.buf;
		r.in_reply_to = have_last ? last.mime->message_id : NULL;
		r.references = refs.buf;
		r.text = a ? "" : job->text;
		r.date = tx_time(tx);
		r.seq = seq < ORDER_SEQ_MAX ? seq++ : seq;
		if (a) {
			r.file_name = a->name;
			r.file_type = a->type;
			r.file_data = a->data.buf;
			r.file_len = a->data.len;
		}
		strbuf_reset(&data);
		if ((err = message_build_reply(&data, &r)) < 0)
			goto out;
		strbuf_reset(&file);
		message_file_name(&file, tx_time(tx), key, 1);
		strbuf_reset(&path);
		layout_message(&path, dir.buf, file.buf);
		if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
		    (err = msgmap_add(tx, key, job->id, file.buf)) < 0 ||
		    (err = outbox_add(tx, key, job->id, file.buf)) < 0)
			goto out;
	}
	if ((err = record_load(&log, tx, dir.buf)) < 0)
		goto out;
	dialog_state_replay(&st, &log, -1);
	if (!st.assignee) {
		/* The first operator to answer takes the dialog. */
		err = record_op(tx, dir.buf, "assign", tx_operator(tx), NULL, NULL);
		job->assigned = 1;
	}
	dialog_state_clear(&st);
	if (job->assigned)
		tx_message(tx, "reply %.7s (assign to %s)\n", job->id, tx_operator(tx));
	else
		tx_message(tx, "reply %.7s\n", job->id);
out:
	if (have_last)
		stored_msg_clear(&last);
	oplog_clear(&log);
	dialog_info_clear(&info);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&from);
	strbuf_release(&email);
	strbuf_release(&subject);
	strbuf_release(&refs);
	strbuf_release(&file);
	strbuf_release(&msgid);
	strlist_clear(&msgids);
	return err;
}

int dlg_reply(struct dlg_reply_result *out, struct dlg_store *s, const struct dlg_reply_opts *opts)
{
	struct reply_job job = { opts->dialog, opts->text, opts->files, opts->nfiles, 0 };
	int err;
	if (!opts->nfiles && (err = dlg_text_check(opts->text, "reply")) < 0)
		return err;
	if (dlg_text_blank(opts->text))
		job.text = "";
	if ((err = store_change(s, reply_fn, &job, NULL)) < 0)
		return err;
	if (out)
		out->assigned = job.assigned;
	return 0;
}
