/*
 * The store's config file (lib/store/config.c), as read from a tree that may come
 * from another clone: whatever it holds, what it reads must be sorted,
 * found by config_get, and written out and read again unchanged.
 */
#include "store/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c = CONFIG_INIT, again = CONFIG_INIT;
	struct strbuf once = STRBUF_INIT, twice = STRBUF_INIT;

	config_parse(&c, (const char *)data, size);
	FUZZ_CHECK(c.keys.nr == c.values.nr, "%zu keys, %zu values", c.keys.nr, c.values.nr);
	for (size_t i = 0; i < c.keys.nr; i++) {
		FUZZ_CHECK(!i || strcmp(c.keys.items[i - 1], c.keys.items[i]) < 0, "keys not sorted and unique");
		FUZZ_CHECK(config_get(&c, c.keys.items[i]) == c.values.items[i], "config_get misses '%s'",
			   c.keys.items[i]);
		FUZZ_CHECK(!strpbrk(c.values.items[i], "\n"), "a value of more than one line");
	}
	config_format(&once, &c);
	config_parse(&again, once.buf, once.len);
	config_format(&twice, &again);
	FUZZ_CHECK(once.len == twice.len && !memcmp(once.buf, twice.buf, once.len),
		   "the config reads back differently");
	config_unset(&c, "channel.shop.type");
	config_clear(&c);
	config_clear(&again);
	strbuf_release(&once);
	strbuf_release(&twice);
	return 0;
}
