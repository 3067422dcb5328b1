/*
 * coverage: what carries each clause of the text, and how strongly (enforced, recorded,
 * monitored, noted).
 */
#include <stdarg.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/policy-internal.h"

/*
 * What the rules do with the model, gathered once: a field carries a clause only if
 * something keeps or reads it, a role only if something uses it, an action only if a
 * rule lets it happen.
 */
struct usage {
	uint64_t roles;                      /* bit per role: used by a rule, duty or constraint */
	bool *reachable;                     /* per action: an allow or approval rule names it */
	const struct policy_field **read;    /* fields a rule condition or constraint reads */
	const struct policy_field **obliged; /* fields a checked obligation requires */
	size_t n_read, alloc_read, n_obliged, alloc_obliged;
};

static bool field_in(const struct policy_field *const *set, size_t n, const struct policy_field *f)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == f)
			return true;
	return false;
}

static void add_field(const struct policy_field ***set, size_t *n, size_t *alloc,
                      const struct policy_field *f)
{
	if (!f || field_in(*set, *n, f))
		return;
	ALLOC_GROW(*set, *n, *alloc);
	(*set)[(*n)++] = f;
}

static void use_role(struct usage *u, const struct policy_role *r)
{
	if (r)
		u->roles |= 1ULL << r->index;
}

static void usage_of_rule(const struct profile *p, struct usage *u, const struct policy_rule *r)
{
	const struct rule_priv *rp = &p->priv->rule_priv[r->index];

	u->roles |= rp->when.roles | rp->unless.roles;
	for (unsigned k = 0; k < r->n_approvers; k++)
		use_role(u, r->approvers[k].role);
	for (unsigned k = 0; k < r->n_obligations; k++)
		use_role(u, r->obligations[k].role.role);
}

static void usage_of_action(const struct profile *p, struct usage *u, unsigned ai)
{
	const struct policy_action *a = p->actions[ai];
	const struct caction *ca = &p->priv->cactions[ai];

	u->reachable[ai] = (ca->allow | ca->approval) != 0;
	for (unsigned i = 0; i < ca->n; i++) {
		const struct crule *cr = &ca->rules[i];

		for (unsigned k = 0; k < cr->n_rec_when; k++)
			add_field(&u->read, &u->n_read, &u->alloc_read, cr->rec_when[k].field);
		for (unsigned k = 0; k < cr->n_rec_unless; k++)
			add_field(&u->read, &u->n_read, &u->alloc_read, cr->rec_unless[k].field);
		if (cr->rule->effect == EFFECT_DENY)
			continue;
		for (unsigned o = 0; o < cr->rule->n_obligations; o++) {
			const struct policy_obligation *ob = &cr->rule->obligations[o];

			if (ob->kind != OBLIGATION_RECORD)
				continue;
			for (unsigned k = 0; k < ob->n_items; k++) {
				const struct policy_field *f = policy_action_field(a, ob->items[k]);

				if (!f)
					f = policy_register_field(a->reg, ob->items[k]);
				add_field(&u->obliged, &u->n_obliged, &u->alloc_obliged, f);
			}
		}
	}
}

