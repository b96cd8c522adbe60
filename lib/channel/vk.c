/*
 * VK through a community bot: Bots Long Poll in, messages.send out.
 * Methods are {api-url}/method/NAME with access_token and v; VK answers
 * HTTP 200 even for errors, so the body decides.
 *
 * The cursor is "TS KEY SERVER": the long poll's position and where to
 * poll.  Events are committed before TS moves; a crash in between polls
 * the same events again and their keys (peer, conversation message id)
 * drop them.  messages.send carries a random_id derived from dlg's message
 * key, and VK sends a message with a random_id it has seen only once: a
 * retry can never show an answer twice.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "base/utf8.h"
#include "channel/driver.h"
#include "channel/http.h"
#include "channel/parse.h"

#define VK_API "https://api.vk.com"
#define VK_VERSION "5.199"
#define VK_TEXT_MAX 9000
#define VK_PAGE 100

struct vk {
	struct channel_api api;
	const char *group;
};

static int vk_open(struct vk *vk, struct channel *ch)
{
	if (!(vk->group = channel_get(ch, "group-id")))
		return dlg_error(DLG_EINVALID, "channel %s has no --group-id", ch->name);
	return channel_api_open(&vk->api, ch, VK_API);
}

/* Error codes a later try may get past: too many requests, flood control,
   VK's own trouble, an unknown error. */
static int vk_retryable(long code)
{
	return code == 1 || code == 6 || code == 9 || code == 10 || code == 5;
}

int vk_answer(json_t **root, json_t **response, const struct http_response *r, const char *method)
{
	json_error_t jerr;
	json_t *e;

	*root = *response = NULL;
	if (r->status >= 500 || r->status == 429)
		return dlg_error(DLG_ENETWORK, "%s: HTTP %ld from VK", method, r->status);
	if (!(*root = json_loadb(r->body.buf, r->body.len, 0, &jerr)) || !json_is_object(*root))
		return dlg_error(r->status == 200 ? DLG_ENETWORK : DLG_EINVALID,
				 "%s: malformed answer from VK (HTTP %ld)", method, r->status);
	if (json_is_object(e = json_object_get(*root, "error"))) {
		long code = (long)json_integer_value(json_object_get(e, "error_code"));
		const char *msg = json_string_value(json_object_get(e, "error_msg"));
		return dlg_error(vk_retryable(code) ? DLG_ENETWORK : DLG_EINVALID, "%s: VK error %ld: %s",
				 method, code, msg ? msg : "(no message)");
	}
	if (!(*response = json_object_get(*root, "response")))
		return dlg_error(DLG_ENETWORK, "%s: VK's answer has no response", method);
	return 0;
}

/* Calls method with fields (access_token and v added); *response is its "response". */
static int vk_call(json_t **root, json_t **response, const struct vk *vk, const char *method,
		   const struct http_field *fields, size_t n)
{
	struct strbuf url = STRBUF_INIT;
	struct http_field *all = xcalloc(n + 2, sizeof(*all));
	struct http_response r = HTTP_RESPONSE_INIT;
	struct http_request req = { "POST", NULL, NULL, 0, 0, NULL, 0, NULL, vk->api.timeout_ms };
	int err;

	*root = *response = NULL;
	strbuf_addf(&url, "%s/method/%s", vk->api.base, method);
	all[0] = (struct http_field){ "access_token", vk->api.token, 0, NULL, NULL };
	all[1] = (struct http_field){ "v", VK_VERSION, 0, NULL, NULL };
	memcpy(all + 2, fields, n * sizeof(*fields));
	req.url = url.buf;
	req.fields = all;
	req.nfields = n + 2;
	if ((err = http_request(&r, &req)) == 0)
		err = vk_answer(root, response, &r, method);
	http_response_release(&r);
	strbuf_release(&url);
	free(all);
	return err;
}

