#ifndef DLG_GIT_HASH_H
#define DLG_GIT_HASH_H

#include <stddef.h>

/* SHA-1 of data as 40 hex digits (+NUL). */
void hash_hex(char out[41], const void *data, size_t len);

#endif
