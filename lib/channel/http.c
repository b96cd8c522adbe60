#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"
#include "base/redact.h"
#include "base/strbuf.h"
#include "channel/curllib.h"
#include "channel/http.h"

#define HTTP_TIMEOUT_MS 30000L
#define HTTP_CONNECT_TIMEOUT_MS 10000L
#define HTTP_BODY_MAX ((size_t)64 << 20)
#define HTTP_USER_AGENT "dlg/0.1"

/* What the callbacks fill in during a transfer. */
struct transfer {
	struct http_response *out;
	int too_large;
};

static void url_escape_len(struct strbuf *out, const char *s, size_t len)
{
	static const char digits[] = "0123456789ABCDEF";

	strbuf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			strbuf_addch(out, c);
		} else {
			strbuf_addch(out, '%');
			strbuf_addch(out, digits[c >> 4]);
			strbuf_addch(out, digits[c & 0xf]);
		}
	}
}

void url_escape(struct strbuf *out, const char *s)
{
	url_escape_len(out, s, strlen(s));
}

static const char *field_value(const struct http_field *f, size_t *len)
{
	if (!f->value) {
		*len = 0;
		return "";
	}
	*len = f->len ? f->len : strlen(f->value);
	return f->value;
}

/* Room for the URL and its fields percent-encoded: the buffers that carry
   a token are grown once, so no copy of it is left in freed memory. */
static size_t encoded_size(const struct http_request *req)
{
	size_t n = strlen(req->url) + 2;
	for (size_t i = 0; i < req->nfields; i++) {
		size_t len;
		field_value(&req->fields[i], &len);
		n += 3 * (strlen(req->fields[i].name ? req->fields[i].name : "") + len) + 2;
	}
	return n;
}

/* name=value&name=value, for a query string or an urlencoded body. */
static void fields_encode(struct strbuf *out, const struct http_field *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *value = field_value(&fields[i], &len);
		if (i)
			strbuf_addch(out, '&');
		url_escape(out, fields[i].name ? fields[i].name : "");
		strbuf_addch(out, '=');
		url_escape_len(out, value, len);
	}
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
	struct transfer *t = opaque;
	size_t n = size * nmemb;

	if (n > HTTP_BODY_MAX - t->out->body.len) {
		t->too_large = 1;
		return 0; /* anything but n aborts the transfer */
	}
	strbuf_add(&t->out->body, data, n);
	return n;
}

/* Retry-After: 120 (an HTTP date instead is ignored: retry_after stays -1). */
static void parse_retry_after(long *out, const char *s, size_t len)
{
	size_t i = 0;
	long v = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] < '0' || s[i] > '9')
		return;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		v = v > (INT32_MAX - 9) / 10 ? INT32_MAX : v * 10 + (s[i] - '0');
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i == len)
		*out = v;
}

static size_t on_header(char *data, size_t size, size_t nitems, void *opaque)
{
	static const char name[] = "retry-after:";
	struct transfer *t = opaque;
	size_t n = size * nitems;

	/* Each response starts over: a 100 Continue, a proxy's CONNECT reply. */
	if (n >= 5 && !memcmp(data, "HTTP/", 5))
		t->out->retry_after = -1;
	else if (n >= sizeof(name) - 1 && !strncasecmp(data, name, sizeof(name) - 1))
		parse_retry_after(&t->out->retry_after, data + sizeof(name) - 1,
				  n - (sizeof(name) - 1));
	return n;
}

/* The failures that may go away by themselves: the caller retries later. */
static int is_network_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_AGAIN:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

static int check_request(const struct http_request *req, int *post)
{
	if (!req->url || !*req->url)
		return dlg_error(DLG_EINVALID, "http: no URL");
	if (!req->method || !strcmp(req->method, "GET"))
		*post = 0;
	else if (!strcmp(req->method, "POST"))
		*post = 1;
	else
		return dlg_error(DLG_EINVALID, "http: unsupported method %s", req->method);
	if (req->body && (!*post || req->nfields))
		return dlg_error(DLG_EINVALID, "http: a body goes alone, in a POST");
	if (req->content_type && strpbrk(req->content_type, "\r\n"))
		return dlg_error(DLG_EINVALID, "http: bad content type");
	for (size_t i = 0; i < req->nfields; i++)
		if (!req->fields[i].name ||
		    (req->fields[i].filename && strpbrk(req->fields[i].filename, "\r\n")) ||
		    (req->fields[i].type && strpbrk(req->fields[i].type, "\r\n")))
			return dlg_error(DLG_EINVALID, "http: bad field %zu", i);
	return 0;
}

