/*
 * Unit tests for lib/git/treepath.c: which names and paths a store's tree may
 * hold (store-format.md, "Paths").  Each table row is one case; the
 * hostile ones are those git's verify_path() and fsck refuse, and the
 * places where dlg's layout is stricter than git.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/layout.h"

#define BLOB GIT_FILEMODE_BLOB
#define TREE GIT_FILEMODE_TREE
#define ID "3f9a2c1e8b7d4a60"
#define DIALOG "dialogs/3f/9a/" ID
#define USER "users/c0/1f/c01fc6313a8cdf04"

static const struct {
	const char *name;
	int valid;
} names[] = {
	{ "info", 1 },
	{ "1795503600.5822c85eea4e9640:2,S", 1 },
	{ ".last", 1 },
	{ "..x", 1 },
	{ ".gitx", 1 },          /* only .git itself is git's */
	{ "git~2", 1 },
	{ "", 0 },
	{ ".", 0 },
	{ "..", 0 },
	{ "a/b", 0 },
	{ "a\\b", 0 },
	{ "a\nb", 0 },
	{ "\033[2J", 0 },
	{ "a\x7f", 0 },
	{ ".git", 0 },
	{ ".GIT", 0 },
	{ ".Git", 0 },
	{ ".git ", 0 },          /* NTFS drops trailing spaces and dots */
	{ ".git.", 0 },
	{ ".git . .", 0 },
	{ ".git::$INDEX_ALLOCATION", 0 }, /* an NTFS stream of .git */
	{ "git~1", 0 },          /* the short name of .git on NTFS */
	{ "GIT~1", 0 },
	{ "git~1 .", 0 },
	{ ".g\xe2\x80\x8cit", 0 },    /* U+200C, ignored by HFS+ */
	{ "\xef\xbb\xbf.GIT", 0 },    /* U+FEFF */
	{ ".git\xe2\x80\xae", 0 },    /* U+202E */
	{ ".g\xe2\x80\x8bit", 1 },    /* U+200B is not ignored */
};

static void test_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (tree_name_valid(names[i].name) != names[i].valid)
			fail_msg("name %zu ('%s'): expected %s", i, names[i].name, names[i].valid ? "valid" : "refused");
		if (!names[i].valid)
			assert_non_null(tree_name_problem(names[i].name));
	}
}

