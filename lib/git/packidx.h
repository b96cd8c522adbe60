#ifndef DLG_PACKIDX_H
#define DLG_PACKIDX_H

#include <stddef.h>

/*
 * The object ids a pack holds, read from its .idx (version 2, what git and
 * libgit2 write): sorted, so a lookup is a binary search.  dlg gc reads
 * them to know which loose objects and which older packs a new pack makes
 * redundant.
 */
struct packidx {
	unsigned char *ids;   /* nr ids of 20 bytes, sorted */
	size_t nr;
};

/* Reads path; DLG_ERROR when it cannot be read or is not a version 2 index. */
int packidx_read(struct packidx *out, const char *path);
int packidx_has(const struct packidx *idx, const unsigned char id[20]);
void packidx_release(struct packidx *idx);

#endif
