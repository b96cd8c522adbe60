#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cmd.h"
#include "store/summary.h"

static const char *const attachment_usage[] = {
	"dlg attachment [--json] [ID]",
	"dlg attachment [-f] [-o FILE|DIR|-] ID N",
	NULL,
};

/* The longest name written, in bytes: below every file system's 255. */
#define SAFE_NAME_MAX 200
/* A longer ".tail" is not an extension worth keeping when a name is cut. */
#define SAFE_EXT_MAX 16

/* Characters that change how the text around them shows: controls (C0,
   DEL, C1), line separators, the byte order mark and the bidi marks,
   embeddings, overrides and isolates ("\u202efdp.exe" reads as "exe.pdf"). */
static int cp_dropped(unsigned cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x61c || cp == 0x200e ||
	       cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0xfeff;
}

static int is_trimmed(char c)
{
	return c == '.' || c == ' ';
}

/* An extension for a nameless attachment of a common type, else "". */
static const char *type_extension(const char *type)
{
	static const char *const known[][2] = {
		{ "application/pdf", ".pdf" }, { "application/zip", ".zip" },
		{ "image/jpeg", ".jpg" }, { "image/png", ".png" }, { "image/gif", ".gif" },
		{ "image/webp", ".webp" }, { "text/plain", ".txt" }, { "text/html", ".html" },
		{ "text/csv", ".csv" }, { "audio/ogg", ".ogg" }, { "video/mp4", ".mp4" },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++)
		if (!strcmp(type, known[i][0]))
			return known[i][1];
	return "";
}

/*
 * A file name from a name the customer's side chose: its last component
 * (after '/' or '\'), without controls and bidi tricks, broken UTF-8 and
 * the characters shells and other systems trip on as '_', no leading dots
 * or spaces (no hidden files, no "." or ".."), no leading '-' (no options),
 * no trailing dots or spaces, at most SAFE_NAME_MAX bytes cut on a
 * character boundary with the extension kept.  "attachment-N" when nothing
 * is left.
 */
static void safe_name(struct strbuf *out, const char *name, const char *type, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *s;
	size_t len, i, lead = 0;

	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			name = p + 1;
	s = (const unsigned char *)name;
	len = strlen(name);
	for (i = 0; i < len;) {
		unsigned cp;
		size_t k = utf8_decode((const char *)s + i, len - i, &cp);
		if (cp_dropped(cp))
			; /* gone without a trace, like the controls the parser drops */
		else if (cp == 0xfffd || (cp < 0x80 && strchr(":*?\"<>|/\\", (int)cp)))
			strbuf_addch(&sb, '_'); /* U+FFFD: bytes that were not UTF-8 */
		else
			strbuf_add(&sb, s + i, k);
		i += k;
	}
	while (lead < sb.len && is_trimmed(sb.buf[lead]))
		lead++;
	memmove(sb.buf, sb.buf + lead, sb.len - lead);
	strbuf_setlen(&sb, sb.len - lead);
	while (sb.len && is_trimmed(sb.buf[sb.len - 1]))
		strbuf_setlen(&sb, sb.len - 1);
	if (sb.len && sb.buf[0] == '-')
		sb.buf[0] = '_';
	if (sb.len > SAFE_NAME_MAX) {
		const char *dot = strrchr(sb.buf, '.');
		size_t ext = dot && strlen(dot) <= SAFE_EXT_MAX ? strlen(dot) : 0;
		size_t keep = SAFE_NAME_MAX - ext;
		while (keep && (sb.buf[keep] & 0xc0) == 0x80)
			keep--; /* sb is valid UTF-8: back to the start of a character */
		while (keep && is_trimmed(sb.buf[keep - 1]))
			keep--;
		memmove(sb.buf + keep, sb.buf + sb.len - ext, ext);
		strbuf_setlen(&sb, keep + ext);
	}
	if (sb.len)
		strbuf_addbuf(out, &sb);
	else
		strbuf_addf(out, "attachment-%zu%s", n, type_extension(type));
	strbuf_release(&sb);
}

