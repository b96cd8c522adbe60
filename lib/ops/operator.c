#include <string.h>

#include "base/error.h"
#include "ops/operator.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/tx.h"

struct operator_job {
	const char *name;
	const char *verb;       /* add, away, back, remove: the log's verbs */
	const char *email;
};

static int operator_fn(struct dlg_tx *tx, void *payload)
{
	struct operator_job *job = payload;
	struct strbuf dir = STRBUF_INIT;
	struct oplog log = OPLOG_INIT;
	struct operator_state st;
	int err, changed = 0, any = 0;

	operator_dir(&dir, job->name);
	if ((err = record_load(&log, tx, dir.buf)) < 0)
		goto out;
	operator_state_replay(&st, &log);
	if (!st.known && strcmp(job->verb, "add")) {
		err = dlg_error(DLG_ENOTFOUND, "no operator '%s' (see dlg operator list)", job->name);
	} else {
		if ((!st.known || strcmp(job->verb, "add")) &&
		    (err = record_op(tx, dir.buf, job->verb, NULL, NULL, &changed)) == 0)
			any |= changed;
		if (!err && job->email && (!st.email || strcmp(st.email, job->email)) &&
		    (err = record_op(tx, dir.buf, "email", job->email, NULL, &changed)) == 0)
			any |= changed;
		if (!err && any)
			tx_message(tx, "operator %s %s\n", !strcmp(job->verb, "remove") ? "rm" : job->verb, job->name);
	}
	operator_state_clear(&st);
out:
	oplog_clear(&log);
	strbuf_release(&dir);
	return err;
}

static int operator_change(struct dlg_store *s, const char *verb, const char *name, const char *email)
{
	struct operator_job job = { name, verb, email };
	if (!operator_name_valid(name))
		return dlg_error(DLG_EINVALID, "'%s' is not an operator name: lowercase letters, digits, '.', '_' and '-'",
				 name);
	if (email && (!strchr(email, '@') || strpbrk(email, " \t\r\n<>")))
		return dlg_error(DLG_EINVALID, "'%s' is not an email address", email);
	return store_change(s, operator_fn, &job, NULL);
}

int dlg_operator_add(struct dlg_store *s, const char *name, const char *email)
{
	return operator_change(s, "add", name, email);
}

int dlg_operator_away(struct dlg_store *s, const char *name)
{
	return operator_change(s, "away", name, NULL);
}

int dlg_operator_back(struct dlg_store *s, const char *name)
{
	return operator_change(s, "back", name, NULL);
}

int dlg_operator_remove(struct dlg_store *s, const char *name)
{
	return operator_change(s, "remove", name, NULL);
}
