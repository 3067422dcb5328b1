/* risk: valuing a risk from the measures that actually work, assessing and accepting it through
 * the door (core/risk.h, docs/risk.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "core/act-internal.h"
#include "core/audits.h"
#include "core/coverage.h"
#include "core/duties.h"
#include "core/org.h"
#include "core/read.h"
#include "core/risk-internal.h"
#include "core/risk.h"
#include "store/query.h"

#define YEAR_MS (365LL * 24 * 3600 * 1000)

static const struct policy_register *risk_register(const struct profile *p, struct strbuf *err)
{
	if (!p->risk.reg) {
		error_set(err, "profile '%s' has no 'risk' section: it keeps no risk register",
		          p->id);
		return NULL;
	}
	return p->risk.reg;
}

static bool clause_cited(const struct policy_clauses *cs, const struct policy_clause *c)
{
	for (unsigned i = 0; i < cs->nr; i++)
		if (cs->items[i] == c)
			return true;
	return false;
}

/* The duties that carry clause c where section is: at org, at the section, at its systems. */
static void measure_duties(struct risk_measure *m, const struct duty_list *dl, const char *section)
{
	for (size_t i = 0; i < dl->nr; i++) {
		const struct duty_status *ds = &dl->items[i];
		struct risk_duty *rd;

		if (!clause_cited(&ds->duty->clauses, m->clause))
			continue;
		if (strcmp(ds->scope, "org") &&
		    (!ds->section || !section || strcmp(ds->section, section)))
			continue;
		m->duties = xrealloc(m->duties, (m->n_duties + 1) * sizeof(*m->duties));
		rd = &m->duties[m->n_duties++];
		rd->duty = ds->duty;
		rd->scope = xstrdup(ds->scope);
		rd->last_done_ms = ds->last_done_ms;
		rd->next_due_ms = ds->next_due_ms;
		rd->overdue = ds->due;
	}
}

/* Runs sql (?1 bound to from unless it is 0, ?2 to text2 when given), whose rows are (clause
 * id, count), adding each count to per[clause index]. */
static int per_clause(struct door *d, const char *sql, int64_t from, const char *text2,
                      int64_t *per, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct query *q;
	int r = query_prepare(door_store(d), sql, &q, err);

	if (r < 0)
		return r;
	if (from)
		query_bind_int(q, 1, from);
	if (text2)
		query_bind_text(q, 2, text2);
	while ((r = query_step(q, err)) > 0) {
		const char *id = query_text(q, 0);
		const struct policy_clause *c = id ? policy_clause(p, id) : NULL;
		if (c)
			per[c->index] += query_int(q, 1);
	}
	return r;
}

/* What cited each clause over the period: acts done and refused, incident cases (not drills),
 * audit findings. One pass each over the acts and the records, once per basis. */
static int basis_acts(struct door *d, struct risk_basis *b, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	size_t n = p->n_clauses ? p->n_clauses : 1;
	int r;

	if (b->acts_read)
		return 0;
	b->acts_done = xcalloc(n, sizeof(*b->acts_done));
	b->acts_refused = xcalloc(n, sizeof(*b->acts_refused));
	b->cited_incidents = xcalloc(n, sizeof(*b->cited_incidents));
	b->findings = xcalloc(n, sizeof(*b->findings));
	b->findings_open = xcalloc(n, sizeof(*b->findings_open));
	r = per_clause(d,
	               "SELECT j.value, count(*) FROM acts a, json_each(a.clauses) j "
	               "WHERE a.at_ms >= ?1 AND a.outcome = 'done' GROUP BY j.value",
	               b->from_ms, NULL, b->acts_done, err);
	if (r == 0)
		r = per_clause(d,
		               "SELECT j.value, count(*) FROM acts a, json_each(a.clauses) j "
		               "WHERE a.at_ms >= ?1 AND a.outcome = 'refused' GROUP BY j.value",
		               b->from_ms, NULL, b->acts_refused, err);
	if (r == 0 && p->incidents.reg)
		r = per_clause(d,
		               "SELECT j.value, count(DISTINCT a.record_id) FROM acts a "
		               "JOIN records c ON c.id = a.record_id, json_each(a.clauses) j "
		               "WHERE c.register = ?2 AND a.at_ms >= ?1 AND "
		               "coalesce(json_extract(c.fields, '$.drill'), '') <> 'true' "
		               "GROUP BY j.value",
		               b->from_ms, p->incidents.reg->id, b->cited_incidents, err);
	if (r == 0 && policy_register(p, FINDING_REGISTER)) {
		r = per_clause(d,
		               "SELECT json_extract(f.fields, '$.clause'), count(*) FROM records f "
		               "WHERE f.register = ?2 AND f.created_ms >= ?1 GROUP BY 1",
		               b->from_ms, FINDING_REGISTER, b->findings, err);
		if (r == 0)
			r = per_clause(d,
			               "SELECT json_extract(f.fields, '$.clause'), count(*) FROM "
			               "records f WHERE f.register = ?2 AND f.state <> 'closed' "
			               "GROUP BY 1",
			               0, FINDING_REGISTER, b->findings_open, err);
	}
	if (r == 0)
		b->acts_read = true;
	return r;
}

