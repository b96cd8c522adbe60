/*
 * What the channel harnesses share: a parsed channel message must become a
 * stored message (chan_msg_format) that reads back as what it is: an
 * incoming message of its channel, from its user, with every file as an
 * attachment of the same size.  Nothing in the channel's JSON may forge a
 * header of dlg's own.
 */
#ifndef DLG_CHAN_FUZZ_H
#define DLG_CHAN_FUZZ_H

#include <jansson.h>

#include "channel/parse.h"
#include "fuzz.h"
#include "store/message.h"

#define FUZZ_USER_ID "0123456789abcdef"

static inline void fuzz_check_chan_msg(const struct chan_msg *m)
{
	struct strbuf out = STRBUF_INIT;
	struct stored_msg sm;

	if (!m->id)
		return;
	FUZZ_CHECK(m->kind && m->user && m->conversation, "a message without kind, user or conversation");
	chan_msg_format(&out, m, FUZZ_USER_ID);
	FUZZ_CHECK(!stored_msg_parse(&sm, "1700000000.0123456789abcdef:2,", out.buf, out.len, MIME_WANT_DATA),
		   "a formatted channel message does not parse");
	FUZZ_CHECK(!strcmp(sm.channel, m->kind), "stored as channel '%s', not '%s'", sm.channel, m->kind);
	FUZZ_CHECK(!sm.out, "an incoming message stored as outgoing");
	FUZZ_CHECK(sm.user && !strcmp(sm.user, FUZZ_USER_ID), "stored under another user");
	FUZZ_CHECK(sm.mime->nattachments == m->nfiles, "%zu files stored as %zu attachments", m->nfiles,
		   sm.mime->nattachments);
	for (size_t i = 0; i < m->nfiles; i++)
		FUZZ_CHECK(sm.mime->attachments[i].size == m->files[i].data.len,
			   "a file of %zu bytes stored as %zu", m->files[i].data.len, sm.mime->attachments[i].size);
	FUZZ_TEXT(sm.mime->text, "a channel message's text");
	FUZZ_TEXT(sm.mime->subject, "a channel message's subject");
	stored_msg_clear(&sm);
	strbuf_release(&out);
}

/* Calls fn on every object in the JSON tree: the message parsers get each
   of them, whatever shape of answer the fuzzer built around it. */
static inline void fuzz_json_objects(json_t *j, void (*fn)(json_t *obj, void *arg), void *arg, int depth)
{
	const char *key;
	json_t *v;
	size_t i;
	if (depth > 32)
		return;
	if (json_is_object(j)) {
		fn(j, arg);
		json_object_foreach(j, key, v)
			fuzz_json_objects(v, fn, arg, depth + 1);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			fuzz_json_objects(v, fn, arg, depth + 1);
	}
}

/* A parsed message with the files it names "downloaded" (each its ref's
   bytes) must store as it should; then both are cleared. */
static inline void fuzz_check_parsed(struct chan_msg *m, struct chan_refs *refs)
{
	for (size_t i = 0; i < refs->nr; i++)
		strbuf_addstr(&chan_msg_add_file(m, refs->v[i].name, refs->v[i].type)->data, refs->v[i].ref);
	fuzz_check_chan_msg(m);
	chan_refs_clear(refs);
	chan_msg_clear(m);
}

/* The input as an HTTP answer, status from its first byte (200 when it is '{'). */
static inline void fuzz_response(struct http_response *r, const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 400, 403, 429, 500, 502 };
	strbuf_init(&r->body, 0);
	r->retry_after = -1;
	r->status = 200;
	if (size && data[0] != '{' && data[0] != '[') {
		r->status = statuses[data[0] % (sizeof(statuses) / sizeof(*statuses))];
		data++;
		size--;
	}
	strbuf_add(&r->body, data, size);
}

#endif
