/* risk: the texts' threats assessed per record or for a whole section, treated with the ward's own
 * clauses, accepted by the owners the profile names (docs/risk.md). */
#ifndef MAMORI_CORE_RISK_H
#define MAMORI_CORE_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/act.h"
#include "core/core.h"
#include "core/plan.h"
#include "core/records.h"
#include "policy/policy.h"

struct door;
struct json_writer;
struct reader;
struct store;

/*
 * A risk is a record of the register the profile's `risk` section names (both shipped
 * profiles: `risk`), with these conventions (checked when the profile loads):
 *
 *   fields   target (the record assessed: an asset, a system, ...; absent for a risk of a
 *            whole section), threat (an id of risk.threats), section (the target's, or the
 *            section assessed as a whole), likelihood, impact, inherent (their
 *            product), residual, measures (clause ids, space-separated), procedure (a document
 *            record: the damage-minimising procedure), treatment, reason (why the owner raised
 *            the residual), computed (optional: the residual Mamori computed at the
 *            assessment, which the recorded residual confirms or raises), band (the first
 *            value: within risk.accept_up_to; the second: above)
 *   actions  assess (creates), reassess, accept (accepted_residual, accepted_level,
 *            accepted_measures: the state of the risk it accepted); task_add (task, assignee,
 *            due) and task_done (task_act: the number of the task_add act), the treatment
 *            plan, where the profile has them
 *
 * Mamori computes inherent, residual and band; the rules on the actions decide who may assess
 * and who may accept (the band tells the rules which owner a residual needs).
 */

#define RISK_MAX_MEASURES 32

/* A duty that carries a measure's clause where the risk's section is (org, the section, or
 * a system of it). */
struct risk_duty {
	const struct policy_duty *duty;
	char *scope;
	int64_t last_done_ms; /* 0: no record of it being done */
	int64_t next_due_ms;
	bool overdue;
};

/* One measure (a clause of the profile) and what it is worth now. */
struct risk_measure {
	const struct policy_clause *clause;
	enum policy_strength strength; /* how the profile carries it (policy coverage) */
	bool counts;                   /* lowers the likelihood */
	/* why it does not count: "noted" (only noted or carried by nothing), "duty_overdue",
	 * "duty_never_done"; NULL when it counts */
	const char *why_not;
	int64_t reduce;                  /* how far it lowers the likelihood (0 unless it counts) */
	int64_t acts_done, acts_refused; /* acts that cited the clause over the period */
	int64_t incidents;               /* incident cases (not drills) whose acts then cited it */
	int64_t findings;                /* audit findings on it raised over the period */
	int64_t findings_open;           /* audit findings on it not closed, whenever raised */
	struct risk_duty *duties;
	size_t n_duties;
};

/* What a risk is worth with the measures as they are now. */
struct risk_eval {
	int64_t likelihood, impact, inherent;
	int64_t likelihood_after; /* after the measures that count, at least 1 */
	int64_t residual;         /* likelihood_after × impact */
	int64_t assessed;         /* risk_assess: the residual recorded (computed, or raised) */
	int64_t period_from_ms;   /* the evidence period: one year to now */
	struct risk_measure *measures;
	size_t n_measures;
};

/*
 * Values measures (clause ids of the profile) for a risk of section at now: each measure's
 * strength (as the compliance report shows it: with the detectors that run), duties, evidence
 * and whether it counts, then the residual. -EINVAL with err for a clause the profile does not
 * have. The caller holds the door's lead.
 */
int risk_evaluate(struct door *d, const char *section, const char *const *measures,
                  size_t n_measures, int64_t likelihood, int64_t impact, int64_t now_ms,
                  struct risk_eval *ret, struct strbuf *err);
void risk_eval_release(struct risk_eval *e);

/* What an owner assesses. Strings are borrowed for the call; NULL = not given. */
struct risk_input {
	const char *actor;   /* login */
	int64_t target;      /* the record assessed; the actor must be able to read it */
	const char *section; /* or, with target 0: the section assessed as a whole */
	const char *threat;  /* an id of the profile's threats */
	int64_t likelihood, impact;
	const char *const *measures; /* clause ids */
	size_t n_measures;
	int64_t procedure;     /* a document record, 0 = none */
	const char *treatment; /* reduce, avoid, transfer, accept (or the profile's value) */
	int64_t residual;      /* 0: as computed; above it: the owner raises it (needs reason) */
	const char *reason, *comment;
	struct act_context ctx;
};

/*
 * Assesses a risk through the door: risk.assess for a new (target, threat) or (whole section,
 * threat), risk.reassess for one already assessed (its id is kept). *eval is what was computed
 * (release it). Returns 0 (res->outcome: done or refused) or a negative errno-style code with err:
 * -EINVAL for input that does not fit, -ENOENT for an unknown record or actor, -ENOTSUP without
 * `risk`.
 */
int risk_assess(struct door *d, const struct risk_input *in, struct act_result *res,
                struct risk_eval *eval, struct strbuf *err);

/*
 * Accepts risk id's residual as actor (risk.accept), recording the state it accepts: the
 * residual, the target's level and the measures that count; ctx (may be NULL) says where
 * from (via, remote). Refused by the rules for someone
 * the profile does not name; -ESTALE when the measures changed since the assessment (reassess
 * first).
 */
