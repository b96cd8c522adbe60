#ifndef DLG_FORMDATA_H
#define DLG_FORMDATA_H

#include <stddef.h>

/*
 * multipart/form-data (RFC 7578), the subset browsers send, read strictly:
 * what a website chat's visitor posts with a file (dlg chat serve).  The
 * boundary comes from the Content-Type; the body starts with the first
 * delimiter, every line ends in CRLF, the closing delimiter is required
 * (what follows it is ignored), each part has at most FORMDATA_HEADERS_MAX
 * bytes of header fields, one `Content-Disposition: form-data; name=...`
 * (the sender's Content-Type, a claim, is ignored as other fields are;
 * folded ones are refused).  Names and file names are valid UTF-8
 * without NUL; contents are bytes.
 */
#define FORMDATA_PARTS_MAX 16
#define FORMDATA_HEADERS_MAX 2048

struct formdata_part {
	char *name;
	char *filename;        /* NULL unless the disposition has one */
	const char *data;      /* inside the body given to formdata_parse() */
	size_t len;
};

struct formdata {
	struct formdata_part *parts;
	size_t n, alloc;
};
#define FORMDATA_INIT { NULL, 0, 0 }

/* Is this Content-Type multipart/form-data? */
int formdata_is(const char *content_type);
/* The parts of body, which must outlive fd: 0, or DLG_EINVALID with why
   (the error slot), fd then empty. */
int formdata_parse(struct formdata *fd, const char *content_type, const char *body, size_t len);
/* The part called name, or NULL; the first when there are several. */
const struct formdata_part *formdata_get(const struct formdata *fd, const char *name);
void formdata_clear(struct formdata *fd);

#endif