static void usage_compute(const struct profile *p, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	u->reachable = xcalloc(p->n_actions ? p->n_actions : 1, sizeof(*u->reachable));
	for (unsigned i = 0; i < p->n_rules; i++)
		usage_of_rule(p, u, &p->rules[i]);
	for (unsigned i = 0; i < p->n_actions; i++)
		usage_of_action(p, u, i);
	for (unsigned i = 0; i < p->n_duties; i++)
		use_role(u, p->duties[i].role);
	for (unsigned i = 0; i < p->n_separation; i++) {
		const struct policy_separation *s = &p->separation[i];

		for (unsigned k = 0; k < s->n_roles; k++)
			use_role(u, s->roles[k]);
		for (unsigned k = 0; k < s->n_fields; k++)
			add_field(&u->read, &u->n_read, &u->alloc_read, s->fields[k]);
		for (unsigned k = 0; k < s->n_fallbacks; k++)
			use_role(u, s->fallbacks[k].fallback.route);
	}
	/* the case works out whether it must be reported, and by when, from these fields */
	for (unsigned i = 0; i < p->incidents.n_reportable_any; i++)
		add_field(&u->read, &u->n_read, &u->alloc_read, p->incidents.reportable_any[i]);
	add_field(&u->read, &u->n_read, &u->alloc_read, p->incidents.more_than_field);
	for (unsigned i = 0; i < p->incidents.n_deadlines; i++)
		add_field(&u->read, &u->n_read, &u->alloc_read,
		          p->incidents.deadlines[i].longer_if);
	/* a deputy is used where the role it stands in for is */
	for (unsigned i = 0; i < p->n_roles; i++)
		if (((u->roles >> i) & 1) && p->roles[i].deputy)
			use_role(u, p->roles[i].deputy);
}

static void usage_release(struct usage *u)
{
	free(u->reachable);
	free(u->read);
	free(u->obliged);
}

/* ---- strengths ------------------------------------------------------------------------ */

static enum policy_strength max_strength(enum policy_strength a, enum policy_strength b)
{
	return a > b ? a : b;
}

/* A checked obligation (fields, disposal method, witness) enforces; the rest are notes. */
static enum policy_strength obligation_strength(const struct policy_rule *r,
                                                const struct policy_obligation *o)
{
	if (r->effect == EFFECT_DENY)
		return STRENGTH_NOTED; /* a denied act obliges nothing */
	switch (o->kind) {
	case OBLIGATION_RECORD:
	case OBLIGATION_DISPOSE:
	case OBLIGATION_WITNESS:
		return STRENGTH_ENFORCED;
	case OBLIGATION_ENCRYPT:
	case OBLIGATION_MEASURES:
	case OBLIGATION_NOTIFY:
	case OBLIGATION_NOTE:
		break;
	}
	return STRENGTH_NOTED;
}

/*
 * A deny or an approval changes the outcome; so does an allow with conditions (what it
 * does not allow stays refused). An allow without conditions only lets the action be
 * recorded. A rule with no effect is as strong as its obligations.
 */
static enum policy_strength rule_strength(const struct profile *p, const struct policy_rule *r)
{
	enum policy_strength s = STRENGTH_NOTED;

	switch (r->effect) {
	case EFFECT_DENY:
	case EFFECT_APPROVAL:
		return STRENGTH_ENFORCED;
	case EFFECT_ALLOW:
		return p->priv->rule_priv[r->index].when.present ? STRENGTH_ENFORCED
		                                                 : STRENGTH_RECORDED;
	case EFFECT_NONE:
		break;
	}
	for (unsigned k = 0; k < r->n_obligations; k++)
		s = max_strength(s, obligation_strength(r, &r->obligations[k]));
	return s;
}

static bool register_reachable(const struct usage *u, const struct policy_register *r)
{
	for (unsigned k = 0; k < r->n_actions; k++)
		if (r->actions[k]->create && u->reachable[r->actions[k]->index])
			return true;
	return false;
}

/*
 * A field the door requires, or a reference whose level the door keeps, enforces; a field a
 * rule reads, or that an action which can
 * happen must set, records; an optional field nobody reads is a note.
 */
static enum policy_strength field_strength(const struct usage *u, const struct policy_register *reg,
                                           const struct policy_action *a,
                                           const struct policy_field *f)
{
	if (a ? !u->reachable[a->index] : !register_reachable(u, reg))
		return STRENGTH_NOTED;
	if (f->required || f->keeps_level || field_in(u->obliged, u->n_obliged, f))
		return STRENGTH_ENFORCED;
	if (field_in(u->read, u->n_read, f))
		return STRENGTH_RECORDED;
	for (unsigned k = 0; !a && k < reg->n_actions; k++) {
		const struct policy_field *af = policy_action_field(reg->actions[k], f->id);

		if (af && u->reachable[reg->actions[k]->index] &&
		    (af->required || field_in(u->obliged, u->n_obliged, af)))
			return STRENGTH_RECORDED;
	}
	return STRENGTH_NOTED;
}

