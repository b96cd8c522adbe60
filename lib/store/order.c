#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "store/layout.h"
#include "store/order.h"
#include "store/record.h"

int order_cmp(const struct order_key *a, const struct order_key *b)
{
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->note != b->note)
		return a->note ? 1 : -1;
	return strcmp(a->name, b->name);
}

int order_cmp_qsort(const void *a, const void *b)
{
	return order_cmp(a, b);
}

unsigned long order_seq_parse(const char *s)
{
	char *end;
	unsigned long v;
	/* digits only: strtoul would take "-1" for the largest */
	if (!s || *s < '0' || *s > '9' || strlen(s) > 19)
		return 0;
	v = strtoul(s, &end, 10);
	return *end || v > ORDER_SEQ_MAX ? 0 : v;
}

void note_name_second(struct strbuf *out, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strbuf_addf(out, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

time_t note_name_time(const char *name)
{
	struct strbuf iso = STRBUF_INIT;
	time_t t = 0;
	/* YYYYMMDDTHHMMSSZ as YYYY-MM-DDTHH:MM:SSZ */
	if (strlen(name) >= 16 && strspn(name, "0123456789") == 8 && name[8] == 'T' &&
	    strspn(name + 9, "0123456789") == 6 && name[15] == 'Z') {
		strbuf_addf(&iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", name, name + 4, name + 6, name + 9,
			    name + 11, name + 13);
		if (time_parse(&t, iso.buf) < 0)
			t = 0;
	}
	strbuf_release(&iso);
	return t;
}

void order_key_message(struct order_key *k, const struct stored_msg *m)
{
	k->time = message_name_time(m->name);
	k->seq = m->seq;
	k->note = 0;
	k->name = m->name;
}

void order_key_note(struct order_key *k, const char *name, const char *buf, size_t len)
{
	char *seq = kv_get(buf, len, "Sequence");
	k->time = note_name_time(name);
	k->seq = order_seq_parse(seq);
	k->note = 1;
	k->name = name;
	free(seq);
}

int order_last_message(struct stored_msg *out, const struct strlist *names, order_read_fn *read,
		       void *ctx)
{
	struct order_key best, k;
	int found = 0;
	for (size_t i = names->nr; i-- > 0;) {
		struct stored_msg m;
		if (found && message_name_time(names->items[i]) != best.time)
			break;
		if (read(&m, names->items[i], ctx) < 0)
			continue;
		order_key_message(&k, &m);
		if (found && order_cmp(&k, &best) < 0) {
			stored_msg_clear(&m);
			continue;
		}
		if (found)
			stored_msg_clear(out);
		*out = m;
		order_key_message(&best, out);
		found = 1;
	}
	return found ? 0 : DLG_ENOTFOUND;
}

/* The largest sequence among the files in dir/sub whose names start with prefix. */
static int max_seq_in(unsigned long *max, struct dlg_tx *tx, const char *dir, const char *sub,
		      const char *prefix)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	size_t plen = strlen(prefix);
	int err = 0;

	strbuf_addf(&path, "%s/%s", dir, sub);
	tx_list(&names, tx, path.buf);
	for (size_t i = 0; i < names.nr && !err; i++) {
		unsigned long seq;
		char *field;
		if (strncmp(names.items[i], prefix, plen))
			continue;
		strbuf_reset(&path);
		strbuf_reset(&data);
		strbuf_addf(&path, "%s/%s/%s", dir, sub, names.items[i]);
		if ((err = tx_read(&data, tx, path.buf)) == DLG_ENOTFOUND)
			err = 0; /* a directory where a file belongs: no item */
		if (err < 0)
			break;
		if (!strcmp(sub, "cur")) {
			seq = message_seq(data.buf, data.len);
		} else {
			field = kv_get(data.buf, data.len, "Sequence");
			seq = order_seq_parse(field);
			free(field);
		}
		if (seq > *max)
			*max = seq;
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int order_next_seq(unsigned long *out, struct dlg_tx *tx, const char *dir)
{
	struct strbuf prefix = STRBUF_INIT;
	unsigned long max = 0;
	int err;

	message_name_second(&prefix, tx_time(tx));
	strbuf_addch(&prefix, '.');
	err = max_seq_in(&max, tx, dir, "cur", prefix.buf);
	strbuf_reset(&prefix);
	note_name_second(&prefix, tx_time(tx));
	strbuf_addch(&prefix, '-');
	if (!err)
		err = max_seq_in(&max, tx, dir, "notes", prefix.buf);
	strbuf_release(&prefix);
	*out = max < ORDER_SEQ_MAX ? max + 1 : ORDER_SEQ_MAX;
	return err;
}
