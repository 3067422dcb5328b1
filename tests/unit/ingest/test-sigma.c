/* test-sigma: the rule subset: loading with clear errors, selections, modifiers, conditions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "base/timeutil.h"
#include "ingest/event.h"
#include "monitor/anyof.h"
#include "monitor/fields.h"
#include "monitor/monitor.h"
#include "monitor/sigma.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

/* A message as a list of field=value pairs. */
struct fields {
	const char *const *kv;
};

static const char *field(const void *ctx, const char *name, struct strbuf *buf, size_t *len)
{
	const struct fields *f = ctx;

	for (size_t i = 0; f->kv[i]; i += 2) {
		if (!strcmp(f->kv[i], name)) {
			*len = strlen(f->kv[i + 1]);
			return f->kv[i + 1];
		}
	}
	return NULL;
}

static const struct sigma_rule *load_one(struct sigma_set *set, const char *yaml)
{
	struct strbuf err = STRBUF_INIT;

	if (sigma_load(set, "t.yml", yaml, strlen(yaml), &err) < 0 || sigma_link(set, &err) < 0)
		fail_msg("load: %s", err.buf);
	strbuf_release(&err);
	return &set->rules[set->nr - 1];
}

static bool matches(const struct sigma_rule *r, const char *const *kv)
{
	struct fields f = { kv };
	return sigma_match(r, field, &f);
}

/* Counts the fields asked for. */
struct counted {
	struct fields f;
	unsigned *asked;
};

static const char *counted_field(const void *ctx, const char *name, struct strbuf *buf, size_t *len)
{
	const struct counted *c = ctx;
	(*c->asked)++;
	return field(&c->f, name, buf, len);
}

/*
 * With a cache, a message's fields are fetched once for every rule that looks at them (and
 * lowercased once); after a reset the next message's fields are read, never the last one's.
 */
static void cached_fields(void **state)
{
	struct sigma_set set = { 0 };
	struct sigma_cache *c = sigma_cache_new();
	const struct sigma_rule *a, *b, *k;
	unsigned asked1 = 0, asked2 = 0;
	struct counted m1 = { { (const char *[]){ "message", "Malware FOUND here", "app", "x",
		                                  "raw", "<1>raw Virus", NULL } },
		              &asked1 };
	struct counted m2 = { { (const char *[]){ "message", "all quiet", NULL } }, &asked2 };

	load_one(&set, "title: a\nid: a\ndetection:\n  s:\n    message|contains: malware found\n"
	               "  condition: s\n");
	load_one(&set, "title: b\nid: b\ndetection:\n  s:\n    message|endswith: here\n"
	               "    app: x\n  condition: s\n");
	load_one(&set, "title: k\nid: k\ndetection:\n  kw:\n    - virus\n  condition: kw\n");
	a = &set.rules[0];
	b = &set.rules[1];
	k = &set.rules[2];
	sigma_cache_reset(c);
	assert_true(sigma_match_cached(a, counted_field, &m1, c));
	assert_true(sigma_match_cached(b, counted_field, &m1, c));
	assert_true(sigma_match_cached(k, counted_field, &m1, c));
	assert_int_equal(asked1, 3); /* message, app, raw: each once */
	sigma_cache_reset(c);
	assert_false(sigma_match_cached(a, counted_field, &m2, c));
	assert_false(sigma_match_cached(b, counted_field, &m2, c));
	assert_false(sigma_match_cached(k, counted_field, &m2, c)); /* no raw: no keyword match */
	/* message and app for the prefilter (a's text, b's exact app), raw */
	assert_int_equal(asked2, 3);
	sigma_set_prefilter(&set, false);
	asked2 = 0;
	sigma_cache_reset(c);
	assert_false(sigma_match_cached(a, counted_field, &m2, c));
	assert_false(sigma_match_cached(b, counted_field, &m2, c));
	assert_false(sigma_match_cached(k, counted_field, &m2, c));
	assert_int_equal(asked2, 2); /* message, raw (b stopped at message) */
	/* the same answers without a cache */
	assert_true(sigma_match(a, field, &m1.f));
	assert_false(sigma_match(a, field, &m2.f));
	sigma_cache_free(c);
	sigma_set_release(&set);
	(void)state;
}

/* Long texts are lowercased eight bytes at a time: every letter, and nothing but letters. */
static void long_text_lowercase(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *r =
	    load_one(&set, "title: t\nid: lt\ndetection:\n  s:\n"
	                   "    message|contains: 'ウイルス [at@z] threat detected on host-01 z'\n"
	                   "  condition: s\n");

	assert_true(
	    matches(r, (const char *[]){
	                   "message", "XX ウイルス [AT@Z] THREAT DETECTED ON HOST-01 Z ;", NULL }));
	/* '@' and '[' sit beside 'A' and 'Z': they must not become '`' or '{' */
	assert_false(matches(r, (const char *[]){ "message",
	                                          "XX ウイルス `at@z{ threat detected on host-01 z",
	                                          NULL }));
	assert_false(
	    matches(r, (const char *[]){
	                   "message", "ＸＸ ウイルス [AT@Z] THREAT DETECTED ON HOST-02 Z", NULL }));
	sigma_set_release(&set);
	(void)state;
}

