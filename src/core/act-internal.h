/* act-internal: what the door's files (act.c, act-record*.c, act-approve.c, act-org.c) share. */
#ifndef MAMORI_CORE_ACT_INTERNAL_H
#define MAMORI_CORE_ACT_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "auth/password.h"
#include "core/act.h"
#include "core/core.h"
#include "core/guard.h"
#include "core/org.h"
#include "core/records.h"
#include "policy/policy.h"

struct ledger;

/* Profiles once in force stay loaded until door_free: readers may still hold them. */
struct door_profile {
	struct profile *p;
	int64_t seq;
	struct door_profile *prev;
};

struct door {
	char *dir;
	struct store *st;
	struct ledger *lg;
	struct door_profile *prof; /* newest first; prof->p is in force */
	bool readonly;
	bool appended; /* entries appended since the last checkpoint was signed */
	struct guard guard;
	int64_t (*clock)(void); /* time source; tests replace it (door_set_clock) */

	/* Group commit: the first thread to find no leader runs batches for everyone. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct act_job *head, *tail;
	bool leader;
	/*
	 * Gathering: a new leader whose queue is shorter than the last batch waits a moment
	 * (DOOR_GATHER_NS at most) for the callers that batch just released, so that a steady
	 * set of clients shares one commit rather than alternating a batch of one with a batch
	 * of the rest. queued counts the jobs in the queue; gather_cv wakes the waiting leader.
	 */
	size_t queued, last_batch;
	bool gathering;
	pthread_cond_t gather_cv;
	/* Threads waiting in door_lead (the checkpointer's restart, reads between batches): they
	 * come before the next batch, so the queue of acts cannot keep them out for long. */
	unsigned lead_asked;

	/* DOOR_CHECKPOINTER (door-ckpt.c): the log's size after the last commit, in pages
	 * (written by the store during the leader's commit) and the checkpointer's thread. */
	int wal_pages;
	struct door_ckpt *ckpt;
	/* Set once, by the checkpointer, when the database file could not be written or synced
	 * (-EIO, door_failed): from then on no batch runs. */
	atomic_int failed;

	/* A server's door (DOOR_CHECKPOINTER), used by many threads: its connection is the
	 * leader's alone, and door_store says so in builds without NDEBUG (door_leads). */
	bool shared;
	atomic_uintptr_t leader_self; /* the leading thread (door-batch.c), or 0 */
};

/*
 * A new password, checked and hashed before its act enters a batch, so that neither zxcvbn
 * nor Argon2id runs inside the door's write transaction. ready: the check ran; refused:
 * it failed (why says why, naming the clause; the door refuses the act with it); else
 * hash is the Argon2id string the door stores.
 */
struct act_password {
	bool ready, refused;
	char *why;
	/* why as the strength check's message id and arguments (NULL: none), which the refusal
	 * keeps (act_result.detail_fmt) so that the web and the CLI say the specific reason */
	const char *why_fmt;
	struct fmtargs why_args;
	char hash[PASSWORD_HASH_SIZE];
};

/*
 * Checks and hashes in->secret for ACT_USER_ADD and ACT_USER_PASSWD (else leaves ret not
 * ready). Called outside any transaction; reads what it needs (the profile in force, the
 * user's name) while leading the door for a moment. Returns 0 or a negative code.
 */
int act_password_prepare(struct door *d, const struct act_input *in, struct act_password *ret,
                         struct strbuf *err);
/* Wipes the hash and frees the message. */
void act_password_release(struct act_password *pw);

/*
 * One act queued for the door (door-batch.c) and run by act_run_job (act.c) in a batch. The
 * caller's stack holds it until done.
 */
