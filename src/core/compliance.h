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
	/* the ledger entries of the acts counted, ascending (every one) */
	uint64_t *ledger;
	size_t n_ledger, alloc_ledger;
};

/* One act made in a person's name from the command line (--as), as the report names it. */
struct compliance_cli_act {
	int64_t at_ms;
	char *name, *login, *os_user; /* the person named; the OS user who ran the command */
	char *what;                   /* for people: "承認：庁外への持出し" */
	char *outcome;                /* done, pending or refused */
	char *clauses;                /* the clauses it cited, "MIN-4-1-3-4 MIN-9-1-3" */
	int64_t request_id;           /* 0: none */
	int64_t ledger;               /* its ledger entry; -1: none */
};

#define COMPLIANCE_CLI_MAX 1000 /* acts listed by name; cli_total counts them all */

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
void compliance_release(struct compliance_report *r);

/* The chapter a clause id belongs to: "MIN-9-1-3" → "MIN-9", "MIN-BP-4-4" → "MIN-BP". */
void compliance_chapter(const char *clause_id, struct strbuf *out);

/* The report's texts for people (Japanese): a kind, a strength. */
const char *compliance_kind_ja(enum policy_clause_kind k);
const char *compliance_strength_ja(enum policy_strength s);

#endif
