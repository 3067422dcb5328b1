/* test-read: the one read decision. Lists, counts and searches in SQL see exactly the records
 * a direct read allows, for every person of both demo wards; hidden records leak through no
 * count; roles starting and ending change what a person reads at once. */
#include "fixture.h"

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "policy/policy.h"

static int demo_setup(void **state, const char *profile)
{
	struct fixture *f;
	struct strbuf out = STRBUF_INIT;

	if (fixture_setup_profile(state, profile) < 0)
		return -1;
	f = *state;
	if (demo_build(f->d, &out, &f->err) < 0) {
		fprintf(stderr, "demo_build: %s\n", f->err.buf);
		return -1;
	}
	strbuf_release_secret(&out);
	return 0;
}

static int setup_minato_demo(void **state)
{
	return demo_setup(state, "minato");
}

static int setup_shinjuku_demo(void **state)
{
	return demo_setup(state, "shinjuku");
}

static bool has_id(const struct record_list *l, int64_t id)
{
	for (size_t i = 0; i < l->nr; i++)
		if (l->items[i].id == id)
			return true;
	return false;
}

/*
 * For one reader and one query, the SQL page (every match, counted) must be exactly the
 * records of the register that match the filter and that read_record allows.
 */
static size_t check_query(struct fixture *f, const struct reader *rd, const char *login,
                          const struct record_list *all, struct record_query *q,
                          bool (*match)(const struct record *, const struct record_query *))
{
	struct store *st = door_store(f->d);
	struct record_page pg = { 0 };
	size_t want = 0;

	q->count = true;
	q->limit = 0;
	if (records_query(st, rd, q, &pg, &f->err) < 0)
		fail_msg("records_query %s for %s: %s", q->register_id, login, f->err.buf);
	for (size_t i = 0; i < all->nr; i++) {
		const struct record *rec = &all->items[i];
		bool ok = match(rec, q) && read_record(rd, rec, NULL);
		if (ok)
			want++;
		if (ok != has_id(&pg.list, rec->id))
			fail_msg("%s, record %lld (%s level %s section %s state %s): read_record "
			         "says %d, the list says %d",
			         login, (long long)rec->id, rec->register_id,
			         rec->level ? rec->level : "-", rec->section ? rec->section : "-",
			         rec->state, ok, !ok);
	}
	assert_int_equal(pg.list.nr, want);
	assert_int_equal(pg.total, (int64_t)want);
	record_page_release(&pg);
	return want;
}

static bool match_all(const struct record *rec, const struct record_query *q)
{
	return true;
}

static bool match_level(const struct record *rec, const struct record_query *q)
{
	return rec->level && !strcmp(rec->level, q->level);
}

static bool match_section(const struct record *rec, const struct record_query *q)
{
	return rec->section && !strcmp(rec->section, q->section);
}

/* Every person of the demo ward, every register, with and without filters. */
static void test_lists_equal_direct_reads(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct org_users users = { 0 };
	size_t checked = 0, seen = 0, hidden = 0;

	assert_int_equal(org_users_list(st, NULL, "active", &users, &f->err), 0);
	assert_true(users.nr > 20);
	for (size_t u = 0; u < users.nr; u++) {
		struct reader *rd = NULL;
		struct record_counts counts = { 0 };
		int64_t total_counted = 0, total_seen = 0;

		if (reader_for_login(st, p, users.items[u].login, time_now_ms(), &rd, &f->err) < 0)
			fail_msg("reader %s: %s", users.items[u].login, f->err.buf);
		assert_int_equal(records_count_visible(st, rd, NULL, &counts, &f->err), 0);
		for (size_t i = 0; i < counts.nr; i++)
			total_counted += counts.items[i].n;
		for (unsigned g = 0; g < p->n_registers; g++) {
			struct record_filter all_f = { .register_id = p->registers[g].id };
			struct record_list all = { 0 };
			struct record_query q = { .register_id = p->registers[g].id };
			size_t n;

			assert_int_equal(records_list(st, &all_f, &all, &f->err), 0);
			n = check_query(f, rd, users.items[u].login, &all, &q, match_all);
			total_seen += (int64_t)n;
			seen += n;
			hidden += all.nr - n;
			for (unsigned l = 0; l < p->n_levels; l++) {
				struct record_query ql = { .register_id = p->registers[g].id,
					                   .level = p->levels[l].id,
					                   .sort = "-level" };
				check_query(f, rd, users.items[u].login, &all, &ql, match_level);
			}
			if (users.items[u].section) {
				struct record_query qs = { .register_id = p->registers[g].id,
					                   .section = users.items[u].section,
					                   .sort = "changed" };
				check_query(f, rd, users.items[u].login, &all, &qs, match_section);
			}
			checked += all.nr;
			record_list_release(&all);
		}
		/* the dashboard's counts add up to the same records */
		assert_int_equal(total_counted, total_seen);
		record_counts_release(&counts);
		reader_unref(rd);
	}
	/* the demo ward has records on both sides of the decision */
	assert_true(seen > 0);
	assert_true(hidden > 0);
	assert_true(checked > 100);
	org_users_release(&users);
}

