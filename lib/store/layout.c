/*
 * The paths a store's tree may hold.  The rule is written in
 * store-format.md ("Paths"); the table below is that section in code.
 */
#include <string.h>

#include "base/error.h"
#include "git/error.h"
#include "git/treediff.h"
#include "store/id.h"
#include "store/layout.h"

/*
 * Every file of format 1.  A directory is a proper prefix of one of these.
 * A component is a literal, alternatives split by '|', or a class:
 *   <hh>       two lowercase hex digits (a shard)
 *   <id>       16 lowercase hex digits whose first four are the two shards
 *   <key>      16 lowercase hex digits
 *   <name>     1-64 of [a-z0-9._-], not starting with '.' or '-'
 *   <note>     YYYYMMDDTHHMMSSZ-xxxxxxxx (digits, then 8 lowercase hex)
 *   <message>  DDDDDDDDDD.KEY:2,FLAGS (ten digits, a <key>, then flags
 *              A-Z in increasing order, none or more)
 */
static const char *const layout[] = {
	"format",
	"config",
	"dialogs/<hh>/<hh>/<id>/info|log|status|assignee|tags",
	"dialogs/<hh>/<hh>/<id>/notes/<note>",
	"dialogs/<hh>/<hh>/<id>/cur/<message>",
	"users/<hh>/<hh>/<id>/log|card",
	"users/<hh>/<hh>/<id>/notes/<note>",
	"operators/.last",
	"operators/<name>/log|card",
	"templates/<name>",
	"popups/<key>",
	"outbox/<key>",
	"msgmap/<hh>/<hh>",
};

#define MAX_DEPTH 6 /* components of the longest path above */

struct comp {
	const char *s;
	size_t len;
};

static int lower_ascii(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int is_lower_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int all_of(const char *s, size_t len, int (*pred)(int))
{
	for (size_t i = 0; i < len; i++)
		if (!pred((unsigned char)s[i]))
			return 0;
	return 1;
}

static int only_dots_and_spaces(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != '.' && s[i] != ' ')
			return 0;
	return 1;
}

static int starts_with_nocase(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	if (len < n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower_ascii((unsigned char)s[i]) != prefix[i])
			return 0;
	return 1;
}

/* Windows reads ".git . ", ".GIT", "git~1" (its short name) and
   ".git::$INDEX_ALLOCATION" (a stream) as .git. */
static int is_ntfs_dotgit(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t n = colon ? (size_t)(colon - s) : len;
	return (starts_with_nocase(s, n, ".git") && only_dots_and_spaces(s + 4, n - 4)) ||
	       (starts_with_nocase(s, n, "git~1") && only_dots_and_spaces(s + 5, n - 5));
}

/* HFS+ ignores these code points in names, so ".g\u200cit" is .git there. */
static int hfs_ignorable_at(const unsigned char *p, size_t left)
{
	unsigned int cp;
	if (left < 3 || (p[0] & 0xf0) != 0xe0 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
		return 0;
	cp = (p[0] & 0x0fu) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
	return (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff;
}

static int is_hfs_dotgit(const char *s, size_t len)
{
	static const char dotgit[] = ".git";
	const unsigned char *p = (const unsigned char *)s;
	size_t matched = 0;
	for (size_t i = 0; i < len;) {
		if (hfs_ignorable_at(p + i, len - i)) {
			i += 3;
			continue;
		}
		if (matched == 4 || lower_ascii(p[i]) != dotgit[matched])
			return 0;
		matched++;
		i++;
	}
	return matched == 4;
}

static const char *name_problem(const char *s, size_t len)
{
	if (!len)
		return "an empty name";
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return "'.' and '..' are not names";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/' || c == '\\')
			return "'/' or '\\' inside a name";
		if (c < 0x20 || c == 0x7f)
			return "a control character in a name";
	}
	if (is_ntfs_dotgit(s, len) || is_hfs_dotgit(s, len))
		return "'.git' in any spelling is git's own directory";
	return NULL;
}

const char *tree_name_problem(const char *name)
{
	return name_problem(name, strlen(name));
}

static int is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '_' || c == '-';
}

