/*
 * Unit tests for lib/channel/http.c against a tiny HTTP server run in a thread on
 * 127.0.0.1: what goes out (the query, the urlencoded, multipart and raw
 * bodies), what comes back (the status, Retry-After), and that the network
 * failing is DLG_ENETWORK with no secret of the URL in the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "base/error.h"
#include "channel/http.h"
#include "base/strbuf.h"

#define WAIT_MS 5000 /* the server gives up on a silent client after this */

/* One connection: reads a request, answers with `response` (NULL: never
   answers, waits for the client to hang up) and `flood` more bytes. */
struct server {
	int fd;
	int port;
	pthread_t thread;
	const char *response;
	size_t flood;
	struct strbuf request;  /* what the client sent, head and body */
	size_t head_len;        /* of request, through the blank line */
};

static int wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, WAIT_MS) == 1;
}

static const char *find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; n <= len && i <= len - n; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

static size_t content_length(const char *head, size_t len)
{
	static const char name[] = "\r\ncontent-length:";
	for (size_t i = 0; i + sizeof(name) - 1 <= len; i++)
		if (!strncasecmp(head + i, name, sizeof(name) - 1))
			return (size_t)strtoul(head + i + sizeof(name) - 1, NULL, 10);
	return 0;
}

static int send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1; /* the client hung up (on a flood, it should) */
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void *serve(void *opaque)
{
	struct server *s = opaque;
	char buf[4096];
	const char *end;
	int c;

	if (!wait_readable(s->fd) || (c = accept(s->fd, NULL, NULL)) < 0)
		return NULL;
	/* the head, then Content-Length bytes of body */
	while (!(end = find(s->request.buf, s->request.len, "\r\n\r\n"))) {
		ssize_t n = wait_readable(c) ? read(c, buf, sizeof(buf)) : -1;
		if (n <= 0)
			goto out;
		strbuf_add(&s->request, buf, (size_t)n);
	}
	s->head_len = (size_t)(end - s->request.buf) + 4;
	while (s->request.len < s->head_len + content_length(s->request.buf, s->head_len)) {
		ssize_t n = wait_readable(c) ? read(c, buf, sizeof(buf)) : -1;
		if (n <= 0)
			goto out;
		strbuf_add(&s->request, buf, (size_t)n);
	}
	if (!s->response) {
		/* says nothing until the client gives up and closes */
		while (wait_readable(c) && read(c, buf, sizeof(buf)) > 0)
			;
		goto out;
	}
	if (send_all(c, s->response, strlen(s->response)) < 0)
		goto out;
	memset(buf, 'x', sizeof(buf));
	for (size_t sent = 0; sent < s->flood; sent += sizeof(buf))
		if (send_all(c, buf, sizeof(buf)) < 0)
			break;
out:
	close(c);
	return NULL;
}

