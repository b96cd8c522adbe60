#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"

void random_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t got = 0;
	ssize_t r;
	if (n > 2 * sizeof(raw))
		n = 2 * sizeof(raw);
	/* getrandom(2): no file to open, and up to 256 bytes never come short */
	while ((r = getrandom(raw, (n + 1) / 2, 0)) < 0 && errno == EINTR)
		;
	got = r > 0 ? (size_t)r : 0;
	for (; got < (n + 1) / 2; got++) /* no getrandom (kernel before 3.17): still unique enough per process */
		raw[got] = (unsigned char)(rand() ^ getpid() ^ time(NULL));
	for (size_t i = 0; i < n; i++)
		out[i] = digits[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
	out[n] = '\0';
}

int is_hex_prefix(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n > 0;
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