static void selections_and_modifiers(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *r = load_one(&set, "title: t\nid: r1\ndetection:\n"
	                                            "  sel:\n"
	                                            "    app: sshd\n"
	                                            "    message|contains: [Failed, Invalid]\n"
	                                            "  net:\n"
	                                            "    src_ip|startswith: '203.0.113.'\n"
	                                            "  trusted:\n"
	                                            "    - user|endswith: _svc\n"
	                                            "    - user|re: '^test[0-9]+$'\n"
	                                            "  condition: sel and net and not trusted\n");

	assert_true(matches(r, (const char *[]){ "app", "SSHD", "message", "xx failed yy", "src_ip",
	                                         "203.0.113.9", "user", "bob", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Accepted", "src_ip",
	                                          "203.0.113.9", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Failed", "src_ip",
	                                          "198.51.100.1", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Failed", "src_ip",
	                                          "203.0.113.9", "user", "backup_svc", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Failed", "src_ip",
	                                          "203.0.113.9", "user", "test42", NULL }));
	/* re is case-sensitive, unlike the rest. */
	assert_true(matches(r, (const char *[]){ "app", "sshd", "message", "Failed", "src_ip",
	                                         "203.0.113.9", "user", "TEST42", NULL }));
	/* Uppercase text, values at its very start and end, a value longer than the text. */
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "INVALID", "src_ip",
	                                          "203.0.113.9", "user", "BACKUP_SVC", NULL }));
	assert_true(matches(r, (const char *[]){ "app", "sshd", "message", "INVALID", "src_ip",
	                                         "203.0.113.9", "user", "SVC", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Faile", "src_ip",
	                                          "203.0.113.9", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "sshd", "message", "Failed", "src_ip",
	                                          "203.0.113", NULL }));
	sigma_set_release(&set);
}

static void wildcards_all_null_keywords(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *r;

	r = load_one(&set, "title: t\nid: w\ndetection:\n  s:\n    host: 'web-??.*'\n"
	                   "    user: null\n  condition: s\n");
	assert_true(matches(r, (const char *[]){ "host", "WEB-01.example", NULL }));
	assert_false(matches(r, (const char *[]){ "host", "web-1.example", NULL }));
	assert_false(matches(r, (const char *[]){ "host", "web-01.x", "user", "u", NULL }));
	r = load_one(&set,
	             "title: t\nid: a\ndetection:\n  s:\n    message|contains|all: [foo, bar]\n"
	             "  condition: s\n");
	assert_true(matches(r, (const char *[]){ "message", "bar then FOO", NULL }));
	assert_false(matches(r, (const char *[]){ "message", "only foo", NULL }));
	r = load_one(&set, "title: t\nid: k\ndetection:\n  kw: [segfault, 'oom*killer']\n"
	                   "  condition: kw\n");
	assert_true(matches(r, (const char *[]){ "raw", "kernel: app[1] segfault at 0", NULL }));
	assert_false(matches(r, (const char *[]){ "raw", "all fine", NULL }));
	sigma_set_release(&set);
}

/* The naive answer: memmem for each literal. */
static bool naive_any(const char *const *lit, const size_t *len, unsigned n, const char *t,
                      size_t tn)
{
	for (unsigned i = 0; i < n; i++)
		if (tn >= len[i] && memmem(t, tn, lit[i], len[i]))
			return true;
	return false;
}

/*
 * anyof finds what memmem finds in the text lowercased: random literals and texts over a
 * small alphabet (so that literals occur, overlap, and begin and end at the text's edges),
 * literal sets of 2 to 40 (hash chains), lengths 2 to 300 (the window is at most 33 bytes).
 * The texts have capitals, which anyof folds, and '@' and '`', which hash alike but are not
 * one letter in two cases; the literals are lowercase, as a rule's values are.
 */
