/* test-profile: loading a profile into the model, lookups, and load errors with their positions. */
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

static struct profile *load_fixture(void)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;
	int r = profile_load_buffer("fixture.yaml", fixture_yaml, strlen(fixture_yaml), &p, &err);

	if (r < 0)
		fprintf(stderr, "# %s\n", err.buf);
	assert_int_equal(r, 0);
	strbuf_release(&err);
	return p;
}

static void test_identity(void **state)
{
	struct profile *p = load_fixture();

	assert_string_equal(p->id, "testward");
	assert_string_equal(p->title, "テスト区情報セキュリティ対策基準");
	assert_string_equal(p->municipality, "テスト区");
	assert_string_equal(p->source_document, "テスト基準");
	assert_string_equal(p->source_revision, "令和7年4月1日");
	assert_string_equal(p->effective, "2025-04-01");
	assert_string_equal(p->file, "fixture.yaml");
	assert_int_equal(strlen(profile_sha256_hex(p)), 64);
	profile_free(p);
}

static void test_sha256_is_the_version(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *a = load_fixture(), *b = NULL;
	char *copy = xstrdup(fixture_yaml);

	/* the same bytes give the same version; one changed character another one */
	assert_int_equal(profile_load_buffer("x", copy, strlen(copy), &b, &err), 0);
	assert_string_equal(a->sha256_hex, b->sha256_hex);
	profile_free(b);
	strstr(copy, "2025-04-01")[9] = '2';
	assert_int_equal(profile_load_buffer("x", copy, strlen(copy), &b, &err), 0);
	assert_string_not_equal(a->sha256_hex, b->sha256_hex);
	profile_free(a);
	profile_free(b);
	free(copy);
	strbuf_release(&err);
}

static void test_levels_ordered(void **state)
{
	struct profile *p = load_fixture();
	const struct policy_level *l3a = policy_level(p, "3A"), *l1 = policy_level(p, "1");

	assert_int_equal(p->n_levels, 5);
	assert_non_null(l3a);
	assert_non_null(l1);
	assert_int_equal(l3a->rank, 0);
	assert_int_equal(l1->rank, 4);
	assert_string_equal(p->levels[2].id, "3C");
	assert_null(policy_level(p, "3"));
	profile_free(p);
}

static void test_roles(void **state)
{
	struct profile *p = load_fixture();
	const struct policy_role *chief = policy_role(p, "chief"),
	                         *officer = policy_role(p, "officer");
	const struct policy_role *staff = policy_role(p, "staff");
	const struct policy_separation *sep = NULL;

	assert_non_null(chief);
	assert_string_equal(chief->name, "統括責任者");
	assert_int_equal(chief->scope, SCOPE_ORG);
	assert_ptr_equal(chief->deputy, policy_role(p, "vice"));
	assert_int_equal(officer->scope, SCOPE_SECTION);
	assert_true(officer->implied & (1ULL << staff->index));
	assert_false(staff->implied & (1ULL << officer->index));
	assert_null(policy_role(p, "nobody"));
	assert_ptr_equal(policy_role_n(p, "staff@section:x", 5), staff);
	assert_true(
	    policy_roles_exclusive(p, policy_role(p, "auditor"), policy_role(p, "sysadmin"), &sep));
	assert_string_equal(sep->id, "no-auditor-admin");
	assert_false(policy_roles_exclusive(p, chief, officer, NULL));
	profile_free(p);
}

