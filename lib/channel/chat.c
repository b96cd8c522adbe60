/*
 * The website's chat widget and pop-ups: a spool directory shared with the
 * site's backend.  The backend delivers each visitor message as one JSON
 * file, written in tmp/ and renamed into new/ (the Maildir hand-off, so a
 * half-written file is never seen); dlg moves what it committed to cur/.
 * Answers go the other way: dlg writes out/KEY.json through tmp/ as well.
 * The site's account can write every directory here: see struct spool.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/time.h"
#include "channel/driver.h"
#include "channel/spool.h"
#include "mail/charset.h"
#include "mail/mime.h"


static int chat_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	struct strbuf data = STRBUF_INIT, w = STRBUF_INIT;
	struct strlist names = STRLIST_INIT;
	struct spool sp;
	struct dirent *de;
	DIR *d;
	int err;

	/* cur/ too: a spool whose cur/ cannot take the files is refused before anything is committed */
	if ((err = spool_open(&sp, ch, SPOOL_NEW | SPOOL_CUR)) < 0)
		return dlg_error(err, "channel %s: %s", ch->name, dlg_error_last());
	if (!(d = fdopendir(sp.new))) {
		err = dlg_error(DLG_ERROR, "channel %s: cannot read the spool's new/: %s", ch->name,
				strerror(errno));
		spool_close(&sp);
		return err;
	}
	sp.new = -1; /* d owns it now */
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strlist_push(&names, de->d_name);
	strlist_sort(&names);
	err = 0;
	for (size_t i = 0; i < names.nr && !err; i++) {
		struct chan_msg m;
		strbuf_reset(&data);
		strbuf_reset(&w);
		/* the site's account may have put anything here: a link, a FIFO, a file that grows */
		if (file_read_regular(&data, dirfd(d), names.items[i], FILE_NOFOLLOW, SPOOL_MAX_FILE) < 0 ||
		    (err = chan_msg_from_json(&m, data.buf, data.len, ch->name)) == DLG_EINVALID) {
			strbuf_addf(&w, "spool file %s: %s; left in new/", names.items[i], dlg_error_last());
			strlist_push(&b->warnings, w.buf);
			err = 0;
		} else if (err < 0) {
			/* not the file's fault (no libgit2 to hash an id with): none can be read */
			err = dlg_error(err, "channel %s: %s", ch->name, dlg_error_last());
		} else {
			*fetch_batch_add_msg(b) = m;
			strlist_push(&b->done, names.items[i]);
		}
	}
	closedir(d);
	spool_close(&sp);
	strlist_clear(&names);
	strbuf_release(&data);
	strbuf_release(&w);
	return err;
}

/* Committed: new/ → cur/, so the next fetch does not read them again.  No
   fsync: a move the disk forgets is a file read again, and its key is known. */
static int chat_fetched(struct channel *ch, struct fetch_batch *b)
{
	struct spool sp;
	int err = spool_open(&sp, ch, SPOOL_NEW | SPOOL_CUR);
	if (err)
		err = dlg_error(err, "channel %s: %s", ch->name, dlg_error_last());
	for (size_t i = 0; !err && i < b->done.nr; i++)
		if (renameat(sp.new, b->done.items[i], sp.cur, b->done.items[i]) < 0 && errno != ENOENT)
			err = dlg_error(DLG_ERROR, "channel %s: cannot move spool file %s to cur/: %s",
					ch->name, b->done.items[i], strerror(errno));
	spool_close(&sp);
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

static int is_regular_at(int dirfd, const char *name)
{
	struct stat st;
	return !fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) && S_ISREG(st.st_mode);
}

static int chat_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	struct strbuf name = STRBUF_INIT, iso = STRBUF_INIT;
	json_t *j = json_object();
	struct spool sp;
	char *text = NULL;
	int err;

	time_format_iso(&iso, o->msg->date);
	json_object_set_new(j, "id", json_string(o->key));
	json_object_set_new(j, "dialog", json_string(o->dialog));
	json_object_set_new(j, "visitor", json_string(o->to));
	/* A pop-up until the visitor answers; after that, the conversation
	   (the widget shows "popup" as a card, the rest in its panel). */
	json_object_set_new(j, "source", json_string(o->msg->channel && !strcmp(o->msg->channel, "popup") &&
						     !o->last_in ? "popup" : "chat"));
	json_object_set_new(j, "operator", json_string(o->msg->operator ? o->msg->operator : ""));
	json_object_set_new(j, "date", json_string(iso.buf));
	json_object_set_new(j, "text", json_string(o->msg->mime->text));
	if (o->last_in && o->last_in->channel_message)
		json_object_set_new(j, "in_reply_to", json_string(o->last_in->channel_message));
	json_object_set_new(j, "attachments", attachments_json(o->msg->mime));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);

	/* A spool we cannot trust is worth another try once someone fixed it:
	   the answer stays queued. */
	d->state = DELIVERY_RETRY;
	if (spool_open(&sp, ch, SPOOL_TMP | SPOOL_OUT) < 0) {
		strbuf_addstr(&d->error, dlg_error_last());
		goto out;
	}
	/* tmp/ then out/: the site reads out/ and never sees half a file.  The
	   name is the message key and an existing file is kept, so a resend
	   after a crash finds the answer already there. */
	strbuf_addf(&name, "%s.json", o->key);
	if (!text) {
		strbuf_addstr(&d->error, "cannot encode the answer as JSON");
	} else if ((err = file_write_at(sp.tmp, "w.", sp.out, name.buf, text, strlen(text),
				       FILE_NOREPLACE)) < 0 && err != DLG_EEXISTS) {
		strbuf_addf(&d->error, "cannot write out/%s in the spool: %s", name.buf, dlg_error_last());
	} else if (err == DLG_EEXISTS && !is_regular_at(sp.out, name.buf)) {
		/* planted there: the site would not read our answer from it */
		strbuf_addf(&d->error, "out/%s in the spool is not a file", name.buf);
	} else {
		d->state = DELIVERY_SENT;
		strbuf_addbuf(&d->channel_id, &name);
	}
	spool_close(&sp);
out:
	free(text);
	strbuf_release(&name);
	strbuf_release(&iso);
	return 0;
}

const struct channel_driver chat_driver = { "chat", chat_fetch, chat_fetched, chat_send, 1 };
