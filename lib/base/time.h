#ifndef DLG_BASE_TIME_H
#define DLG_BASE_TIME_H

#include <stdint.h>
#include <time.h>

#include "base/strbuf.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t days_from_civil(int64_t y, int m, int d);
/* Current time; $DLG_NOW (unix seconds or ISO 8601) pins it for tests. */
time_t dlg_now(void);
/* With DLG_TRACE_PERF set, reports the time since start-up at a named step. */
void trace_perf(const char *step);
/* Where trace_perf() reports: milliseconds since start-up and the step. */
typedef void trace_perf_fn(double ms, const char *step);
void trace_perf_to(trace_perf_fn *fn);
/* "2026-11-25T10:00:00Z" */
void time_format_iso(struct strbuf *out, time_t t);
/* "2026-11-25 10:00" in local time ($TZ), for people */
void time_format_short(struct strbuf *out, time_t t);
/* Accepts YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] and unix seconds (@N or N). */
int time_parse(time_t *out, const char *s);
/* The same for dates people type: without a Z they are local time ($TZ). */
int time_parse_local(time_t *out, const char *s);
/* The span of time a date people type names, its first and last second:
   a day (YYYY-MM-DD, "today", "yesterday") all of it, in local time; an age
   before now ("30m", "3h", "2d", "1w") or a time (as time_parse_local())
   that moment alone.  -1 for anything else, a day its month lacks too. */
int time_parse_span(time_t *start, time_t *end, const char *s, time_t now);

#endif