/* Ward-wide oversight reads every register (issue 12: through the profile, not admin). */
static void expect_reads_all(struct fixture *f, const char *login)
{
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct reader *rd = NULL;

	if (reader_for_login(st, p, login, time_now_ms(), &rd, &f->err) < 0)
		fail_msg("reader %s: %s", login, f->err.buf);
	assert_false(reader_sees_all(rd)); /* not the administrator */
	for (unsigned g = 0; g < p->n_registers; g++) {
		struct record_filter all_f = { .register_id = p->registers[g].id };
		struct record_list all = { 0 };
		assert_int_equal(records_list(st, &all_f, &all, &f->err), 0);
		for (size_t i = 0; i < all.nr; i++)
			if (!read_record(rd, &all.items[i], NULL))
				fail_msg("%s does not read %s record %lld", login,
				         all.items[i].register_id, (long long)all.items[i].id);
		record_list_release(&all);
	}
	reader_unref(rd);
}

static void test_minato_oversight(void **state)
{
	struct fixture *f = *state;

	expect_reads_all(f, "fukukucho");  /* 副区長: ciso */
	expect_reads_all(f, "somubucho");  /* 総務部長: deputy_ciso */
	expect_reads_all(f, "joho-kacho"); /* 情報政策課長: system_chief */
}

static void test_shinjuku_oversight(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	struct org_assignments a = { 0 };

	/* whoever the demo made CIO and general security officer */
	assert_int_equal(org_assignments_list(st, NULL, "cio", true, time_now_ms(), &a, &f->err),
	                 0);
	assert_true(a.nr > 0);
	expect_reads_all(f, a.items[0].login);
	org_assignments_release(&a);
	assert_int_equal(org_assignments_list(st, NULL, "general_security_officer", true,
	                                      time_now_ms(), &a, &f->err),
	                 0);
	assert_true(a.nr > 0);
	expect_reads_all(f, a.items[0].login);
	org_assignments_release(&a);
}

/* ---- a small ward of our own -------------------------------------------------------------- */

static int64_t add_record(struct fixture *f, const char *actor, const char *reg,
                          const struct act_attr *fields, size_t n, const char *section,
                          const char *system)
{
	struct act_input in = { .kind = ACT_RECORD, .actor = actor, .register_id = reg };
	struct act_result res = ACT_RESULT_INIT;
	int64_t id;

	in.fields = fields;
	in.n_fields = n;
	in.section = section;
	in.system = system;
	if (fx_act(f, &in, &res) != ACT_DONE)
		fail_msg("%s by %s not done: %s", reg, actor, res.message);
	id = res.record_id;
	act_result_release(&res);
	return id;
}

/*
 * Issue 11 finding 1: a staff member extracted a hidden 設計書's text one character at a time
 * from the count of a search. Here the attacker tries every next character of the secret
 * and the count never moves, while the system manager who may read it finds it.
 */
