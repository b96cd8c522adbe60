/*
 * dlg chat serve: the website chat's gateway, an HTTP server (libmicrohttpd)
 * between visitors' browsers and the channel's spool.  It reads the
 * channel's settings and signing key once at start and never touches the
 * store again: visitor messages go into the spool's new/ (dlg fetch takes
 * them), answers come from out/ (dlg send writes them).  The library does
 * the tokens and the spool (channel/gateway.h); this file owns the
 * process, its threads and the HTTP: routes, limits, CORS, Server-Sent
 * Events woken by inotify, and a stop that loses no accepted message.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "channel/channel.h"
#include "channel/gateway.h"
#include "cmd.h"
#include "mhdlib.h"
#include "store/config.h"

static const char *const chat_usage[] = {
	"dlg chat serve --channel NAME [--listen ADDR:PORT]",
	"",
	"Serves the website chat of a chat channel over HTTP (dlg-chat(1)):",
	"visitors' messages go into its spool for dlg fetch, and the answers",
	"dlg send writes there go back to them, live.",
	NULL,
};

#define BODY_MAX (64 * 1024)
/* Names and emails kept for visitors' messages: memory a stream of new
   visitors cannot grow without end (a page also sends them with messages). */
#define VISITORS_MAX 50000
#define KEEPALIVE_SECONDS 15
/* How long a stop waits for the requests in flight. */
#define STOP_SECONDS 10

struct gateway_server {
	struct spool sp;
	unsigned char key[GATEWAY_KEY_SIZE];
	struct strlist origins;
	/* the name and email each visitor gave, by id: what their messages carry */
	json_t *visitors;
	/* the library's error slot is one per process: one caller at a time */
	pthread_mutex_t lib_lock;
	/* guards what follows; `changed` is broadcast when out/ changed,
	   a request ended, or the gateway is stopping */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned long generation;
	long in_flight;
	int stopping;
};

struct request {
	struct strbuf body;
	int too_large;
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line on stderr per refusal: what and from where, never the token. */
static void log_request(struct MHD_Connection *c, const char *method, const char *url,
			int status, const char *why)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[NI_MAXHOST] = "?";
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
			    host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	pthread_mutex_lock(&log_lock);
	error_msg("%d %s %s from %s: %s", status, method, url, host, why);
	pthread_mutex_unlock(&log_lock);
}

static const char *allowed_origin(struct gateway_server *gw, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	return origin && strlist_has(&gw->origins, origin) ? origin : NULL;
}

static void add_common_headers(struct gateway_server *gw, struct MHD_Connection *c, struct MHD_Response *r)
{
	const char *origin = allowed_origin(gw, c);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Vary", "Origin");
	if (origin)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
}

static enum MHD_Result respond(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
			       const char *json)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(json), (void *)json,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	add_common_headers(gw, c, r);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, POST, OPTIONS");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_json(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
				    json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum MHD_Result ret = respond(gw, c, status, text ? text : "{}");
	free(text);
	json_decref(j);
	return ret;
}

static enum MHD_Result refuse(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
			      const char *url, unsigned status, const char *why)
{
	json_t *j = json_object();
	if (status == MHD_HTTP_FORBIDDEN || status >= 500)
		log_request(c, method, url, (int)status, why);
	json_object_set_new(j, "error", json_string(why));
	return respond_json(gw, c, status, j);
}

/* The visitor the request's bearer token names, else why not. */
static int authorize(struct strbuf *visitor, struct strbuf *why, struct gateway_server *gw,
		     struct MHD_Connection *c)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	int err;
	if (!auth || strncmp(auth, "Bearer ", 7)) {
		strbuf_addstr(why, "no token");
		return -1;
	}
	pthread_mutex_lock(&gw->lib_lock);
	err = gateway_token_verify(visitor, gw->key, auth + 7, dlg_now());
	if (err)
		strbuf_addstr(why, dlg_error_last());
	pthread_mutex_unlock(&gw->lib_lock);
	return err;
}

