#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "channel/channel.h"
#include "cmd.h"
#include "mail/mime.h"
#include "store/assign.h"
#include "store/import.h"
#include "store/record.h"
#include "store/tx.h"

static const char *const import_usage[] = {
	"dlg import [--channel NAME] [-q] [FILE|DIR...]",
	"dlg import --json [-q] [FILE...]",
	"",
	"Imports email: RFC 5322 files, mbox files, Maildir or plain directories,",
	"or standard input.  Prints the ids of the dialogs created or changed.",
	NULL,
};

#define MAX_MESSAGE (64u << 20)
/* A mailbox larger than this goes in as several commits, so memory stays bounded. */
#define IMPORT_BATCH 20000

struct raw_msg {
	char *source;
	struct strbuf data;
	time_t date;
	size_t seq;
};

struct import_job {
	struct raw_msg *msgs;
	size_t nr, alloc;
	size_t first, count;       /* the batch being imported */
	const char *channel;
	int json;                  /* msgs are JSON lines of chat messages */
	struct import_result res;  /* of the batch */
	int failed;
};

static int add_msg(struct import_job *job, const char *source, const char *data, size_t len)
{
	struct raw_msg *m;
	struct strbuf date = STRBUF_INIT;
	if (len > MAX_MESSAGE)
		return error_msg("%s: message larger than %u MB, skipped", source, MAX_MESSAGE >> 20);
	ALLOC_GROW(job->msgs, job->nr + 1, job->alloc);
	m = &job->msgs[job->nr];
	m->source = xstrdup(source);
	strbuf_init(&m->data, 0);
	strbuf_add(&m->data, data, len);
	m->date = 0;
	m->seq = job->nr;
	if (!mime_header_get(&date, data, len, "Date"))
		mime_date_parse(&m->date, date.buf);
	strbuf_release(&date);
	job->nr++;
	return 0;
}

/* The boundary of a multipart message's header block, or "" . */
static void multipart_boundary(struct strbuf *out, const char *msg, size_t len)
{
	struct strbuf ct = STRBUF_INIT;
	strbuf_reset(out);
	if (!mime_header_get(&ct, msg, len, "Content-Type")) {
		const char *b = NULL;
		for (const char *p = ct.buf; *p && !b; p++)
			if (!strncasecmp(p, "boundary=", 9))
				b = p;
		if (b) {
			b += 9;
			if (*b == '"') {
				const char *e = strchr(++b, '"');
				strbuf_add(out, b, e ? (size_t)(e - b) : strlen(b));
			} else {
				strbuf_add(out, b, strcspn(b, "; \t"));
			}
		}
	}
	strbuf_release(&ct);
}

/*
 * mbox: messages start at "From " lines; ">From " quoting is undone (mboxrd).
 * Inside an unfinished multipart body a "From " line is content (an
 * attached patch or mbox), not the next message.
 */
static int split_mbox(struct import_job *job, const char *source, const char *buf, size_t len)
{
	struct strbuf msg = STRBUF_INIT, label = STRBUF_INIT, boundary = STRBUF_INIT;
	size_t i = 0, n = 0;
	int in_body = 0, open_multipart = 0, ret = 0;
	while (i < len) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - line) + 1 : len - i;
		if (ll >= 5 && !strncmp(line, "From ", 5) && !open_multipart) {
			if (msg.len) {
				strbuf_reset(&label);
				strbuf_addf(&label, "%s#%zu", source, ++n);
				ret |= add_msg(job, label.buf, msg.buf, msg.len);
			}
			strbuf_reset(&msg);
			in_body = 0;
		} else {
			size_t q = 0;
			while (q < ll && line[q] == '>')
				q++;
			if (q && ll - q >= 5 && !strncmp(line + q, "From ", 5))
				line++, ll--;
			strbuf_add(&msg, line, ll);
			if (!in_body && (ll == 1 || (ll == 2 && line[0] == '\r'))) {
				in_body = 1;
				multipart_boundary(&boundary, msg.buf, msg.len);
				open_multipart = boundary.len > 0;
			} else if (open_multipart && ll >= boundary.len + 4 && line[0] == '-' &&
				   line[1] == '-' && !strncmp(line + 2, boundary.buf, boundary.len) &&
				   !strncmp(line + 2 + boundary.len, "--", 2)) {
				open_multipart = 0;
			}
		}
		i += ll;
	}
	if (msg.len) {
		strbuf_reset(&label);
		strbuf_addf(&label, "%s#%zu", source, ++n);
		ret |= add_msg(job, label.buf, msg.buf, msg.len);
	}
	strbuf_release(&msg);
	strbuf_release(&label);
	strbuf_release(&boundary);
	return ret;
}

