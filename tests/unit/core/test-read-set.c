/* test-read-set: the visible set lists and counts use (core/read-set.c) decides exactly what
 * read_record decides, for many records and people: sections, levels, states, systems,
 * access grants (asset.access_rights) naming a person, a section or a role, audits and incidents
 * that open records; and the same readers stay exact while acts change records after they were
 * made. */
#include "fixture.h"

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records-internal.h"
#include "core/records.h"
#include "policy/policy.h"

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* An act whose outcome does not matter here (some need approval, some are refused). */
static int64_t try_act(struct fixture *f, struct act_input *in)
{
	struct act_result res = ACT_RESULT_INIT;
	int64_t id = 0;

	if (fx_act(f, in, &res) == ACT_DONE)
		id = res.record_id;
	act_result_release(&res);
	return id;
}

static const char *const sections[] = { "zeimu", "kumin", "somu" };
static const char *const grants[] = { NULL,
	                              NULL,
	                              "user:kumin-1",
	                              "section:somu",
	                              "role:security_officer@section:kumin",
	                              "user:zeimu-2,section:kumin",
	                              "user:kansa" };
static const char *const people[] = { "zeimu-1", "zeimu-2", "kumin-1", "somu-1", "so-kumin",
	                              "sa",      "ciso",    "kansa",   "csirt-1" };

/* The sections, the tax system and the four staff every ward of these tests has. */
static void ward_base(struct fixture *f)
{
	struct act_attr sys[] = { { "name", "税務システム" }, { "section", "zeimu" } };

	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		fx_section(f, sections[i], sections[i]);
	fx_admin(f, ACT_SYSTEM_ADD, "zeimu-sys", sys, 2);
	fx_user(f, "zeimu-1", "zeimu");
	fx_user(f, "zeimu-2", "zeimu");
	fx_user(f, "kumin-1", "kumin");
	fx_user(f, "somu-1", "somu");
}

static int64_t random_asset(struct fixture *f)
{
	const char *sec = sections[rnd(3)];
	const char *g = grants[rnd(ARRAY_SIZE(grants))];
	const char *actor = !strcmp(sec, "zeimu")   ? "zeimu-1"
	                    : !strcmp(sec, "kumin") ? "kumin-1"
	                                            : "somu-1";
	char level[2] = { (char)('1' + rnd(3)), 0 };
	struct act_attr a[] = { { "title", "台帳" },
		                { "access_controlled", rnd(2) ? "true" : "false" },
		                { "access_rights", g } };
	struct act_input in = { .kind = ACT_RECORD,
		                .actor = actor,
		                .register_id = "asset",
		                .level = level,
		                .section = sec,
		                .system = rnd(4) == 0 ? "zeimu-sys" : NULL };

	in.fields = a;
	in.n_fields = g ? 3 : 2;
	return try_act(f, &in);
}

static int64_t random_media(struct fixture *f)
{
	static const char *const kinds[] = { "磁気テープ", "光ディスク", "USBメモリ", "その他" };
	const char *sec = sections[rnd(2)];
	char level[2] = { (char)('1' + rnd(3)), 0 };
	struct act_attr m[] = {
		{ "label", "媒体" },    { "kind", kinds[rnd(4)] },
		{ "level", level },     { "section", sec },
		{ "location", "金庫" }, { "main_network", rnd(2) ? "true" : "false" }
	};
	struct act_input in = { .kind = ACT_RECORD,
		                .actor = !strcmp(sec, "zeimu") ? "zeimu-1" : "kumin-1",
		                .register_id = "media" };

	in.fields = m;
	in.n_fields = ARRAY_SIZE(m);
	return try_act(f, &in);
}

/* Moves a record on: another state, or a change of what it holds. */
static void random_change(struct fixture *f, int64_t id, bool media)
{
	static const char *const asset_actions[] = { "asset.dispose", "asset.bring_back",
		                                     "asset.show_third_party", "asset.take_out" };
	static const char *const media_actions[] = { "media.transport", "media.dispose" };
	struct act_attr t[] = { { "destination", "本庁舎" }, { "purpose", "会議" } };
	struct act_input in = { .kind = ACT_RECORD, .record_id = id };
	const char *actors[] = { "zeimu-1", "kumin-1", "so-kumin", "ciso" };

	in.actor = actors[rnd(ARRAY_SIZE(actors))];
	in.action = media ? media_actions[rnd(ARRAY_SIZE(media_actions))]
	                  : asset_actions[rnd(ARRAY_SIZE(asset_actions))];
	if (!strcmp(in.action, "asset.take_out")) {
		in.fields = t;
		in.n_fields = 2;
	}
	try_act(f, &in);
}

