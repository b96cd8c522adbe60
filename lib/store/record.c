#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/hex.h"
#include "base/time.h"
#include "base/utf8.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/order.h"
#include "store/record.h"
#include "store/tx.h"

static const char *arg(const struct op *op, int i)
{
	return i < op->nargs ? op->args[i] : "";
}

int message_name_incoming(const char *name)
{
	const char *info = strstr(name, ":2,");
	return !info || !strchr(info + 3, 'S');
}

long dialog_count_incoming(const struct strlist *names)
{
	long n = 0;
	for (size_t i = 0; i < names->nr; i++)
		n += message_name_incoming(names->items[i]);
	return n;
}

/* A decimal clock or count as the log writes it; anything else is absent. */
static int parse_count(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	if (!*s || strlen(s) > 18)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 1;
}

/*
 * Operation i replaces the value set by operation setter.  It did so
 * without having seen it when the clock it names as its base is older
 * than the setter's; an operation of an older dlg names no base, and then
 * only an equal clock from another operator proves it concurrent.
 */
static void note_override(struct dialog_state *st, const struct oplog *log, size_t setter,
			  size_t i, const char *base, int differs)
{
	const struct op *x, *y = &log->ops[i];
	unsigned long b;
	int concurrent;
	if (setter == SIZE_MAX || !differs)
		return;
	x = &log->ops[setter];
	if (parse_count(base, &b))
		concurrent = x->lamport > b;
	else
		concurrent = x->lamport == y->lamport && strcmp(x->actor, y->actor);
	if (!concurrent)
		return;
	st->overridden = xrealloc(st->overridden, (st->noverridden + 1) * sizeof(*st->overridden));
	st->overridden[st->noverridden].lost = setter;
	st->overridden[st->noverridden++].by = i;
}

