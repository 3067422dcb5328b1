/* inbox: what waits for one person now: requests to approve, their decided requests, duties
 * due and overdue, overdue take-outs, incidents reported to a role they hold and those
 * incidents' legal deadlines not yet met. The web's
 * 受信箱, `mamori inbox` and the e-mail digests (core/notify.h) all read it from here. */
#ifndef MAMORI_CORE_INBOX_H
#define MAMORI_CORE_INBOX_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct door;
struct store;
struct reader;

enum inbox_kind {
	INBOX_APPROVE,   /* a pending request waits for the person's decision (or their 代決) */
	INBOX_DECIDED,   /* the person's own request was decided or closed recently */
	INBOX_DUTY,      /* a duty they owe is overdue or due within INBOX_DUTY_SOON_DAYS */
	INBOX_TAKEOUT,   /* something they took out or carry, or of their section, is overdue */
	INBOX_INCIDENT,  /* an incident reported to a role they hold is not yet closed */
	INBOX_DEADLINE,  /* a legal deadline of such an incident (incidents.deadlines) not met */
	INBOX_RISK_TASK, /* a task of a risk's treatment plan assigned to them, not yet done */
	INBOX_MOVE, /* (administrators) a 人事異動 dated ahead whose day has come, not applied:
	               core/personnel.h personnel_stuck_list */
	INBOX_KINDS
};

/* A decided request stays in the applicant's inbox this long after the decision. */
#define INBOX_DECIDED_DAYS 14
/* A duty shows this many days before it is due. */
#define INBOX_DUTY_SOON_DAYS 14

/*
 * One thing that waits. Strings are owned; those that do not apply are NULL. Texts are data
 * (ids, titles, names), never sentences: front ends say them in the reader's language.
 */
struct inbox_item {
	enum inbox_kind kind;
	/* Stable while the thing is unchanged, new when it changes (a decision, the next due
	 * date): a notification tells each key once. "approve:12", "decided:12:approved",
	 * "duty:section-inspection@section:zeimu:1767225599999:due", "takeout:88",
	 * "incident:7:escalated", "deadline:7:ppc_preliminary:open" (then ":overdue": a deadline
	 * is told when it arises and again when it passes). */
	char *key;
	int64_t request_id, record_id;
	char *register_id, *action; /* the request's action ("asset.take_out") */
	char *title;                /* the record's title, or the duty's name */
	char *state;   /* a request's state as people see it (request_state_at), a record's state */
	char *duty_id; /* INBOX_DUTY */
	char *scope;   /* INBOX_DUTY: "org", "section:zeimu", "system:kokuho" */
	char *person;  /* who: the applicant (approve), the decider (decided), who took it out
	                  (takeout), as "池田 勝（税務課長）"; NULL when the system did it */
	char *acting_for; /* INBOX_APPROVE: the role the person would approve for as deputy */
	char *deadline;   /* INBOX_DEADLINE: the deadline's id (incidents.deadlines) */
	/* INBOX_MOVE: person is the one moved, scope the new section ("section:zeimu"), by who
	 * scheduled it; state "refused" (the door refused applying it: ledger_index) with
	 * "refused_not_admin" when whoever scheduled it is no administrator now, else "late" */
	char *by;
	int64_t ledger_index;
	int64_t when_ms; /* filed (approve), decided (decided), due (duty, takeout: the end of
	                    the due day), changed (incident), due (deadline; risk_task: the
	                    end of the due day) */
	bool overdue;
};

struct inbox {
	struct inbox_item *items; /* by kind, then oldest due / newest decided first */
	size_t nr, alloc;
	size_t n_kind[INBOX_KINDS];
	size_t n_urgent; /* approvals, overdue duties, take-outs and deadlines, open incidents */
};

/* "approve", "decided", "duty", "takeout", "incident", "deadline", "risk_task", "move": the JSON
 * and CSS names of a kind. */
const char *inbox_kind_id(enum inbox_kind k);

/*
 * The inbox of user_id (an active person) at now_ms, as rd (their reader) may see it: only
 * records and requests rd may read are listed. d gives the profile and the duties; st is the
 * connection to read on (the web thread's own, or door_store(d)). Returns 0 or a store
 * error with err set.
 */
int inbox_collect(struct door *d, struct store *st, const struct reader *rd, int64_t user_id,
                  int64_t now_ms, struct inbox *ret, struct strbuf *err);
void inbox_release(struct inbox *b);

#endif
