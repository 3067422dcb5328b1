/* test-sigma: the rule subset: loading with clear errors, selections, modifiers, conditions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "base/strbuf.h"
#include "monitor/anyof.h"
#include "monitor/monitor.h"
#include "monitor/sigma.h"

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
 * anyof finds what memmem finds: random literals and texts over a four-letter alphabet (so
 * that literals occur, overlap, and begin and end at the text's edges), literal sets of 2 to
 * 40 (hash chains), lengths 2 to 300 (the window is at most 255 bytes).
 */
static void anyof_as_memmem(void **state)
{
	static char store[40][300];
	const char *lit[40];
	size_t len[40];
	char text[700];
	unsigned seed = 12345, hits = 0, misses = 0;

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
				store[i][j] = "abcd"[(seed >> 16) & 3];
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
				text[j] = "abcd"[(seed >> 16) & 3];
			}
			bool want = naive_any(lit, len, n, text, tn);
			assert_int_equal(anyof_find(a, text, tn), want);
			*(want ? &hits : &misses) += 1;
		}
		anyof_free(a);
	}
	/* both answers were asked for often */
	assert_true(hits > 5000 && misses > 5000);
	/* what one pass does not take: one literal, or one shorter than two bytes */
	assert_null(anyof_new(lit, len, 1));
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