static void test_count_oracle(void **state)
{
	struct fixture *f = *state;
	struct act_attr sys[] = { { "name", "税務システム" }, { "section", "zeimu" } };
	/* letters that no visible value of the test holds (zeimu, zeimu-sys) */
	static const char secret[] = "kq7wx";
	static const char alphabet[] = "abcdfghjklnopqrtvwx0123456789";
	char prefix[sizeof(secret)] = "", probe[sizeof(secret) + 1];
	int64_t base;

	fx_section(f, "zeimu", "税務課");
	fx_admin(f, ACT_SYSTEM_ADD, "zeimu-sys", sys, 2);
	fx_user(f, "sa", "zeimu");
	fx_user(f, "staff", "zeimu");
	fx_grant(f, "sa", "system_manager@system:zeimu-sys");
	{
		struct act_attr d[] = { { "title", "税務システム設計書 パスワード kq7wx" },
			                { "kind", "設計書" } };
		struct act_attr pub[] = { { "title", "情報安全対策基準" },
			                  { "kind", "情報安全対策基準" } };
		add_record(f, "sa", "document", d, 2, "zeimu", "zeimu-sys");
		add_record(f, "sa", "document", pub, 2, "zeimu", "zeimu-sys");
	}
	assert_int_equal(fx_search(f, "sa", "document", secret), 1);
	assert_int_equal(fx_search(f, "sa", "document", NULL), 2);
	assert_int_equal(fx_search(f, "staff", "document", NULL), 1);
	base = fx_search(f, "staff", "document", "");
	assert_int_equal(base, 1);
	/* the attack: grow the prefix by the character whose count differs */
	for (size_t pos = 0; pos < strlen(secret); pos++) {
		size_t found = 0;
		for (const char *c = alphabet; *c; c++) {
			snprintf(probe, sizeof(probe), "%s%c", prefix, *c);
			if (fx_search(f, "staff", "document", probe) > 0)
				found++;
		}
		/* nothing to learn: no probe ever matches */
		assert_int_equal(found, 0);
		prefix[pos] = secret[pos]; /* give the attacker the answer and go on */
	}
	assert_int_equal(fx_search(f, "staff", "document", secret), 0);
	assert_int_equal(fx_search(f, "staff", "document", "パスワード"), 0);
	/* the registers' counts and the dashboard's say the same */
	{
		struct reader *rd = NULL;
		struct record_counts c = { 0 };
		int64_t n = 0;
		assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d), "staff",
		                                  time_now_ms(), &rd, &f->err),
		                 0);
		assert_int_equal(records_count_visible(door_store(f->d), rd, "zeimu", &c, &f->err),
		                 0);
		for (size_t i = 0; i < c.nr; i++)
			if (!strcmp(c.items[i].register_id, "document"))
				n += c.items[i].n;
		assert_int_equal(n, 1);
		record_counts_release(&c);
		reader_unref(rd);
	}
}

/*
 * Issue 11 finding 3: a role at system:X never opens every record of system X. An operator
 * of the system reads only what the profile lets them (their own section's records).
 */