/* The n-th attachment (from 1) of a dialog's messages in their order, or NULL. */
static const struct mime_attachment *nth_attachment(const struct stored_msg *msgs, size_t nmsgs,
						    size_t n, size_t *total)
{
	const struct mime_attachment *found = NULL;
	size_t k = 0;
	for (size_t i = 0; i < nmsgs; i++)
		for (size_t a = 0; a < msgs[i].mime->nattachments; a++)
			if (++k == n)
				found = &msgs[i].mime->attachments[a];
	*total = k;
	return found;
}

static void list_attachments(const struct stored_msg *msgs, size_t nmsgs, int json)
{
	struct strbuf ts = STRBUF_INIT, file = STRBUF_INIT;
	size_t k = 0;
	for (size_t i = 0; i < nmsgs; i++) {
		const struct stored_msg *m = &msgs[i];
		strbuf_reset(&ts);
		time_format_iso(&ts, m->date);
		for (size_t a = 0; a < m->mime->nattachments; a++) {
			const struct mime_attachment *at = &m->mime->attachments[a];
			k++;
			if (json) {
				json_t *o = json_object();
				strbuf_reset(&file);
				safe_name(&file, at->name, at->type, k);
				json_object_set_new(o, "n", json_integer((json_int_t)k));
				json_object_set_new(o, "name", jstr(at->name));
				json_object_set_new(o, "file", jstr(file.buf));
				json_object_set_new(o, "type", jstr(at->type));
				json_object_set_new(o, "size", json_integer((json_int_t)at->size));
				json_object_set_new(o, "direction", jstr(m->out ? "out" : "in"));
				json_object_set_new(o, "date", jstr(ts.buf));
				json_object_set_new(o, "message", jstr(m->name));
				json_print_line(o);
				json_decref(o);
				continue;
			}
			printf("%zu\t", k);
			print_safe(stdout, *at->name ? at->name : "(unnamed)", 0);
			putchar('\t');
			print_safe(stdout, at->type, 0);
			printf("\t%zu\t%s\t%s\n", at->size, m->out ? "out" : "in", ts.buf);
		}
	}
	strbuf_release(&ts);
	strbuf_release(&file);
}

/*
 * Writes data as name in the directory open on dirfd, whole or not at all
 * (lib/base/fileio.h).  A symbolic link at name is never followed: without force
 * it is kept like any existing file (even a dangling one), with force it is
 * replaced by the file.  path names it in messages.  Returns 0, or 1 after
 * saying why.
 */
static int write_out(int dirfd, const char *name, const char *path, const char *data, size_t len,
		     int force)
{
	int err = file_write_at(dirfd, ".dlg-attachment-", dirfd, name, data, len,
				force ? 0 : FILE_NOREPLACE);
	if (err == DLG_EEXISTS)
		return error_msg("'%s' exists; not overwritten (--force replaces it)", path);
	if (err < 0)
		return error_msg("cannot write '%s': %s", path, dlg_error_last());
	return 0;
}

/*
 * Where an attachment goes: into the directory -o names, or the current
 * one without -o, under its safe name; else to the file -o names.  A
 * symbolic link named by -o is a file (kept, or with --force replaced),
 * never followed, unless the name ends in '/': then the operator asked for
 * the directory it points to.  Opens the directory written into on *dirfd;
 * dir gets the path as the operator wrote it up to the file's name, file
 * that name (left empty for the safe name).  Returns 0, or 1 after saying why.
 */