static void json_text(struct strbuf *out, json_t *v)
{
	if (json_is_integer(v))
		strbuf_addf(out, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		strbuf_addstr(out, json_string_value(v));
}

/* A new long-poll key (and, with new_ts, a new position) from groups.getLongPollServer. */
static int vk_lp_server(struct strbuf *key, struct strbuf *server, struct strbuf *ts, const struct vk *vk,
			int new_ts)
{
	struct http_field f[] = { { "group_id", vk->group, 0, NULL, NULL } };
	json_t *root, *resp;
	int err = vk_call(&root, &resp, vk, "groups.getLongPollServer", f, 1);
	if (!err && (!json_object_get(resp, "key") || !json_object_get(resp, "server")))
		err = dlg_error(DLG_ENETWORK, "groups.getLongPollServer: no key or server in VK's answer");
	if (!err) {
		strbuf_reset(key);
		strbuf_reset(server);
		json_text(key, json_object_get(resp, "key"));
		json_text(server, json_object_get(resp, "server"));
		if (new_ts || !ts->len) {
			strbuf_reset(ts);
			json_text(ts, json_object_get(resp, "ts"));
		}
	}
	json_decref(root);
	return err;
}

static void vk_attachments(struct chan_refs *refs, json_t *list)
{
	for (size_t i = 0; i < json_array_size(list); i++) {
		json_t *a = json_array_get(list, i);
		const char *type = json_string_value(json_object_get(a, "type"));
		if (type && !strcmp(type, "doc")) {
			json_t *doc = json_object_get(a, "doc");
			const char *url = json_string_value(json_object_get(doc, "url"));
			const char *title = json_string_value(json_object_get(doc, "title"));
			if (url)
				chan_refs_add(refs, url, title ? title : "document", NULL, -1);
		} else if (type && !strcmp(type, "photo")) {
			json_t *sizes = json_object_get(json_object_get(a, "photo"), "sizes"), *best = NULL;
			long long area = -1;
			for (size_t k = 0; k < json_array_size(sizes); k++) {
				json_t *sz = json_array_get(sizes, k);
				long long w = json_integer_value(json_object_get(sz, "width")),
					  h = json_integer_value(json_object_get(sz, "height")), a;
				/* sizes the JSON makes up must not overflow the product */
				if (__builtin_mul_overflow(w, h, &a))
					a = (w < 0) != (h < 0) ? LLONG_MIN : LLONG_MAX;
				if (a >= area) {
					area = a;
					best = sz;
				}
			}
			if (best && json_string_value(json_object_get(best, "url")))
				chan_refs_add(refs, json_string_value(json_object_get(best, "url")), "photo.jpg",
					      "image/jpeg", -1);
		}
	}
}

void vk_user_parse(struct chan_msg *m, json_t *response)
{
	json_t *u = json_array_get(response, 0);
	const char *first, *last;
	struct strbuf name = STRBUF_INIT;
	if (!json_is_object(u))
		return;
	first = json_string_value(json_object_get(u, "first_name"));
	last = json_string_value(json_object_get(u, "last_name"));
	strbuf_addf(&name, "%s%s%s", first ? first : "", first && last ? " " : "", last ? last : "");
	free(m->name);
	m->name = strbuf_detach(&name, NULL);
	if (json_is_string(json_object_get(u, "screen_name"))) {
		free(m->username);
		m->username = xstrdup(json_string_value(json_object_get(u, "screen_name")));
	}
}

/* The user card's name and screen name, from users.get (once per user a fetch). */
static int vk_user(struct chan_msg *m, const struct vk *vk)
{
	struct http_field f[] = { { "user_ids", m->user, 0, NULL, NULL },
				  { "fields", "screen_name", 0, NULL, NULL } };
	json_t *root, *resp;
	int err = vk_call(&root, &resp, vk, "users.get", f, 2);
	if (err == DLG_EINVALID) /* a community or a deleted user: the id will do */
		err = 0;
	else if (!err)
		vk_user_parse(m, resp);
	json_decref(root);
	return err;
}

void vk_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route, json_t *msg)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *from = json_object_get(msg, "from_id");
	if (!json_is_integer(from) || json_integer_value(from) <= 0 ||
	    json_integer_value(json_object_get(msg, "out")))
		return; /* our own messages, and communities writing */
	m->kind = xstrdup("vk");
	m->ident = xstrdup("vk");
	m->route = xstrdup(route);
	json_text(&sb, from);
	m->user = strbuf_detach(&sb, NULL);
	json_text(&sb, json_object_get(msg, "peer_id"));
	m->conversation = strbuf_detach(&sb, NULL);
	/* id is 0 in group chats: (peer, conversation_message_id) is always unique */
	json_text(&sb, json_object_get(msg, "peer_id"));
	strbuf_addch(&sb, ':');
	json_text(&sb, json_object_get(msg, "conversation_message_id"));
	m->id = strbuf_detach(&sb, NULL);
	if (json_is_string(json_object_get(msg, "text")))
		m->text = xstrdup(json_string_value(json_object_get(msg, "text")));
	m->date = json_is_integer(json_object_get(msg, "date")) ?
		  (time_t)json_integer_value(json_object_get(msg, "date")) : dlg_now();
	vk_attachments(refs, json_object_get(msg, "attachments"));
}

static int vk_message(struct chan_msg *m, const struct vk *vk, json_t *msg)
{
	struct chan_refs refs = CHAN_REFS_INIT;
	int err = 0;
	vk_message_parse(m, &refs, vk->api.ch->name, msg);
	for (size_t i = 0; !err && i < refs.nr; i++)
		err = chan_msg_download(m, &vk->api, refs.v[i].ref, refs.v[i].name, refs.v[i].type);
	chan_refs_clear(&refs);
	return err;
}