static void test_system_role_reads_no_more(void **state)
{
	struct fixture *f = *state;
	struct act_attr sys[] = { { "name", "子ども家庭システム" }, { "section", "kodomo" } };
	struct reader *rd = NULL;
	struct record rec = { 0 };
	int64_t id;

	fx_section(f, "kodomo", "子ども家庭課");
	fx_section(f, "kumin", "区民課");
	fx_admin(f, ACT_SYSTEM_ADD, "kodomo-sys", sys, 2);
	fx_user(f, "kodomo-kacho", "kodomo");
	fx_user(f, "kumin-op", "kumin");
	fx_grant(f, "kodomo-kacho", "system_manager@system:kodomo-sys");
	fx_grant(f, "kumin-op", "operator@system:kodomo-sys");
	{
		struct act_attr d[] = { { "title", "児童相談の記録" },
			                { "access_controlled", "true" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "kodomo-kacho",
			                .register_id = "asset",
			                .level = "3",
			                .section = "kodomo",
			                .system = "kodomo-sys" };
		struct act_result res = ACT_RESULT_INIT;
		in.fields = d;
		in.n_fields = 2;
		assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
		id = res.record_id;
		act_result_release(&res);
	}
	assert_int_equal(record_get(door_store(f->d), id, &rec, &f->err), 0);
	assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d), "kumin-op",
	                                  time_now_ms(), &rd, &f->err),
	                 0);
	assert_false(read_record(rd, &rec, NULL));
	reader_unref(rd);
	assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d), "kodomo-kacho",
	                                  time_now_ms(), &rd, &f->err),
	                 0);
	assert_true(read_record(rd, &rec, NULL));
	reader_unref(rd);
	record_release(&rec);
}

/* A role whose validity starts or ends changes what a person reads, with no write between. */
static void test_role_validity_in_time(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct reader_cache *cache = reader_cache_new();
	struct act_attr a[] = { { "role", "ciso@org" }, { "from", "2099-04-01" } };
	struct strv roles_before = STRV_INIT, roles_after = STRV_INIT;
	struct reader *before = NULL, *after = NULL;
	struct record rec = { 0 };
	struct org_user u = { 0 };
	int64_t id, later;

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "somu", "総務課");
	fx_user(f, "zeimu-1", "zeimu");
	fx_user(f, "vice", "somu");
	fx_admin(f, ACT_ROLE_GRANT, "vice", a, 2);
	{
		/* level 3 so that only the section and oversight read it */
		struct act_attr lv[] = { { "title", "課税台帳" },
			                 { "access_controlled", "true" },
			                 { "level", "3" } };
		id = add_record(f, "zeimu-1", "asset", lv, 3, "zeimu", NULL);
	}
	assert_int_equal(record_get(st, id, &rec, &f->err), 0);
	assert_int_equal(core_parse_local_date("2099-04-02", &later), 0);
	assert_int_equal(org_user_get(st, "vice", &u, &f->err), 0);
	assert_int_equal(org_user_roles(st, u.id, time_now_ms(), &roles_before, &f->err), 0);
	assert_int_equal(org_user_roles(st, u.id, later, &roles_after, &f->err), 0);
	{
		struct read_subject s = { .user_id = u.id,
			                  .login = u.login,
			                  .section = u.section,
			                  .employment = u.employment };
		s.roles = (const char *const *)roles_before.items;
		s.n_roles = roles_before.nr;
		assert_int_equal(
		    reader_cache_get(cache, st, p, &s, time_now_ms(), &before, &f->err), 0);
		s.roles = (const char *const *)roles_after.items;
		s.n_roles = roles_after.nr;
		assert_int_equal(reader_cache_get(cache, st, p, &s, later, &after, &f->err), 0);
	}
	assert_false(read_record(before, &rec, NULL));
	assert_true(read_record(after, &rec, NULL));
	assert_string_not_equal(reader_key(before), reader_key(after));
	reader_unref(before);
	reader_unref(after);
	reader_cache_free(cache);
	strv_release(&roles_before);
	strv_release(&roles_after);
	org_user_release(&u);
	record_release(&rec);
}

/* Whether login may read record id at now_ms, and the SQL list of its register agrees. */
static bool reads_at(struct fixture *f, const char *login, int64_t id, int64_t now_ms)
{
	struct store *st = door_store(f->d);
	struct reader *rd = NULL;
	struct record rec = { 0 };
	struct record_query q = { .count = true };
	struct record_page pg = { 0 };
	bool ok, listed;

	if (reader_for_login(st, door_profile(f->d), login, now_ms, &rd, &f->err) < 0)
		fail_msg("reader %s: %s", login, f->err.buf);
	assert_int_equal(record_get(st, id, &rec, &f->err), 0);
	{
		struct read_why why = { 0 };
		ok = read_record(rd, &rec, &why);
		if (getenv("READ_DEBUG"))
			fprintf(stderr, "%s %lld: %d %s %s\n", login, (long long)id, ok, why.reason,
			        why.detail);
	}
	q.register_id = rec.register_id;
	assert_int_equal(records_query(st, rd, &q, &pg, &f->err), 0);
	listed = has_id(&pg.list, id);
	if (ok != listed)
		fail_msg("%s record %lld: read_record %d, list %d", login, (long long)id, ok,
		         listed);
	assert_int_equal(pg.total, (int64_t)pg.list.nr);
	record_page_release(&pg);
	record_release(&rec);
	reader_unref(rd);
	return ok;
}