int risk_basis_init(struct door *d, int64_t now_ms, struct risk_basis *b, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	int r;

	memset(b, 0, sizeof(*b));
	b->now_ms = now_ms;
	b->from_ms = now_ms - YEAR_MS;
	r = coverage_compute(p, door_dir(d), door_store(d), &b->cov, err);
	if (r == 0)
		r = duties_compute(d, now_ms, &b->dl, err);
	if (r < 0)
		risk_basis_release(b);
	return r;
}

void risk_basis_release(struct risk_basis *b)
{
	policy_coverage_release(&b->cov);
	duty_list_release(&b->dl);
	free(b->acts_done);
	free(b->acts_refused);
	free(b->cited_incidents);
	free(b->findings);
	free(b->findings_open);
	for (size_t i = 0; i < b->n_incidents; i++) {
		struct risk_incident *x = &b->incidents[i];
		for (size_t k = 0; x->rec_sections && k < x->n_records; k++)
			free(x->rec_sections[k]);
		free(x->rec_sections);
		free(x->section);
		free(x->records);
	}
	free(b->incidents);
	memset(b, 0, sizeof(*b));
}

/* Whether the measure counts, and how far it lowers the likelihood. */
static void measure_worth(const struct policy_risk *rk, struct risk_measure *m)
{
	m->why_not = NULL;
	if (m->strength < STRENGTH_MONITORED)
		m->why_not = "noted";
	for (size_t i = 0; !m->why_not && i < m->n_duties; i++)
		if (m->duties[i].overdue)
			m->why_not = "duty_overdue";
	for (size_t i = 0; !m->why_not && i < m->n_duties; i++)
		if (!m->duties[i].last_done_ms)
			m->why_not = "duty_never_done";
	m->counts = !m->why_not;
	m->reduce = 0;
	if (m->counts)
		m->reduce = m->strength == STRENGTH_ENFORCED   ? rk->reduce_enforced
		            : m->strength == STRENGTH_RECORDED ? rk->reduce_recorded
		                                               : rk->reduce_monitored;
}

int risk_evaluate_on(struct door *d, struct risk_basis *b, const char *section,
                     const char *const *measures, size_t n_measures, int64_t likelihood,
                     int64_t impact, struct risk_eval *ret, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	int64_t after = likelihood;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->likelihood = likelihood;
	ret->impact = impact;
	ret->inherent = likelihood * impact;
	ret->period_from_ms = b->from_ms;
	if (n_measures > RISK_MAX_MEASURES) {
		error_set(err, "at most %d measures on one risk", RISK_MAX_MEASURES);
		return -EINVAL;
	}
	ret->measures = xcalloc(n_measures ? n_measures : 1, sizeof(*ret->measures));
	for (size_t i = 0; i < n_measures; i++) {
		const struct policy_clause *c = policy_clause(p, measures[i]);
		if (!c) {
			error_set(err,
			          "'%s' is not a clause of profile '%s': a measure is a clause of "
			          "the ward's standards (mamori policy coverage lists them)",
			          measures[i], p->id);
			return -EINVAL;
		}
		for (size_t k = 0; k < ret->n_measures; k++)
			if (ret->measures[k].clause == c) {
				error_set(err, "measure %s is given twice", c->id);
				return -EINVAL;
			}
		ret->measures[ret->n_measures++].clause = c;
	}
	if (ret->n_measures)
		r = basis_acts(d, b, err);
	for (size_t i = 0; r == 0 && i < ret->n_measures; i++) {
		struct risk_measure *m = &ret->measures[i];

		m->strength = m->clause->index < b->cov.nr
		                  ? b->cov.entries[m->clause->index].strength
		                  : STRENGTH_NONE;
		measure_duties(m, &b->dl, section);
		m->acts_done = b->acts_done[m->clause->index];
		m->acts_refused = b->acts_refused[m->clause->index];
		m->incidents = b->cited_incidents[m->clause->index];
		m->findings = b->findings[m->clause->index];
		m->findings_open = b->findings_open[m->clause->index];
		measure_worth(&p->risk, m);
		after -= m->reduce;
	}
	ret->likelihood_after = after < 1 ? 1 : after;
	ret->residual = ret->likelihood_after * impact;
	return r;
}