static int vk_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	struct vk vk;
	struct strbuf cursor = STRBUF_INIT, ts = STRBUF_INIT, key = STRBUF_INIT, server = STRBUF_INIT,
		      url = STRBUF_INIT, wait = STRBUF_INIT;
	struct http_response r = HTTP_RESPONSE_INIT;
	json_t *root = NULL, *updates;
	int err, tries = 0;

	if ((err = vk_open(&vk, ch)) < 0)
		return err;
	if (!channel_cursor_read(&cursor, ch->store, ch->name)) {
		char *sp1 = strchr(cursor.buf, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		if (sp2) {
			strbuf_add(&ts, cursor.buf, (size_t)(sp1 - cursor.buf));
			strbuf_add(&key, sp1 + 1, (size_t)(sp2 - sp1 - 1));
			strbuf_addstr(&server, sp2 + 1);
		}
	}
	if (!key.len && (err = vk_lp_server(&key, &server, &ts, &vk, !ts.len)) < 0)
		goto out;
	strbuf_addf(&wait, "%d", o->wait > 90 ? 90 : o->wait);
	for (;;) {
		struct http_field f[] = { { "act", "a_check", 0, NULL, NULL }, { "key", key.buf, 0, NULL, NULL },
					  { "ts", ts.buf, 0, NULL, NULL }, { "wait", wait.buf, 0, NULL, NULL } };
		struct http_request req = { "GET", server.buf, f, 4, 0, NULL, 0, NULL,
					    o->wait * 1000L + vk.api.timeout_ms };
		json_error_t jerr;
		json_t *failed;
		json_decref(root);
		root = NULL;
		http_response_release(&r);
		if ((err = http_request(&r, &req)) < 0)
			goto out;
		if (r.status != 200 || !(root = json_loadb(r.body.buf, r.body.len, 0, &jerr)) ||
		    !json_is_object(root)) {
			err = dlg_error(DLG_ENETWORK, "long poll: %s answer from VK (HTTP %ld)",
					r.status == 200 ? "malformed" : "no", r.status);
			goto out;
		}
		if (!(failed = json_object_get(root, "failed")))
			break;
		if (++tries > 3) {
			err = dlg_error(DLG_ENETWORK, "long poll: VK keeps failing (failed %lld)",
					(long long)json_integer_value(failed));
			goto out;
		}
		switch (json_integer_value(failed)) {
		case 1: /* some events are gone: go on from where VK says */
			strbuf_reset(&ts);
			json_text(&ts, json_object_get(root, "ts"));
			strlist_push(&b->warnings, "VK lost part of the event history; messages may be missing");
			break;
		case 2: /* the key expired: a new one, the same position */
			if ((err = vk_lp_server(&key, &server, &ts, &vk, 0)) < 0)
				goto out;
			break;
		default: /* key and position lost */
			if ((err = vk_lp_server(&key, &server, &ts, &vk, 1)) < 0)
				goto out;
			strlist_push(&b->warnings, "VK lost the long poll's position; messages may be missing");
			break;
		}
	}
	updates = json_object_get(root, "updates");
	for (size_t i = 0; !err && i < json_array_size(updates); i++) {
		json_t *u = json_array_get(updates, i), *msg;
		const char *type = json_string_value(json_object_get(u, "type"));
		struct chan_msg m = { 0 };
		if (!type || strcmp(type, "message_new"))
			continue;
		msg = json_object_get(json_object_get(u, "object"), "message");
		if (!json_is_object(msg))
			continue;
		if (!(err = vk_message(&m, &vk, msg)) && m.id) {
			/* the card's name: once per user and fetch */
			const char *known = NULL;
			for (size_t k = 0; k < b->nmsgs && !known; k++)
				if (!strcmp(b->msgs[k].user, m.user))
					known = b->msgs[k].name;
			if (known)
				m.name = xstrdup(known);
			else
				err = vk_user(&m, &vk);
		}
		if (!err && m.id)
			*fetch_batch_add_msg(b) = m;
		else
			chan_msg_clear(&m);
	}
	if (!err) {
		struct strbuf next = STRBUF_INIT;
		json_text(&next, json_object_get(root, "ts"));
		if (next.len)
			strbuf_addf(&b->cursor, "%s %s %s", next.buf, key.buf, server.buf);
		b->more = json_array_size(updates) >= VK_PAGE;
		strbuf_release(&next);
	}
out:
	json_decref(root);
	http_response_release(&r);
	strbuf_release(&cursor);
	strbuf_release(&ts);
	strbuf_release(&key);
	strbuf_release(&server);
	strbuf_release(&url);
	strbuf_release(&wait);
	return err;
}

