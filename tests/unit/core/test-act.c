/* test-act: the door: decisions, requests, separation of duties, obligations, expiry, races. */
#include <errno.h>
#include <pthread.h>

#include "fixture.h"
#include "base/cleanup.h"

#include "door-threads.h"

#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/inbox.h"
#include "core/personnel.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "ledger/ledger.h"
#include "policy/policy.h"

/* The Minato ward of these tests: 税務課 with two security officers, 区民課 with one. */
static void org(struct fixture *f)
{
	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "suzuki", "zeimu");
	fx_user(f, "suzuki2", "zeimu");
	fx_user(f, "tanaka", "kumin");
	fx_grant(f, "suzuki", "security_officer@section:zeimu");
	fx_grant(f, "suzuki2", "security_officer@section:zeimu");
	fx_grant(f, "tanaka", "security_officer@section:kumin");
}

static enum act_outcome do_action(struct fixture *f, const char *actor, int64_t rec,
                                  const char *action, const struct act_attr *fields, size_t n,
                                  struct act_result *res)
{
	struct act_input in = { .kind = ACT_RECORD, .actor = actor, .record_id = rec };

	in.action = action;
	in.fields = fields;
	in.n_fields = n;
	return fx_act(f, &in, res);
}

static enum act_outcome approve(struct fixture *f, const char *actor, int64_t req,
                                struct act_result *res)
{
	struct act_input in = { .kind = ACT_APPROVE, .actor = actor, .request_id = req };

	return fx_act(f, &in, res);
}

static const struct act_attr take_out[] = { { "destination", "区民センター" },
	                                    { "purpose", "出張窓口" } };

static bool has_clause(const struct act_result *r, const char *id)
{
	for (size_t i = 0; i < r->n_clauses; i++)
		if (!strcmp(r->clauses[i], id))
			return true;
	return false;
}

static uint64_t ledger_size(struct fixture *f)
{
	uint64_t size = 0;
	uint8_t root[32];

	assert_int_equal(ledger_head(door_ledger(f->d), &size, root, &f->err), 0);
	return size;
}

/* One act, one ledger entry: the act log and the ledger grow together. */
static void assert_one_entry_per_act(struct fixture *f)
{
	assert_int_equal((int64_t)ledger_size(f), fx_count(f, "SELECT count(*) FROM acts"));
	assert_int_equal(fx_count(f, "SELECT count(DISTINCT ledger_index) FROM acts"),
	                 fx_count(f, "SELECT count(*) FROM acts"));
}

/* The ledger entry of the record's last change holds the digest of the record as stored. */
static void assert_after_digest(struct fixture *f, int64_t rec)
{
	struct record r = { 0 };
	struct strbuf bytes = STRBUF_INIT;
	struct ledger_entry e = { 0 };
	uint8_t want[32];
	int64_t index = fx_count(f, "SELECT max(ledger_index) FROM acts WHERE outcome = 'done'"
	                            " AND (record_id = (SELECT max(id) FROM records))");

	assert_int_equal(record_get(door_store(f->d), rec, &r, &f->err), 0);
	act_digest_record(&r, want);
	assert_int_equal(ledger_entry_bytes(door_ledger(f->d), (uint64_t)index, &bytes, &f->err),
	                 0);
	assert_int_equal(entry_decode(bytes.buf, bytes.len, &e, &f->err), 0);
	assert_non_null(e.after);
	assert_memory_equal(e.after, want, 32);
	entry_release(&e);
	strbuf_release(&bytes);
	record_release(&r);
}

static void test_copy_needs_the_section_officer(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	int64_t rec, req;
	struct request q = { 0 };

	org(f);
	rec = fx_asset(f, "sato", "3");
	assert_int_equal(do_action(f, "sato", rec, "asset.copy", NULL, 0, &res), ACT_PENDING);
	req = res.request_id;
	assert_true(req > 0);
	assert_int_equal(res.n_approvers, 1);
	assert_string_equal(res.approvers[0].role, "security_officer");
	assert_string_equal(res.approvers[0].scope, "section:zeimu");
	assert_string_equal(res.approvers[0].scope_name, "税務課");
	assert_true(has_clause(&res, "MIN-3-3-3"));
	act_result_release(&res);

	/* the applicant, even if they held the role, cannot approve: refused, MIN-2-6-1 first */
	assert_int_equal(approve(f, "sato", req, &res), ACT_REFUSED);
	assert_string_equal(res.clauses[0], "MIN-2-6-1");
	assert_string_equal(res.reason, "self_approval");
	act_result_release(&res);
	/* a 課長 of another section is not this section's officer */
	assert_int_equal(approve(f, "tanaka", req, &res), ACT_REFUSED);
	assert_non_null(strstr(res.message, "security_officer@section:zeimu"));
	assert_string_equal(res.reason, "not_approver");
	act_result_release(&res);
	assert_int_equal(approve(f, "suzuki", req, &res), ACT_DONE);
	assert_int_equal(res.record_id, rec);
	act_result_release(&res);
	/* decided once: a second approval is refused */
	assert_int_equal(approve(f, "suzuki2", req, &res), ACT_REFUSED);
	assert_non_null(strstr(res.message, "already approved"));
	act_result_release(&res);

	assert_int_equal(request_get(door_store(f->d), req, &q, &f->err), 0);
	assert_string_equal(q.state, "approved");
	assert_string_equal(q.slots[0].approved_login, "suzuki");
	request_release(&q);
	/* level 1 copies need no approval */
	rec = fx_asset(f, "sato", "1");
	assert_after_digest(f, rec);
	assert_int_equal(do_action(f, "sato", rec, "asset.copy", NULL, 0, NULL), ACT_DONE);
	assert_after_digest(f, rec);
	assert_one_entry_per_act(f);
}

