#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "base/utf8.h"
#include "store/id.h"
#include "store/summary.h"
#include "store/layout.h"

int dialog_ids_all(struct strlist *out, struct dlg_store *s)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT;
	struct strbuf rel = STRBUF_INIT;
	view_list(&a, s, "dialogs");
	for (size_t i = 0; i < a.nr; i++) {
		strlist_clear(&b);
		strbuf_reset(&rel);
		strbuf_addf(&rel, "dialogs/%s", a.items[i]);
		view_list(&b, s, rel.buf);
		for (size_t j = 0; j < b.nr; j++) {
			size_t before = out->nr;
			strbuf_reset(&rel);
			strbuf_addf(&rel, "dialogs/%s/%s", a.items[i], b.items[j]);
			view_list(out, s, rel.buf);
			for (size_t k = before; k < out->nr;) /* keep only real ids */
				if (is_full_id(out->items[k])) {
					k++;
				} else {
					free(out->items[k]);
					memmove(&out->items[k], &out->items[k + 1],
						(out->nr - k - 1) * sizeof(char *));
					out->nr--;
				}
		}
	}
	strlist_clear(&a);
	strlist_clear(&b);
	strbuf_release(&rel);
	return 0;
}

char *user_display_name(struct dlg_store *s, const char *uid)
{
	struct strbuf dir = STRBUF_INIT, rel = STRBUF_INIT, card = STRBUF_INIT;
	char *name = NULL;
	user_dir(&dir, uid);
	layout_record_file(&rel, dir.buf, "card");
	strbuf_release(&dir);
	if (*uid && !view_read(&card, s, rel.buf)) {
		name = kv_get(card.buf, card.len, "name");
		/* else the first identity line: "kind: value" after the name */
		for (size_t i = 0; !name && i < card.len;) {
			const char *line = card.buf + i, *nl = strchr(line, '\n');
			size_t n = nl ? (size_t)(nl - line) : strlen(line);
			const char *colon = memchr(line, ':', n);
			if (colon && strncmp(line, "dialogs:", 8) && colon + 2 <= line + n)
				name = xstrndup(colon + 2, (size_t)(line + n - colon - 2));
			if (!n)
				break;
			i += n + 1;
		}
	}
	strbuf_release(&rel);
	strbuf_release(&card);
	return name ? name : xstrdup(*uid ? uid : "?");
}

void text_preview(struct strbuf *out, const char *text, size_t cols)
{
	struct strbuf joined = STRBUF_INIT, line = STRBUF_INIT;
	const char *p = text;
	/* The opening lines run together ("Hello," alone says nothing); quoted
	   lines and everything from the signature on are skipped. */
	while (*p && joined.len < cols * 4) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_reset(&line);
		strbuf_add(&line, p, n);
		if (!strcmp(line.buf, "-- ") || !strcmp(line.buf, "--"))
			break;
		strbuf_trim(&line);
		if (line.len && line.buf[0] != '>') {
			if (joined.len)
				strbuf_addch(&joined, ' ');
			strbuf_addbuf(&joined, &line);
		}
		p += n + (nl ? 1 : 0);
	}
	for (size_t i = 0; i < joined.len; i++) /* tabs and the like become spaces */
		if ((unsigned char)joined.buf[i] < 0x20)
			joined.buf[i] = ' ';
	utf8_truncate(out, joined.buf, cols);
	strbuf_release(&joined);
	strbuf_release(&line);
}

static char *first_line(struct strbuf *sb)
{
	strbuf_trim(sb);
	char *nl = strchr(sb->buf, '\n');
	return nl ? xstrndup(sb->buf, (size_t)(nl - sb->buf)) : xstrdup(sb->buf);
}

/* A message's place and direction, for first_unanswered(). */
struct placed_msg {
	struct order_key order;
	int out;
};

static int placed_cmp(const void *a, const void *b)
{
	return order_cmp(&((const struct placed_msg *)a)->order, &((const struct placed_msg *)b)->order);
}