int risk_evaluate(struct door *d, const char *section, const char *const *measures,
                  size_t n_measures, int64_t likelihood, int64_t impact, int64_t now_ms,
                  struct risk_eval *ret, struct strbuf *err)
{
	struct risk_basis b;
	int r = risk_basis_init(d, now_ms, &b, err);

	if (r < 0) {
		memset(ret, 0, sizeof(*ret));
		return r;
	}
	r = risk_evaluate_on(d, &b, section, measures, n_measures, likelihood, impact, ret, err);
	risk_basis_release(&b);
	return r;
}

void risk_eval_release(struct risk_eval *e)
{
	for (size_t i = 0; i < e->n_measures; i++) {
		for (size_t k = 0; k < e->measures[i].n_duties; k++)
			free(e->measures[i].duties[k].scope);
		free(e->measures[i].duties);
	}
	free(e->measures);
	memset(e, 0, sizeof(*e));
}

/* ---- assessing ------------------------------------------------------------------------- */

/* The profile's treatment value for reduce/avoid/transfer/accept (by position) or itself. */
static const char *treatment_value(const struct policy_register *reg, const char *t,
                                   struct strbuf *err)
{
	static const char *const words[] = { "reduce", "avoid", "transfer", "accept" };
	const struct policy_field *f = policy_register_field(reg, "treatment");

	if (!f || f->type != FIELD_ENUM) {
		error_set(err, "register '%s' records no treatment", reg->id);
		return NULL;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(words) && i < f->n_values; i++)
		if (!strcmp(t, words[i]))
			return f->values[i];
	for (unsigned i = 0; i < f->n_values; i++)
		if (!strcmp(t, f->values[i]))
			return f->values[i];
	error_set(err, "treatment '%s' is not one of reduce, avoid, transfer, accept", t);
	return NULL;
}

static int check_input(const struct profile *p, const struct risk_input *in, struct strbuf *err)
{
	const struct policy_risk *rk = &p->risk;

	if (!in->actor) {
		error_set(err, "an assessment needs its assessor: give --as LOGIN");
		return -EINVAL;
	}
	if (!in->target == !(in->section && *in->section)) {
		error_set(err,
		          "a risk is assessed for a record (its number) or for a whole section "
		          "(--section ID), one of the two");
		return -EINVAL;
	}
	if (!in->threat || !policy_threat(p, in->threat)) {
		struct strbuf ids = STRBUF_INIT;
		for (unsigned i = 0; i < rk->n_threats; i++)
			strbuf_addf(&ids, "%s%s", i ? ", " : "", rk->threats[i].id);
		error_set(err,
		          "threat '%s' is not in the profile's catalogue (%s; mamori risk threats)",
		          in->threat ? in->threat : "", ids.buf);
		strbuf_release(&ids);
		return -EINVAL;
	}
	if (in->likelihood < 1 || in->likelihood > rk->likelihood_max) {
		error_set(err, "likelihood must be from 1 to %" PRId64, rk->likelihood_max);
		return -EINVAL;
	}
	if (in->impact < 1 || in->impact > rk->impact_max) {
		error_set(err, "impact must be from 1 to %" PRId64, rk->impact_max);
		return -EINVAL;
	}
	if (in->residual < 0 || in->residual > rk->likelihood_max * rk->impact_max) {
		error_set(err, "a residual risk is from 1 to %" PRId64,
		          rk->likelihood_max * rk->impact_max);
		return -EINVAL;
	}
	if (in->reason && !core_valid_chars(in->reason, CORE_MAX_COMMENT)) {
		error_set(err, "the reason must be text of at most %d characters",
		          CORE_MAX_COMMENT);
		return -EINVAL;
	}
	return 0;
}

/* The risk already assessed for (target, threat), or for (the whole section, threat) when
 * target is 0; 0 if none. */
