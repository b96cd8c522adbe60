#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/utf8.h"
#include "git/hash.h"
#include "mail/charset.h"
#include "store/message.h"
#include "store/order.h"

/* "X-Dlg-" as dlg spells it, at the start of a field line. */
#define DLG_PREFIX "X-Dlg-"
#define DLG_PREFIX_LEN 6
/* What a sender's X-Dlg-* field is renamed to when a message comes in. */
#define RENAMED_PREFIX "X-Original-Dlg-"

/* The end of the line at buf[i] (after its '\n', or len). */
static size_t next_line(const char *buf, size_t len, size_t i)
{
	const char *nl = memchr(buf + i, '\n', len - i);
	return nl ? (size_t)(nl - buf) + 1 : len;
}

/*
 * A line of dlg's block: "X-Dlg-NAME: value" whole on one line, NAME of
 * letters, digits and '-'.  Returns the length of "X-Dlg-NAME" or 0.
 */
static size_t block_field(const char *line, size_t n)
{
	size_t i = DLG_PREFIX_LEN;
	if (n < DLG_PREFIX_LEN || memcmp(line, DLG_PREFIX, DLG_PREFIX_LEN) || line[n - 1] != '\n')
		return 0;
	while (i < n && (isalnum((unsigned char)line[i]) || line[i] == '-'))
		i++;
	return i > DLG_PREFIX_LEN && i < n && line[i] == ':' ? i : 0;
}

size_t message_block_len(const char *buf, size_t len)
{
	size_t i = 0;
	while (i < len) {
		size_t end = next_line(buf, len, i);
		if (!block_field(buf + i, end - i))
			break;
		i = end;
	}
	return i;
}

int message_block_get(struct strbuf *out, const char *buf, size_t len, const char *name)
{
	size_t want = strlen(name), i = 0;
	while (i < len) {
		size_t end = next_line(buf, len, i), n = block_field(buf + i, end - i);
		if (!n)
			break;
		if (n == want && !memcmp(buf + i, name, n)) {
			strbuf_reset(out);
			strbuf_add(out, buf + i + n + 1, end - i - n - 1);
			strbuf_trim(out);
			return 0;
		}
		i = end;
	}
	return DLG_ENOTFOUND;
}