static void test_self_approval_when_holding_the_role(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	int64_t rec, req;

	org(f);
	/* suzuki is a security officer of 税務課 and applies: suzuki2 approves, never suzuki */
	rec = fx_asset(f, "suzuki", "2");
	assert_int_equal(do_action(f, "suzuki", rec, "asset.copy", NULL, 0, &res), ACT_PENDING);
	req = res.request_id;
	assert_false(res.approvers[0].needs_exception);
	act_result_release(&res);
	assert_int_equal(approve(f, "suzuki", req, &res), ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-2-6-1"));
	act_result_release(&res);
	assert_int_equal(approve(f, "suzuki2", req, &res), ACT_DONE);
	act_result_release(&res);
}

/*
 * The main network's system (庁内LAN of 情報政策課) and its manager: only the network's own
 * system manager applies to change it (MIN-5-2-2-1).
 */
static void fx_lan_managed_by(struct fixture *f, const char *login)
{
	struct act_attr sys[] = { { "name", "庁内LAN" }, { "section", "joho" } };

	fx_admin(f, ACT_SYSTEM_ADD, "lan", sys, 2);
	fx_grant(f, login, "system_manager@system:lan");
}

/*
 * Minato S4: the 情報政策課長 holds system_chief alone; a main-network change he applies
 * for needs system_chief's approval. The profile's fallback (exception) marks the request;
 * he cannot approve it; a second holder (appointed acting) can.
 */
static void test_only_holder_needs_exception(void **state)
{
	struct fixture *f = *state;
	/* what 5(2)2) and 5(5)2) say a network's record keeps */
	struct act_attr net[] = { { "name", "庁内LAN" },
		                  { "main", "true" },
		                  { "system", "lan" },
		                  { "configuration", "コアスイッチ2台" },
		                  { "device_locations", "本庁舎サーバ室" },
		                  { "cabling_route", "本庁舎EPS経由" },
		                  { "access_allowed", "情報政策課の担当者" },
		                  { "external_points", "1" } };
	struct act_attr chg[] = { { "description", "基幹スイッチの更新" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "kacho", .register_id = "network" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t rec, req;

	fx_section(f, "joho", "情報政策課");
	fx_user(f, "kacho", "joho");
	fx_user(f, "acting", "joho");
	fx_grant(f, "kacho", "system_chief@org");
	fx_grant(f, "kacho", "security_officer@section:joho");
	fx_lan_managed_by(f, "kacho");
	in.fields = net;
	in.n_fields = ARRAY_SIZE(net);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	rec = res.record_id;
	act_result_release(&res);
	assert_int_equal(do_action(f, "kacho", rec, "network.change", chg, 1, &res), ACT_PENDING);
	req = res.request_id;
	assert_string_equal(res.approvers[0].role, "system_chief");
	assert_true(res.approvers[0].needs_exception);
	act_result_release(&res);
	assert_int_equal(approve(f, "kacho", req, &res), ACT_REFUSED);
	assert_string_equal(res.clauses[0], "MIN-2-6-1");
	act_result_release(&res);
	fx_grant(f, "acting", "system_chief@org");
	assert_int_equal(approve(f, "acting", req, &res), ACT_DONE);
	act_result_release(&res);
	assert_one_entry_per_act(f);
}

/*
 * A ward that names a superior (fallback system_chief: ciso): the request the only
 * システム統括管理者 files goes to the セキュリティ統括責任者 instead, marked as routed.
 */
static void test_fallback_routes_to_the_named_role(void **state)
{
	struct fixture *f = *state;
	struct strbuf yaml = STRBUF_INIT;
	struct act_attr name[] = { { "name", "minato-route.yaml" },
		                   { "emergency", "承認経路の試験" } };
	/* what 5(2)2) and 5(5)2) say a network's record keeps */
	struct act_attr net[] = { { "name", "庁内LAN" },
		                  { "main", "true" },
		                  { "system", "lan" },
		                  { "configuration", "コアスイッチ2台" },
		                  { "device_locations", "本庁舎サーバ室" },
		                  { "cabling_route", "本庁舎EPS経由" },
		                  { "access_allowed", "情報政策課の担当者" },
		                  { "external_points", "1" } };
	struct act_attr chg[] = { { "description", "基幹スイッチの更新" } };
	struct act_input in = { .kind = ACT_POLICY_APPLY, .actor = "admin" };
	struct act_result res = ACT_RESULT_INIT;
	const char *from = "    fallback:\n      default: exception\n";
	char *at;
	int64_t rec, req;

	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, "minato"))
			strbuf_add(&yaml, policy_builtins[i].data, policy_builtins[i].len);
	at = strstr(yaml.buf, from);
	assert_non_null(at);
	{
		struct strbuf edited = STRBUF_INIT;
		strbuf_add(&edited, yaml.buf, (size_t)(at - yaml.buf));
		strbuf_addstr(
		    &edited, "    fallback:\n      system_chief: ciso\n      default: exception\n");
		strbuf_addstr(&edited, at + strlen(from));
		strbuf_release(&yaml);
		yaml = edited;
	}
	in.blob = yaml.buf;
	in.blob_len = yaml.len;
	in.fields = name;
	in.n_fields = 2;
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);

	fx_section(f, "joho", "情報政策課");
	fx_section(f, "somu", "総務課");
	fx_user(f, "kacho", "joho");
	fx_user(f, "fukukucho", "somu");
	fx_grant(f, "kacho", "system_chief@org");
	fx_grant(f, "fukukucho", "ciso@org");
	fx_lan_managed_by(f, "kacho");
	in = (struct act_input){ .kind = ACT_RECORD, .actor = "kacho", .register_id = "network" };
	in.fields = net;
	in.n_fields = ARRAY_SIZE(net);
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	rec = res.record_id;
	act_result_release(&res);
	assert_int_equal(do_action(f, "kacho", rec, "network.change", chg, 1, &res), ACT_PENDING);
	req = res.request_id;
	assert_string_equal(res.approvers[0].role, "ciso");
	assert_string_equal(res.approvers[0].scope, "org");
	assert_string_equal(res.approvers[0].routed_from, "system_chief@org");
	assert_false(res.approvers[0].needs_exception);
	act_result_release(&res);
	assert_int_equal(approve(f, "kacho", req, &res), ACT_REFUSED);
	act_result_release(&res);
	assert_int_equal(approve(f, "fukukucho", req, &res), ACT_DONE);
	act_result_release(&res);
	strbuf_release(&yaml);
}