/* Every record of every register: read_record and the list/count agree for rd. */
static void compare(struct fixture *f, struct reader *rd, const char *login, size_t *seen,
                    size_t *hidden)
{
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct record_counts counts = { 0 };
	int64_t counted = 0, listed = 0;

	assert_int_equal(records_count_visible(st, rd, NULL, &counts, &f->err), 0);
	for (size_t i = 0; i < counts.nr; i++)
		counted += counts.items[i].n;
	record_counts_release(&counts);
	for (unsigned g = 0; g < p->n_registers; g++) {
		struct record_filter all_f = { .register_id = p->registers[g].id };
		struct record_list all = { 0 };
		struct record_query q = { .register_id = p->registers[g].id, .count = true };
		struct record_page pg = { 0 };
		size_t j = 0;

		assert_int_equal(records_list(st, &all_f, &all, &f->err), 0);
		q.sort = "id";
		if (records_query(st, rd, &q, &pg, &f->err) < 0)
			fail_msg("records_query %s for %s: %s", q.register_id, login, f->err.buf);
		assert_int_equal(pg.total, (int64_t)pg.list.nr);
		listed += pg.total;
		for (size_t i = 0; i < all.nr; i++) {
			const struct record *rec = &all.items[i];
			bool ok = read_record(rd, rec, NULL);
			bool in_list = j < pg.list.nr && pg.list.items[j].id == rec->id;

			if (in_list)
				j++;
			if (ok != in_list)
				fail_msg(
				    "%s, record %lld (%s level %s section %s system %s state %s): "
				    "read_record says %d, the list %d",
				    login, (long long)rec->id, rec->register_id,
				    rec->level ? rec->level : "-",
				    rec->section ? rec->section : "-",
				    rec->system ? rec->system : "-", rec->state, ok, in_list);
			*(ok ? seen : hidden) += 1;
		}
		assert_int_equal(j, pg.list.nr);
		record_page_release(&pg);
		record_list_release(&all);
	}
	assert_int_equal(counted, listed);
}

/* The reader the web would use: through a reader_cache, whose lists use the orders in memory. */
static struct reader *cached_reader(struct fixture *f, struct reader_cache *c, const char *login)
{
	struct store *st = door_store(f->d);
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	struct reader *rd = NULL;
	int64_t now = time_now_ms();

	assert_int_equal(org_user_get(st, login, &u, &f->err), 0);
	assert_int_equal(org_user_roles(st, u.id, now, &roles, &f->err), 0);
	{
		struct read_subject s = { .user_id = u.id,
			                  .login = u.login,
			                  .section = u.section,
			                  .employment = u.employment,
			                  .roles = (const char *const *)roles.items,
			                  .n_roles = roles.nr };
		if (reader_cache_get(c, st, door_profile(f->d), &s, now, &rd, &f->err) < 0)
			fail_msg("cached reader %s: %s", login, f->err.buf);
	}
	strv_release(&roles);
	org_user_release(&u);
	return rd;
}

/*
 * Every sort, filter and window of the lists: the orders in memory (mem, core/record-order.c)
 * give the same pages and counts as SQLite's (sql), for the same person.
 */
/*
 * The brief rows of q (record_query.brief, from the orders in memory when they are at the
 * snapshot's version) are full's rows: the same ids, attributes, changed time and title; asked
 * twice, the second time with the titles kept.
 */
