/* compliance: the per-clause compliance report (遵守状況報告書): for a period, each clause of the
 * profile in force with its kind, how the profile carries it, and its evidence from the store
 * and the ledger (docs/audits.md "The compliance report"). */
#ifndef MAMORI_CORE_COMPLIANCE_H
#define MAMORI_CORE_COMPLIANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "policy/policy.h"

struct door;
struct ledger;
struct store;

/*
 * The counted items of a figure that are not acts (a duty, a case, a self-inspection answer, a
 * risk), each with the ledger entry behind it: the act that fulfilled the duty (an overdue one:
 * its last fulfilment, none when never), the case's first act of the period citing the clause,
 * the answer's latest act (unanswered: the act that opened the inspection), the risk's
 * assessment counted. One item per unit the figure counts.
 */
enum compliance_list {
	COMPLIANCE_DUTIES_DONE,
	COMPLIANCE_DUTIES_OVERDUE,
	COMPLIANCE_INCIDENTS,
	COMPLIANCE_INSPECTION,
	COMPLIANCE_RISKS,
	COMPLIANCE_NLISTS
};
struct compliance_item {
	int64_t ledger; /* the entry; -1: none (a duty never fulfilled) */
	char *what; /* for people: "年次の点検（section:zeimu）", "事案 12", "リスク 5" */
	bool nonconform; /* a self-inspection answer 不適合 */
};
struct compliance_items {
	struct compliance_item *v;
	size_t n, alloc;
};

#define COMPLIANCE_FROM_START (INT64_MIN / 4)

/* One clause's evidence in the period [from, to). */
struct compliance_row {
	const struct policy_clause *clause;
	enum policy_strength strength; /* the policy's coverage (policy coverage --json) */
	bool gap;                      /* below what its kind needs */
	int64_t acts;                  /* acts citing it: done, pending or refused */
	int64_t refusals;              /* of those, refused */
	int64_t approvals;             /* requests citing it approved in the period */
	int64_t approval_median_ms;    /* their median time from asking to approval; -1: none */
	int64_t duties_done;           /* duties citing it last fulfilled in the period */
	int64_t duties_overdue;        /* duties citing it due now and not fulfilled */
	int64_t findings_open;         /* audit findings on it not closed */
	int64_t findings;              /* audit findings on it, any state */
	/* of acts and approvals, those made in a person's name from the command line (--as,
	 * acts.via "cli"): whoever could open the data directory acted, not necessarily the person
	 */
	int64_t cli_acts, cli_approvals;
	/* incident cases (not drills) whose acts in the period cited it, and of those the ones
	 * closed now (their recurrence prevention: compliance_report.cases) */
	int64_t incidents, incidents_closed;
	/* self-inspection answers on it, of the inspections opened in the period (an item's
	 * latest answer; unanswered: asked and not answered) */
	int64_t insp_conform, insp_nonconform, insp_na, insp_unanswered;
	/* the risks whose last assessment in the period named it as a measure, and of those the
	 * ones it counts for now (core/risk.h risk_clause_tally) */
	int64_t risks, risks_counting;
	/* the ledger entries of the acts counted, ascending (every one) */
	uint64_t *ledger;
	size_t n_ledger, alloc_ledger;
	/* of those, the refused acts' entries (the refusals counted), ascending */
	uint64_t *refused;
	size_t n_refused, alloc_refused;
	/* the entries of the approvals counted (the act that approved each request), and of the
	 * acts that recorded the open findings counted (finding.add / finding.raise), ascending */
	uint64_t *approved, *found;
	size_t n_approved, alloc_approved, n_found, alloc_found;
	/* the entries behind cli_acts (of the acts, those made with --as) and cli_approvals (of
	 * each such approval, its last approving act made with --as), ascending */
	uint64_t *cli_ledger, *cli_approved;
	size_t n_cli_ledger, alloc_cli_ledger, n_cli_approved, alloc_cli_approved;
	/* the items behind duties_done, duties_overdue, incidents, the self-inspection answers
	 * and risks, in that order (enum compliance_list), each with its entry */
	struct compliance_items items[COMPLIANCE_NLISTS];
};

/* One act made in a person's name from the command line (--as), as the report names it. */
struct compliance_cli_act {
	int64_t at_ms;
	char *name, *login, *os_user; /* the person named; the OS user who ran the command */
	char *title;                  /* the person's 職名 ("税務課長"), or NULL */
	char *what;                   /* for people: "承認：庁外への持出し" */
	char *action;                 /* as ledgered: "asset.take_out", "user.passwd" */
	bool named;         /* what names the action (a profile's); else the front end names it */
	char *outcome;      /* done, pending or refused */
	char *clauses;      /* the clauses it cited, "MIN-4-1-3-4 MIN-9-1-3" */
	int64_t request_id; /* 0: none */
	int64_t ledger;     /* its ledger entry; -1: none */
};

#define COMPLIANCE_CLI_MAX 1000 /* acts listed by name; cli_total counts them all */

/* A case closed in the period, with its recurrence prevention (再発防止策) and the clauses its
 * acts cited. */
struct compliance_case {
	int64_t id;
	char *title, *cause, *prevention;
	int64_t closed_ms;
	char *clauses; /* space-separated, the profile's order */
};

