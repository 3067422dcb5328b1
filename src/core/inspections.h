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
#include "core/act.h"
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

/*
 * A role's checklist (inspection-roles.c, docs/audits.md "Checklists by role"): the items of the
 * checklist the role's holder answers, each with why: the text makes the role carry the clause
 * out (its `actor`), a duty the role holds cites it, a rule lets the role act (or gives it an
 * action citing it), makes it approve, or has it told or witness; the items no role is given
 * fall to the role that signs a section's inspection off (Minato's セキュリティ責任者, MIN-9-2-1).
 */
enum inspection_why {
	INSPECTION_WHY_ACTOR,
	INSPECTION_WHY_DUTY,
	INSPECTION_WHY_RULE,
	INSPECTION_WHY_ACTION,
	INSPECTION_WHY_APPROVAL,
	INSPECTION_WHY_OBLIGATION,
	INSPECTION_WHY_REST,
};
struct inspection_because {
	enum inspection_why why;
	const char *id, *name; /* the duty, rule or action (NULL for actor and rest) */
};
struct inspection_role_item {
	const struct inspection_item *item;
	struct inspection_because *because;
	size_t n_because, alloc_because;
};
struct inspection_role_checklist {
	const struct policy_role *role;
	struct inspection_role_item *items; /* the checklist's order */
	size_t nr;
	bool rest; /* the role signs inspections off: it answers the items no role is given */
};
void inspection_role_checklist_make(const struct profile *p, const struct inspection_checklist *c,
                                    const struct policy_role *role,
                                    struct inspection_role_checklist *ret);
void inspection_role_checklist_release(struct inspection_role_checklist *rc);
/* The items' clause ids, comma-separated (a round's `items`). */
void inspection_role_items(const struct inspection_role_checklist *rc, struct strbuf *out);
/* Why, in Japanese: "義務「課等の遵守状況の点検」（section-inspection）". */
void inspection_because_text(const struct inspection_because *b, struct strbuf *out);
/* "actor", "duty", "rule", "action", "approval", "obligation", "rest" (JSON). */
const char *inspection_why_name(enum inspection_why why);
/* Whether the profile lets role sign a section's inspection off. */
bool inspection_role_signs_off(const struct profile *p, const struct policy_role *role);
/*
 * The logins holding role at section now: a section role at the section, a system role at one
 * of the section's systems, an org role anywhere (its holder answers where they work).
 */
int inspection_role_holders(struct store *st, const struct policy_role *role, const char *section,
                            int64_t now_ms, struct strv *ret, struct strbuf *err);
/* 1 when login is one of them, 0 when not, < 0 on a store error. */
int inspection_role_held(struct store *st, const struct policy_role *role, const char *section,
                         const char *login, int64_t now_ms, struct strbuf *err);

/*
 * The `items` of a new inspection into ret: given (a comma list of checklist items) and, with
 * role, within that role's checklist; role alone: its checklist. Empty: the whole checklist.
 * -EINVAL with a message naming what is not an item (or not a role).
 */
int inspection_open_items(const struct profile *p, const char *role, const char *given,
                          struct strbuf *ret, struct strbuf *err);

/*
 * The most inspections one round opens (sections x roles, each once), checked by the CLI and
 * the web before any act is made: a round's acts run as one batch, each held in memory until
 * the batch ends, and a form may repeat a section many times.
 */
#define INSPECTION_ROUND_MAX 1000

/*
 * The act that opens one inspection of round at section, due on due, asking items (NULL or "":
 * the whole checklist) of role's holders (NULL: the section's staff): into in, its fields into
 * f, which must stay where it is while the act runs. The caller sets the actor and context. A
 * round's inspections open together, all or none: act_run_all (the CLI's and the web's).
 */
#define INSPECTION_OPEN_FIELDS 5
void inspection_open_act(struct act_input *in, struct act_attr f[INSPECTION_OPEN_FIELDS],
                         const char *round, const char *section, const char *due, const char *role,
                         const char *items);

/*
 * Whether login may answer (and hand in) self-inspection insp: anyone the door lets for the
 * section's whole checklist; for a role's (its field `role`), only that role's holders at the
 * section. 0, or -EPERM with a message naming who answers it (< 0 on a store error).
 */
int inspection_may_answer(struct store *st, const struct profile *p, const struct record *insp,
                          const char *login, int64_t now_ms, struct strbuf *err);

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
	const char *role; /* the role whose checklist it asks (field `role`), or NULL: the whole */
	bool overdue;     /* not yet submitted (or sent back) and its due day has ended */
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
/* One role's inspections across sections (role NULL: the sections' whole checklists). */
struct inspection_role_row {
	const char *role;
	size_t inspections, signed_off, overdue;
	size_t conform, nonconform, na, unanswered;
};
struct inspection_rollup {
	const struct profile *profile;
	struct record_list inspections, answers;
	struct inspection_checklist checklist; /* the whole checklist */
	struct inspection_section *sections;   /* one per inspection, as listed */
	size_t n_sections;
	struct inspection_clause_row *clauses; /* the checklist's order, asked at least once */
	size_t n_clauses;
	struct inspection_role_row *roles; /* by role, first seen first (NULL role first) */
	size_t n_roles;
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
/* The name people read for a role id ("セキュリティ責任者"); "" for NULL, the id if unknown. */
const char *inspection_role_name(const struct profile *p, const char *role);
/* The roll-up's section for inspection id, or NULL. */
const struct inspection_section *inspection_section_for(const struct inspection_rollup *r,
                                                        int64_t id);
/*
 * The roll-up as CSV, one row per section and item (条項 in a column of its own; the role
 * whose checklist it is in the last column, 役割): UTF-8 with a BOM, or CP932 (*ret_substituted:
 * characters CP932 lacks, written as 〓).
 */
int inspection_rollup_csv(const struct inspection_rollup *r, bool cp932, struct strbuf *out,
                          size_t *ret_substituted, struct strbuf *err);

#endif
