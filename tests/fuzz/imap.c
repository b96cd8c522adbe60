/*
 * IMAP answers (lib/channel/imap.c): the input is everything a server sends, read
 * through the real client code (imap_open, EXAMINE, UID SEARCH, UID FETCH)
 * with libcurl's connection replaced by the input: curl_easy_recv hands it
 * over in pieces of varying size, curl_easy_send swallows the commands.
 * lib/channel/imap.c is untouched; only the table of libcurl functions it calls
 * through (lib/channel/curllib.h) is filled with these instead.
 */
#include <stdarg.h>

/* the table itself, not the curl_* names that call through it */
#define CURLLIB_IMPL
#include "channel/curllib.h"
#include "fuzz.h"
#include "channel/imap.h"

static const uint8_t *feed;
static size_t feed_left, feed_step;

static CURL *fake_init(void)
{
	static int handle;
	return (CURL *)&handle;
}

static CURLcode fake_setopt(CURL *c, CURLoption o, ...)
{
	return CURLE_OK;
}

static CURLcode fake_perform(CURL *c)
{
	return CURLE_OK;
}

static CURLcode fake_getinfo(CURL *c, CURLINFO info, ...)
{
	va_list ap;
	va_start(ap, info);
	if (info == CURLINFO_ACTIVESOCKET)
		*va_arg(ap, curl_socket_t *) = 0; /* never polled: recv never says CURLE_AGAIN */
	va_end(ap);
	return CURLE_OK;
}

static CURLcode fake_recv(CURL *c, void *buf, size_t len, size_t *n)
{
	/* pieces of 1 to 64 bytes and more, so lines and literals split anywhere */
	size_t step = feed_step++ % 7 ? 1 + feed_step % 64 : 4096;
	*n = step < len ? step : len;
	if (*n > feed_left)
		*n = feed_left;
	memcpy(buf, feed, *n);
	feed += *n;
	feed_left -= *n;
	return CURLE_OK;
}

static CURLcode fake_send(CURL *c, const void *buf, size_t len, size_t *n)
{
	*n = len;
	return CURLE_OK;
}

static const char *fake_strerror(CURLcode rc)
{
	return "fuzz";
}

static void fake_cleanup(CURL *c)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap *im;
	unsigned long long validity, *uids = NULL;
	size_t n = 0;
	int more;

	curllib.curl_easy_init = fake_init;
	curllib.curl_easy_setopt = fake_setopt;
	curllib.curl_easy_perform = fake_perform;
	curllib.curl_easy_getinfo = fake_getinfo;
	curllib.curl_easy_recv = fake_recv;
	curllib.curl_easy_send = fake_send;
	curllib.curl_easy_strerror = fake_strerror;
	curllib.curl_easy_cleanup = fake_cleanup;
	curllib_ready = 1;
	feed = data;
	feed_left = size;
	feed_step = 0;

	if (imap_open(&im, "imap://fuzz.invalid/INBOX", "u", "p", 1000) < 0)
		return 0;
	if (!imap_examine(im, &validity) && !imap_uids_after(&uids, &n, &more, im, 10, 5)) {
		FUZZ_CHECK(n <= 5, "more UIDs than asked for");
		for (size_t i = 0; i < n; i++) {
			struct strbuf msg = STRBUF_INIT;
			FUZZ_CHECK(uids[i] > 10 && (!i || uids[i - 1] <= uids[i]), "UIDs out of order or too low");
			if (i < 3 && imap_fetch(&msg, im, uids[i]) < 0 && !feed_left)
				i = n; /* the server went away */
			strbuf_release(&msg);
		}
	}
	free(uids);
	imap_close(im);
	return 0;
}
