/* Page pop-ups in the chat spool (popups.h). */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/error.h"
#include "base/fileio.h"
#include "base/time.h"
#include "channel/channel.h"
#include "channel/popups.h"
#include "channel/spool.h"
#include "store/config.h"
#include "store/id.h"
#include "store/popup.h"
#include "store/tx.h"

void spool_popup_clear(struct spool_popup *p)
{
	free(p->page);
	free(p->text);
	free(p->operator_);
	free(p->date);
	memset(p, 0, sizeof(*p));
}

static int no_controls(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < ' ' || *c == 127)
			return 0;
	return 1;
}

/* A string field of at most max bytes (one line unless multiline), copied. */
static char *string_field(json_t *root, const char *key, size_t max, int multiline)
{
	json_t *v = json_object_get(root, key);
	if (!json_is_string(v) || !json_string_length(v) || json_string_length(v) > max ||
	    (!multiline && !no_controls(json_string_value(v))))
		return NULL;
	return xstrdup(json_string_value(v));
}

int spool_popup_parse(struct spool_popup *p, const char *name, const char *buf, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);
	const char *id;
	size_t n = strlen(name);
	time_t t;
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(root)) {
		err = dlg_error(DLG_EINVALID, "not a JSON object");
		goto out;
	}
	id = json_string_value(json_object_get(root, "id"));
	if (!id || !is_full_id(id) || n != DLG_ID_LEN + 5 || strncmp(name, id, DLG_ID_LEN) ||
	    strcmp(name + DLG_ID_LEN, ".json")) {
		err = dlg_error(DLG_EINVALID, "no \"id\" of 16 hex digits that names the file");
		goto out;
	}
	memcpy(p->id, id, sizeof(p->id));
	p->page = string_field(root, "page", POPUP_PAGE_MAX, 0);
	p->text = string_field(root, "text", SPOOL_POPUP_TEXT_MAX, 1);
	p->operator_ = string_field(root, "operator", 256, 0);
	p->date = string_field(root, "date", 64, 0);
	if (!p->page || !p->text || !p->operator_ || !p->date || time_parse(&t, p->date) < 0 ||
	    !json_is_string(json_object_get(root, "until")) ||
	    time_parse(&p->until, json_string_value(json_object_get(root, "until"))) < 0)
		err = dlg_error(DLG_EINVALID, "a \"page\", \"text\", \"operator\", \"date\" or \"until\" "
				"missing or out of shape");
out:
	json_decref(root);
	if (err)
		spool_popup_clear(p);
	return err;
}

/* One unit of a pattern at p (not '*', not the end) against byte c: whether
   it matches, and its length in *len.  A '[' without its ']' is itself. */
static int unit_matches(const char *p, size_t *len, unsigned char c)
{
	if (*p == '?') {
		*len = 1;
		return 1;
	}
	if (*p == '\\' && p[1]) {
		*len = 2;
		return (unsigned char)p[1] == c;
	}
	if (*p == '[') {
		const char *q = p + 1, *first;
		int negate = *q == '!' || *q == '^', hit = 0;
		q += negate;
		first = q;
		while (*q && (*q != ']' || q == first)) {
			unsigned char lo, hi;
			if (*q == '\\' && q[1])
				q++;
			lo = hi = (unsigned char)*q;
			if (q[1] == '-' && q[2] && q[2] != ']') {
				q += 2;
				if (*q == '\\' && q[1])
					q++;
				hi = (unsigned char)*q;
			}
			hit |= lo <= c && c <= hi;
			q++;
		}
		if (*q == ']') {
			*len = (size_t)(q + 1 - p);
			return hit != negate;
		}
	}
	*len = 1;
	return (unsigned char)*p == c;
}

/*
 * fnmatch(3) without flags ('*' spans slashes; '?', '[...]' and '\'
 * escapes as there; bytes, as in the C locale), but in time bounded by
 * the product of the lengths: glibc's fnmatch backtracks into every '*',
 * and a pattern the site's account wrote with many of them would stall
 * the gateway.  Only the last '*' is ever gone back to, which is enough:
 * what an earlier one would take more of, the last one can take instead.
 */
static int page_matches(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	size_t len;
	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_s = s;
		} else if (*p && unit_matches(p, &len, (unsigned char)*s)) {
			p += len;
			s++;
		} else if (star_p) {
			p = star_p;
			s = ++star_s;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

int spool_popup_matches(const struct spool_popup *p, const char *url, time_t now)
{
	return now < p->until && url && strlen(url) <= SPOOL_POPUP_URL_MAX && page_matches(p->page, url);
}

void spool_popups_free(struct spool_popup *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		spool_popup_clear(&p[i]);
	free(p);
}

static int popup_cmp(const void *a, const void *b)
{
	return strcmp(((const struct spool_popup *)a)->id, ((const struct spool_popup *)b)->id);
}

int spool_popups_read(struct spool_popup **out, size_t *n, int dirfd)
{
	struct strbuf data = STRBUF_INIT;
	struct dirent *de;
	size_t alloc = 0, scanned = 0;
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	*out = NULL;
	*n = 0;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return dlg_error(DLG_ERROR, "cannot read the spool's popups/: %s", strerror(errno));
	}
	rewinddir(d);
	while ((de = readdir(d)) && *n < SPOOL_POPUPS_MAX && scanned++ < SPOOL_POPUPS_SCAN) {
		struct spool_popup p;
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&data);
		if (file_read_regular(&data, dirfd, de->d_name, FILE_NOFOLLOW, SPOOL_POPUP_MAX_FILE) < 0 ||
		    spool_popup_parse(&p, de->d_name, data.buf, data.len) < 0)
			continue;
		ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[(*n)++] = p;
	}
	closedir(d);
	strbuf_release(&data);
	if (*n)
		qsort(*out, *n, sizeof(**out), popup_cmp);
	return 0;
}

