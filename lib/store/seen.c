#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/fileio.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/record.h"
#include "store/seen.h"
#include "store/summary.h"

#define SEEN_DIR "seen"
/* A message's file name is 29 bytes and its flags; more is no record. */
#define SEEN_MAX 256

/*
 * The operator's directory under seen/: the name itself when it is one
 * dlg operator would take, else '=' and its bytes in hex (a name from
 * $DLG_OPERATOR may hold '/' or ".."; '=' starts no valid name).
 */
static void operator_dirname(struct strbuf *out, const char *operator)
{
	if (operator_name_valid(operator)) {
		strbuf_addstr(out, operator);
		return;
	}
	strbuf_addch(out, '=');
	for (const unsigned char *p = (const unsigned char *)operator; *p; p++)
		strbuf_addf(out, "%02x", *p);
}

/* Opens .git/dlg/seen/OPERATOR, creating it when create is set. */
static int operator_dir_open(struct dlg_store *s, const char *operator, int create)
{
	struct strbuf name = STRBUF_INIT;
	int top, fd;
	if ((top = dir_open_at(AT_FDCWD, s->dlgdir, 0, 0755, ".git/dlg")) < 0)
		return top;
	fd = dir_open_at(top, SEEN_DIR, create, 0755, ".git/dlg/seen");
	close(top);
	if (fd < 0)
		return fd;
	top = fd;
	operator_dirname(&name, operator);
	fd = dir_open_at(top, name.buf, create, 0755, ".git/dlg/seen/OPERATOR");
	close(top);
	strbuf_release(&name);
	return fd;
}

/* The name a reader of mail gave a message, without the flags it may change. */
static size_t message_base_len(const char *name)
{
	const char *flags = strstr(name, ":2,");
	return flags ? (size_t)(flags - name) : strlen(name);
}

static int same_message(const char *a, const char *b)
{
	size_t n = message_base_len(a);
	return n == message_base_len(b) && !memcmp(a, b, n);
}

int seen_record(struct dlg_store *s, const char *operator, const char *id, const char *message)
{
	struct strbuf line = STRBUF_INIT;
	int dir, tmp, err;
	if (!is_full_id(id) || strchr(message, '\n'))
		return dlg_error(DLG_EINVALID, "no message '%s' of dialog '%s'", message, id);
	if ((dir = operator_dir_open(s, operator, 1)) < 0)
		return dir;
	if ((tmp = dir_open_at(AT_FDCWD, s->tmpdir, 1, 0755, ".git/dlg/tmp")) < 0) {
		close(dir);
		return tmp;
	}
	strbuf_addf(&line, "%s\n", message);
	/* a hint, not data: replaced whole, never flushed to the disk */
	err = file_write_at(tmp, "seen-", dir, id, line.buf, line.len, FILE_NO_SYNC);
	close(tmp);
	close(dir);
	strbuf_release(&line);
	return err;
}

/* What dlg show recorded, if it is a message name of dialog id. */
static int seen_read(struct strbuf *out, struct dlg_store *s, const char *operator, const char *id)
{
	struct strbuf path = STRBUF_INIT;
	int dir, err;
	if ((dir = operator_dir_open(s, operator, 0)) < 0)
		return DLG_ENOTFOUND;
	err = file_read_regular(out, dir, id, FILE_NOFOLLOW, SEEN_MAX);
	close(dir);
	strbuf_rtrim(out);
	if (!err) {
		layout_dialog_message(&path, id, out->buf);
		if (!tree_path_valid(path.buf, GIT_FILEMODE_BLOB))
			err = DLG_ENOTFOUND;
	}
	strbuf_release(&path);
	if (err < 0)
		strbuf_reset(out);
	return err < 0 ? DLG_ENOTFOUND : 0;
}

/* Names alone say whether the mark is there; only the newest second's
   messages are read, to find the newest (a reply to a long dialog would
   read them all otherwise). */
int seen_mark(struct strbuf *mark, struct dlg_store *s, const char *operator, const char *id)
{
	struct strlist names = STRLIST_INIT;
	struct stored_msg last;
	int recorded = !seen_read(mark, s, operator, id);

	dialog_message_names(&names, s, id);
	if (recorded) {
		size_t i = 0;
		while (i < names.nr && !same_message(names.items[i], mark->buf))
			i++;
		recorded = i < names.nr;
	}
	if (!recorded) {
		strbuf_reset(mark);
		if (!dialog_newest_message(&last, s, id, &names)) {
			strbuf_addstr(mark, last.name);
			stored_msg_clear(&last);
		}
	}
	strlist_clear(&names);
	return 0;
}

void unseen_answer_clear(struct unseen_answer *a)
{
	free(a->operator);
	memset(a, 0, sizeof(*a));
}

int seen_answer_after(struct unseen_answer *out, struct dlg_store *s, const char *operator,
		      const char *id, const char *mark)
{
	struct stored_msg *msgs = NULL;
	size_t n = 0, i = 0;
	int err, found = 0;

	memset(out, 0, sizeof(*out));
	/* What follows the mark in the timeline is named with its second or a later one. */
	if ((err = dialog_messages_load_since(&msgs, &n, s, id, *mark ? message_name_time(mark) : 0, 0)) < 0)
		return err;
	if (*mark) {
		while (i < n && !same_message(msgs[i].name, mark))
			i++;
		i++; /* past the mark, or past the end when it is gone */
	}
	for (size_t k = n; k-- > i && !found;) {
		const char *who = msgs[k].operator;
		if (msgs[k].out && who && strcmp(who, operator)) {
			out->operator = xstrdup(who);
			out->date = msgs[k].date;
			found = 1;
		}
	}
	dialog_messages_free(msgs, n);
	return found;
}
