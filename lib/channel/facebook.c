/*
 * Facebook Messenger through a Page: the Graph API's conversations in, the
 * Send API out.  Graph has no event stream to poll without a webhook, so a
 * fetch lists the page's conversations newest first and reads the
 * messages of those updated since the cursor, stored only after the
 * commit: the newest time seen, and the ids of the messages of that very
 * second, which the next fetch passes over rather than downloading their
 * files again.  Message ids drop anything else the store has.
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

#define FB_API "https://graph.facebook.com/v19.0"
#define FB_TEXT_MAX 2000
/* How far back one fetch pages: conversations, and messages in each. */
#define FB_MAX_PAGES 20

struct fb {
	struct channel_api api;
	const char *page;
};

static int fb_open(struct fb *fb, struct channel *ch)
{
	if (!(fb->page = channel_get(ch, "page-id")))
		return dlg_error(DLG_EINVALID, "channel %s has no --page-id", ch->name);
	return channel_api_open(&fb->api, ch, FB_API);
}

/* Rate limits and Graph's own trouble pass; a bad token is fixed by the operator. */
static int fb_retryable(long code, int transient)
{
	return transient || code == 1 || code == 2 || code == 4 || code == 17 || code == 32 ||
	       code == 613 || code == 190;
}

int facebook_answer(json_t **root, const struct http_response *r, const char *what)
{
	json_error_t jerr;
	json_t *e;
	*root = json_loadb(r->body.buf, r->body.len, 0, &jerr);
	if (!*root || !json_is_object(*root)) {
		json_decref(*root);
		*root = NULL;
		return dlg_error(r->status == 200 || r->status >= 500 ? DLG_ENETWORK : DLG_EINVALID,
				 "%s: malformed answer from Facebook (HTTP %ld)", what, r->status);
	}
	if (json_is_object(e = json_object_get(*root, "error"))) {
		long code = (long)json_integer_value(json_object_get(e, "code"));
		const char *msg = json_string_value(json_object_get(e, "message"));
		int transient = json_is_true(json_object_get(e, "is_transient")) || r->status >= 500;
		if (code == 10)
			return dlg_error(DLG_EINVALID, "%s: outside Messenger's 24-hour window for answers "
					 "(Facebook error 10)", what);
		return dlg_error(fb_retryable(code, transient) ? DLG_ENETWORK : DLG_EINVALID,
				 "%s: Facebook error %ld: %s", what, code, msg ? msg : "(no message)");
	}
	if (r->status >= 500)
		return dlg_error(DLG_ENETWORK, "%s: HTTP %ld from Facebook", what, r->status);
	return 0;
}

/* GET url (a full URL from paging, or base + path) with the token. */
static int fb_get(json_t **root, const struct fb *fb, const char *url_or_path,
		  const struct http_field *fields, size_t n, const char *what)
{
	struct strbuf url = STRBUF_INIT;
	struct http_field *all = xcalloc(n + 1, sizeof(*all));
	struct http_response r = HTTP_RESPONSE_INIT;
	struct http_request req = { "GET", NULL, all, n + 1, 0, NULL, 0, NULL, fb->api.timeout_ms };
	int err;
	if (strstr(url_or_path, "://"))
		strbuf_addstr(&url, url_or_path);
	else
		strbuf_addf(&url, "%s/%s", fb->api.base, url_or_path);
	/* paging.next URLs carry the token already */
	all[0] = (struct http_field){ "access_token", fb->api.token, 0, NULL, NULL };
	memcpy(all + 1, fields, n * sizeof(*fields));
	if (strstr(url.buf, "access_token=")) {
		req.fields = all + 1;
		req.nfields = n;
	}
	req.url = url.buf;
	*root = NULL;
	if ((err = http_request(&r, &req)) == 0)
		err = facebook_answer(root, &r, what);
	if (err < 0) { /* callers only read an answer that is one */
		json_decref(*root);
		*root = NULL;
	}
	http_response_release(&r);
	strbuf_release_secret(&url); /* paging URLs hold the token */
	free(all);
	return err;
}