static int listen_socket(int *port, int do_listen)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void server_start(struct server *s, const char *response, size_t flood)
{
	memset(s, 0, sizeof(*s));
	strbuf_init(&s->request, 0);
	s->response = response;
	s->flood = flood;
	s->fd = listen_socket(&s->port, 1);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* Joins the thread: after it, the request is all there (or never came). */
static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static void server_release(struct server *s)
{
	strbuf_release(&s->request);
}

static const char *url_for(struct strbuf *url, int port, const char *path)
{
	strbuf_reset(url);
	strbuf_addf(url, "http://127.0.0.1:%d%s", port, path);
	return url->buf;
}

static void assert_has(const struct strbuf *sb, size_t from, const char *needle)
{
	if (!find(sb->buf + from, sb->len - from, needle))
		fail_msg("\"%s\" not in:\n%s", needle, sb->buf);
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static const char ok_json[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
	"Connection: close\r\n\r\n{\"ok\":true}";

static void test_url_escape(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	url_escape(&sb, "AZaz09-._~");
	assert_string_equal(sb.buf, "AZaz09-._~");
	strbuf_reset(&sb);
	url_escape(&sb, "a b&c=d+e/f?g#h%\x01\xff");
	assert_string_equal(sb.buf, "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25%01%FF");
	strbuf_reset(&sb);
	url_escape(&sb, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"); /* Привет */
	assert_string_equal(sb.buf, "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82");
	url_escape(&sb, ""); /* appends */
	assert_string_equal(sb.buf, "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82");
	strbuf_release(&sb);
}

static void test_get_query(void **state)
{
	const struct http_field fields[] = {
		{ .name = "text", .value = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 &=+ x" },
		{ .name = "offset", .value = "42" },
		{ .name = "a b", .value = "1\0" "2", .len = 3 },
	};
	struct http_request req = { .fields = fields, .nfields = 3 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	struct server s;
	(void)state;

	server_start(&s, ok_json, 0);
	req.url = url_for(&url, s.port, "/bot1:ab/getUpdates");
	assert_int_equal(http_request(&res, &req), 0);
	server_stop(&s);
	assert_has(&s.request, 0,
		   "GET /bot1:ab/getUpdates?text=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20%26%3D%2B%20x"
		   "&offset=42&a%20b=1%002 HTTP/1.1\r\n");
	assert_has(&s.request, 0, "\r\nUser-Agent: dlg/0.1\r\n");
	assert_int_equal(res.status, 200);
	assert_int_equal(res.retry_after, -1);
	assert_string_equal(res.body.buf, "{\"ok\":true}");
	assert_int_equal(res.body.len, 11);
	server_release(&s);

	/* a URL with a query already gets &, and the response can be reused */
	server_start(&s, ok_json, 0);
	req.url = url_for(&url, s.port, "/m?x=1");
	req.method = "GET";
	req.nfields = 2;
	assert_int_equal(http_request(&res, &req), 0);
	server_stop(&s);
	assert_has(&s.request, 0, "GET /m?x=1&text=%D0%9F");
	assert_has(&s.request, 0, "&offset=42 HTTP/1.1\r\n");
	assert_string_equal(res.body.buf, "{\"ok\":true}");
	server_release(&s);

	http_response_release(&res);
	strbuf_release(&url);
}

static void test_post_urlencoded(void **state)
{
	const struct http_field fields[] = {
		{ .name = "chat_id", .value = "42" },
		{ .name = "text", .value = "hello world & more=yes" },
	};
	struct http_request req = { .method = "POST", .fields = fields, .nfields = 2 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	struct server s;
	(void)state;

	server_start(&s, ok_json, 0);
	req.url = url_for(&url, s.port, "/botT/sendMessage");
	assert_int_equal(http_request(&res, &req), 0);
	server_stop(&s);
	assert_has(&s.request, 0, "POST /botT/sendMessage HTTP/1.1\r\n");
	assert_has(&s.request, 0, "\r\nContent-Type: application/x-www-form-urlencoded\r\n");
	assert_null(find(s.request.buf, s.head_len, "Expect:"));
	assert_string_equal(s.request.buf + s.head_len,
			    "chat_id=42&text=hello%20world%20%26%20more%3Dyes");
	assert_int_equal(res.status, 200);
	server_release(&s);
	http_response_release(&res);
	strbuf_release(&url);
}

static void test_post_multipart(void **state)
{
	static const char pdf[] = "%PDF-1.4\n\0\x01\x02 binary";
	struct strbuf big = STRBUF_INIT, url = STRBUF_INIT;
	struct http_field fields[] = {
		{ .name = "chat_id", .value = "42" },
		{ .name = "document", .value = pdf, .len = sizeof(pdf) - 1,
		  .filename = "report.pdf", .type = "application/pdf" },
		{ .name = "thumb", .value = NULL, .filename = "t.bin" },
		{ .name = "caption", .value = NULL },
	};
	struct http_request req = { .method = "POST", .fields = fields, .nfields = 4,
				    .multipart = 1 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct server s;
	(void)state;

	/* big enough that curl would otherwise send Expect: 100-continue */
	for (int i = 0; i < 20000; i++)
		strbuf_addstr(&big, "0123456789");
	fields[3].value = big.buf;

	server_start(&s, ok_json, 0);
	req.url = url_for(&url, s.port, "/botT/sendDocument");
	assert_int_equal(http_request(&res, &req), 0);
	server_stop(&s);
	assert_has(&s.request, 0, "POST /botT/sendDocument HTTP/1.1\r\n");
	assert_has(&s.request, 0, "\r\nContent-Type: multipart/form-data; boundary=");
	assert_null(find(s.request.buf, s.head_len, "Expect:"));
	assert_has(&s.request, s.head_len, "Content-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n");
	assert_has(&s.request, s.head_len,
		   "Content-Disposition: form-data; name=\"document\"; filename=\"report.pdf\"\r\n"
		   "Content-Type: application/pdf\r\n\r\n");
	if (!find(s.request.buf + s.head_len, s.request.len - s.head_len, "%PDF-1.4\n") ||
	    !memchr(s.request.buf + s.head_len, '\0', s.request.len - s.head_len))
		fail_msg("the file's bytes are not all there");
	{
		static const char whole[] = "\r\n\r\n%PDF-1.4\n\0\x01\x02 binary\r\n";
		const char *p = find(s.request.buf + s.head_len, s.request.len - s.head_len,
				     "\r\n\r\n%PDF-1.4\n");
		assert_non_null(p);
		assert_memory_equal(p, whole, sizeof(whole) - 1);
	}
	assert_has(&s.request, s.head_len,
		   "name=\"thumb\"; filename=\"t.bin\"\r\nContent-Type: application/octet-stream\r\n");
	assert_has(&s.request, s.head_len, "name=\"caption\"\r\n\r\n0123456789");
	assert_int_equal(s.request.len - s.head_len,
			 content_length(s.request.buf, s.head_len));
	assert_true(s.request.len - s.head_len > 200000);
	assert_int_equal(res.status, 200);
	server_release(&s);
	http_response_release(&res);
	strbuf_release(&big);
	strbuf_release(&url);
}

static void test_post_json(void **state)
{
	static const char json[] = "{\"chat_id\":42,\"text\":\"\xd0\x9f & \\\"hi\\\"\"}";
	struct http_request req = { .method = "POST", .body = json, .body_len = sizeof(json) - 1,
				    .content_type = "application/json" };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	struct server s;
	(void)state;

	server_start(&s, ok_json, 0);
	req.url = url_for(&url, s.port, "/api/v1/messages");
	assert_int_equal(http_request(&res, &req), 0);
	server_stop(&s);
	assert_has(&s.request, 0, "POST /api/v1/messages HTTP/1.1\r\n");
	assert_has(&s.request, 0, "\r\nContent-Type: application/json\r\n");
	assert_null(find(s.request.buf, s.head_len, "x-www-form-urlencoded"));
	assert_string_equal(s.request.buf + s.head_len, json);
	assert_int_equal(res.status, 200);
	server_release(&s);

	/* a body and fields at once, or a GET with a body, is the caller's bug */
	req.nfields = 1;
	req.fields = &(struct http_field){ .name = "a", .value = "b" };
	assert_int_equal(http_request(&res, &req), DLG_EINVALID);
	req.nfields = 0;
	req.method = "GET";
	assert_int_equal(http_request(&res, &req), DLG_EINVALID);
	req.method = "DELETE";
	assert_int_equal(http_request(&res, &req), DLG_EINVALID);

	http_response_release(&res);
	strbuf_release(&url);
}

static void test_retry_after(void **state)
{
	static const struct {
		const char *response;
		long status, retry_after;
	} cases[] = {
		{ "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\n"
		  "Connection: close\r\n\r\n{}", 429, 7 },
		{ "HTTP/1.1 503 Service Unavailable\r\nretry-after:120 \r\nContent-Length: 0\r\n"
		  "Connection: close\r\n\r\n", 503, 120 },
		{ "HTTP/1.1 503 Service Unavailable\r\nRetry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
		  "Content-Length: 0\r\nConnection: close\r\n\r\n", 503, -1 },
		{ "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
		  404, -1 },
		/* a redirect is not followed */
		{ "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/\r\nContent-Length: 0\r\n"
		  "Connection: close\r\n\r\n", 302, -1 },
	};
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct http_request req = { 0 };
		struct server s;
		server_start(&s, cases[i].response, 0);
		req.url = url_for(&url, s.port, "/x");
		assert_int_equal(http_request(&res, &req), 0);
		server_stop(&s);
		server_release(&s);
		assert_int_equal(res.status, cases[i].status);
		assert_int_equal(res.retry_after, cases[i].retry_after);
	}
	assert_string_equal(res.body.buf, "");
	http_response_release(&res);
	strbuf_release(&url);
}

static void test_silent_server_times_out(void **state)
{
	struct http_request req = { .timeout_ms = 300 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	struct timespec t0;
	struct server s;
	long ms;
	int rc;
	(void)state;

	server_start(&s, NULL, 0);
	req.url = url_for(&url, s.port, "/botSECRET123/getUpdates?offset=SECRET456");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = http_request(&res, &req);
	ms = elapsed_ms(&t0);
	server_stop(&s);
	assert_int_equal(rc, DLG_ENETWORK);
	assert_true(ms >= 250);
	assert_true(ms < 3000);
	assert_has(&s.request, 0, "GET /botSECRET123/getUpdates?offset=SECRET456 HTTP/1.1\r\n");
	assert_null(strstr(dlg_error_last(), "SECRET"));
	assert_non_null(strstr(dlg_error_last(), "getUpdates"));
	assert_int_equal(res.status, 0);
	server_release(&s);
	http_response_release(&res);
	strbuf_release(&url);
}

static void test_refused(void **state)
{
	struct http_request req = { .timeout_ms = 2000 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT, expect = STRBUF_INIT;
	int port, fd;
	(void)state;

	/* bound and not listening: nobody else takes the port, connecting is refused */
	fd = listen_socket(&port, 0);
	req.url = url_for(&url, port, "/botSECRET123/getMe");
	assert_int_equal(http_request(&res, &req), DLG_ENETWORK);
	close(fd);
	assert_null(strstr(dlg_error_last(), "SECRET123"));
	strbuf_addf(&expect, "http://127.0.0.1:%d/\xe2\x80\xa6/getMe: ", port);
	if (strncmp(dlg_error_last(), expect.buf, expect.len))
		fail_msg("error: %s", dlg_error_last());

	/* user:password@ and the query are not shown either */
	strbuf_reset(&url);
	strbuf_addf(&url, "http://user:SECRET123@127.0.0.1:%d/getMe?key=SECRET123", port);
	req.url = url.buf;
	assert_int_equal(http_request(&res, &req), DLG_ENETWORK);
	assert_null(strstr(dlg_error_last(), "SECRET123"));
	strbuf_reset(&expect);
	strbuf_addf(&expect, "http://127.0.0.1:%d/getMe: ", port);
	if (strncmp(dlg_error_last(), expect.buf, expect.len))
		fail_msg("error: %s", dlg_error_last());

	http_response_release(&res);
	strbuf_release(&expect);
	strbuf_release(&url);
}

static void test_response_too_large(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
	struct http_request req = { .timeout_ms = 20000 };
	struct http_response res = HTTP_RESPONSE_INIT;
	struct strbuf url = STRBUF_INIT;
	struct server s;
	int rc;
	(void)state;

	/* no Content-Length: only counting the bytes can stop it */
	server_start(&s, head, ((size_t)64 << 20) + 8192);
	req.url = url_for(&url, s.port, "/big");
	rc = http_request(&res, &req);
	server_stop(&s);
	assert_int_equal(rc, DLG_ERROR);
	assert_non_null(strstr(dlg_error_last(), "response too large"));
	assert_int_equal(res.body.len, 0);
	server_release(&s);

	/* with one, it stops at the head */
	server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\nConnection: close\r\n\r\n", 0);
	req.url = url_for(&url, s.port, "/big");
	rc = http_request(&res, &req);
	server_stop(&s);
	assert_int_equal(rc, DLG_ERROR);
	assert_non_null(strstr(dlg_error_last(), "response too large"));
	server_release(&s);

	http_response_release(&res);
	strbuf_release(&url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_escape),
		cmocka_unit_test(test_get_query),
		cmocka_unit_test(test_post_urlencoded),
		cmocka_unit_test(test_post_multipart),
		cmocka_unit_test(test_post_json),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_silent_server_times_out),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_response_too_large),
	};
	int failed = cmocka_run_group_tests_name("http", tests, NULL, NULL);
	dlg_error_clear();
	return failed ? 1 : 0;
}