/* Uploads a file for peer and returns "doc{owner}_{id}" for messages.send. */
static int vk_upload(struct strbuf *attachment, const struct vk *vk, const char *peer,
		     const struct mime_attachment *a)
{
	struct http_field f[] = { { "type", "doc", 0, NULL, NULL }, { "peer_id", peer, 0, NULL, NULL } };
	struct http_response r = HTTP_RESPONSE_INIT;
	json_t *root = NULL, *resp, *up = NULL, *doc;
	json_error_t jerr;
	const char *upload_url, *file;
	int err;

	if ((err = vk_call(&root, &resp, vk, "docs.getMessagesUploadServer", f, 2)) < 0)
		goto out;
	if (!(upload_url = json_string_value(json_object_get(resp, "upload_url")))) {
		err = dlg_error(DLG_ENETWORK, "docs.getMessagesUploadServer: no upload_url");
		goto out;
	}
	{
		struct http_field part[] = { { "file", a->data ? a->data : "", a->size, *a->name ? a->name : "file",
					       a->type } };
		struct http_request req = { "POST", upload_url, part, 1, 1, NULL, 0, NULL, 4 * vk->api.timeout_ms };
		if ((err = http_request(&r, &req)) < 0)
			goto out;
	}
	/* the upload server answers {"file": ...} without VK's envelope */
	if (r.status >= 500 || !(up = json_loadb(r.body.buf, r.body.len, 0, &jerr)) ||
	    !(file = json_string_value(json_object_get(up, "file")))) {
		err = dlg_error(r.status >= 500 || !up ? DLG_ENETWORK : DLG_EINVALID,
				"uploading %s to VK failed (HTTP %ld)", a->name, r.status);
		goto out;
	}
	{
		struct http_field save[] = { { "file", file, 0, NULL, NULL },
					     { "title", *a->name ? a->name : "file", 0, NULL, NULL } };
		json_decref(root);
		if ((err = vk_call(&root, &resp, vk, "docs.save", save, 2)) < 0)
			goto out;
	}
	doc = json_object_get(resp, "doc");
	if (!json_is_object(doc)) /* older answers: a list of docs */
		doc = json_array_get(resp, 0);
	if (!json_object_get(doc, "id") || !json_object_get(doc, "owner_id")) {
		err = dlg_error(DLG_ENETWORK, "docs.save: no doc in VK's answer");
		goto out;
	}
	strbuf_addstr(attachment, "doc");
	json_text(attachment, json_object_get(doc, "owner_id"));
	strbuf_addch(attachment, '_');
	json_text(attachment, json_object_get(doc, "id"));
out:
	json_decref(root);
	json_decref(up);
	http_response_release(&r);
	return err;
}

static int vk_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	struct vk vk;
	struct strbuf text = STRBUF_INIT, att = STRBUF_INIT, rnd = STRBUF_INIT;
	const struct mime_message *mm = o->msg->mime;
	json_t *root = NULL, *resp;
	int err;

	/* a channel not set up yet: the message waits for the operator */
	if (vk_open(&vk, ch) < 0)
		return delivery_from_error(d, DLG_ENETWORK, -1);
	outgoing_text(&text, o);
	if (utf8_width(text.buf, text.len) > VK_TEXT_MAX) {
		d->state = DELIVERY_FAILED;
		strbuf_addf(&d->error, "longer than VK's %d characters", VK_TEXT_MAX);
		goto out;
	}
	/* The same answer always has the same random_id: VK sends it once. */
	strbuf_addf(&rnd, "%ld", strtol((char[9]){ o->key[0], o->key[1], o->key[2], o->key[3], o->key[4],
						    o->key[5], o->key[6], o->key[7], 0 }, NULL, 16) & 0x7fffffffL);
	if (mm->nattachments && (err = vk_upload(&att, &vk, o->to, &mm->attachments[0])) < 0)
		goto failed;
	{
		struct http_field f[4] = { { "peer_id", o->to, 0, NULL, NULL },
					   { "random_id", rnd.buf, 0, NULL, NULL },
					   { "message", text.buf, 0, NULL, NULL },
					   { "attachment", att.buf, 0, NULL, NULL } };
		err = vk_call(&root, &resp, &vk, "messages.send", f, att.len ? 4 : 3);
	}
	if (err < 0)
		goto failed;
	d->state = DELIVERY_SENT;
	strbuf_addf(&d->channel_id, "%s:", o->to);
	json_text(&d->channel_id, resp);
	goto out;
failed:
	delivery_from_error(d, err, -1);
out:
	json_decref(root);
	strbuf_release(&text);
	strbuf_release(&att);
	strbuf_release(&rnd);
	return 0;
}

const struct channel_driver vk_driver = { "vk", vk_fetch, NULL, vk_send, 1 };
