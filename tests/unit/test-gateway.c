/*
 * Unit tests for lib/channel/gateway.c: tokens only the key makes, a
 * visitor message that dlg fetch reads, a visitor's own answers only.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "channel/answers.h"
#include "channel/gateway.h"
#include "store/chanmsg.h"

static char dir[] = "/tmp/dlg-test-gateway-XXXXXX";
static struct spool sp;
static const unsigned char key[GATEWAY_KEY_SIZE] = "0123456789abcdef0123456789abcdef";

static int setup(void **state)
{
	struct strbuf spool = STRBUF_INIT;
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	strbuf_addf(&spool, "%s/spool", dir);
	if (mkdir(spool.buf, 0755) < 0)
		return -1;
	strbuf_addstr(&spool, "/new");
	if (mkdir(spool.buf, 0755) < 0)
		return -1;
	strbuf_setlen(&spool, spool.len - 4);
	if (spool_open_dir(&sp, spool.buf, SPOOL_TMP | SPOOL_NEW | SPOOL_OUT) < 0)
		return -1;
	strbuf_release(&spool);
	return 0;
}

static int teardown(void **state)
{
	struct strbuf cmd = STRBUF_INIT;
	int rc;
	(void)state;
	spool_close(&sp);
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	rc = system(cmd.buf);
	strbuf_release(&cmd);
	return rc ? -1 : 0;
}

static void test_token_round_trip(void **state)
{
	struct strbuf tok = STRBUF_INIT, v = STRBUF_INIT;
	char id[GATEWAY_VISITOR_ID_LEN + 1];
	(void)state;
	gateway_visitor_id(id);
	assert_int_equal(strlen(id), GATEWAY_VISITOR_ID_LEN);
	gateway_token_make(&tok, key, id, 2000000000);
	assert_null(strpbrk(tok.buf, "+/=."));
	assert_int_equal(gateway_token_verify(&v, key, tok.buf, 1900000000), 0);
	assert_string_equal(v.buf, id);
	strbuf_release(&tok);
	strbuf_release(&v);
}

static void test_token_refused(void **state)
{
	static const unsigned char other[GATEWAY_KEY_SIZE] = "another key, another gateway....";
	struct strbuf tok = STRBUF_INIT, v = STRBUF_INIT;
	(void)state;
	gateway_token_make(&tok, key, "abcdef0123456789abcdef01", 2000000000);
	/* expired */
	assert_int_equal(gateway_token_verify(&v, key, tok.buf, 2000000000), DLG_EINVALID);
	assert_non_null(strstr(dlg_error_last(), "expired"));
	/* another key */
	assert_int_equal(gateway_token_verify(&v, other, tok.buf, 1900000000), DLG_EINVALID);
	/* every byte changed, one at a time */
	for (size_t i = 0; i < tok.len; i++) {
		char saved = tok.buf[i];
		tok.buf[i] = saved == 'A' ? 'B' : 'A';
		assert_int_equal(gateway_token_verify(&v, key, tok.buf, 1900000000), DLG_EINVALID);
		tok.buf[i] = saved;
	}
	/* cut short, grown, empty, not base64url */
	strbuf_setlen(&tok, tok.len - 1);
	assert_int_equal(gateway_token_verify(&v, key, tok.buf, 1900000000), DLG_EINVALID);
	assert_int_equal(gateway_token_verify(&v, key, "", 1900000000), DLG_EINVALID);
	assert_int_equal(gateway_token_verify(&v, key, "a+b/c==", 1900000000), DLG_EINVALID);
	strbuf_addstr(&tok, "AAAA");
	assert_int_equal(gateway_token_verify(&v, key, tok.buf, 1900000000), DLG_EINVALID);
	strbuf_release(&tok);
	strbuf_release(&v);
}

