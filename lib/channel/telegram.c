/*
 * Telegram through the Bot API: getUpdates (long polling with offset) in,
 * sendMessage and sendDocument out.  Calls are {api-url}/bot{TOKEN}/METHOD.
 *
 * getUpdates with offset N drops every update below N on Telegram's side,
 * so one fetch reads one page and asks for no more: the page is committed,
 * then the cursor (last update_id + 1) is stored, and the next call's
 * offset confirms it.  A crash in between reads the same updates again,
 * and the message keys (chat id, message id) drop them as duplicates.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "base/utf8.h"
#include "channel/driver.h"
#include "channel/http.h"
#include "channel/parse.h"

#define TELEGRAM_API "https://api.telegram.org"
#define TELEGRAM_PAGE 100
#define TELEGRAM_TEXT_MAX 4096      /* characters of sendMessage */
#define TELEGRAM_CAPTION_MAX 1024
#define TELEGRAM_DOWNLOAD_MAX (20u << 20) /* what the Bot API lets bots download */


static void tg_url(struct strbuf *out, const struct channel_api *tg, const char *method)
{
	strbuf_addf(out, "%s/bot%s/%s", tg->base, tg->token, method);
}

/* int64 ids as text: chat ids pass 32 bits. */
static void json_id(struct strbuf *out, json_t *v)
{
	if (json_is_integer(v))
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		strbuf_addstr(out, json_string_value(v));
}

/*
 * The answer's "result", or an error: DLG_ENETWORK for what a retry may
 * cure (5xx, 429, a garbled answer), DLG_EINVALID for a refusal.
 */
int telegram_answer(json_t **root, json_t **result, const struct http_response *r, long *retry_after,
		    const char *method)
{
	json_error_t jerr;
	json_t *ok, *desc, *params;
	*result = NULL;
	*root = json_loadb(r->body.buf, r->body.len, 0, &jerr);
	if (retry_after)
		*retry_after = r->retry_after;
	if (!*root || !json_is_object(*root) || !json_is_boolean(ok = json_object_get(*root, "ok"))) {
		json_decref(*root);
		*root = NULL;
		if (r->status >= 200 && r->status < 300)
			return dlg_error(DLG_ENETWORK, "%s: malformed answer from Telegram (HTTP %ld)", method,
					 r->status);
		return dlg_error(r->status >= 500 || r->status == 429 ? DLG_ENETWORK : DLG_EINVALID,
				 "%s: HTTP %ld from Telegram", method, r->status);
	}
	if (json_is_true(ok) && r->status < 300) {
		*result = json_object_get(*root, "result");
		return 0;
	}
	desc = json_object_get(*root, "description");
	params = json_object_get(*root, "parameters");
	if (retry_after && json_is_object(params) && json_is_integer(json_object_get(params, "retry_after")))
		*retry_after = (long)json_integer_value(json_object_get(params, "retry_after"));
	return dlg_error(r->status >= 500 || r->status == 429 ? DLG_ENETWORK : DLG_EINVALID,
			 "%s: Telegram says %ld %s", method, r->status,
			 json_is_string(desc) ? json_string_value(desc) : "(no description)");
}

static int tg_call(json_t **root, json_t **result, const struct channel_api *tg, const char *method,
		   const struct http_field *fields, size_t n, int multipart, long timeout_ms,
		   long *retry_after)
{
	struct strbuf url = STRBUF_INIT;
	struct http_response r = HTTP_RESPONSE_INIT;
	struct http_request req = { "POST", NULL, fields, n, multipart, NULL, 0, NULL,
				    timeout_ms ? timeout_ms : tg->timeout_ms };
	int err;
	tg_url(&url, tg, method);
	req.url = url.buf;
	*root = *result = NULL;
	if (retry_after)
		*retry_after = -1;
	if ((err = http_request(&r, &req)) == 0)
		err = telegram_answer(root, result, &r, retry_after, method);
	http_response_release(&r);
	strbuf_release_secret(&url); /* it holds the token */
	return err;
}

/* Downloads a file by id into m; a file Telegram will not give is noted in the text. */
static int tg_download(struct chan_msg *m, const struct channel_api *tg, const struct chan_ref *file)
{
	struct http_field f[] = { { "file_id", file->ref, 0, NULL, NULL } };
	struct strbuf url = STRBUF_INIT;
	json_t *root = NULL, *result = NULL, *path;
	const char *name = file->name;
	int err;

	if (file->size > TELEGRAM_DOWNLOAD_MAX) {
		chan_msg_note(m, "%s: %lld bytes, more than bots may download", name, file->size);
		return 0;
	}
	err = tg_call(&root, &result, tg, "getFile", f, 1, 0, 0, NULL);
	if (err == DLG_ENETWORK)
		goto out;
	if (err < 0 || !json_is_string(path = json_object_get(result, "file_path"))) {
		chan_msg_note(m, "%s could not be downloaded: %s", name, err < 0 ? dlg_error_last() : "no file_path");
		err = 0;
		goto out;
	}
	strbuf_addf(&url, "%s/file/bot%s/%s", tg->base, tg->token, json_string_value(path));
	{
		const char *slash = strrchr(json_string_value(path), '/');
		const char *fname = strcmp(name, "photo") ? name : slash ? slash + 1 : json_string_value(path);
		err = chan_msg_download(m, tg, url.buf, fname, file->type);
	}
out:
	json_decref(root);
	strbuf_release_secret(&url);
	return err;
}

