#ifndef DLG_LOOSE_H
#define DLG_LOOSE_H

#include <zlib.h>

#include "base/strbuf.h"
#include "git/gitlib.h"

/*
 * Writes git loose objects (objects/xx/yyyy..., zlib-deflated "type size\0"
 * plus content), as git and libgit2 do.  One writer keeps one zlib stream
 * and buffer for all the objects of a change; libgit2's own loose backend
 * sets up a new stream per object, which cost a change more than the rest
 * of its object work.
 */
struct loose_writer {
	struct strbuf objdir, path, tmp, out;
	z_stream zs;
	int ready;
};

int loose_writer_init(struct loose_writer *w, const char *objdir);
/* An object that is already there is left alone: its name is its content. */
int loose_write(struct loose_writer *w, const git_oid *id, git_object_t type, const void *data,
		size_t len);
void loose_writer_release(struct loose_writer *w);

#endif
