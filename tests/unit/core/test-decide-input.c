/* test-decide-input: the one builder of a decision request passes every role, field and context
 * entry on (web/decide.c once cut roles and fields at 64 while the door did not). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/strbuf.h"
#include "core/core.h"
#include "core/decide-input.h"
#include "core/records.h"
#include "policy/policy.h"

#define N_MANY 100

static struct profile *minato;

static int setup(void **state)
{
	struct strbuf err = STRBUF_INIT;
	int r = profile_load_named("minato", &minato, &err);

	if (r < 0)
		fprintf(stderr, "%s\n", err.buf);
	strbuf_release(&err);
	return r;
}

static int teardown(void **state)
{
	profile_free(minato);
	return 0;
}

/* N_MANY roles: staff of other sections first, staff of zeimu last (past any cap of 64). */
static void many_roles(char *store[N_MANY], const char *roles[N_MANY])
{
	for (int i = 0; i < N_MANY; i++) {
		store[i] = i + 1 < N_MANY ? xstrfmt("staff@section:s%02d", i)
		                          : xstrdup("staff@section:zeimu");
		roles[i] = store[i];
	}
}

static enum policy_effect decide_with(const char *action, const char *const *roles, size_t n)
{
	struct decide_input in;
	struct decision d;
	struct strbuf err = STRBUF_INIT;
	json_t *fields = json_pack("{s:s}", "access_controlled", "true");

	decide_input_init(&in, action);
	decide_input_subject(&in, "sato", roles, n, "zeimu", "職員");
	decide_input_resource(&in, "asset", 12, "active", "2", "zeimu", NULL, fields);
	assert_int_equal(policy_decide(minato, &in.q, &d, &err), 0);
	decide_input_release(&in);
	json_decref(fields);
	strbuf_release(&err);
	return d.effect;
}

static void test_every_role_counts(void **state)
{
	char *store[N_MANY];
	const char *roles[N_MANY];

	many_roles(store, roles);
	/* Staff of the record's section may read it and may copy it with approval ... */
	assert_int_equal(decide_with("asset.read", roles, N_MANY), EFFECT_ALLOW);
	assert_int_equal(decide_with("asset.copy", roles, N_MANY), EFFECT_APPROVAL);
	/* ... which a request cut at 64 roles would have denied. */
	assert_int_equal(decide_with("asset.read", roles, 64), EFFECT_DENY);
	assert_int_equal(decide_with("asset.copy", roles, 64), EFFECT_DENY);
	for (int i = 0; i < N_MANY; i++)
		free(store[i]);
}

static void test_fields_and_context(void **state)
{
	struct decide_input in;
	json_t *fields = json_object(), *ctx = json_object();
	char key[16];

	for (int i = 0; i < N_MANY; i++) {
		snprintf(key, sizeof(key), "f%03d", i);
		json_object_set_new(fields, key, json_string(key));
	}
	json_object_set_new(fields, "count", json_integer(3)); /* not a string: not decided on */
	json_object_set_new(ctx, "channel", json_string("internet"));
	json_object_set_new(ctx, "device", json_string("private"));
	json_object_set_new(ctx, "n", json_true());

	decide_input_init(&in, "asset.copy");
	decide_input_resource(&in, "asset", 7, "", "3", "zeimu", "zeimu-sys", fields);
	assert_int_equal(in.q.n_attrs, N_MANY);
	for (size_t i = 0; i < in.q.n_attrs; i++)
		assert_string_equal(in.q.attrs[i].key, in.q.attrs[i].value);
	assert_string_equal(in.q.resource_id, "7");
	assert_string_equal(in.q.resource_type, "asset");
	assert_null(in.q.state); /* an empty state is no state */
	decide_input_field_add(&in, "extra", "1");
	assert_int_equal(in.q.n_attrs, N_MANY + 1);
	decide_input_context_json(&in, ctx);
	decide_input_context_add(&in, "acting_for", "ciso");
	assert_int_equal(in.q.n_context, 3);
	assert_string_equal(in.q.context[2].key, "acting_for");
	decide_input_release(&in);
	assert_null(in.attrs);

	/* A new record has no id; something held elsewhere keeps the caller's id. */
	decide_input_init(&in, "asset.register");
	decide_input_resource(&in, "asset", 0, "draft", "1", "zeimu", NULL, NULL);
	assert_null(in.q.resource_id);
	assert_int_equal(in.q.n_attrs, 0);
	decide_input_outside(&in, "asset", "file-42", "active", "2", "kumin", NULL);
	assert_string_equal(in.q.resource_id, "file-42");
	assert_string_equal(in.q.state, "active");
	assert_string_equal(in.q.section, "kumin");
	decide_input_release(&in);
	json_decref(fields);
	json_decref(ctx);
}

static void test_record(void **state)
{
	char reg[] = "asset", state_[] = "active", level[] = "1", section[] = "kumin";
	struct record rec = {
		.id = 9, .register_id = reg, .state = state_, .level = level, .section = section
	};
	struct decide_input in = { 0 };

	decide_input_release(&in); /* a zeroed input may be released */
	rec.fields = json_pack("{s:s,s:i}", "title", "台帳", "n", 1);
	decide_input_init(&in, "asset.read");
	decide_input_record(&in, &rec);
	assert_string_equal(in.q.resource_id, "9");
	assert_string_equal(in.q.level, "1");
	assert_string_equal(in.q.section, "kumin");
	assert_int_equal(in.q.n_attrs, 1);
	decide_input_release(&in);
	json_decref(rec.fields);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_role_counts),
		cmocka_unit_test(test_fields_and_context),
		cmocka_unit_test(test_record),
	};
	return cmocka_run_group_tests_name("core-decide-input", tests, setup, teardown);
}
