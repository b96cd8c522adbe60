#include <string.h>

#include "git/gitlib.h"
#include "git/hash.h"

void hash_hex(char out[41], const void *data, size_t len)
{
	git_oid oid;
	/* git's blob hash is a fine, stable SHA-1 and saves a second implementation.
	   Callers hash inside a change, which has already loaded libgit2; were it
	   missing, no change could be written, so the zero key never lands. */
	if (gitlib_load() < 0) {
		memset(out, '0', 40);
		out[40] = '\0';
		return;
	}
	git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB);
	git_oid_tostr(out, 41, &oid);
}
