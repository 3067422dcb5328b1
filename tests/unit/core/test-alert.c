/* test-alert: raising alerts through the door as a system actor, reading them, handling them. */
#include "fixture.h"

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/alert.h"
#include "core/duties.h"
#include "ledger/ledger.h"
#include "policy/policy.h"

static void org(struct fixture *f)
{
	fx_section(f, "joho", "情報政策課");
	fx_section(f, "zeimu", "税務課");
	fx_user(f, "csirt1", "joho");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "sa1", "joho");
	fx_grant(f, "csirt1", "csirt@org");
	{
		struct act_attr a[] = { { "name", "基幹システム" }, { "section", "joho" } };
		fx_admin(f, ACT_SYSTEM_ADD, "kikan", a, 2);
	}
	fx_grant(f, "sa1", "system_manager@system:kikan");
}

static int64_t raise_one(struct fixture *f, const char *source, uint64_t *ret_index)
{
	static const uint64_t entries[] = { 3, 5, 8 };
	struct alert_input in = {
		.source = source,
		.rule = "ssh-brute-force",
		.severity = "high",
		.time_ms = 1764000000000LL,
		.host = "web01",
		.summary = "sshd の認証失敗が 60 秒に 5 回（192.0.2.7）",
		.entries = entries,
		.n_entries = 3,
	};
	int64_t id = 0;

	if (alert_raise(f->d, &in, &id, ret_index, &f->err) < 0)
		fail_msg("alert_raise: %s", f->err.buf);
	return id;
}

static void raise_and_list(void **state)
{
	struct fixture *f = *state;
	struct alert_list l = { 0 };
	struct alert a = { 0 };
	struct strbuf bytes = STRBUF_INIT, js = STRBUF_INIT;
	struct ledger_entry e;
	uint64_t index = 0;
	int64_t id, n = 0;

	id = raise_one(f, ACT_SYSTEM_MONITOR, &index);
	assert_true(id > 0);
	assert_int_equal(alerts_list(door_store(f->d), NULL, &l, &f->err), 0);
	assert_int_equal(l.nr, 1);
	assert_int_equal(l.items[0].id, id);
	assert_string_equal(l.items[0].rule, "ssh-brute-force");
	assert_string_equal(l.items[0].severity, "高");
	assert_string_equal(l.items[0].state, "open");
	assert_string_equal(l.items[0].host, "web01");
	assert_string_equal(l.items[0].source, "monitor");
	assert_int_equal(l.items[0].time_ms, 1764000000000LL);
	assert_int_equal(l.items[0].n_entries, 3);
	assert_int_equal(l.items[0].entries[2], 8);
	alert_list_release(&l);
	assert_int_equal(alerts_count(door_store(f->d), "open", &n, &f->err), 0);
	assert_int_equal(n, 1);

	/* The JSON keys of `mamori alert list --json`. */
	assert_int_equal(alert_get(door_store(f->d), id, &a, &f->err), 0);
	{
		struct json_writer w;
		jw_init(&w, &js);
		alert_json(&a, &w);
	}
	assert_non_null(strstr(js.buf, "\"rule\":\"ssh-brute-force\""));
	assert_non_null(strstr(js.buf, "\"time\":\"2025-11-24T16:00:00.000Z\""));
	assert_non_null(strstr(js.buf, "\"entries\":[3,5,8]"));
	alert_release(&a);

	/* The ledger entry names the system actor and carries the indexes publicly. */
	assert_int_equal(ledger_entry_bytes(door_ledger(f->d), index, &bytes, &f->err), 0);
	assert_int_equal(entry_decode(bytes.buf, bytes.len, &e, &f->err), 0);
	assert_string_equal(e.actor, "system:monitor");
	assert_string_equal(e.action, "alert.raise");
	assert_non_null(e.data);
	assert_non_null(memmem(e.data, e.data_len, "\"entries\":[3,5,8]", 17));
	assert_non_null(memmem(e.data, e.data_len, "\"via\":\"monitor\"", 15));
	assert_non_null(strstr(e.clauses, "MIN-5-5-7-3"));
	/* The summary may name a person: it is sealed, not public. */
	assert_null(memmem(e.data, e.data_len, "sshd", 4));
	assert_non_null(e.sealed);
	entry_release(&e);
	strbuf_release(&bytes);
	strbuf_release(&js);

	/* File integrity raises through the same door. */
	assert_true(raise_one(f, ACT_SYSTEM_FIM, NULL) > id);
}

