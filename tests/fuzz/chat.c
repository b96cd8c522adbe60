/*
 * The website chat's spool file (lib/store/chanmsg.c chan_msg_from_json), as
 * `dlg fetch` reads it from the spool's new/ and `dlg import --json` from
 * standard input, then stored as dlg stores it.
 */
#include "chan-fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chan_msg m;
	if (chan_msg_from_json(&m, (const char *)data, size, "site") < 0)
		return 0;
	FUZZ_CHECK(m.id && m.user && *m.user, "a spool message without id or visitor");
	fuzz_check_chan_msg(&m);
	chan_msg_clear(&m);
	return 0;
}