int risk_accept(struct door *d, int64_t id, const char *actor, const char *comment,
                const struct act_context *ctx, struct act_result *res, struct strbuf *err);

/*
 * The treatment plan: plans a task (what, who, by when: YYYY-MM-DD) on risk id through the door
 * (risk.task_add), or records task task_act done (risk.task_done). -EINVAL with err for a due
 * date that is not one, or a task that is not an open task of the risk; -ENOTSUP when the
 * profile's risk register keeps no plan.
 */
int risk_task_add(struct door *d, int64_t id, const char *actor, const char *task,
                  const char *assignee, const char *due, const struct act_context *ctx,
                  struct act_result *res, struct strbuf *err);
int risk_task_done(struct door *d, int64_t id, const char *actor, int64_t task_act,
                   const struct act_context *ctx, struct act_result *res, struct strbuf *err);

/* ---- reading --------------------------------------------------------------------------- */

struct risk {
	struct record rec;
	const struct policy_threat *threat;
	const char *threat_id;                               /* as recorded */
	int64_t target;                                      /* 0: a risk of the whole section */
	char *target_register, *target_title, *target_level; /* NULL if the target is gone */
	const char *section, *treatment, *reason, *band, *state;
	char *section_name; /* the section's name ("税務課"), NULL if it is gone */
	int64_t likelihood, impact, inherent, residual, procedure;
	int64_t computed;     /* the residual computed at the assessment; 0: not recorded */
	int64_t assessed_ms;  /* the last assessment (assess or reassess) */
	struct risk_eval now; /* the measures as they are now */
	/* the last acceptance (accepted_ms 0: never accepted) */
	int64_t accepted_ms, accepted_residual;
	char *accepted_by, *accepted_level, *accepted_measures;
	char *accepted_person;   /* "池田 勝（税務課長）": the acceptor's name and title */
	struct plan_task *tasks; /* the treatment plan, in the order planned */
	size_t n_tasks, n_overdue_tasks;
	bool stale;            /* accepted, and a material change happened since */
	struct strv stale_why; /* "incident:12", "level:3→2", "measure:MIN-5-6-2", "residual" */
};

/* A risk of a whole section, not of one record. */
static inline bool risk_of_section(const struct risk *rk)
{
	return rk->target == 0;
}

/* Reads risk id (the caller decided the reader may read it). -ENOENT when it is not a risk. */
int risk_get(struct door *d, int64_t id, int64_t now_ms, struct risk *ret, struct strbuf *err);
void risk_release(struct risk *rk);

/* The risks of section (NULL: every section), newest first, each read with risk_get. */
struct risk_list {
	struct risk *items;
	size_t nr, alloc;
};
int risk_list(struct door *d, const char *section, int64_t now_ms, struct risk_list *ret,
              struct strbuf *err);
void risk_list_release(struct risk_list *l);

/* Which risks a list keeps; NULL or zero members: every one. */
struct risk_filter {
	const char *section;    /* only this section's */
	const char *clause;     /* only those that name this clause as a measure */
	const int64_t *targets; /* only those assessed for one of these records */
	size_t n_targets;
};

/*
 * The risks rd may read (the one read decision: records_query on st, the caller's own
 * connection), newest first, that f keeps, each read as risk_get does. Every risk is valued
 * against one look at the ward (coverage, duties, acts, incidents), not one each, and only
 * the risks f keeps are valued. Lists, CSV, print, the dashboard card and the pages that
 * show risks all read through it.
 */
int risk_list_visible(struct door *d, struct store *st, const struct reader *rd,
                      const struct risk_filter *f, int64_t now_ms, struct risk_list *ret,
                      struct strbuf *err);

/*
 * For each clause of the door's profile (by its index), how many risks named it as a measure in
 * their last assessment (assess or reassess) made in [from_ms, to_ms) (named), and for how many
 * of those it counts at now_ms (counting): the compliance report's column リスク over its
 * period. The arrays have one zeroed slot per clause; nothing is added without a risk register.
 * With hits, also each (risk, clause) named, with the ledger entry of that assessment: the
 * report links each risk counted to it (*hits freed by the caller).
 */
struct risk_clause_hit {
	size_t clause; /* its index in the profile */
	int64_t risk_id;
	int64_t ledger; /* the assessment's entry; -1: none */
	bool counts;    /* it counts for the risk now */
};
int risk_clause_tally(struct door *d, int64_t from_ms, int64_t to_ms, int64_t now_ms,
                      int64_t *named, int64_t *counting, struct risk_clause_hit **hits,
                      size_t *n_hits, struct strbuf *err);

/*
 * {"id","target":{"kind":"record"|"section","id","register","title","level","section"},
 * "section","section_name","threat":{"id","name",
 * "clauses"},"likelihood","impact","inherent","residual","computed_residual",
 * "computed_at_assessment","treatment","reason","band","state","procedure","measures":[{"clause","cite","text","strength","counts","why_not",
 * "reduce","evidence":{"from","acts","refused","incidents","findings","findings_open","duties":[{"id","name","scope","last_done",
 * "next_due","overdue"}]}}],"accepted_by","accepted_person","accepted_at","accepted_residual","stale",
 * "stale_reasons","assessed_at","tasks":[{"task","what","assignee","due","done","done_at","done_by",
 * "overdue"}]}
 */
void risk_json(const struct risk *rk, struct json_writer *w);

#endif
