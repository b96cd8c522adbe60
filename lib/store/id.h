#ifndef DLG_STORE_ID_H
#define DLG_STORE_ID_H

#include "base/strbuf.h"

#define DLG_ID_LEN 16      /* dialog and user ids: 16 lowercase hex digits */
#define DLG_ID_MIN 4       /* shortest prefix a command accepts */

/* A 16-hex key from a kind and up to two strings: hash("kind\0a\0b"). */
int key_make(char out[DLG_ID_LEN + 1], const char *kind, const char *a, const char *b);
int is_full_id(const char *s);
/* "dialogs/3f/9a/3f9a2c1e8b7d4a60" */
void shard_path(struct strbuf *out, const char *top, const char *id);

#endif
