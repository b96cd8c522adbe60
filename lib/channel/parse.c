#include <stdlib.h>

#include "channel/parse.h"

void chan_refs_add(struct chan_refs *r, const char *ref, const char *name, const char *type,
		   long long size)
{
	ALLOC_GROW(r->v, r->nr + 1, r->alloc);
	r->v[r->nr++] = (struct chan_ref){ ref, name, type, size };
}

void chan_refs_clear(struct chan_refs *r)
{
	free(r->v);
	r->v = NULL;
	r->nr = r->alloc = 0;
}