static void refused_paths(void **state)
{
	struct fixture *f = *state;
	static const uint64_t one[] = { 1 };
	struct alert_input in = { .source = ACT_SYSTEM_MONITOR,
		                  .rule = "r",
		                  .summary = "s",
		                  .time_ms = 1,
		                  .entries = one,
		                  .n_entries = 1 };
	struct act_attr fields[] = {
		{ "rule", "r" },    { "severity", "高" }, { "detected_at", "2026-01-01T00:00:00Z" },
		{ "summary", "s" }, { "entries", "1" },   { "source", "monitor" }
	};
	struct act_input act = { .kind = ACT_RECORD, .action = "alert.raise" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t n = -1;

	org(f);
	/* An unknown severity, a missing summary, an unknown raiser. */
	in.severity = "urgent";
	assert_int_equal(alert_raise(f->d, &in, NULL, NULL, &f->err), -EINVAL);
	in.severity = "low";
	in.summary = NULL;
	assert_int_equal(alert_raise(f->d, &in, NULL, NULL, &f->err), -EINVAL);
	in.summary = "s";
	in.source = "sato";
	assert_int_equal(alert_raise(f->d, &in, NULL, NULL, &f->err), -EPERM);

	/* A person may not raise an alert: no rule of the profile allows alert.raise. */
	act.actor = "csirt1";
	act.fields = fields;
	act.n_fields = ARRAY_SIZE(fields);
	assert_int_equal(fx_act(f, &act, &res), ACT_REFUSED);
	act_result_release(&res);

	/* A system actor may do only what act_system_may lists, and never beside a person. */
	act.actor = NULL;
	act.system_actor = ACT_SYSTEM_MONITOR;
	act.action = "asset.register";
	act.ctx.via = "test";
	assert_int_equal(act_run(f->d, &act, &res, &f->err), -EPERM);
	act.action = "alert.raise";
	act.actor = "csirt1";
	assert_int_equal(act_run(f->d, &act, &res, &f->err), -EPERM);
	act.actor = NULL;
	act.system_actor = "scheduler";
	assert_int_equal(act_run(f->d, &act, &res, &f->err), -EPERM);
	assert_false(act_system_may("fim", "log_analysis.record"));
	assert_true(act_system_may("monitor", "log_analysis.record"));
	assert_int_equal(alerts_count(door_store(f->d), NULL, &n, &f->err), 0);
	assert_int_equal(n, 0);
}

static enum act_outcome act_on(struct fixture *f, const char *actor, int64_t id, const char *action,
                               const struct act_attr *fields, size_t n)
{
	struct act_input in = { .kind = ACT_RECORD, .actor = actor, .record_id = id };
	struct act_result res = ACT_RESULT_INIT;
	enum act_outcome o;

	in.action = action;
	in.fields = fields;
	in.n_fields = n;
	o = fx_act(f, &in, &res);
	act_result_release(&res);
	return o;
}

static void handled_by_csirt_and_system_managers(void **state)
{
	struct fixture *f = *state;
	struct act_attr disp[] = { { "disposition", "送信元を遮断した" } };
	struct alert a = { 0 };
	int64_t id, id2;

	org(f);
	id = raise_one(f, ACT_SYSTEM_MONITOR, NULL);
	id2 = raise_one(f, ACT_SYSTEM_MONITOR, NULL);
	/* Staff of a section may not handle alerts; the CSIRT and system managers may. */
	assert_int_equal(act_on(f, "sato", id, "alert.acknowledge", NULL, 0), ACT_REFUSED);
	assert_int_equal(act_on(f, "csirt1", id, "alert.acknowledge", NULL, 0), ACT_DONE);
	assert_int_equal(act_on(f, "csirt1", id, "alert.acknowledge", NULL, 0), ACT_REFUSED);
	assert_int_equal(act_on(f, "sa1", id, "alert.close", disp, 1), ACT_DONE);
	assert_int_equal(alert_get(door_store(f->d), id, &a, &f->err), 0);
	assert_string_equal(a.state, "closed");
	alert_release(&a);
	/* Closing needs the disposition recorded. */
	{
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "sa1",
			                .record_id = id2,
			                .action = "alert.close",
			                .ctx.via = "test" };
		struct act_result res = ACT_RESULT_INIT;
		int r = act_run(f->d, &in, &res, &f->err);
		assert_true(r < 0 || res.outcome == ACT_REFUSED);
		if (r == 0)
			act_result_release(&res);
	}
}

static void analysis_fulfils_the_duty(void **state)
{
	struct fixture *f = *state;
	struct act_attr fields[] = { { "period", "2026-11-21" },
		                     { "messages", "1234" },
		                     { "alerts", "0" },
		                     { "finding", "規則 6 件で分析した。警告なし" } };
	struct act_input in = { .kind = ACT_RECORD,
		                .system_actor = ACT_SYSTEM_MONITOR,
		                .action = "log_analysis.record" };
	struct act_result res = ACT_RESULT_INIT;
	struct duty_list l = { 0 };
	bool seen = false;

	org(f);
	in.fields = fields;
	in.n_fields = ARRAY_SIZE(fields);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(duties_compute(f->d, time_now_ms(), &l, &f->err), 0);
	for (size_t i = 0; i < l.nr; i++) {
		if (strcmp(l.items[i].duty->id, "log-analysis"))
			continue;
		assert_string_equal(l.items[i].scope, "system:kikan");
		assert_non_null(l.items[i].last_done_by);
		assert_string_equal(l.items[i].last_done_by, "system:monitor");
		assert_false(l.items[i].due);
		seen = true;
	}
	assert_true(seen);
	duty_list_release(&l);
}

static int setup_shinjuku(void **state)
{
	return fixture_setup_profile(state, "shinjuku");
}

/* Shinjuku's profile has the same register: the door raises alerts there the same way. */
static void shinjuku_raises(void **state)
{
	struct fixture *f = *state;
	struct alert_list l = { 0 };

	assert_true(raise_one(f, ACT_SYSTEM_MONITOR, NULL) > 0);
	assert_int_equal(alerts_list(door_store(f->d), NULL, &l, &f->err), 0);
	assert_int_equal(l.nr, 1);
	assert_string_equal(l.items[0].state, "open");
	alert_list_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(raise_and_list, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(refused_paths, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(handled_by_csirt_and_system_managers, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(analysis_fulfils_the_duty, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(shinjuku_raises, setup_shinjuku, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
