/* policy/coverage: how each clause of a profile is carried, and how strongly (coverage.c).
 * Included by policy/policy.h; the model's types are there. */
#ifndef MAMORI_POLICY_COVERAGE_H
#define MAMORI_POLICY_COVERAGE_H

#include "policy/policy.h"
#include "policy/decide.h"

/* ---- coverage (coverage.c) --------------------------------------------------- */

/*
 * How strongly a carrier carries a clause, computed from what the profile does with it
 * (docs/profile-format.md "Coverage"). Ordered: a clause's strength is its best carrier's.
 */
enum policy_strength {
	STRENGTH_NONE,      /* carried by nothing */
	STRENGTH_NOTED,     /* a note, a free-text obligation, a field no rule reads: not carried */
	STRENGTH_MONITORED, /* a detector watches for it */
	STRENGTH_RECORDED,  /* a register, field or action keeps what the clause wants kept */
	STRENGTH_ENFORCED,  /* a rule, required field, checked obligation, constraint or typed duty
	                     */
};
#define POLICY_STRENGTHS (STRENGTH_ENFORCED + 1)

enum policy_carrier_kind {
	CARRIER_RULE,
	CARRIER_REGISTER,
	CARRIER_FIELD,
	CARRIER_ACTION,
	CARRIER_DUTY,
	CARRIER_SEPARATION,
	CARRIER_ROLE,
	CARRIER_LEVEL,
	CARRIER_RETENTION,
	CARRIER_VALUE,     /* one value of an enum or set field */
	CARRIER_DEADLINE,  /* a deadline of the incidents section (obj: policy_incident_deadline) */
	CARRIER_INCIDENTS, /* the incidents section's reportable or detect (obj: policy_incidents)
	                    */
	CARRIER_LOG_RULE,  /* a log analysis rule in force in the ward (obj NULL, see name) */
	CARRIER_FIM,       /* a file-integrity check configured in the ward (obj NULL) */
	CARRIER_THREAT,    /* a threat of the risk catalogue (obj: policy_threat) */
};

struct policy_carrier {
	enum policy_carrier_kind kind;
	char *name; /* "rule copy-l32-needs-so", owned by the list */
	const void *obj;
	enum policy_strength strength;
	/* this carrier only lets the record happen, while the field the clause names (an R
	 * clause cited by a field) is kept by nobody: counted as noted */
	bool unkept;
};

/* What carries one clause. */
struct policy_coverage_entry {
	const struct policy_clause *clause;
	struct policy_carrier *carriers;
	unsigned nr, alloc;
	enum policy_strength strength; /* the best carrier's */
	bool gap;                      /* E below enforced, R below recorded, M below monitored */
	/* an R clause whose fields (those that cite it) are all optional and read by no rule */
	bool unkept;
};

/* Something the profile chose where the text is silent (区の選択). */
struct policy_ward_choice {
	char *what; /* "rule network-change-by-sa", owned */
	const char *reason;
	struct policy_pos pos;
};

struct policy_coverage {
	struct policy_coverage_entry *entries; /* one per clause, catalog order */
	unsigned nr;
	unsigned uncarried;   /* E/R/M clauses carried by nothing, with no reason */
	unsigned with_reason; /* E/R/M clauses carried by nothing, with a reason */
	unsigned gaps;        /* E/R/M clauses below their kind's strength, reason or not */
	/* clauses of kind E, R, M by their strength */
	unsigned counts[CLAUSE_H][POLICY_STRENGTHS];
	struct policy_ward_choice *choices; /* in file order */
	unsigned n_choices;
	/* clauses of kind E, R, M that a running detector watches, whatever their strength */
	unsigned watched[CLAUSE_H];
	/* "log rule auth-failure: tag mamori.MIN-9-9 names no clause of this profile", owned */
	char **unknown;
	unsigned n_unknown;
};

/*
 * A detector of the ward, found by the caller (core/coverage.h: the log rules loaded, the
 * file-integrity configurations with a baseline) and the clauses it watches for. A watch
 * that runs carries its clauses as monitored; one that is loaded but never runs (a rule
 * with status deprecated, a configuration without a baseline) only notes them.
 */
struct policy_watch {
	enum policy_carrier_kind kind; /* CARRIER_LOG_RULE or CARRIER_FIM */
	const char *name;              /* "auth-failure-burst", "local:/etc/aide/aide.conf" */
	const char *const *clauses;    /* clause ids ("MIN-5-5-7-3") */
	unsigned n_clauses;
	bool runs;
};

void policy_coverage_compute(const struct profile *p, struct policy_coverage *ret);
/* The same with the ward's detectors (watches may be NULL when n is 0). */
void policy_coverage_compute_watched(const struct profile *p, const struct policy_watch *watches,
                                     unsigned n, struct policy_coverage *ret);
void policy_coverage_release(struct policy_coverage *c);
const char *policy_carrier_kind_name(enum policy_carrier_kind k);
const char *policy_clause_kind_name(enum policy_clause_kind k);
/* "enforced", "recorded", "monitored", "noted", "none" */
const char *policy_strength_name(enum policy_strength s);
/* The strength a clause of kind k needs to be carried (STRENGTH_NONE for H). */
enum policy_strength policy_strength_needed(enum policy_clause_kind k);

#endif
