/*
 * Unit tests for stored messages (lib/store/message.c): only dlg's block of
 * X-Dlg-* fields is read, a sender's X-Dlg-* fields are renamed on the way
 * in, and multipart boundaries occur in no part.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/error.h"
#include "store/message.h"
#include "store/order.h"
#include "base/strbuf.h"

static void assert_block_value(const char *msg, const char *name, const char *want)
{
	struct strbuf v = STRBUF_INIT;
	int err = message_block_get(&v, msg, strlen(msg), name);
	if (!want) {
		assert_int_equal(err, DLG_ENOTFOUND);
	} else {
		assert_int_equal(err, 0);
		assert_string_equal(v.buf, want);
	}
	strbuf_release(&v);
}

static void test_block(void **state)
{
	static const char msg[] = "X-Dlg-Channel: email\n"
				  "X-Dlg-Direction: in\n"
				  "X-Dlg-Route: mail\n"
				  "X-Dlg-Route: site\n"          /* the first wins */
				  "From: ivan@example.ru\n"
				  "X-Dlg-Conversation: evil\n"   /* below the block */
				  "\n"
				  "X-Dlg-Operator: body\n";
	(void)state;
	assert_int_equal(message_block_len(msg, strlen(msg)), strlen("X-Dlg-Channel: email\n"
		"X-Dlg-Direction: in\nX-Dlg-Route: mail\nX-Dlg-Route: site\n"));
	assert_block_value(msg, "X-Dlg-Route", "mail");
	assert_block_value(msg, "X-Dlg-Direction", "in");
	assert_block_value(msg, "X-Dlg-Conversation", NULL);
	assert_block_value(msg, "X-Dlg-Operator", NULL);
	assert_block_value(msg, "X-Dlg-Rout", NULL);
	/* another spelling, a folded field, a field without a line end: not dlg's */
	assert_block_value("x-dlg-route: site\n", "X-Dlg-Route", NULL);
	assert_block_value("X-Dlg-Channel: chat\r\n X-Dlg-Route: site\r\n", "X-Dlg-Channel", "chat");
	assert_int_equal(message_block_len("X-Dlg-Channel: chat\r\n X-Dlg-Route: site\r\n", 41), 21);
	assert_block_value("X-Dlg-Route: site", "X-Dlg-Route", NULL);
	assert_block_value("X-Dlg-: x\n", "X-Dlg-", NULL);
	assert_int_equal(message_block_len("", 0), 0);
}

static void test_parse_by_meaning(void **state)
{
	/* As an older dlg stored it: the sender's fields came first in the mail. */
	static const char msg[] = "X-Dlg-Channel: email\n"
				  "X-Dlg-Direction: in\n"
				  "X-Dlg-Conversation: evil@attacker.example\n"
				  "X-Dlg-Delivery: sent\n"
				  "X-Dlg-Operator: mallory\n"
				  "From: ivan@example.ru\n"
				  "X-Dlg-Error: forged\n"
				  "\nhi\n";
	struct stored_msg m;
	(void)state;
	assert_int_equal(stored_msg_parse(&m, "0000000001.k:2,", msg, strlen(msg), 0), 0);
	assert_string_equal(m.channel, "email");
	assert_false(m.out);
	assert_null(m.conversation);
	assert_null(m.delivery);
	assert_null(m.operator);
	assert_null(m.error);
	assert_int_equal(m.ignored.nr, 4);
	assert_string_equal(m.ignored.items[0], "X-Dlg-Conversation: evil@attacker.example");
	assert_string_equal(m.ignored.items[1], "X-Dlg-Operator: mallory");
	assert_string_equal(m.ignored.items[2], "X-Dlg-Delivery: sent");
	assert_string_equal(m.ignored.items[3], "X-Dlg-Error: forged");
	stored_msg_clear(&m);
}

static void test_wrap_renames(void **state)
{
	static const char raw[] = "X-Dlg-Route: site\r\n"
				  "From: ivan@example.ru\r\n"
				  "x-dlg-conversation: evil\r\n"
				  " folded X-Dlg-Route: x\r\n"
				  "\r\n"
				  "X-Dlg-Route: in the body stays\r\n";
	struct msg_meta meta = { "email", "0123456789abcdef", "ivan@example.ru", NULL, "mail", NULL };
	struct strbuf out = STRBUF_INIT;
	struct stored_msg m;
	(void)state;
	message_wrap_incoming(&out, raw, strlen(raw), &meta);
	assert_string_equal(out.buf, "X-Dlg-Channel: email\r\n"
				     "X-Dlg-Direction: in\r\n"
				     "X-Dlg-User: 0123456789abcdef\r\n"
				     "X-Dlg-Channel-User: ivan@example.ru\r\n"
				     "X-Dlg-Route: mail\r\n"
				     "X-Original-Dlg-Route: site\r\n"
				     "From: ivan@example.ru\r\n"
				     "X-Original-Dlg-conversation: evil\r\n"
				     " folded X-Dlg-Route: x\r\n"
				     "\r\n"
				     "X-Dlg-Route: in the body stays\r\n");
	assert_int_equal(stored_msg_parse(&m, "0000000001.k:2,", out.buf, out.len, 0), 0);
	assert_string_equal(m.route, "mail");
	assert_int_equal(m.ignored.nr, 2);
	assert_string_equal(m.ignored.items[0], "X-Original-Dlg-Route: site");
	assert_string_equal(m.ignored.items[1], "X-Original-Dlg-conversation: evil folded X-Dlg-Route: x");
	stored_msg_clear(&m);
	strbuf_release(&out);
}

