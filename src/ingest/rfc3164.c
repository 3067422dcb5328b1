/* rfc3164: BSD syslog (RFC 3164) read leniently: the timestamps and headers real devices send. */
#include <errno.h>
#include <string.h>

#include "ingest/syslog.h"

/*
 * What is accepted after "<PRI>" (each part optional, in this order):
 *   a Cisco sequence number        "000123: "
 *   a Cisco origin hostname        "router1: "
 *   a timestamp, possibly with '*' or '.' (Cisco: not synchronised / NTP-synced)
 *       "Nov  2 11:46:00", "Nov 2 11:46:00.123", "Nov 2 2026 11:46:00",
 *       "2026-11-02T11:46:00.123456+09:00" (RFC 3339, also without a zone),
 *     then optionally a zone "JST", "UTC", "GMT", "Z", "+0900" and a ':'
 *   HOSTNAME (only after a timestamp, as RFC 3164 §4.3.2 says)
 *   TAG ("sshd[123]:", "sudo:", "%SYS-5-CONFIG_I:"), then the CONTENT.
 * A timestamp without a year gets the received year (the year before when that would put
 * it more than a week ahead); without a zone it is read in the ward's time (options).
 */

struct cur {
	const char *p;
	size_t len, pos;
};

static bool at(const struct cur *c, char ch)
{
	return c->pos < c->len && c->p[c->pos] == ch;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int num(struct cur *c, int min_digits, int max_digits)
{
	int v = 0, n = 0;

	while (c->pos < c->len && n < max_digits && is_digit(c->p[c->pos])) {
		v = v * 10 + (c->p[c->pos++] - '0');
		n++;
	}
	return n >= min_digits ? v : -1;
}

static void skip_spaces(struct cur *c)
{
	while (at(c, ' '))
		c->pos++;
}

static int month_of(const char *p)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (!memcmp(p, names + 3 * i, 3))
			return i + 1;
	return 0;
}

struct when {
	int year, month, day, hour, min, sec, ms;
	bool has_year, has_zone;
	int64_t offset_ms; /* east of UTC */
};

/* ".123" (any number of digits; milliseconds kept). */
static void fraction(struct cur *c, struct when *w)
{
	int scale = 100;

	if (!at(c, '.') || c->pos + 1 >= c->len || !is_digit(c->p[c->pos + 1]))
		return;
	c->pos++;
	while (c->pos < c->len && is_digit(c->p[c->pos])) {
		w->ms += (c->p[c->pos] - '0') * scale;
		scale /= 10;
		c->pos++;
	}
}

static bool hms(struct cur *c, struct when *w)
{
	if ((w->hour = num(c, 2, 2)) < 0 || w->hour > 23 || !at(c, ':'))
		return false;
	c->pos++;
	if ((w->min = num(c, 2, 2)) < 0 || w->min > 59 || !at(c, ':'))
		return false;
	c->pos++;
	if ((w->sec = num(c, 2, 2)) < 0 || w->sec > 60)
		return false;
	if (w->sec == 60)
		w->sec = 59; /* a leap second, as devices send it */
	fraction(c, w);
	return true;
}

/* "+09:00", "+0900", "Z", and the zone names devices print. */
static void zone(struct cur *c, struct when *w, bool after_space)
{
	static const struct {
		const char *name;
		int64_t offset_ms;
	} names[] = { { "UTC", 0 }, { "GMT", 0 }, { "JST", 9 * 3600000LL } };
	size_t save = c->pos;

	if (after_space) {
		if (!at(c, ' '))
			return;
		c->pos++;
	}
	if (at(c, 'Z')) {
		c->pos++;
		w->has_zone = true;
		w->offset_ms = 0;
	} else if (at(c, '+') || at(c, '-')) {
		int sign = c->p[c->pos++] == '+' ? 1 : -1, h, m = 0;
		if ((h = num(c, 2, 2)) < 0 || h > 23)
			goto none;
		if (at(c, ':'))
			c->pos++;
		if ((m = num(c, 2, 2)) < 0 || m > 59)
			goto none;
		w->has_zone = true;
		w->offset_ms = sign * ((int64_t)h * 60 + m) * 60000;
	} else {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (c->pos + 3 <= c->len && !memcmp(c->p + c->pos, names[i].name, 3) &&
			    (c->pos + 3 == c->len || c->p[c->pos + 3] == ' ' ||
			     c->p[c->pos + 3] == ':')) {
				c->pos += 3;
				w->has_zone = true;
				w->offset_ms = names[i].offset_ms;
				return;
			}
		}
		goto none;
	}
	/* A zone must end the timestamp. */
	if (c->pos == c->len || at(c, ' ') || at(c, ':'))
		return;
