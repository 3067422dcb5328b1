/* timeutil: UTC timestamps, RFC 3339 with milliseconds, Japanese dates. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/timeutil.h"

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Floor division so times before 1970 split into seconds and ms correctly. */
static void split_ms(int64_t ms, time_t *ret_s, int *ret_ms)
{
	int64_t s = ms / 1000, r = ms % 1000;

	if (r < 0) {
		r += 1000;
		s--;
	}
	*ret_s = (time_t)s;
	*ret_ms = (int)r;
}

/*
 * v (0 <= v < 10^width) as width digits, zero-padded, at p; returns the end. Lists show three
 * times a row, and printf was a visible share of a list page's time.
 */
static char *put_digits(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

/* "YYYY-MM-DD" (a year of four digits) at p; returns the end. */
static char *put_date(char *p, const struct tm *tm)
{
	p = put_digits(p, tm->tm_year + 1900, 4);
	*p++ = '-';
	p = put_digits(p, tm->tm_mon + 1, 2);
	*p++ = '-';
	return put_digits(p, tm->tm_mday, 2);
}

static bool four_digit_year(const struct tm *tm)
{
	return tm->tm_year + 1900 >= 0 && tm->tm_year + 1900 <= 9999;
}

/* A positive number in decimal. */
static void add_uint(struct strbuf *sb, unsigned v)
{
	char buf[16];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	strbuf_add(sb, buf + i, sizeof(buf) - i);
}

void time_format_rfc3339(struct strbuf *sb, int64_t ms)
{
	struct tm tm;
	time_t s;
	int frac;
	char buf[32], *p = buf;

	split_ms(ms, &s, &frac);
	gmtime_r(&s, &tm);
	if (!four_digit_year(&tm)) {
		strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
		return;
	}
	p = put_date(p, &tm);
	*p++ = 'T';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_sec, 2);
	*p++ = '.';
	p = put_digits(p, frac, 3);
	*p++ = 'Z';
	strbuf_add(sb, buf, (size_t)(p - buf));
}

void time_format_rfc3339_offset(struct strbuf *sb, int64_t ms, int64_t offset_ms)
{
	int64_t off_min = offset_ms / 60000;
	struct tm tm;
	time_t s;
	int frac;

	split_ms(ms + off_min * 60000, &s, &frac);
	gmtime_r(&s, &tm);
	strbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (!off_min)
		strbuf_addch(sb, 'Z');
	else
		strbuf_addf(sb, "%c%02lld:%02lld", off_min < 0 ? '-' : '+',
		            (long long)(llabs(off_min) / 60), (long long)(llabs(off_min) % 60));
}

static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -EINVAL;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

static int parse_ymd(const char **p, struct tm *tm)
{
	int y, m, d;

	if (digits(p, 4, &y) || **p != '-')
		return -EINVAL;
	(*p)++;
	if (digits(p, 2, &m) || **p != '-')
		return -EINVAL;
	(*p)++;
	if (digits(p, 2, &d))
		return -EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -EINVAL;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

int time_parse_date(const char *s, int64_t *ret_ms)
{
	struct tm tm;
	const char *p = s;

	if (parse_ymd(&p, &tm) || *p)
		return -EINVAL;
	*ret_ms = (int64_t)timegm(&tm) * 1000;
	return 0;
}

int time_parse_rfc3339(const char *s, int64_t *ret_ms)
{
	const char *p = s;
	struct tm tm;
	int hh, mm, ss, ms = 0, off = 0;

	if (parse_ymd(&p, &tm))
		return -EINVAL;
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (digits(&p, 2, &hh) || *p++ != ':' || digits(&p, 2, &mm) || *p++ != ':' ||
	    digits(&p, 2, &ss))
		return -EINVAL;
	if (hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	if (*p == '.') {
		int n = 0;
		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				ms = ms * 10 + (*p - '0');
			n++;
			p++;
			if (n > 9)
				return -EINVAL;
		}
		for (; n < 3; n++)
			ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
			return -EINVAL;
		off = sign * (oh * 60 + om);
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss > 59 ? 59 : ss;
	*ret_ms = ((int64_t)timegm(&tm) - (int64_t)off * 60) * 1000 + ms;
	return 0;
}

static void local_tm(int64_t ms, int64_t offset_ms, struct tm *tm)
{
	time_t s;
	int frac;

	split_ms(ms + offset_ms, &s, &frac);
	gmtime_r(&s, tm);
}

void time_format_local(struct strbuf *sb, int64_t ms, int64_t offset_ms)
{
	struct tm tm;
	char buf[24], *p = buf;

	local_tm(ms, offset_ms, &tm);
	if (!four_digit_year(&tm)) {
		strbuf_addf(sb, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		            tm.tm_mday, tm.tm_hour, tm.tm_min);
		return;
	}
	p = put_date(p, &tm);
	*p++ = ' ';
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	strbuf_add(sb, buf, (size_t)(p - buf));
}

void time_format_clock(struct strbuf *sb, int64_t ms, int64_t offset_ms)
{
	struct tm tm;
	char buf[8], *p = buf;

	local_tm(ms, offset_ms, &tm);
	p = put_digits(p, tm.tm_hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.tm_min, 2);
	strbuf_add(sb, buf, (size_t)(p - buf));
}

void time_format_wareki(struct strbuf *sb, int64_t ms, int64_t offset_ms)
{
	/* Era start dates (first day of the era), newest first. */
	static const struct {
		const char *name;
		int y, m, d;
	} eras[] = {
		{ "令和", 2019, 5, 1 },  { "平成", 1989, 1, 8 },   { "昭和", 1926, 12, 25 },
		{ "大正", 1912, 7, 30 }, { "明治", 1868, 10, 23 },
	};
	struct tm tm;
	int y, m, d;

	local_tm(ms, offset_ms, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	d = tm.tm_mday;
	for (size_t i = 0; i < sizeof(eras) / sizeof(eras[0]); i++) {
		long cur = (long)y * 10000 + m * 100 + d;
		long start = (long)eras[i].y * 10000 + eras[i].m * 100 + eras[i].d;
		if (cur < start)
			continue;
		int ey = y - eras[i].y + 1;
		strbuf_addstr(sb, eras[i].name);
		if (ey == 1)
			strbuf_addstr(sb, "元");
		else
			add_uint(sb, (unsigned)ey);
		strbuf_addstr(sb, "年");
		add_uint(sb, (unsigned)m);
		strbuf_addstr(sb, "月");
		add_uint(sb, (unsigned)d);
		strbuf_addstr(sb, "日");
		return;
	}
	strbuf_addf(sb, "%d年%d月%d日", y, m, d);
}
