#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"

int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

time_t dlg_now(void)
{
	const char *pinned = getenv("DLG_NOW");
	time_t t;
	if (pinned && *pinned && !time_parse(&t, pinned))
		return t;
	return time(NULL);
}

void time_format_iso(struct strbuf *out, time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void time_format_short(struct strbuf *out, time_t t)
{
	struct tm tm;
	if (!t) { /* mail with neither Date: nor Received: */
		strbuf_addstr(out, "(no date)       ");
		return;
	}
	localtime_r(&t, &tm);
	strbuf_addf(out, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static int days_in_month(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

int time_parse(time_t *out, const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	char *end;

	if (*s == '@')
		s++;
	if (*s >= '0' && *s <= '9' && !strchr(s, '-')) {
		long long v = strtoll(s, &end, 10);
		if (*end)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		n = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			n = 0;
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1)
				return -1;
			s += 1 + n;
		}
	}
	if (*s == 'Z')
		s++;
	if (*s || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 +
			h * 3600 + mi * 60 + sec);
	return 0;
}

int time_parse_local(time_t *out, const char *s)
{
	size_t n = strlen(s);
	struct tm tm;
	time_t utc;
	if (time_parse(&utc, s) < 0)
		return -1;
	if (!n || s[n - 1] == 'Z' || s[0] == '@' || !strchr(s, '-'))
		*out = utc;
	else {
		/* Read the fields back as local time: mktime knows the zone's rules. */
		gmtime_r(&utc, &tm);
		tm.tm_isdst = -1;
		*out = mktime(&tm);
	}
	return 0;
}

/* The local day that holds t: its first second and its last. */
static void local_day(time_t *start, time_t *end, time_t t)
{
	struct tm tm;
	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	tm.tm_mday++; /* mktime carries into the month, and knows a 23- or 25-hour day */
	tm.tm_isdst = -1;
	*end = mktime(&tm) - 1;
}

/* "3h" ago: digits, then m, h, d or w; 0 when s is no such age. */
static int parse_age(time_t *out, const char *s, time_t now)
{
	static const struct { char unit; long seconds; } units[] = {
		{ 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	size_t digits = strspn(s, "0123456789");
	/* at most 6 digits: a million weeks back is still a time_t */
	if (!digits || digits > 6 || !s[digits] || s[digits + 1])
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (s[digits] == units[i].unit) {
			*out = now - (time_t)(atol(s) * units[i].seconds);
			return 1;
		}
	return 0;
}

int time_parse_span(time_t *start, time_t *end, const char *s, time_t now)
{
	if (!strcmp(s, "today") || !strcmp(s, "yesterday")) {
		local_day(start, end, now);
		if (*s == 'y')
			local_day(start, end, *start - 1);
		return 0;
	}
	if (parse_age(start, s, now)) {
		*end = *start;
		return 0;
	}
	if (time_parse_local(start, s) < 0)
		return -1;
	*end = *start;
	if (strlen(s) == 10 && s[4] == '-') /* a day: all of it */
		local_day(start, end, *start);
	return 0;
}

static trace_perf_fn *trace_sink;

void trace_perf_to(trace_perf_fn *fn)
{
	trace_sink = fn;
}

/* DLG_TRACE_PERF=1: the time since the first call, per named step, to the
   front end's sink (like GIT_TRACE_PERFORMANCE); for finding where a command
   waits. */
void trace_perf(const char *step)
{
	static int enabled = -1;
	static struct timespec start;
	struct timespec now;
	if (enabled < 0) {
		const char *v = getenv("DLG_TRACE_PERF");
		enabled = v && *v && strcmp(v, "0");
		clock_gettime(CLOCK_MONOTONIC, &start);
	}
	if (!enabled || !trace_sink)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	trace_sink((double)(now.tv_sec - start.tv_sec) * 1e3 + (double)(now.tv_nsec - start.tv_nsec) / 1e6,
		   step);
}
