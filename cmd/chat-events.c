/*
 * dlg chat serve's live answers: GET /v1/events, a Server-Sent Events stream
 * per visitor, woken when inotify says out/ changed (no polling).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "chat-gateway.h"
#include "cmd.h"


/* The visitor's answers (after `after`), and the generation of the index they were read at. */
static int visitor_replies_at(json_t **out, unsigned long *generation, struct gateway_server *gw,
			      const char *visitor, const char *after)
{
	int err;
	pthread_rwlock_rdlock(&gw->answers_lock);
	if (generation)
		*generation = answer_index_generation(gw->answers, visitor);
	err = answer_index_replies(out, gw->answers, visitor, after);
	pthread_rwlock_unlock(&gw->answers_lock);
	return err;
}

int chat_visitor_replies(json_t **out, struct gateway_server *gw, const char *visitor, const char *after)
{
	return visitor_replies_at(out, NULL, gw, visitor, after);
}

static unsigned long visitor_generation(struct gateway_server *gw, const char *visitor)
{
	unsigned long gen;
	pthread_rwlock_rdlock(&gw->answers_lock);
	gen = answer_index_generation(gw->answers, visitor);
	pthread_rwlock_unlock(&gw->answers_lock);
	return gen;
}

/* One /v1/events stream: answers the visitor has not been sent yet, as they come. */
struct event_stream {
	struct gateway_server *gw;
	char *visitor;
	char *page;               /* the page's URL: its pop-ups come too */
	struct strlist popups;    /* ids of the page pop-ups it has seen */
	struct strlist sent;      /* ids of the answers this stream has seen */
	unsigned long generation; /* of out/ when it was last looked at */
	unsigned long answers_generation; /* of the visitor's answers when they were read */
	struct strbuf pending;    /* what the next calls hand to MHD */
	size_t pending_off;
};

static void event_stream_free(void *cls)
{
	struct event_stream *es = cls;
	free(es->visitor);
	free(es->page);
	strlist_clear(&es->popups);
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
	if (visitor_replies_at(&replies, &es->answers_generation, es->gw, es->visitor, after) < 0)
		return;
	json_array_foreach(replies, i, r) {
		const char *id = chat_opt_string(r, "id");
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
			/* another visitor's answer: nothing to read */
			if (visitor_generation(gw, es->visitor) != es->answers_generation)
				event_stream_read(es, NULL, 1);
			chat_popups_pending(&es->pending, gw, es->page, &es->popups, 1);
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

enum MHD_Result chat_get_events(struct gateway_server *gw, struct MHD_Connection *c, const char *visitor)
{
	/* a browser's EventSource comes back with the last id it got */
	const char *after = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID"), *page;
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
	/* the page's pop-ups so far are GET /v1/popups's; new ones come as events */
	if ((page = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page")))
		es->page = xstrdup(page);
	chat_popups_pending(&es->pending, gw, es->page, &es->popups, 0);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, event_stream_next, es, event_stream_free);
	if (!r) {
		event_stream_free(es);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
	chat_add_common_headers(gw, c, r);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}


/* Tells the index about each name in a buffer of inotify events. */
static void index_events(struct gateway_server *gw, const char *buf, ssize_t len)
{
	struct strbuf changed = STRBUF_INIT;
	for (const char *p = buf; p < buf + len;) {
		const struct inotify_event *ev = (const struct inotify_event *)p;
		pthread_rwlock_wrlock(&gw->answers_lock);
		if (ev->mask & IN_Q_OVERFLOW)
			answer_index_rescan(gw->answers);
		else if (ev->len)
			answer_index_update(&changed, gw->answers, ev->name);
		pthread_rwlock_unlock(&gw->answers_lock);
		p += sizeof(*ev) + ev->len;
	}
	strbuf_release(&changed);
}

void *chat_watch_out(void *arg)
{
	struct watcher *w = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		struct pollfd fds[2] = { { w->inotify, POLLIN, 0 }, { w->stop, POLLIN, 0 } };
		ssize_t n;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		if (fds[0].revents && (n = read(w->inotify, buf, sizeof(buf))) > 0) {
			index_events(w->gw, buf, n);
			pthread_mutex_lock(&w->gw->lock);
			w->gw->generation++;
			pthread_cond_broadcast(&w->gw->changed);
			pthread_mutex_unlock(&w->gw->lock);
		}
	}
	return NULL;
}