static int same_name(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* The slot of the last operation on tag t: SIZE_MAX until there is one. */
static size_t *tag_setter(struct strlist *names, size_t **setters, const char *t)
{
	size_t k = 0;
	while (k < names->nr && strcmp(names->items[k], t))
		k++;
	if (k == names->nr) {
		strlist_push(names, t);
		*setters = xrealloc(*setters, names->nr * sizeof(**setters));
		(*setters)[k] = SIZE_MAX;
	}
	return &(*setters)[k];
}

void dialog_state_replay(struct dialog_state *st, const struct oplog *log, long incoming)
{
	size_t status_op = SIZE_MAX, assignee_op = SIZE_MAX, *tag_ops = NULL;
	struct strlist tag_names = STRLIST_INIT;
	memset(st, 0, sizeof(*st));
	st->seen = -1;
	for (size_t i = 0; i < log->nr; i++) {
		const struct op *op = &log->ops[i];
		if (!strcmp(op->verb, "close") || !strcmp(op->verb, "reopen")) {
			int closing = op->verb[0] == 'c';
			unsigned long seen;
			note_override(st, log, status_op, i, arg(op, closing ? 1 : 0), closing != st->closed);
			st->closed = closing;
			st->seen = closing && parse_count(arg(op, 0), &seen) ? (long)seen : -1;
			status_op = i;
			st->status_clock = op->lamport;
		} else if (!strcmp(op->verb, "assign") || !strcmp(op->verb, "unassign")) {
			int assigning = op->verb[0] == 'a';
			const char *who = assigning && *arg(op, 0) ? arg(op, 0) : NULL;
			/* a name on two lines (only a forged log has one) would read as two */
			if (who && strpbrk(who, "\r\n"))
				continue;
			note_override(st, log, assignee_op, i, arg(op, assigning ? 1 : 0),
				      !same_name(st->assignee, who));
			free(st->assignee);
			st->assignee = who ? xstrdup(who) : NULL;
			assignee_op = i;
			st->assignee_clock = op->lamport;
		} else if (!strcmp(op->verb, "tag") && op->nargs == 1 &&
			   (op->args[0][0] == '+' || op->args[0][0] == '-') && tag_valid(op->args[0] + 1)) {
			const char *t = op->args[0] + 1;
			int had = strlist_has(&st->tags, t);
			size_t *setter = tag_setter(&tag_names, &tag_ops, t);
			/* a tag operation names no base: only an equal clock proves it concurrent */
			note_override(st, log, *setter, i, "", (op->args[0][0] == '+') != had);
			*setter = i;
			if (op->args[0][0] == '+' && !had) {
				strlist_push(&st->tags, t);
			} else if (op->args[0][0] == '-' && had) {
				for (size_t k = 0; k < st->tags.nr; k++)
					if (!strcmp(st->tags.items[k], t)) {
						free(st->tags.items[k]);
						st->tags.items[k] = st->tags.items[--st->tags.nr];
						break;
					}
			}
		}
	}
	if (st->closed && st->seen >= 0 && incoming > st->seen) {
		/* A customer wrote after the close and nobody has closed since. */
		st->closed = 0;
		st->reopened_by_customer = 1;
	}
	strlist_sort(&st->tags);
	strlist_clear(&tag_names);
	free(tag_ops);
}

void dialog_state_clear(struct dialog_state *st)
{
	free(st->assignee);
	strlist_clear(&st->tags);
	free(st->overridden);
	memset(st, 0, sizeof(*st));
}

static void strlist_remove_prefix(struct strlist *l, const char *prefix)
{
	size_t n = strlen(prefix);
	for (size_t k = 0; k < l->nr;)
		if (!strncmp(l->items[k], prefix, n)) {
			free(l->items[k]);
			memmove(&l->items[k], &l->items[k + 1], (l->nr - k - 1) * sizeof(char *));
			l->nr--;
		} else {
			k++;
		}
}

void user_state_replay(struct user_state *st, const struct oplog *log)
{
	struct strbuf sb = STRBUF_INIT;
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < log->nr; i++) {
		const struct op *op = &log->ops[i];
		strbuf_reset(&sb);
		if (!strcmp(op->verb, "name") && op->nargs == 1) {
			free(st->name);
			st->name = xstrdup(op->args[0]);
		} else if (!strcmp(op->verb, "ident") && op->nargs == 2) {
			strbuf_addf(&sb, "%s %s", op->args[0], op->args[1]);
			if (!strlist_has(&st->idents, sb.buf))
				strlist_push(&st->idents, sb.buf);
		} else if ((!strcmp(op->verb, "set") && op->nargs == 2) ||
			   (!strcmp(op->verb, "unset") && op->nargs == 1)) {
			strbuf_addf(&sb, "%s\t", op->args[0]);
			strlist_remove_prefix(&st->props, sb.buf);
			if (op->verb[0] == 's') {
				strbuf_addstr(&sb, op->args[1]);
				strlist_push(&st->props, sb.buf);
			}
		} else if (!strcmp(op->verb, "merged") && op->nargs == 1) {
			free(st->merged_into);
			st->merged_into = is_full_id(op->args[0]) ? xstrdup(op->args[0]) : NULL;
		} else if (!strcmp(op->verb, "dialog") && op->nargs == 1) {
			if (!strlist_has(&st->dialogs, op->args[0]))
				strlist_push(&st->dialogs, op->args[0]);
		}
	}
	strlist_sort(&st->props);
	strbuf_release(&sb);
}

void user_state_clear(struct user_state *st)
{
	free(st->merged_into);
	free(st->name);
	strlist_clear(&st->idents);
	strlist_clear(&st->props);
	strlist_clear(&st->dialogs);
	memset(st, 0, sizeof(*st));
}

int user_resolve(char out[17], struct dlg_tx *tx, const char *uid)
{
	memcpy(out, uid, DLG_ID_LEN + 1);
	for (int hops = 0; hops < 8; hops++) {
		struct strbuf dir = STRBUF_INIT;
		struct oplog log = OPLOG_INIT;
		struct user_state st;
		int err;
		user_dir(&dir, out);
		err = record_load(&log, tx, dir.buf);
		strbuf_release(&dir);
		if (err == DLG_ENOTFOUND) {
			oplog_clear(&log);
			return 0;
		}
		if (err < 0) {
			oplog_clear(&log);
			return err;
		}
		user_state_replay(&st, &log);
		oplog_clear(&log);
		if (!st.merged_into || !strcmp(st.merged_into, out)) {
			user_state_clear(&st);
			return 0;
		}
		memcpy(out, st.merged_into, DLG_ID_LEN + 1);
		user_state_clear(&st);
	}
	return 0;
}

