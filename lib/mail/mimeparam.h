#ifndef DLG_MIMEPARAM_H
#define DLG_MIMEPARAM_H

#include <stddef.h>

#include "base/strbuf.h"

/* MIME parameters (lib/mail/mimeparam.c), for the MIME parser only. */

struct param {
	char *name;  /* lowercased, without the "*N*" suffix */
	int section; /* -1 when not a continuation */
	int ext;     /* value is charset'lang'%XX encoded */
	char *value; /* unquoted raw bytes */
};

struct params {
	struct param *v;
	size_t n, alloc;
};

/* Splits "type/sub; a=b; c*=x" into the lowercased main value and the
   parameters (the first MIME_MAX_PARAMS). */
void params_parse(struct strbuf *main, struct params *ps, const char *s, size_t n);
void params_clear(struct params *ps);
/* A raw parameter value exactly as written (for boundaries), or NULL. */
const char *param_raw(const struct params *ps, const char *name);
/* The decoded UTF-8 value of a parameter (caller frees), or NULL.  RFC 2231
   forms win over the plain one that is there for old readers. */
char *param_get(const struct params *ps, const char *name);
/* Is there a parameter called name, in any form? */
int param_has(const struct params *ps, const char *name);

#endif