struct act_job {
	const struct act_input *in;
	struct act_result *res;
	struct strbuf err;
	int ret;
	/*
	 * state (enum job_state, door-batch.c): the caller sleeps on it in act_run (a futex
	 * word). The leader sets JOB_DONE, with release order, once ret, res and err are final,
	 * and wakes the caller after letting the door's mutex go; give_lead sets JOB_LEAD on the
	 * oldest queued act when the lead is free. The caller reads it without the mutex.
	 */
	atomic_uint state;
	bool fatal;                  /* fatal: the batch's transaction cannot go on */
	bool refusal_only;           /* keep the act only if it is refused (a refused import row) */
	bool identity_checked;       /* act_result.identity_checked */
	struct profile *new_profile; /* applied by this act: installed after the commit */
	int64_t new_profile_seq;
	struct act_password pw; /* prepared before the batch (act_password_prepare) */
	struct act_job *next;
};

/* door-batch.c: group commit. Exclusive use of the door's connection between batches (no
 * transaction open): door_lead waits for the present leader. */
void door_batch_init(struct door *d);
void door_batch_destroy(struct door *d);
void door_lead(struct door *d);
void door_unlead(struct door *d);
/* The calling thread leads the door now. */
bool door_leads(struct door *d);

/*
 * door-ckpt.c: the checkpointer of a DOOR_CHECKPOINTER door (SQLite only; nothing on
 * PostgreSQL). door_ckpt_start turns the connection's own checkpoints off and starts the
 * thread; the leader calls door_ckpt_after_commit after each commit; door_ckpt_stop joins it.
 */
int door_ckpt_start(struct door *d, struct strbuf *err);
void door_ckpt_after_commit(struct door *d);
void door_ckpt_stop(struct door *d);

/*
 * act.c, for door-batch.c: runs one job inside the batch's open transaction, in a savepoint
 * of its own; on return the transaction is at the batch's level again. job->fatal says the
 * store failed so the batch cannot be committed.
 */
void act_run_job(struct door *d, struct act_job *job);
/* Checks an act's input before it is queued (sizes, missing names). */
int act_validate_input(const struct act_input *in, struct strbuf *err);
/* Loads a profile another door stored since (inside the batch's transaction). */
int door_refresh_profile(struct door *d, struct strbuf *err);
/* Puts a profile in force (it stays loaded until door_free). */
void door_push_profile(struct door *d, struct profile *p, int64_t seq);

/*
 * The state of one act while the door runs it. The handlers (act-record.c, act-org.c) fill
 * the outcome, message and what the ledger entry says; act.c does the transaction, the
 * act row and the ledger.
 */
struct act_state {
	struct door *door;
	const struct act_input *in;
	struct act_result *res;
	const struct profile *p;
	int64_t now;
	const struct act_password *pw; /* the prepared new password, if the act sets one */

	struct org_user actor;    /* id 0: Mamori itself (bootstrap, or a system actor) */
	const char *system_actor; /* act_input.system_actor once accepted, else NULL */
	struct strv roles;        /* the actor's role@scope in force */

	/* What happened, for the act row and the ledger entry. */
	enum act_outcome outcome;
	const char *kind_name; /* "record.create" ... */
	char *action;          /* "asset.copy", "user.add" ... */
	char *subject;         /* "asset/12", "user/sato" ... */
	char *decision;        /* "allow", "deny", "approval:security_officer@section:zeimu" */
	struct strv clauses;
	struct strbuf message;
	/* the refusal's message id (act_refuse's format) and its arguments: act_result.detail */
	const char *refuse_fmt;
	struct fmtargs refuse_args;
	const char *reason; /* act_result.reason: a static code, or NULL */
	bool has_before, has_after;
	uint8_t before[32], after[32];
	json_t *recorded; /* the values the act recorded (sealed in the ledger: personal data) */
	json_t *info;     /* public details: obligations, routing, reasons */
	json_t *attachment_names; /* names of the files the act adds (sealed: personal data) */
	json_t *notify;           /* [[role, scope], ...]: the notify obligations of the decision */
	json_t *request;          /* the decision request of a record act (AuthZEN JSON, sealed) */
	int64_t record_id, request_id;
	int64_t token_id; /* ACT_TOKEN_ISSUE: the token created */
	char *target;
	/* Side effects a refusal keeps (an expired request is closed). */
	int64_t close_request_id;
	/* duty.done: the duty_log row written, given the act's id once the act is (duty_log.act_id:
	 * the compliance report links a fulfilment to its ledger entry) */
	int64_t duty_log_id;
	const char *close_request_state;
	const char *close_request_reason; /* REQUEST_CLOSED_* when cancelled */
	/* A profile applied by this act, installed once the batch commits. */
	struct profile *new_profile;
	int64_t new_profile_seq;
};