static void test_registers_fields_states_actions(void **state)
{
	struct profile *p = load_fixture();
	const struct policy_register *asset = policy_register(p, "asset");
	const struct policy_action *take = policy_action(p, "asset.take_out");
	const struct policy_field *f;

	assert_non_null(asset);
	assert_int_equal(asset->n_fields, 6);
	f = policy_register_field(asset, "title");
	assert_int_equal(f->type, FIELD_TEXT);
	assert_true(f->required);
	f = policy_register_field(asset, "due");
	assert_int_equal(f->type, FIELD_DATE);
	assert_false(f->required);
	f = policy_register_field(asset, "kind");
	assert_int_equal(f->type, FIELD_ENUM);
	assert_int_equal(f->n_values, 2);
	assert_int_equal(asset->n_states, 3);
	assert_string_equal(asset->initial->id, "active");
	assert_non_null(take);
	assert_string_equal(take->full_name, "asset.take_out");
	assert_ptr_equal(take->reg, asset);
	assert_ptr_equal(take->to, policy_register_state(asset, "out"));
	assert_true(take->from & (1ULL << policy_register_state(asset, "active")->index));
	assert_int_equal(take->n_fields, 2);
	assert_true(policy_action_field(take, "purpose")->required);
	assert_string_equal(policy_action_field(take, "purpose")->name, "使用目的");
	assert_ptr_equal(policy_register_action(asset, "copy"), policy_action(p, "asset.copy"));
	assert_null(policy_action(p, "asset.steal"));
	assert_true(policy_action(p, "asset.register")->create);
	profile_free(p);
}

static void test_field_check(void **state)
{
	struct profile *p = load_fixture();
	const struct policy_register *asset = policy_register(p, "asset");
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(
	    policy_field_check(p, policy_register_field(asset, "due"), "2025-04-01", &err), 0);
	assert_int_equal(
	    policy_field_check(p, policy_register_field(asset, "due"), "2025-13-01", &err),
	    -EINVAL);
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "kind"), "paper", &err),
	                 0);
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "kind"), "stone", &err),
	                 -EINVAL);
	assert_string_equal(err.buf,
	                    "field 'kind' (種別) must be one of 'paper', 'data', not 'stone'");
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "level"), "3B", &err),
	                 0);
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "level"), "4", &err),
	                 -EINVAL);
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "title"), "", &err),
	                 -EINVAL);
	assert_string_equal(err.buf, "field 'title' (title) is required");
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "count"), "12x", &err),
	                 -EINVAL);
	assert_int_equal(policy_field_check(p, policy_register_field(asset, "main"), "true", &err),
	                 0);
	strbuf_release(&err);
	profile_free(p);
}

static void test_separation_duties_retention(void **state)
{
	struct profile *p = load_fixture();
	const struct policy_separation *s =
	    policy_separation_for_action(p, policy_action(p, "asset.copy"));
	struct policy_fallback fb;
	const struct policy_duty *d = policy_duty(p, "backup");
	const struct policy_retention *r = policy_retention_for(p, policy_register(p, "asset"));

	assert_non_null(s);
	assert_string_equal(s->id, "sod");
	fb = policy_separation_fallback(s, policy_role(p, "officer"));
	assert_int_equal(fb.kind, FALLBACK_ROUTE);
	assert_ptr_equal(fb.route, policy_role(p, "chief"));
	fb = policy_separation_fallback(s, policy_role(p, "chief"));
	assert_int_equal(fb.kind, FALLBACK_EXCEPTION);
	assert_int_equal(p->separation[1].kind, SEP_DISTINCT_PERSONS);
	assert_int_equal(p->separation[1].n_fields, 2);
	assert_string_equal(p->separation[1].fields[1]->id, "auditee");
	assert_non_null(d);
	assert_int_equal(d->every_seconds, 7 * 86400);
	assert_ptr_equal(d->evidence, policy_action(p, "asset.register"));
	assert_ptr_equal(d->role, policy_role(p, "sysadmin"));
	assert_non_null(r);
	assert_int_equal(r->keep_seconds, 5LL * 365 * 86400);
	assert_string_equal(r->note, "区が定める");
	profile_free(p);
}

/* Loads text that must fail; checks the first error's "line:col: message". */
static void expect_error(const char *yaml, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;
	int r = profile_load_buffer("bad.yaml", yaml, strlen(yaml), &p, &err);

	if (r == 0 || !strstr(err.buf, want))
		fprintf(stderr, "# got: %s\n# want: %s\n", err.buf, want);
	assert_int_not_equal(r, 0);
	assert_null(p);
	assert_non_null(strstr(err.buf, want));
	strbuf_release(&err);
}

#define HEAD                                                                                       \
	"format: mamori-profile/1\n"                                                               \
	"profile: {id: x, title: t, municipality: m}\n"

