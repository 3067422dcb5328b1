/* timeutil: UTC timestamps, RFC 3339 with milliseconds, Japanese dates. */
#ifndef MAMORI_BASE_TIMEUTIL_H
#define MAMORI_BASE_TIMEUTIL_H

#include <stdint.h>

#include "base/strbuf.h"

/* Milliseconds since the Unix epoch, UTC (CLOCK_REALTIME). */
int64_t time_now_ms(void);
/* Monotonic nanoseconds, for measuring durations. */
int64_t time_mono_ns(void);
/* Appends "2026-11-22T02:46:44.123Z". */
void time_format_rfc3339(struct strbuf *sb, int64_t ms);
/*
 * Parses RFC 3339 ("2026-11-22T02:46:44Z", fractional seconds up to ms,
 * "Z" or "+09:00" offsets) into ms since the epoch. Returns 0 or -EINVAL.
 */
int time_parse_rfc3339(const char *s, int64_t *ret_ms);
/* Parses "YYYY-MM-DD" as midnight UTC. Returns 0 or -EINVAL. */
int time_parse_date(const char *s, int64_t *ret_ms);

/* Ward display: the fixed offset of Asia/Tokyo (no DST since 1951). */
#define TOKYO_OFFSET_MS (9LL * 3600 * 1000)
/*
 * Appends RFC 3339 in local time with its offset, to the second: "2026-11-22T11:46:44+09:00"
 * (offset_ms a whole number of minutes; 0 gives "Z").
 */
void time_format_rfc3339_offset(struct strbuf *sb, int64_t ms, int64_t offset_ms);
/* Appends "2026-11-22 11:46" in local (offset-applied) time. */
void time_format_local(struct strbuf *sb, int64_t ms, int64_t offset_ms);
/* "HH:MM" in local time at offset_ms (time_format_local's clock). */
void time_format_clock(struct strbuf *sb, int64_t ms, int64_t offset_ms);
/* Appends the Japanese office style "令和8年11月22日" (Japanese era). */
void time_format_wareki(struct strbuf *sb, int64_t ms, int64_t offset_ms);

#endif