none:
	w->has_zone = false;
	c->pos = save;
}

/* "2026-11-02T11:46:00[.fff][zone]" */
static bool iso_time(struct cur *c, struct when *w)
{
	if ((w->year = num(c, 4, 4)) < 0 || !at(c, '-'))
		return false;
	c->pos++;
	if ((w->month = num(c, 2, 2)) < 1 || w->month > 12 || !at(c, '-'))
		return false;
	c->pos++;
	if ((w->day = num(c, 2, 2)) < 1 || w->day > syslog_days_in_month(w->year, w->month) ||
	    !(at(c, 'T') || at(c, ' ')))
		return false;
	c->pos++;
	if (!hms(c, w))
		return false;
	w->has_year = true;
	zone(c, w, false);
	return true;
}

/* "Nov  2 [2026 ]11:46:00[.fff][ 2026][ zone]" */
static bool bsd_time(struct cur *c, struct when *w)
{
	if (c->pos + 3 > c->len || !(w->month = month_of(c->p + c->pos)))
		return false;
	c->pos += 3;
	if (!at(c, ' '))
		return false;
	skip_spaces(c);
	if ((w->day = num(c, 1, 2)) < 1 || w->day > 31 || !at(c, ' '))
		return false;
	c->pos++;
	/* Cisco "Mar  1 2026 00:04:37" */
	if (c->pos + 4 < c->len && is_digit(c->p[c->pos + 3]) && c->p[c->pos + 4] == ' ' &&
	    is_digit(c->p[c->pos + 2])) {
		w->year = num(c, 4, 4);
		w->has_year = w->year > 0;
		c->pos++;
	}
	if (!hms(c, w))
		return false;
	/* "... 11:46:00 2026" */
	if (!w->has_year && c->pos + 5 <= c->len && c->p[c->pos] == ' ' &&
	    is_digit(c->p[c->pos + 1]) && is_digit(c->p[c->pos + 4]) &&
	    (c->pos + 5 == c->len || c->p[c->pos + 5] == ' ' || c->p[c->pos + 5] == ':')) {
		c->pos++;
		w->year = num(c, 4, 4);
		w->has_year = true;
	}
	zone(c, w, true);
	return true;
}

/* The civil year of ms since the epoch (Howard Hinnant's civil_from_days). */
static int year_of(int64_t ms)
{
	int64_t z = (ms >= 0 ? ms : ms - 86399999) / 86400000 + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned month = mp < 10 ? mp + 3 : mp - 9;

	return (int)(yoe + era * 400 + (month <= 2));
}

static int64_t resolve(struct when *w, const struct syslog_parse_options *o, struct syslog_msg *m)
{
	int64_t offset = w->has_zone ? w->offset_ms : o->offset_ms, t;

	if (!w->has_year) {
		/* The received year in the ward's time; a date more than a week ahead was sent
		 * last year (a December message read in January). */
		int y = year_of(o->now_ms + o->offset_ms);
		w->year = y;
		if (w->day <= syslog_days_in_month(y, w->month) &&
		    syslog_civil_ms(y, w->month, w->day, w->hour, w->min, w->sec, w->ms) - offset >
		        o->now_ms + 7 * 86400000LL)
			w->year = y - 1;
		m->year_guessed = true;
	}
	if (w->day > syslog_days_in_month(w->year, w->month))
		return SYSLOG_NO_TIME; /* Feb 29 of a year without one */
	m->zone_guessed = !w->has_zone;
	t = syslog_civil_ms(w->year, w->month, w->day, w->hour, w->min, w->sec, w->ms) - offset;
	return t;
}

static bool timestamp(struct cur *c, const struct syslog_parse_options *o, struct syslog_msg *m)
{
	struct when w = { 0 };
	size_t save = c->pos;

	if (at(c, '*') || at(c, '.'))
		c->pos++;
	if (!(c->pos < c->len && is_digit(c->p[c->pos]) ? iso_time(c, &w) : bsd_time(c, &w))) {
		c->pos = save;
		return false;
	}
	if (at(c, ':'))
		c->pos++; /* Cisco "...00:04:37.331: %SYS-5-..." */
	m->time_ms = resolve(&w, o, m);
	return true;
}