const char *user_state_ident(const struct user_state *st, const char *kind)
{
	size_t n = strlen(kind);
	for (size_t i = 0; i < st->idents.nr; i++)
		if (!strncmp(st->idents.items[i], kind, n) && st->idents.items[i][n] == ' ')
			return st->idents.items[i] + n + 1;
	return NULL;
}

const char *user_state_prop(const struct user_state *st, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < st->props.nr; i++)
		if (!strncmp(st->props.items[i], key, n) && st->props.items[i][n] == '\t')
			return st->props.items[i] + n + 1;
	return NULL;
}

int operator_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 64 || name[0] == '.' || name[0] == '-' || !strcmp(name, "me") || !strcmp(name, "none"))
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

int tag_valid(const char *tag)
{
	if (!*tag || *tag == '+' || *tag == '-' || strlen(tag) > 100)
		return 0;
	for (const unsigned char *p = (const unsigned char *)tag; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ',')
			return 0;
	return 1;
}

char *tag_fold(const char *tag)
{
	struct strbuf sb = STRBUF_INIT;
	utf8_fold_case(&sb, tag, strlen(tag));
	return strbuf_detach(&sb, NULL);
}

void operator_state_replay(struct operator_state *st, const struct oplog *log)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < log->nr; i++) {
		const struct op *op = &log->ops[i];
		if (!strcmp(op->verb, "add")) {
			st->known = 1;
		} else if (!strcmp(op->verb, "remove")) {
			st->known = 0;
		} else if (!strcmp(op->verb, "email")) {
			free(st->email);
			st->email = *arg(op, 0) ? xstrdup(arg(op, 0)) : NULL;
		} else if (!strcmp(op->verb, "away")) {
			st->away = 1;
		} else if (!strcmp(op->verb, "back")) {
			st->away = 0;
		}
	}
}

void operator_state_clear(struct operator_state *st)
{
	free(st->email);
	memset(st, 0, sizeof(*st));
}

static void card_text(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_addch(out, *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void card_line(struct strbuf *out, const char *key, const char *value)
{
	/* One line per field: a newline inside a key or a value (a log from
	   another clone holds anything) would forge another field. */
	card_text(out, key);
	strbuf_addstr(out, ": ");
	card_text(out, value);
	strbuf_addch(out, '\n');
}

size_t record_derive(struct derived_file files[RECORD_MAX_DERIVED], const char *dir,
		     const char *logtext, size_t len, long incoming)
{
	struct oplog log = OPLOG_INIT;
	size_t n = 0;

	oplog_parse(&log, logtext, len);
	for (size_t i = 0; i < RECORD_MAX_DERIVED; i++) {
		strbuf_init(&files[i].content, 0);
		files[i].present = 0;
		files[i].name = NULL;
	}
	if (layout_is_dialog(dir)) {
		struct dialog_state st;
		dialog_state_replay(&st, &log, incoming);
		files[0].name = "status";
		files[0].present = 1;
		strbuf_addstr(&files[0].content, st.closed ? "closed\n" : "open\n");
		files[1].name = "assignee";
		if ((files[1].present = st.assignee != NULL))
			strbuf_addf(&files[1].content, "%s\n", st.assignee);
		files[2].name = "tags";
		files[2].present = st.tags.nr > 0;
		for (size_t i = 0; i < st.tags.nr; i++)
			strbuf_addf(&files[2].content, "%s\n", st.tags.items[i]);
		dialog_state_clear(&st);
		n = 3;
	} else if (layout_is_user(dir)) {
		struct user_state st;
		user_state_replay(&st, &log);
		files[0].name = "card";
		files[0].present = 1;
		if (st.name)
			card_line(&files[0].content, "name", st.name);
		for (size_t i = 0; i < st.idents.nr; i++) {
			char *sp = strchr(st.idents.items[i], ' ');
			*sp = '\0';
			card_line(&files[0].content, st.idents.items[i], sp + 1);
			*sp = ' ';
		}
		if (st.merged_into)
			card_line(&files[0].content, "merged into", st.merged_into);
		strbuf_addf(&files[0].content, "dialogs: %zu\n", st.dialogs.nr);
		if (st.props.nr)
			strbuf_addch(&files[0].content, '\n');
		for (size_t i = 0; i < st.props.nr; i++) {
			char *tab = strchr(st.props.items[i], '\t');
			*tab = '\0';
			card_line(&files[0].content, st.props.items[i], tab + 1);
			*tab = '\t';
		}
		user_state_clear(&st);
		n = 1;
	} else if (!strncmp(dir, "operators/", 10)) {
		struct operator_state st;
		operator_state_replay(&st, &log);
		files[0].name = "card";
		if ((files[0].present = st.known)) {
			card_line(&files[0].content, "name", dir + 10);
			if (st.email)
				card_line(&files[0].content, "email", st.email);
			card_line(&files[0].content, "status", st.away ? "away" : "available");
		}
		operator_state_clear(&st);
		n = 1;
	}
	oplog_clear(&log);
	return n;
}

void derived_files_release(struct derived_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_release(&files[i].content);
}

int record_load(struct oplog *log, struct dlg_tx *tx, const char *dir)
{
	struct strbuf path = STRBUF_INIT, text = STRBUF_INIT;
	int err;
	layout_record_file(&path, dir, "log");
	err = tx_read(&text, tx, path.buf);
	if (err == DLG_ENOTFOUND)
		err = 0;
	if (!err)
		oplog_parse(log, text.buf, text.len);
	strbuf_release(&path);
	strbuf_release(&text);
	return err;
}

static int derived_equal(struct derived_file *a, struct derived_file *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].present != b[i].present || strcmp(a[i].content.buf, b[i].content.buf))
			return 0;
	return 1;
}

