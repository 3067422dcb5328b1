/* demo: a realistic demo ward for any profile, built entirely through the door. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/core.h"
#include "core/demo-internal.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/records.h"
#include "core/requests.h"
#include "core/setup.h"
#include "policy/policy.h"

/* Records to create per register (others get DEMO_OTHER each). */
struct demo_count {
	const char *reg;
	int n;
};
static const struct demo_count demo_counts[] = {
	{ "asset", 64 },    { "media", 22 },    { "iodata", 14 }, { "device", 20 },
	{ "software", 12 }, { "network", 3 },   { "system", 7 },  { "user", 6 },
	{ "area", 3 },      { "exception", 3 }, { "fim", 0 }, /* baselines are made by 'mamori fim'
	                                                         only, with real digests */
	{ "incident", 0 }, /* the demo's cases are told as stories (demo_incidents) */
};
#define DEMO_OTHER 3

uint32_t demo_next_rand(struct demo *m)
{
	/* xorshift32: a fixed seed makes the demo the same every time. */
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 17;
	m->rnd ^= m->rnd << 5;
	return m->rnd;
}

bool demo_has_role(const struct profile *p, const char *id)
{
	return policy_role(p, id) != NULL;
}

static int run(struct demo *m, struct act_input *in, struct act_result *res)
{
	int r;

	in->ctx = m->ctx;
	r = act_run(m->d, in, res, m->err);
	if (r < 0)
		return r;
	switch (res->outcome) {
	case ACT_DONE:
		m->done++;
		break;
	case ACT_PENDING:
		m->pending++;
		break;
	case ACT_REFUSED:
		m->refused++;
		break;
	}
	return 0;
}

/* An organization act by the administrator that must be done. */
int demo_admin_act(struct demo *m, enum act_kind kind, const char *target, const struct act_attr *f,
                   size_t nf, const char *secret)
{
	struct act_input in = { .kind = kind, .actor = "admin", .target = target };
	struct act_result res = ACT_RESULT_INIT;
	int r;

	in.fields = f;
	in.n_fields = nf;
	in.secret = secret;
	r = run(m, &in, &res);
	if (r == 0 && res.outcome != ACT_DONE) {
		error_set(m->err, "demo: %s %s was refused: %s", act_kind_action(kind), target,
		          res.message);
		r = -EPERM;
	}
	act_result_release(&res);
	return r;
}
/* Decides the fate of a pending request: most are approved, some rejected, some left. */
static int settle(struct demo *m, int64_t request_id, const char *applicant)
{
	struct request q = { 0 };
	uint32_t dice = demo_next_rand(m) % 10;
	int r = 0;

	if (dice >= 8)
		return 0; /* left pending, for people to find in 'request list --to-approve' */
	r = request_get(m->st, request_id, &q, m->err);
	for (size_t i = 0; r == 0 && i < q.n_slots; i++) {
		int64_t *ids = NULL;
		size_t nr = 0;
		const char *approver = NULL;
		struct org_user u = { 0 };

		if (q.slots[i].needs_exception)
			break;
		r = org_holders(m->st, q.slots[i].role, q.slots[i].scope, time_now_ms(), &ids, &nr,
		                m->err);
		for (size_t k = 0; r == 0 && k < nr && !approver; k++) {
			if (ids[k] == q.applicant)
				continue;
			if (org_user_get_id(m->st, ids[k], &u, NULL) == 0)
				approver = u.login;
		}
		free(ids);
		if (approver) {
			struct act_input in = { .kind = dice == 7 ? ACT_REJECT : ACT_APPROVE,
				                .actor = approver,
				                .request_id = request_id };
			struct act_result res = ACT_RESULT_INIT;
			in.comment = dice == 7 ? "目的が不明確なため差し戻し" : "承認します";
			r = run(m, &in, &res);
			if (r == 0 && dice == 7)
				m->rejected++;
			else if (r == 0 && res.outcome != ACT_REFUSED)
				m->approved++;
			act_result_release(&res);
		}
		org_user_release(&u);
		if (dice == 7)
			break;
	}
	(void)applicant;
	request_release(&q);
	return r;
}

static int count_for(const struct policy_register *reg)
{
	for (size_t i = 0; i < ARRAY_SIZE(demo_counts); i++)
		if (!strcmp(demo_counts[i].reg, reg->id))
			return demo_counts[i].n;
	return DEMO_OTHER;
}

const struct policy_action *demo_create_action(const struct policy_register *reg)
{
	for (unsigned i = 0; i < reg->n_actions; i++)
		if (reg->actions[i]->create)
			return reg->actions[i];
	return NULL;
}

static bool needs_missing_ref(struct demo *m, const struct policy_register *reg)
{
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].type == FIELD_REF && reg->fields[i].required &&
		    (!reg->fields[i].ref || !m->nids[reg->fields[i].ref->index]))
			return true;
	return false;
}