/* When the customer began to wait: the time of the first of the messages
   that follow the operators' last one (the last one from the customer).
   Names sort by second, so only the messages back to the operators' last
   answer and the rest of its second are read, dlg's block alone; the order
   (store/order.h) decides within that second. */
static time_t first_unanswered(struct dlg_store *s, const char *dir, const struct strlist *files)
{
	struct strbuf rel = STRBUF_INIT, data = STRBUF_INIT, direction = STRBUF_INIT;
	struct placed_msg *m = xcalloc(files->nr, sizeof(*m));
	time_t since = message_name_time(files->items[files->nr - 1]), stop = -1;
	size_t n = 0;
	for (size_t i = files->nr; i-- > 0;) {
		time_t t = message_name_time(files->items[i]);
		if (stop >= 0 && t != stop)
			break;
		strbuf_reset(&rel);
		strbuf_reset(&data);
		strbuf_reset(&direction);
		layout_message(&rel, dir, files->items[i]);
		if (view_read(&data, s, rel.buf) < 0)
			continue;
		message_block_get(&direction, data.buf, data.len, "X-Dlg-Direction");
		m[n].order = (struct order_key){ t, message_seq(data.buf, data.len), 0, files->items[i] };
		m[n].out = !strcmp(direction.buf, "out");
		if (m[n++].out && stop < 0)
			stop = t;
	}
	qsort(m, n, sizeof(*m), placed_cmp);
	for (size_t i = n; i-- > 0 && !m[i].out;)
		if (m[i].order.time)
			since = m[i].order.time;
	free(m);
	strbuf_release(&rel);
	strbuf_release(&data);
	strbuf_release(&direction);
	return since;
}

struct view_msgs {
	struct dlg_store *s;
	const char *dir;
	struct strbuf rel, data;
};

static int read_view_msg(struct stored_msg *m, const char *name, void *ctx)
{
	struct view_msgs *v = ctx;
	int err;
	strbuf_reset(&v->rel);
	strbuf_reset(&v->data);
	layout_message(&v->rel, v->dir, name);
	if ((err = view_read(&v->data, v->s, v->rel.buf)) < 0)
		return err;
	return stored_msg_parse(m, name, v->data.buf, v->data.len, 0);
}

int dialog_newest_message(struct stored_msg *out, struct dlg_store *s, const char *id,
			  const struct strlist *names)
{
	struct strbuf dir = STRBUF_INIT;
	struct view_msgs v = { s, NULL, STRBUF_INIT, STRBUF_INIT };
	int err;
	dialog_dir(&dir, id);
	v.dir = dir.buf;
	err = order_last_message(out, names, read_view_msg, &v);
	strbuf_release(&v.rel);
	strbuf_release(&v.data);
	strbuf_release(&dir);
	return err;
}