static char *json_strdup(json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* A file of the message, when it has a file_id. */
static void tg_ref(struct chan_refs *refs, json_t *file, const char *name, const char *type)
{
	json_t *id = json_object_get(file, "file_id"), *size = json_object_get(file, "file_size");
	if (json_is_string(id))
		chan_refs_add(refs, json_string_value(id), name, type,
			      json_is_integer(size) ? (long long)json_integer_value(size) : -1);
}

void telegram_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route, json_t *msg)
{
	json_t *from = json_object_get(msg, "from"), *chat = json_object_get(msg, "chat");
	json_t *photo = json_object_get(msg, "photo"), *doc = json_object_get(msg, "document");
	struct strbuf sb = STRBUF_INIT;
	const char *first, *last;

	if (!json_is_object(from) || !json_is_object(chat) || json_is_true(json_object_get(from, "is_bot")))
		return;
	m->kind = xstrdup("telegram");
	m->ident = xstrdup("telegram");
	m->route = xstrdup(route);
	json_id(&sb, json_object_get(from, "id"));
	m->user = strbuf_detach(&sb, NULL);
	json_id(&sb, json_object_get(chat, "id"));
	m->conversation = strbuf_detach(&sb, NULL);
	json_id(&sb, json_object_get(chat, "id"));
	strbuf_addch(&sb, ':');
	json_id(&sb, json_object_get(msg, "message_id"));
	m->id = strbuf_detach(&sb, NULL);
	first = json_string_value(json_object_get(from, "first_name"));
	last = json_string_value(json_object_get(from, "last_name"));
	strbuf_addf(&sb, "%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
	m->name = strbuf_detach(&sb, NULL);
	m->username = json_strdup(json_object_get(from, "username"));
	m->text = json_strdup(json_object_get(msg, "text"));
	if (!m->text)
		m->text = json_strdup(json_object_get(msg, "caption"));
	m->date = json_is_integer(json_object_get(msg, "date")) ?
		  (time_t)json_integer_value(json_object_get(msg, "date")) : dlg_now();
	if (!*m->user || !*m->conversation) {
		free(m->id);
		m->id = NULL;
		return;
	}
	/* photo sizes come smallest first */
	if (json_is_array(photo) && json_array_size(photo))
		tg_ref(refs, json_array_get(photo, json_array_size(photo) - 1), "photo", "image/jpeg");
	if (json_is_object(doc)) {
		const char *name = json_string_value(json_object_get(doc, "file_name"));
		tg_ref(refs, doc, name ? name : "document", json_string_value(json_object_get(doc, "mime_type")));
	}
}

/* One Update's message as a chan_msg, its files downloaded; 0 with m->id unset when it holds none we keep. */
static int tg_message(struct chan_msg *m, const struct channel_api *tg, json_t *msg)
{
	struct chan_refs refs = CHAN_REFS_INIT;
	int err = 0;

	telegram_message_parse(m, &refs, tg->ch->name, msg);
	for (size_t i = 0; m->id && !err && i < refs.nr; i++)
		err = tg_download(m, tg, &refs.v[i]);
	chan_refs_clear(&refs);
	if (m->id && !err && (!m->text || !*m->text) && !m->nfiles) {
		free(m->text);
		/* a sticker, a location, a poll: kept, so the operator knows something came */
		m->text = xstrdup("[a message of a kind dlg does not show]");
	}
	return err;
}

static int tg_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	struct channel_api tg;
	struct strbuf offset = STRBUF_INIT, timeout = STRBUF_INIT, limit = STRBUF_INIT;
	json_t *root = NULL, *result = NULL;
	long long last = -1;
	int err;
	size_t n = 0;

	if ((err = channel_api_open(&tg, ch, TELEGRAM_API)) < 0)
		return err;
	channel_cursor_read(&offset, ch->store, ch->name);
	strbuf_addf(&timeout, "%d", o->wait);
	strbuf_addf(&limit, "%d", TELEGRAM_PAGE);
	{
		struct http_field f[4] = {
			{ "timeout", timeout.buf, 0, NULL, NULL },
			{ "limit", limit.buf, 0, NULL, NULL },
			{ "allowed_updates", "[\"message\"]", 0, NULL, NULL },
			{ "offset", offset.buf, 0, NULL, NULL },
		};
		err = tg_call(&root, &result, &tg, "getUpdates", f, offset.len ? 4 : 3, 0,
			      o->wait * 1000L + tg.timeout_ms, NULL);
	}
	if (err < 0)
		goto out;
	if (!json_is_array(result)) {
		err = dlg_error(DLG_ENETWORK, "getUpdates: malformed answer from Telegram (no result list)");
		goto out;
	}
	n = json_array_size(result);
	for (size_t i = 0; i < n && !err; i++) {
		json_t *u = json_array_get(result, i), *id = json_object_get(u, "update_id"), *msg;
		struct chan_msg m = { 0 };
		if (!json_is_integer(id)) {
			err = dlg_error(DLG_ENETWORK, "getUpdates: an update without update_id");
			break;
		}
		if (json_integer_value(id) > last)
			last = json_integer_value(id);
		if (!json_is_object(msg = json_object_get(u, "message")))
			continue; /* edits and the like are not asked for; passed over */
		err = tg_message(&m, &tg, msg);
		if (!err && m.id)
			*fetch_batch_add_msg(b) = m;
		else
			chan_msg_clear(&m);
	}
	if (!err && last >= 0) {
		strbuf_addf(&b->cursor, "%lld", last + 1);
		b->more = n >= TELEGRAM_PAGE;
	}
out:
	json_decref(root);
	strbuf_release(&offset);
	strbuf_release(&timeout);
	strbuf_release(&limit);
	return err;
}