/* Whether the demo creates records of register reg with its create action a. */
static bool demo_creates(const struct demo *m, const struct policy_register *reg,
                         const struct policy_action *a)
{
	/* findings are their audit team's (actor_in); an audit's team must be independent of
	 * what it audits: the one audit the demo shows is showcase_openings'. A risk's values are
	 * Mamori's (core/risk.h): the demo does not write them by hand. */
	if (!a || a->actor_in_ref || reg == m->p->risk.reg)
		return false;
	/* a self-inspection's answers belong to its section's open inspection (same_section,
	 * ref_states): they follow a round, which the demo does not answer */
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].same_section || reg->fields[i].n_ref_states)
			return false;
	/* a policy review names a draft version of the profile: the demo drafts none */
	if (!strcmp(reg->id, "policy_review"))
		return false;
	for (unsigned i = 0; i < m->p->n_separation; i++)
		if (m->p->separation[i].kind == SEP_INDEPENDENT && m->p->separation[i].n_fields &&
		    m->p->separation[i].field_regs[0] == reg)
			return false;
	return true;
}

static int create_records(struct demo *m, const struct policy_register *reg)
{
	const struct policy_action *a = demo_create_action(reg);
	const struct policy_field *level_f = NULL, *section_f = NULL;
	size_t nsec;
	const char *const *secs = demo_work_sections(&nsec);
	int want = count_for(reg), r = 0;

	if (!demo_creates(m, reg, a))
		return 0;
	for (unsigned i = 0; i < reg->n_fields; i++) {
		if (reg->fields[i].type == FIELD_LEVEL && !level_f)
			level_f = &reg->fields[i];
		if (reg->fields[i].type == FIELD_SECTION && !section_f)
			section_f = &reg->fields[i];
	}
	for (int n = 0; n < want && r == 0; n++) {
		const char *section = secs[(unsigned)(n * 7 + reg->index) % nsec];
		const char *system = demo_system_of(section, (unsigned)n);
		struct demo_filled vals = { 0 };
		unsigned slot = 0;
		bool approval = false;
		const char *actor;
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;

		if (!strcmp(reg->id, "system") || !strcmp(reg->id, "network")) {
			system = demo_system_nth((unsigned)n, &section);
		} else if (demo_asset(reg, (unsigned)n)) {
			section = demo_asset(reg, (unsigned)n)->section;
			system = demo_system_of(section, (unsigned)n);
		}
		demo_fill_fields(m, reg, reg->fields, reg->n_fields, (unsigned)n, section, system,
		                 &vals, &slot);
		demo_fill_fields(m, reg, a->fields, a->n_fields, (unsigned)n, section, system,
		                 &vals, &slot);
		actor = demo_choose_actor(m, a, NULL,
		                          level_f ? demo_fill_get(&vals, level_f->id) : NULL,
		                          section_f ? demo_fill_get(&vals, section_f->id) : section,
		                          system, &vals, &approval);
		if (!actor) {
			demo_fill_drop_optional_enums(&vals, reg->fields, reg->n_fields);
			actor = demo_choose_actor(
			    m, a, NULL, level_f ? demo_fill_get(&vals, level_f->id) : NULL,
			    section_f ? demo_fill_get(&vals, section_f->id) : section, system,
			    &vals, &approval);
		}
		if (!actor) {
			m->skipped++;
			demo_fill_release(&vals);
			continue;
		}
		in.actor = actor;
		in.action = a->full_name;
		in.fields = vals.items;
		in.n_fields = vals.nr;
		if (!policy_register_field(reg, "system"))
			in.system = system;
		r = run(m, &in, &res);
		if (r == 0 && res.outcome == ACT_DONE) {
			m->ids[reg->index] = xreallocarray(
			    m->ids[reg->index], m->nids[reg->index] + 1, sizeof(int64_t));
			m->ids[reg->index][m->nids[reg->index]++] = res.record_id;
		} else if (r == 0 && res.outcome == ACT_PENDING) {
			r = settle(m, res.request_id, actor);
		}
		act_result_release(&res);
		demo_fill_release(&vals);
	}
	return r;
}