/* The spool file of a pop-up of the tree. */
static char *popup_json(const struct page_popup *p)
{
	struct strbuf date = STRBUF_INIT, until = STRBUF_INIT;
	json_t *j = json_object();
	char *text;
	time_format_iso(&date, p->created);
	time_format_iso(&until, p->until);
	json_object_set_new(j, "id", json_string(p->id));
	json_object_set_new(j, "page", json_string(p->page));
	json_object_set_new(j, "text", json_string(p->text));
	json_object_set_new(j, "operator", json_string(p->operator_));
	json_object_set_new(j, "date", json_string(date.buf));
	json_object_set_new(j, "until", json_string(until.buf));
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	strbuf_release(&date);
	strbuf_release(&until);
	return text;
}

struct tree_popups {
	struct page_popup *p;
	size_t n, alloc;
	struct strlist channels;
};

static void tree_popups_reset(struct tree_popups *t)
{
	for (size_t i = 0; i < t->n; i++)
		page_popup_clear(&t->p[i]);
	t->n = 0;
	strlist_clear(&t->channels);
}

/* Reads only: the change makes no commit. */
static int tree_popups_fn(struct dlg_tx *tx, void *payload)
{
	struct tree_popups *t = payload;
	struct strlist ids = STRLIST_INIT;
	tree_popups_reset(t);
	page_popup_list(&ids, tx);
	for (size_t i = 0; i < ids.nr; i++) {
		struct page_popup p;
		/* fsck reports a file that does not read; it publishes nothing */
		if (page_popup_read(&p, tx, ids.items[i]) < 0)
			continue;
		if (!strlist_has(&t->channels, p.channel))
			strlist_push(&t->channels, p.channel);
		ALLOC_GROW(t->p, t->n + 1, t->alloc);
		t->p[t->n++] = p;
	}
	strlist_clear(&ids);
	return 0;
}

/* The spool of one channel made to match what the tree has in effect for it. */
static int publish_channel(struct spool *sp, const char *channel, const struct tree_popups *t, time_t now)
{
	struct strlist wanted = STRLIST_INIT;
	struct strbuf name = STRBUF_INIT, have = STRBUF_INIT;
	struct dirent *de;
	int err = 0, fd;
	DIR *d;

	for (size_t i = 0; i < t->n && !err; i++) {
		char *text;
		if (strcmp(t->p[i].channel, channel) || !page_popup_in_effect(&t->p[i], now))
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, "%s.json", t->p[i].id);
		strlist_push(&wanted, name.buf);
		if (!(text = popup_json(&t->p[i]))) {
			err = dlg_error(DLG_ERROR, "pop-up %s: cannot encode it as JSON", t->p[i].id);
			break;
		}
		strbuf_reset(&have);
		/* there already, the same: nothing to write (a second send changes nothing) */
		if (file_read_regular(&have, sp->popups, name.buf, FILE_NOFOLLOW, SPOOL_POPUP_MAX_FILE) < 0 ||
		    strcmp(have.buf, text))
			err = file_write_at(sp->tmp, "w.", sp->popups, name.buf, text, strlen(text), 0);
		free(text);
	}
	if (!err && ((fd = dup(sp->popups)) < 0 || !(d = fdopendir(fd)))) {
		if (fd >= 0)
			close(fd);
		err = dlg_error(DLG_ERROR, "cannot read the spool's popups/: %s", strerror(errno));
	} else if (!err) {
		/* withdrawn, ended, or never ours: the gateway must not show it */
		rewinddir(d);
		while ((de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
			    !strlist_has(&wanted, de->d_name) && unlinkat(sp->popups, de->d_name, 0) < 0 &&
			    errno != ENOENT && errno != EISDIR && errno != EPERM)
				err = dlg_error(DLG_ERROR, "cannot remove popups/%s from the spool: %s", de->d_name,
						strerror(errno));
		closedir(d);
	}
	strlist_clear(&wanted);
	strbuf_release(&name);
	strbuf_release(&have);
	return err;
}

int popups_publish(struct dlg_store *s)
{
	struct tree_popups t = { NULL, 0, 0, STRLIST_INIT };
	struct config c = CONFIG_INIT;
	time_t now = dlg_now();
	int err = store_change(s, tree_popups_fn, &t, NULL);

	if (!err && t.channels.nr)
		err = config_load(&c, s);
	for (size_t i = 0; !err && i < t.channels.nr; i++) {
		struct channel ch;
		struct spool sp;
		/* a channel removed since, or no longer a chat: nowhere to publish */
		if (channel_open(&ch, s, &c, t.channels.items[i]) < 0)
			continue;
		if (!strcmp(ch.type, "chat")) {
			if ((err = spool_open(&sp, &ch, SPOOL_TMP | SPOOL_POPUPS)) < 0)
				err = dlg_error(err, "channel %s: %s", ch.name, dlg_error_last());
			else
				err = publish_channel(&sp, ch.name, &t, now);
			spool_close(&sp);
		}
		channel_close(&ch);
	}
	tree_popups_reset(&t);
	free(t.p);
	config_clear(&c);
	return err;
}