/* "2026-11-24T10:00:00+0000" */
static time_t fb_time(const char *s)
{
	struct strbuf iso = STRBUF_INIT;
	time_t t = 0;
	if (s && strlen(s) >= 19) {
		strbuf_add(&iso, s, 19);
		strbuf_addch(&iso, 'Z');
		if (time_parse(&t, iso.buf) < 0)
			t = 0;
	}
	strbuf_release(&iso);
	return t;
}

void facebook_message_parse(struct chan_msg *m, struct chan_refs *refs, const char *route,
			    const char *page, json_t *msg, const char *psid)
{
	json_t *from = json_object_get(msg, "from"), *atts;
	const char *fid = json_string_value(json_object_get(from, "id"));
	const char *id = json_string_value(json_object_get(msg, "id"));
	if (!fid || !id || !strcmp(fid, page))
		return; /* the page's own messages */
	m->kind = xstrdup("facebook");
	m->ident = xstrdup("facebook");
	m->route = xstrdup(route);
	m->user = xstrdup(fid);
	m->conversation = xstrdup(psid ? psid : fid);
	m->id = xstrdup(id);
	if (json_is_string(json_object_get(from, "name")))
		m->name = xstrdup(json_string_value(json_object_get(from, "name")));
	m->text = xstrdup(json_is_string(json_object_get(msg, "message")) ?
			  json_string_value(json_object_get(msg, "message")) : "");
	m->date = fb_time(json_string_value(json_object_get(msg, "created_time")));
	atts = json_object_get(json_object_get(msg, "attachments"), "data");
	for (size_t i = 0; i < json_array_size(atts); i++) {
		json_t *a = json_array_get(atts, i);
		const char *name = json_string_value(json_object_get(a, "name"));
		const char *type = json_string_value(json_object_get(a, "mime_type"));
		const char *url = json_string_value(json_object_get(a, "file_url"));
		if (!url)
			url = json_string_value(json_object_get(json_object_get(a, "image_data"), "url"));
		if (url)
			chan_refs_add(refs, url, name ? name : "file", type, -1);
	}
}

static int fb_message(struct chan_msg *m, const struct fb *fb, json_t *msg, const char *psid)
{
	struct chan_refs refs = CHAN_REFS_INIT;
	int err = 0;
	facebook_message_parse(m, &refs, fb->api.ch->name, fb->page, msg, psid);
	for (size_t i = 0; !err && i < refs.nr; i++)
		err = chan_msg_download(m, &fb->api, refs.v[i].ref, refs.v[i].name, refs.v[i].type);
	chan_refs_clear(&refs);
	return err;
}

struct fb_cursor {
	time_t since;
	struct strlist seen;     /* ids of messages at `since` the last fetch took */
	time_t top;
	struct strlist top_ids;  /* the same for this fetch */
};

/*
 * Hands each page of a Graph list (data, following paging.next) to fn until
 * fn says stop (> 0) or fails (< 0), or after FB_MAX_PAGES pages.
 */
static int fb_pages(const struct fb *fb, const char *path, const struct http_field *fields, size_t n,
		    const char *what, int (*fn)(json_t *data, void *arg), void *arg)
{
	struct strbuf next = STRBUF_INIT;
	int err = 0, stop = 0;
	for (int page = 0; !err && !stop && page < FB_MAX_PAGES; page++) {
		json_t *root, *data;
		const char *nx;
		if ((err = fb_get(&root, fb, next.len ? next.buf : path, fields, next.len ? 0 : n, what)) < 0)
			break;
		if (!json_is_array(data = json_object_get(root, "data")))
			err = dlg_error(DLG_ENETWORK, "%s: no data in Facebook's answer", what);
		else if ((stop = fn(data, arg)) < 0)
			err = stop;
		nx = json_string_value(json_object_get(json_object_get(root, "paging"), "next"));
		strbuf_reset(&next);
		if (nx)
			strbuf_addstr(&next, nx);
		else
			stop = 1;
		json_decref(root);
	}
	strbuf_release(&next);
	return err;
}

struct fb_fetch {
	struct fetch_batch *b;
	const struct fb *fb;
	const char *psid;        /* the conversation's customer */
	struct fb_cursor cur;
};