int dialog_log_counts_messages(const char *text, size_t len)
{
	struct oplog log = OPLOG_INIT;
	struct dialog_state st;
	int counts;
	oplog_parse(&log, text, len);
	dialog_state_replay(&st, &log, -1);
	counts = st.closed && st.seen >= 0;
	dialog_state_clear(&st);
	oplog_clear(&log);
	return counts;
}

static long tx_count_incoming(struct dlg_tx *tx, const char *dir)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf cur = STRBUF_INIT;
	long n;
	strbuf_addf(&cur, "%s/cur", dir);
	tx_list(&names, tx, cur.buf);
	n = dialog_count_incoming(&names);
	strlist_clear(&names);
	strbuf_release(&cur);
	return n;
}

/*
 * A dialog's single-value operations carry the clock of the operation whose
 * value they replace (their base), and a close the number of customer
 * messages it saw: store-format.md, "Dialog state".
 */
struct op_args {
	const char *a1, *a2;
	char base[24], seen[24];
};

static void dialog_op_args(struct op_args *out, const struct dialog_state *st, const char *verb,
			   const char *a1, long incoming)
{
	snprintf(out->base, sizeof(out->base), "%lu",
		 !strcmp(verb, "assign") || !strcmp(verb, "unassign") ? st->assignee_clock : st->status_clock);
	snprintf(out->seen, sizeof(out->seen), "%ld", incoming);
	if (!strcmp(verb, "assign")) {
		out->a1 = a1;
		out->a2 = out->base;
	} else if (!strcmp(verb, "close")) {
		out->a1 = out->seen;
		out->a2 = out->base;
	} else if (!strcmp(verb, "unassign") || !strcmp(verb, "reopen")) {
		out->a1 = out->base;
	}
}

static int single_value_verb(const char *verb)
{
	return !strcmp(verb, "assign") || !strcmp(verb, "unassign") || !strcmp(verb, "close") ||
	       !strcmp(verb, "reopen");
}