/* A file's messages: one, or each of an mbox. */
static int add_file(struct import_job *job, const char *source, const struct strbuf *data)
{
	if (data->len >= 5 && !strncmp(data->buf, "From ", 5))
		return split_mbox(job, source, data->buf, data->len);
	return add_msg(job, source, data->buf, data->len);
}

static int read_entry(struct import_job *job, int dirfd, const char *name, const char *path,
		      int flags);

/* A directory (a Maildir, or any tree of files), open on fd, which it takes. */
static int read_dir(struct import_job *job, int fd, const char *path)
{
	struct strlist names = STRLIST_INIT;
	struct strbuf child = STRBUF_INIT;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int ret = 0;
	if (!d) {
		ret = error_msg("cannot open '%s': %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "tmp")) /* Maildir tmp/: half-written */
			strlist_push(&names, de->d_name);
	strlist_sort(&names);
	for (size_t i = 0; i < names.nr; i++) {
		strbuf_reset(&child);
		strbuf_addf(&child, "%s/%s", path, names.items[i]);
		/* whoever delivers into the Maildir could plant a link to any file of ours */
		ret |= read_entry(job, dirfd(d), names.items[i], child.buf, FILE_NOFOLLOW);
	}
	closedir(d);
	strlist_clear(&names);
	strbuf_release(&child);
	return ret;
}

/* name in dirfd (path in messages): a file or a directory, opened first and then looked at. */
static int read_entry(struct import_job *job, int dirfd, const char *name, const char *path,
		      int flags)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	int fd = file_open_read(&st, dirfd, name, flags), ret;

	if (fd == DLG_EINVALID)
		return error_msg("'%s' is a symbolic link; skipped", path);
	if (fd < 0)
		return error_msg("cannot read '%s': %s", path, dlg_error_last());
	if (S_ISDIR(st.st_mode))
		return read_dir(job, fd, path);
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_msg("'%s' is not a file or directory", path);
	}
	if (file_read_fd(&data, fd, &st, FILE_NO_LIMIT) < 0)
		ret = error_msg("cannot read '%s': %s", path, dlg_error_last());
	else
		ret = add_file(job, path, &data);
	close(fd);
	strbuf_release(&data);
	return ret;
}

static int read_input(struct import_job *job, const char *path)
{
	struct strbuf data = STRBUF_INIT;
	int ret;
	if (strcmp(path, "-"))
		return read_entry(job, AT_FDCWD, path, path, 0); /* named by the operator: followed */
	if (strbuf_read_fd(&data, 0) < 0)
		ret = error_msg("cannot read standard input: %s", strerror(errno));
	else
		ret = add_file(job, "(stdin)", &data);
	strbuf_release(&data);
	return ret;
}

/* JSON Lines: one message a line; blank lines are passed over. */
static int read_json_lines(struct import_job *job, const char *path)
{
	struct strbuf data = STRBUF_INIT, label = STRBUF_INIT;
	size_t line = 0;
	int ret = 0;
	if (!strcmp(path, "-")) {
		if (strbuf_read_fd(&data, 0) < 0)
			ret = error_msg("cannot read standard input: %s", strerror(errno));
	} else if (file_read_regular(&data, AT_FDCWD, path, 0, FILE_NO_LIMIT) < 0) {
		ret = error_msg("cannot read '%s': %s", path, dlg_error_last());
	}
	if (ret) {
		strbuf_release(&data);
		return ret;
	}
	for (const char *p = data.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		line++;
		if (strspn(p, " \t\r") < n) {
			strbuf_reset(&label);
			strbuf_addf(&label, "%s:%zu", strcmp(path, "-") ? path : "(stdin)", line);
			ret |= add_msg(job, label.buf, p, n);
		}
		p += n + (nl ? 1 : 0);
	}
	strbuf_release(&data);
	strbuf_release(&label);
	return ret;
}