/* The body as a JSON object whose listed keys are strings when present; NULL after a 400. */
static json_t *body_object(const struct request *rq, const char *const *string_keys, const char **why)
{
	json_t *j = rq->body.len ? json_loadb(rq->body.buf, rq->body.len, JSON_REJECT_DUPLICATES, NULL) : json_object();
	if (!json_is_object(j)) {
		*why = "the body is not a JSON object";
		json_decref(j);
		return NULL;
	}
	for (; *string_keys; string_keys++) {
		json_t *v = json_object_get(j, *string_keys);
		if (v && !json_is_string(v)) {
			*why = "a field is not a string";
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

static const char *opt_string(json_t *j, const char *key)
{
	return json_string_value(json_object_get(j, key));
}

static enum MHD_Result post_visitor(struct gateway_server *gw, struct MHD_Connection *c,
				    const struct request *rq, const char *url)
{
	static const char *const keys[] = { "name", "email", "page", NULL };
	char id[GATEWAY_VISITOR_ID_LEN + 1];
	struct strbuf token = STRBUF_INIT;
	const char *why = NULL;
	json_t *j = body_object(rq, keys, &why), *card, *out;

	if (!j)
		return refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, why);
	gateway_visitor_id(id);
	gateway_token_make(&token, gw->key, id, dlg_now() + GATEWAY_TOKEN_TTL);
	card = json_object();
	if (opt_string(j, "name"))
		json_object_set(card, "name", json_object_get(j, "name"));
	if (opt_string(j, "email"))
		json_object_set(card, "email", json_object_get(j, "email"));
	pthread_mutex_lock(&gw->lock);
	if (json_object_size(gw->visitors) >= VISITORS_MAX)
		json_object_clear(gw->visitors);
	json_object_set_new(gw->visitors, id, card);
	pthread_mutex_unlock(&gw->lock);
	json_decref(j);
	out = json_pack("{s:s, s:s%}", "visitor", id, "token", token.buf, token.len);
	strbuf_release(&token);
	return respond_json(gw, c, MHD_HTTP_CREATED, out);
}

static enum MHD_Result post_message(struct gateway_server *gw, struct MHD_Connection *c,
				    const struct request *rq, const char *url, const char *visitor)
{
	static const char *const keys[] = { "text", "page", "name", "email", NULL };
	struct gateway_message m = { visitor, NULL, NULL, NULL, NULL, dlg_now() };
	struct strbuf id = STRBUF_INIT;
	const char *why = NULL;
	json_t *j = body_object(rq, keys, &why), *card;
	enum MHD_Result ret;
	int err;

	if (!j)
		return refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, why);
	if (!(m.text = opt_string(j, "text")) || !*m.text) {
		json_decref(j);
		return refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, "no text");
	}
	if (gateway_text_chars(m.text) > GATEWAY_TEXT_MAX) {
		json_decref(j);
		return refuse(gw, c, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE, "the text is too long");
	}
	m.page = opt_string(j, "page");
	m.name = opt_string(j, "name");
	m.email = opt_string(j, "email");
	pthread_mutex_lock(&gw->lock);
	card = json_deep_copy(json_object_get(gw->visitors, visitor));
	pthread_mutex_unlock(&gw->lock);
	if (!m.name)
		m.name = opt_string(card, "name");
	if (!m.email)
		m.email = opt_string(card, "email");
	pthread_mutex_lock(&gw->lib_lock);
	err = gateway_message_write(&id, &gw->sp, &m);
	if (err)
		log_request(c, "POST", url, 500, dlg_error_last());
	pthread_mutex_unlock(&gw->lib_lock);
	/* 201 only now: the message is in new/, fsynced */
	if (err)
		ret = respond(gw, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\":\"the message was not kept\"}");
	else
		ret = respond_json(gw, c, MHD_HTTP_CREATED, json_pack("{s:s}", "id", id.buf));
	json_decref(card);
	json_decref(j);
	strbuf_release(&id);
	return ret;
}

static int visitor_replies(json_t **out, struct gateway_server *gw, const char *visitor, const char *after)
{
	int err;
	pthread_mutex_lock(&gw->lib_lock);
	err = gateway_replies(out, &gw->sp, visitor, after);
	pthread_mutex_unlock(&gw->lib_lock);
	return err;
}

/* One /v1/events stream: answers the visitor has not been sent yet, as they come. */
struct event_stream {
	struct gateway_server *gw;
	char *visitor;
	struct strlist sent;      /* ids of the answers this stream has seen */
	unsigned long generation; /* of out/ when it was last read */
	struct strbuf pending;    /* what the next calls hand to MHD */
	size_t pending_off;
};

