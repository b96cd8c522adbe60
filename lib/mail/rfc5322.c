/*
 * RFC 5322 addresses, msg-ids and dates, from untrusted header values.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "base/utf8.h"
#include "mail/mime.h"
#include "mail/rfc5322.h"

/* ---- addresses ---- */

struct addr_acc {
	struct strbuf phrase, angle, comment;
	int has_angle;
};

static void finish_address(struct addr_acc *a, struct mime_address **list, size_t *n, size_t *alloc)
{
	struct strbuf addr = STRBUF_INIT, name = STRBUF_INIT;
	const char *nm = NULL;
	size_t i;

	strbuf_trim(&a->phrase);
	if (a->has_angle) {
		const char *route = strrchr(a->angle.buf, ':'); /* obsolete "@a,@b:addr" */
		strbuf_addstr(&addr, route ? route + 1 : a->angle.buf);
		nm = a->phrase.len ? a->phrase.buf : a->comment.buf;
		strbuf_addstr(&name, nm);
	} else {
		/* bare addr-spec, or "Name addr@host" without brackets */
		char *p = a->phrase.buf, *at = strrchr(p, '@');
		if (at) {
			char *s = at, *e = at;
			while (s > p && s[-1] != ' ')
				s--;
			while (*e && *e != ' ')
				e++;
			strbuf_add(&addr, s, (size_t)(e - s));
			strbuf_add(&name, p, (size_t)(s - p));
			strbuf_addstr(&name, e);
		} else if (!strchr(p, ' ')) {
			strbuf_addstr(&addr, p); /* a local name such as "root" */
		} else {
			strbuf_addstr(&name, p);
		}
		strbuf_trim(&name);
		if (!name.len)
			strbuf_addbuf(&name, &a->comment);
	}
	strbuf_trim(&name);
	if (name.len >= 2 && name.buf[0] == '\'' && name.buf[name.len - 1] == '\'') {
		strbuf_setlen(&name, name.len - 1); /* Outlook's 'Name' */
		memmove(name.buf, name.buf + 1, name.len);
		strbuf_setlen(&name, name.len - 1);
	}
	for (i = 0; i < addr.len; i++)
		addr.buf[i] = (char)tolower((unsigned char)addr.buf[i]);
	strbuf_trim(&addr);
	if (addr.len || name.len) {
		struct strbuf clean = STRBUF_INIT;
		struct mime_address *m;
		(*n)++;
		ALLOC_GROW(*list, *n, *alloc);
		m = &(*list)[*n - 1];
		m->name = mime_display_text(name.buf, name.len);
		utf8_sanitize(&clean, addr.buf, addr.len);
		m->addr = strbuf_detach(&clean, NULL);
	}
	strbuf_release(&addr);
	strbuf_release(&name);
	strbuf_reset(&a->phrase);
	strbuf_reset(&a->angle);
	strbuf_reset(&a->comment);
	a->has_angle = 0;
}

int mime_address_list_parse(struct mime_address **out, size_t *nout, const char *value)
{
	struct addr_acc a = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0 };
	struct mime_address *list = NULL;
	size_t n = 0, alloc = 0, i = 0, len;
	int in_angle = 0;

	*out = NULL;
	*nout = 0;
	if (!value)
		return dlg_error(DLG_EINVALID, "no address list");
	len = strlen(value);
	/* the rest of a list of millions is read by nobody: not even scanned */
	while (i < len && n < MIME_MAX_ADDRESSES) {
		char c = value[i];
		if (c == '"') {
			struct strbuf *t = in_angle ? &a.angle : &a.phrase;
			if (in_angle)
				strbuf_addch(t, '"');
			for (i++; i < len && value[i] != '"'; i++) {
				if (value[i] == '\\' && i + 1 < len)
					i++;
				strbuf_addch(t, value[i] == '\t' ? ' ' : value[i]);
			}
			if (in_angle)
				strbuf_addch(t, '"');
			i++;
		} else if (c == '(') {
			int depth = 0;
			if (a.comment.len)
				strbuf_addch(&a.comment, ' ');
			for (; i < len; i++) {
				if (value[i] == '\\' && i + 1 < len) {
					strbuf_addch(&a.comment, value[++i]);
					continue;
				}
				if (value[i] == '(' && depth++ == 0)
					continue;
				if (value[i] == ')' && --depth == 0)
					break;
				strbuf_addch(&a.comment, value[i]);
			}
			i++;
		} else if (in_angle) {
			if (c == '>')
				in_angle = 0;
			else if (!isspace((unsigned char)c))
				strbuf_addch(&a.angle, c);
			i++;
		} else if (c == '<') {
			in_angle = a.has_angle = 1;
			strbuf_reset(&a.angle);
			i++;
		} else if (c == ',' || c == ';') {
			finish_address(&a, &list, &n, &alloc);
			i++;
		} else if (c == ':' && !a.has_angle) {
			strbuf_reset(&a.phrase); /* "group name:" */
			strbuf_reset(&a.comment);
			i++;
		} else {
			if (!isspace((unsigned char)c))
				strbuf_addch(&a.phrase, c);
			else if (a.phrase.len && a.phrase.buf[a.phrase.len - 1] != ' ')
				strbuf_addch(&a.phrase, ' ');
			i++;
		}
	}
	if (n < MIME_MAX_ADDRESSES)
		finish_address(&a, &list, &n, &alloc);
	strbuf_release(&a.phrase);
	strbuf_release(&a.angle);
	strbuf_release(&a.comment);
	*out = list;
	*nout = n;
	return 0;
}

