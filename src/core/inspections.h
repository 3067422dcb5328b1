/* inspections: self-inspections (自己点検, MIN-9-2-1, SHJ-7-2): the checklist the profile makes
 * (its H clauses as questions, its R clauses as "show the record"), and the roll-up of the rounds:
 * per section its answers, state and lateness, per clause the answers across sections. Rounds
 * and answers are records of the registers `self_inspection` and `inspection_answer`; every
 * change goes through the door (docs/audits.md). */
#ifndef MAMORI_CORE_INSPECTIONS_H
#define MAMORI_CORE_INSPECTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"
#include "core/records.h"
#include "policy/policy.h"

struct reader;
struct store;

#define SELF_INSPECTION_REGISTER   "self_inspection"
#define INSPECTION_ANSWER_REGISTER "inspection_answer"

/* One item of the checklist: a clause, asked in the text's own words. */
struct inspection_item {
	const struct policy_clause *clause;
	char *question; /* 「…」を行っていますか。 / 「…」の記録を示してください（台帳）。 */
	char *registers; /* R: the registers that keep its record, "、"-joined; else NULL */
};
struct inspection_checklist {
	struct inspection_item *items;
	size_t nr;
};
/* The profile's checklist, its catalog order; only: a comma list of clause ids (NULL: all). */
void inspection_checklist_make(const struct profile *p, const char *only,
                               struct inspection_checklist *ret);
void inspection_checklist_release(struct inspection_checklist *c);
/* The item for clause id, or NULL. */
const struct inspection_item *inspection_checklist_find(const struct inspection_checklist *c,
                                                        const char *clause_id);

/* An answer's result: "適合" conform, "不適合" nonconform, "該当なし" not applicable. */
enum inspection_result {
	INSPECTION_UNANSWERED,
	INSPECTION_CONFORM,
	INSPECTION_NONCONFORM,
	INSPECTION_NA
};
/* The stored value for a result given as 適合|不適合|該当なし or conform|nonconform|na. */
const char *inspection_result_value(const char *given);
enum inspection_result inspection_result_of(const char *value);

/* One section's inspection of a round, with its answers counted over its checklist. */
struct inspection_section {
	const struct record *rec; /* in the roll-up's inspections */
	const char *round, *section, *due;
	bool overdue; /* not yet submitted (or sent back) and its due day has ended */
	size_t total, conform, nonconform, na, unanswered;
	/*
	 * From the training and consent registers (inspection-people.c): the logins of the
	 * section's active people not named among the attendees of the training the profile's
	 * duty requires, held within the duty's interval up to the due day (Minato 4(2)①), and
	 * of its active part-time staff (非常勤職員) with no consent record (4(1)1)⑤).
	 */
	struct strv untrained, unconsented;
};
/* One clause across the sections whose checklist has it. */
struct inspection_clause_row {
	const struct policy_clause *clause;
	size_t conform, nonconform, na, unanswered;
};
struct inspection_rollup {
	struct record_list inspections, answers;
	struct inspection_checklist checklist; /* the whole checklist */
	struct inspection_section *sections;   /* one per inspection, as listed */
	size_t n_sections;
	struct inspection_clause_row *clauses; /* the checklist's order, asked at least once */
	size_t n_clauses;
	size_t overdue;
	/*
	 * The duty whose training the roll-up checks (its evidence: a register with the user
	 * field `attendees`), and the consent register (`consent`, user field `person`); NULL
	 * when the profile keeps none (Shinjuku).
	 */
	const struct policy_duty *training;
	const struct policy_register *consent;
};
/*
 * The inspections rd may read (NULL: every one) of round (NULL: every round), with their answers
 * (rd's to read) at now_ms. An answer is an item's latest record for that inspection and clause.
 */
int inspection_rollup(struct store *st, const struct reader *rd, const struct profile *p,
                      const char *round, int64_t now_ms, struct inspection_rollup *ret,
                      struct strbuf *err);
void inspection_rollup_release(struct inspection_rollup *r);
/* Fills each section's untrained and unconsented people (inspection_rollup calls it). */
int inspection_people(struct store *st, const struct profile *p, int64_t now_ms,
                      struct inspection_rollup *r, struct strbuf *err);
/* The checklist items of inspection rec: its `items`, else the whole checklist (ids into c). */
void inspection_items_of(const struct inspection_checklist *c, const struct record *rec,
                         const struct inspection_item ***ret, size_t *ret_n);
/* The answer to clause of inspection id in the roll-up, or NULL. */
const struct record *inspection_answer_for(const struct inspection_rollup *r, int64_t id,
                                           const char *clause);
/* The roll-up's section for inspection id, or NULL. */
const struct inspection_section *inspection_section_for(const struct inspection_rollup *r,
                                                        int64_t id);
/*
 * The roll-up as CSV, one row per section and item (条項 in a column of its own): UTF-8 with a
 * BOM, or CP932 (*ret_substituted: characters CP932 lacks, written as 〓).
 */
int inspection_rollup_csv(const struct inspection_rollup *r, bool cp932, struct strbuf *out,
                          size_t *ret_substituted, struct strbuf *err);

#endif