static void event_stream_free(void *cls)
{
	struct event_stream *es = cls;
	free(es->visitor);
	strlist_clear(&es->sent);
	strbuf_release(&es->pending);
	free(es);
}

/* Adds the answers after `after` (all: NULL) not sent yet to pending;
   with announce unset they are only marked seen. */
static void event_stream_read(struct event_stream *es, const char *after, int announce)
{
	json_t *replies = NULL, *r;
	size_t i;
	if (visitor_replies(&replies, es->gw, es->visitor, after) < 0)
		return;
	json_array_foreach(replies, i, r) {
		const char *id = opt_string(r, "id");
		char *text;
		if (strlist_has(&es->sent, id))
			continue;
		strlist_push(&es->sent, id);
		if (!announce || !(text = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER)))
			continue;
		/* JSON escapes line breaks, so the data is one line */
		strbuf_addf(&es->pending, "id: %s\nevent: reply\ndata: %s\n\n", id, text);
		free(text);
	}
	json_decref(replies);
}

static ssize_t event_stream_next(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct event_stream *es = cls;
	struct gateway_server *gw = es->gw;
	size_t n;

	while (es->pending_off == es->pending.len) {
		struct timespec until;
		unsigned long gen;
		int timed_out = 0;
		strbuf_reset(&es->pending);
		es->pending_off = 0;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += KEEPALIVE_SECONDS;
		pthread_mutex_lock(&gw->lock);
		while (!gw->stopping && gw->generation == es->generation && !timed_out)
			timed_out = pthread_cond_timedwait(&gw->changed, &gw->lock, &until) == ETIMEDOUT;
		gen = gw->generation;
		pthread_mutex_unlock(&gw->lock);
		if (gw->stopping)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (gen != es->generation) {
			/* taken before the read: a change during it wakes us again */
			es->generation = gen;
			event_stream_read(es, NULL, 1);
		} else {
			strbuf_addstr(&es->pending, ": keep-alive\n\n");
		}
	}
	n = es->pending.len - es->pending_off;
	if (n > max)
		n = max;
	memcpy(buf, es->pending.buf + es->pending_off, n);
	es->pending_off += n;
	return (ssize_t)n;
}

