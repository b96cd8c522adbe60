/*
 * What commands read besides their options: dialog ids from arguments or a
 * pipe, users by id or address, and text from -m, -F, a pipe or $EDITOR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "cmd.h"
#include "input.h"
#include "ops/user.h"

int stdin_is_data(void)
{
	struct stat st;
	if (isatty(0) || fstat(0, &st) < 0)
		return 0;
	/* Pipes and files only: a socket is ssh's or a daemon's stdin, not ids. */
	return S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode);
}

struct id_reader {
	struct strlist *out;
	struct dlg_ctx *ctx;
	int keep_going;   /* a bad id is reported, and the others still count */
	int failed;
};

static int add_id(struct id_reader *r, const char *arg)
{
	char id[17];
	if (store_resolve(id, r->ctx->store, "dialogs", arg) < 0) {
		r->failed = error_last();
		return r->keep_going ? 0 : r->failed;
	}
	if (!strlist_has(r->out, id))
		strlist_push(r->out, id);
	return 0;
}

static int add_ids_from_stdin(struct id_reader *r)
{
	struct strbuf line = STRBUF_INIT;
	int ret = 0;
	while (!ret && strbuf_getline(&line, stdin) != EOF) {
		/* The first word: `dlg list` lines pipe straight in. */
		size_t n = strcspn(line.buf, " \t\r");
		strbuf_setlen(&line, n);
		if (!line.len || line.buf[0] == '#')
			continue;
		ret = add_id(r, line.buf);
	}
	strbuf_release(&line);
	return ret;
}

int ids_from_stdin(struct strlist *out, struct dlg_ctx *ctx)
{
	struct id_reader r = { out, ctx, 0, 0 };
	return add_ids_from_stdin(&r);
}

static int read_ids(struct id_reader *r, int argc, char **argv)
{
	int ret = 0, stdin_read = 0;
	for (int i = 0; i < argc && !ret; i++) {
		if (strcmp(argv[i], "-"))
			ret = add_id(r, argv[i]);
		else if (!stdin_read++) /* a second "-" finds stdin at its end */
			ret = add_ids_from_stdin(r);
	}
	if (!argc && stdin_is_data()) {
		stdin_read = 1;
		ret = add_ids_from_stdin(r);
	}
	if (ret)
		return ret;
	if (!argc && !stdin_read)
		return error_usage("no dialog ids given (as arguments, or - for standard input)");
	return r->failed;
}

int ids_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv)
{
	struct id_reader r = { out, ctx, 0, 0 };
	return read_ids(&r, argc, argv);
}

int ids_from_args_each(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv)
{
	struct id_reader r = { out, ctx, 1, 0 };
	return read_ids(&r, argc, argv);
}

int one_id_from_args(struct strlist *out, struct dlg_ctx *ctx, int argc, char **argv)
{
	int ret = ids_from_args(out, ctx, argc, argv);
	if (ret || out->nr == 1)
		return ret;
	if (!out->nr)
		return error_usage("no dialog id given");
	return error_usage("one dialog at a time, not %zu", out->nr);
}

int text_wants_stdin(const char *m, const char *file)
{
	return !m && (file ? !strcmp(file, "-") : !isatty(0));
}

int user_from_arg(char out[17], struct dlg_ctx *ctx, const char *arg)
{
	return dlg_user_resolve(out, ctx->store, arg) < 0 ? error_last() : 0;
}

/*
 * Drops the lines the editor file explains itself in: a lone "#" or "#"
 * and a space, as git commit does, but only those, so a line that starts
 * with an order number ("#10482 ships today") stays.
 */
static void strip_comment_lines(struct strbuf *sb)
{
	struct strbuf kept = STRBUF_INIT;
	const char *p = sb->buf, *end = sb->buf + sb->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (!(p[0] == '#' && (n == 1 || p[1] == ' ' || p[1] == '\n' || p[1] == '\r')))
			strbuf_add(&kept, p, n);
		p += n;
	}
	strbuf_reset(sb);
	strbuf_addbuf(sb, &kept);
	strbuf_release(&kept);
}

int edit_text(struct strbuf *out, const char *initial, const char *what, const char *comment)
{
	const char *editor = getenv("VISUAL");
	struct strbuf path = STRBUF_INIT, cmd = STRBUF_INIT, text = STRBUF_INIT;
	int fd, rc;
	if (!editor || !*editor)
		editor = getenv("EDITOR");
	if (!editor || !*editor)
		editor = "vi";
	strbuf_addstr(&text, initial);
	/* an empty first line for the text, as git commit gives */
	if (!text.len || text.buf[text.len - 1] != '\n')
		strbuf_addch(&text, '\n');
	strbuf_addf(&text, "# Write the %s above.  Lines starting with '# ' are removed;\n"
		    "# an empty %s aborts.\n", what, what);
	if (comment)
		strbuf_addstr(&text, comment);
	/* ".txt": editors pick plain text, and spell checkers its language */
	strbuf_addf(&path, "%s/dlg-%s-XXXXXX.txt", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", what);
	fd = mkstemps(path.buf, 4);
	if (fd < 0) {
		rc = error_msg("cannot create a temporary file: %s", strerror(errno));
		goto out;
	}
	if (write(fd, text.buf, text.len) != (ssize_t)text.len) {
		close(fd);
		unlink(path.buf);
		rc = error_msg("cannot write a temporary file: %s", strerror(errno));
		goto out;
	}
	close(fd);
	/* The file name is ours (mkstemps), so quoting it is safe. */
	strbuf_addf(&cmd, "%s '%s'", editor, path.buf);
	rc = system(cmd.buf);
	/* $TMPDIR is everyone's: what the editor left there is read without following a link */
	if (rc == 0 && file_read_regular(out, AT_FDCWD, path.buf, FILE_NOFOLLOW, TEXT_MAX) < 0)
		rc = error_msg("cannot read what the editor saved in '%s': %s", path.buf, dlg_error_last());
	else if (rc != 0)
		rc = error_msg("the editor failed; nothing was written");
	else
		strip_comment_lines(out);
	unlink(path.buf);
out:
	strbuf_release(&path);
	strbuf_release(&cmd);
	strbuf_release(&text);
	return rc;
}

int text_from_editor(struct strbuf *out, const char *initial, const char *what, const char *comment)
{
	int ret = edit_text(out, initial, what, comment);
	if (ret)
		return ret;
	strbuf_rtrim(out);
	if (!out->len)
		return error_msg("empty %s; nothing was written", what);
	strbuf_addch(out, '\n');
	return 0;
}

int text_from_sources(struct strbuf *out, const char *m, const char *file, const char *what)
{
	if (m) {
		strbuf_addstr(out, m);
	} else if (file && strcmp(file, "-")) {
		/* opened, then checked: a pipe (-F <(cmd)) is read, but never past the
		   limit, so /dev/zero cannot keep dlg reading for ever */
		if (file_read_regular(out, AT_FDCWD, file, FILE_STREAM, TEXT_MAX) < 0)
			return error_msg("cannot read '%s': %s", file, dlg_error_last());
	} else if (file || !isatty(0)) {
		if (strbuf_read_fd(out, 0) < 0)
			return error_msg("cannot read standard input: %s", strerror(errno));
	} else {
		return text_from_editor(out, "", what, NULL);
	}
	strbuf_rtrim(out);
	if (!out->len)
		return error_msg("empty %s; nothing was written", what);
	strbuf_addch(out, '\n');
	return 0;
}