static void anyof_as_memmem(void **state)
{
	static char store[40][300];
	const char *lit[40];
	size_t len[40];
	char text[700], low[700];
	unsigned seed = 12345, hits = 0, misses = 0, folded = 0;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		unsigned n = 2 + (seed = seed * 1103515245u + 12345u) % 39;
		unsigned maxlen = round % 10 == 0 ? 300 : 2 + (seed >> 8) % 8;
		size_t tn;
		struct anyof *a;
		for (unsigned i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			len[i] = 2 + (seed >> 8) % (maxlen - 1);
			for (size_t j = 0; j < len[i]; j++) {
				seed = seed * 1103515245u + 12345u;
				store[i][j] = "abcd@`ab"[(seed >> 16) & 7];
			}
			lit[i] = store[i];
		}
		a = anyof_new(lit, len, n);
		assert_non_null(a);
		for (int k = 0; k < 20; k++) {
			seed = seed * 1103515245u + 12345u;
			tn = (seed >> 8) % (k < 10 ? 24 : sizeof(text));
			for (size_t j = 0; j < tn; j++) {
				seed = seed * 1103515245u + 12345u;
				low[j] = "abcd@`ab"[(seed >> 16) & 7];
				/* a capital in one text of two, one letter in four */
				text[j] = k % 2 && low[j] >= 'a' && (seed >> 24) % 4 == 0
				              ? (char)(low[j] - 'a' + 'A')
				              : low[j];
			}
			bool want = naive_any(lit, len, n, low, tn);
			assert_int_equal(anyof_find(a, text, tn), want);
			*(want ? &hits : &misses) += 1;
			folded += want && k % 2 && !naive_any(lit, len, n, text, tn);
		}
		anyof_free(a);
	}
	/* both answers were asked for often, and found only with the capitals folded */
	assert_true(hits > 5000 && misses > 5000);
	assert_true(folded > 500);
	/* what one pass does not take: one literal, or one shorter than two bytes, or one
	 * with a capital (the caller then lowers the text and asks memmem) */
	assert_null(anyof_new(lit, len, 1));
	assert_null(anyof_new((const char *[]){ "virus", "Malware" }, (size_t[]){ 5, 7 }, 2));
	len[1] = 1;
	assert_null(anyof_new(lit, len, 2));
}

/* A contains list and keywords, matched in one pass, at the text's edges and in UTF-8. */
static void contains_lists(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *r;

	r = load_one(&set, "title: t\nid: w\ndetection:\n  s:\n    message|contains: [Virus found, "
	                   "Malware detected, Threat found, 駆除に失敗]\n  condition: s\n");
	assert_true(matches(r, (const char *[]){ "message", "VIRUS FOUND", NULL }));
	assert_true(matches(r, (const char *[]){ "message", "x: threat found", NULL }));
	assert_true(matches(r, (const char *[]){ "message", "Malware Detected: eicar", NULL }));
	assert_true(
	    matches(r, (const char *[]){ "message", "ファイルの駆除に失敗しました", NULL }));
	assert_false(matches(r, (const char *[]){ "message", "Virus foun", NULL }));
	assert_false(matches(r, (const char *[]){ "message", "threat   found", NULL }));
	assert_false(matches(r, (const char *[]){ "message", "", NULL }));
	assert_false(matches(r, (const char *[]){ NULL }));
	r = load_one(&set, "title: t\nid: k\ndetection:\n  kw: [segfault, oom-killer, panic]\n"
	                   "  condition: kw\n");
	assert_true(matches(r, (const char *[]){ "raw", "Kernel PANIC", NULL }));
	assert_true(matches(r, (const char *[]){ "raw", "oom-killer: x", NULL }));
	assert_false(matches(r, (const char *[]){ "raw", "oom killer", NULL }));
	sigma_set_release(&set);
}

/*
 * A rule's guard is a field condition it cannot match without, tested first; conditions on
 * one field share one interned name. The answers are those of the whole condition.
 */
static void guards(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *a, *b, *c, *d;

	(void)state;
	(void)load_one(&set, "title: t\nid: a\ndetection:\n  failure:\n    event: auth_failure\n"
	                     "    app: sshd\n  local:\n    src_ip: null\n"
	                     "  condition: failure and not local\n");
	(void)load_one(&set,
	               "title: t\nid: b\ndetection:\n  x: {app: su}\n  y: {event: privileged}\n"
	               "  z: [sudo]\n  condition: (x or z) and not x and y\n");
	(void)load_one(&set, "title: t\nid: c\ndetection:\n  x:\n    - app: su\n    - user: root\n"
	                     "  y: {event: privileged}\n  condition: x or y\n");
	d = load_one(&set,
	             "title: t\nid: d\ndetection:\n  k: [panic]\n  m: {message|contains: oops}\n"
	             "  condition: k and m\n");
	a = &set.rules[0]; /* loading more moves the rules */
	b = &set.rules[1];
	c = &set.rules[2];
	assert_non_null(a->guard);
	assert_string_equal(a->guard->field, "event");
	assert_non_null(b->guard);
	assert_string_equal(b->guard->field, "event"); /* neither (x or z) nor not x: y */
	assert_null(c->guard);                         /* or: nothing is necessary */
	assert_non_null(d->guard);
	assert_string_equal(d->guard->field, "message"); /* keywords: the map after them */
	/* the same field in two rules: one address */
	assert_ptr_equal(a->guard->key, b->guard->key);
	assert_true(matches(a, (const char *[]){ "event", "auth_failure", "app", "SSHD", "src_ip",
	                                         "192.0.2.1", NULL }));
	assert_false(matches(a, (const char *[]){ "event", "auth_failure", "app", "sshd", NULL }));
	assert_false(matches(a, (const char *[]){ "app", "sshd", "src_ip", "192.0.2.1", NULL }));
	assert_true(matches(b, (const char *[]){ "event", "privileged", "raw", "sudo: x", NULL }));
	assert_false(matches(b, (const char *[]){ "event", "privileged", "raw", "x", NULL }));
	assert_false(matches(b, (const char *[]){ "raw", "sudo: x", NULL }));
	assert_true(matches(c, (const char *[]){ "user", "root", NULL }));
	assert_true(matches(c, (const char *[]){ "event", "privileged", NULL }));
	assert_true(matches(d, (const char *[]){ "raw", "kernel panic", "message", "OOPS", NULL }));
	assert_false(matches(d, (const char *[]){ "raw", "kernel panic", "message", "ok", NULL }));
	sigma_set_release(&set);
}