int dialog_summary_load(struct dialog_summary *d, struct dlg_store *s, const char *id)
{
	struct strbuf dir = STRBUF_INIT, rel = STRBUF_INIT, data = STRBUF_INIT;
	struct strlist files = STRLIST_INIT;
	int err;

	memset(d, 0, sizeof(*d));
	memcpy(d->id, id, DLG_ID_LEN + 1);
	dialog_dir(&dir, id);
	layout_record_file(&rel, dir.buf, "info");
	if ((err = view_read(&data, s, rel.buf)) < 0) {
		if (err == DLG_ENOTFOUND)
			err = dlg_error(DLG_ENOTFOUND, "no dialog '%s'", id);
		goto out;
	}
	dialog_info_parse(&d->info, data.buf, data.len);

	strbuf_reset(&rel);
	strbuf_reset(&data);
	layout_record_file(&rel, dir.buf, "status");
	d->closed = !view_read(&data, s, rel.buf) && !strncmp(data.buf, "closed", 6);
	strbuf_reset(&rel);
	strbuf_reset(&data);
	layout_record_file(&rel, dir.buf, "assignee");
	if (!view_read(&data, s, rel.buf))
		d->assignee = first_line(&data);
	if (d->assignee && !*d->assignee) {
		free(d->assignee);
		d->assignee = NULL;
	}
	strbuf_reset(&rel);
	strbuf_reset(&data);
	layout_record_file(&rel, dir.buf, "tags");
	if (!view_read(&data, s, rel.buf))
		for (char *p = data.buf; *p;) {
			char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			if (n)
				strlist_push_nodup(&d->tags, xstrndup(p, n));
			p += n + (nl ? 1 : 0);
		}

	d->user_name = user_display_name(s, d->info.user);

	dialog_message_names(&files, s, id);
	d->nmsgs = files.nr;
	if (files.nr) {
		struct stored_msg m;
		if (!dialog_newest_message(&m, s, id, &files)) {
			struct strbuf pv = STRBUF_INIT;
			d->last_at = message_name_time(m.name);
			d->waiting = !m.out && !d->closed;
			if (d->waiting)
				d->waiting_since = first_unanswered(s, dir.buf, &files);
			text_preview(&pv, *m.mime->text ? m.mime->text : m.mime->subject, 200);
			d->preview = strbuf_detach(&pv, NULL);
			stored_msg_clear(&m);
		}
	}
	if (!d->preview)
		d->preview = xstrdup("");
	if (!d->last_at)
		d->last_at = d->info.created;
	if (d->waiting && !d->waiting_since)
		d->waiting_since = d->last_at;
out:
	strlist_clear(&files);
	strbuf_release(&dir);
	strbuf_release(&rel);
	strbuf_release(&data);
	if (err < 0)
		dialog_summary_clear(d);
	return err;
}

void dialog_summary_clear(struct dialog_summary *d)
{
	dialog_info_clear(&d->info);
	free(d->assignee);
	strlist_clear(&d->tags);
	free(d->user_name);
	free(d->preview);
	memset(d, 0, sizeof(*d));
}

static int msg_cmp(const void *pa, const void *pb)
{
	struct order_key a, b;
	order_key_message(&a, pa);
	order_key_message(&b, pb);
	return order_cmp(&a, &b);
}

static int note_cmp(const void *pa, const void *pb)
{
	const struct note *a = pa, *b = pb;
	return order_cmp(&a->order, &b->order);
}

void dialog_message_names(struct strlist *out, struct dlg_store *s, const char *id)
{
	struct strbuf rel = STRBUF_INIT;
	dialog_dir(&rel, id);
	strbuf_addstr(&rel, "/cur");
	view_list(out, s, rel.buf); /* sorted */
	strbuf_release(&rel);
}

int dialog_messages_load_since(struct stored_msg **out, size_t *n, struct dlg_store *s, const char *id,
			       time_t since, unsigned mime_flags)
{
	struct strbuf rel = STRBUF_INIT, data = STRBUF_INIT;
	struct strlist files = STRLIST_INIT;
	struct stored_msg *msgs;
	size_t k = 0;

	dialog_message_names(&files, s, id);
	msgs = xcalloc(files.nr + 1, sizeof(*msgs));
	for (size_t i = 0; i < files.nr; i++) {
		if (since && message_name_time(files.items[i]) < since)
			continue;
		strbuf_reset(&rel);
		strbuf_reset(&data);
		layout_dialog_message(&rel, id, files.items[i]);
		if (view_read(&data, s, rel.buf) < 0 ||
		    stored_msg_parse(&msgs[k], files.items[i], data.buf, data.len, mime_flags) < 0)
			continue;
		k++;
	}
	qsort(msgs, k, sizeof(*msgs), msg_cmp);
	*out = msgs;
	*n = k;
	strlist_clear(&files);
	strbuf_release(&rel);
	strbuf_release(&data);
	return 0;
}

int dialog_messages_load(struct stored_msg **out, size_t *n, struct dlg_store *s,
			 const char *id, unsigned mime_flags)
{
	return dialog_messages_load_since(out, n, s, id, 0, mime_flags);
}

void dialog_messages_free(struct stored_msg *msgs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		stored_msg_clear(&msgs[i]);
	free(msgs);
}