/* Applies the shipped Minato profile with from replaced by to (an edited ward's profile). */
static void apply_minato_edited(struct fixture *f, const char *from, const char *to)
{
	struct strbuf yaml = STRBUF_INIT, edited = STRBUF_INIT;
	struct act_attr name[] = { { "name", "minato-edited.yaml" },
		                   { "emergency", "試験のための変更" } };
	struct act_input in = { .kind = ACT_POLICY_APPLY, .actor = "admin" };
	struct act_result res = ACT_RESULT_INIT;
	const char *at;

	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, "minato"))
			strbuf_add(&yaml, policy_builtins[i].data, policy_builtins[i].len);
	at = strstr(yaml.buf, from);
	assert_non_null(at);
	strbuf_add(&edited, yaml.buf, (size_t)(at - yaml.buf));
	strbuf_addstr(&edited, to);
	strbuf_addstr(&edited, at + strlen(from));
	in.blob = edited.buf;
	in.blob_len = edited.len;
	in.fields = name;
	in.n_fields = 2;
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	strbuf_release(&yaml);
	strbuf_release(&edited);
}

/*
 * A `unique` field (the 管理番号) is checked again when an approval applies the request: of
 * two pending requests for one number, the second approved is refused (reason duplicate) and
 * cancelled with that reason, and only one device holds the number.
 */
static void test_unique_rechecked_when_approved(void **state)
{
	struct fixture *f = *state;
	struct act_attr dev[] = { { "asset_number", "PC-0100" }, { "location", "情報政策課" },
		                  { "kind", "端末装置" },        { "section", "joho" },
		                  { "system", "lan" },           { "config_protected", "true" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "kato", .register_id = "device" };
	struct act_result res = ACT_RESULT_INIT;
	int64_t req1, req2;

	/* a ward whose devices are registered only with the 課長's approval */
	apply_minato_edited(f,
	                    "    when: {actor: {role: system_manager, at: record}}\n"
	                    "    effect: allow\n    clause: [MIN-5-1-2-1, MIN-5-1-2-2",
	                    "    when: {actor: {role: system_manager, at: record}}\n"
	                    "    effect: approval\n    approver: security_officer@record\n"
	                    "    clause: [MIN-5-1-2-1, MIN-5-1-2-2");
	fx_section(f, "joho", "情報政策課");
	fx_user(f, "kato", "joho");
	fx_user(f, "kacho", "joho");
	fx_grant(f, "kacho", "security_officer@section:joho");
	fx_lan_managed_by(f, "kato");
	in.fields = dev;
	in.n_fields = sizeof(dev) / sizeof(dev[0]);
	assert_int_equal(fx_act(f, &in, &res), ACT_PENDING);
	req1 = res.request_id;
	act_result_release(&res);
	dev[0].value = " pc-0100 "; /* the same number, as people may type it */
	assert_int_equal(fx_act(f, &in, &res), ACT_PENDING);
	req2 = res.request_id;
	act_result_release(&res);

	assert_int_equal(approve(f, "kacho", req1, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(approve(f, "kacho", req2, &res), ACT_REFUSED);
	assert_string_equal(res.reason, "duplicate");
	assert_true(has_clause(&res, "MIN-5-1-2-1"));
	assert_non_null(res.detail_fmt);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records WHERE register = 'device'"), 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM requests WHERE state = 'cancelled'"
	                             " AND closed_reason = 'duplicate'"),
	                 1);
	assert_one_entry_per_act(f);
}

static void test_obligations(void **state)
{
	struct fixture *f = *state;
	struct act_attr media[] = { { "label", "USB-01" },
		                    { "kind", "USBメモリ" },
		                    { "location", "書庫" },
		                    { "lockable", "true" },
		                    { "main_network", "false" } };
	struct act_attr where[] = { { "transported_at", "2026-04-01T10:00:00+09:00" },
		                    { "destination", "区民課" },
		                    { "carrier", "sato" } };
	struct act_attr bad_method[] = { { "method", "初期化" } };
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "media" };
	struct act_result res = ACT_RESULT_INIT;
	const struct policy_field *kind;
	struct record r = { 0 };
	int64_t rec;

	org(f);
	/* the profile's enum for media.kind: use its first value */
	kind = policy_register_field(policy_register(door_profile(f->d), "media"), "kind");
	assert_non_null(kind);
	media[1].value = kind->values[0];
	in.fields = media;
	in.n_fields = ARRAY_SIZE(media);
	in.level = "3";
	in.section = "zeimu";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	rec = res.record_id;
	act_result_release(&res);

	/* transport must record 搬送日時 and 搬送先 (MIN-3-5-3) */
	assert_int_equal(do_action(f, "sato", rec, "media.transport", where + 1, 2, &res),
	                 ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-3-5-3"));
	assert_non_null(strstr(res.message, "transported_at"));
	act_result_release(&res);
	assert_int_equal(do_action(f, "sato", rec, "media.transport", where, 3, NULL), ACT_DONE);
	assert_int_equal(record_get(door_store(f->d), rec, &r, &f->err), 0);
	assert_string_equal(r.state, "in_transit");
	record_release(&r);
	assert_int_equal(do_action(f, "sato", rec, "media.receive", NULL, 0, NULL), ACT_DONE);

	/* disposal: a method the profile does not allow is not even a valid value */
	in = (struct act_input){ .kind = ACT_RECORD, .actor = "sato", .record_id = rec };
	in.action = "media.dispose";
	in.fields = bad_method;
	in.n_fields = 1;
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL);
	/* without a method: refused, citing the disposal clauses */
	assert_int_equal(do_action(f, "sato", rec, "media.dispose", NULL, 0, &res), ACT_REFUSED);
	act_result_release(&res);
	assert_one_entry_per_act(f);
}