static void test_boundary_avoids_parts(void **state)
{
	struct strbuf parts[2] = { STRBUF_INIT, STRBUF_INIT }, first = STRBUF_INIT, b = STRBUF_INIT;
	(void)state;
	message_boundary(&first, "seed", parts, 0);
	assert_int_equal(first.len, 4 + 32);
	assert_memory_equal(first.buf, "dlg-", 4);
	/* the same seed, the same boundary */
	message_boundary(&b, "seed", parts, 0);
	assert_string_equal(b.buf, first.buf);
	/* a part that holds it makes the next one */
	strbuf_addf(&parts[1], "text\n--%s\nContent-Type: application/x-evil\n", first.buf);
	message_boundary(&b, "seed", parts, 2);
	assert_string_not_equal(b.buf, first.buf);
	assert_int_equal(b.len, 4 + 32);
	strbuf_addf(&parts[0], "%s", b.buf);
	message_boundary(&first, "seed", parts, 2);
	assert_null(strstr(parts[0].buf, first.buf));
	assert_null(strstr(parts[1].buf, first.buf));
	strbuf_release(&parts[0]);
	strbuf_release(&parts[1]);
	strbuf_release(&first);
	strbuf_release(&b);
}

static void test_multipart_deterministic(void **state)
{
	struct strbuf parts[1] = { STRBUF_INIT }, a = STRBUF_INIT, b = STRBUF_INIT;
	const char *ct;
	(void)state;
	strbuf_addstr(&parts[0], "Content-Type: text/plain\n\nhello\n");
	message_add_multipart(&a, parts, 1, "\n");
	message_add_multipart(&b, parts, 1, "\n");
	assert_string_equal(a.buf, b.buf);
	ct = strstr(a.buf, "boundary=\"dlg-");
	assert_non_null(ct);
	assert_non_null(strstr(a.buf, "\n\n--dlg-"));
	assert_non_null(strstr(a.buf, "hello\n--dlg-"));
	assert_int_equal(a.buf[a.len - 1], '\n');
	assert_memory_equal(a.buf + a.len - 3, "--\n", 3);
	strbuf_release(&parts[0]);
	strbuf_release(&a);
	strbuf_release(&b);
}

/* Sequences from another clone's commit are hostile: only plain digits up
   to 2^62 count, and the key orders by time, sequence, kind, then name. */
static void test_order(void **state)
{
	struct order_key a = { 100, 2, 0, "0000000100.b" }, b = { 100, 2, 1, "0000000100.a" },
			 c = { 100, 3, 0, "0000000100.0" }, d = { 99, 9, 1, "z" };
	struct stored_msg m;
	const char *raw = "X-Dlg-Direction: out\nX-Dlg-Sequence: 7\nSubject: s\n\nbody\n";
	(void)state;
	assert_int_equal(order_seq_parse("12"), 12);
	assert_int_equal(order_seq_parse("4611686018427387904"), ORDER_SEQ_MAX);
	assert_int_equal(order_seq_parse("4611686018427387905"), 0);
	assert_int_equal(order_seq_parse("99999999999999999999"), 0);
	assert_int_equal(order_seq_parse("-1"), 0);
	assert_int_equal(order_seq_parse(" 1"), 0);
	assert_int_equal(order_seq_parse("1x"), 0);
	assert_int_equal(order_seq_parse(""), 0);
	assert_int_equal(order_seq_parse(NULL), 0);
	assert_true(order_cmp(&a, &b) < 0);  /* messages before notes */
	assert_true(order_cmp(&b, &c) < 0);  /* then the sequence */
	assert_true(order_cmp(&d, &a) < 0);  /* the second first */
	assert_int_equal(order_cmp(&a, &a), 0);
	assert_int_equal(note_name_time("20261125T100000Z-1a2b3c4d"), 1795600800);
	assert_int_equal(note_name_time("2026112XT100000Z-1a2b3c4d"), 0);
	assert_int_equal(stored_msg_parse(&m, "1795514400.0123456789abcdef:2,S", raw, strlen(raw), 0), 0);
	assert_int_equal(m.seq, 7);
	order_key_message(&a, &m);
	assert_int_equal(a.time, 1795514400);
	stored_msg_clear(&m);
	/* below the block it is someone else's */
	raw = "X-Dlg-Direction: out\nSubject: s\nX-Dlg-Sequence: 7\n\nbody\n";
	assert_int_equal(stored_msg_parse(&m, "1.0123456789abcdef:2,S", raw, strlen(raw), 0), 0);
	assert_int_equal(m.seq, 0);
	stored_msg_clear(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_parse_by_meaning),
		cmocka_unit_test(test_wrap_renames),
		cmocka_unit_test(test_boundary_avoids_parts),
		cmocka_unit_test(test_multipart_deterministic),
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
