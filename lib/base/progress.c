#include "base/progress.h"

static dlg_progress_fn *progress_sink;

void dlg_progress_to(dlg_progress_fn *fn)
{
	progress_sink = fn;
}

void dlg_progress(const char *what, size_t done, size_t total)
{
	if (progress_sink)
		progress_sink(what, done, total);
}