int notes_load(struct note **out, size_t *n, struct dlg_store *s, const char *dir)
{
	struct strbuf rel = STRBUF_INIT, data = STRBUF_INIT;
	struct strlist files = STRLIST_INIT;
	struct note *notes;
	size_t k = 0;

	layout_notes(&rel, dir);
	view_list(&files, s, rel.buf);
	notes = xcalloc(files.nr + 1, sizeof(*notes));
	for (size_t i = 0; i < files.nr; i++) {
		char *date, *body;
		strbuf_reset(&rel);
		strbuf_reset(&data);
		layout_note(&rel, dir, files.items[i]);
		if (view_read(&data, s, rel.buf) < 0)
			continue;
		notes[k].name = xstrdup(files.items[i]);
		order_key_note(&notes[k].order, notes[k].name, data.buf, data.len);
		notes[k].author = kv_get(data.buf, data.len, "Author");
		date = kv_get(data.buf, data.len, "Date");
		if (date)
			time_parse(&notes[k].date, date);
		free(date);
		body = strstr(data.buf, "\n\n");
		notes[k].text = xstrdup(body ? body + 2 : "");
		if (!notes[k].author)
			notes[k].author = xstrdup("?");
		k++;
	}
	qsort(notes, k, sizeof(*notes), note_cmp);
	*out = notes;
	*n = k;
	strlist_clear(&files);
	strbuf_release(&rel);
	strbuf_release(&data);
	return 0;
}

void notes_free(struct note *notes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(notes[i].name);
		free(notes[i].author);
		free(notes[i].text);
	}
	free(notes);
}

int user_state_read(struct user_state *st, struct dlg_store *s, const char *uid)
{
	struct strbuf rel = STRBUF_INIT, text = STRBUF_INIT;
	struct oplog log = OPLOG_INIT;
	int err;
	user_dir(&rel, uid);
	strbuf_addstr(&rel, "/log");
	err = view_read(&text, s, rel.buf) < 0 ? DLG_ENOTFOUND : 0;
	oplog_parse(&log, text.buf, text.len);
	user_state_replay(st, &log);
	oplog_clear(&log);
	strbuf_release(&rel);
	strbuf_release(&text);
	return err;
}

/* What an operation set: an assignee's name, "open" or "closed", a tag with
   its sign ("+vip"); NULL for none. */
static const char *op_value(const struct op *op)
{
	if (!strcmp(op->verb, "assign") || !strcmp(op->verb, "tag"))
		return op->nargs ? op->args[0] : NULL;
	if (!strcmp(op->verb, "close"))
		return "closed";
	if (!strcmp(op->verb, "reopen"))
		return "open";
	return NULL;
}

int dialog_conflicts_load(struct dialog_conflicts *out, struct dlg_store *s, const char *id)
{
	struct strbuf rel = STRBUF_INIT, text = STRBUF_INIT;
	struct dialog_state st;
	int err;

	memset(out, 0, sizeof(*out));
	dialog_dir(&rel, id);
	strbuf_addstr(&rel, "/log");
	err = view_read(&text, s, rel.buf);
	strbuf_release(&rel);
	if (err == DLG_ENOTFOUND)
		err = 0;
	if (err < 0)
		return err;
	oplog_parse(&out->log, text.buf, text.len);
	strbuf_release(&text);
	dialog_state_replay(&st, &out->log, -1);
	out->items = xcalloc(st.noverridden + 1, sizeof(*out->items));
	for (size_t i = 0; i < st.noverridden; i++) {
		const struct op *lost = &out->log.ops[st.overridden[i].lost];
		const struct op *by = &out->log.ops[st.overridden[i].by];
		struct dialog_conflict *c = &out->items[out->nr++];
		c->actor = lost->actor;
		c->verb = lost->verb;
		c->value = op_value(lost);
		c->time = lost->time;
		c->by_actor = by->actor;
		c->by_verb = by->verb;
		c->by_value = op_value(by);
		c->by_time = by->time;
	}
	dialog_state_clear(&st);
	return 0;
}

void dialog_conflicts_clear(struct dialog_conflicts *c)
{
	oplog_clear(&c->log);
	free(c->items);
	memset(c, 0, sizeof(*c));
}
