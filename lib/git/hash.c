#include <string.h>

#include "git/error.h"
#include "git/gitlib.h"
#include "git/hash.h"

int hash_hex(char out[41], const void *data, size_t len)
{
	git_oid oid;
	int err;
	/* git's blob hash is a fine, stable SHA-1 and saves a second
	   implementation; libgit2's refuses data that shows a collision attack. */
	if ((err = gitlib_load()) < 0)
		return err;
	if ((err = git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB)) < 0)
		return dlg_error_git(err, "cannot hash");
	git_oid_tostr(out, 41, &oid);
	return 0;
}
