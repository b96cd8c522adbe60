/*
 * dlg fsck's check of meaning: what the store says must agree with itself,
 * not only the view with the commit (store_fsck, lib/store/view.c).  Every derived
 * file equals a replay of its log; every outbox entry names a message still
 * to be sent, and every such message has its entry; msgmap lists exactly the
 * messages in the dialogs.  Repairing derives again, in one commit.
 */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "store/fsck-meaning.h"
#include "store/id.h"
#include "store/message.h"
#include "store/msgmap.h"
#include "store/outbox.h"
#include "store/popup.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

struct fsck_job {
	struct strbuf *report;
	int repair;
	int problems;
	/* msgmap/HH/HH -> its lines, as the messages give them */
	struct strlist map_paths;
	struct strbuf *map_lines;
};

static void problem(struct fsck_job *job, const char *what, const char *path)
{
	strbuf_addf(job->report, "%s %s\n", what, path);
	job->problems++;
}

/* The record at dir: its derived files against a replay of its log. */
static int check_record(struct fsck_job *job, struct dlg_tx *tx, const char *dir)
{
	struct strbuf path = STRBUF_INIT, log = STRBUF_INIT, have = STRBUF_INIT;
	struct derived_file files[RECORD_MAX_DERIVED];
	long incoming = -1;
	size_t n;
	int err;

	layout_record_file(&path, dir, "log");
	if ((err = tx_read(&log, tx, path.buf)) < 0) {
		if (err == DLG_ENOTFOUND) {
			problem(job, "nolog", dir);
			err = 0;
		}
		goto out;
	}
	if (layout_is_dialog(dir) && dialog_log_counts_messages(log.buf, log.len)) {
		struct strlist names = STRLIST_INIT;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/cur", dir);
		tx_list(&names, tx, path.buf);
		incoming = dialog_count_incoming(&names);
		strlist_clear(&names);
	}
	n = record_derive(files, dir, log.buf, log.len, incoming);
	for (size_t i = 0; i < n && !err; i++) {
		int rc;
		strbuf_reset(&path);
		strbuf_reset(&have);
		strbuf_addf(&path, "%s/%s", dir, files[i].name);
		rc = tx_read(&have, tx, path.buf);
		if (rc < 0 && rc != DLG_ENOTFOUND) {
			err = rc;
			break;
		}
		if (files[i].present == (rc == 0) &&
		    (!files[i].present || (have.len == files[i].content.len &&
					    !memcmp(have.buf, files[i].content.buf, have.len))))
			continue;
		problem(job, "stale", path.buf);
		if (job->repair)
			err = files[i].present ? tx_write(tx, path.buf, files[i].content.buf, files[i].content.len)
					       : tx_remove(tx, path.buf);
	}
	derived_files_release(files, n);
out:
	strbuf_release(&path);
	strbuf_release(&log);
	strbuf_release(&have);
	return err;
}

static void map_line(struct fsck_job *job, const char *key, const char *dialog, const char *file)
{
	struct strbuf path = STRBUF_INIT;
	size_t i;
	layout_msgmap_file(&path, key);
	for (i = 0; i < job->map_paths.nr && strcmp(job->map_paths.items[i], path.buf); i++)
		;
	if (i == job->map_paths.nr) {
		strlist_push(&job->map_paths, path.buf);
		job->map_lines = xrealloc(job->map_lines, job->map_paths.nr * sizeof(*job->map_lines));
		strbuf_init(&job->map_lines[i], 0);
	}
	strbuf_addf(&job->map_lines[i], "%s %s %s\n", key, dialog, file);
	strbuf_release(&path);
}

/* The key of a message file name DATE.KEY:2,FLAGS, or 0. */
static int name_key(char key[DLG_ID_LEN + 1], const char *name)
{
	const char *dot = strchr(name, '.');
	if (!dot || strncmp(dot + 1 + DLG_ID_LEN, ":2,", 3))
		return 0;
	memcpy(key, dot + 1, DLG_ID_LEN);
	key[DLG_ID_LEN] = '\0';
	return is_full_id(key);
}

