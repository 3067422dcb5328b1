/* test-lint: model checks (rules that never apply or conflict, uncarried clauses) and coverage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy.h"
#include "fixture.h"

#define BASE                                                                                       \
	"format: mamori-profile/1\n"                                                               \
	"profile: {id: x, title: t, municipality: m}\n"                                            \
	"levels: [{id: \"3\", name: L3}, {id: \"2\", name: L2}, {id: \"1\", name: L1}]\n"          \
	"roles:\n"                                                                                 \
	"  so: {name: SO, scope: section, includes: [staff]}\n"                                    \
	"  staff: {name: S, scope: section}\n"                                                     \
	"  chief: {name: C, scope: org}\n"                                                         \
	"registers:\n"                                                                             \
	"  asset:\n"                                                                               \
	"    name: A\n"                                                                            \
	"    fields: {note: text, kind: {type: enum, values: [a, b]}}\n"                           \
	"    states: {live: L, dead: D, limbo: X}\n"                                               \
	"    actions:\n"                                                                           \
	"      new: {name: N, create: true, to: live}\n"                                           \
	"      copy: {name: C, from: [live]}\n"                                                    \
	"      kill: {name: K, from: [live], to: dead}\n"                                          \
	"clauses:\n"                                                                               \
	"  C-1: {cite: 1, kind: E, text: t}\n"                                                     \
	"  C-2: {cite: 2, kind: R, text: t}\n"                                                     \
	"  C-3: {cite: 3, kind: H, text: t}\n"

/* Lints BASE + extra; returns the formatted diagnostics (caller frees) and the error count. */
static char *lint(const char *extra, unsigned *ret_errors, unsigned *ret_warnings)
{
	struct strbuf text = STRBUF_INIT, out = STRBUF_INIT;
	struct policy_diags d = { 0 };
	struct profile *p = NULL;

	strbuf_addstr(&text, BASE);
	strbuf_addstr(&text, extra);
	profile_lint_buffer("t.yaml", text.buf, text.len, &d, &p);
	policy_diags_format(&d, "t.yaml", &out);
	*ret_errors = d.errors;
	if (ret_warnings)
		*ret_warnings = d.warnings;
	profile_free(p);
	policy_diags_release(&d);
	strbuf_release(&text);
	return strbuf_detach(&out, NULL);
}

static void expect_diag(const char *extra, const char *want, bool error)
{
	unsigned errors, warnings;
	char *got = lint(extra, &errors, &warnings);

	if (!strstr(got, want))
		fprintf(stderr, "# got:\n%s# want: %s\n", got, want);
	assert_non_null(strstr(got, want));
	if (error)
		assert_true(errors > 0);
	else
		assert_int_equal(errors, 0);
	free(got);
}

#define RULE_C1                                                                                    \
	"rules:\n  - {id: ok, on: asset.copy, when: {actor: {role: staff}}, effect: allow, "       \
	"clause: C-1}\n"

static void test_clean(void **state)
{
	unsigned errors, warnings;
	char *got = lint(RULE_C1 "  - {id: reg, on: asset.new, effect: allow, clause: C-2}\n"
	                         "  - {id: k, on: asset.kill, effect: allow, clause: C-1}\n",
	                 &errors, &warnings);

	if (errors || warnings)
		fprintf(stderr, "# %s", got);
	assert_int_equal(errors, 0);
	/* limbo is reached by nothing */
	assert_int_equal(warnings, 1);
	assert_non_null(strstr(got, "warning: state 'limbo' of register 'asset' is never reached"));
	free(got);
}

static void test_e_clause_uncarried(void **state)
{
	expect_diag("rules: []\n",
	            "t.yaml:18:3: error: clause 'C-1' (kind E) is enforced by nothing", true);
	expect_diag(RULE_C1, "t.yaml:19:3: warning: clause 'C-2' (kind R) is carried by nothing",
	            false);
}