int record_op(struct dlg_tx *tx, const char *dir, const char *verb,
	      const char *a1, const char *a2, int *changed)
{
	struct oplog log = OPLOG_INIT;
	struct strbuf before = STRBUF_INIT, after = STRBUF_INIT, path = STRBUF_INIT;
	struct derived_file old[RECORD_MAX_DERIVED], new[RECORD_MAX_DERIVED];
	struct op_args args = { a1, a2, "", "" };
	size_t nold, nnew;
	long incoming = -1;
	int err, history_only = !strcmp(verb, "dialog") || !strcmp(verb, "ident");
	int dialog = layout_is_dialog(dir);

	if (changed)
		*changed = 0;
	if ((err = record_load(&log, tx, dir)) < 0)
		goto out;
	oplog_format(&before, &log);
	if (history_only) {
		/* Recorded once: replaying the same fact again adds nothing. */
		for (size_t i = 0; i < log.nr; i++) {
			const struct op *op = &log.ops[i];
			if (!strcmp(op->verb, verb) && !strcmp(arg(op, 0), a1 ? a1 : "") &&
			    !strcmp(arg(op, 1), a2 ? a2 : ""))
				goto out;
		}
	}
	if (dialog) {
		struct dialog_state st;
		dialog_state_replay(&st, &log, -1);
		/* Counting the messages lists cur/: only when the status depends on it. */
		if (!strcmp(verb, "close") || (st.closed && st.seen >= 0))
			incoming = tx_count_incoming(tx, dir);
		if (single_value_verb(verb))
			dialog_op_args(&args, &st, verb, a1, incoming);
		dialog_state_clear(&st);
	}
	oplog_add(&log, tx_time(tx), tx_operator(tx), verb, args.a1, args.a2);
	oplog_format(&after, &log);
	nold = record_derive(old, dir, before.buf, before.len, incoming);
	nnew = record_derive(new, dir, after.buf, after.len, incoming);
	if (history_only || !derived_equal(old, new, nnew) || !before.len) {
		layout_record_file(&path, dir, "log");
		err = tx_write(tx, path.buf, after.buf, after.len);
		for (size_t i = 0; i < nnew && !err; i++) {
			strbuf_reset(&path);
			strbuf_addf(&path, "%s/%s", dir, new[i].name);
			err = new[i].present ? tx_write(tx, path.buf, new[i].content.buf, new[i].content.len)
					     : tx_remove(tx, path.buf);
		}
		if (changed && !err)
			*changed = 1;
	}
	derived_files_release(old, nold);
	derived_files_release(new, nnew);
out:
	oplog_clear(&log);
	strbuf_release(&before);
	strbuf_release(&after);
	strbuf_release(&path);
	return err;
}

int record_note(struct dlg_tx *tx, const char *dir, const char *text)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT, ts = STRBUF_INIT;
	char rnd[9];
	unsigned long seq;
	int err;
	time_t now = tx_time(tx);

	if ((err = order_next_seq(&seq, tx, dir)) < 0)
		goto out;
	random_hex(rnd, 8);
	layout_notes(&path, dir);
	strbuf_addch(&path, '/');
	note_name_second(&path, now);
	strbuf_addf(&path, "-%s", rnd);
	time_format_iso(&ts, now);
	strbuf_addf(&body, "Author: %s\nDate: %s\nSequence: %lu\n\n%s", tx_operator(tx), ts.buf, seq, text);
	if (!body.len || body.buf[body.len - 1] != '\n')
		strbuf_addch(&body, '\n');
	err = tx_write(tx, path.buf, body.buf, body.len);
out:
	strbuf_release(&path);
	strbuf_release(&body);
	strbuf_release(&ts);
	return err;
}

char *kv_get(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key), i = 0;
	while (i < len) {
		const char *line = buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;
		if (n > klen && !strncmp(line, key, klen) && line[klen] == ':') {
			size_t s = klen + 1;
			while (s < n && line[s] == ' ')
				s++;
			return xstrndup(line + s, n - s);
		}
		if (!n)
			break; /* a blank line ends the fields */
		i += n + 1;
	}
	return NULL;
}

void dialog_info_format(struct strbuf *out, const struct dialog_info *info)
{
	struct strbuf ts = STRBUF_INIT;
	time_format_iso(&ts, info->created);
	card_line(out, "channel", info->channel ? info->channel : "");
	card_line(out, "user", info->user ? info->user : "");
	card_line(out, "subject", info->subject ? info->subject : "");
	card_line(out, "created", ts.buf);
	strbuf_release(&ts);
}

void dialog_info_parse(struct dialog_info *info, const char *buf, size_t len)
{
	char *created;
	memset(info, 0, sizeof(*info));
	info->channel = kv_get(buf, len, "channel");
	info->user = kv_get(buf, len, "user");
	info->subject = kv_get(buf, len, "subject");
	created = kv_get(buf, len, "created");
	if (!info->channel) info->channel = xstrdup("");
	if (!info->user) info->user = xstrdup("");
	if (!info->subject) info->subject = xstrdup("");
	if (created)
		time_parse(&info->created, created);
	free(created);
}

void dialog_info_clear(struct dialog_info *info)
{
	free(info->channel);
	free(info->user);
	free(info->subject);
	memset(info, 0, sizeof(*info));
}
