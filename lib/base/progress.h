#ifndef DLG_BASE_PROGRESS_H
#define DLG_BASE_PROGRESS_H

#include <stddef.h>

/*
 * Long work (an import, a fetch, a reindex, a sync) says how far it got
 * through a callback the front end sets; the library never prints.  what
 * names the unit ("messages", "dialogs"), done counts them so far, total
 * is how many there are in all (0: not known).  Reports come as often as
 * the work advances: the front end decides how often to show them.
 */
typedef void dlg_progress_fn(const char *what, size_t done, size_t total);
/* NULL: nobody listens (the default). */
void dlg_progress_to(dlg_progress_fn *fn);
void dlg_progress(const char *what, size_t done, size_t total);

#endif
