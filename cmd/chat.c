/*
 * dlg chat serve: the website chat's gateway, an HTTP server (libmicrohttpd)
 * between visitors' browsers and the channel's spool.  It reads the
 * channel's settings and signing key once at start and never touches the
 * store again: visitor messages go into the spool's new/ (dlg fetch takes
 * them), answers come from out/ (dlg send writes them).  The library does
 * the tokens and the spool (channel/gateway.h); this file owns the
 * process: its setup, its threads and a stop that loses no accepted
 * message.  Requests are chat-http.c's, the live answers chat-events.c's.
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
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/time.h"
#include "channel/channel.h"
#include "chat-gateway.h"
#include "cmd.h"
#include "store/config.h"

static const char *const chat_usage[] = {
	"dlg chat serve --channel NAME [--listen ADDR:PORT] [--trust-proxy]",
	"",
	"Serves the website chat of a chat channel over HTTP (dlg-chat(1)):",
	"visitors' messages go into its spool for dlg fetch, and the answers",
	"dlg send writes there go back to them, live.",
	NULL,
};

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

/* The channel's limits: rates, and connections per address (0: no limit). */
static int limits_setup(struct gateway_server *gw, unsigned *per_address, const struct channel *ch)
{
	struct gateway_rate visitor, address;
	const char *conns = channel_get(ch, "address-connections");
	int err;
	if ((err = gateway_rate_parse(&visitor, "visitor-rate", channel_get(ch, "visitor-rate"),
				      GATEWAY_VISITOR_RATE)) < 0 ||
	    (err = gateway_rate_parse(&address, "address-rate", channel_get(ch, "address-rate"),
				      GATEWAY_ADDRESS_RATE)) < 0 ||
	    (conns && (err = gateway_setting_check("address-connections", conns)) < 0))
		return dlg_error(err, "channel '%s': %s", ch->name, dlg_error_last());
	*per_address = conns ? (unsigned)atoi(conns) : 0;
	chat_limit_init(&gw->per_visitor, &visitor);
	chat_limit_init(&gw->per_address, &address);
	return 0;
}

/* The channel's spool, origins, limits and key, read from the store once. */
static int gateway_setup(struct gateway_server *gw, unsigned *per_address, struct dlg_ctx *ctx,
			 const char *name)
{
	struct config c = CONFIG_INIT;
	struct channel ch;
	const char *origins;
	int err = config_load(&c, ctx->store);
	if (!err && !(err = channel_open(&ch, ctx->store, &c, name))) {
		if (strcmp(ch.type, "chat"))
			err = dlg_error(DLG_EINVALID, "channel '%s' is a %s channel, not chat", name, ch.type);
		else if (!(err = limits_setup(gw, per_address, &ch)) &&
			 !(err = spool_open(&gw->sp, &ch, SPOOL_TMP | SPOOL_NEW | SPOOL_OUT | SPOOL_POPUPS |
					    SPOOL_MAKE_NEW)))
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

/* Each event stream holds a connection, a descriptor: as many as we may. */
static void raise_open_files(void)
{
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int serve(struct dlg_ctx *ctx, const char *channel, const char *listen, int trust_proxy)
{
	struct gateway_server gw = { .origins = STRLIST_INIT, .trust_proxy = trust_proxy };
	unsigned per_address = 0;
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
	if (gateway_setup(&gw, &per_address, ctx, channel) < 0)
		return error_last();
	raise_open_files();
	gw.visitors = json_object();
	pthread_rwlock_init(&gw.answers_lock, NULL);
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
	    inotify_add_watch(w.inotify, proc, IN_MOVED_TO | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_FROM |
			      IN_DELETE) < 0 ||
	    pipe(stop_pipe) < 0) {
		ret = error_msg("cannot watch the spool's out/: %s", strerror(errno));
		goto out;
	}
	w.stop = stop_pipe[0];
	/* after the watch: a file written in between is reported, not missed */
	if (answer_index_new(&gw.answers, gw.sp.out) < 0) {
		ret = error_last();
		goto out;
	}
	if ((ret = chat_popups_start(&gw)))
		goto out;
	if (pthread_create(&watcher, NULL, chat_watch_out, &w)) {
		ret = error_msg("cannot start a thread");
		goto out;
	}
	/* a thread per connection: an event stream waits in its own, on a
	   small stack, so that thousands fit */
	d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC |
			     (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, chat_access_handler, &gw,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
			     MHD_OPTION_NOTIFY_COMPLETED, chat_request_completed, &gw,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTIONS_MAX,
			     MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK_SIZE,
			     per_address ? MHD_OPTION_PER_IP_CONNECTION_LIMIT : MHD_OPTION_END, per_address,
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
	answer_index_free(gw.answers);
	chat_popups_stop(&gw);
	spool_close(&gw.sp);
	chat_limit_clear(&gw.per_visitor);
	chat_limit_clear(&gw.per_address);
	json_decref(gw.visitors);
	strlist_clear(&gw.origins);
	memset(gw.key, 0, sizeof(gw.key));
	return ret;
}

CMD(chat)
{
	const char *channel = NULL, *listen = "127.0.0.1:8480";
	int trust_proxy = 0;
	const struct opt opts[] = {
		OPT_STRING(0, "channel", &channel, "NAME", "the chat channel to serve"),
		OPT_STRING(0, "listen", &listen, "ADDR:PORT", "where to listen (127.0.0.1:8480)"),
		OPT_FLAG(0, "trust-proxy", &trust_proxy, "the client is the last X-Forwarded-For address"),
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
	return serve(ctx, channel, listen, trust_proxy);
}