static void test_unreachable_and_conflicting(void **state)
{
	expect_diag(RULE_C1 "  - {id: no, on: asset.copy, when: {actor: {role: staff}}, effect: "
	                    "deny, clause: C-1}\n",
	            "error: rules 'ok' (allow) and 'no' (deny) are in conflict: same conditions on "
	            "'asset.copy', different effects",
	            true);
	expect_diag(RULE_C1 "  - {id: no, on: asset.*, effect: deny, clause: C-1}\n",
	            "error: rule 'ok' (allow) is unreachable on 'asset.copy': rule 'no' (deny) "
	            "applies whenever it does",
	            true);
	/* the officer includes staff: an approval for staff covers an allow for the officer */
	expect_diag("rules:\n  - {id: so, on: asset.copy, when: {actor: {role: so}}, effect: "
	            "allow, clause: C-1}\n"
	            "  - {id: st, on: asset.copy, when: {actor: {role: staff}}, effect: approval, "
	            "approver: so, clause: C-1}\n",
	            "rule 'so' (allow) is unreachable on 'asset.copy': rule 'st' (approval)", true);
	/* with an unless, nothing is claimed */
	expect_diag("rules:\n  - {id: so, on: asset.copy, when: {actor: {role: so}}, effect: "
	            "allow, clause: C-1}\n"
	            "  - {id: st, on: asset.copy, when: {actor: {role: staff}}, unless: {actor: "
	            "{role: so}}, effect: approval, approver: so, clause: C-1}\n",
	            "warning: state 'limbo'", false);
	/* disjoint levels do not conflict */
	expect_diag(
	    "rules:\n  - {id: a, on: asset.copy, when: {level: [\"3\"]}, effect: deny, clause: "
	    "C-1}\n"
	    "  - {id: b, on: asset.copy, when: {level: [\"1\"]}, effect: allow, clause: C-1}\n",
	    "warning: state 'limbo'", false);
	expect_diag(RULE_C1 "  - {id: dup, on: asset.copy, when: {actor: {role: staff}}, effect: "
	                    "allow, clause: C-1}\n",
	            "warning: rule 'dup' repeats rule 'ok' on 'asset.copy'", false);
}

