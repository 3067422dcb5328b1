/* test-decide: decisions on the fixture profile: effects, approvers, obligations, deputies, errors.
 */
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

static struct profile *P;

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int r = profile_load_buffer("fixture.yaml", fixture_yaml, strlen(fixture_yaml), &P, &err);

	if (r < 0)
		fprintf(stderr, "# %s\n", err.buf);
	strbuf_release(&err);
	return r;
}

static int teardown(void **state)
{
	profile_free(P);
	return 0;
}

/* Decides one JSON request; returns the decision as JSON, or "error: ..." (caller frees). */
static char *decide_json(const char *json)
{
	struct decide_request req;
	struct policy_request_storage st;
	struct decision d;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	if (policy_request_parse(json, strlen(json), &req, &st, &err) < 0) {
		strbuf_addf(&out, "error: %s", err.buf);
	} else {
		if (policy_decide(P, &req, &d, &err) < 0)
			strbuf_addf(&out, "error: %s", err.buf);
		else
			policy_decision_json(&d, &req, &out);
		policy_request_storage_release(&st);
	}
	strbuf_release(&err);
	return strbuf_detach(&out, NULL);
}

static void expect(const char *json, const char *const *parts)
{
	char *got = decide_json(json);

	for (; *parts; parts++) {
		if (!strstr(got, *parts))
			fprintf(stderr, "# request: %s\n# got: %s\n# missing: %s\n", json,
			        got ? got : "", *parts);
		assert_non_null(strstr(got, *parts));
	}
	free(got);
}

static void expect_not(const char *json, const char *part)
{
	char *got = decide_json(json);

	if (strstr(got, part))
		fprintf(stderr, "# got: %s\n# unexpected: %s\n", got ? got : "", part);
	assert_null(strstr(got, part));
	free(got);
}

#define STAFF_A                                                                                    \
	"\"subject\":{\"id\":\"u1\",\"roles\":[\"staff@section:a\"],\"section\":\"a\","            \
	"\"employment\":\"職員\"}"
#define OFFICER_A                                                                                  \
	"\"subject\":{\"id\":\"u2\",\"roles\":[\"officer@section:a\"],\"section\":\"a\","          \
	"\"employment\":\"職員\"}"
#define ASSET(lv, sec)                                                                             \
	"\"resource\":{\"type\":\"asset\",\"id\":\"r1\",\"level\":\"" lv "\",\"section\":\"" sec   \
	"\",\"system\":\"s1\"}"
#define ACT(a) "\"action\":{\"name\":\"" a "\"}"

static void test_approval_by_record_section(void **state)
{
	const char *const want[] = { "\"decision\":\"approval\"",
		                     "{\"role\":\"officer\",\"name\":\"責任者\",\"scope\":"
		                     "\"section:a\",\"fallback\":\"chief@org\"}",
		                     "\"clauses\":[\"T-4\"]",
		                     "\"rules\":[\"copy-high\"]",
		                     "\"separation\":[\"sod\"]",
		                     "\"profile\":{\"id\":\"testward\",\"sha256\":\"",
		                     NULL };

	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("3B", "a") "}", want);
}

static void test_level_at_least(void **state)
{
	const char *const approval[] = { "\"decision\":\"approval\"", NULL };
	const char *const allow[] = { "\"decision\":\"allow\"", "\"rules\":[\"copy-low\"]", NULL };

	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("3A", "a") "}", approval);
	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("3C", "a") "}", approval);
	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("2", "a") "}", allow);
	/* staff anywhere may copy level 2 (at: any) */
	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("1", "b") "}", allow);
}

static void test_wrong_section_denied(void **state)
{
	const char *const deny[] = { "\"decision\":\"deny\"", "\"rules\":[]",
		                     "\"reason\":\"no rule allows this action for this request\"",
		                     NULL };

	expect("{" STAFF_A "," ACT("asset.copy") "," ASSET("3A", "b") "}", deny);
}