static void test_suspended_user_can_do_nothing(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_RECORD, .actor = "sato", .register_id = "asset" };
	struct act_attr fields[] = { { "title", "x" }, { "access_controlled", "true" } };
	uint64_t before;

	org(f);
	fx_admin(f, ACT_USER_SUSPEND, "sato", NULL, 0);
	in.fields = fields;
	in.n_fields = 2;
	in.level = "1";
	in.section = "zeimu";
	before = ledger_size(f);
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-5-5-6-2"));
	act_result_release(&res);
	/* the refusal itself is evidence: one more ledger entry */
	assert_int_equal(ledger_size(f), before + 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records"), 0);
	fx_admin(f, ACT_USER_ACTIVATE, "sato", NULL, 0);
	assert_int_equal(fx_act(f, &in, NULL), ACT_DONE);
}

static int64_t fake_now;
static int64_t fake_clock(void)
{
	return fake_now;
}

static void test_requests_expire(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct request q = { 0 };
	int64_t rec, req;

	org(f);
	rec = fx_asset(f, "sato", "3");
	fake_now = time_now_ms();
	door_set_clock(f->d, fake_clock);
	assert_int_equal(do_action(f, "sato", rec, "asset.copy", NULL, 0, &res), ACT_PENDING);
	req = res.request_id;
	act_result_release(&res);
	fake_now += 15LL * 24 * 3600 * 1000;
	assert_int_equal(approve(f, "suzuki", req, &res), ACT_REFUSED);
	assert_non_null(strstr(res.message, "expired"));
	act_result_release(&res);
	assert_int_equal(request_get(door_store(f->d), req, &q, &f->err), 0);
	assert_string_equal(q.state, "expired");
	request_release(&q);
	door_set_clock(f->d, NULL);
}

/*
 * 人事異動 dated ahead (4月1日): the door keeps the move and the person stays where they are
 * until the day; it cannot be applied early; a retirement before the day cancels it; on the day
 * personnel_run_due applies it through the door (via scheduler), in the scheduler's name.
 */
static void test_move_dated_ahead(void **state)
{
	struct fixture *f = *state;
	const int64_t day_ms = 24LL * 3600 * 1000;
	struct strbuf day = STRBUF_INIT;
	struct act_attr early[] = { { "scheduled", "1" } };
	struct act_input in = { .kind = ACT_USER_MOVE, .actor = "admin", .ctx.via = "test" };
	struct act_result res = ACT_RESULT_INIT;
	struct personnel_move pm = { 0 };
	struct org_user u = { 0 };
	size_t applied = 0, failed = 0;

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "kato", "zeimu");
	fake_now = time_now_ms();
	door_set_clock(f->d, fake_clock);
	core_format_local_date(&day, fake_now + 3 * day_ms);
	{
		struct act_attr mv[] = { { "section", "kumin" },
			                 { "title", "区民課主事" },
			                 { "from", day.buf } };
		fx_admin(f, ACT_USER_MOVE, "sato", mv, 3);
		fx_admin(f, ACT_USER_MOVE, "kato", mv, 3);
	}
	assert_int_equal(org_user_get(door_store(f->d), "sato", &u, &f->err), 0);
	assert_string_equal(u.section, "zeimu");
	assert_int_equal(personnel_scheduled_get(door_store(f->d), u.id, &pm, &f->err), 0);
	assert_string_equal(pm.section, "kumin");
	assert_string_equal(pm.on, day.buf);
	personnel_move_release(&pm);
	org_user_release(&u);

	/* not before its day: nothing is due, and the door refuses it early */
	assert_int_equal(personnel_run_due(f->d, fake_now, &applied, &failed, &f->err), 0);
	assert_int_equal(applied, 0);
	in.fields = early;
	in.n_fields = 1;
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL);
	assert_non_null(strstr(f->err.buf, "takes effect on"));

	/* kato retires before the day: his move goes with him */
	fx_admin(f, ACT_USER_RETIRE, "kato", NULL, 0);
	fake_now += 4 * day_ms;
	assert_int_equal(personnel_run_due(f->d, fake_now, &applied, &failed, &f->err), 0);
	assert_int_equal(applied, 1);
	assert_int_equal(failed, 0);
	assert_int_equal(org_user_get(door_store(f->d), "sato", &u, &f->err), 0);
	assert_string_equal(u.section, "kumin");
	assert_string_equal(u.title, "区民課主事");
	org_user_release(&u);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM user_moves WHERE state = 'done'"), 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM user_moves WHERE state = 'cancelled'"),
	                 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM acts WHERE via = 'scheduler'"
	                             " AND action = 'user.move' AND outcome = 'done'"),
	                 1);
	/* once done, never again */
	assert_int_equal(personnel_run_due(f->d, fake_now, &applied, &failed, &f->err), 0);
	assert_int_equal(applied, 0);
	door_set_clock(f->d, NULL);
	strbuf_release(&day);
	assert_one_entry_per_act(f);
}

