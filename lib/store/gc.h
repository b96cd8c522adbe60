#ifndef DLG_GC_H
#define DLG_GC_H

#include <stdint.h>
#include <time.h>

#include "base/strbuf.h"
#include "store/store.h"

/*
 * Upkeep: dlg gc packs every object reachable from every ref into one new
 * pack, then removes what that pack makes redundant: the loose objects it
 * holds and the older packs all of whose objects it holds.
 *
 * Automatic gc (auto_mode) is incremental, as git's is: its pack holds only
 * what no other pack has, the loose objects and the packs big changes wrote
 * whole (see gc_whole_note), and it prunes nothing.  It repacks everything,
 * as dlg gc does, when there are more packs than gc.auto-pack-limit, or
 * when loose objects are still over gc.auto after the incremental pack
 * (objects nothing reaches, which only a whole repack can prune).  Objects no ref
 * reaches go only once older than the grace period (gc.prune, two weeks),
 * and only after a check under the store lock that no change made since
 * the pack began refers to them, so a change in flight loses nothing.
 * Changes run on meanwhile: the lock is held only to begin and, when there
 * is something unreachable and old, to end.
 */

#define GC_AUTO_DEFAULT 6700          /* gc.auto: about this many loose objects */
#define GC_AUTO_PACK_LIMIT_DEFAULT 50 /* gc.auto-pack-limit: more packs than this */
#define GC_PRUNE_DEFAULT "2.weeks.ago"

struct gc_options {
	int auto_mode;          /* skip quietly, rather than wait or fail, when busy */
	const char *prune;      /* NULL: gc.prune, else GC_PRUNE_DEFAULT */
	/* Called once the refs are read, before packing (a test's pause). */
	void (*before_pack)(void);
};

struct gc_result {
	int skipped;            /* auto_mode and busy: nothing was done */
	int whole;              /* everything was repacked (else incremental) */
	size_t loose_before, packs_before, loose_after, packs_after;
	uint64_t bytes_before, bytes_after;
	size_t pruned;          /* unreachable objects removed */
};

/* DLG_ELOCKED (not in auto mode) when git's gc runs or a ref is locked;
   DLG_EINVALID for a bad gc.prune. */
int store_gc(struct gc_result *out, struct dlg_store *s, const struct gc_options *opt);

/* After a change: 1 when a pack was written whole since the last gc, or
   store_gc_over_limits(); gc.auto 0 turns automatic gc off. */
int store_gc_due(struct dlg_store *s);
/* 1 when loose objects or packs passed the limits of gc.auto and
   gc.auto-pack-limit (0 turns each off; gc.auto 0 both).  It reads one of
   the 256 loose object directories and the pack directory. */
int store_gc_over_limits(struct dlg_store *s);

/*
 * Big changes write their pack without deltas (lib/git/packwrite.h) and
 * name it here, under the store lock, so that the next automatic gc, which
 * gc_whole_pending() makes due, packs its objects again with deltas.
 */
void gc_whole_note(struct dlg_store *s, const char *name);
int gc_whole_pending(const struct dlg_store *s);
/* The names noted, each once. */
void gc_whole_read(struct strlist *out, const struct dlg_store *s);
/* Under the store lock: the names in done are no longer noted. */
int gc_whole_forget(struct dlg_store *s, const struct strlist *done);

/* "now", "never", "N.UNIT.ago" or "N UNIT" (seconds, minutes, hours, days,
   weeks; singular too), "Nd" and the like: the age objects must reach to be
   pruned, in seconds (-1: never).  DLG_EINVALID with the reason. */
int gc_parse_prune(long *seconds, const char *text);

#endif