static int by_date(const void *pa, const void *pb)
{
	const struct raw_msg *a = pa, *b = pb;
	/* Parents before replies, so a batch threads as it would one by one. */
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int import_fn(struct dlg_tx *tx, void *payload)
{
	struct import_job *job = payload;
	int err;
	import_result_reset(&job->res);
	auto_assign_begin(job->res.autoassign);
	job->failed = 0;
	for (size_t i = job->first; i < job->first + job->count; i++) {
		if (job->json) {
			struct chan_msg m;
			err = chan_msg_from_json(&m, job->msgs[i].data.buf, job->msgs[i].data.len, NULL);
			if (!err)
				err = import_chan_msg(tx, &m, &job->res);
			chan_msg_clear(&m);
		} else {
			err = import_email(tx, job->channel, job->msgs[i].data.buf, job->msgs[i].data.len,
					   &job->res);
		}
		if (err == DLG_EINVALID) { /* this message only: the rest still goes in */
			error_msg("%s: %s, skipped", job->msgs[i].source, dlg_error_last());
			job->failed = 1;
		} else if (err < 0) {
			return err;
		}
	}
	if (job->res.imported && (err = auto_assign_finish(job->res.autoassign, tx)) < 0)
		return err;
	if (job->res.imported)
		tx_message(tx, "import: %zu message%s, %zu new dialog%s\n", job->res.imported,
			   job->res.imported == 1 ? "" : "s", job->res.created,
			   job->res.created == 1 ? "" : "s");
	return 0;
}

CMD(import)
{
	struct import_job job = { 0 };
	struct import_result total = { STRLIST_INIT, 0, 0, 0, NULL };
	int quiet = 0, ret = 0;
	const struct opt opts[] = {
		OPT_STRING('c', "channel", &job.channel, "NAME",
			   "channel the mail came through (default: email)"),
		OPT_FLAG('j', "json", &job.json, "website chat and pop-up messages as JSON Lines,\n"
			 "in the chat spool's shape (see dlg-channel(1))"),
		OPT_FLAG('q', "quiet", &quiet, "print nothing"),
		OPT_END(),
	};

	job.channel = "email";
	argc = parse_options(argc, argv, opts, import_usage, PARSE_OPT_STOP_AT_NON_OPTION);
	if (argc < 0)
		return parse_options_exit(argc);
	if (!tag_valid(job.channel))
		return error_msg("invalid channel name '%s'", job.channel);
	if (job.json) {
		if (!argc)
			ret |= read_json_lines(&job, "-");
		for (int i = 0; i < argc; i++)
			ret |= read_json_lines(&job, argv[i]);
	} else {
		if (!argc)
			ret |= read_input(&job, "-");
		for (int i = 0; i < argc; i++)
			ret |= read_input(&job, argv[i]);
	}
	/* JSON lines keep their order: their dates were parsed by nobody yet. */
	if (job.nr > 1 && !job.json)
		qsort(job.msgs, job.nr, sizeof(*job.msgs), by_date);

	if (job.nr && auto_assign_load(&job.res.autoassign, ctx->store) < 0) {
		ret = error_last();
		job.nr = 0;
	}
	for (job.first = 0; job.first < job.nr; job.first += job.count) {
		job.count = job.nr - job.first < IMPORT_BATCH ? job.nr - job.first : IMPORT_BATCH;
		if (store_change(ctx->store, import_fn, &job, NULL) < 0) {
			ret = error_last();
			break;
		}
		ret |= job.failed;
		auto_assign_committed(job.res.autoassign);
		for (size_t i = 0; i < job.res.dialogs.nr; i++)
			strlist_push(&total.dialogs, job.res.dialogs.items[i]);
		total.duplicates += job.res.duplicates;
	}
	strlist_sort(&total.dialogs);
	if (!quiet)
		for (size_t i = 0; i < total.dialogs.nr; i++)
			if (!i || strcmp(total.dialogs.items[i], total.dialogs.items[i - 1]))
				printf("%s\n", total.dialogs.items[i]);
	if (!quiet && total.duplicates)
		fprintf(stderr, "dlg: import: %zu message%s already in the store\n",
			total.duplicates, total.duplicates == 1 ? " was" : "s were");
	import_result_reset(&total);
	for (size_t i = 0; i < job.nr; i++) {
		free(job.msgs[i].source);
		strbuf_release(&job.msgs[i].data);
	}
	free(job.msgs);
	auto_assign_free(job.res.autoassign);
	import_result_reset(&job.res);
	return ret ? 1 : 0;
}