static void of_them(void **state)
{
	struct sigma_set set = { 0 };
	const struct sigma_rule *r =
	    load_one(&set, "title: t\nid: o\ndetection:\n  sel_a: {app: a}\n  sel_b: {user: b}\n"
	                   "  other: {host: h}\n"
	                   "  condition: (1 of sel_* and not other) or all of them\n");

	assert_true(matches(r, (const char *[]){ "app", "a", NULL }));
	assert_false(matches(r, (const char *[]){ "app", "a", "host", "h", NULL }));
	assert_true(matches(r, (const char *[]){ "app", "a", "user", "b", "host", "h", NULL }));
	assert_false(matches(r, (const char *[]){ "host", "h", NULL }));
	sigma_set_release(&set);
}

static void load_errors(void **state)
{
	static const struct {
		const char *yaml, *want;
	} bad[] = {
		{ "title: t\ndetection: {s: {a: b}, condition: s}\n", "id" },
		{ "title: t\nid: x\ndetection: {s: {a|sortof: b}, condition: s}\n",
		  "unknown modifier" },
		{ "title: t\nid: x\ndetection: {s: {a: b}, condition: s and t}\n", "selection" },
		{ "title: t\nid: x\ndetection: {s: {a: b}, condition: (s}\n", "')'" },
		{ "title: t\nid: x\ndetection: {s: {a: b}}\n", "condition" },
		{ "title: t\nid: x\ndetection: {s: {a|re: '('}, condition: s}\n",
		  "regular expression" },
		{ "title: t\nid: x\nlevel: urgent\ndetection: {s: {a: b}, condition: s}\n",
		  "level" },
		{ "title: t\nid: x\nfoo: 1\ndetection: {s: {a: b}, condition: s}\n",
		  "unknown key 'foo'" },
		{ "title: t\nid: x\ncorrelation: {type: temporal, rules: [a], timespan: 1m, "
		  "condition: {gte: 2}}\n",
		  "event_count or value_count" },
		{ "title: t\nid: x\ncorrelation: {type: event_count, rules: [a], timespan: 1m, "
		  "condition: {lt: 2}}\n",
		  "gte or gt" },
		{ "title: t\nid: x\ncorrelation: {type: value_count, rules: [a], timespan: 1m, "
		  "condition: {gte: 2}}\n",
		  "{gte: 3, field: host}" },
		{ "title: t\nid: x\ncorrelation: {type: value_count, rules: [a], timespan: 1m, "
		  "condition: {gte: 2, field: ''}}\n",
		  "distinct values of a field" },
		{ "title: t\nid: x\nmamori: {outside_hours: {days: [mon], from: '8:30', to: "
		  "'17:00'}}\n"
		  "detection: {s: {a: b}, condition: s}\n",
		  "HH:MM" },
		{ "title: t\nid: x\nmamori: {log_gap: soon}\n", "duration" },
		{ "title: t\nid: x\nmamori: {log_gap: 1h}\n---\ntitle: u\nid: x\nmamori: {log_gap: "
		  "1h}\n",
		  "twice" },
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sigma_set set = { 0 };
		strbuf_reset(&err);
		if (sigma_load(&set, "bad.yml", bad[i].yaml, strlen(bad[i].yaml), &err) == 0)
			fail_msg("case %zu loaded", i);
		if (!strstr(err.buf, bad[i].want) || strncmp(err.buf, "bad.yml:", 8))
			fail_msg("case %zu: '%s' does not say '%s'", i, err.buf, bad[i].want);
		assert_int_equal(set.nr, 0);
		sigma_set_release(&set);
	}
	/* A correlation naming a rule that is not there: caught when linking. */
	{
		struct sigma_set set = { 0 };
		static const char y[] = "title: t\nid: c\ncorrelation: {type: event_count, rules: "
		                        "[nope], timespan: 1m, condition: {gte: 2}}\n";
		assert_int_equal(sigma_load(&set, "c.yml", y, sizeof(y) - 1, &err), 0);
		assert_int_equal(sigma_link(&set, &err), -EINVAL);
		assert_non_null(strstr(err.buf, "nope"));
		sigma_set_release(&set);
	}
	strbuf_release(&err);
}

