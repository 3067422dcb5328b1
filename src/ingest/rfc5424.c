/* rfc5424: the syslog protocol (RFC 5424 §6) parsed strictly, and what every format shares. */
#include <errno.h>
#include <string.h>

#include "base/utf8.h"
#include "ingest/syslog.h"

/* ---- shared ---------------------------------------------------------------------------- */

static const char *const facilities[24] = {
	"kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
	"uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "clock",
	"local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
};
static const char *const severities[8] = { "emerg",   "alert",  "crit", "err",
	                                   "warning", "notice", "info", "debug" };

const char *syslog_facility_name(int pri)
{
	return pri >= 0 && pri <= 191 ? facilities[pri / 8] : NULL;
}

const char *syslog_severity_name(int pri)
{
	return pri >= 0 && pri <= 191 ? severities[pri % 8] : NULL;
}

int syslog_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* Days from 1970-01-01 to a civil date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int64_t syslog_civil_ms(int year, int month, int day, int hour, int min, int sec, int ms)
{
	int64_t days = days_from_civil(year, (unsigned)month, (unsigned)day);

	return ((days * 24 + hour) * 60 + min) * 60000 + (int64_t)sec * 1000 + ms;
}

/*
 * An empty message, field by field: GCC compiles a memset of the 136 bytes to `rep stosq`,
 * whose start costs about 13 ns, ten more than these stores, for every message the analysis
 * and the follower read. A new field of struct syslog_msg must be set here too
 * (tests/unit/ingest/test-syslog.c parses into a message left full of other bytes).
 */
static void msg_clear(struct syslog_msg *m)
{
	struct syslog_span *spans[] = { &m->host, &m->app, &m->procid, &m->msgid, &m->sd, &m->msg };

	m->format = SYSLOG_RAW;
	m->pri = SYSLOG_NO_PRI;
	m->time_ms = SYSLOG_NO_TIME;
	m->year_guessed = false;
	m->zone_guessed = false;
	/*
	 * Each span set by stores of its own: `host = app = ... = msg = none` made GCC store msg
	 * with two 8-byte stores and read it back with one 16-byte load for the others, a load
	 * that waits for both stores to finish (they cannot be forwarded to it): half of this
	 * function's time.
	 */
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		spans[i]->p = NULL;
		spans[i]->n = 0;
	}
	m->bom = false;
	m->error = NULL;
}

void syslog_parse(const void *raw, size_t len, const struct syslog_parse_options *o,
                  struct syslog_msg *ret)
{
	const char *p = raw;
	size_t i = 1;

	msg_clear(ret);
	/* "<PRI>1 " is RFC 5424: then strictly that. */
	while (i < len && i < 5 && p[i] >= '0' && p[i] <= '9')
		i++;
	if (len > 0 && p[0] == '<' && i > 1 && i + 2 < len && p[i] == '>' && p[i + 1] == '1' &&
	    p[i + 2] == ' ') {
		if (syslog_parse_5424(p, len, ret) == 0)
			return;
	} else if (syslog_parse_3164(p, len, o, ret) == 0) {
		return;
	}
	/* Kept raw: the whole message, and why. */
	{
		const char *why = ret->error;
		msg_clear(ret);
		ret->msg.p = p;
		ret->msg.n = len;
		ret->error = why ? why : "not a syslog message";
	}
}

/* ---- RFC 5424 ---------------------------------------------------------------------------- */

struct cur {
	const char *p;
	size_t len, pos;
	struct syslog_msg *m;
};

static int fail(struct cur *c, const char *why)
{
	c->m->error = why;
	return -EINVAL;
}

static bool at(const struct cur *c, char ch)
{
	return c->pos < c->len && c->p[c->pos] == ch;
}

static int expect_sp(struct cur *c, const char *why)
{
	if (!at(c, ' '))
		return fail(c, why);
	c->pos++;
	return 0;
}

/* PRI: "<" 1*3DIGIT ">", 0..191. Returns the value or -1. */
static int pri(struct cur *c)
{
	int v = 0, n = 0;

	if (!at(c, '<'))
		return -1;
	c->pos++;
	while (c->pos < c->len && n < 4 && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
		v = v * 10 + (c->p[c->pos++] - '0');
		n++;
	}
	if (n == 0 || n > 3 || v > 191 || !at(c, '>'))
		return -1;
	c->pos++;
	return v;
}

/* n decimal digits exactly; -1 if not. */
static int digits(struct cur *c, int n)
{
	int v = 0;

	if (c->pos + (size_t)n > c->len)
		return -1;
	for (int i = 0; i < n; i++) {
		char ch = c->p[c->pos + (size_t)i];
		if (ch < '0' || ch > '9')
			return -1;
		v = v * 10 + (ch - '0');
	}
	c->pos += (size_t)n;
	return v;
}