/* A hostname or IP as devices send it: letters, digits, '.', '-', '_', ':' (IPv6). */
static size_t host_token(const struct cur *c)
{
	size_t i = c->pos;

	while (i < c->len && i - c->pos <= SYSLOG_MAX_HOSTNAME) {
		char ch = c->p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
		      ch == '.' || ch == '-' || ch == '_' || ch == ':'))
			break;
		i++;
	}
	return i - c->pos;
}

/* TAG: up to 48 characters of [A-Za-z0-9_./%-], then "[PID]:" or ":" (or a space). */
static void tag(struct cur *c, struct syslog_msg *m)
{
	size_t i = c->pos, start = c->pos;

	while (i < c->len && i - start < SYSLOG_MAX_APPNAME) {
		char ch = c->p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
		      ch == '_' || ch == '.' || ch == '/' || ch == '%' || ch == '-'))
			break;
		i++;
	}
	if (i == start)
		return;
	if (i < c->len && c->p[i] == '[') {
		size_t pid = i + 1, e = pid;
		while (e < c->len && e - pid < SYSLOG_MAX_PROCID && c->p[e] != ']' &&
		       c->p[e] != ' ')
			e++;
		if (e < c->len && c->p[e] == ']' && e > pid) {
			m->app.p = c->p + start;
			m->app.n = i - start;
			m->procid.p = c->p + pid;
			m->procid.n = e - pid;
			c->pos = e + 1;
			if (at(c, ':'))
				c->pos++;
			if (at(c, ' '))
				c->pos++;
			return;
		}
		return;
	}
	if (i < c->len && c->p[i] == ':') {
		m->app.p = c->p + start;
		m->app.n = i - start;
		c->pos = i + 1;
		if (at(c, ' '))
			c->pos++;
	}
}

int syslog_parse_3164(const char *p, size_t len, const struct syslog_parse_options *o,
                      struct syslog_msg *m)
{
	struct cur c = { .p = p, .len = len };
	bool ts;
	int v;

	if (!at(&c, '<')) {
		m->error = "no PRI";
		return -EINVAL;
	}
	c.pos++;
	v = num(&c, 1, 3);
	if (v < 0 || v > 191 || !at(&c, '>')) {
		m->error = "invalid PRI";
		return -EINVAL;
	}
	c.pos++;
	m->pri = v;
	/* Cisco: "<189>000123: " and "<189>123: router1: " before the timestamp. */
	{
		size_t save = c.pos;
		if (num(&c, 1, 12) >= 0 && at(&c, ':') && c.pos + 1 < len && p[c.pos + 1] == ' ')
			c.pos += 2;
		else
			c.pos = save;
	}
	ts = timestamp(&c, o, m);
	if (!ts) {
		size_t n = host_token(&c);
		size_t save = c.pos;
		/* The token takes a ':' (IPv6): "router1: " ends at the colon before the space. */
		if (n > 1 && p[c.pos + n - 1] == ':' && c.pos + n < len && p[c.pos + n] == ' ')
			n--;
		if (n > 0 && c.pos + n + 1 < len && p[c.pos + n] == ':' &&
		    p[c.pos + n + 1] == ' ') {
			struct syslog_span h = { p + c.pos, n };
			c.pos += n + 2;
			ts = timestamp(&c, o, m);
			if (ts)
				m->host = h;
			else
				c.pos = save;
		}
	}
	skip_spaces(&c);
	if (ts && !m->host.n) {
		/* HOSTNAME: a token followed by a space that is not itself the TAG. */
		size_t n = host_token(&c);
		if (n > 0 && c.pos + n < len && p[c.pos + n] == ' ' && p[c.pos + n - 1] != ':') {
			m->host.p = p + c.pos;
			m->host.n = n;
			c.pos += n + 1;
		}
	}
	tag(&c, m);
	m->msg.p = p + c.pos;
	m->msg.n = len - c.pos;
	m->format = SYSLOG_3164;
	return 0;
}

int syslog_parse_time(const char *p, size_t len, const struct syslog_parse_options *o,
                      int64_t *ret_ms)
{
	struct cur c = { .p = p, .len = len };
	struct syslog_msg m = { 0 };

	if (!timestamp(&c, o, &m) || c.pos != len || m.time_ms == SYSLOG_NO_TIME)
		return -EINVAL;
	*ret_ms = m.time_ms;
	return 0;
}