void mime_address_list_free(struct mime_address *list, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		free(list[i].name);
		free(list[i].addr);
	}
	free(list);
}

/* ---- msg-ids ---- */

/* Which msg-ids of a header to keep: the first `first`, and those from
   number `from` on; `seen` counts them all.  ids NULL: only count. */
struct id_pick {
	struct strlist *ids;
	size_t first, from, seen;
};

static int id_found(struct id_pick *pick, const char *s, size_t n)
{
	if (pick->ids && (pick->seen < pick->first || pick->seen >= pick->from)) {
		struct strbuf clean = STRBUF_INIT;
		utf8_sanitize(&clean, s, n);
		strlist_push_nodup(pick->ids, strbuf_detach(&clean, NULL));
	}
	pick->seen++;
	/* done when nothing further could be kept */
	return pick->ids && pick->seen >= pick->first && pick->from == SIZE_MAX;
}

/*
 * The msg-ids of a header value: "<...>" tokens, or, in headers written
 * without brackets, the words (only those with an '@' when at_only).
 * Whitespace inside an id is dropped.
 */
static void parse_ids(struct id_pick *pick, const char *v, int at_only)
{
	struct strbuf id = STRBUF_INIT;
	const char *p = v;
	int done = 0;

	while (!done) {
		const char *lt = strchr(p, '<'), *gt = lt ? strchr(lt, '>') : NULL, *q;
		if (!gt)
			break;
		for (q = lt + 1; q < gt; q++)
			if ((unsigned char)*q > ' ' && *q != '<')
				strbuf_addch(&id, *q);
		if (id.len)
			done = id_found(pick, id.buf, id.len);
		strbuf_reset(&id);
		p = gt + 1;
	}
	/* headers written without brackets: the words themselves */
	for (p = strchr(v, '<') ? "" : v; *p && !done;) {
		size_t n;
		while (*p && ((unsigned char)*p <= ' ' || *p == ','))
			p++;
		for (n = 0; (unsigned char)p[n] > ' ' && p[n] != ','; n++)
			;
		if (n && (!at_only || memchr(p, '@', n))) {
			done = id_found(pick, p, n);
			if (!at_only)
				break;
		}
		p += n;
	}
	strbuf_release(&id);
}

char *mime_msgid_first(const char *v, int at_only)
{
	struct strlist ids = STRLIST_INIT;
	struct id_pick pick = { &ids, 1, SIZE_MAX, 0 };
	char *r = NULL;
	parse_ids(&pick, v, at_only);
	if (ids.nr) {
		r = ids.items[0];
		ids.items[0] = xstrdup("");
	}
	strlist_clear(&ids);
	return r;
}

/* The thread's root and its MIME_MAX_REFERENCES - 1 nearest ancestors are
   all that threading reads: a list of millions costs nothing. */
void mime_references_parse(struct strlist *refs, const char *v)
{
	struct id_pick count = { NULL, 0, SIZE_MAX, 0 }, pick = { refs, 1, 0, 0 };
	parse_ids(&count, v, 1);
	if (count.seen > MIME_MAX_REFERENCES)
		pick.from = count.seen - (MIME_MAX_REFERENCES - 1);
	parse_ids(&pick, v, 1);
}

/* ---- dates ---- */