static enum policy_strength role_strength(const struct profile *p, const struct usage *u,
                                          const struct policy_role *r)
{
	if (!((u->roles >> r->index) & 1))
		return STRENGTH_NOTED;
	/* the engine lets a deputy act for the role (acting_for) */
	if (r->deputy)
		return STRENGTH_ENFORCED;
	for (unsigned i = 0; i < p->n_roles; i++)
		if (p->roles[i].deputy == r)
			return STRENGTH_ENFORCED;
	return STRENGTH_RECORDED;
}

/* A duty is typed when no other duty's evidence could be the same act (policy_duty_typed). */
static enum policy_strength duty_strength(const struct profile *p, const struct usage *u,
                                          const struct policy_duty *du)
{
	if (!du->evidence || !u->reachable[du->evidence->index])
		return STRENGTH_NOTED;
	return policy_duty_typed(p, du) ? STRENGTH_ENFORCED : STRENGTH_NOTED;
}

/*
 * A value of an enum or set carries its clause only as a note, unless the door requires a
 * set field to hold every value: then each value is enforced as its field is.
 */
static enum policy_strength value_strength(const struct policy_field *f, enum policy_strength field)
{
	return f->type == FIELD_SET && f->all_values && field == STRENGTH_ENFORCED
	           ? STRENGTH_ENFORCED
	           : STRENGTH_NOTED;
}

/* ---- carriers --------------------------------------------------------------------------- */

static void add_carrier(struct policy_coverage *cov, const struct policy_clauses *cl,
                        enum policy_carrier_kind kind, const void *obj, enum policy_strength s,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_carrier(struct policy_coverage *cov, const struct policy_clauses *cl,
                        enum policy_carrier_kind kind, const void *obj, enum policy_strength s,
                        const char *fmt, ...)
{
	for (unsigned i = 0; i < cl->nr; i++) {
		struct policy_coverage_entry *e = &cov->entries[cl->items[i]->index];
		struct strbuf sb = STRBUF_INIT;
		va_list ap;
		bool seen = false;

		for (unsigned k = 0; k < e->nr && !seen; k++)
			if (e->carriers[k].obj == obj && e->carriers[k].kind == kind) {
				e->carriers[k].strength = max_strength(e->carriers[k].strength, s);
				seen = true;
			}
		if (seen)
			continue;
		va_start(ap, fmt);
		strbuf_vaddf(&sb, fmt, ap);
		va_end(ap);
		ALLOC_GROW(e->carriers, e->nr, e->alloc);
		e->carriers[e->nr].kind = kind;
		e->carriers[e->nr].obj = obj;
		e->carriers[e->nr].strength = s;
		e->carriers[e->nr].unkept = false;
		e->carriers[e->nr].name = strbuf_detach(&sb, NULL);
		e->nr++;
	}
}

static void field_carriers(struct policy_coverage *cov, const struct usage *u,
                           const struct policy_register *r, const struct policy_action *a,
                           const struct policy_field *f)
{
	enum policy_strength s = field_strength(u, r, a, f);

	if (a)
		add_carrier(cov, &f->clauses, CARRIER_FIELD, f, s, "field %s.%s", a->full_name,
		            f->id);
	else
		add_carrier(cov, &f->clauses, CARRIER_FIELD, f, s, "field %s.%s", r->id, f->id);
	for (unsigned v = 0; f->value_clauses && v < f->n_values; v++)
		add_carrier(cov, &f->value_clauses[v], CARRIER_VALUE, f, value_strength(f, s),
		            "value %s.%s=%s", a ? a->full_name : r->id, f->id, f->values[v]);
}

static void register_carriers(struct policy_coverage *cov, const struct usage *u,
                              const struct policy_register *r)
{
	add_carrier(cov, &r->clauses, CARRIER_REGISTER, r,
	            register_reachable(u, r) ? STRENGTH_RECORDED : STRENGTH_NOTED, "register %s",
	            r->id);
	for (unsigned k = 0; k < r->n_fields; k++)
		field_carriers(cov, u, r, NULL, &r->fields[k]);
	for (unsigned k = 0; k < r->n_actions; k++) {
		const struct policy_action *a = r->actions[k];

		add_carrier(cov, &a->clauses, CARRIER_ACTION, a,
		            u->reachable[a->index] ? STRENGTH_RECORDED : STRENGTH_NOTED,
		            "action %s", a->full_name);
		for (unsigned f = 0; f < a->n_fields; f++)
			field_carriers(cov, u, r, a, &a->fields[f]);
	}
}

static void rule_carriers(struct policy_coverage *cov, const struct profile *p,
                          const struct policy_rule *r)
{
	add_carrier(cov, &r->clauses, CARRIER_RULE, r, rule_strength(p, r), "rule %s", r->id);
	for (unsigned k = 0; k < r->n_obligations; k++)
		add_carrier(cov, &r->obligations[k].clauses, CARRIER_RULE, r,
		            obligation_strength(r, &r->obligations[k]), "rule %s", r->id);
}

/* ---- the ward's detectors ------------------------------------------------------------------ */

static void add_unknown(struct policy_coverage *cov, unsigned *alloc, const struct policy_watch *w,
                        const char *id)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s %s: mamori.%s names no clause of this profile",
	            w->kind == CARRIER_FIM ? "fim" : "log rule", w->name, id);
	ALLOC_GROW(cov->unknown, cov->n_unknown, *alloc);
	cov->unknown[cov->n_unknown++] = strbuf_detach(&sb, NULL);
}

