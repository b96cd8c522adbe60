/*
 * dlg chat serve's parts (cmd/chat.c): the server's state and the functions
 * its files share.  chat.c starts and stops the server, chat-http.c answers
 * requests, chat-events.c streams the answers and watches out/,
 * chat-popups.c keeps the page pop-ups of popups/.
 */
#ifndef DLG_CHAT_GATEWAY_H
#define DLG_CHAT_GATEWAY_H

#include <pthread.h>
#include <stdint.h>

#include <jansson.h>

#include "base/strbuf.h"
#include "channel/answers.h"
#include "channel/gateway.h"
#include "channel/popups.h"
#include "mhdlib.h"

#define BODY_MAX (64 * 1024)
/* multipart/form-data: the one file and the fields around it */
#define UPLOAD_MAX (GATEWAY_FILE_MAX + BODY_MAX)
/* a client address as text: IPv6 with a zone fits */
#define CHAT_ADDRESS_MAX 64
/* Names and emails kept for visitors' messages: memory a stream of new
   visitors cannot grow without end (a page also sends them with messages). */
#define VISITORS_MAX 50000
#define KEEPALIVE_SECONDS 15
/* Connections at once: an event stream per visitor holds one. */
#define CONNECTIONS_MAX 4096
/* Each connection's thread's stack, rather than 8 MB of address space
   each: under AddressSanitizer, t0260 and t0261 (libmagic reading PDF,
   ELF, JPEG, fonts, HTML...) pass with 64 KB and overflow 32 KB; four
   times that is the margin. */
#define THREAD_STACK_SIZE (256 * 1024)
/* How long a stop waits for the requests in flight. */
#define STOP_SECONDS 10

/* Token buckets by key (chat-limits.c), in memory of a fixed size. */
struct chat_limit {
	struct gateway_rate rate;
	pthread_mutex_t lock;
	struct limit_entry *entries;  /* NULL: no limit */
	uint64_t seed;
};

struct gateway_server {
	struct spool sp;
	unsigned char key[GATEWAY_KEY_SIZE];
	struct strlist origins;
	/* whose each answer in out/ is; the watcher writes it, requests read it */
	struct answer_index *answers;
	pthread_rwlock_t answers_lock;
	/* the name and email each visitor gave, by id: what their messages carry */
	json_t *visitors;
	struct chat_limit per_visitor, per_address;
	int trust_proxy;  /* the client is X-Forwarded-For's last address */
	/* guards what follows; `changed` is broadcast when out/ changed,
	   a request ended, or the gateway is stopping */
	pthread_mutex_t lock;
	pthread_cond_t changed;
	unsigned long generation;
	long in_flight;
	int stopping;
	/* the spool's page pop-ups, read again when popups/ changed, and
	   what watches it (chat-popups.c) */
	struct spool_popup *popups;
	size_t npopups;
	struct popups_watch *popups_watch;
};

struct request {
	struct strbuf body;
	size_t body_max, dropped;
	int too_large;
	char address[CHAT_ADDRESS_MAX];
};


/* The watcher of out/: every change there wakes the event streams; it ends when stop is readable. */
struct watcher {
	struct gateway_server *gw;
	int inotify, stop;
};

/* chat-http.c */
void chat_log_request(struct gateway_server *gw, struct MHD_Connection *c, const char *method, const char *url, int status,
		      const char *why);
struct MHD_Response *chat_response(struct gateway_server *gw, struct MHD_Connection *c, const char *json);
enum MHD_Result chat_respond(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
			     const char *json);
enum MHD_Result chat_respond_json(struct gateway_server *gw, struct MHD_Connection *c, unsigned status,
				  json_t *j);
enum MHD_Result chat_refuse(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
			    const char *url, unsigned status, const char *why);
void chat_add_common_headers(struct gateway_server *gw, struct MHD_Connection *c, struct MHD_Response *r);
const char *chat_opt_string(json_t *j, const char *key);
enum MHD_Result chat_access_handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				    const char *version, const char *upload, size_t *upload_size,
				    void **con_cls);
void chat_request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			    enum MHD_RequestTerminationCode toe);

/* chat-limits.c */
void chat_limit_init(struct chat_limit *l, const struct gateway_rate *rate);
void chat_limit_clear(struct chat_limit *l);
/* Takes a token of key's bucket: 0, or the seconds until there is one. */
unsigned chat_limit_take(struct chat_limit *l, const char *key);
/* 1 after queueing a 429 (with Retry-After, logged) into *ret when key is over l, else 0. */
int chat_limited(enum MHD_Result *ret, struct gateway_server *gw, struct chat_limit *l, const char *key,
		 struct MHD_Connection *c, const char *method, const char *url);
/* Who the request is from, for limits and logs. */
void chat_client_address(char out[CHAT_ADDRESS_MAX], const struct gateway_server *gw, struct MHD_Connection *c);

/* chat-events.c */
int chat_visitor_replies(json_t **out, struct gateway_server *gw, const char *visitor, const char *after);
enum MHD_Result chat_get_events(struct gateway_server *gw, struct MHD_Connection *c, const char *visitor);
void *chat_watch_out(void *arg);

/* chat-widget.c: /widget.js and /widget.css */
struct widget_asset;
const struct widget_asset *chat_widget_asset(const char *url);
enum MHD_Result chat_get_widget(struct gateway_server *gw, struct MHD_Connection *c, const char *method,
				const char *url, const struct widget_asset *a);

/* chat-popups.c: page pop-ups, watched in a thread of their own (no polling) */
int chat_popups_start(struct gateway_server *gw);
void chat_popups_stop(struct gateway_server *gw);
enum MHD_Result chat_get_popups(struct gateway_server *gw, struct MHD_Connection *c);
/* Adds an event for each pop-up for page not in seen yet; with announce
   unset they are only marked seen. */
void chat_popups_pending(struct strbuf *out, struct gateway_server *gw, const char *page, struct strlist *seen,
			 int announce);

#endif
