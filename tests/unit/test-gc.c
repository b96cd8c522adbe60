/*
 * Unit tests for dlg gc's parts that read what others wrote: the ages of
 * gc.prune and --prune (lib/store/gc.c) and pack indexes (lib/git/packidx.c),
 * hostile ones included; and the packs of whole objects big changes write
 * (lib/git/packwrite.c), read back by libgit2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/error.h"
#include "git/gitlib.h"
#include "git/packidx.h"
#include "git/packwrite.h"
#include "store/gc.h"

static void check_age(const char *text, long want)
{
	long got = 12345;
	assert_int_equal(gc_parse_prune(&got, text), 0);
	assert_int_equal(got, want);
}

static void check_bad_age(const char *text)
{
	long got = 12345;
	assert_int_equal(gc_parse_prune(&got, text), DLG_EINVALID);
	assert_int_equal(got, 12345);
	assert_non_null(strstr(dlg_error_last(), "is not an age"));
}

static void test_prune_ages(void **state)
{
	(void)state;
	check_age("now", 0);
	check_age("never", -1);
	check_age("2.weeks.ago", 14 * 86400);
	check_age("2 weeks ago", 14 * 86400);
	check_age("1.day.ago", 86400);
	check_age("3d", 3 * 86400);
	check_age("12h", 12 * 3600);
	check_age("90.minutes", 90 * 60);
	check_age("0s", 0);
	check_bad_age("");
	check_bad_age("soon");
	check_bad_age("3");
	check_bad_age("-3d");
	check_bad_age("3.fortnights.ago");
	check_bad_age("3d.later");
	check_bad_age("3dd");
	check_bad_age("99999999999999999999d");
	check_bad_age("1000000w");
}

/* An index of version 2 holding ids (each 20 bytes, in the order given). */
static void write_idx(const char *path, const unsigned char *ids, uint32_t nr, uint32_t claimed)
{
	static const unsigned char magic[8] = { 0xff, 't', 'O', 'c', 0, 0, 0, 2 };
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(magic, 1, 8, f);
	for (int b = 0; b < 256; b++) {
		uint32_t n = 0;
		for (uint32_t i = 0; i < nr; i++)
			n += ids[i * 20] <= b;
		if (b == 255)
			n = claimed;
		unsigned char be[4] = { n >> 24, n >> 16, n >> 8, n };
		fwrite(be, 1, 4, f);
	}
	fwrite(ids, 20, nr, f);
	fclose(f);
}

static void test_packidx(void **state)
{
	char path[] = "/tmp/dlg-test-gc-XXXXXX";
	unsigned char ids[3 * 20] = { 0 }, other[20] = { 0 };
	struct packidx idx;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	ids[0] = 0x01; ids[20] = 0x17; ids[40] = 0xfe; ids[59] = 1;
	write_idx(path, ids, 3, 3);
	assert_int_equal(packidx_read(&idx, path), 0);
	assert_int_equal(idx.nr, 3);
	for (int i = 0; i < 3; i++)
		assert_true(packidx_has(&idx, ids + i * 20));
	other[0] = 0x17; other[19] = 1;
	assert_false(packidx_has(&idx, other));
	packidx_release(&idx);

	/* more ids claimed than the file holds, out of order, or no index at all */
	write_idx(path, ids, 3, 1000000);
	assert_int_equal(packidx_read(&idx, path), DLG_ERROR);
	assert_null(idx.ids);
	memcpy(other, ids, 20);
	memcpy(ids, ids + 40, 20);
	memcpy(ids + 40, other, 20);
	write_idx(path, ids, 3, 3);
	assert_int_equal(packidx_read(&idx, path), DLG_ERROR);
	assert_null(idx.ids);
	FILE *f = fopen(path, "wb");
	fputs("PACK but not an index", f);
	fclose(f);
	assert_int_equal(packidx_read(&idx, path), DLG_ERROR);
	unlink(path);
	assert_int_equal(packidx_read(&idx, path), DLG_ERROR);
	assert_non_null(strstr(dlg_error_last(), "cannot read"));

	/* an empty pack's index */
	write_idx(path, ids, 0, 0);
	assert_int_equal(packidx_read(&idx, path), 0);
	assert_int_equal(idx.nr, 0);
	assert_false(packidx_has(&idx, ids));
	packidx_release(&idx);
	unlink(path);
}

