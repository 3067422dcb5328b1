/* test-parse: strict integers and durations reject everything ambiguous. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "base/parse.h"

static void test_int64(void **state)
{
	int64_t v = 99;

	assert_int_equal(parse_int64("0", INT64_MIN, INT64_MAX, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_int64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(parse_int64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	v = 99;
	assert_int_equal(parse_int64("9223372036854775808", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_int64("-9223372036854775809", INT64_MIN, INT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_int64("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int64("-", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int64(" 1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int64("1 ", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int64("+1", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int64("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(parse_int64("１", 0, 10, &v), -EINVAL); /* fullwidth digit */
	assert_int_equal(parse_int64("11", 0, 10, &v), -ERANGE);
	assert_int_equal(parse_int64("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(parse_int64(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(v, 99);
}

static void test_uint_and_int(void **state)
{
	uint64_t u;
	int i;

	assert_int_equal(parse_uint64("18446744073709551615", UINT64_MAX, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(parse_uint64("18446744073709551616", UINT64_MAX, &u), -ERANGE);
	assert_int_equal(parse_uint64("-1", UINT64_MAX, &u), -EINVAL);
	assert_int_equal(parse_int("-5", -10, 10, &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(parse_int("2147483648", INT32_MIN, INT32_MAX, &i), -ERANGE);
}

static void test_duration(void **state)
{
	int64_t s;

	assert_int_equal(parse_duration("30d", &s), 0);
	assert_int_equal(s, 30 * 86400);
	assert_int_equal(parse_duration("1y", &s), 0);
	assert_int_equal(s, 365 * 86400);
	assert_int_equal(parse_duration("15m", &s), 0);
	assert_int_equal(s, 900);
	assert_int_equal(parse_duration("2w", &s), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(parse_duration("d", &s), -EINVAL);
	assert_int_equal(parse_duration("10", &s), -EINVAL);
	assert_int_equal(parse_duration("10x", &s), -EINVAL);
	assert_int_equal(parse_duration("-1d", &s), -EINVAL);
	assert_int_equal(parse_duration("99999999999999999999d", &s), -ERANGE);
}

static void test_hex_digit(void **state)
{
	(void)state;
	assert_int_equal(parse_hex_digit('0'), 0);
	assert_int_equal(parse_hex_digit('9'), 9);
	assert_int_equal(parse_hex_digit('a'), 10);
	assert_int_equal(parse_hex_digit('F'), 15);
	assert_int_equal(parse_hex_digit('g'), -1);
	assert_int_equal(parse_hex_digit('G'), -1);
	assert_int_equal(parse_hex_digit('/'), -1);
	assert_int_equal(parse_hex_digit('\0'), -1);
	assert_int_equal(parse_hex_digit((char)0xef), -1); /* a UTF-8 byte, as a signed char */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int64),
		cmocka_unit_test(test_uint_and_int),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_hex_digit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
