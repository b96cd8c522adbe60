/*
 * The operation log (lib/store/oplog.c) and what is derived from it (lib/store/record.c:
 * the replay of dialogs, users and operators).  The input is "LOG\0LOG":
 * two clones' logs.  Their union must not depend on the order they merge
 * in, formatting must be stable, and a new operation must come after every
 * operation already in the log, or clones would replay it in the past.
 */
#include "fuzz.h"
#include "store/oplog.h"
#include "store/record.h"

static size_t lines(const struct strbuf *sb)
{
	size_t n = 0;
	for (size_t k = 0; k < sb->len; k++) {
		FUZZ_CHECK(sb->buf[k] != '\r', "a derived file holds a CR");
		n += sb->buf[k] == '\n';
	}
	return n;
}

/* A derived file has one line per field: nothing in the log may forge another. */
static void derive(const char *dir, const char *log, size_t len)
{
	struct derived_file files[RECORD_MAX_DERIVED];
	/* a dialog's customer messages: unknown, or a few (a close counts them) */
	long incoming = (long)(len % 4) - 1;
	size_t n = record_derive(files, dir, log, len, incoming);
	struct oplog ops = OPLOG_INIT;

	oplog_parse(&ops, log, len);
	if (!strncmp(dir, "users/", 6)) {
		struct user_state st;
		user_state_replay(&st, &ops);
		FUZZ_CHECK(lines(&files[0].content) == !!st.name + st.idents.nr + !!st.merged_into + 1 +
			   (st.props.nr ? 1 + st.props.nr : 0), "a user card with a forged line");
		user_state_clear(&st);
	} else if (!strncmp(dir, "dialogs/", 8)) {
		struct dialog_state st;
		dialog_state_replay(&st, &ops, incoming);
		FUZZ_CHECK(lines(&files[0].content) == 1 && lines(&files[1].content) == !!st.assignee &&
			   lines(&files[2].content) == st.tags.nr, "a dialog's state with a forged line");
		dialog_state_clear(&st);
	} else {
		struct operator_state st;
		operator_state_replay(&st, &ops);
		FUZZ_CHECK(lines(&files[0].content) == (st.known ? 2 + !!st.email : 0),
			   "an operator card with a forged line");
		operator_state_clear(&st);
	}
	oplog_clear(&ops);
	derived_files_release(files, n);
}

static void check_add(const char *text, size_t len)
{
	struct oplog log = OPLOG_INIT;
	oplog_parse(&log, text, len);
	oplog_add(&log, 1700000000, "alice", "tag", "+vip", NULL);
	FUZZ_CHECK(log.nr && !strcmp(log.ops[log.nr - 1].verb, "tag"), "oplog_add added nothing");
	for (size_t i = 0; i + 1 < log.nr; i++)
		FUZZ_CHECK(log.ops[i].lamport < log.ops[log.nr - 1].lamport ||
			   log.ops[i].lamport == OPLOG_LAMPORT_MAX,
			   "a new operation (lamport %lu) does not come after lamport %lu",
			   log.ops[log.nr - 1].lamport, log.ops[i].lamport);
	oplog_clear(&log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf ab = STRBUF_INIT, ba = STRBUF_INIT, once = STRBUF_INIT, twice = STRBUF_INIT;
	struct oplog log = OPLOG_INIT;
	char *a, *b;
	size_t alen, blen;

	fuzz_split(data, size, &a, &alen, &b, &blen);

	oplog_parse(&log, a, alen);
	oplog_format(&once, &log);
	oplog_clear(&log);
	oplog_parse(&log, once.buf, once.len);
	oplog_format(&twice, &log);
	oplog_clear(&log);
	FUZZ_CHECK(once.len == twice.len && !memcmp(once.buf, twice.buf, once.len),
		   "a formatted log formats differently");

	oplog_union(&ab, a, alen, b, blen);
	oplog_union(&ba, b, blen, a, alen);
	FUZZ_CHECK(ab.len == ba.len && !memcmp(ab.buf, ba.buf, ab.len), "the union depends on the order");

	check_add(a, alen);
	derive("dialogs/01/23/0123456789abcdef", ab.buf, ab.len);
	derive("users/01/23/0123456789abcdef", ab.buf, ab.len);
	derive("operators/alice", ab.buf, ab.len);

	strbuf_release(&ab);
	strbuf_release(&ba);
	strbuf_release(&once);
	strbuf_release(&twice);
	free(a);
	free(b);
	return 0;
}