static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char wdays[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Reads up to max digits at s[*i]; returns the count (0: none, -1: too many). */
static int read_num(const char *s, size_t *i, int max, int *v)
{
	int n = 0;
	*v = 0;
	while (isdigit((unsigned char)s[*i])) {
		if (++n > max)
			return -1;
		*v = *v * 10 + (s[(*i)++] - '0');
	}
	return n;
}

int mime_date_parse(time_t *out, const char *s)
{
	static const struct { const char *name; int off; } zones[] = {
		{ "UT", 0 }, { "UTC", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -300 }, { "EDT", -240 },
		{ "CST", -360 }, { "CDT", -300 }, { "MST", -420 }, { "MDT", -360 }, { "PST", -480 },
		{ "PDT", -420 },
	};
	int day = -1, mon = -1, year = -1, yd = 0, hh = 0, mm = 0, ss = 0, zone = 0, v, nd;
	size_t i = 0, k;

	*out = 0;
	if (!s)
		return DLG_EINVALID;
	while (s[i]) {
		unsigned char c = (unsigned char)s[i];
		if (c == '(') { /* comment, e.g. "(CEST)" */
			int depth = 0;
			for (; s[i]; i++) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')' && --depth == 0)
					break;
			}
			if (s[i])
				i++;
		} else if (isdigit(c)) {
			nd = read_num(s, &i, 9, &v);
			if (nd < 0)
				return DLG_EINVALID;
			if (s[i] == ':') { /* hh:mm[:ss] */
				int n2, n3 = 0;
				hh = v;
				i++;
				n2 = read_num(s, &i, 2, &mm);
				if (s[i] == ':') {
					i++;
					n3 = read_num(s, &i, 2, &ss);
					if (n3 <= 0)
						return DLG_EINVALID;
				}
				if (nd > 2 || n2 <= 0 || hh > 23 || mm > 59 || ss > 60)
					return DLG_EINVALID;
			} else if (s[i] == '-' && isdigit((unsigned char)s[i + 1]) && nd == 4 && year < 0) {
				/* ISO 8601 "2016-07-19[T...]" */
				year = v;
				yd = 4;
				i++;
				if (read_num(s, &i, 2, &mon) <= 0 || s[i] != '-')
					return DLG_EINVALID;
				i++;
				if (read_num(s, &i, 2, &day) <= 0)
					return DLG_EINVALID;
				mon--;
				if (s[i] == 'T' || s[i] == 't')
					i++;
			} else if (nd >= 3 || v > 31 || day >= 0) {
				if (year >= 0)
					return DLG_EINVALID;
				year = v;
				yd = nd;
			} else {
				day = v;
			}
			if (s[i] == '-' && isalpha((unsigned char)s[i + 1]))
				i++; /* "16-Jun-2016" */
		} else if ((c == '+' || c == '-') && isdigit((unsigned char)s[i + 1])) {
			int h, m = 0, sign = c == '-' ? -1 : 1;
			i++;
			nd = read_num(s, &i, 4, &v);
			if (nd == 4) {
				h = v / 100;
				m = v % 100;
			} else if (nd > 0 && nd <= 2) {
				h = v;
				if (s[i] == ':') {
					i++;
					if (read_num(s, &i, 2, &m) <= 0)
						return DLG_EINVALID;
				}
			} else {
				return DLG_EINVALID;
			}
			if (h > 23 || m > 59)
				return DLG_EINVALID;
			zone = sign * (h * 60 + m);
		} else if (isalpha(c)) {
			size_t start = i, n;
			while (isalpha((unsigned char)s[i]))
				i++;
			n = i - start;
			for (k = 0; k < 12 && mon < 0; k++)
				if (n >= 3 && !strncasecmp(s + start, months[k], 3))
					mon = (int)k;
			for (k = 0; k < sizeof(zones) / sizeof(zones[0]); k++)
				if (strlen(zones[k].name) == n && !strncasecmp(s + start, zones[k].name, n))
					zone = zones[k].off;
			if (s[i] == '-' && isdigit((unsigned char)s[i + 1]) && mon >= 0 && year < 0)
				i++; /* "Jun-2016" */
			/* weekdays, military zones and unknown words carry nothing */
		} else {
			i++;
		}
	}
	if (day < 1 || day > 31 || mon < 0 || mon > 11 || year < 0 || year > 9999)
		return DLG_EINVALID;
	if (yd <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (yd == 3)
		year += 1900;
	*out = (time_t)(days_from_civil(year, mon + 1, day) * 86400 + hh * 3600 + mm * 60 + ss -
			(int64_t)zone * 60);
	return 0;
}

void mime_date_format(struct strbuf *out, time_t t)
{
	int64_t secs = (int64_t)t, days = secs / 86400, rem = secs % 86400, y;
	int m, d;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	strbuf_addf(out, "%s, %02d %s %04lld %02d:%02d:%02d +0000",
		    wdays[((days % 7) + 11) % 7], d, months[m - 1], (long long)y,
		    (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
}