static int is_note_name(const char *s, size_t len)
{
	return len == 25 && all_of(s, 8, is_digit) && s[8] == 'T' && all_of(s + 9, 6, is_digit) &&
	       s[15] == 'Z' && s[16] == '-' && all_of(s + 17, 8, is_lower_hex);
}

static int is_message_name(const char *s, size_t len)
{
	if (len < 30 || !all_of(s, 10, is_digit) || s[10] != '.' || !all_of(s + 11, 16, is_lower_hex) ||
	    memcmp(s + 27, ":2,", 3))
		return 0;
	for (size_t i = 30; i < len; i++)
		if (s[i] < 'A' || s[i] > 'Z' || (i > 30 && s[i] <= s[i - 1]))
			return 0;
	return 1;
}

/* Does path component c (the i-th of comps) match pattern component pat? */
static int comp_matches(const char *pat, size_t plen, const struct comp *comps, size_t i)
{
	const struct comp *c = &comps[i];
#define IS(cls) (plen == sizeof(cls) - 1 && !memcmp(pat, cls, plen))
	if (IS("<hh>"))
		return c->len == 2 && all_of(c->s, 2, is_lower_hex);
	if (IS("<id>"))
		return i >= 2 && c->len == 16 && all_of(c->s, 16, is_lower_hex) &&
		       !memcmp(c->s, comps[i - 2].s, 2) && !memcmp(c->s + 2, comps[i - 1].s, 2);
	if (IS("<key>"))
		return c->len == 16 && all_of(c->s, 16, is_lower_hex);
	if (IS("<name>"))
		return c->len >= 1 && c->len <= 64 && c->s[0] != '.' && c->s[0] != '-' &&
		       all_of(c->s, c->len, is_name_char);
	if (IS("<note>"))
		return is_note_name(c->s, c->len);
	if (IS("<message>"))
		return is_message_name(c->s, c->len);
#undef IS
	/* literal alternatives: "info|log|status" */
	for (const char *alt = pat, *end = pat + plen; alt < end;) {
		const char *bar = memchr(alt, '|', (size_t)(end - alt));
		size_t n = bar ? (size_t)(bar - alt) : (size_t)(end - alt);
		if (n == c->len && !memcmp(alt, c->s, n))
			return 1;
		alt += n + 1;
	}
	return 0;
}

/* A file matches a whole pattern; a directory, the start of a longer one. */
static int in_layout(const struct comp *comps, size_t n, int is_dir)
{
	for (size_t k = 0; k < sizeof(layout) / sizeof(*layout); k++) {
		const char *pat = layout[k];
		size_t i = 0;
		for (; i < n && *pat; i++) {
			const char *slash = strchr(pat, '/');
			size_t plen = slash ? (size_t)(slash - pat) : strlen(pat);
			if (!comp_matches(pat, plen, comps, i))
				break;
			pat += plen + (slash ? 1 : 0);
		}
		if (i == n && (is_dir ? *pat != '\0' : *pat == '\0'))
			return 1;
	}
	return 0;
}

static const char *mode_problem(unsigned int mode)
{
	switch (mode) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_TREE:
		return NULL;
	case GIT_FILEMODE_LINK:
		return "a symbolic link";
	case GIT_FILEMODE_COMMIT:
		return "a submodule (gitlink)";
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return "an executable file";
	default:
		return "an unknown file mode";
	}
}

const char *tree_path_problem(const char *path, unsigned int mode)
{
	struct comp comps[MAX_DEPTH];
	size_t n = 0;
	const char *why, *p = path;

	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if ((why = name_problem(p, len)))
			return why;
		if (n < MAX_DEPTH) {
			comps[n].s = p;
			comps[n].len = len;
		}
		n++;
		if (!slash)
			break;
		p = slash + 1;
	}
	if ((why = mode_problem(mode)))
		return why;
	if (n > MAX_DEPTH || !in_layout(comps, n, mode == GIT_FILEMODE_TREE))
		return mode == GIT_FILEMODE_TREE ? "a directory outside the store's layout"
						 : "a file outside the store's layout";
	return NULL;
}