static void test_never_applies(void **state)
{
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {level: [\"1\"], level_at_least: "
	            "\"2\"}, effect: allow, clause: C-1}\n",
	            "error: rule 'a' can never apply: no level satisfies its level conditions",
	            true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {actor: {role: so}}, unless: "
	            "{actor: {role: staff}}, effect: allow, clause: C-1}\n",
	            "error: rule 'a' can never apply: its 'unless' holds whenever its 'when' does",
	            true);
}

static void test_rule_reference_errors(void **state)
{
	expect_diag("rules:\n  - {id: a, on: asset.cpoy, effect: allow, clause: C-1}\n",
	            "t.yaml:22:17: error: unknown action 'asset.cpoy' (did you mean 'asset.copy'?)",
	            true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {actor: {role: stuff}}, effect: "
	            "allow, clause: C-1}\n",
	            "unknown role 'stuff' (did you mean 'staff'?)", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {level: [\"4\"]}, effect: allow, "
	            "clause: C-1}\n",
	            "unknown level '4'", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {record: {note: x}}, effect: allow, "
	            "clause: C-1}\n",
	            "rule 'a' tests field 'note' of type text; rules test enum or bool fields only",
	            true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {record: {kind: c}}, effect: allow, "
	            "clause: C-1}\n",
	            "field 'kind' of register 'asset' has no value 'c'", true);
	expect_diag(
	    "rules:\n  - {id: a, on: asset.copy, when: {record: {knd: a}}, effect: allow, clause: "
	    "C-1}\n",
	    "rule 'a' tests field 'knd', which register 'asset' does not have (did you mean "
	    "'kind'?)",
	    true);
	expect_diag(
	    "rules:\n  - {id: a, on: asset.copy, when: {state: [alive]}, effect: allow, clause: "
	    "C-1}\n",
	    "tests state 'alive', which register 'asset' does not have (did you mean 'live'?)",
	    true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, effect: approval, clause: C-1}\n",
	            "rule 'a' needs 'approver'", true);
	expect_diag(
	    "rules:\n  - {id: a, on: asset.copy, effect: allow, approver: so, clause: C-1}\n",
	    "rule 'a' has an approver but its effect is not approval", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, effect: approval, approver: so@org, "
	            "clause: C-1}\n",
	            "role 'so' has scope section: it cannot be '@org'", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, effect: allow, clauze: C-1}\n",
	            "unknown key 'clauze' in a rule (did you mean 'clause'?)", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, effect: allow}\n", "a rule needs 'clause'",
	            true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, effect: permit, clause: C-1}\n",
	            "unknown effect 'permit'", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, obligations: [{record: [nothing]}], "
	            "clause: C-1}\n",
	            "rule 'a' obliges recording 'nothing', which is neither a field of action "
	            "'asset.copy' nor of register 'asset'",
	            true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, obligations: [{note: x, encrypt: true}], "
	            "clause: C-1}\n",
	            "an obligation has exactly one of", true);
	expect_diag("rules:\n  - {id: a, on: asset, effect: allow, clause: C-1}\n",
	            "action 'asset' must be written register.action", true);
	expect_diag("rules:\n  - {id: a, on: \"*.fly\", effect: allow, clause: C-1}\n",
	            "no register has an action 'fly'", true);
	expect_diag(RULE_C1 "  - {id: ok, on: asset.copy, effect: deny, clause: C-1}\n",
	            "rule 'ok' is defined twice", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {context: {channel: x}}, effect: "
	            "allow, clause: C-1}\n",
	            "unknown context key 'channel'", true);
	expect_diag("rules:\n  - {id: a, on: asset.copy, when: {actor: {employment: [x]}}, effect: "
	            "allow, clause: C-1}\n",
	            "'employment' needs the kinds listed under top-level 'employment'", true);
}

static void test_separation_errors(void **state)
{
	expect_diag(RULE_C1 "separation:\n  - {id: s, kind: applicant_not_approver, clause: C-1}\n",
	            "applicant_not_approver needs 'actions'", true);
	expect_diag(RULE_C1 "separation:\n  - {id: s, kind: distinct_persons, fields: [asset.note, "
	                    "asset.kind], clause: C-1}\n",
	            "field 'asset.note' is text, not user", true);
	expect_diag(RULE_C1
	            "separation:\n  - {id: s, kind: exclusive_roles, roles: [so], clause: C-1}\n",
	            "exclusive_roles needs at least two roles", true);
	expect_diag(RULE_C1 "separation:\n  - {id: s, kind: two_person, clause: C-1}\n",
	            "unknown constraint kind 'two_person'", true);
	expect_diag(RULE_C1 "separation:\n  - {id: s, kind: applicant_not_approver, actions: all, "
	                    "fallback: {so: nobody}, clause: C-1}\n",
	            "unknown role 'nobody'", true);
}

static void test_coverage(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;
	struct policy_coverage cov;
	const struct policy_coverage_entry *t4, *t10, *t11;

	assert_int_equal(profile_load_buffer("f", fixture_yaml, strlen(fixture_yaml), &p, &err), 0);
	policy_coverage_compute(p, &cov);
	assert_int_equal(cov.nr, p->n_clauses);
	t4 = &cov.entries[policy_clause(p, "T-4")->index];
	t10 = &cov.entries[policy_clause(p, "T-10")->index];
	t11 = &cov.entries[policy_clause(p, "T-11")->index];
	/* T-4: the take_out action and its rules */
	assert_true(t4->nr >= 4);
	assert_string_equal(t4->carriers[0].name, "action asset.take_out");
	assert_int_equal(t4->carriers[0].kind, CARRIER_ACTION);
	assert_int_equal(t10->nr, 0);
	assert_int_equal(t11->nr, 0);
	assert_int_equal(cov.uncarried, 0);
	assert_int_equal(cov.with_reason, 1);
	policy_coverage_release(&cov);
	profile_free(p);
	strbuf_release(&err);
}

