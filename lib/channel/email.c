/*
 * Email: IMAP in (read-only: EXAMINE and BODY.PEEK, see imap.h), SMTP out
 * through libcurl.  The cursor is "UIDVALIDITY LAST-UID": when the
 * mailbox's UIDVALIDITY changes, every message is read again and the
 * Message-IDs drop the ones the store has.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "channel/curllib.h"
#include "channel/driver.h"
#include "channel/imap.h"
#include "mail/charset.h"
#include "mail/mime.h"

/* Messages one fetch reads before it commits them and asks for more. */
#define EMAIL_PAGE 500

static const char *secret_or_null(const struct channel *ch)
{
	return ch->has_secret ? ch->secret.buf : NULL;
}

static int email_fetch(struct fetch_batch *b, struct channel *ch, const struct fetch_opts *o)
{
	const char *url = channel_get(ch, "imap");
	struct strbuf cursor = STRBUF_INIT, msg = STRBUF_INIT;
	unsigned long long validity = 0, old_validity = 0, last = 0, *uids = NULL;
	struct imap *im = NULL;
	size_t n = 0;
	int err, more = 0;

	if (!url)
		return dlg_error(DLG_EINVALID, "channel %s has no IMAP mailbox (--imap URL)", ch->name);
	if (!channel_cursor_read(&cursor, ch->store, ch->name) &&
	    sscanf(cursor.buf, "%llu %llu", &old_validity, &last) != 2)
		old_validity = last = 0;
	if ((err = imap_open(&im, url, channel_get(ch, "user"), secret_or_null(ch),
			     channel_timeout_ms(ch))) < 0 ||
	    (err = imap_examine(im, &validity)) < 0)
		goto out;
	if (old_validity && validity != old_validity) {
		strlist_push(&b->warnings, "the mailbox's UIDVALIDITY changed: reading it again "
					   "(messages already in the store are skipped)");
		last = 0;
	}
	if ((err = imap_uids_after(&uids, &n, &more, im, last, EMAIL_PAGE)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		strbuf_reset(&msg);
		err = imap_fetch(&msg, im, uids[i]);
		if (err == DLG_ENOTFOUND) {
			err = 0; /* expunged since the search: nothing to keep */
		} else if (err < 0) {
			goto out;
		} else if (!msg.len) {
			struct strbuf w = STRBUF_INIT;
			strbuf_addf(&w, "UID %llu is empty, skipped", uids[i]);
			strlist_push(&b->warnings, w.buf);
			strbuf_release(&w);
		} else {
			strbuf_addbuf(fetch_batch_add_email(b), &msg);
		}
		last = uids[i];
	}
	/* Also when nothing came: the first fetch records where the mailbox stands. */
	if (n || validity != old_validity)
		strbuf_addf(&b->cursor, "%llu %llu", validity, last);
	b->more = more;
out:
	free(uids);
	imap_close(im);
	strbuf_release(&cursor);
	strbuf_release(&msg);
	return err;
}

struct upload {
	const char *data;
	size_t len, pos;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *p)
{
	struct upload *u = p;
	size_t n = size * nitems;
	if (n > u->len - u->pos)
		n = u->len - u->pos;
	memcpy(buf, u->data + u->pos, n);
	u->pos += n;
	return n;
}

static int is_dlg_header(const char *line, size_t n)
{
	return n >= 6 && !strncasecmp(line, "X-Dlg-", 6);
}

/*
 * The stored message as it goes out: without dlg's own headers, From our
 * address with the operator's name, CRLF line ends.
 */
static void wire_message(struct strbuf *out, const char *raw, size_t len, const char *from)
{
	size_t body = mime_body_offset(raw, len), i = 0;
	int skipping = 0;
	while (i < len) {
		const char *line = raw + i, *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) + 1 : len - i, ll = n;
		while (ll && (line[ll - 1] == '\n' || line[ll - 1] == '\r'))
			ll--;
		if (i < body) {
			int cont = ll && (line[0] == ' ' || line[0] == '\t');
			if (!cont)
				skipping = is_dlg_header(line, ll) || (ll >= 5 && !strncasecmp(line, "From:", 5));
			if (!cont && ll >= 5 && !strncasecmp(line, "From:", 5))
				strbuf_addf(out, "From: %s\r\n", from);
			if (skipping) {
				i += n;
				continue;
			}
		}
		strbuf_add(out, line, ll);
		strbuf_addstr(out, "\r\n");
		i += n;
	}
}