static void compare_brief(struct fixture *f, struct reader *mem, const struct record_query *q,
                          const struct record_page *full)
{
	const struct profile *p = door_profile(f->d);
	struct record_query bq = *q;

	bq.brief = true;
	for (int pass = 0; pass < 2; pass++) {
		struct record_page c = { 0 };
		/* the second time without the count: the walk stops at the page (from a mark) */
		bq.count = pass == 0 && q->count;
		assert_int_equal(records_query(door_store(f->d), mem, &bq, &c, &f->err), 0);
		assert_int_equal(c.list.nr, full->list.nr);
		if (bq.count)
			assert_int_equal(c.total, full->total);
		for (size_t i = 0; i < c.list.nr; i++) {
			const struct record *x = &full->list.items[i], *y = &c.list.items[i];
			assert_int_equal(y->id, x->id);
			assert_string_equal(y->register_id, x->register_id);
			assert_string_equal(y->state, x->state);
			assert_true(!x->level == !y->level &&
			            (!x->level || !strcmp(x->level, y->level)));
			assert_true(!x->section == !y->section &&
			            (!x->section || !strcmp(x->section, y->section)));
			assert_int_equal(y->changed_ms, x->changed_ms);
			assert_string_equal(record_title(p, y), record_title(p, x));
		}
		record_page_release(&c);
	}
}

static void compare_orders(struct fixture *f, struct reader *sql, struct reader *mem,
                           const char *login, const char *state_value)
{
	static const char *const sorts[] = { "-id",    "id",      "-changed", "changed", "level",
		                             "-level", "section", "-section", "state",   "-state" };
	static const char *const regs[] = { "asset", "media" };
	static const char *const levels[] = { NULL, "1", "3" };
	static const char *const secs[] = { NULL, "kumin", "nosuch" };
	const char *states[] = { NULL, state_value };
	/* past 256 matches: a page starts at a walk's mark (record-order.c MARK_STRIDE) */
	static const int64_t offsets[] = { 0, 9, 257, 300 };
	/* searches: through the trigram index (3+ characters), a scan, none */
	static const char *const texts[] = { "kumin", "ディ", "zeimu-2", "nothing here" };
	struct store *st = door_store(f->d);

	for (size_t g = 0; g < ARRAY_SIZE(regs); g++)
		for (size_t x = 0; x < ARRAY_SIZE(texts); x++)
			for (size_t o = 0; o < ARRAY_SIZE(sorts); o += 3) {
				struct record_query q = { .register_id = regs[g],
					                  .text = texts[x],
					                  .level = x == 1 ? "2" : NULL,
					                  .sort = sorts[o],
					                  .offset = o % 2 ? 2 : 0,
					                  .limit = 4,
					                  .count = true };
				struct record_page a = { 0 }, b = { 0 };
				assert_int_equal(records_query(st, sql, &q, &a, &f->err), 0);
				assert_int_equal(records_query(st, mem, &q, &b, &f->err), 0);
				if (a.total != b.total || a.list.nr != b.list.nr)
					fail_msg("%s %s search '%s' sort %s: %lld/%zu rows in SQL, "
					         "%lld/%zu in memory",
					         login, regs[g], texts[x], sorts[o],
					         (long long)a.total, a.list.nr, (long long)b.total,
					         b.list.nr);
				for (size_t i = 0; i < a.list.nr; i++)
					assert_int_equal(a.list.items[i].id, b.list.items[i].id);
				compare_brief(f, mem, &q, &a);
				record_page_release(&a);
				record_page_release(&b);
			}
	for (size_t g = 0; g < ARRAY_SIZE(regs); g++)
		for (size_t l = 0; l < ARRAY_SIZE(levels); l++)
			for (size_t s = 0; s < ARRAY_SIZE(secs); s++)
				for (size_t t = 0; t < ARRAY_SIZE(states); t++)
					for (size_t o = 0; o < ARRAY_SIZE(sorts); o++)
						for (size_t w = 0; w < ARRAY_SIZE(offsets); w++) {
							struct record_query q = {
								.register_id = regs[g],
								.level = levels[l],
								.section = secs[s],
								.state = states[t],
								.sort = sorts[o],
								.offset = offsets[w],
								.limit = 7,
								.count = true
							};
							struct record_page a = { 0 }, b = { 0 };
							assert_int_equal(
							    records_query(st, sql, &q, &a, &f->err),
							    0);
							assert_int_equal(
							    records_query(st, mem, &q, &b, &f->err),
							    0);
							if (a.total != b.total ||
							    a.list.nr != b.list.nr)
								fail_msg(
								    "%s %s level %s section %s "
								    "state %s sort %s offset %lld: "
								    "%lld/%zu rows in SQL, "
								    "%lld/%zu in memory",
								    login, regs[g], levels[l],
								    secs[s], states[t], sorts[o],
								    (long long)offsets[w],
								    (long long)a.total, a.list.nr,
								    (long long)b.total, b.list.nr);
							for (size_t i = 0; i < a.list.nr; i++)
								assert_int_equal(
								    a.list.items[i].id,
								    b.list.items[i].id);
							compare_brief(f, mem, &q, &a);
							record_page_release(&a);
							record_page_release(&b);
						}
}

