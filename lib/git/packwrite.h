#ifndef DLG_PACKWRITE_H
#define DLG_PACKWRITE_H

#include "base/strbuf.h"
#include "git/gitlib.h"

/*
 * Writes the objects ids[0..n) (read from src) into the object store odb as
 * one new pack, every object whole: no delta search.  libgit2's packbuilder
 * compares each object with its ten neighbours, which for a big import costs
 * more than all the rest of its object work; the deltas are left to gc,
 * which repacks with them.  The pack goes through libgit2's indexer, which
 * checks it and writes its .idx, both fsynced when core.fsyncObjectFiles
 * is set (dlg sets it).  The pack's file name without its extension,
 * "pack-<hex>" (its checksum, as git and libgit2 name packs), in *name.
 */
int pack_write_whole(struct strbuf *name, git_odb *odb, git_odb_backend *src, const git_oid *ids, size_t n);

#endif
