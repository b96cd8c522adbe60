#ifndef DLG_BASE_HEX_H
#define DLG_BASE_HEX_H

#include <stddef.h>

/* 0-15 for a hex digit, else -1. */
int hex_value(int c);

/* n random hex digits (+NUL). */
void random_hex(char *out, size_t n);
int is_hex_prefix(const char *s);

#endif