static CURLcode add_multipart(curl_mime **out, CURL *h, const struct http_request *req)
{
	curl_mime *mime = curl_mime_init(h);
	CURLcode cc = mime ? CURLE_OK : CURLE_OUT_OF_MEMORY;

	*out = mime;
	for (size_t i = 0; cc == CURLE_OK && i < req->nfields; i++) {
		const struct http_field *f = &req->fields[i];
		curl_mimepart *part = curl_mime_addpart(mime);
		size_t len;
		const char *value = field_value(f, &len);

		if (!part)
			return CURLE_OUT_OF_MEMORY;
		cc = curl_mime_name(part, f->name);
		if (cc == CURLE_OK)
			cc = curl_mime_data(part, value, len);
		if (cc == CURLE_OK && f->filename)
			cc = curl_mime_filename(part, f->filename);
		if (cc == CURLE_OK && f->filename)
			cc = curl_mime_type(part, f->type ? f->type : "application/octet-stream");
	}
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
	return cc;
}

int http_request(struct http_response *out, const struct http_request *req)
{
	struct strbuf url = STRBUF_INIT, form = STRBUF_INIT, header = STRBUF_INIT;
	struct transfer t = { out, 0 };
	struct curl_slist *headers = NULL, *more;
	curl_mime *mime = NULL;
	CURL *h = NULL;
	CURLcode cc = CURLE_OK;
	long timeout = req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT_MS;
	int post = 0, ret;

	strbuf_reset(&out->body);
	out->status = 0;
	out->retry_after = -1;
	if ((ret = check_request(req, &post)) < 0 || (ret = curllib_load()) < 0)
		return ret;
	if (!(h = curl_easy_init()))
		return dlg_error(DLG_ERROR, "http: cannot start libcurl");

	strbuf_grow(&url, encoded_size(req));
	strbuf_addstr(&url, req->url);
	if (!post && req->nfields) {
		char last = url.buf[url.len - 1];
		if (last != '?' && last != '&')
			strbuf_addch(&url, strchr(url.buf, '?') ? '&' : '?');
		fields_encode(&url, req->fields, req->nfields);
	}

#define SETOPT(opt, val) \
	do { if (cc == CURLE_OK) cc = curl_easy_setopt(h, (opt), (val)); } while (0)
	SETOPT(CURLOPT_URL, url.buf);
#if LIBCURL_VERSION_NUM >= 0x075500
	/* Not file:// or the others; an older libcurl goes without. */
	if (cc == CURLE_OK)
		(void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_TIMEOUT_MS, timeout);
	SETOPT(CURLOPT_CONNECTTIMEOUT_MS,
	       timeout < HTTP_CONNECT_TIMEOUT_MS ? timeout : HTTP_CONNECT_TIMEOUT_MS);
	SETOPT(CURLOPT_USERAGENT, HTTP_USER_AGENT);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, &t);
	SETOPT(CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(CURLOPT_HEADERDATA, &t);
	if (post) {
		/* No "Expect: 100-continue" and its wait of a second for bigger bodies. */
		headers = curl_slist_append(NULL, "Expect:");
		if (req->body) {
			strbuf_addf(&header, "Content-Type: %s",
				    req->content_type ? req->content_type : "application/octet-stream");
			more = headers ? curl_slist_append(headers, header.buf) : NULL;
			if (!more)
				cc = CURLE_OUT_OF_MEMORY;
			else
				headers = more;
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE,
			       (curl_off_t)(req->body_len ? req->body_len : strlen(req->body)));
			SETOPT(CURLOPT_POSTFIELDS, req->body);
		} else if (req->multipart) {
			if (cc == CURLE_OK)
				cc = add_multipart(&mime, h, req);
		} else {
			strbuf_grow(&form, encoded_size(req));
			fields_encode(&form, req->fields, req->nfields);
			SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)form.len);
			SETOPT(CURLOPT_POSTFIELDS, form.buf);
		}
		if (!headers)
			cc = CURLE_OUT_OF_MEMORY;
		SETOPT(CURLOPT_HTTPHEADER, headers);
	}
#undef SETOPT

	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	if (cc == CURLE_OK) {
		cc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
		ret = cc == CURLE_OK ? 0 : DLG_ERROR;
	}
	if (cc != CURLE_OK) {
		struct strbuf where = STRBUF_INIT;
		url_redact_brief(&where, req->url, strlen(req->url));
		if (t.too_large || cc == CURLE_FILESIZE_EXCEEDED)
			ret = dlg_error(DLG_ERROR, "%s: response too large (over %zu MB)", where.buf,
					HTTP_BODY_MAX >> 20);
		else
			ret = dlg_error(is_network_error(cc) ? DLG_ENETWORK : DLG_ERROR, "%s: %s",
					where.buf, curl_easy_strerror(cc));
		strbuf_release(&where);
		strbuf_release(&out->body);
		out->status = 0;
		out->retry_after = -1;
	}

	curl_easy_cleanup(h);
	curl_mime_free(mime);
	curl_slist_free_all(headers);
	strbuf_release(&header);
	strbuf_release_secret(&form);
	strbuf_release_secret(&url);
	return ret;
}

void http_response_release(struct http_response *r)
{
	strbuf_release(&r->body);
	r->status = 0;
	r->retry_after = -1;
}