static enum MHD_Result get_events(struct gateway_server *gw, struct MHD_Connection *c, const char *visitor)
{
	/* a browser's EventSource comes back with the last id it got */
	const char *after = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	struct event_stream *es = calloc(1, sizeof(*es));
	struct MHD_Response *r;
	enum MHD_Result ret;
	if (!es)
		return MHD_NO;
	es->gw = gw;
	es->visitor = xstrdup(visitor);
	strbuf_init(&es->pending, 0);
	pthread_mutex_lock(&gw->lock);
	es->generation = gw->generation;
	pthread_mutex_unlock(&gw->lock);
	if (!after)
		after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	strbuf_addstr(&es->pending, ": dlg chat\nretry: 3000\n\n");
	/* what came after the last one it got, at once; without one, only what
	   comes from now on (GET /v1/messages gave the rest) */
	if (after)
		event_stream_read(es, after, 1);
	event_stream_read(es, NULL, 0);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, event_stream_next, es, event_stream_free);
	if (!r) {
		event_stream_free(es);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	add_common_headers(gw, c, r);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result preflight(struct gateway_server *gw, struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	add_common_headers(gw, c, r);
	if (allowed_origin(gw, c)) {
		MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
		MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
		MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	}
	ret = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	return ret;
}

enum route { ROUTE_NONE, ROUTE_VISITORS, ROUTE_MESSAGES, ROUTE_EVENTS };

static enum route route_of(const char *url)
{
	if (!strcmp(url, "/v1/visitors"))
		return ROUTE_VISITORS;
	if (!strcmp(url, "/v1/messages"))
		return ROUTE_MESSAGES;
	if (!strcmp(url, "/v1/events"))
		return ROUTE_EVENTS;
	return ROUTE_NONE;
}

static int method_allowed(enum route route, const char *method)
{
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	return route == ROUTE_MESSAGES ? get || post : route == ROUTE_VISITORS ? post : get;
}

/* After the whole body came: the request itself. */
static enum MHD_Result handle(struct gateway_server *gw, struct MHD_Connection *c, const char *url,
			      const char *method, const struct request *rq)
{
	enum route route = route_of(url);
	struct strbuf visitor = STRBUF_INIT, why = STRBUF_INIT;
	enum MHD_Result ret;
	json_t *replies;

	if (route == ROUTE_VISITORS)
		return post_visitor(gw, c, rq, url);
	if (authorize(&visitor, &why, gw, c) < 0)
		ret = refuse(gw, c, method, url, MHD_HTTP_FORBIDDEN, why.buf);
	else if (!strcmp(method, "POST"))
		ret = post_message(gw, c, rq, url, visitor.buf);
	else if (route == ROUTE_EVENTS)
		ret = get_events(gw, c, visitor.buf);
	else if (visitor_replies(&replies, gw, visitor.buf,
				 MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after")) < 0)
		ret = refuse(gw, c, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the answers");
	else
		ret = respond_json(gw, c, MHD_HTTP_OK, replies);
	strbuf_release(&visitor);
	strbuf_release(&why);
	return ret;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version, const char *upload,
				      size_t *upload_size, void **con_cls)
{
	struct gateway_server *gw = cls;
	struct request *rq = *con_cls;
	enum route route = route_of(url);

	if (!rq) {
		const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		rq = xmalloc(sizeof(*rq));
		strbuf_init(&rq->body, 0);
		rq->too_large = length && strtoull(length, NULL, 10) > BODY_MAX;
		*con_cls = rq;
		pthread_mutex_lock(&gw->lock);
		gw->in_flight++;
		pthread_mutex_unlock(&gw->lock);
		/* what needs no body is answered before it is read */
		if (!strcmp(method, "OPTIONS"))
			return preflight(gw, c);
		if (route == ROUTE_NONE)
			return refuse(gw, c, method, url, MHD_HTTP_NOT_FOUND, "no such path");
		if (!method_allowed(route, method))
			return refuse(gw, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		if (rq->too_large)
			return refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > BODY_MAX)
			return refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		strbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(gw, c, url, method, rq);
}

static void request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct gateway_server *gw = cls;
	struct request *rq = *con_cls;
	if (!rq)
		return;
	strbuf_release(&rq->body);
	free(rq);
	*con_cls = NULL;
	pthread_mutex_lock(&gw->lock);
	gw->in_flight--;
	pthread_cond_broadcast(&gw->changed);
	pthread_mutex_unlock(&gw->lock);
}

/* The watcher of out/: every change there wakes the event streams; it ends when stop is readable. */
struct watcher {
	struct gateway_server *gw;
	int inotify, stop;
};

static void *watch_out(void *arg)
{
	struct watcher *w = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		struct pollfd fds[2] = { { w->inotify, POLLIN, 0 }, { w->stop, POLLIN, 0 } };
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (fds[0].revents && read(w->inotify, buf, sizeof(buf)) > 0) {
			pthread_mutex_lock(&w->gw->lock);
			w->gw->generation++;
			pthread_cond_broadcast(&w->gw->changed);
			pthread_mutex_unlock(&w->gw->lock);
		}
	}
	return NULL;
}

static int parse_listen(struct sockaddr_storage *addr, socklen_t *len, const char *listen)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct strbuf host = STRBUF_INIT;
	const char *colon = strrchr(listen, ':'), *h = listen;
	size_t hlen;
	int ok;
	if (!colon || !colon[1])
		return -1;
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	strbuf_add(&host, h, hlen);
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	ok = strspn(colon + 1, "0123456789") == strlen(colon + 1) &&
		!getaddrinfo(host.len ? host.buf : NULL, colon + 1, &hints, &ai);
	if (ok) {
		memcpy(addr, ai->ai_addr, ai->ai_addrlen);
		*len = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	strbuf_release(&host);
	return ok ? 0 : -1;
}

/* The channel's spool, origins and key, read from the store once. */
static int gateway_setup(struct gateway_server *gw, struct dlg_ctx *ctx, const char *name)
{
	struct config c = CONFIG_INIT;
	struct channel ch;
	const char *origins;
	int err = config_load(&c, ctx->store);
	if (!err && !(err = channel_open(&ch, ctx->store, &c, name))) {
		if (strcmp(ch.type, "chat"))
			err = dlg_error(DLG_EINVALID, "channel '%s' is a %s channel, not chat", name, ch.type);
		else if (!(err = spool_open(&gw->sp, &ch, SPOOL_TMP | SPOOL_NEW | SPOOL_OUT | SPOOL_MAKE_NEW)))
			err = gateway_key_load(gw->key, ctx->store->dlgdir, name);
		if (!err && (origins = channel_get(&ch, "origins"))) {
			struct strbuf one = STRBUF_INIT;
			for (const char *p = origins; *p;) {
				size_t n = strcspn(p, ", ");
				if (n) {
					strbuf_reset(&one);
					strbuf_add(&one, p, n);
					strlist_push(&gw->origins, one.buf);
				}
				p += n;
				p += strspn(p, ", ");
			}
			strbuf_release(&one);
		}
		channel_close(&ch);
	}
	config_clear(&c);
	return err;
}

static int serve(struct dlg_ctx *ctx, const char *channel, const char *listen)
{
	struct gateway_server gw = { .origins = STRLIST_INIT };
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct watcher w = { &gw, -1, -1 };
	int stop_pipe[2] = { -1, -1 }, sig, ret = 0;
	struct MHD_Daemon *d = NULL;
	pthread_t watcher;
	sigset_t signals;
	char proc[64];

	if (parse_listen(&addr, &addrlen, listen) < 0)
		return error_usage("--listen takes ADDR:PORT, not '%s'", listen);
	if (mhdlib_load())
		return 1;
	if (gateway_setup(&gw, ctx, channel) < 0)
		return error_last();
	gw.visitors = json_object();
	pthread_mutex_init(&gw.lib_lock, NULL);
	pthread_mutex_init(&gw.lock, NULL);
	pthread_cond_init(&gw.changed, NULL);

	/* the signals are taken by sigwait() below, in no thread at random */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* out/ by its descriptor: the path could lead elsewhere by now */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", gw.sp.out);
	if ((w.inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(w.inotify, proc, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE) < 0 ||
	    pipe(stop_pipe) < 0) {
		ret = error_msg("cannot watch the spool's out/: %s", strerror(errno));
		goto out;
	}
	w.stop = stop_pipe[0];
	if (pthread_create(&watcher, NULL, watch_out, &w)) {
		ret = error_msg("cannot start a thread");
		goto out;
	}
	/* a thread per connection: an event stream waits in its own */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
			     (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, access_handler, &gw,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, request_completed, &gw,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			     MHD_OPTION_END);
	if (!d) {
		ret = error_msg("cannot listen on %s: %s", listen, strerror(errno));
	} else {
		sigwait(&signals, &sig);
		/* no new connections; the requests in flight finish, event streams end */
		MHD_quiesce_daemon(d);
		pthread_mutex_lock(&gw.lock);
		gw.stopping = 1;
		pthread_cond_broadcast(&gw.changed);
		{
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += STOP_SECONDS;
			while (gw.in_flight > 0 &&
			       pthread_cond_timedwait(&gw.changed, &gw.lock, &until) != ETIMEDOUT)
				;
		}
		pthread_mutex_unlock(&gw.lock);
		MHD_stop_daemon(d);
	}
	if (write(stop_pipe[1], "", 1) == 1)
		pthread_join(watcher, NULL);
out:
	if (w.inotify >= 0)
		close(w.inotify);
	for (int i = 0; i < 2; i++)
		if (stop_pipe[i] >= 0)
			close(stop_pipe[i]);
	spool_close(&gw.sp);
	json_decref(gw.visitors);
	strlist_clear(&gw.origins);
	memset(gw.key, 0, sizeof(gw.key));
	return ret;
}

CMD(chat)
{
	const char *channel = NULL, *listen = "127.0.0.1:8480";
	const struct opt opts[] = {
		OPT_STRING(0, "channel", &channel, "NAME", "the chat channel to serve"),
		OPT_STRING(0, "listen", &listen, "ADDR:PORT", "where to listen (127.0.0.1:8480)"),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, chat_usage, PARSE_OPT_SUBCOMMAND);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!argc)
		return usage_with_options(chat_usage, opts, 0);
	if (strcmp(argv[0], "serve")) {
		error_msg("unknown subcommand '%s'", argv[0]);
		return 2;
	}
	argc = parse_options(argc, argv, opts, chat_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	if (argc)
		return usage_with_options(chat_usage, opts, 0);
	if (!channel)
		return error_usage("serve needs --channel NAME");
	return serve(ctx, channel, listen);
}