static void test_key_made_once(void **state)
{
	unsigned char k1[GATEWAY_KEY_SIZE], k2[GATEWAY_KEY_SIZE];
	struct strbuf path = STRBUF_INIT;
	struct stat st;
	(void)state;
	assert_int_equal(gateway_key_load(k1, dir, "site"), 0);
	strbuf_addf(&path, "%s/secrets/site.chat-key", dir);
	assert_int_equal(lstat(path.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, GATEWAY_KEY_SIZE);
	assert_int_equal(gateway_key_load(k2, dir, "site"), 0);
	assert_memory_equal(k1, k2, GATEWAY_KEY_SIZE);
	/* readable by others: refused, never used */
	assert_int_equal(chmod(path.buf, 0644), 0);
	assert_true(gateway_key_load(k2, dir, "site") < 0);
	/* a planted link is not followed */
	assert_int_equal(unlink(path.buf), 0);
	assert_int_equal(symlink("/etc/passwd", path.buf), 0);
	assert_true(gateway_key_load(k2, dir, "site") < 0);
	unlink(path.buf);
	strbuf_release(&path);
}

static void test_message_is_what_fetch_reads(void **state)
{
	struct gateway_message m = { "abcdef0123456789abcdef01", "Анна", "anna@example.ru",
				     "https://shop.example/tea", "Где мой заказ? 🍵", 1795600000, NULL, NULL, NULL, 0 };
	struct strbuf id = STRBUF_INIT, data = STRBUF_INIT, name = STRBUF_INIT;
	struct chan_msg cm;
	DIR *d;
	struct dirent *de;
	int n = 0;
	(void)state;
	assert_int_equal(gateway_message_write(&id, &sp, &m), 0);
	assert_true(id.len > 0);
	assert_non_null(d = fdopendir(dup(sp.new)));
	rewinddir(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			n++;
			strbuf_addstr(&name, de->d_name);
		}
	closedir(d);
	assert_int_equal(n, 1);
	assert_int_equal(file_read_regular(&data, sp.new, name.buf, FILE_NOFOLLOW, FILE_NO_LIMIT), 0);
	assert_int_equal(chan_msg_from_json(&cm, data.buf, data.len, "site"), 0);
	assert_string_equal(cm.user, m.visitor);
	assert_string_equal(cm.kind, "chat");
	assert_string_equal(cm.name, "Анна");
	assert_string_equal(cm.email, "anna@example.ru");
	assert_string_equal(cm.page, m.page);
	assert_string_equal(cm.text, m.text);
	assert_int_equal(cm.date, m.date);
	chan_msg_clear(&cm);
	/* nothing left in tmp/ */
	assert_non_null(d = fdopendir(dup(sp.tmp)));
	rewinddir(d);
	while ((de = readdir(d)))
		assert_true(de->d_name[0] == '.');
	closedir(d);
	unlinkat(sp.new, name.buf, 0);
	/* empty and too long texts are refused */
	m.text = "";
	assert_int_equal(gateway_message_write(&id, &sp, &m), DLG_EINVALID);
	strbuf_reset(&data);
	for (int i = 0; i <= GATEWAY_TEXT_MAX; i++)
		strbuf_addstr(&data, "я");
	assert_int_equal(gateway_text_chars(data.buf), GATEWAY_TEXT_MAX + 1);
	m.text = data.buf;
	assert_int_equal(gateway_message_write(&id, &sp, &m), DLG_EINVALID);
	strbuf_release(&id);
	strbuf_release(&data);
	strbuf_release(&name);
}

static void put_out(const char *name, const char *json)
{
	assert_int_equal(file_write_at(sp.tmp, "t.", sp.out, name, json, strlen(json), FILE_NO_SYNC), 0);
}

/* A visitor's answers as the gateway serves them: from an index of out/ made now. */
static int gateway_replies(json_t **out, const struct spool *s, const char *visitor, const char *after)
{
	struct answer_index *idx;
	int err = answer_index_new(&idx, s->out);
	*out = NULL;
	if (!err)
		err = answer_index_replies(out, idx, visitor, after);
	answer_index_free(idx);
	return err;
}

static void test_replies_own_only_in_order_written(void **state)
{
	json_t *r = NULL;
	(void)state;
	/* in the order written, whatever their names and dates: the second was sent late */
	put_out("bbbb.json", "{\"id\":\"bbbb\",\"visitor\":\"v1\",\"text\":\"first\",\"date\":\"2026-11-24T10:00:05Z\"}");
	usleep(20000); /* past the file system clock's tick */
	put_out("aaaa.json", "{\"id\":\"aaaa\",\"visitor\":\"v1\",\"text\":\"second\",\"date\":\"2026-11-24T10:00:00Z\"}");
	put_out("cccc.json", "{\"id\":\"cccc\",\"visitor\":\"v2\",\"text\":\"not yours\",\"date\":\"2026-11-24T10:00:01Z\"}");
	put_out("dddd.json", "{not json");
	assert_int_equal(symlinkat("/etc/passwd", sp.out, "eeee.json"), 0);
	assert_int_equal(gateway_replies(&r, &sp, "v1", NULL), 0);
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "text")), "first");
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "text")), "second");
	json_decref(r);
	assert_int_equal(gateway_replies(&r, &sp, "v1", "bbbb"), 0);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "id")), "aaaa");
	json_decref(r);
	assert_int_equal(gateway_replies(&r, &sp, "v3", NULL), 0);
	assert_int_equal(json_array_size(r), 0);
	json_decref(r);
}

static size_t count_for(struct answer_index *idx, const char *visitor)
{
	json_t *r = NULL;
	size_t n;
	assert_int_equal(answer_index_replies(&r, idx, visitor, NULL), 0);
	n = json_array_size(r);
	json_decref(r);
	return n;
}