static int tg_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	struct channel_api tg;
	struct strbuf reply = STRBUF_INIT, text = STRBUF_INIT;
	const struct mime_message *mm = o->msg->mime;
	const char *colon;
	json_t *root = NULL, *result = NULL;
	long retry_after = -1;
	int err = 0;

	/* a channel not set up yet: the message waits for the operator */
	if (channel_api_open(&tg, ch, TELEGRAM_API) < 0)
		return delivery_from_error(d, DLG_ENETWORK, -1);
	outgoing_text(&text, o);
	/* Thread it under the customer's message; sent all the same if that one is gone. */
	if (o->last_in && o->last_in->channel_message && (colon = strrchr(o->last_in->channel_message, ':')))
		strbuf_addf(&reply, "{\"message_id\":%lld,\"allow_sending_without_reply\":true}",
			    strtoll(colon + 1, NULL, 10));
	if (mm->nattachments) {
		const struct mime_attachment *a = &mm->attachments[0];
		struct http_field f[4] = {
			{ "chat_id", o->to, 0, NULL, NULL },
			{ "document", a->data ? a->data : "", a->size ? a->size : 0, *a->name ? a->name : "file", a->type },
			{ "caption", text.buf, 0, NULL, NULL },
			{ "reply_parameters", reply.buf, 0, NULL, NULL },
		};
		size_t n = 2;
		if (!a->size) {
			/* an empty file is still a part, with no bytes */
			f[1].value = "";
		}
		if (utf8_width(text.buf, text.len) > TELEGRAM_CAPTION_MAX) {
			d->state = DELIVERY_FAILED;
			strbuf_addf(&d->error, "a caption is at most %d characters on Telegram", TELEGRAM_CAPTION_MAX);
			goto out;
		}
		if (text.len)
			f[n++] = f[2];
		if (reply.len)
			f[n++] = f[3];
		err = tg_call(&root, &result, &tg, "sendDocument", f, n, 1, 4 * tg.timeout_ms, &retry_after);
	} else {
		struct http_field f[3] = {
			{ "chat_id", o->to, 0, NULL, NULL },
			{ "text", text.buf, 0, NULL, NULL },
			{ "reply_parameters", reply.buf, 0, NULL, NULL },
		};
		if (!text.len || utf8_width(text.buf, text.len) > TELEGRAM_TEXT_MAX) {
			d->state = DELIVERY_FAILED;
			strbuf_addf(&d->error, "%s", text.len ? "longer than Telegram's 4096 characters" : "no text");
			goto out;
		}
		err = tg_call(&root, &result, &tg, "sendMessage", f, reply.len ? 3 : 2, 0, 0, &retry_after);
	}
	if (err < 0) {
		delivery_from_error(d, err, retry_after);
	} else if (!json_is_object(result) || !json_object_get(result, "message_id")) {
		/* Taken, perhaps, but unconfirmed: a retry may show it twice, which
		   beats a reply that silently never arrived. */
		d->state = DELIVERY_RETRY;
		strbuf_addstr(&d->error, "Telegram's answer has no message_id");
	} else {
		d->state = DELIVERY_SENT;
		strbuf_addf(&d->channel_id, "%s:", o->to);
		json_id(&d->channel_id, json_object_get(result, "message_id"));
	}
	err = 0;
out:
	json_decref(root);
	strbuf_release(&reply);
	strbuf_release(&text);
	return err;
}

const struct channel_driver telegram_driver = { "telegram", tg_fetch, NULL, tg_send, 0 };