/* A dialog's messages: each in msgmap, each pending one in the outbox. */
static int check_messages(struct fsck_job *job, struct dlg_tx *tx, const char *dir, const char *id)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err = 0;

	strbuf_addf(&path, "%s/cur", dir);
	tx_list(&names, tx, path.buf);
	for (size_t i = 0; i < names.nr && !err; i++) {
		char key[DLG_ID_LEN + 1];
		if (!name_key(key, names.items[i]))
			continue;
		map_line(job, key, id, names.items[i]);
		if (message_name_incoming(names.items[i]))
			continue;
		strbuf_reset(&path);
		strbuf_reset(&data);
		layout_message(&path, dir, names.items[i]);
		if ((err = tx_read(&data, tx, path.buf)) < 0)
			break;
		if (message_delivery_pending(data.buf, data.len)) {
			strbuf_reset(&path);
			layout_outbox_entry(&path, key);
			strbuf_reset(&data);
			if (tx_read(&data, tx, path.buf) == DLG_ENOTFOUND) {
				problem(job, "unqueued", path.buf);
				if (job->repair)
					err = outbox_add(tx, key, id, names.items[i]);
			}
		}
	}
	strlist_clear(&names);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

/* Entries named dir/HH/HH/ID whose shards match the id. */
static void list_sharded(struct strlist *out, struct dlg_tx *tx, const char *top)
{
	struct strlist a = STRLIST_INIT, b = STRLIST_INIT, c = STRLIST_INIT;
	struct strbuf p = STRBUF_INIT;
	tx_list(&a, tx, top);
	for (size_t i = 0; i < a.nr; i++) {
		strlist_clear(&b);
		strbuf_reset(&p);
		strbuf_addf(&p, "%s/%s", top, a.items[i]);
		tx_list(&b, tx, p.buf);
		for (size_t j = 0; j < b.nr; j++) {
			strlist_clear(&c);
			strbuf_reset(&p);
			strbuf_addf(&p, "%s/%s/%s", top, a.items[i], b.items[j]);
			tx_list(&c, tx, p.buf);
			for (size_t k = 0; k < c.nr; k++)
				if (is_full_id(c.items[k]) && !strncmp(c.items[k], a.items[i], 2) &&
				    !strncmp(c.items[k] + 2, b.items[j], 2))
					strlist_push(out, c.items[k]);
		}
	}
	strlist_clear(&a);
	strlist_clear(&b);
	strlist_clear(&c);
	strbuf_release(&p);
}

static int check_outbox(struct fsck_job *job, struct dlg_tx *tx)
{
	struct strlist keys = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT, msg = STRBUF_INIT;
	int err = 0;

	tx_list(&keys, tx, "outbox");
	for (size_t i = 0; i < keys.nr && !err; i++) {
		struct outbox_entry e;
		int ok = 0;
		if (!outbox_entry_read(&e, tx, keys.items[i])) {
			strbuf_reset(&path);
			strbuf_reset(&msg);
			layout_dialog_message(&path, e.dialog, e.file);
			ok = !tx_read(&msg, tx, path.buf) && message_delivery_pending(msg.buf, msg.len);
			free(e.file);
		}
		if (ok)
			continue;
		strbuf_reset(&path);
		layout_outbox_entry(&path, keys.items[i]);
		problem(job, "orphan", path.buf);
		if (job->repair)
			err = tx_remove(tx, path.buf);
	}
	strlist_clear(&keys);
	strbuf_release(&path);
	strbuf_release(&msg);
	return err;
}

/* Page pop-ups that do not read: nothing derives them again, so a repair
   leaves them to a person (dlg trigger --withdraw cannot read them either). */
static void check_popups(struct fsck_job *job, struct dlg_tx *tx)
{
	struct strlist ids = STRLIST_INIT;
	struct strbuf path = STRBUF_INIT;
	page_popup_list(&ids, tx);
	for (size_t i = 0; i < ids.nr; i++) {
		struct page_popup p;
		if (!page_popup_read(&p, tx, ids.items[i])) {
			page_popup_clear(&p);
			continue;
		}
		strbuf_reset(&path);
		layout_popup(&path, ids.items[i]);
		problem(job, "badpopup", path.buf);
	}
	strlist_clear(&ids);
	strbuf_release(&path);
}

