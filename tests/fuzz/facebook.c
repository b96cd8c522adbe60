/*
 * Facebook's answers (lib/channel/facebook.c): the envelope of a Graph API
 * answer, and every object in it read as a message of a conversation.
 */
#include "chan-fuzz.h"
#include "channel/parse.h"

static void message(json_t *obj, void *arg)
{
	struct chan_msg m = { 0 };
	struct chan_refs refs = CHAN_REFS_INIT;
	facebook_message_parse(&m, &refs, "fb", "1000", obj, arg);
	fuzz_check_parsed(&m, &refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r;
	json_t *root = NULL;

	fuzz_response(&r, data, size);
	facebook_answer(&root, &r, "reading a conversation");
	if (root) {
		/* with a psid (the conversation's customer), and without */
		fuzz_json_objects(root, message, "2000", 0);
		fuzz_json_objects(root, message, NULL, 0);
	}
	json_decref(root);
	http_response_release(&r);
	return 0;
}
