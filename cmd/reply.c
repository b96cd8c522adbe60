#include <fcntl.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/hex.h"
#include "cmd.h"
#include "store/config.h"
#include "store/id.h"
#include "store/import.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/outbox.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/summary.h"
#include "store/template.h"
#include "store/tx.h"

static const char *const reply_usage[] = {
	"dlg reply [-m TEXT | -F FILE | -t NAME [--no-edit]] [-a FILE]... [--send] ID",
	NULL,
};

/* What one outgoing message may carry: the limit every channel shares. */
#define ATTACH_MAX (2u << 20)

struct attachment {
	char *name;
	char *type;
	struct strbuf data;
};

struct reply_job {
	const char *id;
	const char *text;
	struct attachment *files;
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
	int err, have_last;

	job->assigned = 0;
	dialog_dir(&dir, job->id);
	strbuf_addf(&path, "%s/info", dir.buf);
	if ((err = tx_read(&data, tx, path.buf)) < 0)
		return err == DLG_ENOTFOUND ? dlg_error(err, "no dialog '%s'", job->id) : err;
	dialog_info_parse(&info, data.buf, data.len);
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
	 * ascending order: readers and dlg send keep the order they were written.
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
	for (size_t part = *job->text ? 0 : 1; part <= job->nfiles; part++) {
		const struct attachment *a = part ? &job->files[part - 1] : NULL;
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
		strbuf_addf(&path, "%s/cur/%s", dir.buf, file.buf);
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

/* Every file is checked before anything is written: all go, or none.  The
   operator named the file, so a link is followed; what it leads to is
   opened first and checked on the descriptor, so the checks and the bytes
   are of the same file. */
static int attachment_load(struct attachment *a, const char *path)
{
	const char *base = strrchr(path, '/');
	strbuf_init(&a->data, 0);
	if (file_read_regular(&a->data, AT_FDCWD, path, 0, ATTACH_MAX) < 0)
		return error_msg("cannot attach '%s': %s", path, dlg_error_last());
	a->name = xstrdup(base && base[1] ? base + 1 : path);
	a->type = file_type(a->data.buf, a->data.len);
	return 0;
}

CMD(reply)
{
	struct strlist ids = STRLIST_INIT, paths = STRLIST_INIT;
	struct strbuf text = STRBUF_INIT;
	struct reply_job job = { 0 };
	const char *m = NULL, *file = NULL, *tmpl = NULL;
	int ret = 0, send_now = 0, no_edit = 0;
	const struct opt opts[] = {
		OPT_COLUMN(23),
		OPT_STRING('m', "message", &m, "TEXT", "the answer"),
		OPT_STRING('F', "file", &file, "FILE", "read it from FILE (- for stdin)"),
		OPT_STRING('t', "template", &tmpl, "NAME", "a saved reply, its {{variables}} filled in; on a\n"
			   "terminal it opens in $EDITOR first (--no-edit: not)"),
		OPT_FLAG(0, "no-edit", &no_edit, NULL),
		OPT_STRING_LIST('a', "attach", &paths, "FILE",
				"send FILE too, as a message of its own (at most 2 MB)"),
		OPT_FLAG('s', "send", &send_now, "deliver it now (dlg send), not only queue it"),
		OPT_TEXT("Queues an answer to the dialog, addressed through its channel.  The text"),
		OPT_TEXT("comes from -m, -F FILE (- for stdin), piped stdin, or $EDITOR; with"),
		OPT_TEXT("--attach it may be left out.  Replying to an unassigned dialog assigns"),
		OPT_TEXT("it to you."),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, reply_usage, 0);
	if (argc != 1 || (!!m + !!file + !!tmpl > 1) || (no_edit && !tmpl)) {
		strlist_clear(&paths);
		return argc < 0 ? parse_options_exit(argc) : usage_with_options(reply_usage, opts, 0);
	}
	job.files = xcalloc(paths.nr + 1, sizeof(*job.files));
	for (size_t i = 0; i < paths.nr && !ret; i++, job.nfiles++)
		ret = attachment_load(&job.files[i], paths.items[i]);
	if (!ret)
		ret = ids_from_args(&ids, ctx, 1, argv);
	if (!ret && tmpl) {
		struct strbuf draft = STRBUF_INIT;
		if (!(ret = template_fill(&draft, ctx, tmpl, ids.items[0], NULL))) {
			/* like git commit: on a terminal, the draft is the operator's to edit */
			if (!no_edit && isatty(0) && isatty(1))
				ret = edit_text(&text, draft.buf, "reply");
			else
				strbuf_addbuf(&text, &draft);
		}
		strbuf_release(&draft);
		strbuf_rtrim(&text);
		if (!ret && !text.len)
			ret = error_msg("empty reply; nothing was written");
		if (!ret) {
			strbuf_addch(&text, '\n');
			emoji_expand_in_place(&text);
		}
	} else if (!ret && (!paths.nr || m || file)) {
		/* With files, the text is what -m or -F say: no editor opens for it. */
		if (!(ret = text_from_sources(&text, m, file, "reply")))
			emoji_expand_in_place(&text);
	}
	if (ret)
		goto out;
	job.id = ids.items[0];
	job.text = text.buf;
	if (store_change(ctx->store, reply_fn, &job, NULL) < 0)
		ret = error_last();
	else if (send_now)
		ret = send_dialogs(ctx, &ids, 0, 0);
out:
	for (size_t i = 0; i < job.nfiles; i++) {
		free(job.files[i].name);
		free(job.files[i].type);
		strbuf_release(&job.files[i].data);
	}
	free(job.files);
	strlist_clear(&paths);
	strlist_clear(&ids);
	strbuf_release(&text);
	return ret;
}