/* Loads BASE + extra and computes its coverage. */
static struct profile *load_cov(const char *extra, struct policy_coverage *cov)
{
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct profile *p = NULL;

	strbuf_addstr(&text, BASE);
	strbuf_addstr(&text, extra);
	if (profile_load_buffer("t.yaml", text.buf, text.len, &p, &err) < 0)
		fprintf(stderr, "# %s\n", err.buf);
	assert_non_null(p);
	policy_coverage_compute(p, cov);
	strbuf_release(&text);
	strbuf_release(&err);
	return p;
}

static const struct policy_coverage_entry *entry(const struct profile *p,
                                                 const struct policy_coverage *cov, const char *id)
{
	return &cov->entries[policy_clause(p, id)->index];
}

static void test_coverage_strengths(void **state)
{
	struct policy_coverage cov;
	struct profile *p;

	/* a note obligation does not carry; a conditional allow enforces; an unconditional one
	 * only lets the action be recorded */
	p = load_cov("rules:\n"
	             "  - {id: a, on: asset.copy, when: {actor: {role: staff}}, effect: allow, "
	             "obligations: [{note: n, clause: C-2}], clause: C-1}\n"
	             "  - {id: b, on: asset.new, effect: allow, clause: C-2}\n",
	             &cov);
	assert_int_equal(entry(p, &cov, "C-1")->strength, STRENGTH_ENFORCED);
	assert_false(entry(p, &cov, "C-1")->gap);
	assert_int_equal(entry(p, &cov, "C-2")->strength, STRENGTH_RECORDED);
	assert_int_equal(entry(p, &cov, "C-2")->nr, 2); /* rule a (noted), rule b (recorded) */
	assert_int_equal(entry(p, &cov, "C-2")->carriers[0].strength, STRENGTH_NOTED);
	assert_int_equal(cov.counts[CLAUSE_E][STRENGTH_ENFORCED], 1);
	assert_int_equal(cov.counts[CLAUSE_R][STRENGTH_RECORDED], 1);
	assert_int_equal(cov.gaps, 0);
	policy_coverage_release(&cov);
	profile_free(p);

	/* an action no rule allows is a note: the E clause is a gap, the R clause too */
	p = load_cov("rules:\n  - {id: a, on: asset.copy, when: {actor: {role: staff}}, effect: "
	             "allow, clause: C-1}\n  - {id: d, on: asset.kill, effect: deny, obligations: "
	             "[{record: [note]}], clause: C-1}\n",
	             &cov);
	assert_int_equal(entry(p, &cov, "C-1")->strength, STRENGTH_ENFORCED);
	policy_coverage_release(&cov);
	profile_free(p);
}

/* A profile whose R clause C-2 is cited by field 'kept' (FIELD_KEYS added) and a who-may rule. */
static struct profile *load_kept(const char *field_keys, struct policy_coverage *cov)
{
	struct strbuf t = STRBUF_INIT, err = STRBUF_INIT;
	struct profile *p = NULL;

	strbuf_addf(&t,
	            "format: mamori-profile/1\n"
	            "profile: {id: x, title: t, municipality: m}\n"
	            "roles:\n  staff: {name: S, scope: section}\n"
	            "registers:\n  asset:\n    name: A\n"
	            "    fields: {kept: {type: text%s, clause: C-2}}\n"
	            "    actions:\n      new: {name: N, create: true}\n"
	            "clauses:\n  C-1: {cite: 1, kind: E, text: t}\n"
	            "  C-2: {cite: 2, kind: R, text: t}\n"
	            "rules:\n  - {id: a, on: asset.new, when: {actor: {role: staff}}, "
	            "effect: allow, clause: [C-1, C-2]}\n",
	            field_keys);
	if (profile_load_buffer("t.yaml", t.buf, t.len, &p, &err) < 0)
		fprintf(stderr, "# %s\n", err.buf);
	assert_non_null(p);
	policy_coverage_compute(p, cov);
	strbuf_release(&t);
	strbuf_release(&err);
	return p;
}