/*
 * Objects of every size the deflate loop meets: empty, one byte, the small
 * window's edge, several of its 1 MiB steps (an attachment), each read back
 * byte for byte through libgit2 from the pack it wrote, named by its sum.
 */
static void test_pack_whole(void **state)
{
	static const size_t sizes[] = { 0, 1, 4095, 4096, 4097, 65536, (3u << 20) + 17 };
	enum { N = sizeof(sizes) / sizeof(*sizes) };
	char dir[] = "/tmp/dlg-test-pack-XXXXXX", cmd[256];
	git_repository *repo = NULL;
	git_odb *odb = NULL;
	git_odb_backend *mem = NULL;
	git_oid ids[N + 1];
	unsigned char *data[N];
	struct strbuf name = STRBUF_INIT, path = STRBUF_INIT;
	unsigned seed = 15;
	(void)state;

	assert_int_equal(gitlib_load(), 0);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(git_repository_init(&repo, dir, 1), 0);
	assert_int_equal(git_repository_odb(&odb, repo), 0);
	assert_int_equal(git_mempack_new(&mem), 0);
	for (size_t i = 0; i < N; i++) {
		data[i] = malloc(sizes[i] + 1);
		for (size_t k = 0; k < sizes[i]; k++) /* half text, half noise */
			data[i][k] = k % 2 ? (unsigned char)(rand_r(&seed) & 0xff) : (unsigned char)('a' + k % 26);
		assert_int_equal(git_odb_hash(&ids[i], data[i], sizes[i], GIT_OBJECT_BLOB), 0);
		assert_int_equal(mem->write(mem, &ids[i], data[i], sizes[i], GIT_OBJECT_BLOB), 0);
	}
	{
		static const char tree[] = "100644 a\0aaaaaaaaaaaaaaaaaaaa";
		assert_int_equal(git_odb_hash(&ids[N], tree, sizeof(tree) - 1, GIT_OBJECT_TREE), 0);
		assert_int_equal(mem->write(mem, &ids[N], tree, sizeof(tree) - 1, GIT_OBJECT_TREE), 0);
	}

	strbuf_addf(&path, "%s/objects/pack", dir);
	assert_int_equal(pack_write_whole(&name, path.buf, mem, ids, N + 1), 0);
	assert_int_equal(name.len, 45);
	strbuf_reset(&path);
	strbuf_addf(&path, "%s/objects/pack/%s.idx", dir, name.buf);
	assert_int_equal(access(path.buf, F_OK), 0);
	git_odb_refresh(odb);
	for (size_t i = 0; i < N; i++) {
		git_odb_object *obj = NULL;
		assert_int_equal(git_odb_read(&obj, odb, &ids[i]), 0);
		assert_int_equal(git_odb_object_size(obj), sizes[i]);
		assert_int_equal(git_odb_object_type(obj), GIT_OBJECT_BLOB);
		if (sizes[i])
			assert_memory_equal(git_odb_object_data(obj), data[i], sizes[i]);
		git_odb_object_free(obj);
		free(data[i]);
	}
	/* git itself agrees: the pack's and the index's sums, each object's
	   crc, offsets and id, and no object a delta */
	snprintf(cmd, sizeof(cmd), "git verify-pack -v %s | grep -c ' blob  *[0-9]* [0-9]* [0-9]*$' | grep -qx %d", path.buf, N);
	assert_int_equal(system(cmd), 0);

	mem->free(mem);
	git_odb_free(odb);
	git_repository_free(repo);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	strbuf_release(&name);
	strbuf_release(&path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prune_ages),
		cmocka_unit_test(test_packidx),
		cmocka_unit_test(test_pack_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