/* The shipped rules of both profiles load, and a later file replaces a rule by its id. */
static void shipped_and_override(void **state)
{
	struct sigma_set set = { 0 };
	struct strbuf err = STRBUF_INIT;
	static const char over[] = "title: 止めた\nid: log-gap\nstatus: deprecated\nmamori: "
	                           "{log_gap: 2h}\n";
	size_t n;

	assert_int_equal(monitor_rules_load("minato", NULL, &set, &err), 0);
	n = set.nr;
	assert_true(n >= 8);
	assert_int_equal(sigma_load(&set, "d.yml", over, sizeof(over) - 1, &err), 0);
	assert_int_equal(set.nr, n);
	for (size_t i = 0; i < set.nr; i++)
		if (!strcmp(set.rules[i].id, "log-gap"))
			assert_true(set.rules[i].disabled);
	sigma_set_release(&set);
	assert_int_equal(monitor_rules_load("shinjuku", NULL, &set, &err), 0);
	assert_true(set.nr >= 8);
	sigma_set_release(&set);
	strbuf_release(&err);
}

/*
 * A correlation that counts a stopped rule is stopped too (a ward may stop the rule with a
 * stub that is no detection); the rules it counts then alert themselves again.
 */
static void correlation_over_stopped(void **state)
{
	struct sigma_set set = { 0 };
	struct strbuf err = STRBUF_INIT;
	static const char y[] =
	    "title: c\nid: c\ncorrelation: {type: event_count, rules: [a, b], timespan: 1m, "
	    "condition: {gte: 2}}\n---\ntitle: a\nid: a\nstatus: deprecated\nmamori: {log_gap: "
	    "1h}\n---\ntitle: b\nid: b\ndetection: {s: {x: y}, condition: s}\n";
	static const char run[] = "title: a\nid: a\ndetection: {s: {x: z}, condition: s}\n";

	(void)state;
	assert_int_equal(sigma_load(&set, "s.yml", y, sizeof(y) - 1, &err), 0);
	assert_int_equal(sigma_link(&set, &err), 0);
	assert_true(set.rules[0].disabled);
	assert_false(set.rules[2].referenced);
	sigma_set_release(&set);
	/* With both counted rules running, the correlation runs and they only count. */
	memset(&set, 0, sizeof(set));
	assert_int_equal(sigma_load(&set, "s.yml", y, sizeof(y) - 1, &err), 0);
	assert_int_equal(sigma_load(&set, "r.yml", run, sizeof(run) - 1, &err), 0);
	assert_int_equal(sigma_link(&set, &err), 0);
	assert_false(set.rules[0].disabled);
	assert_true(set.rules[1].referenced);
	assert_true(set.rules[2].referenced);
	sigma_set_release(&set);
	strbuf_release(&err);
}

/* ---- the prefilter: the same decisions with it and without ---------------------------- */

/* Rules of every shape the prefilter reads, or must leave to be evaluated. */
static const char prefilter_rules[] =
    "title: eq\nid: p-eq\ndetection: {s: {app: [sshd, SU]}, condition: s}\n"
    "---\ntitle: and\nid: p-and\ndetection: {a: {app: sudo}, b: {message|contains: "
    "'incorrect password'}, condition: a and b}\n"
    "---\ntitle: or\nid: p-or\ndetection: {a: {event: auth_failure}, b: {EventID: 4672}, "
    "condition: a or b}\n"
    "---\ntitle: or-contains\nid: p-or-contains\ndetection: {a: {app: clamd, message|endswith: "
    "' FOUND'}, w: {message|contains: [virus found, Threat, 'x']}, condition: a or w}\n"
    "---\ntitle: contains-one\nid: p-contains-one\ndetection: {w: {message|contains: root}, "
    "condition: w}\n"
    "---\ntitle: contains-short\nid: p-contains-short\ndetection: {w: {raw|contains: ['<', "
    "'']}, condition: w}\n"
    "---\ntitle: contains-all\nid: p-contains-all\ndetection: {w: {message|contains|all: "
    "[failed, password]}, condition: w}\n"
    "---\ntitle: not\nid: p-not\ndetection: {a: {app: sshd}, b: {src_ip: null}, condition: a "
    "and not b}\n"
    "---\ntitle: not-only\nid: p-not-only\ndetection: {b: {app: sshd}, condition: not b}\n"
    "---\ntitle: maps\nid: p-maps\ndetection: {s: [{app: cron}, {host|startswith: web, "
    "facility|endswith: auth}], condition: s}\n"
    "---\ntitle: maps-exact\nid: p-maps-exact\ndetection: {s: [{app: cron}, {host: web01, "
    "severity: err}], condition: s}\n"
    "---\ntitle: one-of\nid: p-one-of\ndetection: {sel_a: {app: sshd}, sel_b: {app: kernel}, "
    "other: {host: x}, condition: 1 of sel_*}\n"
    "---\ntitle: all-of\nid: p-all-of\ndetection: {sel_a: {message|re: '^Failed'}, sel_b: "
    "{event: auth_failure}, condition: all of sel_*}\n"
    "---\ntitle: all-of-none\nid: p-all-of-none\ndetection: {sel_a: {app: sshd}, condition: "
    "all of nothing*}\n"
    "---\ntitle: them\nid: p-them\ndetection: {a: {app: sshd}, b: {user: root}, condition: 1 "
    "of them}\n"
    "---\ntitle: keywords\nid: p-keywords\ndetection: {k: [Accepted, 'fail*'], condition: "
    "k}\n"
    "---\ntitle: glob\nid: p-glob\ndetection: {g: {app: 'ss*'}, condition: g}\n"
    "---\ntitle: null\nid: p-null\ndetection: {n: {user: null, msgid|startswith: ID}, condition: "
    "n}\n"
    "---\ntitle: empty\nid: p-empty\ndetection: {e: {msgid: ''}, condition: e}\n"
    "---\ntitle: json\nid: p-json\ndetection: {j: {EventID: [4625, '4672'], TargetUserName: "
    "tanaka}, condition: j}\n"
    "---\ntitle: sd\nid: p-sd\ndetection: {d: {sd.exampleSDID@32473.eventSource: "
    "application}, condition: d}\n"
    "---\ntitle: nested\nid: p-nested\ndetection: {a: {app: sshd}, b: {message|contains: "
    "Failed}, c: {event: auth_success}, condition: (a and b) or (c and not a)}\n"
    "---\ntitle: or-not\nid: p-or-not\ndetection: {a: {app: sshd}, c: {event: auth_success}, "
    "condition: a or not c}\n"
    "---\ntitle: stopped\nid: p-stopped\nstatus: deprecated\ndetection: {a: {app: sshd}, "
    "condition: a}\n";

