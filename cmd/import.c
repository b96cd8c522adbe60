#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "cmd.h"
#include "mail/mbox.h"
#include "ops/import.h"

static const char *const import_usage[] = {
	"dlg import [--channel NAME] [-q] [FILE|DIR...]",
	"dlg import --json [-q] [FILE...]",
	"",
	"Imports email: RFC 5322 files, mbox files, Maildir or plain directories,",
	"or standard input.  Prints the ids of the dialogs created or changed.",
	NULL,
};

#define MAX_MESSAGE (64u << 20)

/* The messages read, in the order they were read. */
struct import_input {
	struct raw_msg {
		char *source;
		struct strbuf data;
	} *msgs;
	size_t nr, alloc;
};

static int add_msg(struct import_input *in, const char *source, const char *data, size_t len)
{
	struct raw_msg *m;
	if (len > MAX_MESSAGE)
		return error_msg("%s: message larger than %u MB, skipped", source, MAX_MESSAGE >> 20);
	ALLOC_GROW(in->msgs, in->nr + 1, in->alloc);
	m = &in->msgs[in->nr];
	m->source = xstrdup(source);
	strbuf_init(&m->data, 0);
	strbuf_add(&m->data, data, len);
	in->nr++;
	return 0;
}

struct mbox_job {
	struct import_input *in;
	const char *source;
};

static int add_mbox_msg(const char *msg, size_t len, size_t n, void *payload)
{
	struct mbox_job *job = payload;
	struct strbuf label = STRBUF_INIT;
	int ret;
	strbuf_addf(&label, "%s#%zu", job->source, n);
	ret = add_msg(job->in, label.buf, msg, len);
	strbuf_release(&label);
	return ret;
}

/* A file's messages: one, or each of an mbox. */
static int add_file(struct import_input *in, const char *source, const struct strbuf *data)
{
	if (mbox_is(data->buf, data->len)) {
		struct mbox_job job = { in, source };
		return mbox_split(data->buf, data->len, add_mbox_msg, &job);
	}
	return add_msg(in, source, data->buf, data->len);
}

static int read_entry(struct import_input *in, int dirfd, const char *name, const char *path,
		      int flags);

/* A directory (a Maildir, or any tree of files), open on fd, which it takes. */
static int read_dir(struct import_input *in, int fd, const char *path)
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
		ret |= read_entry(in, dirfd(d), names.items[i], child.buf, FILE_NOFOLLOW);
	}
	closedir(d);
	strlist_clear(&names);
	strbuf_release(&child);
	return ret;
}

/* name in dirfd (path in messages): a file or a directory, opened first and then looked at. */
static int read_entry(struct import_input *in, int dirfd, const char *name, const char *path,
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
		return read_dir(in, fd, path);
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return error_msg("'%s' is not a file or directory", path);
	}
	if (file_read_fd(&data, fd, &st, FILE_NO_LIMIT) < 0)
		ret = error_msg("cannot read '%s': %s", path, dlg_error_last());
	else
		ret = add_file(in, path, &data);
	close(fd);
	strbuf_release(&data);
	return ret;
}

static int read_input(struct import_input *in, const char *path)
{
	struct strbuf data = STRBUF_INIT;
	int ret;
	if (strcmp(path, "-"))
		return read_entry(in, AT_FDCWD, path, path, 0); /* named by the operator: followed */
	if (strbuf_read_fd(&data, 0) < 0)
		ret = error_msg("cannot read standard input: %s", strerror(errno));
	else
		ret = add_file(in, "(stdin)", &data);
	strbuf_release(&data);
	return ret;
}

/* JSON Lines: one message a line; blank lines are passed over. */
static int read_json_lines(struct import_input *in, const char *path)
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
			ret |= add_msg(in, label.buf, p, n);
		}
		p += n + (nl ? 1 : 0);
	}
	strbuf_release(&data);
	strbuf_release(&label);
	return ret;
}

CMD(import)
{
	struct dlg_import_opts job = { 0 };   /* what the options ask for */
	struct dlg_import_result res = DLG_IMPORT_RESULT_INIT;
	struct import_input in = { 0 };
	struct dlg_import_msg *msgs;
	int quiet = 0, ret = 0, err;
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
	/* before anything is read */
	if (dlg_import_check(&job) < 0)
		return error_usage_last();
	if (job.json) {
		if (!argc)
			ret |= read_json_lines(&in, "-");
		for (int i = 0; i < argc; i++)
			ret |= read_json_lines(&in, argv[i]);
	} else {
		if (!argc)
			ret |= read_input(&in, "-");
		for (int i = 0; i < argc; i++)
			ret |= read_input(&in, argv[i]);
	}
	msgs = xcalloc(in.nr + 1, sizeof(*msgs));
	for (size_t i = 0; i < in.nr; i++) {
		msgs[i].source = in.msgs[i].source;
		msgs[i].data = in.msgs[i].data.buf;
		msgs[i].len = in.msgs[i].data.len;
	}
	job.msgs = msgs;
	job.nmsgs = in.nr;
	if (!quiet)
		progress_begin();
	err = dlg_import(&res, ctx->store, &job);
	progress_end();
	for (size_t i = 0; i < res.skipped.nr; i++)
		ret = error_msg("%s, skipped", res.skipped.items[i]);
	if (err < 0)
		ret = error_last();
	if (!quiet)
		for (size_t i = 0; i < res.dialogs.nr; i++)
			printf("%s\n", res.dialogs.items[i]);
	if (!quiet && res.duplicates)
		fprintf(stderr, "dlg: import: %zu message%s already in the store\n",
			res.duplicates, res.duplicates == 1 ? " was" : "s were");
	dlg_import_result_clear(&res);
	for (size_t i = 0; i < in.nr; i++) {
		free(in.msgs[i].source);
		strbuf_release(&in.msgs[i].data);
	}
	free(in.msgs);
	free(msgs);
	return ret ? 1 : 0;
}
