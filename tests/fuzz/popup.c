/*
 * Page pop-ups (lib/channel/popups.c, lib/store/popup.c): a spool file of
 * popups/, which the site's account can write and the gateway reads, is
 * refused or in shape; a pop-up file of the tree reads back as written;
 * and "PATTERN\0URL" matches as fnmatch(3) says (in the C locale), for the
 * patterns fnmatch answers quickly, while the gateway's own matcher
 * stays bounded for any.
 */
#include <fnmatch.h>

#include "fuzz.h"
#include "channel/popups.h"
#include "store/popup.h"

static int one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 127)
			return 0;
	return 1;
}

static void spool_file(const char *data, size_t size)
{
	struct spool_popup p;
	if (spool_popup_parse(&p, "0123456789abcdef.json", data, size) < 0)
		return;
	FUZZ_CHECK(!strcmp(p.id, "0123456789abcdef"), "a file named after another id: %s", p.id);
	FUZZ_CHECK(one_line(p.page) && one_line(p.operator_) && one_line(p.date), "a control character kept");
	FUZZ_CHECK(*p.page && strlen(p.page) <= POPUP_PAGE_MAX && *p.text && strlen(p.text) <= SPOOL_POPUP_TEXT_MAX,
		   "a page or text out of bounds kept");
	FUZZ_CHECK(fuzz_utf8_valid(p.text, strlen(p.text)), "a text that is not UTF-8 kept");
	spool_popup_matches(&p, "https://shop.example/tea/42", 0);
	spool_popup_clear(&p);
}

static void tree_file(const char *data, size_t size)
{
	struct page_popup p, back;
	struct strbuf out = STRBUF_INIT;
	if (page_popup_parse(&p, "0123456789abcdef", data, size) < 0)
		return;
	page_popup_format(&out, &p);
	FUZZ_CHECK(!page_popup_parse(&back, "0123456789abcdef", out.buf, out.len), "a pop-up written does not read");
	if (one_line(p.channel) && one_line(p.page) && one_line(p.operator_) && *p.channel != ' ' &&
	    *p.page != ' ' && *p.operator_ != ' ' && p.created >= 0 &&
	    p.created < 253402041600LL && p.until >= 0 && p.until < 253402041600LL && p.withdrawn >= 0 &&
	    p.withdrawn < 253402041600LL)
		FUZZ_CHECK(!strcmp(p.page, back.page) && !strcmp(p.text, back.text) && p.until == back.until &&
			   p.withdrawn == back.withdrawn, "a pop-up reads back otherwise");
	page_popup_clear(&p);
	page_popup_clear(&back);
	strbuf_release(&out);
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* Patterns whose meaning fnmatch's and ours share (ASCII: glibc reads other
   bytes as characters of the locale, we as bytes), and that fnmatch
   answers fast. */
static int comparable(const char *pat, const char *url)
{
	size_t stars = 0, n = strlen(pat);
	if (n > 64 || strlen(url) > 256 || !ascii(pat) || !ascii(url) || (n && pat[n - 1] == '\\') ||
	    strstr(pat, "[:") || strstr(pat, "[=") || strstr(pat, "[."))
		return 0;
	/* a '[' never closed is itself for both, but glibc then fails "[6-" */
	if (strrchr(pat, '[') && !strchr(strrchr(pat, '['), ']'))
		return 0;
	for (const char *c = pat; *c; c++)
		stars += *c == '*';
	return stars <= 4;
}

static void match(const char *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	struct spool_popup p = { .until = 1 };
	char *pat, *url;
	if (!nul)
		return;
	pat = xstrndup(data, (size_t)(nul - data));
	url = xstrndup(nul + 1, size - (size_t)(nul - data) - 1);
	p.page = pat;
	if (comparable(pat, url))
		FUZZ_CHECK(spool_popup_matches(&p, url, 0) == !fnmatch(pat, url, 0),
			   "'%s' against '%s': fnmatch says %d", pat, url, fnmatch(pat, url, 0));
	else
		spool_popup_matches(&p, url, 0);
	free(pat);
	free(url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spool_file((const char *)data, size);
	tree_file((const char *)data, size);
	match((const char *)data, size);
	return 0;
}
