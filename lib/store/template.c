#include <string.h>

#include "base/error.h"
#include "store/template.h"

int template_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (!n || n > 64 || name[0] == '.' || name[0] == '-')
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

int template_expand(struct strbuf *out, const char *text, template_lookup_fn lookup, void *data)
{
	struct strbuf name = STRBUF_INIT, value = STRBUF_INIT;
	const char *p = text;
	int err = 0;
	while (*p && !err) {
		const char *open = strstr(p, "{{"), *close;
		if (!open) {
			strbuf_addstr(out, p);
			break;
		}
		strbuf_add(out, p, (size_t)(open - p));
		if (!(close = strstr(open + 2, "}}"))) {
			err = dlg_error(DLG_EINVALID, "'{{' without '}}'");
			break;
		}
		strbuf_reset(&name);
		strbuf_add(&name, open + 2, (size_t)(close - open - 2));
		strbuf_trim(&name);
		strbuf_reset(&value);
		if (!name.len || strpbrk(name.buf, " \t\n{}")) {
			err = dlg_error(DLG_EINVALID, "'{{%s}}' is not a variable", name.buf);
		} else if ((err = lookup(&value, name.buf, data)) == DLG_ENOTFOUND) {
			err = dlg_error(DLG_EINVALID, "unknown variable {{%s}}", name.buf);
		} else if (!err) {
			strbuf_addbuf(out, &value);
		}
		p = close + 2;
	}
	strbuf_release(&name);
	strbuf_release(&value);
	return err;
}