/* Messages that fire the rules above and the shipped ones, beside the fuzzers' corpora. */
static const char *const prefilter_lines[] = {
	"<38>1 2026-11-22T02:46:00Z web01 sshd 1 - - Failed password for root from 203.0.113.5 "
	"port 4000 ssh2",
	"<38>Nov 22 11:46:00 web01 sshd[812]: Failed password for invalid user admin from "
	"198.51.100.9 port 22 ssh2",
	"<38>Nov 22 11:46:01 web01 sshd[812]: Accepted publickey for sato from 198.51.100.9 port "
	"22 ssh2",
	"<85>Nov 22 11:46:02 web01 sudo: pam_unix(sudo:auth): authentication failure; logname=sato "
	"uid=1000 euid=0 tty=/dev/pts/0 ruser=sato rhost=  user=sato",
	"<85>Nov 22 11:46:03 web01 sudo:     sato : 3 incorrect password attempts ; TTY=pts/0 ; "
	"PWD=/home/sato ; USER=root ; COMMAND=/bin/sh",
	"<86>1 2026-11-22T02:00:01Z web01 sudo - - - sa1 : TTY=pts/0 ; PWD=/ ; USER=root ; "
	"COMMAND=/usr/bin/systemctl restart nginx",
	"<86>Nov 22 11:46:04 db01 su[99]: FAILED SU (to root) sato on pts/1",
	"<86>Nov 22 11:46:05 db01 su[99]: (to root) sato on pts/1",
	"<30>Nov 22 11:46:06 pc12 clamd[401]: /home/sato/eicar.com: Win.Test.EICAR_HDB-1 FOUND",
	"<30>Nov 22 11:46:07 pc12 CLAMD[401]: /tmp/x: Eicar-Signature found",
	"<30>Nov 22 11:46:08 pc12 avagent: Threat DETECTED: Trojan:Win32/Wacatac in C:\\\\x.exe",
	"<30>Nov 22 11:46:09 pc12 avagent: ウイルスを駆除できませんでした: quarantine failed",
	"<30>Nov 22 11:46:10 pc12 avagent: Infected file found and removal failed",
	"<13>Nov 22 11:46:11 web01 cron[5]: (root) CMD (run-parts /etc/cron.hourly)",
	"<11>Nov 22 11:46:12 web01 kernel: x",
	"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for "
	"lonvick on /dev/pts/8",
	"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 "
	"iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] An application event",
	"{\"EventID\":1116,\"Channel\":\"Microsoft-Windows-Windows Defender/Operational\","
	"\"Computer\":\"PC12\",\"Threat Name\":\"Trojan:Win32/Wacatac\"}",
	"{\"EventID\":1006,\"ProviderName\":\"Microsoft-Windows-Windows Defender\"}",
	"{\"EventID\":1119,\"SourceName\":\"Windows Defender\",\"Computer\":\"PC13\"}",
	"{\"EventID\":1116,\"Channel\":\"Application\"}",
	"{\"EventID\":4625,\"Computer\":\"PC12\",\"TargetUserName\":\"tanaka\",\"IpAddress\":"
	"\"198.51.100.3\"}",
	"{\"EventID\":\"4672\",\"SubjectUserName\":\"adm\",\"Computer\":\"PC12\"}",
	"{\"EventID\":4624,\"TargetUserName\":\"tanaka\",\"Computer\":\"PC12\"}",
	"<38>Nov 22 11:46:13 web01 prg00000[1234]: seq: 0000000000, thread: 0000, runid: "
	"1733490000, stamp: 2026-11-22T11:46:13 PADDPADDPADDPADDPADDPADDPADDPADD",
	"plain text without a header: virus FOUND",
	"<38>1 - - - - - -",
};

