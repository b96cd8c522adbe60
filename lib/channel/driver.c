/*
 * The driver table and what every driver shares: fetch batches, file
 * downloads, delivery results.  The engines around the drivers are
 * fetch.c (batches committed before cursors move) and send.c.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "channel/driver.h"
#include "channel/http.h"

const struct channel_driver *channel_driver_for(const char *type)
{
	static const struct channel_driver *const drivers[] = { &chat_driver, &telegram_driver,
								&email_driver, &vk_driver,
								&facebook_driver };
	for (size_t i = 0; i < sizeof(drivers) / sizeof(*drivers); i++)
		if (!strcmp(drivers[i]->type, type))
			return drivers[i];
	return NULL;
}

void fetch_batch_init(struct fetch_batch *b)
{
	memset(b, 0, sizeof(*b));
	strbuf_init(&b->cursor, 0);
}

void fetch_batch_clear(struct fetch_batch *b)
{
	for (size_t i = 0; i < b->nmsgs; i++)
		chan_msg_clear(&b->msgs[i]);
	free(b->msgs);
	for (size_t i = 0; i < b->nemails; i++)
		strbuf_release(&b->emails[i]);
	free(b->emails);
	strbuf_release(&b->cursor);
	strlist_clear(&b->done);
	strlist_clear(&b->warnings);
	fetch_batch_init(b);
}

struct chan_msg *fetch_batch_add_msg(struct fetch_batch *b)
{
	ALLOC_GROW(b->msgs, b->nmsgs + 1, b->alloc);
	memset(&b->msgs[b->nmsgs], 0, sizeof(*b->msgs));
	return &b->msgs[b->nmsgs++];
}

struct strbuf *fetch_batch_add_email(struct fetch_batch *b)
{
	ALLOC_GROW(b->emails, b->nemails + 1, b->ealloc);
	strbuf_init(&b->emails[b->nemails], 0);
	return &b->emails[b->nemails++];
}

int chan_msg_download(struct chan_msg *m, const struct channel_api *api, const char *url,
		      const char *name, const char *type)
{
	struct http_response r = HTTP_RESPONSE_INIT;
	struct http_request req = { "GET", url, NULL, 0, 0, NULL, 0, NULL, 4 * api->timeout_ms };
	int err = http_request(&r, &req);
	if (!err && r.status >= 500)
		err = dlg_error(DLG_ENETWORK, "downloading %s: HTTP %ld", name, r.status);
	else if (!err && r.status == 200)
		strbuf_addbuf(&chan_msg_add_file(m, name, type)->data, &r.body);
	else if (!err)
		chan_msg_note(m, "%s could not be downloaded: HTTP %ld", name, r.status);
	http_response_release(&r);
	return err;
}

int delivery_from_error(struct delivery *d, int err, long retry_after)
{
	d->state = err == DLG_ENETWORK ? DELIVERY_RETRY : DELIVERY_FAILED;
	d->retry_after = retry_after;
	strbuf_addstr(&d->error, dlg_error_last());
	return 0;
}

void outgoing_text(struct strbuf *out, const struct outgoing *o)
{
	strbuf_addstr(out, o->msg->mime->text ? o->msg->mime->text : "");
	strbuf_rtrim(out);
}
