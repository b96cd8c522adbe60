#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "import.h"
#include "message.h"
#include "record.h"
#include "util.h"

static const char reply_usage[] =
	"usage: dlg reply [-m TEXT | -F FILE] ID\n"
	"  -m, --message TEXT   the answer\n"
	"  -F, --file FILE      read it from FILE (- for stdin)\n"
	"Queues an answer to the dialog, addressed through its channel.  The text\n"
	"comes from -m, -F FILE (- for stdin), piped stdin, or $EDITOR.\n"
	"Replying to an unassigned dialog assigns it to you.\n";

struct reply_job {
	const char *id;
	const char *text;
	int assigned;
};

/* The newest message from the customer: what the answer replies to. */
static int last_incoming(struct stored_msg *out, struct dlg_tx *tx, const char *dir)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int found = 0;
	strbuf_addf(&path, "%s/cur", dir);
	tx_list(&names, tx, path.buf);
	for (size_t i = names.nr; i-- > 0 && !found;) {
		strbuf_reset(&path);
		strbuf_reset(&data);
		strbuf_addf(&path, "%s/cur/%s", dir, names.items[i]);
		size_t hdr;
		if (tx_read(&data, tx, path.buf) < 0)
			continue;
		hdr = mime_body_offset(data.buf, data.len);
		if (stored_msg_parse(out, names.items[i], data.buf, hdr, 0) < 0)
			continue;
		if (!out->out)
			found = 1;
		else
			stored_msg_clear(out);
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&data);
	return found;
}

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
	char key[17], rnd[17];
	int err, have_last;

	job->assigned = 0;
	dialog_dir(&dir, job->id);
	strbuf_addf(&path, "%s/info", dir.buf);
	if ((err = tx_read(&data, tx, path.buf)) < 0)
		return err == DLG_ENOTFOUND ? dlg_error(err, "no dialog '%s'", job->id) : err;
	dialog_info_parse(&info, data.buf, data.len);
	have_last = last_incoming(&last, tx, dir.buf);

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
	random_hex(rnd, 16);
	{
		/* The Message-ID's domain is ours: the one of our From address. */
		const char *at = strrchr(email.buf, '@');
		strbuf_addf(&msgid, "dlg.%s.%s@%s", job->id, rnd, at && at[1] ? at + 1 : "dlg.invalid");
	}
	message_key_for(key, "email", msgid.buf);
	{
		struct reply_spec r = { 0 };
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
		r.text = job->text;
		r.date = tx_time(tx);
		strbuf_reset(&data);
		message_build_reply(&data, &r);
	}
	message_file_name(&file, tx_time(tx), key, 1);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/cur/%s", dir.buf, file.buf);
	if ((err = tx_write(tx, path.buf, data.buf, data.len)) < 0 ||
	    (err = msgmap_add(tx, key, job->id, file.buf)) < 0 ||
	    (err = record_load(&log, tx, dir.buf)) < 0)
		goto out;
	dialog_state_replay(&st, &log);
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
	return err;
}

CMD(reply)
{
	struct strlist ids = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	struct reply_job job;
	char *target;
	int ret = parse_text_command(&target, &text, argc, argv, reply_usage, "reply");

	if (ret || (ret = ids_from_args(&ids, ctx, 1, &target)))
		goto out;
	job.id = ids.items[0];
	job.text = text.buf;
	if (store_change(ctx->store, reply_fn, &job, NULL) < 0)
		ret = error_last();
out:
	strlist_clear(&ids);
	strbuf_release(&text);
	return ret < 0 ? 0 : ret;
}