const char *tree_entry_problem(const char *path, const git_tree_entry *e)
{
	const char *why = tree_name_problem(git_tree_entry_name(e));
	return why ? why : tree_path_problem(path, (unsigned int)git_tree_entry_filemode_raw(e));
}

void tree_path_quote(struct strbuf *out, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p >= 0x20 && *p < 0x7f && *p != '\\')
			strbuf_addch(out, (char)*p);
		else
			strbuf_addf(out, "\\x%02x", *p);
}

int tree_path_refuse(const char *subject, const char *path, const char *why)
{
	struct strbuf quoted = STRBUF_INIT;
	tree_path_quote(&quoted, path);
	dlg_error(DLG_EINVALID, "refusing %s: path '%s': %s", subject, quoted.buf, why);
	strbuf_release(&quoted);
	return DLG_EINVALID;
}

static int check_added(const char *path, const git_tree_entry *old_entry, const git_tree_entry *new_entry,
		       void *subject)
{
	const char *why;
	if (!new_entry || !(why = tree_entry_problem(path, new_entry)))
		return 0;
	return tree_path_refuse(subject, path, why);
}

int tree_check_change(git_repository *repo, const git_tree *from, const git_tree *to, const char *subject)
{
	return tree_diff_entries(repo, from, to, check_added, NULL, (void *)subject);
}

int tree_check_commits(git_repository *repo, const git_oid *from, const git_oid *to, const char *subject)
{
	git_tree *a = NULL, *b = NULL;
	int err;
	if ((from && (err = tree_of_commit(&a, repo, from)) < 0) || (err = tree_of_commit(&b, repo, to)) < 0)
		err = dlg_error_git(err, "read tree");
	else
		err = tree_check_change(repo, a, b, subject);
	git_tree_free(a);
	git_tree_free(b);
	return err;
}

/* ---- building paths ---- */

void dialog_dir(struct strbuf *out, const char *id)
{
	shard_path(out, "dialogs", id);
}

void user_dir(struct strbuf *out, const char *id)
{
	shard_path(out, "users", id);
}

void operator_dir(struct strbuf *out, const char *name)
{
	strbuf_addf(out, "operators/%s", name);
}

int record_dir_is(const char *path)
{
	int slashes = 0;
	for (const char *p = path; *p; p++)
		slashes += *p == '/';
	return (slashes == 3 && (layout_is_dialog(path) || layout_is_user(path))) ||
	       (slashes == 1 && !strncmp(path, "operators/", 10) && path[10] && path[10] != '.');
}

int layout_is_dialog(const char *path)
{
	return !strncmp(path, "dialogs/", 8);
}

int layout_is_user(const char *path)
{
	return !strncmp(path, "users/", 6);
}

int layout_is_msgmap(const char *path)
{
	return !strncmp(path, "msgmap/", 7) || !strcmp(path, "msgmap");
}

void layout_record_file(struct strbuf *out, const char *dir, const char *name)
{
	strbuf_addf(out, "%s/%s", dir, name);
}

void layout_message(struct strbuf *out, const char *dir, const char *file)
{
	strbuf_addf(out, "%s/cur/%s", dir, file);
}

void layout_dialog_message(struct strbuf *out, const char *id, const char *file)
{
	dialog_dir(out, id);
	strbuf_addf(out, "/cur/%s", file);
}

int layout_is_message(const char *path)
{
	return strstr(path, "/cur/") != NULL;
}

void layout_notes(struct strbuf *out, const char *dir)
{
	strbuf_addf(out, "%s/notes", dir);
}

void layout_note(struct strbuf *out, const char *dir, const char *name)
{
	strbuf_addf(out, "%s/notes/%s", dir, name);
}

void layout_outbox_entry(struct strbuf *out, const char *key)
{
	strbuf_addf(out, "outbox/%s", key);
}

void layout_msgmap_file(struct strbuf *out, const char *key)
{
	strbuf_addf(out, "msgmap/%.2s/%.2s", key, key + 2);
}

void layout_template(struct strbuf *out, const char *name)
{
	strbuf_addf(out, "templates/%s", name);
}

void layout_popup(struct strbuf *out, const char *id)
{
	strbuf_addf(out, "popups/%s", id);
}
