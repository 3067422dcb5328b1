/* test-syslog: RFC 5424 read strictly, RFC 3164 and device formats read leniently, else kept raw.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "ingest/event.h"
#include "ingest/syslog.h"

/* 2026-11-22 12:00:00 UTC: what "now" is for timestamps without a year. */
#define NOW    1795348800000LL
#define TOKYO  (9LL * 3600 * 1000)
#define LIT(s) (s), sizeof(s) - 1
#define SPAN_EQ(sp, lit)                                                                           \
	do {                                                                                       \
		assert_int_equal((sp).n, strlen(lit));                                             \
		assert_memory_equal((sp).p, (lit), strlen(lit));                                   \
	} while (0)

static const struct syslog_parse_options opts = { .now_ms = NOW, .offset_ms = TOKYO };

static void parse(const char *s, size_t n, struct syslog_msg *m)
{
	syslog_parse(s, n, &opts, m);
}

/* RFC 5424 §6.5's examples. */
static void rfc5424_examples(void **state)
{
	static const char ex1[] =
	    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
	    "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8";
	static const char ex2[] = "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - "
	                          "- %% It's time to make the do-nuts.";
	static const char ex3[] =
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	    "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	    "eventID=\"1011\"] \xEF\xBB\xBF"
	    "An application event log entry...";
	static const char ex4[] =
	    "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	    "ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
	    "eventID=\"1011\"][examplePriority@32473 class=\"high\"]";
	struct syslog_msg m;

	parse(LIT(ex1), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	assert_int_equal(m.pri, 34);
	assert_string_equal(syslog_facility_name(m.pri), "auth");
	assert_string_equal(syslog_severity_name(m.pri), "crit");
	assert_int_equal(m.time_ms, 1065910455003LL);
	SPAN_EQ(m.host, "mymachine.example.com");
	SPAN_EQ(m.app, "su");
	assert_int_equal(m.procid.n, 0);
	SPAN_EQ(m.msgid, "ID47");
	assert_int_equal(m.sd.n, 0);
	assert_true(m.bom);
	SPAN_EQ(m.msg, "'su root' failed for lonvick on /dev/pts/8");

	parse(LIT(ex2), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	/* 05:14:15.000003 at -07:00 is 12:14:15.000 UTC (microseconds below a ms dropped). */
	assert_int_equal(m.time_ms, 1061727255000LL);
	SPAN_EQ(m.host, "192.0.2.1");
	SPAN_EQ(m.procid, "8710");
	assert_false(m.bom);
	SPAN_EQ(m.msg, "%% It's time to make the do-nuts.");

	parse(LIT(ex3), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	SPAN_EQ(m.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
	SPAN_EQ(m.msg, "An application event log entry...");

	parse(LIT(ex4), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	assert_int_equal(m.msg.n, 0);
	{
		struct syslog_sd_iter it;
		struct syslog_sd_param p;
		int n = 0;
		syslog_sd_iter_init(&it, m.sd);
		while (syslog_sd_next(&it, &p) > 0) {
			n++;
			if (n == 4) {
				SPAN_EQ(p.id, "examplePriority@32473");
				SPAN_EQ(p.name, "class");
				SPAN_EQ(p.value, "high");
			}
		}
		assert_int_equal(n, 4);
	}
}

static void rfc5424_sd_escapes(void **state)
{
	static const char s[] = "<13>1 2026-11-22T02:46:00Z h a - - [x@1 a=\"q\\\"uote\" "
	                        "b=\"back\\\\slash\" c=\"br\\]acket\" d=\"other\\n\"][y@1] m";
	struct syslog_msg m;
	struct syslog_sd_iter it;
	struct syslog_sd_param p;
	struct strbuf v = STRBUF_INIT;
	const char *want[] = { "q\"uote", "back\\slash", "br]acket", "other\\n" };
	int n = 0;

	parse(LIT(s), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	syslog_sd_iter_init(&it, m.sd);
	while (syslog_sd_next(&it, &p) > 0) {
		if (n < 4) {
			strbuf_reset(&v);
			syslog_sd_unescape(p.value, &v);
			assert_string_equal(v.buf, want[n]);
		} else {
			/* [y@1]: an element without params. */
			SPAN_EQ(p.id, "y@1");
			assert_int_equal(p.name.n, 0);
		}
		n++;
	}
	assert_int_equal(n, 5);
	SPAN_EQ(m.msg, "m");
	strbuf_release(&v);
}

/* Strict: anything off the grammar is kept raw, with the reason. */
static void rfc5424_strict(void **state)
{
	static const struct {
		const char *in;
		const char *why;
	} bad[] = {
		{ "<192>1 2026-11-22T02:46:00Z h a - - - m", "PRI" },
		{ "<13>1 2026-11-22T02:46:60Z h a - - - m", "TIMESTAMP" },  /* no leap second */
		{ "<13>1 2026-02-29T02:46:00Z h a - - - m", "TIMESTAMP" },  /* 2026: no Feb 29 */
		{ "<13>1 2026-11-22t02:46:00Z h a - - - m", "TIMESTAMP" },  /* lowercase t */
		{ "<13>1 2026-11-22T02:46:00 h a - - - m", "TIME-OFFSET" }, /* no zone */
		{ "<13>1 2026-11-22T02:46:00.1234567Z h a - - - m", "SECFRAC" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - [x@1 a=\"]\"] m", "']'" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - [x@1 a=\"v m", "'\"'" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - [x a] m", "'=\"'" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - x m", "STRUCTURED-DATA" },
		{ "<13>1 2026-11-22T02:46:00Z h  a - - - m", "APP-NAME" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - -", NULL }, /* valid: no MSG */
		{ "<13>1 2026-11-22T02:46:00Z h a - - -m", "SP before MSG" },
		{ "<13>1 2026-11-22T02:46:00Z h a - - - \xEF\xBB\xBFok\xff", "UTF-8" },
		{ "<13>1 2026-11-22T02:46:00Z h aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa "
		  "- - - m",
		  "APP-NAME" }, /* 49 > 48 */
	};
	struct syslog_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i].in, strlen(bad[i].in), &m);
		if (!bad[i].why) {
			assert_int_equal(m.format, SYSLOG_5424);
			continue;
		}
		if (m.format != SYSLOG_RAW)
			fail_msg("'%s' parsed, want raw (%s)", bad[i].in, bad[i].why);
		/* Kept whole, with why. */
		assert_int_equal(m.msg.n, strlen(bad[i].in));
		assert_non_null(m.error);
		if (!strstr(m.error, bad[i].why) && strcmp(bad[i].why, "PRI"))
			fail_msg("'%s': error '%s' does not mention %s", bad[i].in, m.error,
			         bad[i].why);
	}
	/* Invalid UTF-8 without a BOM is MSG-ANY: accepted as is. */
	parse(LIT("<13>1 2026-11-22T02:46:00Z h a - - - \xff\xfe bytes"), &m);
	assert_int_equal(m.format, SYSLOG_5424);
	assert_int_equal(m.msg.n, 8);
}

static void raw_kept(void **state)
{
	struct syslog_msg m;

	parse(LIT("no pri at all"), &m);
	assert_int_equal(m.format, SYSLOG_RAW);
	assert_string_equal(m.error, "no PRI");
	SPAN_EQ(m.msg, "no pri at all");
	parse(LIT("<999>Nov 22 11:46:00 h t: m"), &m);
	assert_int_equal(m.format, SYSLOG_RAW);
	parse(LIT(""), &m);
	assert_int_equal(m.format, SYSLOG_RAW);
	assert_int_equal(m.msg.n, 0);
}

static void rfc3164(void **state)
{
	struct syslog_msg m;

	/* The year is the received one; the zone the ward's (Tokyo). */
	parse(LIT("<38>Nov 22 11:46:00 web01 sshd[123]: Failed password for bob"), &m);
	assert_int_equal(m.format, SYSLOG_3164);
	assert_int_equal(m.pri, 38);
	assert_int_equal(m.time_ms, 1795315560000LL); /* 2026-11-22 11:46 JST = 02:46 UTC */
	assert_true(m.year_guessed);
	assert_true(m.zone_guessed);
	SPAN_EQ(m.host, "web01");
	SPAN_EQ(m.app, "sshd");
	SPAN_EQ(m.procid, "123");
	SPAN_EQ(m.msg, "Failed password for bob");

	/* A single-digit day padded with a space, no PID. */
	parse(LIT("<13>Nov  2 09:00:00 db01 cron: job ran"), &m);
	assert_int_equal(m.format, SYSLOG_3164);
	SPAN_EQ(m.host, "db01");
	SPAN_EQ(m.app, "cron");
	SPAN_EQ(m.msg, "job ran");

	/* December read in late November of the next year... is still this year; a date more
	 * than a week ahead belongs to the year before. */
	parse(LIT("<13>Dec 31 23:59:59 h t: m"), &m);
	assert_int_equal(m.time_ms, 1767193199000LL); /* 2025-12-31 23:59:59 JST */

	/* No TAG: all of it is the content. */
	parse(LIT("<13>Nov 22 11:46:00 h just some text"), &m);
	SPAN_EQ(m.host, "h");
	assert_int_equal(m.app.n, 0);
	SPAN_EQ(m.msg, "just some text");

	/* No timestamp at all: no hostname either (RFC 3164 §4.3.3), the rest is content. */
	parse(LIT("<13>sudo: alice : TTY=pts/0"), &m);
	assert_int_equal(m.format, SYSLOG_3164);
	assert_int_equal(m.time_ms, SYSLOG_NO_TIME);
	SPAN_EQ(m.app, "sudo");
	SPAN_EQ(m.msg, "alice : TTY=pts/0");

	/* RFC 3339 timestamps (rsyslog's forwarding format), with and without a zone. */
	parse(LIT("<13>2026-11-22T11:46:00.123+09:00 h t: m"), &m);
	assert_int_equal(m.time_ms, 1795315560123LL);
	assert_false(m.zone_guessed);
	parse(LIT("<13>2026-11-22T11:46:00 h t: m"), &m);
	assert_int_equal(m.time_ms, 1795315560000LL);
	assert_true(m.zone_guessed);
}

static void cisco(void **state)
{
	struct syslog_msg m;

	/* Sequence number, '*' for an unsynchronised clock, milliseconds, ':' after the time. */
	parse(LIT("<189>46: *Nov 22 11:46:00.331: %SYS-5-CONFIG_I: Configured from console"), &m);
	assert_int_equal(m.format, SYSLOG_3164);
	assert_int_equal(m.time_ms, 1795315560331LL);
	SPAN_EQ(m.app, "%SYS-5-CONFIG_I");
	SPAN_EQ(m.msg, "Configured from console");
	/* Origin hostname before the time, with a zone name. */
	parse(LIT("<189>47: rtr1: Nov 22 02:46:00 UTC: %LINK-3-UPDOWN: Interface Gi0/1, changed"),
	      &m);
	assert_int_equal(m.format, SYSLOG_3164);
	SPAN_EQ(m.host, "rtr1");
	assert_int_equal(m.time_ms, 1795315560000LL);
	assert_false(m.zone_guessed);
	SPAN_EQ(m.app, "%LINK-3-UPDOWN");
	/* A year in the timestamp. */
	parse(LIT("<189>Nov 22 2026 11:46:00 JST: %SYS-5-RESTART: System restarted"), &m);
	assert_int_equal(m.time_ms, 1795315560000LL);
	assert_false(m.year_guessed);
}

static void iso_time_alone(void **state)
{
	int64_t t;

	assert_int_equal(syslog_parse_time(LIT("2026-11-22T02:46:44.1234567Z"), &opts, &t), 0);
	assert_int_equal(t, 1795315604123LL);
	assert_int_equal(syslog_parse_time(LIT("Nov 22 11:46:00"), &opts, &t), 0);
	assert_int_equal(t, 1795315560000LL);
	assert_int_equal(syslog_parse_time(LIT("yesterday"), &opts, &t), -EINVAL);
}

/* (the same text: a JSON message's spans point into its own object) */
static void span_same(struct syslog_span a, struct syslog_span b)
{
	assert_int_equal(a.n, b.n);
	if (a.n)
		assert_memory_equal(a.p, b.p, a.n);
}

static void msg_same(const struct syslog_msg *a, const struct syslog_msg *b)
{
	assert_int_equal(a->format, b->format);
	assert_int_equal(a->pri, b->pri);
	assert_true(a->time_ms == b->time_ms);
	assert_int_equal(a->year_guessed, b->year_guessed);
	assert_int_equal(a->zone_guessed, b->zone_guessed);
	span_same(a->host, b->host);
	span_same(a->app, b->app);
	span_same(a->procid, b->procid);
	span_same(a->msgid, b->msgid);
	span_same(a->sd, b->sd);
	span_same(a->msg, b->msg);
	assert_int_equal(a->bom, b->bom);
	assert_ptr_equal(a->error, b->error);
}

/*
 * The parser and log_event_read set every field themselves (no memset: src/ingest/rfc5424.c,
 * event.c): reading into a message or an event left full of other bytes gives what reading
 * into a cleared one gives, for each format and for one kept raw.
 */
static void read_into_used(void **state)
{
	static const struct {
		const char *via, *text;
	} cases[] = {
		{ "tcp",
		  "<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 [a b=\"c\"] \xEF\xBB\xBFhi" },
		{ "udp",
		  "<13>Nov 22 11:46:00 host1 sshd[42]: Failed password for root from 192.0.2.9" },
		{ "tcp", "<189>31: *Nov 22 02:46:44.123: %SYS-5-CONFIG_I: Configured" },
		{ "tcp", "no pri at all" },
		{ "http", "{\"host\":\"web01\",\"message\":\"login\",\"user\":\"sato\"}" },
		{ "http", "not json" },
	};
	static struct log_event clean, used;
	struct syslog_msg m1, m2;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct log_origin o = { .via = cases[i].via, .peer = "192.0.2.7:51514" };
		struct strbuf pl = STRBUF_INIT;
		size_t n = strlen(cases[i].text);

		memset(&m1, 0, sizeof(m1));
		memset(&m2, 0xa5, sizeof(m2));
		parse(cases[i].text, n, &m1);
		parse(cases[i].text, n, &m2);
		msg_same(&m1, &m2);

		log_payload_build(&pl, &o, "tcp:192.0.2.7", 0, cases[i].text, n);
		memset(&clean, 0, sizeof(clean));
		memset(&used, 0xa5, sizeof(used));
		log_event_read(&clean, 7, NOW, "tcp:192.0.2.7", pl.buf, pl.len, TOKYO);
		log_event_read(&used, 7, NOW, "tcp:192.0.2.7", pl.buf, pl.len, TOKYO);
		assert_true(clean.index == used.index && clean.received_ms == used.received_ms);
		assert_true(clean.time_ms == used.time_ms);
		assert_ptr_equal(clean.source, used.source);
		msg_same(&clean.msg, &used.msg);
		assert_int_equal(clean.json != NULL, used.json != NULL);
		if (clean.json)
			assert_true(json_equal(clean.json, used.json));
		assert_ptr_equal(clean.fields.event, used.fields.event);
		span_same(clean.fields.user, used.fields.user);
		span_same(clean.fields.target_user, used.fields.target_user);
		span_same(clean.fields.src_ip, used.fields.src_ip);
		span_same(clean.fields.command, used.fields.command);
		assert_string_equal(clean.host, used.host);
		log_event_release(&clean);
		log_event_release(&used);
		strbuf_release(&pl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc5424_examples), cmocka_unit_test(rfc5424_sd_escapes),
		cmocka_unit_test(rfc5424_strict),   cmocka_unit_test(raw_kept),
		cmocka_unit_test(rfc3164),          cmocka_unit_test(cisco),
		cmocka_unit_test(iso_time_alone),   cmocka_unit_test(read_into_used),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