/*
 * An R clause a field cites is kept by that field: while the field is optional and read by no
 * rule, a rule on who may act and the register that lets the record happen do not carry it.
 */
static void test_coverage_unkept_field(void **state)
{
	struct policy_coverage cov;
	struct profile *p = load_kept("", &cov);
	const struct policy_coverage_entry *e = entry(p, &cov, "C-2");
	unsigned rules = 0;

	assert_true(e->unkept);
	assert_true(e->gap);
	assert_int_equal(e->strength, STRENGTH_NOTED);
	for (unsigned k = 0; k < e->nr; k++)
		if (e->carriers[k].kind == CARRIER_RULE) {
			assert_true(e->carriers[k].unkept);
			assert_int_equal(e->carriers[k].strength, STRENGTH_NOTED);
			rules++;
		}
	assert_int_equal(rules, 1);
	/* the E clause the same rule cites stays enforced: it says who may act */
	assert_int_equal(entry(p, &cov, "C-1")->strength, STRENGTH_ENFORCED);
	assert_false(entry(p, &cov, "C-1")->unkept);
	policy_coverage_release(&cov);
	profile_free(p);

	/* required, the field keeps it: the clause is carried and the rule counts again */
	p = load_kept(", required: true", &cov);
	e = entry(p, &cov, "C-2");
	assert_false(e->unkept);
	assert_false(e->gap);
	assert_int_equal(e->strength, STRENGTH_ENFORCED);
	policy_coverage_release(&cov);
	profile_free(p);
}