static bool take(struct cur *c, char ch)
{
	if (!at(c, ch))
		return false;
	c->pos++;
	return true;
}

/* TIMESTAMP = NILVALUE / FULL-DATE "T" FULL-TIME (RFC 5424 §6.2.3; no leap second). */
static int timestamp(struct cur *c)
{
	int y, mo, d, h, mi, s, ms = 0, sign = 0, oh = 0, om = 0;

	if (at(c, '-') && (c->pos + 1 == c->len || c->p[c->pos + 1] == ' ')) {
		c->pos++;
		return 0;
	}
	y = digits(c, 4);
	if (y < 0 || !take(c, '-') || (mo = digits(c, 2)) < 1 || mo > 12 || !take(c, '-') ||
	    (d = digits(c, 2)) < 1 || d > syslog_days_in_month(y, mo) || !take(c, 'T') ||
	    (h = digits(c, 2)) < 0 || h > 23 || !take(c, ':') || (mi = digits(c, 2)) < 0 ||
	    mi > 59 || !take(c, ':') || (s = digits(c, 2)) < 0 || s > 59)
		return fail(c, "invalid TIMESTAMP");
	if (take(c, '.')) {
		int n = 0, scale = 100;
		while (c->pos < c->len && c->p[c->pos] >= '0' && c->p[c->pos] <= '9' && n < 7) {
			ms += (c->p[c->pos] - '0') * scale;
			scale /= 10;
			c->pos++;
			n++;
		}
		if (n == 0 || n > 6)
			return fail(c, "invalid TIME-SECFRAC (1 to 6 digits)");
	}
	if (take(c, 'Z')) {
		sign = 0;
	} else if (at(c, '+') || at(c, '-')) {
		sign = c->p[c->pos++] == '+' ? 1 : -1;
		if ((oh = digits(c, 2)) < 0 || oh > 23 || !take(c, ':') ||
		    (om = digits(c, 2)) < 0 || om > 59)
			return fail(c, "invalid TIME-OFFSET");
	} else {
		return fail(c, "TIMESTAMP without TIME-OFFSET");
	}
	c->m->time_ms = syslog_civil_ms(y, mo, d, h, mi, s, ms) -
	                (int64_t)sign * ((int64_t)oh * 60 + om) * 60000;
	return 0;
}

/* A header field: NILVALUE or 1..max PRINTUSASCII (33..126). */
static int field(struct cur *c, size_t max, struct syslog_span *ret, const char *why)
{
	size_t start = c->pos;

	while (c->pos < c->len && c->p[c->pos] >= 33 && c->p[c->pos] <= 126)
		c->pos++;
	if (c->pos == start || c->pos - start > max)
		return fail(c, why);
	if (c->pos - start == 1 && c->p[start] == '-')
		return 0; /* NILVALUE */
	ret->p = c->p + start;
	ret->n = c->pos - start;
	return 0;
}

/* SD-NAME: 1..32 PRINTUSASCII except '=', SP, ']', '"'. */
static int sd_name(struct cur *c)
{
	size_t start = c->pos;

	while (c->pos < c->len) {
		unsigned char ch = (unsigned char)c->p[c->pos];
		if (ch < 33 || ch > 126 || ch == '=' || ch == ']' || ch == '"')
			break;
		c->pos++;
	}
	if (c->pos == start || c->pos - start > SYSLOG_MAX_SDNAME)
		return fail(c, "invalid SD-NAME");
	return 0;
}

/*
 * PARAM-VALUE up to the closing '"': UTF-8, with '"', '\' and ']' escaped by '\' (§6.3.3).
 * An unescaped ']' is refused: a strict reader cannot tell it from the element's end.
 */
static int param_value(struct cur *c)
{
	size_t start = c->pos;

	while (c->pos < c->len) {
		char ch = c->p[c->pos];
		if (ch == '\\') {
			c->pos += c->pos + 1 < c->len ? 2 : 1;
			continue;
		}
		if (ch == '"')
			break;
		if (ch == ']')
			return fail(c, "unescaped ']' in PARAM-VALUE");
		c->pos++;
	}
	if (c->pos >= c->len)
		return fail(c, "PARAM-VALUE without its closing '\"'");
	if (!utf8_valid(c->p + start, c->pos - start))
		return fail(c, "PARAM-VALUE is not UTF-8");
	c->pos++; /* the closing quote */
	return 0;
}

/* STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT. */
static int structured_data(struct cur *c)
{
	size_t start = c->pos;

	if (at(c, '-')) {
		c->pos++;
		return 0;
	}
	if (!at(c, '['))
		return fail(c, "invalid STRUCTURED-DATA");
	while (at(c, '[')) {
		c->pos++;
		if (sd_name(c) < 0)
			return -EINVAL;
		while (take(c, ' ')) {
			if (sd_name(c) < 0)
				return -EINVAL;
			if (!take(c, '=') || !take(c, '"'))
				return fail(c, "SD-PARAM without '=\"'");
			if (param_value(c) < 0)
				return -EINVAL;
		}
		if (!take(c, ']'))
			return fail(c, "SD-ELEMENT without its closing ']'");
	}
	c->m->sd.p = c->p + start;
	c->m->sd.n = c->pos - start;
	return 0;
}

int syslog_parse_5424(const char *p, size_t len, struct syslog_msg *m)
{
	struct cur c = { .p = p, .len = len, .m = m };

	m->pri = pri(&c);
	if (m->pri < 0)
		return fail(&c, "invalid PRI");
	if (!take(&c, '1'))
		return fail(&c, "unknown VERSION");
	if (expect_sp(&c, "no SP after VERSION") < 0 || timestamp(&c) < 0 ||
	    expect_sp(&c, "no SP after TIMESTAMP") < 0 ||
	    field(&c, SYSLOG_MAX_HOSTNAME, &m->host, "invalid HOSTNAME") < 0 ||
	    expect_sp(&c, "no SP after HOSTNAME") < 0 ||
	    field(&c, SYSLOG_MAX_APPNAME, &m->app, "invalid APP-NAME") < 0 ||
	    expect_sp(&c, "no SP after APP-NAME") < 0 ||
	    field(&c, SYSLOG_MAX_PROCID, &m->procid, "invalid PROCID") < 0 ||
	    expect_sp(&c, "no SP after PROCID") < 0 ||
	    field(&c, SYSLOG_MAX_MSGID, &m->msgid, "invalid MSGID") < 0 ||
	    expect_sp(&c, "no SP after MSGID") < 0 || structured_data(&c) < 0)
		return -EINVAL;
	if (c.pos < len) {
		if (expect_sp(&c, "no SP before MSG") < 0)
			return -EINVAL;
		if (len - c.pos >= 3 && !memcmp(p + c.pos, "\xEF\xBB\xBF", 3)) {
			c.pos += 3;
			m->bom = true;
			if (!utf8_valid(p + c.pos, len - c.pos))
				return fail(&c, "MSG after the BOM is not UTF-8");
		}
		m->msg.p = p + c.pos;
		m->msg.n = len - c.pos;
	}
	m->format = SYSLOG_5424;
	return 0;
}

/* ---- walking STRUCTURED-DATA --------------------------------------------------------------- */

static size_t sd_name_end(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] != '=' && p[i] != ' ' && p[i] != ']' && p[i] != '"')
		i++;
	return i;
}

void syslog_sd_iter_init(struct syslog_sd_iter *it, struct syslog_span sd)
{
	memset(it, 0, sizeof(*it));
	it->sd = sd;
}

int syslog_sd_next(struct syslog_sd_iter *it, struct syslog_sd_param *ret)
{
	const char *p = it->sd.p;
	size_t n = it->sd.n, i = it->pos, e;

	memset(ret, 0, sizeof(*ret));
	if (i < n && p[i] == ']')
		i++; /* the end of the element just read */
	if (i >= n)
		return 0;
	if (p[i] == '[') {
		e = sd_name_end(p, n, i + 1);
		it->id.p = p + i + 1;
		it->id.n = e - (i + 1);
		ret->id = it->id;
		if (e >= n || p[e] == ']') {
			it->pos = e; /* an element without params */
			return 1;
		}
		i = e;
	}
	ret->id = it->id;
	/* p[i] == ' ': a param follows (the span was validated by the parser). */
	i++;
	e = sd_name_end(p, n, i);
	ret->name.p = p + i;
	ret->name.n = e - i;
	i = e + 2; /* '=' '"' */
	if (i > n)
		i = n;
	ret->value.p = p + i;
	while (i < n && p[i] != '"')
		i += p[i] == '\\' && i + 1 < n ? 2 : 1;
	ret->value.n = (size_t)(p + i - ret->value.p);
	it->pos = i + 1; /* after the closing quote: ' ' or ']' */
	return 1;
}

void syslog_sd_unescape(struct syslog_span v, struct strbuf *out)
{
	for (size_t i = 0; i < v.n; i++) {
		if (v.p[i] == '\\' && i + 1 < v.n &&
		    (v.p[i + 1] == '"' || v.p[i + 1] == '\\' || v.p[i + 1] == ']')) {
			strbuf_addch(out, v.p[i + 1]);
			i++;
		} else {
			strbuf_addch(out, v.p[i]);
		}
	}
}
