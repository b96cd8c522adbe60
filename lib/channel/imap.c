#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/hex.h"
#include "channel/curllib.h"
#include "channel/imap.h"

/* A message larger than this is not customer mail. */
#define IMAP_MAX_LITERAL (64u << 20)

struct imap {
	CURL *curl;
	curl_socket_t sock;
	long timeout_ms;
	unsigned tag;
	char *mailbox;
	struct strbuf in;      /* received, not yet consumed */
	struct strbuf where;   /* scheme://host:port for messages */
};

static int imap_fail(struct imap *im, int code, const char *what)
{
	return dlg_error(code, "%s: %s", im->where.buf, what);
}

static int wait_socket(struct imap *im, int for_write)
{
	struct pollfd p = { im->sock, (short)(for_write ? POLLOUT : POLLIN), 0 };
	int r;
	do
		r = poll(&p, 1, (int)im->timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return imap_fail(im, DLG_ENETWORK, "timed out waiting for the server");
	if (r < 0)
		return imap_fail(im, DLG_ENETWORK, strerror(errno));
	return 0;
}

static int send_all(struct imap *im, const char *buf, size_t len)
{
	while (len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(im->curl, buf, len, &n);
		if (rc == CURLE_AGAIN) {
			int err = wait_socket(im, 1);
			if (err < 0)
				return err;
			continue;
		}
		if (rc != CURLE_OK)
			return imap_fail(im, DLG_ENETWORK, curl_easy_strerror(rc));
		buf += n;
		len -= n;
	}
	return 0;
}

/* Reads more bytes into im->in. */
static int recv_some(struct imap *im)
{
	char buf[16384];
	for (;;) {
		size_t n = 0;
		CURLcode rc = curl_easy_recv(im->curl, buf, sizeof(buf), &n);
		if (rc == CURLE_AGAIN) {
			int err = wait_socket(im, 0);
			if (err < 0)
				return err;
			continue;
		}
		if (rc != CURLE_OK)
			return imap_fail(im, DLG_ENETWORK, curl_easy_strerror(rc));
		if (!n)
			return imap_fail(im, DLG_ENETWORK, "the server closed the connection");
		strbuf_add(&im->in, buf, n);
		return 0;
	}
}

static void consume(struct imap *im, size_t n)
{
	memmove(im->in.buf, im->in.buf + n, im->in.len - n);
	strbuf_setlen(&im->in, im->in.len - n);
}

/*
 * One response line, with any literals ({N} then N bytes) it carries
 * appended to literal; the line itself keeps "{N}" in place.
 */
static int read_response(struct strbuf *line, struct strbuf *literal, struct imap *im)
{
	strbuf_reset(line);
	for (;;) {
		char *crlf;
		while (!(crlf = memchr(im->in.buf, '\n', im->in.len))) {
			int err = recv_some(im);
			if (err < 0)
				return err;
		}
		size_t n = (size_t)(crlf - im->in.buf) + 1, ll = n;
		while (ll && (im->in.buf[ll - 1] == '\n' || im->in.buf[ll - 1] == '\r'))
			ll--;
		strbuf_add(line, im->in.buf, ll);
		consume(im, n);
		/* a literal: "{123}" at the end of the line */
		if (line->len > 2 && line->buf[line->len - 1] == '}') {
			char *open = strrchr(line->buf, '{'), *end;
			unsigned long long size = open ? strtoull(open + 1, &end, 10) : 0;
			if (!open || *end != '}')
				return 0;
			if (size > IMAP_MAX_LITERAL)
				return imap_fail(im, DLG_EINVALID, "a message larger than 64 MB");
			while (im->in.len < size) {
				int err = recv_some(im);
				if (err < 0)
					return err;
			}
			if (literal)
				strbuf_add(literal, im->in.buf, (size_t)size);
			consume(im, (size_t)size);
			continue; /* the rest of the line follows the literal */
		}
		return 0;
	}
}

/* Sends a command, hands every untagged line to fn, and returns the tagged status. */
static int command(struct imap *im, const char *cmd,
		   void (*fn)(void *data, const char *line, struct strbuf *literal), void *data)
{
	struct strbuf out = STRBUF_INIT, line = STRBUF_INIT, literal = STRBUF_INIT, tag = STRBUF_INIT;
	int err;
	strbuf_addf(&tag, "D%u ", ++im->tag);
	strbuf_addf(&out, "%s%s\r\n", tag.buf, cmd);
	err = send_all(im, out.buf, out.len);
	while (!err) {
		strbuf_reset(&literal);
		if ((err = read_response(&line, &literal, im)) < 0)
			break;
		if (!strncmp(line.buf, tag.buf, tag.len)) {
			const char *status = line.buf + tag.len;
			if (strncasecmp(status, "OK", 2)) {
				struct strbuf why = STRBUF_INIT;
				strbuf_addf(&why, "%s: %s", cmd, status);
				err = imap_fail(im, strncasecmp(status, "NO", 2) ? DLG_ERROR : DLG_EINVALID, why.buf);
				strbuf_release(&why);
			}
			break;
		}
		if (line.buf[0] == '*' && fn)
			fn(data, line.buf, &literal);
	}
	strbuf_release(&out);
	strbuf_release(&line);
	strbuf_release(&literal);
	strbuf_release(&tag);
	return err;
}

static void url_decode(struct strbuf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n + 1 && (hi = hex_value(s[i + 1])) >= 0 &&
		    (lo = hex_value(s[i + 2])) >= 0) {
			strbuf_addch(out, hi << 4 | lo);
			i += 2;
		} else {
			strbuf_addch(out, s[i]);
		}
	}
}