static void test_set_equals_read_record(void **state)
{
	struct fixture *f = *state;
	struct store *st = door_store(f->d);
	const struct profile *p = door_profile(f->d);
	struct reader *rds[ARRAY_SIZE(people)] = { 0 }, *mems[ARRAY_SIZE(people)] = { 0 };
	struct reader_cache *cache = reader_cache_new();
	struct record first = { 0 };
	int64_t ids[400];
	bool media[400] = { 0 };
	size_t n = 0, seen = 0, hidden = 0;
	char buf[64];

	ward_base(f);
	fx_user(f, "so-kumin", "kumin");
	fx_user(f, "sa", "somu");
	fx_user(f, "ciso", "somu");
	fx_user(f, "kansa", "somu");
	fx_user(f, "csirt-1", "somu");
	fx_grant(f, "so-kumin", "security_officer@section:kumin");
	fx_grant(f, "zeimu-1", "security_officer@section:zeimu");
	fx_grant(f, "sa", "system_manager@system:zeimu-sys");
	fx_grant(f, "ciso", "ciso@org");
	fx_grant(f, "kansa", "auditor@org");
	fx_grant(f, "csirt-1", "csirt@org");

	for (int i = 0; i < 160; i++) {
		media[n] = rnd(4) == 0;
		if ((ids[n] = media[n] ? random_media(f) : random_asset(f)) > 0)
			n++;
	}
	assert_true(n > 100);
	/* an audit open now naming two records and the media register, one incident escalated */
	{
		struct strbuf from = STRBUF_INIT, until = STRBUF_INIT;
		int64_t now = time_now_ms();
		core_format_local_date(&from, now - 86400000LL);
		core_format_local_date(&until, now + 86400000LL * 5);
		snprintf(buf, sizeof(buf), "%lld,%lld", (long long)ids[3], (long long)ids[7]);
		struct act_attr a[] = { { "items", "台帳" },
			                { "auditor", "kansa" },
			                { "auditee", "kumin-1" },
			                { "targets", buf },
			                { "target_registers", "media" },
			                { "period_from", from.buf },
			                { "period_until", until.buf } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "kansa",
			                .register_id = "audit" };
		in.fields = a;
		in.n_fields = ARRAY_SIZE(a);
		assert_true(try_act(f, &in) > 0);
		strbuf_release(&from);
		strbuf_release(&until);
	}
	{
		snprintf(buf, sizeof(buf), "%lld,%lld", (long long)ids[5], (long long)ids[11]);
		struct act_attr i[] = { { "title", "持出しの疑い" },
			                { "found_at", "2026-01-10T09:00:00+09:00" },
			                { "kind", "違反行為" },
			                { "records", buf } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .register_id = "incident",
			                .section = "zeimu" };
		int64_t inc;
		in.fields = i;
		in.n_fields = ARRAY_SIZE(i);
		inc = try_act(f, &in);
		assert_true(inc > 0);
		struct act_input esc = { .kind = ACT_RECORD,
			                 .actor = "zeimu-1",
			                 .record_id = inc,
			                 .action = "incident.escalate" };
		assert_true(try_act(f, &esc) > 0);
	}

	/* the grants field works in this profile: a grant to kumin-1 opens a 税務課 asset */
	{
		struct act_attr a[] = { { "title", "台帳" },
			                { "access_controlled", "true" },
			                { "access_rights", "user:kumin-1" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .register_id = "asset",
			                .level = "3",
			                .section = "zeimu" };
		struct reader *rd = NULL;
		struct record granted = { 0 }, plain = { 0 };
		in.fields = a;
		in.n_fields = 3;
		ids[n] = try_act(f, &in);
		assert_true(ids[n] > 0);
		assert_int_equal(record_get(st, ids[n++], &granted, &f->err), 0);
		in.n_fields = 2;
		ids[n] = try_act(f, &in);
		assert_true(ids[n] > 0);
		assert_int_equal(record_get(st, ids[n++], &plain, &f->err), 0);
		assert_int_equal(reader_for_login(st, p, "kumin-1", time_now_ms(), &rd, &f->err),
		                 0);
		assert_true(read_record(rd, &granted, NULL));
		assert_false(read_record(rd, &plain, NULL));
		reader_unref(rd);
		record_release(&granted);
		record_release(&plain);
	}

	for (size_t u = 0; u < ARRAY_SIZE(people); u++) {
		if (reader_for_login(st, p, people[u], time_now_ms(), &rds[u], &f->err) < 0)
			fail_msg("reader %s: %s", people[u], f->err.buf);
		compare(f, rds[u], people[u], &seen, &hidden);
		mems[u] = cached_reader(f, cache, people[u]);
	}
	assert_int_equal(record_get(st, ids[0], &first, &f->err), 0);
	for (size_t u = 0; u < ARRAY_SIZE(people); u++)
		compare_orders(f, rds[u], mems[u], people[u], first.state);
	/* the same readers while acts move records on and add new ones (no opening changes) */
	for (int round = 0; round < 4; round++) {
		for (int k = 0; k < 40; k++) {
			uint32_t x = rnd((uint32_t)n);
			random_change(f, ids[x], media[x]);
		}
		for (int k = 0; k < 10 && n < ARRAY_SIZE(ids); k++) {
			media[n] = rnd(4) == 0;
			if ((ids[n] = media[n] ? random_media(f) : random_asset(f)) > 0)
				n++;
		}
		/* the orders in memory follow the acts (the last round: built anew) */
		if (round == 3) {
			for (size_t u = 0; u < ARRAY_SIZE(people); u++)
				reader_unref(mems[u]);
			reader_cache_free(cache);
			cache = reader_cache_new();
			for (size_t u = 0; u < ARRAY_SIZE(people); u++)
				mems[u] = cached_reader(f, cache, people[u]);
		}
		for (size_t u = 0; u < ARRAY_SIZE(people); u++) {
			compare(f, rds[u], people[u], &seen, &hidden);
			compare_orders(f, rds[u], mems[u], people[u], first.state);
		}
	}
	/* both sides of the decision, for grants too */
	assert_true(seen > 500);
	assert_true(hidden > 500);
	for (size_t u = 0; u < ARRAY_SIZE(people); u++) {
		reader_unref(rds[u]);
		reader_unref(mems[u]);
	}
	reader_cache_free(cache);
	record_release(&first);
}

/*
 * Pages past 256 matches start at the mark of an earlier walk of the same set, filters and order
 * (record-order.c MARK_STRIDE): the same pages as SQL's, asked again and again with and without
 * the count, for a reader who sees part of the ward and one who sees all of it, and again after
 * acts moved records on (the marks of the older version are not used).
 */
static void test_walk_marks(void **state)
{
	struct fixture *f = *state;
	static const char *const sorts[] = { "-id", "changed", "level", "-section", "state" };
	static const char *const levels[] = { NULL, "2" };
	static const int64_t offsets[] = { 0, 255, 256, 257, 300, 511, 512, 513, 700 };
	static const char *const who[] = { "zeimu-1", "ciso" };
	struct reader_cache *cache = reader_cache_new();
	int64_t ids[900];
	size_t n = 0;

	ward_base(f);
	fx_user(f, "so-kumin", "kumin");
	fx_user(f, "ciso", "somu");
	fx_user(f, "kansa", "somu");
	fx_grant(f, "so-kumin", "security_officer@section:kumin");
	fx_grant(f, "zeimu-1", "security_officer@section:zeimu");
	fx_grant(f, "ciso", "ciso@org");
	while (n < ARRAY_SIZE(ids))
		if ((ids[n] = random_asset(f)) > 0)
			n++;
	for (int round = 0; round < 2; round++) {
		for (size_t u = 0; u < ARRAY_SIZE(who); u++) {
			struct reader *sql = NULL, *mem = cached_reader(f, cache, who[u]);
			assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d),
			                                  who[u], time_now_ms(), &sql, &f->err),
			                 0);
			for (size_t o = 0; o < ARRAY_SIZE(sorts); o++)
				for (size_t l = 0; l < ARRAY_SIZE(levels); l++)
					for (size_t w = 0; w < 2 * ARRAY_SIZE(offsets); w++) {
						struct record_query q = {
							.register_id = "asset",
							.level = levels[l],
							.sort = sorts[o],
							.offset = offsets[w % ARRAY_SIZE(offsets)],
							.limit = 20,
							.count = true
						};
						struct record_page a = { 0 }, b = { 0 };
						assert_int_equal(records_query(door_store(f->d),
						                               sql, &q, &a,
						                               &f->err),
						                 0);
						q.count =
						    w >= ARRAY_SIZE(offsets); /* with marks kept */
						assert_int_equal(records_query(door_store(f->d),
						                               mem, &q, &b,
						                               &f->err),
						                 0);
						if (a.list.nr != b.list.nr ||
						    (q.count && a.total != b.total))
							fail_msg("%s sort %s level %s offset %lld: "
							         "%lld/%zu "
							         "rows in SQL, %lld/%zu in memory",
							         who[u], sorts[o],
							         levels[l] ? levels[l] : "-",
							         (long long)q.offset,
							         (long long)a.total, a.list.nr,
							         (long long)b.total, b.list.nr);
						for (size_t i = 0; i < a.list.nr; i++)
							assert_int_equal(a.list.items[i].id,
							                 b.list.items[i].id);
						record_page_release(&a);
						record_page_release(&b);
					}
			reader_unref(sql);
			reader_unref(mem);
		}
		for (int k = 0; k < 30; k++)
			random_change(f, ids[rnd((uint32_t)n)], false);
	}
	reader_cache_free(cache);
}