static int existing_risk(struct store *st, const struct policy_register *reg, int64_t target,
                         const char *section, const char *threat, int64_t *ret, struct strbuf *err)
{
	struct record_list l = { 0 };
	struct record_filter f = { .register_id = reg->id };
	int r = records_list(st, &f, &l, err);

	*ret = 0;
	for (size_t i = 0; r == 0 && i < l.nr && !*ret; i++) {
		const char *t = record_field(&l.items[i], "target");
		const char *th = record_field(&l.items[i], "threat");
		const char *sec = record_field(&l.items[i], "section");
		int64_t v = 0;
		if (!th || strcmp(th, threat))
			continue;
		if (t && parse_int64(t, 1, INT64_MAX, &v) < 0)
			continue;
		if (target ? v == target : !t && sec && !strcmp(sec, section))
			*ret = l.items[i].id;
	}
	record_list_release(&l);
	return r;
}

/* A section assessed as a whole: it must be one of the ward's. */
static int whole_section(struct door *d, const char *section, char **ret, struct strbuf *err)
{
	struct org_section sec = { 0 };
	struct strbuf ignored = STRBUF_INIT;
	int r = 0;

	if (!core_valid_id(section) ||
	    org_section_get(door_store(d), section, &sec, &ignored) < 0) {
		error_set(err, "no section '%s' (mamori org show lists the sections)", section);
		r = -ENOENT;
	} else {
		*ret = xstrdup(sec.id);
	}
	org_section_release(&sec);
	strbuf_release(&ignored);
	return r;
}

/* The target's section, after checking the actor may read it. */
static int target_section(struct door *d, const struct risk_input *in, char **ret,
                          struct strbuf *err)
{
	struct reader *rd = NULL;
	struct record rec = { 0 };
	struct strbuf ignored = STRBUF_INIT;
	int r;

	if (!in->target)
		return whole_section(d, in->section, ret, err);
	r = reader_for_login(door_store(d), door_profile(d), in->actor, d->clock(), &rd, err);
	if (r < 0)
		return r;
	if (record_get(door_store(d), in->target, &rec, &ignored) < 0 ||
	    !read_record(rd, &rec, NULL)) {
		error_set(err, "no record %" PRId64 " that '%s' may read", in->target, in->actor);
		r = -ENOENT;
	} else if (door_profile(d)->risk.reg &&
	           !strcmp(rec.register_id, door_profile(d)->risk.reg->id)) {
		error_set(err, "record %" PRId64 " is a risk itself: assess the record it is about",
		          in->target);
		r = -EINVAL;
	} else if (!rec.section) {
		error_set(err,
		          "record %" PRId64 " names no section: a risk is assessed for what a "
		          "section manages",
		          in->target);
		r = -EINVAL;
	} else {
		*ret = xstrdup(rec.section);
	}
	record_release(&rec);
	strbuf_release(&ignored);
	reader_unref(rd);
	return r;
}

/* Joins the measures' clause ids with spaces (those that count only, if counting). */
static void measure_ids(const struct risk_eval *e, bool counting, struct strbuf *out)
{
	for (size_t i = 0; i < e->n_measures; i++)
		if (!counting || e->measures[i].counts)
			strbuf_addf(out, "%s%s", out->len ? " " : "", e->measures[i].clause->id);
}

/* The fields of an assessment (the risk's target, threat and section only when it is new):
 * nums (7) and mids hold their text. Returns how many of f it filled (at most 13). */
static size_t assessed_fields(const struct profile *p, const struct risk_input *in,
                              const struct risk_eval *e, const char *section, const char *treatment,
                              bool existing, struct strbuf *nums, struct strbuf *mids,
                              struct act_attr *f)
{
	const struct policy_field *band = policy_register_field(p->risk.reg, "band");
	size_t n = 0;

	strbuf_addf(&nums[0], "%" PRId64, in->target);
	strbuf_addf(&nums[1], "%" PRId64, in->likelihood);
	strbuf_addf(&nums[2], "%" PRId64, in->impact);
	strbuf_addf(&nums[3], "%" PRId64, e->inherent);
	strbuf_addf(&nums[4], "%" PRId64, e->assessed);
	measure_ids(e, false, mids);
	if (!existing) {
		if (in->target)
			f[n++] = (struct act_attr){ "target", nums[0].buf };
		f[n++] = (struct act_attr){ "threat", in->threat };
		f[n++] = (struct act_attr){ "section", section };
	}
	f[n++] = (struct act_attr){ "likelihood", nums[1].buf };
	f[n++] = (struct act_attr){ "impact", nums[2].buf };
	f[n++] = (struct act_attr){ "inherent", nums[3].buf };
	f[n++] = (struct act_attr){ "residual", nums[4].buf };
	f[n++] = (struct act_attr){ "band", e->assessed > p->risk.accept_up_to ? band->values[1]
		                                                               : band->values[0] };
	if (mids->len)
		f[n++] = (struct act_attr){ "measures", mids->buf };
	if (in->procedure) {
		strbuf_addf(&nums[5], "%" PRId64, in->procedure);
		f[n++] = (struct act_attr){ "procedure", nums[5].buf };
	}
	if (treatment)
		f[n++] = (struct act_attr){ "treatment", treatment };
	if (in->reason && *in->reason && in->residual > e->residual)
		f[n++] = (struct act_attr){ "reason", in->reason };
	if (policy_register_field(p->risk.reg, "computed")) {
		/* what Mamori computed: the residual above confirms it, or raises it */
		strbuf_addf(&nums[6], "%" PRId64, e->residual);
		f[n++] = (struct act_attr){ "computed", nums[6].buf };
	}
	return n;
}