static int64_t act_on(struct fixture *f, const char *actor, int64_t id, const char *action,
                      const struct act_attr *fields, size_t n)
{
	struct act_input in = {
		.kind = ACT_RECORD, .actor = actor, .record_id = id, .action = action
	};
	struct act_result res = ACT_RESULT_INIT;
	enum act_outcome o;

	in.fields = fields;
	in.n_fields = n;
	o = fx_act(f, &in, &res);
	if (o != ACT_DONE)
		fail_msg("%s on %lld by %s: %s", action, (long long)id, actor, res.message);
	act_result_release(&res);
	return id;
}

/*
 * Issue 12 item 1: an auditor reads the audit they are assigned to at once (their own new
 * plan never 404s) and, for the audit's period and until it is closed, the records, registers
 * and section it names, and nothing else; the CSIRT reads the records an incident reported
 * to it links.
 */
static void test_openings(void **state)
{
	struct fixture *f = *state;
	struct act_attr sys[] = { { "name", "税務システム" }, { "section", "zeimu" } };
	int64_t z3, k3, k3b, med, audit, inc, day10, day20, now;
	char ids[64];

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_section(f, "somu", "総務課");
	fx_admin(f, ACT_SYSTEM_ADD, "zeimu-sys", sys, 2);
	fx_user(f, "zeimu-1", "zeimu");
	fx_user(f, "kumin-1", "kumin");
	fx_user(f, "kansa", "somu");
	fx_user(f, "kansa2", "zeimu");
	fx_user(f, "csirt-1", "somu");
	fx_grant(f, "kansa", "auditor@org");
	fx_grant(f, "kansa2", "auditor@org");
	fx_grant(f, "csirt-1", "csirt@org");
	fx_grant(f, "zeimu-1", "security_officer@section:zeimu");
	{
		struct act_attr a[] = { { "title", "課税台帳" }, { "access_controlled", "true" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .register_id = "asset",
			                .level = "3",
			                .section = "zeimu" };
		struct act_result res = ACT_RESULT_INIT;
		in.fields = a;
		in.n_fields = 2;
		assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
		z3 = res.record_id;
		act_result_release(&res);
		in.actor = "kumin-1";
		in.section = "kumin";
		assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
		k3 = res.record_id;
		act_result_release(&res);
		assert_int_equal(fx_act(f, &in, &res), ACT_DONE);
		k3b = res.record_id;
		act_result_release(&res);
	}
	{
		struct act_attr m[] = { { "label", "USB-01" },  { "kind", "USBメモリ" },
			                { "level", "3" },       { "section", "kumin" },
			                { "location", "金庫" }, { "main_network", "false" } };
		med = add_record(f, "kumin-1", "media", m, ARRAY_SIZE(m), NULL, NULL);
	}
	/* An audit of 区民課's record k3 and of the media register, from day 10 to day 20. */
	now = time_now_ms();
	day10 = now + 86400000LL * 10;
	day20 = now + 86400000LL * 20;
	{
		struct strbuf from = STRBUF_INIT, until = STRBUF_INIT;
		core_format_local_date(&from, day10);
		core_format_local_date(&until, day20);
		snprintf(ids, sizeof(ids), "%lld", (long long)k3);
		struct act_attr a[] = {
			{ "items", "区民課の台帳" },     { "auditor", "kansa" },
			{ "auditee", "kumin-1" },        { "targets", ids },
			{ "target_registers", "media" }, { "period_from", from.buf },
			{ "period_until", until.buf }
		};
		audit = add_record(f, "kansa", "audit", a, 7, NULL, NULL);
		strbuf_release(&from);
		strbuf_release(&until);
	}
	/* the auditor's own new plan: at once */
	assert_true(reads_at(f, "kansa", audit, now));
	/* another auditor: never */
	assert_false(reads_at(f, "kansa2", audit, now));
	/* before the period: not the audited records */
	assert_false(reads_at(f, "kansa", k3, now));
	assert_false(reads_at(f, "kansa", med, now));
	/* during it: the record and the register it names, not others */
	assert_true(reads_at(f, "kansa", k3, day10 + 3600000));
	assert_true(reads_at(f, "kansa", med, day10 + 3600000));
	assert_false(reads_at(f, "kansa", k3b, day10 + 3600000));
	assert_false(reads_at(f, "kansa", z3, day10 + 3600000));
	assert_false(reads_at(f, "kansa2", k3, day10 + 3600000));
	/* on the last day still; the day after, no more */
	assert_true(reads_at(f, "kansa", k3, day20 + 60000));
	assert_false(reads_at(f, "kansa", k3, day20 + 86400000LL * 2));
	/* a reader made before the period ends its validity at its start */
	{
		struct reader *rd = NULL;
		assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d), "kansa",
		                                  now, &rd, &f->err),
		                 0);
		assert_true(reader_valid_until(rd) <= day10);
		assert_true(reader_valid_until(rd) > now);
		reader_unref(rd);
	}

	/* The CSIRT: an incident reported by 税務課 linking z3, escalated to it. */
	snprintf(ids, sizeof(ids), "%lld", (long long)z3);
	{
		struct act_attr i[] = { { "title", "持出しの疑い" },
			                { "found_at", "2026-01-10T09:00:00+09:00" },
			                { "kind", "違反行為" },
			                { "records", ids } };
		inc = add_record(f, "zeimu-1", "incident", i, 4, "zeimu", NULL);
	}
	assert_false(reads_at(f, "csirt-1", inc, now));
	assert_false(reads_at(f, "csirt-1", z3, now));
	act_on(f, "zeimu-1", inc, "incident.escalate", NULL, 0);
	assert_true(reads_at(f, "csirt-1", inc, now));
	assert_true(reads_at(f, "csirt-1", z3, now));
	assert_false(reads_at(f, "csirt-1", k3, now));
	assert_false(reads_at(f, "kumin-1", z3, now));
}