struct decisions {
	size_t messages, evaluated, matched, skipped; /* rule decisions */
	size_t candidates, in_force;                  /* sigma_candidates: rules left, of */
};

/*
 * The rules sigma_candidates leaves for the message (what monitor_event loops over): ascending,
 * only rules in force, and every rule that matches (evaluated without the prefilter).
 */
static void same_candidates(struct sigma_set *set, struct sigma_cache *on, struct sigma_cache *off,
                            const struct log_event *ev, const char *line, int len,
                            struct decisions *d)
{
	const unsigned *c;
	size_t nc, k = 0;

	sigma_cache_reset(on);
	nc = sigma_candidates(set, log_event_field, ev, on, &c);
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];
		bool in = k < nc && c[k] == i, match;
		if (in && (r->correlation || !r->cond || r->disabled))
			fail_msg("rule %s is not in force, and a candidate", r->id);
		sigma_set_prefilter(set, false);
		match = sigma_match_cached(r, log_event_field, ev, off);
		sigma_set_prefilter(set, true); /* as same_decisions left it */
		if (match && !in)
			fail_msg("rule %s matches '%.*s', not a candidate", r->id, len, line);
		d->in_force += !r->correlation && r->cond && !r->disabled;
		k += in;
	}
	if (k != nc)
		fail_msg("'%.*s': %zu candidates, %zu of them in order", len, line, nc, k);
	d->candidates += nc;
}

/* Every rule of set against one message, the prefilter on and off: the same answers. */
static void same_decisions(struct sigma_set *set, struct sigma_cache *on, struct sigma_cache *off,
                           const char *line, size_t len, struct decisions *d)
{
	struct strbuf payload = STRBUF_INIT;
	struct log_origin o = { .via = len && line[0] == '{' ? "http" : "tcp" };
	struct log_event ev;

	log_payload_build(&payload, &o, NULL, 0, line, len);
	log_event_read(&ev, d->messages + 1, 1764000000000, "tcp:192.0.2.7", payload.buf,
	               payload.len, TOKYO_OFFSET_MS);
	sigma_cache_reset(on);
	sigma_cache_reset(off);
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];
		bool with, without;
		sigma_set_prefilter(set, true);
		with = sigma_match_cached(r, log_event_field, &ev, on);
		sigma_set_prefilter(set, false);
		without = sigma_match_cached(r, log_event_field, &ev, off);
		if (with != without)
			fail_msg("rule %s, message '%.*s': %d with the prefilter, %d without",
			         r->id, (int)len, line, with, without);
		d->evaluated++;
		d->matched += without;
	}
	/* a rule the prefilter rules out is one that does not match */
	sigma_set_prefilter(set, true);
	sigma_cache_reset(on);
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];
		if (sigma_candidate(r, log_event_field, &ev, on))
			continue;
		sigma_set_prefilter(set, false);
		if (sigma_match_cached(r, log_event_field, &ev, off))
			fail_msg("rule %s matches '%.*s', ruled out", r->id, (int)len, line);
		sigma_set_prefilter(set, true);
		d->skipped++;
	}
	same_candidates(set, on, off, &ev, line, (int)len, d);
	d->messages++;
	log_event_release(&ev);
	strbuf_release(&payload);
}

/* Each line of each file of a fuzzer's corpus. */
static void corpus_decisions(struct sigma_set *set, struct sigma_cache *on, struct sigma_cache *off,
                             const char *name, struct decisions *d)
{
	struct strbuf dir = STRBUF_INIT, path = STRBUF_INIT, data = STRBUF_INIT;
	DIR *dp;
	struct dirent *de;

	strbuf_addf(&dir, "%s/fuzz/corpus/%s", TEST_SRCDIR, name);
	dp = opendir(dir.buf);
	assert_non_null(dp);
	while ((de = readdir(dp))) {
		const char *p, *e;
		if (de->d_name[0] == '.')
			continue;
		strbuf_reset(&path);
		strbuf_addf(&path, "%s/%s", dir.buf, de->d_name);
		strbuf_reset(&data);
		assert_int_equal(strbuf_read_file(&data, path.buf, 1 << 20), 0);
		for (p = data.buf; p < data.buf + data.len; p = e + 1) {
			e = memchr(p, '\n', (size_t)(data.buf + data.len - p));
			if (!e)
				e = data.buf + data.len;
			same_decisions(set, on, off, p, (size_t)(e - p), d);
		}
	}
	closedir(dp);
	strbuf_release(&dir);
	strbuf_release(&path);
	strbuf_release(&data);
}

