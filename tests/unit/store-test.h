/* A scratch store for the unit tests that need git. */
#ifndef DLG_STORE_TEST_H
#define DLG_STORE_TEST_H

/* Include <cmocka.h>, <stdlib.h> and "store/store.h" first. */

/* A store in DIR/s, DIR made from dir (a mkdtemp() template, which it
   overwrites); its changes are operator's, at a fixed time. */
static inline struct dlg_store *scratch_store_new(char *dir, const char *operator)
{
	struct dlg_store *s = NULL;
	struct strbuf root = STRBUF_INIT;
	setenv("DLG_OPERATOR", operator, 1);
	setenv("DLG_NOW", "2026-11-25T10:00:00Z", 1);
	assert_non_null(mkdtemp(dir));
	strbuf_addf(&root, "%s/s", dir);
	assert_int_equal(store_init(&s, root.buf), 0);
	strbuf_release(&root);
	return s;
}

/* Closes the store and removes DIR. */
static inline void scratch_store_free(struct dlg_store *s, const char *dir)
{
	struct strbuf cmd = STRBUF_INIT;
	store_free(s);
	strbuf_addf(&cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd.buf), 0);
	strbuf_release(&cmd);
}

#endif