/* The residual the owner records: the computed one confirmed, or raised with a reason. */
static int owner_residual(const struct risk_input *in, const struct risk_eval *e, int64_t *ret,
                          struct strbuf *err)
{
	*ret = e->residual;
	if (in->residual && in->residual < e->residual) {
		error_set(err,
		          "the residual risk is %" PRId64
		          " with the measures that count; the owner "
		          "may raise it, not lower it",
		          e->residual);
		return -EINVAL;
	}
	if (in->residual > e->residual) {
		if (!in->reason || !*in->reason) {
			error_set(err, "raising the residual risk needs the reason (--reason)");
			return -EINVAL;
		}
		*ret = in->residual;
	}
	return 0;
}

int risk_assess(struct door *d, const struct risk_input *in, struct act_result *res,
                struct risk_eval *eval, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *reg = risk_register(p, err);
	struct strbuf nums[7] = { STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
		                  STRBUF_INIT, STRBUF_INIT, STRBUF_INIT };
	struct strbuf mids = STRBUF_INIT;
	struct act_attr f[16];
	struct act_input act;
	const char *treatment = NULL;
	char *section = NULL, *action = NULL;
	int64_t existing = 0, residual;
	size_t n = 0;
	int r;

	memset(eval, 0, sizeof(*eval));
	if (!reg)
		return -ENOTSUP;
	r = check_input(p, in, err);
	if (r == 0 && in->treatment) {
		treatment = treatment_value(reg, in->treatment, err);
		if (!treatment)
			r = -EINVAL;
	}
	if (r < 0)
		return r;
	door_lead(d);
	r = target_section(d, in, &section, err);
	if (r == 0)
		r = existing_risk(door_store(d), reg, in->target, section, in->threat, &existing,
		                  err);
	if (r == 0)
		r = risk_evaluate(d, section, in->measures, in->n_measures, in->likelihood,
		                  in->impact, d->clock(), eval, err);
	door_unlead(d);
	if (r < 0)
		goto out;
	r = owner_residual(in, eval, &residual, err);
	if (r < 0)
		goto out;
	eval->assessed = residual;
	n = assessed_fields(p, in, eval, section, treatment, existing != 0, nums, &mids, f);
	action = xstrfmt("%s.%s", reg->id, existing ? "reassess" : "assess");
	act = (struct act_input){ .kind = ACT_RECORD,
		                  .actor = in->actor,
		                  .action = action,
		                  .record_id = existing,
		                  .fields = f,
		                  .n_fields = n,
		                  .comment = in->comment,
		                  .ctx = in->ctx,
		                  .risk_computed = true };
	r = act_run(d, &act, res, err);
out:
	free(section);
	free(action);
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++)
		strbuf_release(&nums[i]);
	strbuf_release(&mids);
	return r;
}

/* ---- accepting ------------------------------------------------------------------------- */