static void test_unless_and_inclusion(void **state)
{
	const char *const allow[] = { "\"decision\":\"allow\"", "\"rules\":[\"copy-officer\"]",
		                      NULL };

	/* the officer includes staff, but the unless keeps the approval rule away */
	expect("{" OFFICER_A "," ACT("asset.copy") "," ASSET("3A", "a") "}", allow);
	/* an officer of another section is staff nowhere near the record */
	expect("{\"subject\":{\"roles\":[\"officer@section:b\"],\"section\":\"b\"}," ACT(
	           "asset.copy") "," ASSET("3A", "a") "}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
}

static void test_deny_overrides(void **state)
{
	const char *const deny[] = { "\"decision\":\"deny\"", "\"rules\":[\"no-internet-3a\"]",
		                     "\"clauses\":[\"T-5\"]", NULL };

	expect("{" OFFICER_A "," ACT("asset.copy") "," ASSET(
	           "3A", "a") ",\"context\":{\"channel\":\"internet\"}}",
	       deny);
	/* the same on the internal channel is allowed */
	expect("{" OFFICER_A "," ACT("asset.copy") "," ASSET(
	           "3A", "a") ",\"context\":{\"channel\":\"internal\"}}",
	       (const char *const[]){ "\"decision\":\"allow\"", NULL });
	/* private device: asset.* */
	expect("{" OFFICER_A
	       "," ACT("asset.copy") "," ASSET("1", "a") ",\"context\":{\"device\":\"private\"}}",
	       (const char *const[]){ "\"decision\":\"deny\"", "\"rules\":[\"private-device\"]",
	                              NULL });
	/* a value the profile does not know says nothing: the key a rule reads is missing */
	expect("{" OFFICER_A
	       "," ACT("asset.copy") "," ASSET("1", "a") ",\"context\":{\"device\":\"borrowed\"}}",
	       (const char *const[]){ "\"decision\":\"deny\"", "\"missing\":[\"device\"]", NULL });
}

static void test_obligations_and_two_approvers(void **state)
{
	const char *const want[] = { "\"decision\":\"approval\"",
		                     "\"approvers\":[{\"role\":\"officer\",\"name\":\"責任者\","
		                     "\"scope\":\"section:a\",\"fallback\":\"chief@org\"},"
		                     "{\"role\":\"chief\",\"name\":\"統括責任者\",\"scope\":"
		                     "\"org\",\"deputy\":\"vice\",\"fallback\":\"exception\"}]",
		                     "{\"kind\":\"record\",\"fields\":[\"purpose\"],\"names\":["
		                     "\"使用目的\"],\"clauses\":[\"T-4\"]}",
		                     "{\"kind\":\"record\",\"fields\":[\"method\"],\"names\":["
		                     "\"持出し方法\"],\"clauses\":[\"T-4\"]}",
		                     "{\"kind\":\"encrypt\"}",
		                     "{\"kind\":\"witness\",\"role\":\"staff\",\"name\":\"職員等\","
		                     "\"scope\":\"section:a\"}",
		                     NULL };

	expect("{" STAFF_A "," ACT("asset.take_out") "," ASSET("1", "a") "}", want);
	/* a contractor is not 職員: no rule */
	expect("{\"subject\":{\"roles\":[\"staff@section:a\"],\"section\":\"a\",\"employment\":"
	       "\"受託事業者\"}," ACT("asset.take_out") "," ASSET("1", "a") "}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
}

static void test_record_attributes(void **state)
{
	const char *const sys[] = { "\"decision\":\"approval\"", "\"scope\":\"org\"",
		                    "\"rules\":[\"main-dispose\"]", NULL };
	const char *const paper[] = { "\"decision\":\"allow\"",
		                      "{\"kind\":\"dispose\",\"methods\":[\"焼却\",\"裁断\"]}",
		                      NULL };

	expect("{\"subject\":{\"roles\":[\"sysadmin@system:s1\"]}," ACT(
	           "asset.dispose") ",\"resource\":{\"type\":\"asset\",\"system\":\"s1\",\"main\":"
	                            "true}}",
	       sys);
	/* the same field inside properties */
	expect("{\"subject\":{\"roles\":[\"sysadmin@system:s1\"]}," ACT(
	           "asset.dispose") ",\"resource\":{\"type\":\"asset\",\"system\":\"s1\","
	                            "\"properties\":{\"main\":\"true\"}}}",
	       sys);
	/* administrator of another system */
	expect("{\"subject\":{\"roles\":[\"sysadmin@system:s2\"]}," ACT(
	           "asset.dispose") ",\"resource\":{\"type\":\"asset\",\"system\":\"s1\",\"main\":"
	                            "true}}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
	expect("{" STAFF_A "," ACT("asset.dispose") ",\"resource\":{\"type\":\"asset\",\"section\":"
	                                            "\"a\",\"kind\":\"paper\"}}",
	       paper);
	/* section: same compares the subject's own section */
	expect("{\"subject\":{\"roles\":[\"staff@section:a\"],\"section\":\"b\"}," ACT(
	           "asset.dispose") ",\"resource\":{\"type\":\"asset\",\"section\":\"a\",\"kind\":"
	                            "\"paper\"}}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
}

static void test_wildcards_and_dotless(void **state)
{
	const char *const allow[] = { "\"decision\":\"allow\"", "\"rules\":[\"read-all\"]", NULL };

	expect("{" STAFF_A "," ACT("audit.read") ",\"resource\":{\"type\":\"audit\"}}", allow);
	/* "read" with a resource type resolves to that register's action */
	expect("{" STAFF_A "," ACT("read") ",\"resource\":{\"type\":\"asset\"}}", allow);
	expect("{" STAFF_A "," ACT("read") ",\"resource\":{\"type\":\"audit\"}}", allow);
}

static void test_type_and_state(void **state)
{
	expect("{" OFFICER_A
	       "," ACT("asset.copy") ",\"resource\":{\"type\":\"audit\",\"section\":\"a\"}}",
	       (const char *const[]){
	           "\"decision\":\"deny\"",
	           "\"reason\":\"the resource type is not the action's register\"", NULL });
	expect("{" OFFICER_A "," ACT("asset.copy") ",\"resource\":{\"type\":\"asset\",\"section\":"
	                                           "\"a\",\"state\":\"gone\"}}",
	       (const char *const[]){
	           "\"decision\":\"deny\"",
	           "\"reason\":\"the action cannot start from the record's state\"", NULL });
	expect("{" OFFICER_A "," ACT("asset.copy") ",\"resource\":{\"type\":\"asset\",\"section\":"
	                                           "\"a\",\"state\":\"active\"}}",
	       (const char *const[]){ "\"decision\":\"allow\"", NULL });
}

static void test_obligation_only_rule(void **state)
{
	/* a rule without an effect adds its obligations but allows nothing by itself */
	expect("{" STAFF_A "," ACT("asset.return") "," ASSET("1", "a") "}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
	expect_not("{" STAFF_A "," ACT("asset.return") "," ASSET("1", "a") "}", "返却時");
}

static void test_deputy_acts_for(void **state)
{
	const char *const want[] = { "\"decision\":\"allow\"", "\"clauses\":[\"T-7\",\"T-2\"]",
		                     "\"acting_for\":\"chief\"", NULL };

	expect("{\"subject\":{\"roles\":[\"chief@org\"]}," ACT("audit.plan") "}",
	       (const char *const[]){ "\"decision\":\"allow\"", "\"clauses\":[\"T-7\"]", NULL });
	expect("{\"subject\":{\"roles\":[\"vice@org\"]}," ACT("audit.plan") "}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
	expect("{\"subject\":{\"roles\":[\"vice@org\"]}," ACT(
	           "audit.plan") ",\"context\":{\"acting_for\":\"chief\"}}",
	       want);
	/* acting for a role one is not the deputy of changes nothing */
	expect("{\"subject\":{\"roles\":[\"staff@section:a\"]}," ACT(
	           "audit.plan") ",\"context\":{\"acting_for\":\"chief\"}}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
}

static void test_applicant_holds(void **state)
{
	struct decide_request q = { 0 };
	const char *roles[] = { "sysadmin@system:s1", "chief@org" };
	const struct policy_attr attrs[] = { { "main", "true" } };
	struct decision d;

	q.roles = roles;
	q.n_roles = 1;
	q.action = "asset.dispose";
	q.system = "s1";
	q.attrs = attrs;
	q.n_attrs = 1;
	assert_int_equal(policy_decide(P, &q, &d, NULL), 0);
	assert_int_equal(d.effect, EFFECT_APPROVAL);
	assert_int_equal(d.n_approvers, 1);
	assert_false(d.approvers[0].applicant_holds);
	assert_int_equal(d.approvers[0].fallback.kind, FALLBACK_EXCEPTION);
	q.n_roles =
	    2; /* the applicant is also the chief: the core must find another or an exception */
	assert_int_equal(policy_decide(P, &q, &d, NULL), 0);
	assert_true(d.approvers[0].applicant_holds);
}

static void test_errors(void **state)
{
	struct decide_request q = { 0 };
	struct decision d;
	struct strbuf err = STRBUF_INIT;
	char *got;

	q.action = "asset.steal";
	assert_int_equal(policy_decide(P, &q, &d, &err), -ENOENT);
	assert_string_equal(err.buf, "unknown action 'asset.steal' in profile 'testward'");
	q.action = "asset.copy";
	q.level = "9";
	assert_int_equal(policy_decide(P, &q, &d, &err), -EINVAL);
	assert_string_equal(err.buf, "unknown level '9' in profile 'testward'");
	q.level = NULL;
	q.state = "lost";
	assert_int_equal(policy_decide(P, &q, &d, &err), -EINVAL);
	assert_string_equal(err.buf, "unknown state 'lost' of register 'asset'");
	q.state = NULL;
	q.action = "copy";
	assert_int_equal(policy_decide(P, &q, &d, &err), -EINVAL);
	q.action = "";
	assert_int_equal(policy_decide(P, &q, &d, &err), -EINVAL);
	strbuf_release(&err);

	got = decide_json("{\"action\":{}}");
	assert_string_equal(got,
	                    "error: the request needs \"action\": {\"name\": \"register.action\"}");
	free(got);
	got = decide_json("[1]");
	assert_string_equal(got, "error: a request must be a JSON object");
	free(got);
	got = decide_json("{\"action\":{\"name\":\"asset.copy\"},\"subject\":{\"roles\":\"x\"}}");
	assert_string_equal(got, "error: 'subject.roles' must be an array of \"role@scope\"");
	free(got);
	got = decide_json("{\"action\":{\"name\":\"asset.copy\"},\"action\":{}}");
	assert_non_null(strstr(got, "error: invalid JSON"));
	free(got);
	got = decide_json("{\"action\":{\"name\":\"asset.copy\"},\"resource\":{\"level\":{}}}");
	assert_string_equal(got, "error: 'resource.level' must be a string");
	free(got);
	/* a number is taken as its decimal text */
	got = decide_json("{\"action\":{\"name\":\"asset.copy\"},\"resource\":{\"level\":2}}");
	assert_non_null(strstr(got, "\"decision\":\"deny\""));
	free(got);
}

/* Decides one request on profile p; returns the decision as JSON (caller frees). */
static char *decide_on(const struct profile *p, const char *json)
{
	struct decide_request req;
	struct policy_request_storage st;
	struct decision d;
	struct strbuf out = STRBUF_INIT;

	assert_int_equal(policy_request_parse(json, strlen(json), &req, &st, NULL), 0);
	assert_int_equal(policy_decide(p, &req, &d, NULL), 0);
	policy_decision_json(&d, &req, &out);
	policy_request_storage_release(&st);
	return strbuf_detach(&out, NULL);
}

static void expect_on(const struct profile *p, const char *json, const char *want)
{
	char *got = decide_on(p, json);

	if (!strstr(got, want))
		fprintf(stderr, "# request: %s\n# got: %s\n# want: %s\n", json, got, want);
	assert_non_null(strstr(got, want));
	free(got);
}

/* Fail closed: what a request leaves out is never guessed, except as the profile says. */
static void test_context(void **state)
{
	static const char yaml[] =
	    "format: mamori-profile/1\n"
	    "profile: {id: c, title: t, municipality: m}\n"
	    "levels: [{id: I, name: I}, {id: II, name: II}]\n"
	    "context:\n"
	    "  recipient: {name: 送信先, values: [internal, external]}\n"
	    "  device: {name: 機器, values: [issued, private]}\n"
	    "  urgency: {name: 緊急性, values: [normal, emergency], default: normal, "
	    "ward_choice: 申告がなければ通常}\n"
	    "session: {context: {device: issued}, ward_choice: 支給端末から使う}\n"
	    "roles: {staff: {name: S, scope: section}, cio: {name: C, scope: org}}\n"
	    "registers:\n"
	    "  asset:\n"
	    "    name: A\n"
	    "    fields: {level: {type: level, required: true}}\n"
	    "    actions:\n"
	    "      send: {name: 送信, context: [recipient, device]}\n"
	    "      read: {name: 閲覧}\n"
	    "      stop: {name: 停止}\n"
	    "rules:\n"
	    "  - {id: send, on: asset.send, when: {actor: {role: staff}}, effect: allow, clause: "
	    "X}\n"
	    "  - {id: out, on: asset.send, when: {level: [I], context: {recipient: external}}, "
	    "effect: approval, approver: cio, clause: X}\n"
	    "  - {id: priv, on: [asset.send, asset.read], when: {level: [I], context: {device: "
	    "private}}, effect: deny, clause: X}\n"
	    "  - {id: read, on: asset.read, when: {actor: {role: staff}}, effect: allow, clause: "
	    "X}\n"
	    "  - {id: stop, on: asset.stop, when: {actor: {role: staff}}, unless: {context: "
	    "{urgency: emergency}}, effect: approval, approver: cio, clause: X}\n"
	    "  - {id: now, on: asset.stop, when: {actor: {role: staff}, context: {urgency: "
	    "emergency}}, effect: allow, clause: X}\n"
	    "clauses: {X: {cite: x, kind: E, text: t}}\n";
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;
#define REQ(action, ctx)                                                                           \
	"{\"subject\":{\"id\":\"u\",\"roles\":[\"staff@section:a\"],\"section\":\"a\"},"           \
	"\"action\":{\"name\":\"" action "\"},\"resource\":{\"type\":\"asset\",\"level\":\"I\","   \
	"\"section\":\"a\"},\"context\":{" ctx "}}"

	assert_int_equal(profile_load_buffer("c.yaml", yaml, strlen(yaml), &p, &err), 0);
	/* the Internet case of SHJ-5-2-2: leaving out the recipient is no way around the CIO */
	expect_on(p, REQ("asset.send", "\"device\":\"issued\""), "\"missing\":[\"recipient\"]");
	expect_on(p, REQ("asset.send", ""), "\"missing\":[\"recipient\",\"device\"]");
	expect_on(p, REQ("asset.send", "\"recipient\":\"external\",\"device\":\"issued\""),
	          "\"decision\":\"approval\"");
	expect_on(p, REQ("asset.send", "\"recipient\":\"internal\",\"device\":\"private\""),
	          "\"decision\":\"deny\"");
	/* a key the action's rules do not read is accepted and ignored */
	expect_on(p,
	          REQ("asset.send", "\"recipient\":\"internal\",\"device\":\"issued\","
	                            "\"urgency\":\"bogus\",\"colour\":\"blue\""),
	          "\"decision\":\"allow\"");
	/* a read never asks: the session's context is assumed, and said */
	expect_on(p, REQ("asset.read", ""), "\"assumed\":{\"device\":\"issued\"}");
	expect_on(p, REQ("asset.read", ""), "\"decision\":\"allow\"");
	expect_on(p, REQ("asset.read", "\"device\":\"private\""), "\"decision\":\"deny\"");
	/* a default, the ward's choice, is assumed and said */
	expect_on(p, REQ("asset.stop", ""), "\"assumed\":{\"urgency\":\"normal\"}");
	expect_on(p, REQ("asset.stop", ""), "\"decision\":\"approval\"");
	expect_on(p, REQ("asset.stop", "\"urgency\":\"emergency\""), "\"decision\":\"allow\"");
	profile_free(p);
	strbuf_release(&err);
#undef REQ
}

static void test_context_lint(void **state)
{
	static const char head[] = "format: mamori-profile/1\n"
	                           "profile: {id: c, title: t, municipality: m}\n"
	                           "context: {device: {name: 機器, values: [issued, private]}}\n"
	                           "roles: {staff: {name: S, scope: section}}\n";
	static const char *const cases[][2] = {
		{ "registers: {asset: {name: A, actions: {send: {name: 送信}}}}\n"
		  "rules:\n  - {id: priv, on: asset.send, when: {context: {device: private}}, "
		  "effect: "
		  "deny, clause: X}\n",
		  "rule 'priv' reads context 'device' on 'asset.send', which neither requires it" },
		{ "registers: {asset: {name: A, actions: {read: {name: 閲覧, context: "
		  "[device]}}}}\n"
		  "rules:\n  - {id: r, on: asset.read, when: {actor: {role: staff}}, effect: "
		  "allow, "
		  "clause: X}\n",
		  "action 'asset.read' is a read and requires context 'device': a read never "
		  "asks" },
		{ "session: {context: {device: issued}}\n"
		  "registers: {asset: {name: A, actions: {read: {name: 閲覧}}}}\n",
		  "'session' assumes context the request does not give: say why with ward_choice" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
		struct profile *p = NULL;

		strbuf_addstr(&text, head);
		strbuf_addstr(&text, cases[i][0]);
		strbuf_addstr(&text, "clauses: {X: {cite: x, kind: E, text: t}}\n");
		assert_int_equal(profile_load_buffer("l.yaml", text.buf, text.len, &p, &err),
		                 -EINVAL);
		if (!strstr(err.buf, cases[i][1]))
			fprintf(stderr, "# got: %s\n# want: %s\n", err.buf, cases[i][1]);
		assert_non_null(strstr(err.buf, cases[i][1]));
		strbuf_release(&text);
		strbuf_release(&err);
	}
	{
		/* a default must say why: it is the ward's choice */
		static const char bad[] =
		    "format: mamori-profile/1\n"
		    "profile: {id: c, title: t, municipality: m}\n"
		    "context: {device: {name: 機器, values: [issued, private], "
		    "default: issued}}\n"
		    "roles: {staff: {name: S, scope: section}}\n";
		struct strbuf err = STRBUF_INIT;
		struct profile *p = NULL;

		assert_int_equal(profile_load_buffer("d.yaml", bad, strlen(bad), &p, &err),
		                 -EINVAL);
		assert_non_null(strstr(err.buf,
		                       "has a default: the text does not say it, so say why "
		                       "with ward_choice"));
		strbuf_release(&err);
	}
}

static void test_bad_roles_ignored(void **state)
{
	/* malformed or unknown role strings grant nothing and break nothing */
	expect("{\"subject\":{\"roles\":[\"officer\",\"officer@org\",\"officer@system:a\",\"ghost@"
	       "section:a\",\"@\",\"\"]}," ACT("asset.copy") "," ASSET("1", "a") "}",
	       (const char *const[]){ "\"decision\":\"deny\"", NULL });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approval_by_record_section),
		cmocka_unit_test(test_level_at_least),
		cmocka_unit_test(test_wrong_section_denied),
		cmocka_unit_test(test_unless_and_inclusion),
		cmocka_unit_test(test_deny_overrides),
		cmocka_unit_test(test_obligations_and_two_approvers),
		cmocka_unit_test(test_record_attributes),
		cmocka_unit_test(test_wildcards_and_dotless),
		cmocka_unit_test(test_type_and_state),
		cmocka_unit_test(test_obligation_only_rule),
		cmocka_unit_test(test_deputy_acts_for),
		cmocka_unit_test(test_applicant_holds),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bad_roles_ignored),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_context_lint),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