/* The gateway's index follows out/ one reported name at a time. */
static void test_answer_index_follows_out(void **state)
{
	struct answer_index *idx = NULL;
	struct strbuf changed = STRBUF_INIT;
	unsigned long g1, g2;
	json_t *r = NULL;
	(void)state;
	put_out("a1.json", "{\"id\":\"a1\",\"visitor\":\"w1\",\"text\":\"one\",\"date\":\"2026-11-24T10:00:00Z\"}");
	assert_int_equal(answer_index_new(&idx, sp.out), 0);
	assert_int_equal(count_for(idx, "w1"), 1);
	g1 = answer_index_generation(idx, "w1");
	g2 = answer_index_generation(idx, "w2");
	/* a new answer: only its visitor's generation moves */
	usleep(20000);
	put_out("a2.json", "{\"id\":\"a2\",\"visitor\":\"w1\",\"text\":\"two\",\"date\":\"2026-11-24T09:00:00Z\"}");
	assert_int_equal(count_for(idx, "w1"), 1); /* not reported yet */
	answer_index_update(&changed, idx, "a2.json");
	assert_string_equal(changed.buf, "w1");
	assert_true(answer_index_generation(idx, "w1") != g1);
	assert_int_equal(answer_index_generation(idx, "w2"), g2);
	assert_int_equal(answer_index_replies(&r, idx, "w1", "a1"), 0);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "text")), "two");
	json_decref(r);
	/* replaced by another visitor's answer: it moves to them */
	put_out("a1.json", "{\"id\":\"a1\",\"visitor\":\"w2\",\"text\":\"moved\",\"date\":\"2026-11-24T10:00:00Z\"}");
	assert_int_equal(count_for(idx, "w1"), 1); /* read again, and no longer w1's */
	answer_index_update(&changed, idx, "a1.json");
	assert_int_equal(count_for(idx, "w1"), 1);
	assert_int_equal(count_for(idx, "w2"), 1);
	/* removed; a name that is no answer changes nobody's */
	assert_int_equal(unlinkat(sp.out, "a2.json", 0), 0);
	answer_index_update(&changed, idx, "a2.json");
	assert_string_equal(changed.buf, "w1");
	assert_int_equal(count_for(idx, "w1"), 0);
	answer_index_update(&changed, idx, "notes.txt");
	assert_string_equal(changed.buf, "");
	/* after an overflow, a rescan finds what went unreported */
	put_out("a3.json", "{\"id\":\"a3\",\"visitor\":\"w1\",\"text\":\"three\",\"date\":\"2026-11-24T10:00:00Z\"}");
	assert_int_equal(answer_index_rescan(idx), 0);
	assert_int_equal(count_for(idx, "w1"), 1);
	answer_index_free(idx);
	strbuf_release(&changed);
}

/* A pop-up's answer with a file: source popup, the file typed by its bytes. */
static void test_message_with_popup_and_file(void **state)
{
	static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89";
	struct gateway_message m = { "abcdef0123456789abcdef01", NULL, NULL, NULL, NULL, 1795600000,
				     "sale-1", "C:\\Users\\anna\\чек.txt", png, sizeof(png) - 1 };
	struct strbuf id = STRBUF_INIT, data = STRBUF_INIT;
	struct chan_msg cm;
	struct dirent *de;
	DIR *d;
	(void)state;
	assert_int_equal(gateway_message_write(&id, &sp, &m), 0);
	assert_non_null(d = fdopendir(dup(sp.new)));
	rewinddir(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			assert_int_equal(file_read_regular(&data, sp.new, de->d_name, FILE_NOFOLLOW, FILE_NO_LIMIT), 0);
			unlinkat(sp.new, de->d_name, 0);
		}
	closedir(d);
	assert_non_null(strstr(data.buf, "\"source\":\"popup\""));
	assert_non_null(strstr(data.buf, "\"popup\":\"sale-1\""));
	assert_int_equal(chan_msg_from_json(&cm, data.buf, data.len, "site"), 0);
	assert_string_equal(cm.kind, "popup");
	assert_string_equal(cm.popup, "sale-1");
	assert_int_equal(cm.nfiles, 1);
	assert_string_equal(cm.files[0].name, "чек.txt");
	assert_string_equal(cm.files[0].type, "image/png");
	assert_int_equal(cm.files[0].data.len, sizeof(png) - 1);
	assert_memory_equal(cm.files[0].data.buf, png, sizeof(png) - 1);
	chan_msg_clear(&cm);
	/* a pop-up id with a line break, an empty file name: refused */
	m.popup = "a\nb";
	assert_int_equal(gateway_message_write(&id, &sp, &m), DLG_EINVALID);
	m.popup = NULL;
	m.file_name = "";
	assert_int_equal(gateway_message_write(&id, &sp, &m), DLG_EINVALID);
	/* no text and no file */
	m.file_name = NULL;
	m.file_data = NULL;
	m.file_len = 0;
	assert_int_equal(gateway_message_write(&id, &sp, &m), DLG_EINVALID);
	strbuf_release(&id);
	strbuf_release(&data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token_round_trip),
		cmocka_unit_test(test_token_refused),
		cmocka_unit_test(test_key_made_once),
		cmocka_unit_test(test_message_is_what_fetch_reads),
		cmocka_unit_test(test_message_with_popup_and_file),
		cmocka_unit_test(test_replies_own_only_in_order_written),
		cmocka_unit_test(test_answer_index_follows_out),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
