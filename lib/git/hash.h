#ifndef DLG_GIT_HASH_H
#define DLG_GIT_HASH_H

#include <stddef.h>

/* SHA-1 of data as 40 hex digits (+NUL): git's blob id, so it loads
   libgit2, and fails when that cannot be loaded. */
int hash_hex(char out[41], const void *data, size_t len);

#endif