static void prefilter_set(struct sigma_set *set, struct decisions *d)
{
	struct sigma_cache *on = sigma_cache_new(), *off = sigma_cache_new();

	for (size_t i = 0; i < ARRAY_SIZE(prefilter_lines); i++)
		same_decisions(set, on, off, prefilter_lines[i], strlen(prefilter_lines[i]), d);
	corpus_decisions(set, on, off, "syslog3164", d);
	corpus_decisions(set, on, off, "syslog5424", d);
	corpus_decisions(set, on, off, "ndjson", d);
	sigma_cache_free(on);
	sigma_cache_free(off);
}

static const struct sigma_rule *rule_by_id(const struct sigma_set *set, const char *id)
{
	for (size_t i = 0; i < set->nr; i++)
		if (!strcmp(set->rules[i].id, id))
			return &set->rules[i];
	fail_msg("no rule %s", id);
	return NULL;
}

/*
 * The prefilter changes no decision: the shipped rules of both profiles and rules of every
 * shape, over these messages and the fuzzers' corpora, match the same with it and without;
 * and it does rule out rules (those whose every branch needs an exact value or a text).
 */
static void prefilter_same(void **state)
{
	static const char *const profiles[] = { "minato", "shinjuku" };
	static const char again[] =
	    "title: x\nid: p-eq\ndetection: {s: {app: cron}, condition: s}\n";
	struct strbuf err = STRBUF_INIT;
	struct decisions d = { 0 };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(profiles); k++) {
		struct sigma_set set = { 0 };
		memset(&d, 0, sizeof(d));
		assert_int_equal(monitor_rules_load(profiles[k], NULL, &set, &err), 0);
		/* every shipped detection rule can be ruled out by the prefilter */
		for (size_t i = 0; i < set.nr; i++)
			if (!set.rules[i].correlation && set.rules[i].cond && !set.rules[i].pre)
				fail_msg("%s: not in the prefilter", set.rules[i].id);
		assert_non_null(rule_by_id(&set, "malware-detected")->pre);
		prefilter_set(&set, &d);
		assert_true(d.messages > 60);
		assert_true(d.matched >= 10);
		assert_true(d.skipped > d.messages * 3);
		assert_true(d.candidates * 10 < d.in_force); /* most rules never looked at */
		sigma_set_release(&set);
	}
	{
		struct sigma_set set = { 0 };
		memset(&d, 0, sizeof(d));
		assert_int_equal(
		    sigma_load(&set, "p.yml", prefilter_rules, strlen(prefilter_rules), &err), 0);
		assert_int_equal(sigma_link(&set, &err), 0);
		/* read by the prefilter */
		static const char *const pre[] = { "p-eq",           "p-and",
			                           "p-or",           "p-or-contains",
			                           "p-contains-one", "p-contains-short",
			                           "p-contains-all", "p-not",
			                           "p-maps-exact",   "p-one-of",
			                           "p-all-of",       "p-them",
			                           "p-empty",        "p-json",
			                           "p-sd",           "p-nested" };
		/* always evaluated */
		static const char *const always[] = { "p-not-only", "p-maps",   "p-all-of-none",
			                              "p-keywords", "p-glob",   "p-null",
			                              "p-or-not",   "p-stopped" };
		for (size_t i = 0; i < ARRAY_SIZE(pre); i++)
			if (!rule_by_id(&set, pre[i])->pre)
				fail_msg("%s: not in the prefilter", pre[i]);
		for (size_t i = 0; i < ARRAY_SIZE(always); i++)
			if (rule_by_id(&set, always[i])->pre)
				fail_msg("%s: in the prefilter", always[i]);
		prefilter_set(&set, &d);
		assert_true(d.matched >= 40);
		assert_true(d.skipped > d.messages * 5);
		/* a file loaded after the link drops the prefilter until the next link */
		assert_int_equal(sigma_load(&set, "q.yml", again, strlen(again), &err), 0);
		assert_null(set.pre);
		assert_null(rule_by_id(&set, "p-and")->pre);
		memset(&d, 0, sizeof(d));
		prefilter_set(&set, &d); /* unlinked: every rule in force a candidate */
		assert_int_equal(d.candidates, d.in_force);
		assert_int_equal(sigma_link(&set, &err), 0);
		assert_non_null(rule_by_id(&set, "p-eq")->pre);
		prefilter_set(&set, &d);
		sigma_set_release(&set);
	}
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(selections_and_modifiers),
		cmocka_unit_test(cached_fields),
		cmocka_unit_test(long_text_lowercase),
		cmocka_unit_test(wildcards_all_null_keywords),
		cmocka_unit_test(of_them),
		cmocka_unit_test(anyof_as_memmem),
		cmocka_unit_test(contains_lists),
		cmocka_unit_test(guards),
		cmocka_unit_test(load_errors),
		cmocka_unit_test(shipped_and_override),
		cmocka_unit_test(correlation_over_stopped),
		cmocka_unit_test(prefilter_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