/* The administrators' inbox item of the move whose day came unapplied (0 when none). */
static const struct inbox_item *stuck_item(struct fixture *f, struct inbox *b)
{
	struct reader *rd = NULL;
	struct org_user u = { 0 };

	assert_int_equal(
	    reader_for_login(door_store(f->d), door_profile(f->d), "admin", fake_now, &rd, &f->err),
	    0);
	assert_int_equal(org_user_get(door_store(f->d), "admin", &u, &f->err), 0);
	assert_int_equal(inbox_collect(f->d, door_store(f->d), rd, u.id, fake_now, b, &f->err), 0);
	org_user_release(&u);
	reader_unref(rd);
	for (size_t i = 0; i < b->nr; i++)
		if (b->items[i].kind == INBOX_MOVE)
			return &b->items[i];
	return NULL;
}

/*
 * A move dated ahead whose scheduler lost the administrator's role before the day: the door
 * refuses applying it, it stays scheduled, and the administrators see it in their inbox with
 * why (the refusal's ledger entry, who scheduled it); an administrator cancels it through the
 * door (user.move_cancel), after which nothing is stuck and nothing is due; a non-administrator
 * may not cancel, and what is not scheduled cannot be cancelled.
 */
static void test_move_refused_then_cancelled(void **state)
{
	struct fixture *f = *state;
	const int64_t day_ms = 24LL * 3600 * 1000;
	struct strbuf day = STRBUF_INIT;
	struct act_input in = { .kind = ACT_USER_MOVE, .actor = "boss", .target = "sato" };
	struct act_input cancel = { .kind = ACT_USER_MOVE_CANCEL, .target = "sato" };
	struct act_result res = ACT_RESULT_INIT;
	struct personnel_stuck *v = NULL;
	const struct inbox_item *it;
	struct inbox b = { 0 };
	size_t nr = 0, applied = 0, failed = 0;

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_user(f, "sato", "zeimu");
	fx_user(f, "boss", "zeimu");
	fx_user(f, "clerk", "zeimu");
	fx_grant(f, "boss", "mamori_admin@org");
	fake_now = time_now_ms();
	door_set_clock(f->d, fake_clock);
	core_format_local_date(&day, fake_now + 2 * day_ms);
	{
		struct act_attr mv[] = { { "section", "kumin" }, { "from", day.buf } };
		in.fields = mv;
		in.n_fields = 2;
		assert_int_equal(fx_act(f, &in, NULL), ACT_DONE);
	}
	{
		struct act_attr role[] = { { "role", "mamori_admin@org" } };
		fx_admin(f, ACT_ROLE_REVOKE, "boss", role, 1);
	}
	/* before the day nothing is stuck */
	assert_int_equal(personnel_stuck_list(door_store(f->d), fake_now, &v, &nr, &f->err), 0);
	assert_int_equal(nr, 0);
	assert_null(stuck_item(f, &b));
	inbox_release(&b);

	/* on the day the door refuses it in boss's name: it stays, and says why */
	fake_now += 3 * day_ms;
	assert_int_equal(personnel_run_due(f->d, fake_now, &applied, &failed, &f->err), 0);
	assert_int_equal(applied, 0);
	assert_int_equal(failed, 1);
	strbuf_reset(&f->err);
	assert_int_equal(personnel_stuck_list(door_store(f->d), fake_now, &v, &nr, &f->err), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(v[0].login, "sato");
	assert_string_equal(v[0].section, "kumin");
	assert_string_equal(v[0].on, day.buf);
	assert_false(v[0].by_admin);
	assert_true(v[0].refused_index > 0);
	personnel_stuck_release(v, nr);
	it = stuck_item(f, &b);
	assert_non_null(it);
	assert_string_equal(it->state, "refused_not_admin");
	assert_string_equal(it->scope, "section:kumin");
	assert_string_equal(it->by, "boss");
	assert_true(it->ledger_index > 0);
	inbox_release(&b);

	/* clerk may not cancel it; admin does, through the door */
	cancel.actor = "clerk";
	assert_int_equal(fx_act(f, &cancel, &res), ACT_REFUSED);
	act_result_release(&res);
	cancel.actor = "admin";
	assert_int_equal(fx_act(f, &cancel, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM user_moves WHERE state = 'cancelled'"),
	                 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM acts WHERE action = 'user.move_cancel'"
	                             " AND outcome = 'done'"),
	                 1);
	assert_int_equal(personnel_stuck_list(door_store(f->d), fake_now, &v, &nr, &f->err), 0);
	assert_int_equal(nr, 0);
	assert_null(stuck_item(f, &b));
	inbox_release(&b);
	assert_int_equal(personnel_run_due(f->d, fake_now, &applied, &failed, &f->err), 0);
	assert_int_equal(applied + failed, 0);
	/* nothing left to cancel */
	assert_int_equal(act_run(f->d, &cancel, &res, &f->err), -ENOENT);
	assert_non_null(strstr(f->err.buf, "has no move dated ahead"));
	door_set_clock(f->d, NULL);
	strbuf_release(&day);
	assert_one_entry_per_act(f);
}

static void test_reject(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_REJECT, .actor = "suzuki" };
	int64_t rec;

	org(f);
	rec = fx_asset(f, "sato", "2");
	assert_int_equal(do_action(f, "sato", rec, "asset.take_out", take_out, 2, &res),
	                 ACT_PENDING);
	in.request_id = res.request_id;
	act_result_release(&res);
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL); /* no reason given */
	in.comment = "目的が不明確";
	in.actor = "sato";
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	act_result_release(&res);
	in.actor = "suzuki";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(approve(f, "suzuki2", in.request_id, &res), ACT_REFUSED);
	assert_non_null(strstr(res.message, "already rejected"));
	act_result_release(&res);
}