/*
 * An audit of an information system opens every record of that system, of any register,
 * including records added after the auditor's reader was made: the same reader (not made
 * again: a record of a register without openings changes nothing it was made from) takes
 * them in from the act log, and keeps records of other systems out.
 */
static void test_system_opening(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct reader_cache *cache = reader_cache_new();
	struct act_attr sys[] = { { "name", "税務システム" }, { "section", "zeimu" } };
	struct act_attr lv3[] = { { "title", "課税台帳" },
		                  { "access_controlled", "true" },
		                  { "level", "3" } };
	struct reader *before = NULL, *after = NULL;
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	struct record_query q = { .register_id = "asset", .count = true };
	struct record_page pg = { 0 };
	int64_t old_of_sys, new_of_sys, new_other, now;

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "somu", "総務課");
	fx_admin(f, ACT_SYSTEM_ADD, "zeimu-sys", sys, 2);
	fx_admin(f, ACT_SYSTEM_ADD, "other-sys", sys, 2);
	fx_user(f, "zeimu-1", "zeimu");
	fx_user(f, "kansa", "somu");
	fx_grant(f, "kansa", "auditor@org");
	now = time_now_ms(); /* the role is held from its grant on */
	old_of_sys = add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", "zeimu-sys");
	{
		struct strbuf from = STRBUF_INIT, until = STRBUF_INIT;
		core_format_local_date(&from, now);
		core_format_local_date(&until, now + 86400000LL * 20);
		struct act_attr a[] = { { "items", "税務システムの監査" },
			                { "auditor", "kansa" },
			                { "systems", "zeimu-sys" },
			                { "period_from", from.buf },
			                { "period_until", until.buf } };
		add_record(f, "kansa", "audit", a, 5, NULL, NULL);
		strbuf_release(&from);
		strbuf_release(&until);
	}
	assert_int_equal(org_user_get(st, "kansa", &u, &f->err), 0);
	assert_int_equal(org_user_roles(st, u.id, now, &roles, &f->err), 0);
	struct read_subject s = { .user_id = u.id,
		                  .login = u.login,
		                  .section = u.section,
		                  .employment = u.employment,
		                  .roles = (const char *const *)roles.items,
		                  .n_roles = roles.nr };
	assert_int_equal(reader_cache_get(cache, st, p, &s, now, &before, &f->err), 0);
	assert_true(reads_at(f, "kansa", old_of_sys, now));
	assert_int_equal(records_query(st, before, &q, &pg, &f->err), 0);
	assert_int_equal(pg.total, 1);
	record_page_release(&pg);

	new_of_sys = add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", "zeimu-sys");
	new_other = add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", "other-sys");
	add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", NULL);
	assert_int_equal(reader_cache_get(cache, st, p, &s, now, &after, &f->err), 0);
	assert_ptr_equal(before, after); /* not made again */
	assert_int_equal(records_query(st, after, &q, &pg, &f->err), 0);
	assert_int_equal(pg.total, 2);
	assert_true(has_id(&pg.list, old_of_sys));
	assert_true(has_id(&pg.list, new_of_sys));
	record_page_release(&pg);
	assert_true(reads_at(f, "kansa", new_of_sys, now));
	assert_false(reads_at(f, "kansa", new_other, now));
	reader_unref(before);
	reader_unref(after);
	reader_cache_free(cache);
	strv_release(&roles);
	org_user_release(&u);
}

