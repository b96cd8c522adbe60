/* Page pop-ups in the tree (popup.h). */
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "store/id.h"
#include "store/layout.h"
#include "store/popup.h"
#include "store/record.h"

void page_popup_clear(struct page_popup *p)
{
	free(p->channel);
	free(p->page);
	free(p->operator_);
	free(p->text);
	memset(p, 0, sizeof(*p));
}

static void add_time(struct strbuf *out, const char *key, time_t t)
{
	strbuf_addf(out, "%s: ", key);
	time_format_iso(out, t);
	strbuf_addch(out, '\n');
}

void page_popup_format(struct strbuf *out, const struct page_popup *p)
{
	strbuf_addf(out, "channel: %s\npage: %s\noperator: %s\n", p->channel, p->page, p->operator_);
	add_time(out, "created", p->created);
	add_time(out, "until", p->until);
	if (p->withdrawn)
		add_time(out, "withdrawn", p->withdrawn);
	/* the text last, after a blank line: it may hold anything but a NUL */
	strbuf_addf(out, "\n%s\n", p->text);
}

static int field_time(time_t *out, const char *fields, size_t len, const char *key, int required)
{
	char *v = kv_get(fields, len, key);
	int err = 0;
	*out = 0;
	/* years 1970 to 9999: what ISO 8601 writes back as it was */
	if (v ? time_parse(out, v) < 0 || *out < 0 || (long long)*out > 253402300799LL : required)
		err = dlg_error(DLG_EINVALID, "pop-up: %s '%s' is not a time", key, v ? v : "");
	free(v);
	return err;
}

int page_popup_parse(struct page_popup *p, const char *id, const char *buf, size_t len)
{
	const char *blank = NULL;
	size_t hlen;
	int err;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i + 1 < len && !blank; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			blank = buf + i + 1;
	if (!is_full_id(id) || !blank)
		return dlg_error(DLG_EINVALID, "pop-up %s: not a pop-up file", id);
	hlen = (size_t)(blank - buf);
	memcpy(p->id, id, sizeof(p->id));
	p->channel = kv_get(buf, hlen, "channel");
	p->page = kv_get(buf, hlen, "page");
	p->operator_ = kv_get(buf, hlen, "operator");
	p->text = xstrndup(blank + 1, len - hlen - 1);
	if (!p->channel || !p->page || !*p->page || !p->operator_)
		err = dlg_error(DLG_EINVALID, "pop-up %s: no channel, page or operator", id);
	else if (!(err = field_time(&p->created, buf, hlen, "created", 1)) &&
		 !(err = field_time(&p->until, buf, hlen, "until", 1)))
		err = field_time(&p->withdrawn, buf, hlen, "withdrawn", 0);
	if (!err) {
		/* the line end the format added */
		size_t n = strlen(p->text);
		if (n && p->text[n - 1] == '\n')
			p->text[n - 1] = '\0';
	}
	if (err)
		page_popup_clear(p);
	return err;
}

int page_popup_in_effect(const struct page_popup *p, time_t now)
{
	return !p->withdrawn && now < p->until;
}

int page_popup_read(struct page_popup *p, struct dlg_tx *tx, const char *id)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err;
	memset(p, 0, sizeof(*p));
	if (!is_full_id(id))
		return dlg_error(DLG_ENOTFOUND, "no pop-up '%s'", id);
	layout_popup(&path, id);
	if ((err = tx_read(&data, tx, path.buf)) == DLG_ENOTFOUND)
		err = dlg_error(DLG_ENOTFOUND, "no pop-up '%s'", id);
	else if (!err)
		err = page_popup_parse(p, id, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

int page_popup_write(struct dlg_tx *tx, const struct page_popup *p)
{
	struct strbuf path = STRBUF_INIT, data = STRBUF_INIT;
	int err;
	layout_popup(&path, p->id);
	page_popup_format(&data, p);
	err = tx_write(tx, path.buf, data.buf, data.len);
	strbuf_release(&path);
	strbuf_release(&data);
	return err;
}

void page_popup_list(struct strlist *out, struct dlg_tx *tx)
{
	struct strlist names = STRLIST_INIT;
	tx_list(&names, tx, "popups");
	for (size_t i = 0; i < names.nr; i++)
		if (is_full_id(names.items[i]))
			strlist_push(out, names.items[i]);
	strlist_clear(&names);
}