/* An approval racing a record change: the request is cancelled, nothing applied twice. */
static void test_record_changed_under_request(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct request q = { 0 };
	struct record r = { 0 };
	int64_t rec, req;

	org(f);
	rec = fx_asset(f, "sato", "1");
	assert_int_equal(do_action(f, "sato", rec, "asset.take_out", take_out, 2, &res),
	                 ACT_PENDING);
	req = res.request_id;
	act_result_release(&res);
	assert_int_equal(do_action(f, "sato", rec, "asset.dispose", NULL, 0, NULL), ACT_DONE);
	assert_int_equal(approve(f, "suzuki", req, &res), ACT_REFUSED);
	assert_non_null(strstr(res.message, "changed since"));
	act_result_release(&res);
	assert_int_equal(request_get(door_store(f->d), req, &q, &f->err), 0);
	assert_string_equal(q.state, "cancelled");
	request_release(&q);
	assert_int_equal(record_get(door_store(f->d), rec, &r, &f->err), 0);
	assert_string_equal(r.state, "disposed");
	record_release(&r);
}

struct race {
	struct door *d;
	const char *actor;
	int64_t request;
	enum act_outcome outcome;
	int ret;
};

static void *race_approve(void *arg)
{
	struct race *x = arg;
	struct act_input in = { .kind = ACT_APPROVE, .actor = x->actor, .request_id = x->request };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;

	in.ctx.via = "test";
	x->ret = act_run(x->d, &in, &res, &err);
	x->outcome = res.outcome;
	act_result_release(&res);
	strbuf_release(&err);
	return NULL;
}

/* Eight approvers at once on one request (one door, many threads): exactly one outcome. */
static void test_parallel_approvals(void **state)
{
	struct fixture *f = *state;
	struct act_result res = ACT_RESULT_INIT;
	struct race x[8];
	pthread_t th[8];
	int done = 0, refused = 0;
	int64_t rec;

	org(f);
	rec = fx_asset(f, "sato", "3");
	assert_int_equal(do_action(f, "sato", rec, "asset.copy", NULL, 0, &res), ACT_PENDING);
	for (int i = 0; i < 8; i++) {
		x[i] = (struct race){ .d = f->d,
			              .actor = i % 2 ? "suzuki" : "suzuki2",
			              .request = res.request_id };
		assert_int_equal(pthread_create(&th[i], NULL, race_approve, &x[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(x[i].ret, 0);
		done += x[i].outcome == ACT_DONE;
		refused += x[i].outcome == ACT_REFUSED;
	}
	act_result_release(&res);
	assert_int_equal(done, 1);
	assert_int_equal(refused, 7);
	/* applied once: version 1 at creation, 2 after the copy */
	assert_int_equal(fx_count(f, "SELECT version FROM records WHERE id = 1"), 2);
	assert_one_entry_per_act(f);
}

static void test_parallel_acts_group_commit(void **state)
{
	struct fixture *f = *state;
	struct thread_act a[4];
	pthread_t th[4];

	org(f);
	thread_acts_start(a, th, 4, f->d, "並行登録", 50);
	thread_acts_join_done(a, th, 4, time_mono_ns() + DOOR_WAIT_NS);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records"), 200);
	assert_one_entry_per_act(f);
}

static void test_weak_password_refused_with_clause(void **state)
{
	struct fixture *f = *state;
	struct act_attr a[] = { { "name", "山田 太郎" }, { "section", "zeimu" } };
	struct act_input in = { .kind = ACT_USER_ADD, .actor = "admin", .target = "yamada" };
	struct act_result res = ACT_RESULT_INIT;

	fx_section(f, "zeimu", "税務課");
	in.fields = a;
	in.n_fields = 2;
	in.secret = "yamada2026";
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-5-5-5-1"));
	assert_null(strstr(res.message, "yamada2026"));
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM users WHERE login = 'yamada'"), 0);
	in.secret = "kumo-no-ue-no-tanuki-77";
	assert_int_equal(fx_act(f, &in, NULL), ACT_DONE);
	/* staff of their section, by the profile's base role */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM role_assignments r JOIN users u ON"
	                             " u.id = r.user_id WHERE u.login = 'yamada' AND r.role ="
	                             " 'staff' AND r.scope = 'section:zeimu'"),
	                 1);
	/* the ledger never holds the password, not even sealed */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM acts WHERE fields LIKE '%tanuki%'"), 0);
}

/*
 * The password is checked and hashed before its act enters a batch (outside the write
 * transaction): what the door then stores is the prepared hash, and a weak one is still
 * refused in the door, ledgered, with its clause.
 */
static void test_password_prepared_outside_the_batch(void **state)
{
	struct fixture *f = *state;
	struct act_input in = { .kind = ACT_USER_PASSWD, .actor = "admin", .target = "sato" };
	struct act_password pw;
	struct act_result res = ACT_RESULT_INIT;
	uint64_t before;
	sqlite3_stmt *st = NULL;

	org(f);
	/* a password holding the user's login is refused before any transaction */
	in.secret = "sato-kumo-no-ue-77";
	assert_int_equal(act_password_prepare(f->d, &in, &pw, &f->err), 0);
	assert_true(pw.ready);
	assert_true(pw.refused);
	assert_non_null(pw.why);
	assert_null(strstr(pw.why, "kumo"));
	assert_int_equal(pw.hash[0], 0);
	act_password_release(&pw);
	/* a good one is hashed with Argon2id, and the door keeps no transaction open for it */
	in.secret = "kumo-no-ue-no-tanuki-77";
	assert_int_equal(act_password_prepare(f->d, &in, &pw, &f->err), 0);
	assert_true(pw.ready);
	assert_false(pw.refused);
	assert_true(password_verify(pw.hash, in.secret));
	assert_int_not_equal(sqlite3_get_autocommit(store_db(door_store(f->d))), 0);
	act_password_release(&pw);
	/* unknown user: nothing prepared, the door reports it */
	in.target = "nobody";
	assert_int_equal(act_password_prepare(f->d, &in, &pw, &f->err), 0);
	assert_false(pw.ready);
	in.target = "sato";
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d,
	                         &(struct act_input){ .kind = ACT_USER_PASSWD,
	                                              .actor = "admin",
	                                              .target = "nobody",
	                                              .secret = in.secret,
	                                              .ctx = in.ctx },
	                         &res, &f->err),
	                 -ENOENT);

	/* through the door: the weak one is refused and ledgered, the good one stored */
	before = ledger_size(f);
	in.secret = "sato-kumo-no-ue-77";
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-5-5-5-1"));
	act_result_release(&res);
	assert_int_equal(ledger_size(f), before + 1);
	in.secret = "kumo-no-ue-no-tanuki-77";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(sqlite3_prepare_v2(store_db(door_store(f->d)),
	                                    "SELECT password_hash FROM users WHERE login = 'sato'",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(password_verify((const char *)sqlite3_column_text(st, 0), in.secret));
	assert_false(
	    password_verify((const char *)sqlite3_column_text(st, 0), "sato-kumo-no-ue-77"));
	sqlite3_finalize(st);
	assert_one_entry_per_act(f);
}

/* An import of users with passwords: prepared before the batch, all or nothing. */
static void test_import_with_passwords(void **state)
{
	struct fixture *f = *state;
	struct act_attr a1[] = { { "name", "山田 太郎" }, { "section", "zeimu" } };
	struct act_attr a2[] = { { "name", "川田 花子" }, { "section", "zeimu" } };
	struct act_input in[2] = {
		{ .kind = ACT_USER_ADD,
		  .actor = "admin",
		  .target = "yamada",
		  .fields = a1,
		  .n_fields = 2,
		  .secret = "kumo-no-ue-no-tanuki-77",
		  .ctx.via = "test" },
		{ .kind = ACT_USER_ADD,
		  .actor = "admin",
		  .target = "kawada",
		  .fields = a2,
		  .n_fields = 2,
		  .secret = "kawada2026",
		  .ctx.via = "test" },
	};
	struct act_result res[2];
	size_t failed = 99;
	uint64_t before;

	fx_section(f, "zeimu", "税務課");
	before = ledger_size(f);
	assert_int_equal(act_run_all(f->d, in, 2, res, &failed, &f->err), -ECANCELED);
	assert_int_equal(failed, 1);
	assert_int_equal(res[1].outcome, ACT_REFUSED);
	assert_true(has_clause(&res[1], "MIN-5-5-5-1"));
	act_result_release(&res[1]);
	/* nothing imported; the refusal alone is ledgered */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM users WHERE login IN ('yamada',"
	                             " 'kawada')"),
	                 0);
	assert_int_equal(ledger_size(f), before + 1);
	in[1].secret = "sora-wo-tobu-kame-no-ko-88";
	assert_int_equal(act_run_all(f->d, in, 2, res, &failed, &f->err), 0);
	act_result_release(&res[0]);
	act_result_release(&res[1]);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM users WHERE login IN ('yamada',"
	                             " 'kawada') AND password_hash LIKE '$argon2id$%'"),
	                 2);
	assert_one_entry_per_act(f);
}