int risk_accept(struct door *d, int64_t id, const char *actor, const char *comment,
                const struct act_context *ctx, struct act_result *res, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *reg = risk_register(p, err);
	struct risk rk = { 0 };
	struct strbuf residual = STRBUF_INIT, counting = STRBUF_INIT;
	struct act_attr f[3];
	struct act_input act = { .kind = ACT_RECORD };
	char *action = NULL;
	size_t n = 0;
	int r;

	if (!reg)
		return -ENOTSUP;
	if (!actor) {
		error_set(err, "an acceptance needs its owner: give --as LOGIN");
		return -EINVAL;
	}
	r = risk_get(d, id, d->clock(), &rk, err);
	if (r < 0)
		return r;
	if (rk.now.residual > rk.residual) {
		error_set(err,
		          "risk %" PRId64 " was assessed at a residual of %" PRId64 " but its "
		          "measures now leave %" PRId64 ": reassess it before accepting",
		          id, rk.residual, rk.now.residual);
		r = -ESTALE;
		goto out;
	}
	strbuf_addf(&residual, "%" PRId64, rk.residual);
	measure_ids(&rk.now, true, &counting);
	f[n++] = (struct act_attr){ "accepted_residual", residual.buf };
	if (rk.target_level)
		f[n++] = (struct act_attr){ "accepted_level", rk.target_level };
	if (counting.len)
		f[n++] = (struct act_attr){ "accepted_measures", counting.buf };
	action = xstrfmt("%s.accept", reg->id);
	act.actor = actor;
	act.action = action;
	act.record_id = id;
	act.fields = f;
	act.n_fields = n;
	act.comment = comment;
	if (ctx)
		act.ctx = *ctx;
	act.risk_computed = true;
	r = act_run(d, &act, res, err);
out:
	free(action);
	strbuf_release(&residual);
	strbuf_release(&counting);
	risk_release(&rk);
	return r;
}

/* ---- the treatment plan ------------------------------------------------------------------ */

static int plan_action(const struct profile *p, const char *which, char **ret, struct strbuf *err)
{
	const struct policy_register *reg = risk_register(p, err);

	if (!reg)
		return -ENOTSUP;
	if (!policy_register_action(reg, which)) {
		error_set(err, "register '%s' keeps no treatment plan (action '%s')", reg->id,
		          which);
		return -ENOTSUP;
	}
	*ret = xstrfmt("%s.%s", reg->id, which);
	return 0;
}

static int plan_act(struct door *d, int64_t id, const char *actor, const char *action,
                    const struct act_attr *f, size_t n, const struct act_context *ctx,
                    struct act_result *res, struct strbuf *err)
{
	struct act_input act = { .kind = ACT_RECORD };

	if (!actor) {
		error_set(err, "the treatment plan needs who acts: give --as LOGIN");
		return -EINVAL;
	}
	act.actor = actor;
	act.action = action;
	act.record_id = id;
	act.fields = f;
	act.n_fields = n;
	if (ctx)
		act.ctx = *ctx;
	act.risk_computed = true;
	return act_run(d, &act, res, err);
}

int risk_task_add(struct door *d, int64_t id, const char *actor, const char *task,
                  const char *assignee, const char *due, const struct act_context *ctx,
                  struct act_result *res, struct strbuf *err)
{
	struct act_attr f[3];
	char *action = NULL;
	int64_t ms;
	int r = plan_action(door_profile(d), "task_add", &action, err);

	if (r < 0)
		return r;
	if (!task || !*task || !assignee || !*assignee || !due) {
		error_set(err, "a task of the plan needs what (--task), who (--assignee LOGIN) and "
		               "by when (--due YYYY-MM-DD)");
		r = -EINVAL;
	} else if (core_parse_local_date(due, &ms) < 0) {
		error_set(err, "due date '%s' is not a date: write YYYY-MM-DD", due);
		r = -EINVAL;
	}
	if (r == 0) {
		f[0] = (struct act_attr){ "task", task };
		f[1] = (struct act_attr){ "assignee", assignee };
		f[2] = (struct act_attr){ "due", due };
		r = plan_act(d, id, actor, action, f, 3, ctx, res, err);
	}
	free(action);
	return r;
}

int risk_task_done(struct door *d, int64_t id, const char *actor, int64_t task_act,
                   const struct act_context *ctx, struct act_result *res, struct strbuf *err)
{
	struct risk rk = { 0 };
	struct act_attr f[1];
	char *action = NULL, num[24];
	bool open = false;
	int r = plan_action(door_profile(d), "task_done", &action, err);

	if (r == 0)
		r = risk_get(d, id, d->clock(), &rk, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < rk.n_tasks; i++)
		open = open || (rk.tasks[i].act_id == task_act && !rk.tasks[i].done);
	if (!open) {
		error_set(err,
		          "risk %" PRId64 " has no open task %" PRId64 " (see 'mamori risk show')",
		          id, task_act);
		r = -EINVAL;
		goto out;
	}
	snprintf(num, sizeof(num), "%" PRId64, task_act);
	f[0] = (struct act_attr){ "task_act", num };
	r = plan_act(d, id, actor, action, f, 1, ctx, res, err);
out:
	risk_release(&rk);
	free(action);
	return r;
}