/* A watch carries each clause it names that the profile has: monitored if it runs. */
static void watch_carriers(struct policy_coverage *cov, const struct profile *p,
                           const struct policy_watch *watches, unsigned n)
{
	unsigned alloc = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct policy_watch *w = &watches[i];

		for (unsigned k = 0; k < w->n_clauses; k++) {
			const struct policy_clause *c = policy_clause(p, w->clauses[k]);
			struct policy_clauses one = { &c, 1 };

			if (!c) {
				add_unknown(cov, &alloc, w, w->clauses[k]);
				continue;
			}
			add_carrier(cov, &one, w->kind, w,
			            w->runs ? STRENGTH_MONITORED : STRENGTH_NOTED, "%s %s",
			            w->kind == CARRIER_FIM ? "fim" : "log-rule", w->name);
		}
	}
}

/* ---- the ward's choices (区の選択) --------------------------------------------------------- */

/*
 * The incidents section: the reportability criteria are computed from what the case records
 * (recorded); a deadline is watched and shown overdue (monitored); so is detection.
 */
static void incident_carriers(struct policy_coverage *cov, const struct profile *p)
{
	const struct policy_incidents *in = &p->incidents;

	if (!in->reg)
		return;
	add_carrier(cov, &in->reportable_clauses, CARRIER_INCIDENTS, &in->reportable_clauses,
	            STRENGTH_RECORDED, "incidents reportable");
	for (unsigned i = 0; i < in->n_deadlines; i++)
		add_carrier(cov, &in->deadlines[i].clauses, CARRIER_DEADLINE, &in->deadlines[i],
		            STRENGTH_MONITORED, "deadline %s", in->deadlines[i].id);
	add_carrier(cov, &in->detect_clauses, CARRIER_INCIDENTS, &in->detect_clauses,
	            STRENGTH_MONITORED, "incidents detect");
}

/*
 * The risk catalogue: each threat is what a risk is assessed against. The door takes an
 * assessment only of a threat the catalogue names and keeps, per record (or section) and
 * threat, its likelihood, impact, measures and acceptance: while someone may assess, the
 * register keeps the ward's recognition of that threat (recorded). Unlike an enum value that
 * only labels a record, the threat is the unit the risk register is kept by.
 */
