/*
 * dlg chat serve's parts (cmd/chat.c): the server's state and the functions
 * its files share.  chat.c starts and stops the server, chat-http.c answers
 * requests, chat-events.c streams the answers and watches out/,
 * chat-popups.c keeps the page pop-ups of popups/.
 */
#ifndef DLG_CHAT_GATEWAY_H
#define DLG_CHAT_GATEWAY_H

#include <pthread.h>

#include <jansson.h>

#include "base/strbuf.h"
#include "channel/answers.h"
#include "channel/gateway.h"
#include "channel/popups.h"
#include "mhdlib.h"

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
	/* whose each answer in out/ is; the watcher writes it, requests read it */
	struct answer_index *answers;
	pthread_rwlock_t answers_lock;
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
	/* the spool's page pop-ups, read again when popups/ changed, and
	   what watches it (chat-popups.c) */
	struct spool_popup *popups;
	size_t npopups;
	struct popups_watch *popups_watch;
};

struct request {
	struct strbuf body;
	int too_large;
};


/* The watcher of out/: every change there wakes the event streams; it ends when stop is readable. */
struct watcher {
	struct gateway_server *gw;
	int inotify, stop;
};

/* chat-http.c */
void chat_log_request(struct MHD_Connection *c, const char *method, const char *url, int status,
		      const char *why);
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
