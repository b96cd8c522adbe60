#ifndef DLG_GC_PACK_H
#define DLG_GC_PACK_H

#include "base/strbuf.h"
#include "git/gitlib.h"
#include "git/packidx.h"

/*
 * The pack dlg gc writes: the objects the tips reach, less those in base
 * (NULL: none, a whole repack), with deltas.  Objects are named for the
 * delta search by their paths, except that a dialog's messages all take
 * the dialog's name: a follow-up quotes the message before it, so the
 * messages of one dialog are each other's best bases, while git's own
 * naming (the file name) scatters them.  base is trusted to be closed only
 * in the sense that matters for safety: an object skipped because base
 * has it is in base.
 *
 * On disk (fsynced) before it returns; its "pack-<hex>" in *name, left
 * empty when there was nothing to pack; the number of objects in *count.
 */
int gc_pack_write(struct strbuf *name, size_t *count, git_repository *repo, const git_oid *tips,
		  size_t ntips, const struct packidx *base, const char *packdir);

/* 1 when id names a commit (a ref may name a tag or a blob). */
int gc_is_commit(git_repository *repo, const git_oid *id);

#endif
