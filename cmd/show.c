#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "cmd.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/seen.h"
#include "store/summary.h"

static const char *const show_usage[] = {
	"dlg show [--json] [--last N] [--color=WHEN] [ID...]",
	"",
	"Shows dialogs (ids as arguments or on stdin): the user, every message",
	"with author, time and channel, and the internal notes; on a terminal",
	"through $DLG_PAGER, $PAGER or less -FRX.",
	NULL,
};

static const char *msg_author(const struct stored_msg *m)
{
	if (m->out)
		return m->operator ? m->operator : "operator";
	return *m->mime->from.name ? m->mime->from.name :
	       *m->mime->from.addr ? m->mime->from.addr : "customer";
}

/* The newest answer among msgs (an operator's message), or NULL. */
static const struct stored_msg *last_answer(const struct stored_msg *msgs, size_t n)
{
	while (n-- > 0)
		if (msgs[n].out)
			return &msgs[n];
	return NULL;
}

static json_t *last_answer_json(const struct stored_msg *answer)
{
	struct strbuf ts = STRBUF_INIT;
	json_t *o;
	if (!answer)
		return json_null();
	o = json_object();
	time_format_iso(&ts, answer->date);
	json_object_set_new(o, "operator", jstr(msg_author(answer)));
	json_object_set_new(o, "date", jstr(ts.buf));
	strbuf_release(&ts);
	return o;
}

static json_t *attachments_json(const struct mime_message *mm)
{
	json_t *a = json_array();
	for (size_t i = 0; i < mm->nattachments; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", jstr(mm->attachments[i].name));
		json_object_set_new(o, "type", jstr(mm->attachments[i].type));
		json_object_set_new(o, "size", json_integer((json_int_t)mm->attachments[i].size));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *conflicts_json(const struct dialog_conflicts *c)
{
	json_t *a = json_array();
	for (size_t i = 0; i < c->nr; i++) {
		const struct dialog_conflict *x = &c->items[i];
		json_t *o = json_object();
		json_object_set_new(o, "actor", jstr(x->actor));
		json_object_set_new(o, "verb", jstr(x->verb));
		json_object_set_new(o, "value", x->value ? jstr(x->value) : json_null());
		json_object_set_new(o, "time", jstr(x->time));
		json_object_set_new(o, "by", jstr(x->by_actor));
		json_object_set_new(o, "by_verb", jstr(x->by_verb));
		json_object_set_new(o, "by_value", x->by_value ? jstr(x->by_value) : json_null());
		json_object_set_new(o, "by_time", jstr(x->by_time));
		json_array_append_new(a, o);
	}
	return a;
}

/* "assign to bob", "unassign", "close", "reopen", "tag +vip" */
static void print_intent(const char *verb, const char *value)
{
	print_safe(stdout, verb, 0);
	if (!strcmp(verb, "assign") && value) {
		fputs(" to ", stdout);
		print_safe(stdout, value, 0);
	} else if (!strcmp(verb, "tag") && value) {
		putchar(' ');
		print_safe(stdout, value, 0);
	}
}

static void show_conflicts(const struct dialog_conflicts *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		const struct dialog_conflict *x = &c->items[i];
		fputs("conflict: ", stdout);
		print_safe(stdout, x->actor, 0);
		fputs("'s concurrent ", stdout);
		print_intent(x->verb, x->value);
		fputs(" lost to ", stdout);
		print_safe(stdout, x->by_actor, 0);
		fputs("'s ", stdout);
		print_intent(x->by_verb, x->by_value);
		putchar('\n');
	}
}

static void show_json(const struct dialog_summary *d, const struct dialog_conflicts *conflicts,
		      const struct stored_msg *answer, struct stored_msg *msgs, size_t n,
		      struct note *notes, size_t nn)
{
	json_t *o = dialog_summary_json(d), *jm = json_array();
	struct strbuf ts = STRBUF_INIT;
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_object();
		strbuf_reset(&ts);
		time_format_iso(&ts, msgs[i].date);
		json_object_set_new(m, "id", jstr(msgs[i].name));
		json_object_set_new(m, "direction", jstr(msgs[i].out ? "out" : "in"));
		json_object_set_new(m, "author", jstr(msg_author(&msgs[i])));
		json_object_set_new(m, "channel", jstr(msgs[i].channel));
		json_object_set_new(m, "date", jstr(ts.buf));
		json_object_set_new(m, "subject", jstr(msgs[i].mime->subject));
		json_object_set_new(m, "text", jstr(msgs[i].mime->text));
		json_object_set_new(m, "attachments", attachments_json(msgs[i].mime));
		if (msgs[i].ignored.nr) {
			json_t *ig = json_array();
			for (size_t k = 0; k < msgs[i].ignored.nr; k++)
				json_array_append_new(ig, jstr(msgs[i].ignored.items[k]));
			json_object_set_new(m, "ignored_headers", ig);
		}
		if (msgs[i].out) {
			json_object_set_new(m, "delivery", jstr(msgs[i].delivery ? msgs[i].delivery : "queued"));
			if (msgs[i].sent_via)
				json_object_set_new(m, "sent_via", jstr(msgs[i].sent_via));
			if (msgs[i].error)
				json_object_set_new(m, "error", jstr(msgs[i].error));
			if (msgs[i].next_attempt)
				json_object_set_new(m, "next_attempt", jstr(msgs[i].next_attempt));
		}
		json_array_append_new(jm, m);
	}
	json_object_set_new(o, "last_answer", last_answer_json(answer));
	json_object_set_new(o, "overridden", conflicts_json(conflicts));
	json_object_set_new(o, "messages", jm);
	json_object_set_new(o, "notes", notes_json(notes, nn));
	json_print_line(o);
	json_decref(o);
	strbuf_release(&ts);
}

