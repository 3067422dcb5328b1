/* review: the policy review case (register `policy_review`; Minato 10, Shinjuku 第7 3・4;
 * docs/audits.md "The policy review") with what it weighs gathered from the ward's own records
 * instead of typed: the audits and their findings, the incidents, the self-inspections and
 * their nonconformities, the clauses the profile does not carry as strongly as their kind asks
 * (coverage gaps), over the review's period, each figure with the records behind it; and the
 * draft attached to the case, to replay against the ledger (core/replay.h). */
#ifndef MAMORI_CORE_REVIEW_H
#define MAMORI_CORE_REVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/incident.h"
#include "core/inspections.h"
#include "core/records.h"
#include "policy/coverage.h"

struct store;
struct reader;
struct profile;

#define REVIEW_REGISTER "policy_review"

/* One nonconforming self-inspection answer (its inspection and record). */
struct review_answer {
	int64_t inspection, answer;
	const char *section, *clause, *role;
};

struct review_inputs {
	int64_t from_ms, to_ms;      /* [from, to): Tokyo days */
	struct record_list audits;   /* planned in the period, that the reader may read */
	struct record_list findings; /* raised in the period */
	size_t findings_open, findings_overdue;
	struct incident_list incidents; /* found in the period, drills aside */
	size_t incidents_open;
	struct inspection_rollup rollup; /* every inspection; those opened in the period count */
	bool *in_period;                 /* per rollup section */
	size_t inspections, inspections_signed;
	struct review_answer *nonconform;
	size_t n_nonconform;
	struct policy_coverage coverage; /* its entries with `gap` are the gaps */
	size_t gaps;
};

/*
 * The review's period: from the day the last review decided before it took effect (its
 * effective_from), or a year before it was proposed, to the day after it was decided (its
 * changed time once decided), or to now.
 */
void review_period(struct store *st, const struct record *review, int64_t now_ms, int64_t *ret_from,
                   int64_t *ret_to);
/*
 * Gathers the inputs over [from_ms, to_ms) that rd may read (rd NULL: all). dir: the data
 * directory (the detectors that run count for coverage). 0, or a negative code with err.
 */
int review_inputs(struct store *st, const char *dir, const struct reader *rd,
                  const struct profile *p, int64_t from_ms, int64_t to_ms, int64_t now_ms,
                  struct review_inputs *ret, struct strbuf *err);
void review_inputs_release(struct review_inputs *in);

/*
 * The draft the case decides on: the file attached to review whose SHA-256 is its `draft`,
 * loaded as a profile. 0 with *ret; -ENOENT when no such file is attached (err says how to
 * attach it); -EINVAL when it does not load (err says why); another code on a store error.
 */
int review_draft(struct store *st, const char *dir, const struct record *review,
                 struct profile **ret, struct strbuf *err);

#endif