static void threat_carriers(struct policy_coverage *cov, const struct usage *u,
                            const struct profile *p)
{
	const struct policy_risk *rk = &p->risk;
	enum policy_strength s;

	if (!rk->reg)
		return;
	s = register_reachable(u, rk->reg) ? STRENGTH_RECORDED : STRENGTH_NOTED;
	for (unsigned i = 0; i < rk->n_threats; i++)
		add_carrier(cov, &rk->threats[i].clauses, CARRIER_THREAT, &rk->threats[i], s,
		            "threat %s", rk->threats[i].id);
}

static void add_choice(struct policy_coverage *cov, unsigned *alloc, const char *reason,
                       struct policy_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void add_choice(struct policy_coverage *cov, unsigned *alloc, const char *reason,
                       struct policy_pos pos, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!reason)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	ALLOC_GROW(cov->choices, cov->n_choices, *alloc);
	cov->choices[cov->n_choices].what = strbuf_detach(&sb, NULL);
	cov->choices[cov->n_choices].reason = reason;
	cov->choices[cov->n_choices].pos = pos;
	cov->n_choices++;
}

static int choice_cmp(const void *a, const void *b)
{
	const struct policy_ward_choice *x = a, *y = b;

	if (x->pos.line != y->pos.line)
		return x->pos.line < y->pos.line ? -1 : 1;
	return x->pos.col < y->pos.col ? -1 : x->pos.col > y->pos.col;
}

static void fields_choices(struct policy_coverage *cov, unsigned *alloc, const char *owner,
                           const struct policy_field *fs, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		add_choice(cov, alloc, fs[k].ward_choice, fs[k].pos, "field %s.%s", owner,
		           fs[k].id);
}

static void ward_choices(const struct profile *p, struct policy_coverage *cov)
{
	unsigned alloc = 0;

	for (unsigned i = 0; i < p->n_context_keys; i++)
		add_choice(cov, &alloc, p->context_keys[i].ward_choice, p->context_keys[i].pos,
		           "context %s", p->context_keys[i].id);
	for (unsigned i = 0; i < p->n_roles; i++)
		add_choice(cov, &alloc, p->roles[i].ward_choice, p->roles[i].pos, "role %s",
		           p->roles[i].id);
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_register *r = &p->registers[i];

		fields_choices(cov, &alloc, r->id, r->fields, r->n_fields);
		for (unsigned k = 0; k < r->n_actions; k++) {
			const struct policy_action *a = r->actions[k];

			add_choice(cov, &alloc, a->ward_choice, a->pos, "action %s", a->full_name);
			fields_choices(cov, &alloc, a->full_name, a->fields, a->n_fields);
		}
	}
	for (unsigned i = 0; i < p->n_rules; i++)
		add_choice(cov, &alloc, p->rules[i].ward_choice, p->rules[i].pos, "rule %s",
		           p->rules[i].id);
	for (unsigned i = 0; i < p->n_separation; i++)
		add_choice(cov, &alloc, p->separation[i].ward_choice, p->separation[i].pos,
		           "separation %s", p->separation[i].id);
	for (unsigned i = 0; i < p->n_duties; i++)
		add_choice(cov, &alloc, p->duties[i].ward_choice, p->duties[i].pos, "duty %s",
		           p->duties[i].id);
	for (unsigned i = 0; i < p->n_retention; i++)
		add_choice(cov, &alloc, p->retention[i].ward_choice, p->retention[i].pos,
		           "retention %s", p->retention[i].reg->id);
	add_choice(cov, &alloc, p->request_ward_choice, (struct policy_pos){ 0, 0 }, "requests");
	for (unsigned i = 0; i < p->incidents.n_deadlines; i++)
		add_choice(cov, &alloc, p->incidents.deadlines[i].ward_choice,
		           p->incidents.deadlines[i].pos, "deadline %s",
		           p->incidents.deadlines[i].id);
	add_choice(cov, &alloc, p->incidents.detect_ward_choice, p->incidents.detect_pos,
	           "incidents detect");
	add_choice(cov, &alloc, p->risk.ward_choice, p->risk.pos, "risk");
	for (unsigned i = 0; i < p->risk.n_threats; i++)
		add_choice(cov, &alloc, p->risk.threats[i].ward_choice, p->risk.threats[i].pos,
		           "threat %s", p->risk.threats[i].id);
	if (cov->n_choices)
		qsort(cov->choices, cov->n_choices, sizeof(*cov->choices), choice_cmp);
}

