/* audits: reading audits and their findings (registers `audit` and `finding` of the profile:
 * docs/audits.md). Changes go through the door (audit.plan, finding.add ...). */
#ifndef MAMORI_CORE_AUDITS_H
#define MAMORI_CORE_AUDITS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/records.h"

struct store;
struct reader;

/* The registers and fields audits use (both profiles). */
#define AUDIT_REGISTER      "audit"
#define FINDING_REGISTER    "finding"
#define FINDING_AUDIT_FIELD "audit"
#define FINDING_DUE_FIELD   "improvement_due"

/*
 * The records of register_id that rd may read (core/read.h), oldest first; rd NULL: every one
 * (the operator's view).
 */
int audit_records(struct store *st, const struct reader *rd, const char *register_id,
                  struct record_list *ret, struct strbuf *err);
/* The findings of audit audit_id that rd may read (rd NULL: every one). */
int audit_findings(struct store *st, const struct reader *rd, int64_t audit_id,
                   struct record_list *ret, struct strbuf *err);
/*
 * Whether a finding's improvement is overdue at now_ms: not closed, and its improvement_due
 * day (Tokyo) has ended.
 */
bool audit_finding_overdue(const struct record *finding, int64_t now_ms);

#endif
