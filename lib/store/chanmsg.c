/*
 * Messages from chat-like channels, stored as mail so that one Maildir
 * reader shows every channel alike.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "base/utf8.h"
#include "git/hash.h"
#include "mail/charset.h"
#include "mail/mime.h"
#include "store/chanmsg.h"
#include "store/message.h"

const char *const channel_types[] = { "email", "telegram", "vk", "facebook", "chat", NULL };

void chan_msg_clear(struct chan_msg *m)
{
	free(m->kind);
	free(m->route);
	free(m->user);
	free(m->ident);
	free(m->conversation);
	free(m->id);
	free(m->name);
	free(m->username);
	free(m->email);
	free(m->page);
	free(m->popup);
	free(m->text);
	for (size_t i = 0; i < m->nfiles; i++) {
		free(m->files[i].name);
		free(m->files[i].type);
		strbuf_release(&m->files[i].data);
	}
	free(m->files);
	memset(m, 0, sizeof(*m));
}

struct chan_file *chan_msg_add_file(struct chan_msg *m, const char *name, const char *type)
{
	struct chan_file *f;
	ALLOC_GROW(m->files, m->nfiles + 1, m->alloc);
	f = &m->files[m->nfiles++];
	f->name = xstrdup(name && *name ? name : "file");
	f->type = xstrdup(type && *type ? type : "application/octet-stream");
	strbuf_init(&f->data, 0);
	return f;
}

void chan_msg_note(struct chan_msg *m, const char *fmt, ...)
{
	struct strbuf t = STRBUF_INIT;
	va_list ap;
	strbuf_addstr(&t, m->text ? m->text : "");
	if (t.len)
		strbuf_addch(&t, '\n');
	strbuf_addch(&t, '[');
	va_start(ap, fmt);
	strbuf_vaddf(&t, fmt, ap);
	va_end(ap);
	strbuf_addch(&t, ']');
	free(m->text);
	m->text = strbuf_detach(&t, NULL);
}

/* The dialog's subject: the first line of the first message, cut to 60 columns. */
void chan_msg_subject(struct strbuf *out, const struct chan_msg *m)
{
	const char *t = m->text ? m->text : "";
	while (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
		t++;
	if (*t) {
		size_t n = strcspn(t, "\r\n");
		utf8_truncate_len(out, t, n, 60);
	} else if (m->nfiles) {
		strbuf_addstr(out, m->files[0].name);
	} else if (m->popup && *m->popup) {
		strbuf_addstr(out, m->popup);
	}
}

/* Message-IDs are made of safe characters whatever the channel's ids hold. */
static void safe_id(struct strbuf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-' || *p == '_')
			strbuf_addch(out, *p);
		else
			strbuf_addf(out, "=%02X", *p);
}

void chan_address(struct strbuf *out, const char *kind, const char *user)
{
	static const struct { const char *kind, *prefix; } prefixes[] = {
		{ "telegram", "tg" }, { "vk", "vk" }, { "facebook", "fb" }, { "chat", "chat" }, { "popup", "chat" },
	};
	const char *prefix = kind;
	if (!strcmp(kind, "email")) {
		strbuf_addstr(out, user);
		return;
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strcmp(kind, prefixes[i].kind))
			prefix = prefixes[i].prefix;
	strbuf_addf(out, "%s-", prefix);
	safe_id(out, user);
	strbuf_addf(out, "@%s.invalid", !strcmp(kind, "popup") ? "chat" : kind);
}

int chan_msg_format(struct strbuf *out, const struct chan_msg *m, const char *user_id)
{
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT;
	int err = 0;
	struct msg_meta meta = { m->kind, user_id, m->user, m->id, m->route, m->conversation };
	const char *t = m->text ? m->text : "";

	/* Customer text goes in as valid UTF-8 without NULs, whatever came. */
	utf8_sanitize(&text, t, strlen(t));
	message_add_meta(out, &meta, "in", "\n");
	message_add_header(out, "X-Dlg-Page", m->page, "\n");
	message_add_header(out, "X-Dlg-Popup", m->popup, "\n");
	mime_date_format(&sb, m->date);
	message_add_header(out, "Date", sb.buf, "\n");
	strbuf_reset(&sb);
	if (m->name && *m->name) {
		struct strbuf enc = STRBUF_INIT;
		mime_encode_words(&enc, m->name);
		/* An ASCII name is quoted: it may hold commas or angle brackets. */
		if (!strncmp(enc.buf, "=?", 2)) {
			strbuf_addbuf(&sb, &enc);
		} else {
			strbuf_addch(&sb, '"');
			for (const char *p = enc.buf; *p; p++)
				if (*p != '"' && *p != '\\')
					strbuf_addch(&sb, *p);
			strbuf_addch(&sb, '"');
		}
		strbuf_addch(&sb, ' ');
		strbuf_release(&enc);
	}
	strbuf_addch(&sb, '<');
	chan_address(&sb, m->kind, m->user);
	strbuf_addch(&sb, '>');
	message_add_header(out, "From", sb.buf, "\n");
	strbuf_reset(&sb);
	{
		struct strbuf subj = STRBUF_INIT;
		chan_msg_subject(&subj, m);
		mime_encode_words(&sb, subj.buf);
		message_add_header(out, "Subject", sb.buf, "\n");
		strbuf_release(&subj);
	}
	strbuf_reset(&sb);
	strbuf_addch(&sb, '<');
	safe_id(&sb, m->id);
	strbuf_addf(&sb, "@%s.dlg.invalid>", m->kind);
	message_add_header(out, "Message-ID", sb.buf, "\n");
	message_add_header(out, "MIME-Version", "1.0", "\n");
	if (!m->nfiles) {
		message_add_header(out, "Content-Type", "text/plain; charset=utf-8", "\n");
		message_add_header(out, "Content-Transfer-Encoding", "8bit", "\n");
		strbuf_addch(out, '\n');
		strbuf_addbuf(out, &text);
		if (text.len && text.buf[text.len - 1] != '\n')
			strbuf_addch(out, '\n');
	} else {
		struct strbuf *parts = xcalloc(m->nfiles + 1, sizeof(*parts));
		size_t n = 0;
		if (text.len) {
			strbuf_init(&parts[n], 0);
			strbuf_addstr(&parts[n], "Content-Type: text/plain; charset=utf-8\n"
				      "Content-Transfer-Encoding: 8bit\n\n");
			strbuf_addbuf(&parts[n], &text);
			if (text.buf[text.len - 1] != '\n')
				strbuf_addch(&parts[n], '\n');
			n++;
		}
		for (size_t i = 0; i < m->nfiles; i++, n++) {
			strbuf_init(&parts[n], 0);
			message_add_file_part(&parts[n], m->files[i].name, m->files[i].type,
					      m->files[i].data.buf, m->files[i].data.len, "\n");
		}
		err = message_add_multipart(out, parts, n, "\n");
		for (size_t i = 0; i < n; i++)
			strbuf_release(&parts[i]);
		free(parts);
	}
	strbuf_release(&sb);
	strbuf_release(&text);
	return err;
}

static char *json_dup(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	if (json_is_integer(v)) {
		struct strbuf sb = STRBUF_INIT;
		strbuf_addf(&sb, "%lld", (long long)json_integer_value(v));
		return strbuf_detach(&sb, NULL);
	}
	return NULL;
}

int chan_msg_from_json(struct chan_msg *m, const char *buf, size_t len, const char *route)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr), *visitor, *date, *files;
	char *source = NULL;
	int err = 0;

	memset(m, 0, sizeof(*m));
	if (!root)
		return dlg_error(DLG_EINVALID, "not JSON: %s (line %d)", jerr.text, jerr.line);
	if (!json_is_object(root)) {
		err = dlg_error(DLG_EINVALID, "not a JSON object");
		goto out;
	}
	source = json_dup(root, "source");
	if (source && strcmp(source, "chat") && strcmp(source, "popup")) {
		err = dlg_error(DLG_EINVALID, "\"source\" is \"%s\", not \"chat\" or \"popup\"", source);
		goto out;
	}
	m->kind = xstrdup(source ? source : "chat");
	m->ident = xstrdup("chat"); /* pop-ups and the chat widget share the site's visitor ids */
	m->route = route ? xstrdup(route) : NULL;
	visitor = json_object_get(root, "visitor");
	if (!json_is_object(visitor) || !(m->user = json_dup(visitor, "id")) || !*m->user) {
		err = dlg_error(DLG_EINVALID, "no \"visitor\": {\"id\": ...}");
		goto out;
	}
	m->name = json_dup(visitor, "name");
	m->email = json_dup(visitor, "email");
	m->conversation = xstrdup(m->user);
	m->page = json_dup(root, "page");
	m->popup = json_dup(root, "popup");
	m->text = json_dup(root, "text");
	if (!(m->id = json_dup(root, "id"))) {
		/* Without an id the content names it: the same file twice is one message. */
		char hex[41];
		if ((err = hash_hex(hex, buf, len)) < 0)
			goto out;
		m->id = xstrndup(hex, 16);
	}
	date = json_object_get(root, "date");
	if (json_is_integer(date))
		m->date = (time_t)json_integer_value(date);
	else if (json_is_string(date) && time_parse(&m->date, json_string_value(date)) < 0) {
		err = dlg_error(DLG_EINVALID, "\"date\": cannot read '%s'", json_string_value(date));
		goto out;
	}
	if (!date)
		m->date = dlg_now();
	files = json_object_get(root, "attachments");
	if (files && !json_is_array(files)) {
		err = dlg_error(DLG_EINVALID, "\"attachments\" is not an array");
		goto out;
	}
	for (size_t i = 0; files && i < json_array_size(files); i++) {
		json_t *f = json_array_get(files, i), *data = json_object_get(f, "data");
		char *name, *type;
		if (!json_is_object(f) || !json_is_string(data)) {
			err = dlg_error(DLG_EINVALID, "attachment %zu has no \"data\" (base64)", i + 1);
			goto out;
		}
		name = json_dup(f, "name");
		type = json_dup(f, "type");
		base64_decode(&chan_msg_add_file(m, name, type)->data, json_string_value(data),
			      json_string_length(data));
		free(name);
		free(type);
	}
	if ((!m->text || !*m->text) && !m->nfiles)
		err = dlg_error(DLG_EINVALID, "no \"text\" and no attachments");
out:
	free(source);
	json_decref(root);
	if (err)
		chan_msg_clear(m);
	return err;
}
