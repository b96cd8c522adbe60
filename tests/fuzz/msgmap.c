/*
 * A msgmap file (lib/store/msgmap.c msgmap_entry): "KEY DIALOG FILE" lines that
 * say where a message is stored.  The input's first 8 bytes make the key
 * looked up (16 hex digits, as every key is), the rest is the file.
 */
#include "fuzz.h"
#include "store/id.h"
#include "store/msgmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	char key[DLG_ID_LEN + 1], dialog[DLG_ID_LEN + 1];
	struct strbuf file = STRBUF_INIT;
	char *map;

	if (size < DLG_ID_LEN / 2)
		return 0;
	for (size_t i = 0; i < DLG_ID_LEN / 2; i++) {
		key[2 * i] = hex[data[i] >> 4];
		key[2 * i + 1] = hex[data[i] & 15];
	}
	key[DLG_ID_LEN] = '\0';
	map = fuzz_string(data + DLG_ID_LEN / 2, size - DLG_ID_LEN / 2);
	if (!msgmap_entry(dialog, &file, map, key)) {
		FUZZ_CHECK(strlen(dialog) == DLG_ID_LEN && !strpbrk(dialog, " \n"), "a dialog id '%s'", dialog);
		FUZZ_CHECK(!memchr(file.buf, '\n', file.len), "a file name runs past its line");
	}
	strbuf_release(&file);
	free(map);
	return 0;
}