/* Some actions on the records: copies, take-outs, transports, disposals ... */
static int act_on_records(struct demo *m, const struct policy_register *reg)
{
	int r = 0;

	for (size_t k = 0; k < m->nids[reg->index] && r == 0; k += 2) {
		struct record rec = { 0 };
		const struct policy_action *a = NULL;
		/* read is not an act people take on the demo's records: it does not count either */
		unsigned n_acts = reg->n_actions - (policy_register_action(reg, "read") ? 1 : 0);
		unsigned pick = (unsigned)(demo_next_rand(m) % (n_acts ? n_acts : 1));
		struct demo_filled vals = { 0 };
		unsigned slot = 0;
		bool approval = false;
		const char *actor;
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;

		r = record_get(m->st, m->ids[reg->index][k], &rec, m->err);
		if (r < 0)
			break;
		/* an action that starts from the record's state, not a creation, not a read */
		for (unsigned t = 0; t < n_acts && !a; t++) {
			const struct policy_action *c = NULL;
			const struct policy_state *s = policy_register_state(reg, rec.state);
			for (unsigned i = 0, j = 0; i < reg->n_actions && !c; i++) {
				if (strcmp(reg->actions[i]->id, "read") &&
				    j++ == (pick + t) % n_acts)
					c = reg->actions[i];
			}
			if (!c || c->create)
				continue;
			if (c->from && (!s || !(c->from & (1ULL << s->index))))
				continue;
			a = c;
		}
		if (!a) {
			record_release(&rec);
			continue;
		}
		demo_fill_fields(
		    m, reg, a->fields, a->n_fields, (unsigned)k, rec.section ? rec.section : "somu",
		    rec.system ? rec.system : demo_system_of(rec.section, 0), &vals, &slot);
		actor = demo_choose_actor(m, a, &rec, rec.level, rec.section ? rec.section : "somu",
		                          rec.system, &vals, &approval);
		if (actor) {
			in.actor = actor;
			in.record_id = rec.id;
			in.action = a->full_name;
			in.fields = vals.items;
			in.n_fields = vals.nr;
			r = run(m, &in, &res);
			if (r == 0 && res.outcome == ACT_PENDING)
				r = settle(m, res.request_id, actor);
		}
		act_result_release(&res);
		demo_fill_release(&vals);
		record_release(&rec);
	}
	return r;
}

int demo_build(struct door *d, struct strbuf *out, struct strbuf *err)
{
	return demo_build_say(d, out, NULL, err);
}

/* English when there is no say. */
static const char *__attribute__((format_arg(2))) said(setup_say_fn say, const char *msgid)
{
	return say ? say(msgid) : msgid;
}

int demo_build_say(struct door *d, struct strbuf *out, setup_say_fn say, struct strbuf *err)
{
	struct demo m = { 0 };
	struct table logins;
	int r;

	m.d = d;
	m.p = door_profile(d);
	m.st = door_store(d);
	m.err = err;
	m.rnd = 0x6d616d6f; /* "mamo" */
	m.ctx.via = "init";
	m.ctx.os_user = "demo";
	m.ids = xcalloc(m.p->n_registers + 1, sizeof(*m.ids));
	m.nids = xcalloc(m.p->n_registers + 1, sizeof(*m.nids));
	table_init(&logins, 5,
	           (const char *[]){ "LOGIN", "氏名", "所属", "雇用形態", said(say, "PASSWORD") });

	r = demo_build_org(&m, &logins);
	/* Registers whose records others refer to first. */
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (unsigned i = 0; i < m.p->n_registers && r == 0; i++)
			if (needs_missing_ref(&m, &m.p->registers[i]) == (pass == 1) && !m.nids[i])
				r = create_records(&m, &m.p->registers[i]);
	for (unsigned i = 0; i < m.p->n_registers && r == 0; i++)
		r = act_on_records(&m, &m.p->registers[i]);
	if (r == 0)
		r = demo_showcase(&m);
	if (r == 0)
		r = demo_stories(&m);
	if (r == 0)
		r = demo_incidents(&m);
	if (r == 0) {
		size_t total = 0, sections, systems, people;
		for (unsigned i = 0; i < m.p->n_registers; i++)
			total += m.nids[i];
		demo_org_size(&sections, &systems, &people);
		strbuf_addf(
		    out,
		    said(say, "\ndemo ward: %zu sections, %zu systems, %zu people, %zu records; "
		              "acts: %d done, %d pending, %d refused (%d approved, %d rejected)\n"
		              "demo logins (passwords shown once):\n"),
		    sections, systems, people, total, m.done, m.pending, m.refused, m.approved,
		    m.rejected);
		table_render(&logins, out);
		strbuf_addstr(out,
		              said(say, "\ntry: mamori request list --to-approve --as zeimu-kacho\n"
		                        "     mamori record list asset --section zeimu\n"
		                        "     mamori ledger verify\n"));
	}
	for (unsigned i = 0; i < m.p->n_registers; i++)
		free(m.ids[i]);
	free(m.ids);
	free(m.nids);
	/* The table held the passwords: wipe its cells before freeing. */
	for (size_t i = 0; i < logins.nrows * logins.ncols; i++)
		if (logins.cells[i])
			sodium_memzero(logins.cells[i], strlen(logins.cells[i]));
	table_release(&logins);
	return r;
}

/* ---- for the stories (demo-stories.c) ------------------------------------------------------ */

int demo_run(struct demo *m, struct act_input *in, struct act_result *res)
{
	return run(m, in, res);
}