/* act.c: helpers for the handlers. */
void act_refuse(struct act_state *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void act_add_clause(struct act_state *s, const char *id);
/* Adds every clause of list; and the first of candidates the profile knows. */
void act_add_clauses(struct act_state *s, const struct policy_clauses *list);
void act_add_known_clauses(struct act_state *s, const char *const *candidates);
/* True when the actor holds role@scope now (mamori_admin at org for administrators). */
bool act_actor_holds(const struct act_state *s, const char *role, const char *scope);
/* Refuses unless the actor is a Mamori administrator; returns true when refused. */
bool act_require_admin(struct act_state *s, const char *const *clauses);
/* Digest of a record's canonical JSON. */
void act_digest_record(const struct record *r, uint8_t out[32]);
void act_digest_record_parts(int64_t id, const char *register_id, const char *state,
                             const char *level, const char *section, const char *system,
                             json_t *fields, int64_t version, uint8_t out[32]);
/* The scope string of approver a ("org", "section:zeimu"). */
char *act_approver_scope(const struct policy_approver *a);
/* Adds an approver to the result with names for people. */
void act_result_add_approver(struct act_state *s, const char *role, const char *scope,
                             const char *routed_from, bool needs_exception, bool approved);

/* act-record.c */
int act_record(struct act_state *s, struct strbuf *err);
/* record_grants (schema 0016) as the record's grants field now holds (act-grants.c). */
int act_sync_grants(struct act_state *s, const struct policy_register *reg, int64_t record_id,
                    json_t *fields, struct strbuf *err);
int act_approve(struct act_state *s, struct strbuf *err);
int act_reject(struct act_state *s, struct strbuf *err);
int act_withdraw(struct act_state *s, struct strbuf *err);
/* Cancels every pending request of user_id with reason (a retired applicant's). */
/* act-people.c: a retired person's moves dated ahead are cancelled with them. */
int act_cancel_moves_of(struct act_state *s, int64_t user_id, struct strbuf *err);
int act_cancel_requests_of(struct act_state *s, int64_t user_id, const char *reason,
                           struct strbuf *err);
/* Closes a request (expired, cancelled) as a refusal's side effect. */
int act_close_request(struct act_state *s, struct strbuf *err);

/* act-attach.c: files an act adds (core/attach.h), and ACT_ATTACH */
int act_attach(struct act_state *s, struct strbuf *err);
/* Before the transaction: the act may carry files and every one was stored first. */
int act_attachments_check(const struct act_input *in, struct store *st, const char *dir,
                          struct strbuf *err);
/* After the handler: the files' hashes into the entry's public data, names sealed. */
void act_attachments_info(struct act_state *s);
/* After the act's row: one attachments row per file, owned by what the act concerned. */
int act_attachments_write(struct act_state *s, int64_t act_id, struct strbuf *err);

/* act-write.c: the act's ledger entry and its row in acts (s->res gets their ids), inside the
 * door's transaction. 0, or what failed with err set: fatal for the batch. */
int act_write(struct act_state *s, struct strbuf *err);

/*
 * act-audit.c. `independent` constraints on reg: when the act gives (given) any of their fields,
 * the people named in merged hold no place in the sections and systems named (refuses citing
 * the constraint's clauses). `actor_in` of action a: the actor is one of the people the
 * referenced record names. Return 0 (s->outcome says a refusal) or a store error.
 */
/*
 * User fields with `holds: ROLE` that the act gives: each person named holds ROLE now (or a
 * role including it); else refused citing the role's clauses (reason "lacks_role").
 */
int act_check_holds(struct act_state *s, const struct policy_register *reg, json_t *given,
                    struct strbuf *err);
int act_check_independent(struct act_state *s, const struct policy_register *reg, json_t *given,
                          json_t *merged, struct strbuf *err);
/*
 * Ref fields with `same_section` or `ref_states` (policy/policy.h): refuses the act when the record
 * (its fields after the act: merged; its section) is not of the named record's section, or that
 * record is not in one of the states. Returns whether the act was refused.
 */
bool act_check_ref_bounds(struct act_state *s, const struct policy_register *reg, json_t *merged,
                          const char *section);
/* act-unique.c: refuses (reason "duplicate") when a `unique` field of reg_vals holds a value
 * another record of reg has; 0, or the store's error. */
int act_check_unique(struct act_state *s, const struct policy_register *reg, json_t *reg_vals,
                     int64_t record_id, struct strbuf *err);
/*
 * act-count.c: `at_least` constraints on reg: when the act makes a record, moves it into or out of
 * the counted state, or gives a counted, `per` or `only` field (given), the group the record is
 * in after the act (state_after, merged) and the group it leaves (before: the record as stored,
 * id 0 when made now) each hold `count` people or more, or none; else refused (reason
 * "too_few", citing the constraint's clauses). 0, or the store's error.
 */
int act_check_at_least(struct act_state *s, const struct policy_register *reg,
                       const struct record *before, const char *state_after, json_t *given,
                       json_t *merged, struct strbuf *err);
/*
 * A policy apply that names its review (record id as text): the review must be a policy_review
 * record decided (its approval given), for this very version (its draft is np's SHA-256), and
 * its effective_from day must have come. Without a review, a ward whose profile has a review
 * case (policy_review.decide) takes a new version only as an emergency (emergency: the reason,
 * recorded in the entry's public info, to be confirmed by a review); the first profile (init)
 * and a profile without a review case need neither. Refuses the act otherwise.
 */
int act_check_review(struct act_state *s, const char *review, const char *emergency,
                     const struct profile *np, struct strbuf *err);
int act_check_actor_in(struct act_state *s, const struct policy_action *a, json_t *merged,
                       json_t *act_vals, struct strbuf *err);

/* act-org.c */
int act_org(struct act_state *s, struct strbuf *err);
/* act-user.c: user.add, user.suspend, user.update, user.retire, user.activate, user.passwd. */
int act_user(struct act_state *s, struct strbuf *err);
/* act-people.c: role.grant, role.revoke, user.move. */
int act_people(struct act_state *s, struct strbuf *err);
/* Shared by act-org.c and act-people.c. */
const char *act_field(const struct act_input *in, const char *key);
void act_record_fields(struct act_state *s); /* the act's fields as what it recorded */
struct query;
/* Runs a write of the act to its end: 0, or a negative errno with err saying what failed. */
int act_step_done(struct act_state *s, struct query *q, const char *what, struct strbuf *err);
int act_grant_role(struct act_state *s, int64_t user_id, const char *role, const char *scope,
                   int64_t start_ms, int64_t end_ms, struct strbuf *err);
int act_count_active_admins(struct act_state *s, int64_t *ret, struct strbuf *err);
const char *act_empty_null(const char *v); /* "" (a blank CSV cell) is not given */
int act_check_title_email(const char *title, const char *email, struct strbuf *err);
/* act-identity.c: credentials beyond the password (TOTP) */
int act_identity(struct act_state *s, struct strbuf *err);
/*
 * Suspends (to USER_SUSPENDED) or reinstates (to USER_ACTIVE) the person login as the side
 * effect of a record act (an incident's containment): no administrator needed, the record
 * action was decided. Refuses the act (returns 0 with s refused) for a retired person or the
 * last administrator; nothing to do when the person is in that status already.
 */
int act_user_status_effect(struct act_state *s, const char *login, const char *to,
                           struct strbuf *err);

/* Request lifetime when the profile names none (requests.c). */
#define DOOR_REQUEST_TTL_MS (14LL * 24 * 3600 * 1000)

#endif
