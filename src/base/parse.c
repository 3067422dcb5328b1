/* parse: strict conversion of text to integers and durations. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/parse.h"

int parse_uint64(const char *s, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t mag;
	bool neg = false;
	int64_t v;
	int r;

	if (!s)
		return -EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	r = parse_uint64(s, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
	if (r < 0)
		return r;
	if (neg)
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_int(const char *s, int min, int max, int *ret)
{
	int64_t v;
	int r = parse_int64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (int)v;
	return 0;
}

int parse_duration(const char *s, int64_t *ret_seconds)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 },     { 'm', 60 },        { 'h', 3600 },
		      { 'd', 86400 }, { 'w', 7 * 86400 }, { 'y', 365 * 86400 } };
	char num[24];
	size_t len;
	uint64_t v;
	int r;

	if (!s || (len = strlen(s)) < 2 || len > sizeof(num))
		return -EINVAL;
	memcpy(num, s, len - 1);
	num[len - 1] = '\0';
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != s[len - 1])
			continue;
		r = parse_uint64(num, (uint64_t)INT64_MAX / (uint64_t)units[i].seconds, &v);
		if (r < 0)
			return r;
		*ret_seconds = (int64_t)v * units[i].seconds;
		return 0;
	}
	return -EINVAL;
}

int parse_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
