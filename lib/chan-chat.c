/*
 * The website's chat widget and pop-ups: a spool directory shared with the
 * site's backend.  The backend delivers each visitor message as one JSON
 * file, written in tmp/ and renamed into new/ (the Maildir hand-off, so a
 * half-written file is never seen); dlg moves what it committed to cur/.
 * Answers go the other way: dlg writes out/KEY.json through tmp/ as well.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "deliver.h"
#include "error.h"
#include "mime.h"
#include "util.h"

/* Larger files are not visitor messages: 2 MB of attachments, base64, and room for text. */
#define SPOOL_MAX_FILE (8u << 20)

static int spool_dir(const char **out, const struct channel *ch)
{
	if (!(*out = channel_get(ch, "spool")))
		return dlg_error(DLG_EINVALID, "channel %s has no spool directory (--spool DIR)", ch->name);
	return 0;
}

static int chat_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT, w = STRBUF_INIT;
	struct strlist names = STRLIST_INIT;
	const char *dir;
	struct dirent *de;
	DIR *d;
	int err;

	if ((err = spool_dir(&dir, ch)) < 0)
		return err;
	strbuf_addf(&path, "%s/new", dir);
	if (!(d = opendir(path.buf))) {
		err = dlg_error(DLG_ERROR, "channel %s: cannot read '%s': %s", ch->name, path.buf,
				strerror(errno));
		strbuf_release(&path);
		return err;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_push(&names, de->d_name);
	closedir(d);
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++) {
		struct stat st;
		struct chan_msg m;
		strbuf_reset(&path);
		strbuf_reset(&data);
		strbuf_reset(&w);
		strbuf_addf(&path, "%s/new/%s", dir, names.items[i]);
		if (lstat(path.buf, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if ((size_t)st.st_size > SPOOL_MAX_FILE) {
			strbuf_addf(&w, "spool file %s: larger than %u MB, left in new/", names.items[i],
				    SPOOL_MAX_FILE >> 20);
		} else if (strbuf_read_file(&data, path.buf) < 0) {
			strbuf_addf(&w, "spool file %s: %s", names.items[i], strerror(errno));
		} else if (chan_msg_from_json(&m, data.buf, data.len, ch->name) < 0) {
			strbuf_addf(&w, "spool file %s: %s; left in new/", names.items[i], dlg_error_last());
		} else {
			*fetch_batch_add_msg(b) = m;
			strlist_push(&b->done, names.items[i]);
		}
		if (w.len)
			strlist_push(&b->warnings, w.buf);
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&data);
	strbuf_release(&w);
	return 0;
}

/* Committed: new/ → cur/, so the next fetch does not read them again. */
static int chat_fetched(struct channel *ch, struct fetch_batch *b)
{
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	const char *dir;
	int err = spool_dir(&dir, ch);
	if (!err) {
		strbuf_addf(&to, "%s/cur", dir);
		if (mkdir(to.buf, 0755) < 0 && errno != EEXIST)
			err = dlg_error(DLG_ERROR, "cannot create '%s': %s", to.buf, strerror(errno));
	}
	for (size_t i = 0; !err && i < b->done.nr; i++) {
		strbuf_reset(&from);
		strbuf_reset(&to);
		strbuf_addf(&from, "%s/new/%s", dir, b->done.items[i]);
		strbuf_addf(&to, "%s/cur/%s", dir, b->done.items[i]);
		if (rename(from.buf, to.buf) < 0 && errno != ENOENT)
			err = dlg_error(DLG_ERROR, "cannot move '%s' to cur/: %s", from.buf, strerror(errno));
	}
	strbuf_release(&from);
	strbuf_release(&to);
	return err;
}

static json_t *attachments_json(const struct mime_message *mm)
{
	json_t *a = json_array();
	struct strbuf b64 = STRBUF_INIT;
	for (size_t i = 0; i < mm->nattachments; i++) {
		const struct mime_attachment *att = &mm->attachments[i];
		json_t *o = json_object();
		strbuf_reset(&b64);
		base64_encode(&b64, att->data ? att->data : "", att->data ? att->size : 0);
		/* one JSON string: the line breaks of mail's base64 are noise here */
		{
			size_t k = 0;
			for (size_t i = 0; i < b64.len; i++)
				if (b64.buf[i] != '\n')
					b64.buf[k++] = b64.buf[i];
			strbuf_setlen(&b64, k);
		}
		json_object_set_new(o, "name", json_string(att->name));
		json_object_set_new(o, "type", json_string(att->type));
		json_object_set_new(o, "size", json_integer((json_int_t)att->size));
		json_object_set_new(o, "data", json_stringn(b64.buf, b64.len));
		json_array_append_new(a, o);
	}
	strbuf_release(&b64);
	return a;
}

static int chat_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	struct strbuf tmp = STRBUF_INIT, path = STRBUF_INIT, iso = STRBUF_INIT;
	json_t *j = json_object();
	const char *dir;
	char *text = NULL;
	int err = spool_dir(&dir, ch);

	if (err < 0) {
		json_decref(j);
		d->state = DELIVERY_RETRY;
		strbuf_addstr(&d->error, dlg_error_last());
		return 0;
	}
	time_format_iso(&iso, o->msg->date);
	json_object_set_new(j, "id", json_string(o->key));
	json_object_set_new(j, "dialog", json_string(o->dialog));
	json_object_set_new(j, "visitor", json_string(o->to));
	json_object_set_new(j, "source", json_string(o->last_in ? o->last_in->channel : "chat"));
	json_object_set_new(j, "operator", json_string(o->msg->operator ? o->msg->operator : ""));
	json_object_set_new(j, "date", json_string(iso.buf));
	json_object_set_new(j, "text", json_string(o->msg->mime->text));
	if (o->last_in && o->last_in->channel_message)
		json_object_set_new(j, "in_reply_to", json_string(o->last_in->channel_message));
	json_object_set_new(j, "attachments", attachments_json(o->msg->mime));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);

	/* tmp/ then out/: the site reads out/ and never sees half a file.  The
	   name is the message key, so a retry after a crash rewrites the same file. */
	strbuf_addf(&tmp, "%s/tmp", dir);
	strbuf_addf(&path, "%s/out", dir);
	if ((mkdir(tmp.buf, 0755) < 0 && errno != EEXIST) || (mkdir(path.buf, 0755) < 0 && errno != EEXIST)) {
		d->state = DELIVERY_RETRY;
		strbuf_addf(&d->error, "cannot create the spool's tmp/ and out/: %s", strerror(errno));
		goto out;
	}
	strbuf_addf(&path, "/%s.json", o->key);
	if (!text || write_file_atomic(path.buf, tmp.buf, text, strlen(text)) < 0) {
		d->state = DELIVERY_RETRY;
		strbuf_addf(&d->error, "cannot write '%s': %s", path.buf, strerror(errno));
		goto out;
	}
	d->state = DELIVERY_SENT;
	strbuf_addf(&d->channel_id, "%s.json", o->key);
out:
	free(text);
	strbuf_release(&tmp);
	strbuf_release(&path);
	strbuf_release(&iso);
	return 0;
}

const struct channel_driver chat_driver = { "chat", chat_fetch, chat_fetched, chat_send };