int imap_open(struct imap **out, const char *url, const char *user, const char *password,
	      long timeout_ms)
{
	struct imap *im;
	const char *host, *slash;
	struct strbuf base = STRBUF_INIT, mbox = STRBUF_INIT;
	CURLcode rc;
	int err, tls;

	*out = NULL;
	if ((err = curllib_load()) < 0)
		return err;
	tls = !strncmp(url, "imaps://", 8);
	if (!tls && strncmp(url, "imap://", 7))
		return dlg_error(DLG_EINVALID, "'%s' is not an imap:// or imaps:// URL", url);
	host = url + (tls ? 8 : 7);
	slash = strchr(host, '/');
	strbuf_add(&base, url, slash ? (size_t)(slash - url) : strlen(url));
	if (slash && slash[1])
		url_decode(&mbox, slash + 1, strcspn(slash + 1, ";?"));
	if (!mbox.len)
		strbuf_addstr(&mbox, "INBOX");
	im = xcalloc(1, sizeof(*im));
	strbuf_init(&im->in, 0);
	strbuf_init(&im->where, 0);
	strbuf_addbuf(&im->where, &base);
	im->mailbox = strbuf_detach(&mbox, NULL);
	im->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	strbuf_addch(&base, '/');
	if (!(im->curl = curl_easy_init())) {
		err = dlg_error(DLG_ERROR, "cannot start libcurl");
		goto fail;
	}
	curl_easy_setopt(im->curl, CURLOPT_URL, base.buf);
	curl_easy_setopt(im->curl, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(im->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(im->curl, CURLOPT_CONNECTTIMEOUT_MS, im->timeout_ms);
	curl_easy_setopt(im->curl, CURLOPT_TIMEOUT_MS, im->timeout_ms);
	/* STARTTLS whenever the server offers it */
	curl_easy_setopt(im->curl, CURLOPT_USE_SSL, (long)(tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
	if (user)
		curl_easy_setopt(im->curl, CURLOPT_USERNAME, user);
	if (password)
		curl_easy_setopt(im->curl, CURLOPT_PASSWORD, password);
	rc = curl_easy_perform(im->curl);
	if (rc != CURLE_OK) {
		err = imap_fail(im, rc == CURLE_LOGIN_DENIED ? DLG_EINVALID : DLG_ENETWORK,
				curl_easy_strerror(rc));
		goto fail;
	}
	/* The connection's own deadline is ours from here on, command by command. */
	curl_easy_setopt(im->curl, CURLOPT_TIMEOUT_MS, 0L);
	if ((rc = curl_easy_getinfo(im->curl, CURLINFO_ACTIVESOCKET, &im->sock)) != CURLE_OK ||
	    im->sock == CURL_SOCKET_BAD) {
		err = imap_fail(im, DLG_ENETWORK, "no connection");
		goto fail;
	}
	strbuf_release(&base);
	*out = im;
	return 0;
fail:
	strbuf_release(&base);
	imap_close(im);
	return err;
}

void imap_close(struct imap *im)
{
	if (!im)
		return;
	if (im->curl) {
		if (im->sock != CURL_SOCKET_BAD && im->sock) {
			size_t n;
			/* a courtesy: the answer does not matter */
			curl_easy_send(im->curl, "DZ LOGOUT\r\n", 11, &n);
		}
		curl_easy_cleanup(im->curl);
	}
	free(im->mailbox);
	strbuf_release(&im->in);
	strbuf_release(&im->where);
	free(im);
}

static void quote(struct strbuf *out, const char *s)
{
	strbuf_addch(out, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addch(out, '\\');
		if (*s != '\r' && *s != '\n')
			strbuf_addch(out, *s);
	}
	strbuf_addch(out, '"');
}

static void on_examine(void *data, const char *line, struct strbuf *literal)
{
	const char *p = strstr(line, "[UIDVALIDITY ");
	if (p)
		*(unsigned long long *)data = strtoull(p + 13, NULL, 10);
}

int imap_examine(struct imap *im, unsigned long long *uidvalidity)
{
	struct strbuf cmd = STRBUF_INIT;
	int err;
	*uidvalidity = 0;
	strbuf_addstr(&cmd, "EXAMINE ");
	quote(&cmd, im->mailbox);
	err = command(im, cmd.buf, on_examine, uidvalidity);
	strbuf_release(&cmd);
	if (!err && !*uidvalidity)
		err = imap_fail(im, DLG_ERROR, "the server gave no UIDVALIDITY");
	return err;
}

struct uid_list {
	unsigned long long *v;
	size_t nr, alloc;
	unsigned long long after;
};

static void on_search(void *data, const char *line, struct strbuf *literal)
{
	struct uid_list *l = data;
	const char *p;
	char *end;
	if (strncasecmp(line, "* SEARCH", 8))
		return;
	for (p = line + 8; *p;) {
		unsigned long long uid = strtoull(p, &end, 10);
		if (end == p)
			break;
		/* "n:*" always names the highest UID, even one below n */
		if (uid > l->after) {
			ALLOC_GROW(l->v, l->nr + 1, l->alloc);
			l->v[l->nr++] = uid;
		}
		p = end;
	}
}

static int uid_cmp(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
	return x < y ? -1 : x > y;
}

int imap_uids_after(unsigned long long **out, size_t *n, int *more, struct imap *im,
		    unsigned long long after, size_t max)
{
	struct uid_list l = { NULL, 0, 0, after };
	struct strbuf cmd = STRBUF_INIT;
	int err;
	strbuf_addf(&cmd, "UID SEARCH UID %llu:*", after + 1);
	err = command(im, cmd.buf, on_search, &l);
	strbuf_release(&cmd);
	if (err < 0) {
		free(l.v);
		return err;
	}
	if (l.nr > 1)
		qsort(l.v, l.nr, sizeof(*l.v), uid_cmp);
	*more = l.nr > max;
	*n = l.nr > max ? max : l.nr;
	*out = l.v;
	return 0;
}

struct fetch_state {
	struct strbuf *out;
	int found;
};

static void on_fetch(void *data, const char *line, struct strbuf *literal)
{
	struct fetch_state *st = data;
	if (!strstr(line, " FETCH ") || !strstr(line, "BODY[]") || st->found)
		return;
	strbuf_addbuf(st->out, literal);
	st->found = 1;
}

int imap_fetch(struct strbuf *out, struct imap *im, unsigned long long uid)
{
	struct strbuf cmd = STRBUF_INIT;
	struct fetch_state st = { out, 0 };
	int err;
	strbuf_addf(&cmd, "UID FETCH %llu BODY.PEEK[]", uid);
	err = command(im, cmd.buf, on_fetch, &st);
	strbuf_release(&cmd);
	if (!err && !st.found)
		err = DLG_ENOTFOUND; /* expunged meanwhile */
	return err;
}
