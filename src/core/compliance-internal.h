/* compliance-internal: what the compliance report's counting files (compliance.c,
 * compliance-records.c) share. */
#ifndef MAMORI_CORE_COMPLIANCE_INTERNAL_H
#define MAMORI_CORE_COMPLIANCE_INTERNAL_H

#include <stdint.h>

#include "base/strbuf.h"
#include "core/compliance.h"
#include "core/core.h"

/* compliance.c */
/* The row of clause id when it was asked for (every clause without a subset), else NULL. */
struct compliance_row *row_of(struct compliance_report *r, const char *id);
/* Counts an item of list l on row x, with its entry (-1: none) and what it is (taken). */
void item_add(struct compliance_row *x, enum compliance_list l, int64_t ledger, char *what);
/* Where a duty is owed, for people: 全庁, a section's or a system's name (else its id). */
void scope_name(struct store *st, const char *scope, struct strbuf *out);

/* compliance-records.c */
/*
 * Incident cases: per clause, the cases (not drills) whose acts in the period cited it, and
 * how many of them are closed; the cases closed in the period with their recurrence
 * prevention and the clauses they touched.
 */
int count_incidents(struct compliance_report *rep, struct store *st, struct strbuf *err);
/* Self-inspection answers per clause, of the inspections opened in the period. */
int count_inspections(struct compliance_report *rep, struct store *st, int64_t now_ms,
                      struct strbuf *err);
/* The risks assessed in the period that named each clause as a measure, and those it counts
 * for now. */
int count_risks(struct compliance_report *ret, struct door *d, int64_t now_ms, struct strbuf *err);

#endif
