/* risk-internal: what valuing risks needs from the ward as it is now, computed once for every
 * risk one request reads (risk.c values, risk-read.c reads back and lists). */
#ifndef MAMORI_CORE_RISK_INTERNAL_H
#define MAMORI_CORE_RISK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/duties.h"
#include "core/risk.h"

/* An incident case (not a drill) and the records it involves, for staleness. */
struct risk_incident {
	int64_t id, created_ms;
	int64_t linked_ms; /* its last link_record act, 0: none */
	int64_t *records;
	size_t n_records;
	char *section;       /* the section that reported it, or NULL */
	char **rec_sections; /* the sections of records (NULL until a risk of a whole section
	                        asks: risk_incident_in_section) */
};

/*
 * The ward as it is at now_ms: how the profile carries each clause with the detectors that run
 * (core/coverage.h, the strengths 'mamori policy coverage' and the compliance report show), the
 * duties and where they stand; read when first needed: what cited each clause over the evidence
 * period (one year to now: acts, incident cases, audit findings) and the incident cases. Built and
 * used under the door's lead, on the door's connection.
 */
struct risk_basis {
	int64_t now_ms, from_ms;
	struct policy_coverage cov;
	struct duty_list dl;
	bool acts_read;
	/* per clause index: acts that cited it in the period, done and refused; incident cases
	 * (not drills) whose acts in the period cited it; audit findings on it raised in the
	 * period, and those not closed (whenever raised) */
	int64_t *acts_done, *acts_refused, *cited_incidents, *findings, *findings_open;
	bool incidents_read;
	struct risk_incident *incidents;
	size_t n_incidents;
};

int risk_basis_init(struct door *d, int64_t now_ms, struct risk_basis *b, struct strbuf *err);
void risk_basis_release(struct risk_basis *b);
/* risk_evaluate against b (its now). */
int risk_evaluate_on(struct door *d, struct risk_basis *b, const char *section,
                     const char *const *measures, size_t n_measures, int64_t likelihood,
                     int64_t impact, struct risk_eval *ret, struct strbuf *err);
/* The incident cases, read once. */
int risk_basis_incidents(struct door *d, struct risk_basis *b, struct strbuf *err);
/* Whether incident x concerns section: reported by it, or involving one of its records. */
int risk_incident_in_section(struct door *d, struct risk_incident *x, const char *section,
                             bool *ret, struct strbuf *err);

#endif