/* ---- what the text says to keep ------------------------------------------------------------ */

/* A carrier that says who may act or that a record exists, not what the record holds. */
static bool lets_it_happen(enum policy_carrier_kind k)
{
	switch (k) {
	case CARRIER_RULE:
	case CARRIER_REGISTER:
	case CARRIER_ACTION:
	case CARRIER_ROLE:
	case CARRIER_LEVEL:
	case CARRIER_RETENTION:
		return true;
	default:
		return false;
	}
}

/*
 * An R clause that a field cites says what a record must keep: that field. While every field
 * and value that cites it is only a note (optional, read by no rule, required by no action),
 * nothing keeps what the text names, so what lets the record happen (its register, an action,
 * a rule on who may act, a role) does not carry the clause either: those carriers count as
 * noted, and the clause is a gap until the field is kept or stops citing it.
 */
static void unkept_fields(struct policy_coverage *cov)
{
	for (unsigned i = 0; i < cov->nr; i++) {
		struct policy_coverage_entry *e = &cov->entries[i];
		bool named = false, kept = false;

		if (e->clause->kind != CLAUSE_R)
			continue;
		for (unsigned k = 0; k < e->nr; k++) {
			enum policy_carrier_kind kind = e->carriers[k].kind;

			named = named || kind == CARRIER_FIELD;
			if ((kind == CARRIER_FIELD || kind == CARRIER_VALUE) &&
			    e->carriers[k].strength > STRENGTH_NOTED)
				kept = true;
		}
		if (!named || kept)
			continue;
		e->unkept = true;
		for (unsigned k = 0; k < e->nr; k++)
			if (lets_it_happen(e->carriers[k].kind) &&
			    e->carriers[k].strength > STRENGTH_NOTED) {
				e->carriers[k].strength = STRENGTH_NOTED;
				e->carriers[k].unkept = true;
			}
	}
}

/* ---- the whole ---------------------------------------------------------------------------- */

enum policy_strength policy_strength_needed(enum policy_clause_kind k)
{
	switch (k) {
	case CLAUSE_E:
		return STRENGTH_ENFORCED;
	case CLAUSE_R:
		return STRENGTH_RECORDED;
	case CLAUSE_M:
		return STRENGTH_MONITORED;
	case CLAUSE_H:
		break;
	}
	return STRENGTH_NONE;
}

static void tally(struct policy_coverage *cov)
{
	for (unsigned i = 0; i < cov->nr; i++) {
		struct policy_coverage_entry *e = &cov->entries[i];
		const struct policy_clause *c = e->clause;

		for (unsigned k = 0; k < e->nr; k++) {
			e->strength = max_strength(e->strength, e->carriers[k].strength);
			if (e->carriers[k].kind == CARRIER_LOG_RULE ||
			    e->carriers[k].kind == CARRIER_FIM)
				e->carriers[k].obj = NULL; /* the caller's watch: gone after this */
		}
		if (c->kind == CLAUSE_H)
			continue;
		cov->counts[c->kind][e->strength]++;
		for (unsigned k = 0; k < e->nr; k++)
			if (e->carriers[k].strength == STRENGTH_MONITORED &&
			    (e->carriers[k].kind == CARRIER_LOG_RULE ||
			     e->carriers[k].kind == CARRIER_FIM)) {
				cov->watched[c->kind]++;
				break;
			}
		e->gap = e->strength < policy_strength_needed(c->kind);
		cov->gaps += e->gap;
		if (e->nr)
			continue;
		if (c->reason)
			cov->with_reason++;
		else
			cov->uncarried++;
	}
}