/* msgmap files against the lines the messages give. */
static int check_msgmap(struct fsck_job *job, struct dlg_tx *tx)
{
	struct strlist have = STRLIST_INIT, a = STRLIST_INIT, b = STRLIST_INIT;
	struct strbuf p = STRBUF_INIT, data = STRBUF_INIT;
	int err = 0;

	tx_list(&a, tx, "msgmap");
	for (size_t i = 0; i < a.nr; i++) {
		strlist_clear(&b);
		strbuf_reset(&p);
		strbuf_addf(&p, "msgmap/%s", a.items[i]);
		tx_list(&b, tx, p.buf);
		for (size_t j = 0; j < b.nr; j++) {
			strbuf_reset(&p);
			strbuf_addf(&p, "msgmap/%s/%s", a.items[i], b.items[j]);
			strlist_push(&have, p.buf);
		}
	}
	for (size_t i = 0; i < job->map_paths.nr && !err; i++) {
		struct strlist lines = STRLIST_INIT;
		struct strbuf want = STRBUF_INIT;
		const char *path = job->map_paths.items[i];
		/* sorted, one line per message, as msgmap_add and the merge write them */
		for (char *s = job->map_lines[i].buf, *nl; *s; s = nl + 1) {
			nl = strchr(s, '\n');
			*nl = '\0';
			if (!strlist_has(&lines, s))
				strlist_push(&lines, s);
		}
		strlist_sort(&lines);
		for (size_t k = 0; k < lines.nr; k++)
			strbuf_addf(&want, "%s\n", lines.items[k]);
		strbuf_reset(&data);
		if ((err = tx_read(&data, tx, path)) < 0 && err != DLG_ENOTFOUND)
			break;
		err = 0;
		if (data.len != want.len || memcmp(data.buf, want.buf, want.len)) {
			problem(job, "stale", path);
			if (job->repair)
				err = tx_write(tx, path, want.buf, want.len);
		}
		strlist_clear(&lines);
		strbuf_release(&want);
	}
	for (size_t i = 0; i < have.nr && !err; i++) {
		if (strlist_has(&job->map_paths, have.items[i]))
			continue;
		problem(job, "stale", have.items[i]);
		if (job->repair)
			err = tx_remove(tx, have.items[i]);
	}
	strlist_clear(&have);
	strlist_clear(&a);
	strlist_clear(&b);
	strbuf_release(&p);
	strbuf_release(&data);
	return err;
}

static int fsck_fn(struct dlg_tx *tx, void *payload)
{
	struct fsck_job *job = payload;
	struct strlist ids = STRLIST_INIT, ops = STRLIST_INIT;
	struct strbuf dir = STRBUF_INIT;
	int err = 0;

	/* the callback runs again after a lost race */
	for (size_t i = 0; i < job->map_paths.nr; i++)
		strbuf_release(&job->map_lines[i]);
	strlist_clear(&job->map_paths);
	job->problems = 0;
	strbuf_reset(job->report);

	list_sharded(&ids, tx, "dialogs");
	for (size_t i = 0; i < ids.nr && !err; i++) {
		strbuf_reset(&dir);
		dialog_dir(&dir, ids.items[i]);
		if (!(err = check_record(job, tx, dir.buf)))
			err = check_messages(job, tx, dir.buf, ids.items[i]);
	}
	strlist_clear(&ids);
	list_sharded(&ids, tx, "users");
	for (size_t i = 0; i < ids.nr && !err; i++) {
		strbuf_reset(&dir);
		user_dir(&dir, ids.items[i]);
		err = check_record(job, tx, dir.buf);
	}
	tx_list(&ops, tx, "operators");
	for (size_t i = 0; i < ops.nr && !err; i++) {
		strbuf_reset(&dir);
		operator_dir(&dir, ops.items[i]);
		if (record_dir_is(dir.buf))
			err = check_record(job, tx, dir.buf);
	}
	if (!err)
		err = check_outbox(job, tx);
	if (!err)
		check_popups(job, tx);
	if (!err)
		err = check_msgmap(job, tx);
	if (!err && job->repair && job->problems)
		tx_message(tx, "fsck: repair %d problem%s\n", job->problems, job->problems == 1 ? "" : "s");
	strlist_clear(&ids);
	strlist_clear(&ops);
	strbuf_release(&dir);
	return err;
}

int store_fsck_meaning(struct strbuf *report, struct dlg_store *s, int repair)
{
	struct fsck_job job = { report, repair, 0, STRLIST_INIT, NULL };
	int err;
	if (repair) {
		err = store_change(s, fsck_fn, &job, NULL);
	} else {
		/* a check reads the tip and writes nothing: no operator needed */
		git_tree *tip = NULL;
		git_oid unchanged;
		if ((err = store_tip_tree(&tip, s)) == 0)
			err = store_change_tree(&unchanged, s, git_tree_id(tip), "fsck", 0, fsck_fn, &job);
		git_tree_free(tip);
	}
	for (size_t i = 0; i < job.map_paths.nr; i++)
		strbuf_release(&job.map_lines[i]);
	free(job.map_lines);
	strlist_clear(&job.map_paths);
	return err < 0 ? err : job.problems;
}
