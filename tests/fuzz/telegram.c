/*
 * Telegram's answers (lib/channel/telegram.c): the envelope of a Bot API
 * answer, and every object in it read as a Message of getUpdates.
 */
#include "chan-fuzz.h"
#include "channel/parse.h"

static void message(json_t *obj, void *arg)
{
	struct chan_msg m = { 0 };
	struct chan_refs refs = CHAN_REFS_INIT;
	telegram_message_parse(&m, &refs, "tg", obj);
	fuzz_check_parsed(&m, &refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r;
	json_t *root = NULL, *result = NULL;
	long retry_after;

	fuzz_response(&r, data, size);
	telegram_answer(&root, &result, &r, &retry_after, "getUpdates");
	if (root)
		fuzz_json_objects(root, message, NULL, 0);
	json_decref(root);
	http_response_release(&r);
	return 0;
}