static int output_target(int *dirfd, struct strbuf *dir, struct strbuf *file, const char *output)
{
	const char *slash;
	if (!output) {
		if ((*dirfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return error_msg("cannot write into the current directory: %s", strerror(errno));
		return 0;
	}
	*dirfd = open(output, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
				  (output[strlen(output) - 1] == '/' ? 0 : O_NOFOLLOW));
	if (*dirfd >= 0) {
		strbuf_addstr(dir, output);
		if (dir->buf[dir->len - 1] != '/')
			strbuf_addch(dir, '/');
		return 0;
	}
	if (output[strlen(output) - 1] == '/' || (errno != ENOENT && errno != ENOTDIR && errno != ELOOP))
		return error_msg("cannot write '%s': %s", output, strerror(errno));
	/* a file, new or existing, or a link; the directories above it are the operator's to choose */
	slash = strrchr(output, '/');
	strbuf_add(dir, output, slash ? (size_t)(slash - output) + 1 : 0);
	strbuf_addstr(file, slash ? slash + 1 : output);
	if ((*dirfd = open(dir->len ? dir->buf : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return error_msg("cannot write '%s': %s", output, strerror(errno));
	return 0;
}

/* Attachment n (from 1) of the dialog id to output: a file, a directory, "-" or NULL (here). */
static int save_attachment(struct dlg_ctx *ctx, const char *id, const char *arg, const char *output,
			   int force)
{
	const struct mime_attachment *at;
	struct stored_msg *msgs = NULL;
	struct strbuf path = STRBUF_INIT, name = STRBUF_INIT;
	size_t nmsgs = 0, n = 0, total;
	int ret = 0, dirfd = -1;

	if (!*arg || strspn(arg, "0123456789") != strlen(arg)) {
		return error_usage("'%s' is not an attachment number", arg);
	}
	n = strlen(arg) > 9 ? (size_t)-1 : strtoul(arg, NULL, 10);
	dialog_messages_load(&msgs, &nmsgs, ctx->store, id, MIME_WANT_DATA);
	at = nth_attachment(msgs, nmsgs, n, &total);
	if (!at) {
		if (!total)
			ret = error_msg("dialog %.7s has no attachments", id);
		else
			ret = error_msg("dialog %.7s has %zu attachment%s, no %s", id, total,
					total == 1 ? "" : "s", arg);
		goto out;
	}
	if (output && !strcmp(output, "-")) {
		if (isatty(1) && !force) {
			ret = error_msg("standard output is a terminal; redirect it (-f writes anyway)");
			goto out;
		}
		if (fwrite(at->data, 1, at->size, stdout) != at->size)
			ret = error_msg("write error: %s", strerror(errno));
		goto out;
	}
	if ((ret = output_target(&dirfd, &path, &name, output)))
		goto out;
	if (!name.len)
		safe_name(&name, at->name, at->type, n);
	strbuf_addbuf(&path, &name);
	if ((ret = write_out(dirfd, name.buf, path.buf, at->data, at->size, force)) == 0) {
		print_safe(stdout, path.buf, 0);
		putchar('\n');
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	strbuf_release(&name);
	dialog_messages_free(msgs, nmsgs);
	strbuf_release(&path);
	return ret;
}

CMD(attachment)
{
	struct strlist ids = STRLIST_INIT;
	const char *output = NULL;
	int json = 0, force = 0, ret, nargs;
	const struct opt opts[] = {
		OPT_COLUMN(23),
		OPT_FLAG(0, "json", &json, "list as JSON, one object per line"),
		OPT_STRING('o', "output", &output, "PATH", "write to the file PATH, into the directory PATH,\n"
			   "or to standard output (-); a symbolic link is\n"
			   "not followed unless PATH ends in /"),
		OPT_FLAG('f', "force", &force, "replace an existing file"),
		OPT_TEXT("Lists a dialog's attachments, incoming and outgoing, numbered in message"),
		OPT_TEXT("order.  With N, writes attachment N into the current directory under its"),
		OPT_TEXT("name, made safe for a file system; an existing file is kept."),
		OPT_END(),
	};

	argc = parse_options(argc, argv, opts, attachment_usage, 0);
	if (argc < 0)
		return parse_options_exit(argc);
	nargs = argc;
	/* Listing takes --json and the id on stdin too; writing takes -o and -f. */
	if (nargs > 2 || (nargs == 2 && json) || (nargs < 2 && (output || force)))
		return usage_with_options(attachment_usage, opts, 0);
	if ((ret = one_id_from_args(&ids, ctx, nargs ? 1 : 0, argv)))
		goto out;
	if (nargs == 2) {
		ret = save_attachment(ctx, ids.items[0], argv[1], output, force);
	} else {
		struct stored_msg *msgs = NULL;
		size_t n = 0;
		dialog_messages_load(&msgs, &n, ctx->store, ids.items[0], 0);
		list_attachments(msgs, n, json);
		dialog_messages_free(msgs, n);
	}
out:
	strlist_clear(&ids);
	return ret;
}