static void human_size(struct strbuf *out, size_t n)
{
	if (n < 1024)
		strbuf_addf(out, "%zu B", n);
	else if (n < 1024 * 1024)
		strbuf_addf(out, "%.1f KB", n / 1024.0);
	else
		strbuf_addf(out, "%.1f MB", n / (1024.0 * 1024.0));
}

static void print_body(const char *text)
{
	print_safe(stdout, *text ? text : "(no text)", 1);
	if (!*text || text[strlen(text) - 1] != '\n')
		putchar('\n');
}

static void show_text(struct dlg_ctx *ctx, const struct dialog_summary *d,
		      const struct dialog_conflicts *conflicts, const struct stored_msg *answer,
		      struct stored_msg *msgs, size_t n, struct note *notes, size_t nn)
{
	struct strbuf ts = STRBUF_INIT, rel = STRBUF_INIT, card = STRBUF_INIT;
	const char *bold = color(ctx, "\033[1m"), *dim = color(ctx, "\033[2m"),
		   *yellow = color(ctx, "\033[33m"), *off = color(ctx, "\033[m");
	size_t i = 0, k = 0;

	printf("%sdialog %s%s  %s", yellow, d->id, off, d->closed ? "closed" : "open");
	if (d->waiting)
		fputs(", waiting for an answer", stdout);
	fputs("\nassignee: ", stdout);
	print_safe(stdout, d->assignee ? d->assignee : "(none)", 0);
	fputs("\nanswered: ", stdout);
	if (answer) {
		print_safe(stdout, msg_author(answer), 0);
		time_format_short(&ts, answer->date);
		printf(", %s", ts.buf);
	} else {
		fputs("(nobody yet)", stdout);
	}
	fputs("\nchannel:  ", stdout);
	print_safe(stdout, d->info.channel, 0);
	fputs("\nsubject:  ", stdout);
	print_safe(stdout, d->info.subject, 0);
	if (d->tags.nr) {
		fputs("\ntags:     ", stdout);
		for (size_t t = 0; t < d->tags.nr; t++) {
			fputs(t ? ", " : "", stdout);
			print_safe(stdout, d->tags.items[t], 0);
		}
	}
	printf("\nuser:     %s", bold);
	print_safe(stdout, d->user_name, 0);
	fputs(off, stdout);
	if (is_full_id(d->info.user)) {
		printf(" (%.7s)\n", d->info.user);
	} else { /* info from a fetched commit: anything */
		fputs(" (", stdout);
		print_safe(stdout, d->info.user, 0);
		fputs(")\n", stdout);
	}
	shard_path(&rel, "users", d->info.user);
	strbuf_addstr(&rel, "/card");
	if (!view_read(&card, ctx->store, rel.buf)) {
		/* the card's other lines: identities and properties */
		for (char *p = card.buf; *p;) {
			char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			if (len && strncmp(p, "name:", 5) && strncmp(p, "dialogs:", 8)) {
				struct strbuf line = STRBUF_INIT;
				strbuf_add(&line, p, len);
				fputs("          ", stdout);
				print_safe(stdout, line.buf, 0);
				putchar('\n');
				strbuf_release(&line);
			}
			p += len + (nl ? 1 : 0);
		}
	}
	show_conflicts(conflicts);