static void test_coverage_duties_and_values(void **state)
{
	struct policy_coverage cov;
	struct profile *p;
	const char *rules =
	    "rules:\n  - {id: a, on: [asset.new, asset.copy], when: {actor: {role: staff}}, "
	    "effect: allow, clause: C-1}\n";
	struct strbuf x = STRBUF_INIT;

	/* two duties on the same action without values that tell them apart: neither carries */
	strbuf_addf(
	    &x,
	    "%sduties:\n"
	    "  - {id: d1, name: D1, role: so, every: 1y, evidence: asset.new, clause: C-2}\n"
	    "  - {id: d2, name: D2, role: so, every: 1y, evidence: asset.new, clause: C-2}\n",
	    rules);
	p = load_cov(x.buf, &cov);
	assert_int_equal(entry(p, &cov, "C-2")->strength, STRENGTH_NOTED);
	assert_true(entry(p, &cov, "C-2")->gap);
	assert_false(policy_duty_typed(p, policy_duty(p, "d1")));
	policy_coverage_release(&cov);
	profile_free(p);

	/* typed: each by its own value of kind */
	strbuf_reset(&x);
	strbuf_addf(&x,
	            "%sduties:\n"
	            "  - {id: d1, name: D1, role: so, every: 1y, evidence: {action: asset.new, "
	            "fields: {kind: a}}, clause: C-2}\n"
	            "  - {id: d2, name: D2, role: so, every: 1y, evidence: {action: asset.new, "
	            "fields: {kind: b}}, clause: C-2}\n",
	            rules);
	p = load_cov(x.buf, &cov);
	assert_true(policy_duty_typed(p, policy_duty(p, "d1")));
	assert_int_equal(entry(p, &cov, "C-2")->strength, STRENGTH_ENFORCED);
	{
		struct policy_attr a = { "kind", "a" }, b = { "kind", "b" };

		assert_true(policy_duty_evidence_matches(policy_duty(p, "d1"), &a, 1));
		assert_false(policy_duty_evidence_matches(policy_duty(p, "d1"), &b, 1));
		assert_false(policy_duty_evidence_matches(policy_duty(p, "d1"), NULL, 0));
	}
	policy_coverage_release(&cov);
	profile_free(p);

	/* a list of values that shares one with another duty's is not its own */
	strbuf_reset(&x);
	strbuf_addf(&x,
	            "%sduties:\n"
	            "  - {id: d1, name: D1, role: so, every: 1y, evidence: {action: asset.new, "
	            "fields: {kind: [a, b]}}, clause: C-2}\n"
	            "  - {id: d2, name: D2, role: so, every: 1y, evidence: {action: asset.new, "
	            "fields: {kind: b}}, clause: C-2}\n",
	            rules);
	p = load_cov(x.buf, &cov);
	assert_false(policy_duty_typed(p, policy_duty(p, "d1")));
	{
		struct policy_attr a = { "kind", "a" };

		assert_true(policy_duty_evidence_matches(policy_duty(p, "d1"), &a, 1));
	}
	policy_coverage_release(&cov);
	profile_free(p);

	/* a value's clause is a note; a required set holding every value enforces each */
	strbuf_release(&x);
	{
		static const char yaml[] =
		    "format: mamori-profile/1\n"
		    "profile: {id: x, title: t, municipality: m}\n"
		    "roles: {staff: {name: S, scope: section}}\n"
		    "registers:\n"
		    "  contract:\n"
		    "    name: C\n"
		    "    fields:\n"
		    "      items: {type: set, name: I, values: [a, b], all: true, required: true, "
		    "value_clauses: {a: V-1, b: V-2}}\n"
		    "      memo: {type: enum, name: M, values: [x, y], value_clauses: {x: V-3}}\n"
		    "    actions: {new: {name: N, create: true}}\n"
		    "rules:\n"
		    "  - {id: r, on: contract.new, when: {actor: {role: staff}}, effect: allow, "
		    "clause: V-1}\n"
		    "clauses:\n"
		    "  V-1: {cite: 1, kind: R, text: t}\n"
		    "  V-2: {cite: 2, kind: R, text: t}\n"
		    "  V-3: {cite: 3, kind: R, text: t}\n";
		struct strbuf err = STRBUF_INIT;
		const struct policy_field *f;

		assert_int_equal(profile_load_buffer("v.yaml", yaml, strlen(yaml), &p, &err), 0);
		policy_coverage_compute(p, &cov);
		assert_int_equal(entry(p, &cov, "V-2")->strength, STRENGTH_ENFORCED);
		assert_int_equal(entry(p, &cov, "V-2")->carriers[0].kind, CARRIER_VALUE);
		assert_string_equal(entry(p, &cov, "V-2")->carriers[0].name,
		                    "value contract.items=b");
		assert_int_equal(entry(p, &cov, "V-3")->strength, STRENGTH_NOTED);
		assert_true(entry(p, &cov, "V-3")->gap);
		f = policy_register_field(policy_register(p, "contract"), "items");
		assert_int_equal(policy_field_check(p, f, "a,b", &err), 0);
		assert_int_equal(policy_field_check(p, f, "b, a", &err), 0);
		assert_int_equal(policy_field_check(p, f, "a", &err), -EINVAL);
		assert_non_null(strstr(err.buf, "must hold every item; missing: b"));
		assert_int_equal(policy_field_check(p, f, "a,a,b", &err), -EINVAL);
		assert_non_null(strstr(err.buf, "'a' is given twice"));
		assert_int_equal(policy_field_check(p, f, "a,c", &err), -EINVAL);
		assert_non_null(strstr(err.buf, "'c' is not one of its values"));
		policy_coverage_release(&cov);
		profile_free(p);
		strbuf_release(&err);
	}
}