/* A page of one conversation's messages, newest first. */
static int fb_messages_page(json_t *data, void *arg)
{
	struct fb_fetch *f = arg;
	struct fb_cursor *cur = &f->cur;
	for (size_t i = 0; i < json_array_size(data); i++) {
		json_t *msg = json_array_get(data, i);
		struct chan_msg m = { 0 };
		time_t t = fb_time(json_string_value(json_object_get(msg, "created_time")));
		const char *id = json_string_value(json_object_get(msg, "id"));
		int err;
		if (t < cur->since)
			return 1; /* what the last fetch saw */
		if (!id || (t == cur->since && strlist_has(&cur->seen, id)))
			continue;
		if (t > cur->top) {
			cur->top = t;
			strlist_clear(&cur->top_ids);
		}
		if (t == cur->top)
			strlist_push(&cur->top_ids, id);
		if ((err = fb_message(&m, f->fb, msg, f->psid)) < 0) {
			chan_msg_clear(&m);
			return err;
		}
		if (m.id)
			*fetch_batch_add_msg(f->b) = m;
		else
			chan_msg_clear(&m);
	}
	return 0;
}

/* A page of the page's conversations, most recently updated first. */
static int fb_conversations_page(json_t *data, void *arg)
{
	static const struct http_field fields[] = {
		{ "fields", "id,message,from,to,created_time,attachments", 0, NULL, NULL },
		{ "limit", "25", 0, NULL, NULL },
	};
	struct fb_fetch *f = arg;
	struct strbuf path = STRBUF_INIT;
	int err = 0;
	for (size_t i = 0; !err && i < json_array_size(data); i++) {
		json_t *c = json_array_get(data, i), *parts;
		const char *id = json_string_value(json_object_get(c, "id"));
		size_t first = f->b->nmsgs;
		if (fb_time(json_string_value(json_object_get(c, "updated_time"))) < f->cur.since || !id) {
			err = 1;
			break;
		}
		f->psid = NULL;
		parts = json_object_get(json_object_get(c, "participants"), "data");
		for (size_t k = 0; k < json_array_size(parts); k++) {
			const char *pid = json_string_value(json_object_get(json_array_get(parts, k), "id"));
			if (pid && strcmp(pid, f->fb->page))
				f->psid = pid;
		}
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/messages", id);
		err = fb_pages(f->fb, path.buf, fields, 2, "reading a conversation", fb_messages_page, f);
		/* oldest first, so that a new dialog opens with the first message */
		for (size_t lo = first, hi = f->b->nmsgs; hi > lo + 1; lo++, hi--) {
			struct chan_msg t = f->b->msgs[lo];
			f->b->msgs[lo] = f->b->msgs[hi - 1];
			f->b->msgs[hi - 1] = t;
		}
	}
	strbuf_release(&path);
	return err;
}

static int fb_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	static const struct http_field fields[] = {
		{ "platform", "messenger", 0, NULL, NULL },
		{ "fields", "participants,updated_time", 0, NULL, NULL },
		{ "limit", "25", 0, NULL, NULL },
	};
	struct fb fb;
	struct fb_fetch f = { b, &fb, NULL, { 0, STRLIST_INIT, 0, STRLIST_INIT } };
	struct strbuf cursor = STRBUF_INIT, path = STRBUF_INIT;
	struct fb_cursor *cur = &f.cur;
	int err;

	if ((err = fb_open(&fb, ch)) < 0)
		return err;
	/* "TIME ID..." */
	if (!channel_cursor_read(&cursor, ch->store, ch->name)) {
		char *p = strchr(cursor.buf, ' ');
		cur->since = fb_time(cursor.buf);
		while (p && *p == ' ') {
			char *q = strchr(p + 1, ' ');
			char *id = xstrndup(p + 1, q ? (size_t)(q - p - 1) : strlen(p + 1));
			if (*id)
				strlist_push_nodup(&cur->seen, id);
			else
				free(id);
			p = q;
		}
	}
	cur->top = cur->since;
	strbuf_addf(&path, "%s/conversations", fb.page);
	err = fb_pages(&fb, path.buf, fields, 3, "listing conversations", fb_conversations_page, &f);
	if (!err && cur->top_ids.nr) {
		/* the previous ids still count when this fetch found nothing newer */
		if (cur->top == cur->since)
			for (size_t i = 0; i < cur->seen.nr; i++)
				if (!strlist_has(&cur->top_ids, cur->seen.items[i]))
					strlist_push(&cur->top_ids, cur->seen.items[i]);
		time_format_iso(&b->cursor, cur->top);
		for (size_t i = 0; i < cur->top_ids.nr; i++)
			strbuf_addf(&b->cursor, " %s", cur->top_ids.items[i]);
	}
	strlist_clear(&cur->seen);
	strlist_clear(&cur->top_ids);
	strbuf_release(&cursor);
	strbuf_release(&path);
	return err;
}