	/* Messages and notes in one timeline. */
	while (i < n || k < nn) {
		struct order_key mk;
		if (i < n)
			order_key_message(&mk, &msgs[i]);
		int take_note = k < nn && (i >= n || order_cmp(&notes[k].order, &mk) < 0);
		strbuf_reset(&ts);
		if (take_note) {
			time_format_short(&ts, notes[k].date);
			printf("\n%s── note · %s · ", color(ctx, "\033[35m"), ts.buf);
			print_safe(stdout, notes[k].author, 0);
			printf(" · internal, never sent%s\n", off);
			print_body(notes[k].text);
			k++;
			continue;
		}
		const struct stored_msg *m = &msgs[i++];
		time_format_short(&ts, m->date);
		printf("\n%s── %s · %s", bold, ts.buf, m->out ? "" : "");
		print_safe(stdout, msg_author(m), 0);
		if (!m->out && *m->mime->from.addr && strcmp(m->mime->from.addr, msg_author(m))) {
			fputs(" <", stdout);
			print_safe(stdout, m->mime->from.addr, 0);
			fputc('>', stdout);
		}
		fputs(" · via ", stdout);
		print_safe(stdout, m->channel, 0);
		if (m->out) {
			fputs(" · out, ", stdout);
			print_safe(stdout, m->delivery ? m->delivery : "queued", 0);
			if (m->sent_via && m->delivery && !strcmp(m->delivery, "sent")) {
				fputs(" through ", stdout);
				print_safe(stdout, m->sent_via, 0);
			}
		} else {
			fputs(" · in", stdout);
		}
		printf("%s\n", off);
		if (m->out && m->delivery && !strcmp(m->delivery, "failed") && m->error) {
			printf("%s   (", dim);
			print_safe(stdout, m->error, 0);
			if (m->next_attempt) {
				fputs("; dlg send tries again after ", stdout);
				print_safe(stdout, m->next_attempt, 0);
			} else {
				fputs("; not retried", stdout);
			}
			printf(")%s\n", off);
		}
		for (size_t h = 0; h < m->ignored.nr; h++) {
			printf("%s   ignored, the sender wrote it: ", dim);
			print_safe(stdout, m->ignored.items[h], 0);
			printf("%s\n", off);
		}
		print_body(m->mime->text);
		for (size_t a = 0; a < m->mime->nattachments; a++) {
			struct strbuf sz = STRBUF_INIT;
			human_size(&sz, m->mime->attachments[a].size);
			printf("%s   attachment: ", dim);
			print_safe(stdout, *m->mime->attachments[a].name ? m->mime->attachments[a].name : "(unnamed)", 0);
			fputs(" (", stdout);
			print_safe(stdout, m->mime->attachments[a].type, 0);
			printf(", %s)%s\n", sz.buf, off);
			strbuf_release(&sz);
		}
	}
	strbuf_release(&ts);
	strbuf_release(&rel);
	strbuf_release(&card);
}

CMD(show)
{
	struct strlist ids = STRLIST_INIT;
	int json = 0, ret;
	size_t last = 0;
	const struct opt opts[] = {
		OPT_FLAG(0, "json", &json, "one JSON object per dialog, one a line"),
		OPT_CALLBACK(0, "last", &last, "N", "only the last N messages (and the notes since)", opt_count_cb),
		OPT_CALLBACK(0, "color", ctx, "auto|always|never", "(default: auto)", color_opt),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, show_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	/* show GOOD BAD shows GOOD, says why not BAD, and fails */
	if ((ret = ids_from_args_each(&ids, ctx, argc, argv)) == 2)
		goto out;
	pager_start();
	/* what each operator was shown, for dlg reply's warning; nobody's without a name */
	const char *viewer = NULL;
	if (store_operator(&viewer, ctx->store) < 0)
		viewer = NULL;
	for (size_t i = 0; i < ids.nr; i++) {
		struct dialog_summary d;
		struct dialog_conflicts conflicts;
		struct stored_msg *msgs = NULL;
		struct note *notes = NULL;
		struct strbuf dir = STRBUF_INIT;
		size_t n = 0, nn = 0;
		if (dialog_summary_load(&d, ctx->store, ids.items[i]) < 0) {
			ret = error_last();
			continue;
		}
		dialog_dir(&dir, d.id);
		dialog_messages_load(&msgs, &n, ctx->store, d.id, 0);
		notes_load(&notes, &nn, ctx->store, dir.buf);
		dialog_conflicts_load(&conflicts, ctx->store, d.id);
		/* --last N: the last N messages, and the notes from the first of them on */
		size_t skip = last && n > last ? n - last : 0, skip_notes = 0;
		const struct stored_msg *answer = last_answer(msgs, n);
		while (skip && skip_notes < nn && notes[skip_notes].date < msgs[skip].date)
			skip_notes++;
		if (json) {
			show_json(&d, &conflicts, answer, msgs + skip, n - skip, notes + skip_notes, nn - skip_notes);
		} else {
			if (i)
				fputs("\n\n", stdout);
			show_text(ctx, &d, &conflicts, answer, msgs + skip, n - skip, notes + skip_notes, nn - skip_notes);
			if (skip)
				printf("%s(%zu earlier message%s not shown)%s\n", color(ctx, "\033[2m"), skip,
				       skip == 1 ? "" : "s", color(ctx, "\033[m"));
		}
		if (viewer && n)
			seen_record(ctx->store, viewer, d.id, msgs[n - 1].name); /* a hint: best effort */
		dialog_conflicts_clear(&conflicts);
		dialog_messages_free(msgs, n);
		notes_free(notes, nn);
		dialog_summary_clear(&d);
		strbuf_release(&dir);
	}
out:
	strlist_clear(&ids);
	return ret;
}
