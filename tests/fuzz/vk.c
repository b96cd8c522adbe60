/*
 * VK's answers (lib/channel/vk.c): the envelope of a method's answer, every
 * object in it read as a long poll's message and every array as users.get's
 * answer.
 */
#include "chan-fuzz.h"
#include "channel/parse.h"

static void message(json_t *obj, void *arg)
{
	json_t *users = arg;
	struct chan_msg m = { 0 };
	struct chan_refs refs = CHAN_REFS_INIT;
	vk_message_parse(&m, &refs, "vk", obj);
	if (m.id && users)
		vk_user_parse(&m, users);
	fuzz_check_parsed(&m, &refs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r;
	json_t *root = NULL, *response = NULL;

	fuzz_response(&r, data, size);
	vk_answer(&root, &response, &r, "messages.get");
	json_decref(root);
	root = json_loadb(r.body.buf, r.body.len, 0, NULL);
	if (root) {
		/* a long poll's answer has no envelope: the whole of it, and any "response" list as users.get's */
		json_t *users = json_object_get(root, "response");
		fuzz_json_objects(root, message, json_is_array(users) ? users : NULL, 0);
	}
	json_decref(root);
	http_response_release(&r);
	return 0;
}
