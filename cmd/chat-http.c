/*
 * dlg chat serve's requests: routes, bodies, tokens, limits and CORS.  Every
 * refusal is one JSON object {"error": WHY} and, for 403 and 5xx, one line
 * on stderr that never holds the token.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/time.h"
#include "chat-gateway.h"
#include "cmd.h"

static pthread_mutex_t chat_log_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line on stderr per refusal: what and from where, never the token. */
void chat_log_request(struct MHD_Connection *c, const char *method, const char *url,
			int status, const char *why)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[NI_MAXHOST] = "?";
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
			    host, sizeof(host), NULL, 0, NI_NUMERICHOST);
	pthread_mutex_lock(&chat_log_lock);
	error_msg("%d %s %s from %s: %s", status, method, url, host, why);
	pthread_mutex_unlock(&chat_log_lock);
}

static const char *allowed_origin(struct gateway_server *gw, struct MHD_Connection *c)
{
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	return origin && strlist_has(&gw->origins, origin) ? origin : NULL;
}

void chat_add_common_headers(struct gateway_server *gw, struct MHD_Connection *c, struct MHD_Response *r)
{
	const char *origin = allowed_origin(gw, c);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Vary", "Origin");
	if (origin)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
}

enum MHD_Result chat_respond(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
			       const char *json)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(json), (void *)json,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	chat_add_common_headers(gw, c, r);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, POST, OPTIONS");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result chat_respond_json(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
				    json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	enum MHD_Result ret = chat_respond(gw, c, status, text ? text : "{}");
	free(text);
	json_decref(j);
	return ret;
}

enum MHD_Result chat_refuse(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
			      const char *url, unsigned status, const char *why)
{
	json_t *j = json_object();
	if (status == MHD_HTTP_FORBIDDEN || status >= 500)
		chat_log_request(c, method, url, (int)status, why);
	json_object_set_new(j, "error", json_string(why));
	return chat_respond_json(gw, c, status, j);
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

const char *chat_opt_string(json_t *j, const char *key)
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
		return chat_refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, why);
	gateway_visitor_id(id);
	gateway_token_make(&token, gw->key, id, dlg_now() + GATEWAY_TOKEN_TTL);
	card = json_object();
	if (chat_opt_string(j, "name"))
		json_object_set(card, "name", json_object_get(j, "name"));
	if (chat_opt_string(j, "email"))
		json_object_set(card, "email", json_object_get(j, "email"));
	pthread_mutex_lock(&gw->lock);
	if (json_object_size(gw->visitors) >= VISITORS_MAX)
		json_object_clear(gw->visitors);
	json_object_set_new(gw->visitors, id, card);
	pthread_mutex_unlock(&gw->lock);
	json_decref(j);
	out = json_pack("{s:s, s:s%}", "visitor", id, "token", token.buf, token.len);
	strbuf_release(&token);
	return chat_respond_json(gw, c, MHD_HTTP_CREATED, out);
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
		return chat_refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, why);
	if (!(m.text = chat_opt_string(j, "text")) || !*m.text) {
		json_decref(j);
		return chat_refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, "no text");
	}
	if (gateway_text_chars(m.text) > GATEWAY_TEXT_MAX) {
		json_decref(j);
		return chat_refuse(gw, c, "POST", url, MHD_HTTP_CONTENT_TOO_LARGE, "the text is too long");
	}
	m.page = chat_opt_string(j, "page");
	m.name = chat_opt_string(j, "name");
	m.email = chat_opt_string(j, "email");
	pthread_mutex_lock(&gw->lock);
	card = json_deep_copy(json_object_get(gw->visitors, visitor));
	pthread_mutex_unlock(&gw->lock);
	if (!m.name)
		m.name = chat_opt_string(card, "name");
	if (!m.email)
		m.email = chat_opt_string(card, "email");
	pthread_mutex_lock(&gw->lib_lock);
	err = gateway_message_write(&id, &gw->sp, &m);
	if (err)
		chat_log_request(c, "POST", url, 500, dlg_error_last());
	pthread_mutex_unlock(&gw->lib_lock);
	/* 201 only now: the message is in new/, fsynced */
	if (err)
		ret = chat_respond(gw, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "{\"error\":\"the message was not kept\"}");
	else
		ret = chat_respond_json(gw, c, MHD_HTTP_CREATED, json_pack("{s:s}", "id", id.buf));
	json_decref(card);
	json_decref(j);
	strbuf_release(&id);
	return ret;
}


static enum MHD_Result preflight(struct gateway_server *gw, struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	chat_add_common_headers(gw, c, r);
	if (allowed_origin(gw, c)) {
		MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
		MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type, Last-Event-ID");
		MHD_add_response_header(r, "Access-Control-Max-Age", "600");
	}
	ret = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
	MHD_destroy_response(r);
	return ret;
}

enum route { ROUTE_NONE, ROUTE_VISITORS, ROUTE_MESSAGES, ROUTE_EVENTS, ROUTE_POPUPS };

static enum route route_of(const char *url)
{
	if (!strcmp(url, "/v1/visitors"))
		return ROUTE_VISITORS;
	if (!strcmp(url, "/v1/messages"))
		return ROUTE_MESSAGES;
	if (!strcmp(url, "/v1/events"))
		return ROUTE_EVENTS;
	if (!strcmp(url, "/v1/popups"))
		return ROUTE_POPUPS;
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
		ret = chat_refuse(gw, c, method, url, MHD_HTTP_FORBIDDEN, why.buf);
	else if (!strcmp(method, "POST"))
		ret = post_message(gw, c, rq, url, visitor.buf);
	else if (route == ROUTE_EVENTS)
		ret = chat_get_events(gw, c, visitor.buf);
	else if (route == ROUTE_POPUPS)
		ret = chat_get_popups(gw, c);
	else if (chat_visitor_replies(&replies, gw, visitor.buf,
				 MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after")) < 0)
		ret = chat_refuse(gw, c, method, url, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the answers");
	else
		ret = chat_respond_json(gw, c, MHD_HTTP_OK, replies);
	strbuf_release(&visitor);
	strbuf_release(&why);
	return ret;
}

enum MHD_Result chat_access_handler(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version, const char *upload,
				      size_t *upload_size, void **con_cls)
{
	struct gateway_server *gw = cls;
	struct request *rq = *con_cls;
	enum route route = route_of(url);
	const struct widget_asset *asset;

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
		if ((asset = chat_widget_asset(url)))
			return chat_get_widget(gw, c, method, url, asset);
		if (route == ROUTE_NONE)
			return chat_refuse(gw, c, method, url, MHD_HTTP_NOT_FOUND, "no such path");
		if (!method_allowed(route, method))
			return chat_refuse(gw, c, method, url, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
		if (rq->too_large)
			return chat_refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->body.len + *upload_size > BODY_MAX)
			return chat_refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "the body is too large");
		strbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return handle(gw, c, url, method, rq);
}

void chat_request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
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