/* A reader's visible set follows every act committed after it was made. */
static void test_set_follows_acts(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	struct act_attr lv3[] = { { "title", "課税台帳" },
		                  { "access_controlled", "true" },
		                  { "level", "3" } };
	struct reader *rd = NULL;
	struct record_query q = { .register_id = "asset", .count = true };
	struct record_page pg = { 0 };

	fx_section(f, "zeimu", "税務課");
	fx_section(f, "kumin", "区民課");
	fx_user(f, "zeimu-1", "zeimu");
	fx_user(f, "kumin-1", "kumin");
	add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", NULL);
	assert_int_equal(
	    reader_for_login(st, door_profile(f->d), "zeimu-1", time_now_ms(), &rd, &f->err), 0);
	assert_int_equal(records_query(st, rd, &q, &pg, &f->err), 0);
	assert_int_equal(pg.total, 1);
	record_page_release(&pg);
	/* one more of 税務課 (seen) and one of 区民課 (not): the same reader counts 2 */
	add_record(f, "zeimu-1", "asset", lv3, 3, "zeimu", NULL);
	add_record(f, "kumin-1", "asset", lv3, 3, "kumin", NULL);
	assert_int_equal(records_query(st, rd, &q, &pg, &f->err), 0);
	assert_int_equal(pg.total, 2);
	assert_int_equal(pg.list.nr, 2);
	record_page_release(&pg);
	reader_unref(rd);
}

static void test_minato_demo(void **state)
{
	test_lists_equal_direct_reads(state);
	test_minato_oversight(state);
}

static void test_shinjuku_demo(void **state)
{
	test_lists_equal_direct_reads(state);
	test_shinjuku_oversight(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_count_oracle, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_system_role_reads_no_more, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_role_validity_in_time, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_openings, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_system_opening, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_set_follows_acts, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_minato_demo, setup_minato_demo,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_shinjuku_demo, setup_shinjuku_demo,
		                                fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