static void test_load_errors(void **state)
{
	expect_error("", "the profile is empty");
	expect_error("a: [1, 2\n", "YAML syntax");
	expect_error("format: mamori-profile/2\n",
	             "bad.yaml:1:9: unsupported format 'mamori-profile/2'");
	expect_error("profile: {}\n", "needs 'format: mamori-profile/1'");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nroels: {}\n",
	             "bad.yaml:4:1: unknown key 'roels' in the profile (did you mean 'roles'?)");
	expect_error(HEAD "roles:\n  a: {name: A, scope: ward}\n",
	             "bad.yaml:4:23: role scope must be org, section or system, not 'ward'");
	expect_error(
	    HEAD "roles:\n  a: {name: A, scope: org, deputy: bbbb}\n  bbb: {name: B, scope: org}\n",
	    "bad.yaml:4:36: unknown role 'bbbb' (did you mean 'bbb'?)");
	expect_error(HEAD "roles:\n  a: {name: A, scope: org}\n  a: {name: B, scope: org}\n",
	             "bad.yaml:5:3: duplicate key 'a' (first at line 4)");
	expect_error(HEAD "roles: {a: &x {name: A, scope: org}}\n", "anchors");
	expect_error(
	    HEAD
	    "roles: {a: {name: A, scope: org}}\nclauses:\n  X-1: {cite: 1, kind: Q, text: t}\n",
	    "clause kind must be E, R, M or H, not 'Q'");
	expect_error(HEAD "roles: {a: {name: A, scope: org, clause: X-2}}\nclauses:\n  X-1: {cite: "
	                  "1, kind: R, text: t}\n",
	             "bad.yaml:3:42: unknown clause 'X-2' (did you mean 'X-1'?)");
	expect_error(HEAD "roles:\n  a: {name: A, scope: section, includes: [b]}\n  b: {name: B, "
	                  "scope: system}\n",
	             "cannot include 'b' (scope system)");
	expect_error(HEAD "roles:\n  a: {name: A, scope: org, includes: [b]}\n  b: {name: B, "
	                  "scope: org, includes: [a]}\n",
	             "includes itself");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nregisters:\n  r:\n    name: R\n    "
	                  "fields: {f: strng}\n",
	             "unknown field type 'strng'");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nregisters:\n  r:\n    name: R\n    "
	                  "fields: {f: {type: txet}}\n",
	             "unknown field type 'txet' (did you mean 'text'?)");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nregisters:\n  r:\n    name: R\n    "
	                  "fields: {f: {type: enum}}\n",
	             "enum field 'f' needs 'values'");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nregisters:\n  r:\n    name: R\n    "
	                  "states: {stored: S}\n    actions:\n      go: {name: G, from: [stord]}\n",
	             "unknown state 'stord' (did you mean 'stored'?)");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nregisters:\n  r:\n    name: R\n    "
	                  "fields: {f: {type: ref, to: rr}}\n",
	             "unknown register 'rr'");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nduties:\n  - {id: d, name: D, role: "
	                  "a, every: often, evidence: r.x, clause: X}\n",
	             "'every' must be a duration");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nretention:\n  nothing: {keep: 1y}\n",
	             "unknown register 'nothing'");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nrequests: {expire: soon}\n",
	             "'expire' must be a duration");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nrequests: {expire: 11y}\n",
	             "'expire' is at most 10y");
	expect_error(HEAD "roles: {a: {name: A, scope: org}}\nrequests: {note: x}\n",
	             "'requests' needs 'expire'");
	expect_error("- a\n- b\n", "the profile must be a mapping");
	/* libfyaml never sees invalid UTF-8 (one such directive made it loop) */
	expect_error("format: x\n%i\xf3\xff\xff\xff\n",
	             "bad.yaml:2:3: the file is not valid UTF-8 here (byte 12)");
	expect_error("---\nformat: mamori-profile/1\n---\nx: 1\n", "one YAML document");
}

static void test_load_named(void **state)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;

	assert_int_equal(profile_load_named("minatoo", &p, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "no shipped profile 'minatoo' (did you mean 'minato'?)"));
	assert_int_equal(profile_load_named("/nonexistent/x.yaml", &p, &err), -ENOENT);
	assert_non_null(strstr(err.buf, "cannot read profile '/nonexistent/x.yaml'"));
	assert_null(p);
	strbuf_release(&err);
}