static int fb_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	struct fb fb;
	struct strbuf url = STRBUF_INIT, text = STRBUF_INIT, recipient = STRBUF_INIT, body = STRBUF_INIT;
	struct http_response r = HTTP_RESPONSE_INIT;
	const struct mime_message *mm = o->msg->mime;
	json_t *root = NULL, *j;
	char *s;
	int err;

	/* a channel not set up yet: the message waits for the operator */
	if (fb_open(&fb, ch) < 0)
		return delivery_from_error(d, DLG_ENETWORK, -1);
	outgoing_text(&text, o);
	strbuf_addf(&url, "%s/%s/messages?access_token=", fb.api.base, fb.page);
	url_escape(&url, fb.api.token);
	j = json_pack("{s:s}", "id", o->to);
	s = json_dumps(j, JSON_COMPACT);
	strbuf_addstr(&recipient, s);
	free(s);
	json_decref(j);
	if (mm->nattachments) {
		const struct mime_attachment *a = &mm->attachments[0];
		const char *kind = !strncmp(a->type, "image/", 6) ? "image" :
				   !strncmp(a->type, "video/", 6) ? "video" :
				   !strncmp(a->type, "audio/", 6) ? "audio" : "file";
		struct strbuf msg = STRBUF_INIT;
		strbuf_addf(&msg, "{\"attachment\":{\"type\":\"%s\",\"payload\":{\"is_reusable\":false}}}", kind);
		{
			struct http_field f[] = {
				{ "recipient", recipient.buf, 0, NULL, NULL },
				{ "messaging_type", "RESPONSE", 0, NULL, NULL },
				{ "message", msg.buf, 0, NULL, NULL },
				{ "filedata", a->data ? a->data : "", a->size, *a->name ? a->name : "file", a->type },
			};
			struct http_request req = { "POST", url.buf, f, 4, 1, NULL, 0, NULL, 4 * fb.api.timeout_ms };
			err = http_request(&r, &req);
		}
		strbuf_release(&msg);
	} else {
		if (!text.len || utf8_width(text.buf, text.len) > FB_TEXT_MAX) {
			d->state = DELIVERY_FAILED;
			strbuf_addstr(&d->error, text.len ? "longer than Messenger's 2000 characters" : "no text");
			goto out;
		}
		j = json_pack("{s:{s:s},s:s,s:{s:s%}}", "recipient", "id", o->to, "messaging_type", "RESPONSE",
			      "message", "text", text.buf, text.len);
		s = json_dumps(j, JSON_COMPACT);
		strbuf_addstr(&body, s ? s : "{}");
		free(s);
		json_decref(j);
		{
			struct http_request req = { "POST", url.buf, NULL, 0, 0, body.buf, body.len,
						    "application/json", fb.api.timeout_ms };
			err = http_request(&r, &req);
		}
	}
	if (!err)
		err = facebook_answer(&root, &r, "sending");
	if (!err && !json_is_string(json_object_get(root, "message_id"))) {
		err = dlg_error(DLG_ENETWORK, "sending: Facebook's answer has no message_id");
	}
	if (err < 0) {
		delivery_from_error(d, err, -1);
	} else {
		d->state = DELIVERY_SENT;
		strbuf_addstr(&d->channel_id, json_string_value(json_object_get(root, "message_id")));
	}
out:
	json_decref(root);
	http_response_release(&r);
	strbuf_release_secret(&url);
	strbuf_release(&text);
	strbuf_release(&recipient);
	strbuf_release(&body);
	return 0;
}

const struct channel_driver facebook_driver = { "facebook", fb_fetch, NULL, fb_send, 0 };