static const struct {
	const char *path;
	unsigned int mode;
	int valid;
} paths[] = {
	/* the layout, file by file and the directories on the way */
	{ "format", BLOB, 1 },
	{ "config", BLOB, 1 },
	{ "dialogs", TREE, 1 },
	{ "dialogs/3f", TREE, 1 },
	{ "dialogs/3f/9a", TREE, 1 },
	{ DIALOG, TREE, 1 },
	{ DIALOG "/info", BLOB, 1 },
	{ DIALOG "/log", BLOB, 1 },
	{ DIALOG "/status", BLOB, 1 },
	{ DIALOG "/assignee", BLOB, 1 },
	{ DIALOG "/tags", BLOB, 1 },
	{ DIALOG "/notes", TREE, 1 },
	{ DIALOG "/notes/20261125T100000Z-1a2b3c4d", BLOB, 1 },
	{ DIALOG "/cur", TREE, 1 },
	{ DIALOG "/cur/1795503600.5822c85eea4e9640:2,", BLOB, 1 },
	{ DIALOG "/cur/1795503600.5822c85eea4e9640:2,S", BLOB, 1 },
	{ DIALOG "/cur/0000000000.5822c85eea4e9640:2,FRS", BLOB, 1 },
	{ USER, TREE, 1 },
	{ USER "/log", BLOB, 1 },
	{ USER "/card", BLOB, 1 },
	{ USER "/notes/20261125T100000Z-1a2b3c4d", BLOB, 1 },
	{ "operators", TREE, 1 },
	{ "operators/.last", BLOB, 1 },
	{ "operators/alice", TREE, 1 },
	{ "operators/alice/log", BLOB, 1 },
	{ "operators/bob.smith_2/card", BLOB, 1 },
	{ "templates/shipped", BLOB, 1 },
	{ "outbox/5822c85eea4e9640", BLOB, 1 },
	{ "msgmap/58/22", BLOB, 1 },

	/* what git itself refuses */
	{ "dialogs/..", TREE, 0 },
	{ "dialogs/../../PWNED.txt", BLOB, 0 },
	{ "./format", BLOB, 0 },
	{ ".git", TREE, 0 },
	{ ".git/hooks/post-update", BLOB, 0 },
	{ ".GIT/config", BLOB, 0 },
	{ "dialogs//3f", TREE, 0 },
	{ "", BLOB, 0 },

	/* modes: only plain files and directories */
	{ "templates/shipped", GIT_FILEMODE_LINK, 0 },
	{ "templates/shipped", GIT_FILEMODE_COMMIT, 0 },
	{ "templates/shipped", GIT_FILEMODE_BLOB_EXECUTABLE, 0 },
	{ "templates/shipped", 0100664, 0 },
	{ "templates", GIT_FILEMODE_LINK, 0 },
	{ "format", TREE, 0 },
	{ "dialogs", BLOB, 0 },
	{ DIALOG "/cur", BLOB, 0 },

	/* shapes: exact */
	{ "PWNED.txt", BLOB, 0 },
	{ "Dialogs", TREE, 0 },
	{ "dialogs/3F", TREE, 0 },
	{ "dialogs/3", TREE, 0 },
	{ "dialogs/3f9", TREE, 0 },
	{ "dialogs/3f/9a/3f9a2c1e8b7d4a6", TREE, 0 },      /* 15 digits */
	{ "dialogs/3f/9a/3f9a2c1e8b7d4a600", TREE, 0 },    /* 17 */
	{ "dialogs/3f/9a/3F9A2C1E8B7D4A60", TREE, 0 },
	{ "dialogs/00/00/" ID, TREE, 0 },                  /* wrong shard */
	{ "dialogs/3f/9b/" ID "/info", BLOB, 0 },
	{ DIALOG "/card", BLOB, 0 },                       /* a user's file */
	{ DIALOG "/new", TREE, 0 },                        /* Maildir's, never in the tree */
	{ DIALOG "/tmp/x", BLOB, 0 },
	{ DIALOG "/info/x", BLOB, 0 },
	{ DIALOG "/notes/note", BLOB, 0 },
	{ DIALOG "/notes/20261125T100000Z-1a2b3c4", BLOB, 0 },
	{ DIALOG "/notes/20261125T100000Z-1A2B3C4D", BLOB, 0 },
	{ DIALOG "/cur/1795503600.5822c85eea4e9640:2,s", BLOB, 0 },
	{ DIALOG "/cur/1795503600.5822c85eea4e9640:2,SR", BLOB, 0 }, /* flags sorted */
	{ DIALOG "/cur/1795503600.5822c85eea4e9640:2,SS", BLOB, 0 },
	{ DIALOG "/cur/1795503600.5822c85eea4e9640", BLOB, 0 },
	{ DIALOG "/cur/179550360.5822c85eea4e9640:2,", BLOB, 0 },
	{ DIALOG "/cur/x/y", BLOB, 0 },
	{ USER "/info", BLOB, 0 },
	{ USER "/cur", TREE, 0 },
	{ "users/c0/1f/c01fc6313a8cdf04/notes/x", BLOB, 0 },
	{ "operators/.last", TREE, 0 },
	{ "operators/.hidden", TREE, 0 },
	{ "operators/-x/log", BLOB, 0 },
	{ "operators/Alice/log", BLOB, 0 },
	{ "operators/alice/notes", TREE, 0 },
	{ "templates/a b", BLOB, 0 },
	{ "templates/x/y", BLOB, 0 },
	{ "templates/" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", BLOB, 0 }, /* 65 */
	{ "outbox/5822c85eea4e964", BLOB, 0 },
	{ "msgmap/58", BLOB, 0 },
	{ "msgmap/58/22/x", BLOB, 0 },
	{ "msgmap/58/2g", BLOB, 0 },
	{ "format/x/y/z/w/v/u/t", BLOB, 0 },               /* deeper than any */
};

static void test_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(*paths); i++) {
		const char *why = tree_path_problem(paths[i].path, paths[i].mode);
		int valid = why == NULL;
		if (valid != paths[i].valid)
			fail_msg("path %zu ('%s', %o): expected %s, got %s", i, paths[i].path, paths[i].mode,
				 paths[i].valid ? "valid" : "refused", why ? why : "valid");
	}
}

/* The reason names the first thing wrong, component rules before the layout. */
static void test_reasons(void **state)
{
	(void)state;
	assert_string_equal(tree_path_problem("dialogs/../../PWNED.txt", BLOB), "'.' and '..' are not names");
	assert_string_equal(tree_path_problem(".git/config", BLOB), "'.git' in any spelling is git's own directory");
	assert_string_equal(tree_path_problem("templates/x", GIT_FILEMODE_LINK), "a symbolic link");
	assert_string_equal(tree_path_problem("templates/x", GIT_FILEMODE_COMMIT), "a submodule (gitlink)");
	assert_string_equal(tree_path_problem("x", BLOB), "a file outside the store's layout");
	assert_string_equal(tree_path_problem("x", TREE), "a directory outside the store's layout");
}

static void test_quote(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	(void)state;
	tree_path_quote(&sb, "templates/\033[2J a\\b\n\xc3\xa9");
	assert_string_equal(sb.buf, "templates/\\x1b[2J a\\x5cb\\x0a\\xc3\\xa9");
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests_name("treepath: names and paths of a store's tree", tests, NULL, NULL);
}