void policy_coverage_compute(const struct profile *p, struct policy_coverage *cov)
{
	policy_coverage_compute_watched(p, NULL, 0, cov);
}

void policy_coverage_compute_watched(const struct profile *p, const struct policy_watch *watches,
                                     unsigned n, struct policy_coverage *cov)
{
	struct usage u;

	memset(cov, 0, sizeof(*cov));
	cov->nr = p->n_clauses;
	cov->entries = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*cov->entries));
	for (unsigned i = 0; i < p->n_clauses; i++)
		cov->entries[i].clause = &p->clauses[i];
	usage_compute(p, &u);
	for (unsigned i = 0; i < p->n_levels; i++)
		add_carrier(cov, &p->levels[i].clauses, CARRIER_LEVEL, &p->levels[i],
		            STRENGTH_RECORDED, "level %s", p->levels[i].id);
	for (unsigned i = 0; i < p->n_roles; i++)
		add_carrier(cov, &p->roles[i].clauses, CARRIER_ROLE, &p->roles[i],
		            role_strength(p, &u, &p->roles[i]), "role %s", p->roles[i].id);
	for (unsigned i = 0; i < p->n_registers; i++)
		register_carriers(cov, &u, &p->registers[i]);
	for (unsigned i = 0; i < p->n_rules; i++)
		rule_carriers(cov, p, &p->rules[i]);
	for (unsigned i = 0; i < p->n_separation; i++)
		add_carrier(cov, &p->separation[i].clauses, CARRIER_SEPARATION, &p->separation[i],
		            STRENGTH_ENFORCED, "separation %s", p->separation[i].id);
	for (unsigned i = 0; i < p->n_duties; i++)
		add_carrier(cov, &p->duties[i].clauses, CARRIER_DUTY, &p->duties[i],
		            duty_strength(p, &u, &p->duties[i]), "duty %s", p->duties[i].id);
	for (unsigned i = 0; i < p->n_retention; i++)
		add_carrier(cov, &p->retention[i].clauses, CARRIER_RETENTION, &p->retention[i],
		            STRENGTH_RECORDED, "retention %s", p->retention[i].reg->id);
	incident_carriers(cov, p);
	threat_carriers(cov, &u, p);
	watch_carriers(cov, p, watches, n);
	usage_release(&u);
	unkept_fields(cov);
	tally(cov);
	ward_choices(p, cov);
}

void policy_coverage_release(struct policy_coverage *cov)
{
	for (unsigned i = 0; i < cov->nr; i++) {
		for (unsigned k = 0; k < cov->entries[i].nr; k++)
			free(cov->entries[i].carriers[k].name);
		free(cov->entries[i].carriers);
	}
	free(cov->entries);
	for (unsigned i = 0; i < cov->n_choices; i++)
		free(cov->choices[i].what);
	free(cov->choices);
	for (unsigned i = 0; i < cov->n_unknown; i++)
		free(cov->unknown[i]);
	free(cov->unknown);
	memset(cov, 0, sizeof(*cov));
}

const char *policy_carrier_kind_name(enum policy_carrier_kind k)
{
	static const char *const names[] = { "rule",      "register",   "field",    "action",
		                             "duty",      "separation", "role",     "level",
		                             "retention", "value",      "deadline", "incidents",
		                             "log-rule",  "fim",        "threat" };

	return (size_t)k < ARRAY_SIZE(names) ? names[k] : "?";
}

const char *policy_strength_name(enum policy_strength s)
{
	static const char *const names[] = { "none", "noted", "monitored", "recorded", "enforced" };

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}