static void test_only_admins_change_the_org(void **state)
{
	struct fixture *f = *state;
	struct act_attr a[] = { { "name", "x" } };
	struct act_input in = { .kind = ACT_SECTION_ADD, .actor = "sato", .target = "rogue" };
	struct act_result res = ACT_RESULT_INIT;

	org(f);
	in.fields = a;
	in.n_fields = 1;
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM sections WHERE id = 'rogue'"), 0);
	/* the last administrator cannot be suspended */
	in = (struct act_input){ .kind = ACT_USER_SUSPEND, .actor = "admin", .target = "admin" };
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL);
}

/* API tokens are credentials: issued and revoked by the door, by administrators only, the
 * digest stored and never ledgered (issue 11). */
static void test_api_tokens_through_the_door(void **state)
{
	struct fixture *f = *state;
	static const char digest[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct act_attr a[] = { { "label", "ファイルサーバ連携" }, { "scope", "api" } };
	struct act_input in = { .kind = ACT_TOKEN_ISSUE, .actor = "sato", .target = "sato" };
	struct act_result res = ACT_RESULT_INIT;
	char target[24];

	org(f);
	in.fields = a;
	in.n_fields = 2;
	in.blob = digest;
	in.blob_len = 64;
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED); /* not an administrator */
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM api_tokens"), 0);
	in.actor = "admin";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	assert_true(res.token_id > 0);
	snprintf(target, sizeof(target), "%lld", (long long)res.token_id);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM api_tokens WHERE scope = 'api' AND "
	                             "token_sha256 = '0123456789abcdef0123456789abcdef0123456789a"
	                             "bcdef0123456789abcdef'"),
	                 1);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM acts WHERE action = 'api_token.issue' "
	                             "AND outcome = 'done' AND target = 'user:sato'"),
	                 1);
	/* a bad scope or digest is an error, not a token */
	a[1].value = "everything";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL);
	a[1].value = "api";
	in.blob_len = 10;
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EINVAL);
	/* revocation: administrators only, once */
	in = (struct act_input){ .kind = ACT_TOKEN_REVOKE, .actor = "suzuki", .target = target };
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM api_tokens WHERE revoked_ms IS NULL"),
	                 1);
	in.actor = "admin";
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM api_tokens WHERE revoked_ms IS NULL"),
	                 0);
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -ENOENT); /* not live any more */
	assert_one_entry_per_act(f);
}

