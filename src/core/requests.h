/* requests: reading approval requests and who they wait for. */
#ifndef MAMORI_CORE_REQUESTS_H
#define MAMORI_CORE_REQUESTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"

struct store;

/* One approver a request waits for (request_approvers). */
struct request_slot {
	int seq;
	char *role, *scope;
	char *routed_from; /* NULL unless the profile's fallback routed it */
	bool needs_exception;
	int64_t approved_by; /* user id, 0 while waiting */
	char *approved_login;
	char *approved_name, *approved_title; /* "池田 勝", "税務課長" (title may be NULL) */
	char *acting_for;                     /* the role a deputy approved for (代決), or NULL */
	int64_t approved_ms;
	/* How the approval came in (acts.via: web, api, cli) and, from the CLI, the OS user that
	 * ran it: an act made with --as is marked as such wherever it is shown. */
	char *approved_via, *approved_os_user;
};

struct request {
	int64_t id;
	char *action, *register_id;
	int64_t record_id, record_version; /* 0 when the action creates the record */
	int64_t applicant;
	char *applicant_login, *applicant_name;
	char *level, *section, *system;
	json_t *fields;  /* object: field id -> value */
	json_t *context; /* object: policy context */
	char *comment;
	char *applicant_title;
	char *state; /* pending, approved, rejected, expired, cancelled, withdrawn */
	char *profile_sha256;
	json_t *clauses; /* array of clause ids */
	int64_t created_ms, expires_ms, decided_ms, decided_by;
	char *decided_login, *decision_comment;
	char *decided_name, *decided_title; /* who decided, for people; NULL when the system did */
	char *closed_reason; /* why the system cancelled it (REQUEST_CLOSED_*), else NULL */
	struct request_slot *slots;
	size_t n_slots;
	/* How the application and the decision came in (acts.via, and the OS user for "cli");
	 * NULL when unknown. Filled by request_get only. */
	char *applicant_via, *applicant_os_user;
	char *decided_via, *decided_os_user;
};

/*
 * Why a request was cancelled by the system (requests.closed_reason), as codes that front
 * ends put into the reader's language.
 */
#define REQUEST_CLOSED_APPLICANT_INACTIVE "applicant_inactive" /* suspended or retired */
#define REQUEST_CLOSED_APPLICANT_RETIRED  "applicant_retired"  /* retired: pending ones closed */
#define REQUEST_CLOSED_RECORD_CHANGED     "record_changed"     /* the action no longer applies */
#define REQUEST_CLOSED_ACTION_REMOVED     "action_removed"     /* the profile dropped the action */
#define REQUEST_CLOSED_DENIED_NOW         "denied_now"         /* the profile in force denies it */
#define REQUEST_CLOSED_DUPLICATE          "duplicate" /* a unique value another record took since */
#define REQUEST_CLOSED_UNKNOWN            "unknown"   /* cancelled before reasons were kept */

/*
 * "池田 勝（税務課長）" for a person with a title, else the name; NULL name gives NULL.
 * Owned by the caller.
 */
char *request_person_label(const char *name, const char *title);

struct profile;
/* The title of the request's record ("住民税課税台帳"), or of the record it creates; "" when it
 * has none. Owned by the caller. */
char *request_record_title(struct store *st, const struct profile *p, const struct request *q);

int request_get(struct store *st, int64_t id, struct request *ret, struct strbuf *err);
void request_release(struct request *r);
/* The state people see: a pending request past its expiry reads "expired". */
const char *request_state_at(const struct request *r, int64_t now_ms);

struct request_list {
	struct request *items;
	size_t nr, alloc;
};
/*
 * Requests, newest first. With applicant (user id, not 0) only theirs; with to_approve
 * only pending, unexpired requests with a waiting slot that one of roles (role@scope) can
 * approve and that the user did not file. state filters when not NULL.
 */
struct request_filter {
	int64_t applicant;
	const struct strv *to_approve_roles;
	int64_t to_approve_user;
	/* With a profile, a slot whose role has a deputy the user holds there (or at org) is one
	 * they may approve too (代決). */
	const struct profile *profile;
	const char *state;
	int64_t now_ms;
	int64_t limit;
};
int requests_list(struct store *st, const struct request_filter *f, struct request_list *ret,
                  struct strbuf *err);
void request_list_release(struct request_list *l);

/*
 * Requests filed in each of the last `weeks` weeks before now_ms (weeks of 7 days counted back
 * from now_ms): counts[weeks - 1] is the latest week, counts[0] the earliest. 0 or a negative
 * errno with err.
 */
int requests_per_week(struct store *st, int64_t now_ms, int weeks, int64_t *counts,
                      struct strbuf *err);

#endif
