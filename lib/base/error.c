#include <pthread.h>
#include <stdarg.h>

#include "base/error.h"
#include "base/redact.h"
#include "base/strbuf.h"

/* One slot per thread: the chat gateway's requests run in threads of their
   own, and one's error must not become another's.  A thread's message is
   freed when the thread ends (the key's destructor). */
static _Thread_local struct strbuf last_error = STRBUF_INIT;
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

static void slot_release(void *slot)
{
	strbuf_release(slot);
}

static void slot_key_make(void)
{
	pthread_key_create(&slot_key, slot_release);
}

int dlg_error(int code, const char *fmt, ...)
{
	/* A new message may quote the last one: dlg_error(e, "line 3: %s", dlg_error_last()). */
	struct strbuf msg = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	/* Messages quote URLs and what servers said: no credentials in them. */
	strbuf_redact(&msg);
	strbuf_release(&last_error);
	last_error = msg;
	pthread_once(&slot_key_once, slot_key_make);
	pthread_setspecific(slot_key, &last_error);
	return code ? code : DLG_ERROR;
}

const char *dlg_error_last(void)
{
	return last_error.len ? last_error.buf : "unknown error";
}

void dlg_error_clear(void)
{
	strbuf_release(&last_error);
}