static int email_send(struct delivery *d, struct channel *ch, const struct outgoing *o)
{
	const char *url = channel_get(ch, "smtp"), *address = channel_get(ch, "address");
	const struct mime_message *mm = o->msg->mime;
	struct strbuf from = STRBUF_INIT, wire = STRBUF_INIT, env = STRBUF_INIT, rcpt = STRBUF_INIT;
	struct curl_slist *rcpts = NULL;
	struct upload up;
	CURL *c = NULL;
	CURLcode rc;
	long code = 0;
	int err = 0;

	if (!url || !address) {
		d->state = DELIVERY_RETRY;
		strbuf_addf(&d->error, "channel %s has no %s", ch->name, url ? "--address" : "SMTP server (--smtp URL)");
		goto out;
	}
	/* the address came from a customer's header: nothing that could end the SMTP command */
	if (!strchr(o->to, '@') || strpbrk(o->to, " \t\r\n<>\"")) {
		d->state = DELIVERY_FAILED;
		strbuf_addf(&d->error, "'%s' is not an email address", o->to);
		goto out;
	}
	if ((err = curllib_load()) < 0)
		goto out;
	/* The operator's name, our address. */
	mime_encode_words(&from, *mm->from.name ? mm->from.name : ch->name);
	strbuf_addf(&from, " <%s>", address);
	wire_message(&wire, o->raw, o->len, from.buf);
	strbuf_addf(&env, "<%s>", address);
	strbuf_addf(&rcpt, "<%s>", o->to);
	rcpts = curl_slist_append(NULL, rcpt.buf);
	/* the answer's Cc (the customer's, kept by dlg reply) gets it too;
	   an address that could end the SMTP command is left out */
	for (size_t i = mm->nto - mm->ncc; i < mm->nto && rcpts; i++) {
		const char *cc = mm->to[i].addr;
		struct curl_slist *more;
		if (!strchr(cc, '@') || strpbrk(cc, " \t\r\n<>\"") || !strcasecmp(cc, o->to))
			continue;
		strbuf_reset(&rcpt);
		strbuf_addf(&rcpt, "<%s>", cc);
		if (!(more = curl_slist_append(rcpts, rcpt.buf)))
			curl_slist_free_all(rcpts);
		rcpts = more;
	}
	up = (struct upload){ wire.buf, wire.len, 0 };
	if (!(c = curl_easy_init()) || !rcpts) {
		err = dlg_error(DLG_ERROR, "cannot start libcurl");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, channel_timeout_ms(ch));
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, channel_timeout_ms(ch));
	curl_easy_setopt(c, CURLOPT_USE_SSL,
			 (long)(!strncmp(url, "smtps://", 8) ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (channel_get(ch, "user"))
		curl_easy_setopt(c, CURLOPT_USERNAME, channel_get(ch, "user"));
	if (secret_or_null(ch))
		curl_easy_setopt(c, CURLOPT_PASSWORD, secret_or_null(ch));
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, env.buf);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)wire.len);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		d->state = DELIVERY_SENT;
		strbuf_addstr(&d->channel_id, mm->message_id ? mm->message_id : "");
	} else {
		/* 5xx is the server's no; a 4xx, a time-out or a lost connection may pass */
		d->state = code >= 500 && code < 600 ? DELIVERY_FAILED : DELIVERY_RETRY;
		if (rc == CURLE_LOGIN_DENIED)
			d->state = DELIVERY_RETRY; /* a password fixed by the operator cures it */
		strbuf_addf(&d->error, "%s: %s", url, curl_easy_strerror(rc));
		if (code)
			strbuf_addf(&d->error, " (SMTP %ld)", code);
	}
out:
	if (c)
		curl_easy_cleanup(c);
	if (rcpts)
		curl_slist_free_all(rcpts);
	strbuf_release(&from);
	strbuf_release(&wire);
	strbuf_release(&env);
	strbuf_release(&rcpt);
	return err;
}

const struct channel_driver email_driver = { "email", email_fetch, NULL, email_send, 1 };
