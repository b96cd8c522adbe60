/*
 * dlg chat serve's page pop-ups: GET /v1/popups?page=URL and the popup
 * events of /v1/events?page=URL, from the spool's popups/ (dlg send
 * publishes them there, channel/popups.h).  The files are read when
 * inotify says popups/ changed and kept in memory, so a request never
 * reads the disk; each file is checked by spool_popups_read(), since the
 * site's account can write that directory.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/time.h"
#include "chat-gateway.h"
#include "cmd.h"

/* The watch of popups/: its own inotify and thread, so out/'s watcher
   (chat-events.c) sees none of its events. */
struct popups_watch {
	int inotify, stop[2];
	pthread_t thread;
};

static void popups_load(struct gateway_server *gw)
{
	struct spool_popup *p = NULL, *old;
	size_t n = 0, nold;
	/* unreadable now (removed under us): none, until it changes again */
	if (spool_popups_read(&p, &n, gw->sp.popups) < 0)
		n = 0;
	pthread_mutex_lock(&gw->lock);
	old = gw->popups;
	nold = gw->npopups;
	gw->popups = p;
	gw->npopups = n;
	/* the event streams look for new ones */
	gw->generation++;
	pthread_cond_broadcast(&gw->changed);
	pthread_mutex_unlock(&gw->lock);
	spool_popups_free(old, nold);
}

static void *popups_watch_thread(void *arg)
{
	struct gateway_server *gw = arg;
	struct popups_watch *pw = gw->popups_watch;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		struct pollfd fds[2] = { { pw->inotify, POLLIN, 0 }, { pw->stop[0], POLLIN, 0 } };
		int changed = 0;
		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			break;
		if (fds[1].revents)
			break;
		/* one change is several events (tmp/ renamed in, an old file
		   removed): all that are there now, then one read of popups/ */
		while (fds[0].revents && read(pw->inotify, buf, sizeof(buf)) > 0)
			changed = 1;
		if (changed)
			popups_load(gw);
	}
	return NULL;
}

int chat_popups_start(struct gateway_server *gw)
{
	struct popups_watch *pw = xcalloc(1, sizeof(*pw));
	char proc[64];
	pw->stop[0] = pw->stop[1] = -1;
	/* by its descriptor, as out/: the path could lead elsewhere by now */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", gw->sp.popups);
	if ((pw->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(pw->inotify, proc, IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE | IN_CREATE |
			      IN_DELETE | IN_ATTRIB) < 0 || pipe(pw->stop) < 0) {
		int err = error_msg("cannot watch the spool's popups/: %s", strerror(errno));
		gw->popups_watch = pw;
		chat_popups_stop(gw);
		return err;
	}
	gw->popups_watch = pw;
	/* after the watch: a file written in between is read again, not missed */
	popups_load(gw);
	if (pthread_create(&pw->thread, NULL, popups_watch_thread, gw)) {
		close(pw->stop[1]);
		pw->stop[1] = -1;
		chat_popups_stop(gw);
		return error_msg("cannot start a thread");
	}
	return 0;
}

void chat_popups_stop(struct gateway_server *gw)
{
	struct popups_watch *pw = gw->popups_watch;
	if (pw) {
		/* the write end still open: the thread runs, and this ends it */
		if (pw->stop[1] >= 0 && write(pw->stop[1], "", 1) == 1)
			pthread_join(pw->thread, NULL);
		for (int i = 0; i < 2; i++)
			if (pw->stop[i] >= 0)
				close(pw->stop[i]);
		if (pw->inotify >= 0)
			close(pw->inotify);
		free(pw);
		gw->popups_watch = NULL;
	}
	spool_popups_free(gw->popups, gw->npopups);
	gw->popups = NULL;
	gw->npopups = 0;
}

static json_t *popup_json(const struct spool_popup *p)
{
	json_t *j = json_object();
	json_object_set_new(j, "id", json_string(p->id));
	json_object_set_new(j, "text", json_string(p->text));
	json_object_set_new(j, "operator", json_string(p->operator_));
	json_object_set_new(j, "date", json_string(p->date));
	return j;
}

/* The pop-ups in effect for the page, by id: a new array. */
static json_t *popups_matching(struct gateway_server *gw, const char *page)
{
	json_t *a = json_array();
	time_t now = dlg_now();
	pthread_mutex_lock(&gw->lock);
	for (size_t i = 0; page && i < gw->npopups; i++)
		if (spool_popup_matches(&gw->popups[i], page, now))
			json_array_append_new(a, popup_json(&gw->popups[i]));
	pthread_mutex_unlock(&gw->lock);
	return a;
}

enum MHD_Result chat_get_popups(struct gateway_server *gw, struct MHD_Connection *c)
{
	return chat_respond_json(gw, c, MHD_HTTP_OK,
				 popups_matching(gw, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page")));
}

void chat_popups_pending(struct strbuf *out, struct gateway_server *gw, const char *page, struct strlist *seen,
			 int announce)
{
	json_t *a = popups_matching(gw, page), *p;
	size_t i;
	json_array_foreach(a, i, p) {
		const char *id = json_string_value(json_object_get(p, "id"));
		char *text;
		if (strlist_has(seen, id))
			continue;
		strlist_push(seen, id);
		if (!announce || !(text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER)))
			continue;
		/* no id: line: Last-Event-ID names the last answer, which a
		   returning stream asks for */
		strbuf_addf(out, "event: popup\ndata: %s\n\n", text);
		free(text);
	}
	json_decref(a);
}
