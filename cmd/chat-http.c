/*
 * dlg chat serve's requests: routes, bodies, tokens, limits and CORS.  Every
 * refusal is one JSON object {"error": WHY} and, for 403 and 5xx, one line
 * on stderr that never holds the token.
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/error.h"
#include "base/time.h"
#include "channel/formdata.h"
#include "chat-gateway.h"
#include "cmd.h"

static pthread_mutex_t chat_log_lock = PTHREAD_MUTEX_INITIALIZER;

/* One line on stderr per refusal: what and from where, never the token. */
void chat_log_request(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
			const char *url, int status, const char *why)
{
	char host[CHAT_ADDRESS_MAX];
	chat_client_address(host, gw, c);
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

/* A JSON answer with the headers every answer has; NULL when out of memory. */
struct MHD_Response *chat_response(struct gateway_server *gw, struct MHD_Connection *c, const char *json)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(json), (void *)json,
								 MHD_RESPMEM_MUST_COPY);
	if (r) {
		MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
		chat_add_common_headers(gw, c, r);
	}
	return r;
}

enum MHD_Result chat_respond(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
			       const char *json)
{
	struct MHD_Response *r = chat_response(gw, c, json);
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
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
		chat_log_request(gw, c, method, url, (int)status, why);
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
	err = gateway_token_verify(visitor, gw->key, auth + 7, dlg_now());
	if (err)
		strbuf_addstr(why, dlg_error_last());
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

static const char *const message_keys[] = { "text", "page", "name", "email", "popup", NULL };

static int is_message_key(const char *name)
{
	for (const char *const *k = message_keys; *k; k++)
		if (!strcmp(*k, name))
			return 1;
	return 0;
}

/* A multipart/form-data body's fields as a JSON body would hold them, and
   its file (NULL when none, or the empty one a form sends without a file);
   NULL after a 400. */
static json_t *form_object(struct formdata *fd, const struct formdata_part **file, const struct request *rq,
			   const char *content_type, const char **why)
{
	json_t *j;
	*file = NULL;
	if (formdata_parse(fd, content_type, rq->body.buf, rq->body.len) < 0) {
		*why = dlg_error_last();
		return NULL;
	}
	j = json_object();
	for (size_t i = 0; i < fd->n; i++) {
		const struct formdata_part *p = &fd->parts[i];
		json_t *v = NULL;
		if (!strcmp(p->name, "file")) {
			*why = *file ? "more than one file" : !p->filename ? "the file part has no file name" : NULL;
			if (*why)
				goto bad;
			*file = p;
			continue;
		}
		if (!is_message_key(p->name))
			continue;
		*why = json_object_get(j, p->name) ? "a field is given twice" : NULL;
		if (!*why && (memchr(p->data, '\0', p->len) || !(v = json_stringn(p->data, p->len))))
			*why = "a field is not UTF-8 text";
		if (*why)
			goto bad;
		json_object_set_new(j, p->name, v);
	}
	if (*file && !*(*file)->filename && !(*file)->len)
		*file = NULL;
	return j;
bad:
	json_decref(j);
	return NULL;
}

static enum MHD_Result post_message(struct gateway_server *gw, struct MHD_Connection *c,
				    const struct request *rq, const char *url, const char *visitor)
{
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	struct gateway_message m = { .visitor = visitor, .date = dlg_now() };
	struct formdata fd = FORMDATA_INIT;
	const struct formdata_part *file = NULL;
	struct strbuf id = STRBUF_INIT;
	const char *why = NULL;
	json_t *j = formdata_is(type) ? form_object(&fd, &file, rq, type, &why) : body_object(rq, message_keys, &why);
	json_t *card = NULL;
	unsigned status = MHD_HTTP_BAD_REQUEST;
	enum MHD_Result ret;
	int err;

	if (!j)
		goto refuse;
	m.text = chat_opt_string(j, "text");
	if ((!m.text || !*m.text) && !file) {
		why = "no text and no file";
		goto refuse;
	}
	status = MHD_HTTP_CONTENT_TOO_LARGE;
	if (m.text && gateway_text_chars(m.text) > GATEWAY_TEXT_MAX) {
		why = "the text is too long";
		goto refuse;
	}
	if (file && file->len > GATEWAY_FILE_MAX) {
		why = "the file is larger than 2 MB";
		goto refuse;
	}
	if (file) {
		m.file_name = file->filename;
		m.file_data = file->data;
		m.file_len = file->len;
	}
	m.page = chat_opt_string(j, "page");
	m.name = chat_opt_string(j, "name");
	m.email = chat_opt_string(j, "email");
	m.popup = chat_opt_string(j, "popup");
	pthread_mutex_lock(&gw->lock);
	card = json_deep_copy(json_object_get(gw->visitors, visitor));
	pthread_mutex_unlock(&gw->lock);
	if (!m.name)
		m.name = chat_opt_string(card, "name");
	if (!m.email)
		m.email = chat_opt_string(card, "email");
	err = gateway_message_write(&id, &gw->sp, &m);
	/* 201 only now: the message is in new/, fsynced */
	if (err == DLG_EINVALID)
		ret = chat_refuse(gw, c, "POST", url, MHD_HTTP_BAD_REQUEST, dlg_error_last());
	else if (err)
		ret = chat_refuse(gw, c, "POST", url, MHD_HTTP_INTERNAL_SERVER_ERROR, "the message was not kept");
	else
		ret = chat_respond_json(gw, c, MHD_HTTP_CREATED, json_pack("{s:s}", "id", id.buf));
	goto out;
refuse:
	ret = chat_refuse(gw, c, "POST", url, status, why);
out:
	json_decref(card);
	json_decref(j);
	formdata_clear(&fd);
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
	else if (!strcmp(method, "POST") && chat_limited(&ret, gw, &gw->per_visitor, visitor.buf, c, method, url))
		;
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

static const char *too_large(const struct request *rq)
{
	/* only a file makes a form this large */
	return rq->body_max == UPLOAD_MAX ? "the file is larger than 2 MB" : "the body is too large";
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
		const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		enum MHD_Result ret;
		rq = xcalloc(1, sizeof(*rq));
		strbuf_init(&rq->body, 0);
		rq->body_max = formdata_is(type) ? UPLOAD_MAX : BODY_MAX;
		rq->too_large = length && strtoull(length, NULL, 10) > rq->body_max;
		chat_client_address(rq->address, gw, c);
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
		if (!strcmp(method, "POST") && chat_limited(&ret, gw, &gw->per_address, rq->address, c, method, url))
			return ret;
		if (rq->too_large)
			return chat_refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, too_large(rq));
		return MHD_YES;
	}
	if (*upload_size) {
		/* libmicrohttpd takes no answer in the middle of a body: the rest
		   is read and dropped, up to as much again, then the connection
		   is closed */
		if (!rq->too_large && rq->body.len + *upload_size > rq->body_max) {
			rq->too_large = 1;
			strbuf_release(&rq->body);
		}
		if (rq->too_large)
			rq->dropped += *upload_size;
		else
			strbuf_add(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return rq->dropped > rq->body_max ? MHD_NO : MHD_YES;
	}
	if (rq->too_large)
		return chat_refuse(gw, c, method, url, MHD_HTTP_CONTENT_TOO_LARGE, too_large(rq));
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