/* A detector that runs carries its clauses as monitored; one loaded but not run only notes. */
static void test_coverage_watches(void **state)
{
	static const char *const both[] = { "C-4", "C-9" };
	static const char *const four[] = { "C-4" };
	struct policy_watch w[] = {
		{ CARRIER_LOG_RULE, "burst", both, 2, true },
		{ CARRIER_FIM, "local:/etc/aide.conf", four, 1, false },
	};
	struct policy_coverage cov;
	struct profile *p = load_cov("  C-4: {cite: 4, kind: M, text: t}\n"
	                             "  C-5: {cite: 5, kind: M, text: t}\n"
	                             "rules:\n"
	                             "  - {id: a, on: asset.copy, when: {actor: {role: staff}}, "
	                             "effect: allow, clause: [C-1, C-2]}\n",
	                             &cov);
	const struct policy_coverage_entry *e;

	policy_coverage_release(&cov);
	/* without the ward's detectors, the M clauses are carried by nothing */
	policy_coverage_compute_watched(p, NULL, 0, &cov);
	assert_int_equal(entry(p, &cov, "C-4")->strength, STRENGTH_NONE);
	assert_int_equal(cov.watched[CLAUSE_M], 0);
	policy_coverage_release(&cov);

	policy_coverage_compute_watched(p, w, ARRAY_SIZE(w), &cov);
	e = entry(p, &cov, "C-4");
	assert_int_equal(e->strength, STRENGTH_MONITORED);
	assert_false(e->gap);
	assert_int_equal(e->nr, 2);
	assert_string_equal(e->carriers[0].name, "log-rule burst");
	assert_int_equal(e->carriers[0].kind, CARRIER_LOG_RULE);
	assert_int_equal(e->carriers[0].strength, STRENGTH_MONITORED);
	assert_null(e->carriers[0].obj);
	assert_string_equal(e->carriers[1].name, "fim local:/etc/aide.conf");
	assert_int_equal(e->carriers[1].strength, STRENGTH_NOTED);
	assert_true(entry(p, &cov, "C-5")->gap);
	assert_int_equal(cov.counts[CLAUSE_M][STRENGTH_MONITORED], 1);
	assert_int_equal(cov.watched[CLAUSE_M], 1);
	/* a tag that names no clause of the profile is reported, not counted */
	assert_int_equal(cov.n_unknown, 1);
	assert_string_equal(cov.unknown[0],
	                    "log rule burst: mamori.C-9 names no clause of this profile");
	policy_coverage_release(&cov);

	/* the same rule stopped: nothing watches C-4 */
	w[0].runs = false;
	policy_coverage_compute_watched(p, w, ARRAY_SIZE(w), &cov);
	assert_int_equal(entry(p, &cov, "C-4")->strength, STRENGTH_NOTED);
	assert_true(entry(p, &cov, "C-4")->gap);
	assert_int_equal(cov.watched[CLAUSE_M], 0);
	policy_coverage_release(&cov);
	profile_free(p);
}

static void test_diagnostics_sorted(void **state)
{
	unsigned errors;
	char *got = lint("rules:\n  - {id: b, on: asset.zz, effect: allow, clause: C-1}\n"
	                 "  - {id: a, on: asset.yy, effect: allow, clause: C-1}\n",
	                 &errors, NULL);
	char *first = strstr(got, "asset.zz"), *second = strstr(got, "asset.yy");

	assert_int_equal(errors, 2);
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_e_clause_uncarried),
		cmocka_unit_test(test_unreachable_and_conflicting),
		cmocka_unit_test(test_never_applies),
		cmocka_unit_test(test_rule_reference_errors),
		cmocka_unit_test(test_separation_errors),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_coverage_strengths),
		cmocka_unit_test(test_coverage_unkept_field),
		cmocka_unit_test(test_coverage_duties_and_values),
		cmocka_unit_test(test_coverage_watches),
		cmocka_unit_test(test_diagnostics_sorted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