/*
 * A search of three characters or more goes through the trigram index (schema/0013), shorter
 * ones read every record's fields: both find the same records, ASCII case aside, within one
 * field, and the index follows every act that changes a record's fields.
 */
static void test_search_index(void **state)
{
	struct fixture *f = *state;
	static const char *const titles[] = { "Tokyo 税務台帳 ABC", "tokyo 区民名簿", "別の文書",
		                              "50%_削減計画" };
	int64_t id = 0;

	fx_section(f, "zeimu", "税務課");
	fx_user(f, "zeimu-1", "zeimu");
	fx_grant(f, "zeimu-1", "security_officer@section:zeimu"); /* sets access rights */
	for (size_t i = 0; i < ARRAY_SIZE(titles); i++) {
		struct act_attr a[] = { { "title", titles[i] }, { "access_controlled", "true" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .register_id = "asset",
			                .level = "2",
			                .section = "zeimu" };
		in.fields = a;
		in.n_fields = 2;
		id = try_act(f, &in);
		assert_true(id > 0);
	}
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "tokyo"), 2);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "TOKYO"), 2);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "ｔｏｋｙｏ"), 0); /* no width folding */
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "税務台帳"), 1);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "台帳 a"), 1);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "税務"), 1); /* two characters: a scan */
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "文書"), 1);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "0%_"),
	                 1); /* wildcards: a scan, literal */
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "50%x"), 0);
	/* not across two fields (access_controlled's "true", then the title) */
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "true\nTokyo"), 0);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "ion:zei"), 0);
	/* all of them were found as records the index does not hold yet (schema/0029) */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records_text"), 0);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records_text_pending"), 4);
	/* the commit that notes the RECORDS_TEXT_FOLD-th moves them into the index */
	for (int i = 0; i < RECORDS_TEXT_FOLD; i++) {
		char title[32];
		struct act_attr a[] = { { "title", title }, { "access_controlled", "true" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .register_id = "asset",
			                .level = "2",
			                .section = "zeimu" };
		snprintf(title, sizeof(title), "埋め草 %d", i);
		in.fields = a;
		in.n_fields = 2;
		assert_true(try_act(f, &in) > 0);
	}
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records_text"), RECORDS_TEXT_FOLD);
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records_text_pending"), 4);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "tokyo"), 2);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "税務台帳"), 1);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "埋め草"), RECORDS_TEXT_FOLD);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "ion:zei"), 0);
	/* a record the index holds, changed: its new text is found (noted again) */
	{
		struct act_attr a[] = { { "access_rights", "section:zeimu" } };
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "zeimu-1",
			                .record_id = id,
			                .action = "asset.set_access" };
		in.fields = a;
		in.n_fields = 1;
		assert_true(try_act(f, &in) > 0);
	}
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "ion:zei"), 1);
	assert_int_equal(fx_search(f, "zeimu-1", "asset", "削減計画"), 1);
	/* every record is in the index or noted for it */
	assert_int_equal(fx_count(f, "SELECT count(*) FROM records WHERE id NOT IN"
	                             " (SELECT rowid FROM records_text) AND id NOT IN"
	                             " (SELECT id FROM records_text_pending)"),
	                 0);
}