static void test_policy_apply_is_a_versioned_act(void **state)
{
	struct fixture *f = *state;
	struct strbuf yaml = STRBUF_INIT;
	struct act_attr name[] = { { "name", "minato-r2.yaml" },
		                   { "emergency", "法改正への即日対応" } };
	struct act_input in = { .kind = ACT_POLICY_APPLY, .actor = "admin" };
	struct act_result res = ACT_RESULT_INIT;
	char old[65];

	snprintf(old, sizeof(old), "%s", door_profile(f->d)->sha256_hex);
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, "minato"))
			strbuf_add(&yaml, policy_builtins[i].data, policy_builtins[i].len);
	in.blob = yaml.buf;
	in.blob_len = yaml.len;
	in.fields = name;
	in.n_fields = 1;
	in.ctx.via = "test";
	assert_int_equal(act_run(f->d, &in, &res, &f->err), -EEXIST); /* same version */
	strbuf_addstr(&yaml, "\n# reviewed: 2026 policy review\n");
	in.blob = yaml.buf;
	in.blob_len = yaml.len;
	/* a new version without a decided review: refused, citing the review clause */
	assert_int_equal(fx_act(f, &in, &res), ACT_REFUSED);
	assert_true(has_clause(&res, "MIN-10"));
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM profiles"), 1);
	/* as a stated emergency: in force, the reason in the entry's public info */
	in.n_fields = 2;
	assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
	assert_true(has_clause(&res, "MIN-10"));
	assert_int_equal(fx_count(f, "SELECT count(*) FROM acts WHERE action = 'policy.apply'"
	                             " AND outcome = 'refused'"),
	                 1);
	assert_string_not_equal(res.profile_sha256, old);
	assert_string_equal(door_profile(f->d)->sha256_hex, res.profile_sha256);
	act_result_release(&res);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM profiles"), 2);
	strbuf_release(&yaml);
}

/*
 * A profile applied through another door (the CLI while the server runs) is in force for
 * the next act of this door: the decision, the act row and the ledger entry name it.
 */
static void test_profile_applied_elsewhere_is_used(void **state)
{
	struct fixture *f = *state;
	struct door *other = NULL;
	struct strbuf yaml = STRBUF_INIT, bytes = STRBUF_INIT, q = STRBUF_INIT;
	struct act_attr name[] = { { "name", "minato-r3.yaml" },
		                   { "emergency", "別の扉からの適用の試験" } };
	struct act_input in = { .kind = ACT_POLICY_APPLY, .actor = "admin" };
	struct act_result res = ACT_RESULT_INIT;
	struct ledger_entry e = { 0 };
	uint8_t want[32];
	char old[65], applied[65];
	int64_t rec;

	org(f);
	snprintf(old, sizeof(old), "%s", door_profile(f->d)->sha256_hex);
	for (unsigned i = 0; i < policy_builtins_nr; i++)
		if (!strcmp(policy_builtins[i].id, "minato"))
			strbuf_add(&yaml, policy_builtins[i].data, policy_builtins[i].len);
	strbuf_addstr(&yaml, "\n# reviewed elsewhere: 2026 policy review\n");
	in.blob = yaml.buf;
	in.blob_len = yaml.len;
	in.fields = name;
	in.n_fields = 2;
	in.ctx.via = "cli";
	assert_int_equal(door_open(f->dir, 0, &other, &f->err), 0);
	assert_int_equal(act_run(other, &in, &res, &f->err), 0);
	assert_int_equal(res.outcome, ACT_DONE);
	snprintf(applied, sizeof(applied), "%s", res.profile_sha256);
	act_result_release(&res);
	door_free(other);
	assert_string_not_equal(applied, old);
	/* this door still holds the old version until it acts */
	assert_string_equal(door_profile(f->d)->sha256_hex, old);

	rec = fx_asset(f, "sato", "3");
	assert_int_equal(do_action(f, "sato", rec, "asset.copy", NULL, 0, &res), ACT_PENDING);
	assert_string_equal(res.profile_sha256, applied);
	assert_string_equal(door_profile(f->d)->sha256_hex, applied);
	strbuf_addf(&q, "SELECT count(*) FROM acts WHERE id = %lld AND profile_sha256 = '%s'",
	            (long long)res.act_id, applied);
	assert_int_equal(fx_count(f, q.buf), 1);
	assert_int_equal(ledger_entry_bytes(door_ledger(f->d), res.ledger_index, &bytes, &f->err),
	                 0);
	assert_int_equal(entry_decode(bytes.buf, bytes.len, &e, &f->err), 0);
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(applied + 2 * i, "%2x", &v), 1);
		want[i] = (uint8_t)v;
	}
	assert_non_null(e.profile);
	assert_memory_equal(e.profile, want, 32);
	entry_release(&e);
	act_result_release(&res);
	assert_one_entry_per_act(f);
	strbuf_release(&bytes);
	strbuf_release(&q);
	strbuf_release(&yaml);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_copy_needs_the_section_officer),
		T(test_self_approval_when_holding_the_role),
		T(test_only_holder_needs_exception),
		T(test_fallback_routes_to_the_named_role),
		T(test_unique_rechecked_when_approved),
		T(test_obligations),
		T(test_suspended_user_can_do_nothing),
		T(test_requests_expire),
		T(test_move_dated_ahead),
		T(test_move_refused_then_cancelled),
		T(test_reject),
		T(test_record_changed_under_request),
		T(test_parallel_approvals),
		T(test_parallel_acts_group_commit),
		T(test_weak_password_refused_with_clause),
		T(test_password_prepared_outside_the_batch),
		T(test_import_with_passwords),
		T(test_only_admins_change_the_org),
		T(test_api_tokens_through_the_door),
		T(test_policy_apply_is_a_versioned_act),
		T(test_profile_applied_elsewhere_is_used),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