static void test_shipped_profiles_load(void **state)
{
	for (unsigned i = 0; i < policy_builtins_nr; i++) {
		struct strbuf err = STRBUF_INIT;
		struct profile *p = NULL;
		int r = profile_load_named(policy_builtins[i].id, &p, &err);

		if (r < 0)
			fprintf(stderr, "# %s\n", err.buf);
		assert_int_equal(r, 0);
		assert_string_equal(p->id, policy_builtins[i].id);
		/* both wards choose 14 days for approval requests (the texts set none) */
		assert_int_equal(p->request_expire_seconds, 14 * 86400);
		profile_free(p);
		strbuf_release(&err);
	}
}

/* The ids other modules and tests rely on (issue 3): kept exactly in both shipped profiles. */
static void test_shipped_identifiers(void **state)
{
	static const char *const actions[] = {
		"asset.copy",         "asset.send_media", "asset.transmit",
		"asset.take_out",     "asset.dispose",    "asset.show_third_party",
		"media.transport",    "media.dispose",    "iodata.dispose",
		"device.modify",      "device.take_out",  "device.install_offsite",
		"device.use_private", "software.install", "network.connect_external",
		"network.change",     "area.enter",       "exception.request",
		"user.register",      "admin.grant",
	};
	static const char *const min_roles[] = {
		"ciso",    "deputy_ciso", "system_chief", "system_manager", "security_officer",
		"council", "csirt",       "auditor",      "staff"
	};
	static const char *const shj_roles[] = { "cio",
		                                 "strategy_hq",
		                                 "general_security_officer",
		                                 "security_officer",
		                                 "network_manager",
		                                 "system_manager",
		                                 "staff" };
	struct strbuf err = STRBUF_INIT;
	struct profile *m = NULL, *s = NULL;

	assert_int_equal(profile_load_named("minato", &m, &err), 0);
	assert_int_equal(profile_load_named("shinjuku", &s, &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(actions); i++) {
		if (!policy_action(m, actions[i]) || !policy_action(s, actions[i]))
			fprintf(stderr, "# missing action %s\n", actions[i]);
		assert_non_null(policy_action(m, actions[i]));
		assert_non_null(policy_action(s, actions[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(min_roles); i++)
		assert_non_null(policy_role(m, min_roles[i]));
	for (size_t i = 0; i < ARRAY_SIZE(shj_roles); i++)
		assert_non_null(policy_role(s, shj_roles[i]));
	assert_int_equal(policy_role(m, "system_manager")->scope, SCOPE_SYSTEM);
	assert_int_equal(policy_role(m, "security_officer")->scope, SCOPE_SECTION);
	assert_int_equal(policy_role(s, "system_manager")->scope, SCOPE_SYSTEM);
	assert_int_equal(policy_role(s, "security_officer")->scope, SCOPE_SECTION);
	assert_string_equal(
	    policy_role(m, "system_chief")->holder,
	    "情報政策課長（情報政策課所管の情報システムのシステム管理者を兼任。2(4)①）");
	assert_ptr_equal(policy_role(m, "ciso")->deputy, policy_role(m, "deputy_ciso"));
	assert_int_equal(m->n_levels, 3);
	assert_string_equal(m->levels[0].id, "3");
	assert_string_equal(m->levels[1].id, "2");
	assert_string_equal(m->levels[2].id, "1");
	assert_int_equal(s->n_levels, 2);
	assert_string_equal(s->levels[0].id, "I");
	assert_string_equal(s->levels[1].id, "II");
	assert_int_equal(s->levels[0].n_criteria, 5);
	profile_free(m);
	profile_free(s);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_sha256_is_the_version),
		cmocka_unit_test(test_levels_ordered),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_registers_fields_states_actions),
		cmocka_unit_test(test_field_check),
		cmocka_unit_test(test_separation_duties_retention),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_named),
		cmocka_unit_test(test_shipped_profiles_load),
		cmocka_unit_test(test_shipped_identifiers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
