/*
 * dlg chat serve's limits: token buckets per visitor (messages) and per
 * client address (new visitors and messages), and who the client is
 * (behind a proxy, with --trust-proxy, the address it puts last in
 * X-Forwarded-For).
 *
 * The buckets live in a table of fixed size, so a flood of addresses
 * cannot grow memory without end: a key hashes (with a random seed, so
 * nobody can aim at one set) to a set of LIMIT_WAYS entries; a new key
 * takes an empty or full entry there, else the one used longest ago.  An
 * evicted key starts again with a full bucket: a flood can loosen the
 * limits of those it pushes out, never tighten them.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

#include "chat-gateway.h"
#include "cmd.h"

#define LIMIT_SETS 2048
#define LIMIT_WAYS 8

struct limit_entry {
	char key[CHAT_ADDRESS_MAX];
	double tokens, last;
};

void chat_limit_init(struct chat_limit *l, const struct gateway_rate *rate)
{
	l->rate = *rate;
	pthread_mutex_init(&l->lock, NULL);
	l->entries = rate->per_second > 0 ? xcalloc(LIMIT_SETS * LIMIT_WAYS, sizeof(*l->entries)) : NULL;
	if (getrandom(&l->seed, sizeof(l->seed), 0) != sizeof(l->seed))
		l->seed = (uint64_t)time(NULL);
}

void chat_limit_clear(struct chat_limit *l)
{
	free(l->entries);
	l->entries = NULL;
	pthread_mutex_destroy(&l->lock);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t key_hash(uint64_t seed, const char *key)
{
	uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a */
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h ^ (h >> 29);
}

static double refilled(const struct chat_limit *l, const struct limit_entry *e, double now)
{
	double t = e->tokens + (now - e->last) * l->rate.per_second;
	return t < l->rate.burst ? t : l->rate.burst;
}

/* The entry of key in its set, taken over for it when it has none. */
static struct limit_entry *entry_of(struct chat_limit *l, const char *key, double now)
{
	struct limit_entry *set = l->entries + key_hash(l->seed, key) % LIMIT_SETS * LIMIT_WAYS;
	struct limit_entry *idle = NULL, *oldest = set, *e;
	for (size_t i = 0; i < LIMIT_WAYS; i++) {
		e = &set[i];
		if (!strcmp(e->key, key))
			return e;
		/* empty, or full again: forgetting it changes nothing */
		if (!e->key[0] || refilled(l, e, now) >= l->rate.burst)
			idle = e;
		if (e->last < oldest->last)
			oldest = e;
	}
	e = idle ? idle : oldest;
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->tokens = l->rate.burst;
	e->last = now;
	return e;
}

unsigned chat_limit_take(struct chat_limit *l, const char *key)
{
	struct limit_entry *e;
	double now;
	unsigned wait = 0;
	if (!l->entries)
		return 0;
	now = now_seconds();
	pthread_mutex_lock(&l->lock);
	e = entry_of(l, key, now);
	e->tokens = refilled(l, e, now);
	e->last = now;
	if (e->tokens >= 1)
		e->tokens -= 1;
	else
		wait = (unsigned)ceil((1 - e->tokens) / l->rate.per_second);
	pthread_mutex_unlock(&l->lock);
	return wait;
}

struct last_value {
	const char *name, *value;
};

static enum MHD_Result keep_last(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct last_value *lv = cls;
	if (!strcasecmp(key, lv->name))
		lv->value = value;
	return MHD_YES;
}

/* The last address of the last X-Forwarded-For field: the one our proxy added. */
static int forwarded_for(char *out, struct MHD_Connection *c)
{
	struct last_value lv = { "X-Forwarded-For", NULL };
	const char *p;
	size_t len;
	unsigned char bin[sizeof(struct in6_addr)];
	char addr[CHAT_ADDRESS_MAX];

	MHD_get_connection_values(c, MHD_HEADER_KIND, keep_last, &lv);
	if (!lv.value)
		return -1;
	p = strrchr(lv.value, ',');
	p = p ? p + 1 : lv.value;
	p += strspn(p, " \t");
	len = strcspn(p, " \t");
	if (!len || len >= sizeof(addr))
		return -1;
	memcpy(addr, p, len);
	addr[len] = '\0';
	/* what a proxy writes is an address; anything else is not believed */
	if (inet_pton(AF_INET, addr, bin) != 1 && inet_pton(AF_INET6, addr, bin) != 1)
		return -1;
	memcpy(out, addr, len + 1);
	return 0;
}

void chat_client_address(char out[CHAT_ADDRESS_MAX], const struct gateway_server *gw, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	if (gw->trust_proxy && !forwarded_for(out, c))
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, CHAT_ADDRESS_MAX, "?");
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, ci->client_addr->sa_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
			    out, CHAT_ADDRESS_MAX, NULL, 0, NI_NUMERICHOST);
}

int chat_limited(enum MHD_Result *ret, struct gateway_server *gw, struct chat_limit *l, const char *key,
		 struct MHD_Connection *c, const char *method, const char *url)
{
	unsigned wait = chat_limit_take(l, key);
	struct MHD_Response *r;
	char seconds[16];
	if (!wait)
		return 0;
	chat_log_request(gw, c, method, url, MHD_HTTP_TOO_MANY_REQUESTS,
			 l == &gw->per_visitor ? "too many messages from one visitor" :
			 "too many requests from one address");
	snprintf(seconds, sizeof(seconds), "%u", wait);
	r = chat_response(gw, c, "{\"error\":\"too many requests: wait and try again\"}");
	*ret = MHD_NO;
	if (r) {
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
		*ret = MHD_queue_response(c, MHD_HTTP_TOO_MANY_REQUESTS, r);
		MHD_destroy_response(r);
	}
	return 1;
}