static char *block_dup(const char *buf, size_t len, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	if (message_block_get(&sb, buf, len, name) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

static int starts_with_nocase(const char *line, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !strncasecmp(line, prefix, k);
}

/*
 * X-Dlg-* fields below the block, and fields renamed on the way in: what
 * someone other than dlg wrote under dlg's names, for show to display.
 */
#define IGNORED_MAX 64
static void collect_ignored(struct strlist *out, const char *buf, size_t len)
{
	size_t body = mime_body_offset(buf, len), i = message_block_len(buf, len);
	while (i < body && out->nr < IGNORED_MAX) {
		size_t end = next_line(buf, body, i);
		if (starts_with_nocase(buf + i, end - i, DLG_PREFIX) ||
		    starts_with_nocase(buf + i, end - i, RENAMED_PREFIX)) {
			struct strbuf field = STRBUF_INIT;
			do { /* with its continuation lines, unfolded */
				strbuf_add(&field, buf + i, end - i);
				strbuf_rtrim(&field);
				i = end;
				end = i < body ? next_line(buf, body, i) : i;
			} while (i < body && (buf[i] == ' ' || buf[i] == '\t'));
			strlist_push(out, field.buf);
			strbuf_release(&field);
			continue;
		}
		i = end;
	}
}

/* Chat-like channels answer into a conversation; email answers the sender. */
static int kind_has_conversation(const char *kind)
{
	static const char *const kinds[] = { "telegram", "vk", "facebook", "chat", "popup", NULL };
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return 1;
	return 0;
}

/* The field when it can be dlg's (believe), else NULL, and it is listed as ignored. */
static char *block_field_if(struct strlist *ignored, const char *buf, size_t len, const char *name,
			    int believe)
{
	char *v = block_dup(buf, len, name);
	if (v && !believe) {
		struct strbuf field = STRBUF_INIT;
		strbuf_addf(&field, "%s: %s", name, v);
		strlist_push(ignored, field.buf);
		strbuf_release(&field);
		free(v);
		v = NULL;
	}
	return v;
}

unsigned long message_seq(const char *buf, size_t len)
{
	char *v = block_dup(buf, len, "X-Dlg-Sequence");
	unsigned long seq = order_seq_parse(v);
	free(v);
	return seq;
}

time_t message_name_time(const char *name)
{
	char *end;
	long long t = strtoll(name, &end, 10);
	return *end == '.' ? (time_t)t : 0;
}

int stored_msg_parse(struct stored_msg *m, const char *name, const char *buf, size_t len,
		     unsigned mime_flags)
{
	char *dir;
	int err;
	memset(m, 0, sizeof(*m));
	if ((err = mime_message_parse(&m->mime, buf, len, mime_flags)) < 0)
		return err;
	m->name = xstrdup(name);
	m->channel = block_dup(buf, len, "X-Dlg-Channel");
	if (!m->channel)
		m->channel = xstrdup("email");
	dir = block_dup(buf, len, "X-Dlg-Direction");
	m->out = dir && !strcmp(dir, "out");
	free(dir);
	m->user = block_dup(buf, len, "X-Dlg-User");
	m->channel_user = block_dup(buf, len, "X-Dlg-Channel-User");
	m->channel_message = block_dup(buf, len, "X-Dlg-Channel-Message");
	m->route = block_dup(buf, len, "X-Dlg-Route");
	m->seq = message_seq(buf, len);
	/* Messages stored before senders' fields were renamed may carry some in
	   the block; what cannot be dlg's own is dropped by meaning too. */
	m->conversation = block_field_if(&m->ignored, buf, len, "X-Dlg-Conversation",
					 kind_has_conversation(m->channel));
	m->operator = block_field_if(&m->ignored, buf, len, "X-Dlg-Operator", m->out);
	m->delivery = block_field_if(&m->ignored, buf, len, "X-Dlg-Delivery", m->out);
	m->sent_via = block_field_if(&m->ignored, buf, len, "X-Dlg-Sent-Via", m->out);
	m->error = block_field_if(&m->ignored, buf, len, "X-Dlg-Error", m->out);
	m->next_attempt = block_field_if(&m->ignored, buf, len, "X-Dlg-Next-Attempt", m->out);
	collect_ignored(&m->ignored, buf, len);
	m->date = m->mime->has_date ? m->mime->date : message_name_time(name);
	return 0;
}

void stored_msg_clear(struct stored_msg *m)
{
	free(m->name);
	free(m->channel);
	free(m->operator);
	free(m->delivery);
	free(m->user);
	free(m->channel_user);
	free(m->channel_message);
	free(m->route);
	free(m->conversation);
	free(m->sent_via);
	free(m->error);
	free(m->next_attempt);
	strlist_clear(&m->ignored);
	if (m->mime)
		mime_message_free(m->mime);
	memset(m, 0, sizeof(*m));
}

void message_name_second(struct strbuf *out, time_t date)
{
	long long t = date < 0 ? 0 : (long long)date;
	if (t > 9999999999LL)
		t = 9999999999LL;
	strbuf_addf(out, "%010lld", t);
}

void message_file_name(struct strbuf *out, time_t date, const char *key, int out_dir)
{
	message_name_second(out, date);
	strbuf_addf(out, ".%s:2,%s", key, out_dir ? "S" : "");
}

/* Header values from channels are untrusted: one line, no control characters. */
void message_add_header(struct strbuf *out, const char *name, const char *value, const char *eol)
{
	if (!value)
		return;
	strbuf_addf(out, "%s: ", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++)
		strbuf_addch(out, *p < 0x20 || *p == 0x7f ? ' ' : *p);
	strbuf_addstr(out, eol);
}

void message_add_meta(struct strbuf *out, const struct msg_meta *m, const char *dir, const char *eol)
{
	message_add_header(out, "X-Dlg-Channel", m->channel, eol);
	message_add_header(out, "X-Dlg-Direction", dir, eol);
	message_add_header(out, "X-Dlg-User", m->user, eol);
	message_add_header(out, "X-Dlg-Channel-User", m->channel_user, eol);
	message_add_header(out, "X-Dlg-Channel-Message", m->channel_message, eol);
	message_add_header(out, "X-Dlg-Route", m->route, eol);
	message_add_header(out, "X-Dlg-Conversation", m->conversation, eol);
}

void message_wrap_incoming(struct strbuf *out, const char *raw, size_t len, const struct msg_meta *m)
{
	const char *nl = memchr(raw, '\n', len);
	const char *eol = nl && nl > raw && nl[-1] == '\r' ? "\r\n" : "\n";
	size_t body = mime_body_offset(raw, len), i = 0;
	message_add_meta(out, m, "in", eol);
	/* A message that starts with its body (no headers) needs the blank line. */
	if (len && (raw[0] == '\n' || raw[0] == '\r' || !memchr(raw, ':', nl ? (size_t)(nl - raw) : len)))
		strbuf_addstr(out, eol);
	/* The sender's X-Dlg-* fields keep their values under a name dlg never reads. */
	while (i < body) {
		size_t end = next_line(raw, body, i);
		if (starts_with_nocase(raw + i, end - i, DLG_PREFIX)) {
			strbuf_addstr(out, RENAMED_PREFIX);
			i += DLG_PREFIX_LEN;
		}
		strbuf_add(out, raw + i, end - i);
		i = end;
	}
	strbuf_add(out, raw + body, len - body);
}

static void add_text_part(struct strbuf *out, const char *text, int ascii, const char *eol)
{
	message_add_header(out, "Content-Type", "text/plain; charset=utf-8", eol);
	message_add_header(out, "Content-Transfer-Encoding", ascii ? "7bit" : "quoted-printable", eol);
	strbuf_addstr(out, eol);
	if (ascii)
		strbuf_addstr(out, text);
	else
		qp_encode(out, text, strlen(text));
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addstr(out, eol);
}

void rfc2231_name(struct strbuf *out, const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-' || *p == '_')
			strbuf_addch(out, *p);
		else
			strbuf_addf(out, "%%%02X", *p);
}

void message_add_file_part(struct strbuf *out, const char *name, const char *type,
			   const char *data, size_t len, const char *eol)
{
	struct strbuf enc = STRBUF_INIT;
	rfc2231_name(&enc, name);
	message_add_header(out, "Content-Type", type ? type : "application/octet-stream", eol);
	strbuf_addf(out, "Content-Disposition: attachment; filename*=utf-8''%s%s", enc.buf, eol);
	strbuf_addf(out, "Content-Transfer-Encoding: base64%s%s", eol, eol);
	base64_encode(out, data, len);
	if (out->len && out->buf[out->len - 1] != '\n')
		strbuf_addstr(out, eol);
	strbuf_release(&enc);
}

int message_boundary(struct strbuf *out, const char *seed, const struct strbuf *parts, size_t n)
{
	struct strbuf in = STRBUF_INIT;
	char hex[41];
	int err = 0;
	for (unsigned long k = 0;; k++) {
		int clash = 0;
		strbuf_reset(&in);
		strbuf_addf(&in, "boundary%c%s%c%lu", '\0', seed, '\0', k);
		if ((err = hash_hex(hex, in.buf, in.len)) < 0)
			break;
		strbuf_reset(out);
		strbuf_addf(out, "dlg-%.32s", hex);
		for (size_t i = 0; i < n && !clash; i++)
			clash = memmem(parts[i].buf, parts[i].len, out->buf, out->len) != NULL;
		if (!clash)
			break;
	}
	strbuf_release(&in);
	return err;
}

int message_add_multipart(struct strbuf *out, const struct strbuf *parts, size_t n, const char *eol)
{
	struct strbuf seed = STRBUF_INIT, boundary = STRBUF_INIT, ct = STRBUF_INIT;
	char hex[41];
	int err = 0;
	/* Of the content, so clones agree; unguessable, as the sender cannot
	   put into a part the hash of that same part. */
	for (size_t i = 0; i < n && !err; i++)
		if (!(err = hash_hex(hex, parts[i].buf, parts[i].len)))
			strbuf_addstr(&seed, hex);
	if (err < 0 || (err = message_boundary(&boundary, seed.buf, parts, n)) < 0)
		goto out;
	strbuf_addf(&ct, "multipart/mixed; boundary=\"%s\"", boundary.buf);
	message_add_header(out, "Content-Type", ct.buf, eol);
	strbuf_addstr(out, eol);
	for (size_t i = 0; i < n; i++) {
		strbuf_addf(out, "--%s%s", boundary.buf, eol);
		strbuf_addbuf(out, &parts[i]);
	}
	strbuf_addf(out, "--%s--%s", boundary.buf, eol);
out:
	strbuf_release(&seed);
	strbuf_release(&boundary);
	strbuf_release(&ct);
	return err;
}

int message_build_reply(struct strbuf *out, const struct reply_spec *r)
{
	struct strbuf sb = STRBUF_INIT;
	const char *eol = "\n";
	int ascii = 1, err = 0;

	message_add_meta(out, &r->meta, "out", eol);
	message_add_header(out, "X-Dlg-Operator", r->operator, eol);
	message_add_header(out, "X-Dlg-Delivery", "queued", eol);
	if (r->seq) {
		strbuf_addf(&sb, "%lu", r->seq);
		message_add_header(out, "X-Dlg-Sequence", sb.buf, eol);
		strbuf_reset(&sb);
	}
	mime_date_format(&sb, r->date);
	message_add_header(out, "Date", sb.buf, eol);
	strbuf_reset(&sb);
	message_add_header(out, "From", r->from, eol);
	message_add_header(out, "To", r->to, eol);
	if (r->cc && *r->cc)
		message_add_header(out, "Cc", r->cc, eol);
	mime_encode_words(&sb, r->subject ? r->subject : "");
	message_add_header(out, "Subject", sb.buf, eol);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "<%s>", r->message_id);
	message_add_header(out, "Message-ID", sb.buf, eol);
	strbuf_reset(&sb);
	if (r->in_reply_to) {
		strbuf_addf(&sb, "<%s>", r->in_reply_to);
		message_add_header(out, "In-Reply-To", sb.buf, eol);
		strbuf_reset(&sb);
	}
	if (r->references && *r->references)
		message_add_header(out, "References", r->references, eol);
	for (const unsigned char *p = (const unsigned char *)r->text; *p; p++)
		if (*p >= 0x80)
			ascii = 0;
	message_add_header(out, "MIME-Version", "1.0", eol);
	if (r->nfiles) {
		struct strbuf *parts = xcalloc(r->nfiles + 1, sizeof(*parts));
		size_t n = 0;
		for (size_t i = 0; i <= r->nfiles; i++)
			strbuf_init(&parts[i], 0);
		if (*r->text)
			add_text_part(&parts[n++], r->text, ascii, eol);
		for (size_t i = 0; i < r->nfiles; i++)
			message_add_file_part(&parts[n++], r->files[i].name, r->files[i].type,
					      r->files[i].data, r->files[i].len, eol);
		err = message_add_multipart(out, parts, n, eol);
		for (size_t i = 0; i <= r->nfiles; i++)
			strbuf_release(&parts[i]);
		free(parts);
	} else {
		add_text_part(out, r->text, ascii, eol);
	}
	strbuf_release(&sb);
	return err;
}

/* Lowercase for comparing subjects: ASCII, Latin-1 letters and Cyrillic. */
void utf8_fold(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			strbuf_addch(out, tolower(*p++));
		} else if (p[0] == 0xd0 && p[1] >= 0x90 && p[1] <= 0x9f) {   /* А-П */
			strbuf_addch(out, 0xd0);
			strbuf_addch(out, p[1] + 0x20);
			p += 2;
		} else if (p[0] == 0xd0 && p[1] >= 0xa0 && p[1] <= 0xaf) {   /* Р-Я */
			strbuf_addch(out, 0xd1);
			strbuf_addch(out, p[1] - 0x20);
			p += 2;
		} else if (p[0] == 0xd0 && p[1] == 0x81) {                   /* Ё */
			strbuf_addstr(out, "\xd1\x91");
			p += 2;
		} else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0x9e && p[1] != 0x97) {
			strbuf_addch(out, 0xc3);
			strbuf_addch(out, p[1] + 0x20);
			p += 2;
		} else {
			strbuf_addch(out, *p++);
		}
	}
}