struct compliance_report {
	const struct profile *p; /* the profile in force (borrowed from the door) */
	int64_t from_ms, to_ms;  /* the period, [from, to); from COMPLIANCE_FROM_START: every act */
	int64_t made_ms;
	struct compliance_row *rows; /* one per clause, the profile's catalog order */
	size_t nr;
	/* the latest signed checkpoint (its note text) the figures can be checked against: its
	 * tree holds every act counted. NULL when the ledger has no checkpoint yet. */
	char *checkpoint;
	uint64_t tree_size;
	/* the period's acts made with --as, oldest first (at most COMPLIANCE_CLI_MAX) */
	struct compliance_cli_act *cli;
	size_t n_cli, alloc_cli;
	int64_t cli_total;
	struct compliance_case *cases; /* closed incident cases (not drills), oldest first */
	size_t n_cases;
	/* every case (not a drill) any act of the period touched: touch[i * nr + k] when case i
	 * cited clause k (so a control counts each case once), closed[i] when it is closed */
	bool *touch, *touch_closed;
	size_t n_touch;
	/* compliance_compute_some: want[k] when clause k was asked for (the others' rows stay
	 * empty, no acts by name are listed); NULL: every clause */
	bool *want;
};

/*
 * Computes the report for [from_ms, to_ms) at now_ms under the door's profile, reading st and lg
 * (the caller's connections: the door's own for the CLI, a web worker's own for a page). With
 * sign (the CLI's writable door), a checkpoint is signed first when the ledger grew since the
 * last one, so the report names a checkpoint covering everything it counted; a server signs
 * its own every minute.
 */
int compliance_compute(struct door *d, struct store *st, struct ledger *lg, bool sign,
                       int64_t from_ms, int64_t to_ms, int64_t now_ms,
                       struct compliance_report *ret, struct strbuf *err);
/*
 * The same figures for only the n clauses named (ids of the profile in force; unknown ones are
 * ignored): every other row stays empty, no acts by name (cli) are listed and no row's
 * strength or gap is computed (left STRENGTH_NONE, false), so a page about one clause or one
 * Annex A control computes only what it shows. Never signs.
 */
int compliance_compute_some(struct door *d, struct store *st, struct ledger *lg,
                            const char *const *clauses, size_t n, int64_t from_ms, int64_t to_ms,
                            int64_t now_ms, struct compliance_report *ret, struct strbuf *err);
void compliance_release(struct compliance_report *r);
/* Frees a row's entries and items (compliance_release does, for the report's rows). */
void compliance_row_release(struct compliance_row *x);

/*
 * The report by ISO/IEC 27001:2022 Annex A control (a Statement of Applicability): for each of
 * the 93 controls the profile's clauses mapped to it (their `iso27001` key) and their figures
 * joined; a control no clause maps to is not applicable under this profile.
 */
struct compliance_annex_row {
	const struct policy_annex_control *control;
	const struct compliance_row **rows; /* the clauses mapped to it, the profile's order */
	size_t n_rows;
	/* its figures, each unit counted once however many of its clauses it cites: an act, a
	 * refusal, an approval, a duty overdue, a finding, a case, a nonconforming
	 * self-inspection answer */
	int64_t acts, refusals, approvals, duties_overdue, findings_open, incidents,
	    insp_nonconform;
	bool gap; /* a clause mapped to it is carried less strongly than its kind needs */
	/* the ledger entries behind those figures, as a row of its own (clause NULL): the union of
	 * its clauses' entries and items, so the control's figures link to them as a clause's do;
	 * of the self-inspection answers only the nonconforming ones (the figure 不適合), each
	 * naming its clause ("MIN-9-1-2 …") */
	struct compliance_row figs;
};
struct compliance_annex {
	struct compliance_annex_row *rows; /* the 93 controls in order */
	size_t nr;
	size_t applicable; /* controls with at least one clause */
};
void compliance_annex_compute(const struct compliance_report *r, struct compliance_annex *ret);
void compliance_annex_release(struct compliance_annex *a);

/* The chapter a clause id belongs to: "MIN-9-1-3" → "MIN-9", "MIN-BP-4-4" → "MIN-BP". */
void compliance_chapter(const char *clause_id, struct strbuf *out);

/*
 * The report's summary by chapter (compliance_chapter), in the order the clauses come: each
 * chapter's clauses and its figures joined as a control's are, each act, approval, duty,
 * finding, case, answer and risk counted once however many of the chapter's clauses it cites,
 * with the entries behind them (figs: clause NULL; its acts, refusals, approvals,
 * duties_done, duties_overdue, findings_open, incidents, incidents_closed, insp_nonconform and
 * risks are the chapter's figures, approval_median_ms -1).
 */
struct compliance_chapter_row {
	char *id;                           /* "MIN-9" */
	const struct compliance_row **rows; /* its clauses, the profile's order */
	size_t n_rows;
	int64_t gaps; /* of them, carried less strongly than their kind needs */
	struct compliance_row figs;
};
struct compliance_chapters {
	struct compliance_chapter_row *rows;
	size_t nr;
};
void compliance_chapters_compute(const struct compliance_report *r,
                                 struct compliance_chapters *ret);
/* The chapter id of c, or NULL. */
const struct compliance_chapter_row *compliance_chapter_find(const struct compliance_chapters *c,
                                                             const char *id);
void compliance_chapters_release(struct compliance_chapters *c);

/* The report's texts for people (Japanese): a kind, a strength. */
const char *compliance_kind_ja(enum policy_clause_kind k);
const char *compliance_strength_ja(enum policy_strength s);

#endif
