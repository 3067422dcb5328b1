/* test-time: RFC 3339 formatting and parsing, Tokyo local time, Japanese era dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/timeutil.h"

static void test_format(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	time_format_rfc3339(&sb, 0);
	assert_string_equal(sb.buf, "1970-01-01T00:00:00.000Z");
	strbuf_reset(&sb);
	time_format_rfc3339(&sb, 1795315604123LL);
	assert_string_equal(sb.buf, "2026-11-22T02:46:44.123Z");
	strbuf_reset(&sb);
	time_format_rfc3339(&sb, -1);
	assert_string_equal(sb.buf, "1969-12-31T23:59:59.999Z");
	strbuf_release(&sb);
}

static void test_parse(void **state)
{
	int64_t ms = 7;

	assert_int_equal(time_parse_rfc3339("2026-11-22T02:46:44.123Z", &ms), 0);
	assert_int_equal(ms, 1795315604123LL);
	assert_int_equal(time_parse_rfc3339("2026-11-22T11:46:44.123+09:00", &ms), 0);
	assert_int_equal(ms, 1795315604123LL);
	assert_int_equal(time_parse_rfc3339("2026-11-22T02:46:44Z", &ms), 0);
	assert_int_equal(ms, 1795315604000LL);
	assert_int_equal(time_parse_rfc3339("2026-11-22T02:46:44.5Z", &ms), 0);
	assert_int_equal(ms, 1795315604500LL);
	ms = 7;
	assert_int_equal(time_parse_rfc3339("2026-02-30T00:00:00Z", &ms), -EINVAL);
	assert_int_equal(time_parse_rfc3339("2026-11-22 02:46", &ms), -EINVAL);
	assert_int_equal(time_parse_rfc3339("2026-11-22T02:46:44", &ms), -EINVAL);
	assert_int_equal(time_parse_rfc3339("2026-11-22T02:46:44Zjunk", &ms), -EINVAL);
	assert_int_equal(time_parse_rfc3339("", &ms), -EINVAL);
	assert_int_equal(ms, 7);
	assert_int_equal(time_parse_date("2024-02-29", &ms), 0);
	assert_int_equal(time_parse_date("2023-02-29", &ms), -EINVAL);
	assert_int_equal(time_parse_date("2023-13-01", &ms), -EINVAL);
}

static void test_roundtrip(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	for (int64_t t = -86400000LL * 400; t < 4102444800000LL; t += 86400000LL * 37 + 12345) {
		int64_t back;
		strbuf_reset(&sb);
		time_format_rfc3339(&sb, t);
		assert_int_equal(time_parse_rfc3339(sb.buf, &back), 0);
		assert_int_equal(back, t);
	}
	strbuf_release(&sb);
}

static void test_local_and_wareki(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int64_t ms;

	/* 2026-11-22T20:00Z is already 11月23日 in Tokyo */
	assert_int_equal(time_parse_rfc3339("2026-11-22T20:00:00Z", &ms), 0);
	time_format_local(&sb, ms, TOKYO_OFFSET_MS);
	assert_string_equal(sb.buf, "2026-11-23 05:00");
	strbuf_reset(&sb);
	/* RFC 3339 with the ward's offset, and back to the same instant */
	time_format_rfc3339_offset(&sb, ms, TOKYO_OFFSET_MS);
	assert_string_equal(sb.buf, "2026-11-23T05:00:00+09:00");
	{
		int64_t back;
		assert_int_equal(time_parse_rfc3339(sb.buf, &back), 0);
		assert_true(back == ms);
	}
	strbuf_reset(&sb);
	time_format_rfc3339_offset(&sb, ms, 0);
	assert_string_equal(sb.buf, "2026-11-22T20:00:00Z");
	strbuf_reset(&sb);
	time_format_rfc3339_offset(&sb, ms, -(3 * 3600 + 30 * 60) * 1000LL);
	assert_string_equal(sb.buf, "2026-11-22T16:30:00-03:30");
	strbuf_reset(&sb);
	time_format_wareki(&sb, ms, TOKYO_OFFSET_MS);
	assert_string_equal(sb.buf, "令和8年11月23日");

	struct {
		const char *utc;
		const char *want;
	} cases[] = {
		{ "2019-04-30T12:00:00Z", "平成31年4月30日" },
		{ "2019-05-01T03:00:00Z", "令和元年5月1日" },
		{ "2020-04-01T00:00:00Z", "令和2年4月1日" },
		{ "1989-01-07T03:00:00Z", "昭和64年1月7日" },
		{ "1989-01-08T03:00:00Z", "平成元年1月8日" },
		{ "2015-11-20T03:00:00Z", "平成27年11月20日" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf_reset(&sb);
		assert_int_equal(time_parse_rfc3339(cases[i].utc, &ms), 0);
		time_format_wareki(&sb, ms, TOKYO_OFFSET_MS);
		assert_string_equal(sb.buf, cases[i].want);
	}
	strbuf_release(&sb);
}

/* The formats written digit by digit are what printf writes, for any instant, years past
 * 9999 and before 0 included (those take printf's way). */
static void test_formats_as_printf(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char want[96];
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 20000; i++) {
		int64_t ms;
		time_t s;
		struct tm tm;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* within ±1,000,000 years of 1970 in thirds: near, far and anywhere */
		ms = (int64_t)(x % 63113904000000000ULL) - 31556952000000000LL;
		if (i % 3 == 0)
			ms %= 4102444800000LL;
		s = (time_t)(ms / 1000 - (ms % 1000 < 0));
		assert_non_null(gmtime_r(&s, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		         tm.tm_sec, (int)(((ms % 1000) + 1000) % 1000));
		strbuf_reset(&sb);
		time_format_rfc3339(&sb, ms);
		assert_string_equal(sb.buf, want);

		s = (time_t)((ms + TOKYO_OFFSET_MS) / 1000 - ((ms + TOKYO_OFFSET_MS) % 1000 < 0));
		assert_non_null(gmtime_r(&s, &tm));
		snprintf(want, sizeof(want), "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
		         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
		strbuf_reset(&sb);
		time_format_local(&sb, ms, TOKYO_OFFSET_MS);
		assert_string_equal(sb.buf, want);
		strbuf_reset(&sb);
		time_format_clock(&sb, ms, TOKYO_OFFSET_MS);
		assert_string_equal(sb.buf, want + strlen(want) - 5);
	}
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_local_and_wareki),
		cmocka_unit_test(test_formats_as_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