/* Length of one reply/forward prefix ("Re:", "Fwd:", "Re[2]:", "Ответ:") at s. */
static size_t prefix_len(const char *s)
{
	static const char *prefixes[] = { "re", "fwd", "fw", "aw", "sv", "wg",
					  "\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x82" /* ответ */,
					  "\xd0\xbf\xd0\xb5\xd1\x80\xd0\xb5\xd1\x81\xd0\xbb" /* пересл */,
					  NULL };
	struct strbuf head = STRBUF_INIT;
	size_t ret = 0;
	strbuf_add(&head, s, strnlen(s, 32));
	struct strbuf folded = STRBUF_INIT;
	utf8_fold(&folded, head.buf); /* folding keeps byte lengths */
	for (int i = 0; prefixes[i] && !ret; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(folded.buf, prefixes[i], n))
			continue;
		const char *p = folded.buf + n;
		if (n == 12 && !strncmp(p, "\xd0\xb0\xd0\xbd\xd0\xbe", 6)) /* пересл|ано */
			p += 6;
		if (*p == '[') { /* Re[2]: */
			while (isdigit((unsigned char)*++p))
				;
			if (*p++ != ']')
				continue;
		}
		while (*p == ' ')
			p++;
		if (*p == ':')
			ret = (size_t)(p + 1 - folded.buf);
	}
	strbuf_release(&head);
	strbuf_release(&folded);
	return ret;
}

const char *subject_strip_prefixes(const char *subject)
{
	const char *s = subject ? subject : "";
	for (;;) {
		size_t n;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!(n = prefix_len(s)))
			return s;
		s += n;
	}
}

void subject_normalize(struct strbuf *out, const char *subject)
{
	struct strbuf squeezed = STRBUF_INIT;
	for (const char *s = subject_strip_prefixes(subject); *s; s++)
		if (*s == ' ' || *s == '\t') {
			if (squeezed.len && squeezed.buf[squeezed.len - 1] != ' ')
				strbuf_addch(&squeezed, ' ');
		} else {
			strbuf_addch(&squeezed, *s);
		}
	strbuf_rtrim(&squeezed);
	utf8_fold(out, squeezed.buf);
	strbuf_release(&squeezed);
}
