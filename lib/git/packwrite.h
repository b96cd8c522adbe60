#ifndef DLG_PACKWRITE_H
#define DLG_PACKWRITE_H

#include <stdint.h>
#include <zlib.h>

#include "base/strbuf.h"
#include "git/gitlib.h"

/*
 * Packs of whole objects, written without libgit2: a big change (an
 * import) writes its new objects as one pack with no delta search, which
 * in libgit2's packbuilder cost more than all the rest of an import's
 * object work, and writes its .idx itself, where libgit2's indexer would
 * inflate and hash every object again.  gc finds the deltas later.
 *
 * Objects are compressed into parts, in memory; each part belongs to one
 * thread, so a change compresses its blobs while it builds its trees.  A
 * part is never copied: zlib's streams point back to themselves.
 */
struct pack_entry {
	git_oid id;
	uint64_t offset;      /* in its part, then in the pack */
	uint32_t crc;         /* of the entry's bytes, as the .idx holds it */
};

struct pack_part {
	struct strbuf buf;    /* the entries, one after the other */
	struct pack_entry *entries;
	size_t nr, alloc;
	z_stream zs, small;   /* small: a 4 KiB window, cheap to reset per object */
	z_stream stored;      /* trees: their ids do not compress, and trying took half the time */
	int ready;
};

int pack_part_init(struct pack_part *p);
/* Appends one object (its type and size, then its bytes deflated). */
int pack_part_add(struct pack_part *p, const git_oid *id, git_object_t type, const void *data, size_t len);
void pack_part_release(struct pack_part *p);

/*
 * Writes the parts, in order, as one pack and its index (version 2) into
 * packdir: temporary files first, the .pack renamed into place before the
 * .idx, as git does, so a reader never finds an index without its pack.
 * Not synced: the change's flush before its branch moves gets them onto
 * the disk with its other writes.  The objects must be distinct.  The
 * pack's name without extension, "pack-<hex>" (its checksum, as git and
 * libgit2 name packs), in *name.
 */
int pack_write_parts(struct strbuf *name, const char *packdir, struct pack_part *const *parts, size_t nparts);

/* One part of the objects ids[0..n), read from src, written as above. */
int pack_write_whole(struct strbuf *name, const char *packdir, git_odb_backend *src, const git_oid *ids,
		     size_t n);

#endif