/*
 * A register the orders in memory cannot hold (a record id past ORDER_MAX_ID, 4,194,304) is
 * listed by SQL instead: with and without the count (the API's list, the CSV export and a
 * register page whose count the web has cached ask without it), the same pages as SQL's, for a
 * reader who sees the whole ward and one who sees part of it.
 */
static void test_orders_too_big(void **state)
{
	struct fixture *f = *state;
	static const char *const who[] = { "ciso", "kumin-1" };
	struct reader_cache *cache = reader_cache_new();
	struct store *other = NULL;
	int64_t totals[ARRAY_SIZE(who)] = { 0 };
	size_t n = 0;

	ward_base(f);
	fx_user(f, "kansa", "somu");
	fx_user(f, "ciso", "somu");
	fx_grant(f, "ciso", "ciso@org");
	while (n < 40)
		if (random_asset(f) > 0)
			n++;
	/* the newest record's id past what the orders hold (not through the door: an id no act
	 * gives today; what refers to it keeps the old id) */
	assert_int_equal(store_open(f->dir, STORE_ANY_BACKEND, &other, &f->err), 0);
	if (store_exec(other, "PRAGMA foreign_keys = OFF", &f->err) < 0 ||
	    store_exec(other,
	               "UPDATE records SET id = 4194304 WHERE id = (SELECT max(id) FROM records)",
	               &f->err) < 0)
		fail_msg("moving the newest record: %s", f->err.buf);
	store_close(other);
	for (size_t u = 0; u < ARRAY_SIZE(who); u++) {
		struct reader *sql = NULL, *mem = cached_reader(f, cache, who[u]);

		assert_int_equal(reader_for_login(door_store(f->d), door_profile(f->d), who[u],
		                                  time_now_ms(), &sql, &f->err),
		                 0);
		for (int pass = 0; pass < 4; pass++) {
			struct record_query q = { .register_id = "asset",
				                  .sort = pass % 2 ? "id" : "-changed",
				                  .limit = 50,
				                  .offset = pass / 2 ? 3 : 0,
				                  .count = pass == 0 };
			struct record_page a = { 0 }, b = { 0 };
			int r;

			assert_int_equal(records_query(door_store(f->d), sql, &q, &a, &f->err), 0);
			r = records_query(door_store(f->d), mem, &q, &b, &f->err);
			if (r < 0)
				fail_msg("%s pass %d (count %d): in memory: %d '%s'", who[u], pass,
				         q.count, r, f->err.buf);
			assert_int_equal(a.list.nr, b.list.nr);
			assert_int_equal(a.total, b.total);
			for (size_t i = 0; i < a.list.nr; i++)
				assert_int_equal(a.list.items[i].id, b.list.items[i].id);
			if (pass == 0)
				totals[u] = b.total;
			if (pass == 0 &&
			    u == 0) /* the newest first: the record the orders cannot hold */
				assert_int_equal(b.list.items[0].id, 4194304);
			record_page_release(&a);
			record_page_release(&b);
		}
		reader_unref(sql);
		reader_unref(mem);
	}
	/* kumin-1 sees part of what ciso sees: the fallback decided each row for them */
	assert_true(totals[1] > 0 && totals[1] < totals[0]);
	reader_cache_free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_equals_read_record, fixture_setup,
		                                fixture_teardown),
		cmocka_unit_test_setup_teardown(test_walk_marks, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_search_index, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_orders_too_big, fixture_setup,
		                                fixture_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
