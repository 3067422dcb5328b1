/* act: the one door; every change of Mamori's state passes through act_run(). */
#ifndef MAMORI_CORE_ACT_H
#define MAMORI_CORE_ACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/fmtargs.h"
#include "base/strbuf.h"

struct ledger;
struct profile;
struct store;

/*
 * The door (ARCHITECTURE.md "The one door"). In one store transaction it
 *   1. loads the actor (refusing a suspended or retired one: MIN-5-5-6-2) and the record,
 *   2. asks the profile in force for a decision,
 *   3. checks separation of duties per person (applicant ≠ approver, executor ≠ witness,
 *      exclusive roles), routing to the fallback the profile names,
 *   4. applies the change, or creates a request, or refuses,
 *   5. appends exactly one ledger entry (refusals too), naming the actor, the OS user or
 *      client, the decision, its clauses and the profile's SHA-256,
 *   6. commits.
 * Nothing else writes the domain tables (src/core/guard.c enforces it).
 *
 * A door is safe to use from several threads: concurrent acts are group-committed (each
 * in its own savepoint, one durable commit for the batch), and act_run returns only once
 * its act is durable.
 */
struct door;

enum door_flags {
	DOOR_READONLY = 1 << 0, /* for readers: act_run refuses */
	DOOR_BOOTSTRAP =
	    1 << 1, /* init: open without a profile in force (the first act applies one) */
	DOOR_CHECKPOINTER = 1 << 2, /* a long-running door (serve): its write-ahead log is
	                               checkpointed by a thread of its own, off the commits */
};

/*
 * Opens the data directory's store, loads the profile in force from it and opens the
 * ledger. Returns 0, or a negative errno-style code with a message in err (-ENOENT: no
 * data directory or no profile yet; -EPROTO: a stored profile that no longer loads).
 */
int door_open(const char *dir, unsigned flags, struct door **ret, struct strbuf *err);
void door_free(struct door *d);
/*
 * Signs a ledger checkpoint for what the door committed, when the data directory holds
 * the signing key and anything was appended since the last one. door_free does it too.
 */
int door_checkpoint(struct door *d, struct strbuf *err);
/*
 * A DOOR_CHECKPOINTER door whose checkpointer could not write or sync the database file has
 * stopped for good: every act fails with -EIO and the reason, and the write-ahead log, which
 * still holds what the file may have lost, is never checkpointed again by the door (nor when
 * it closes). Returns that -EIO with the reason in why (why may be NULL), or 0. The process
 * must not go on checkpointing the same database: `mamori serve` stops (web/http-serve.c), and
 * the next start recovers from the log.
 */
int door_failed(struct door *d, struct strbuf *why);
/* Replaces the clock (ms since the epoch) for tests of expiry and role periods. */
void door_set_clock(struct door *d, int64_t (*clock)(void));
/* The profile in force (replaced by ACT_POLICY_APPLY) and the store, for reads. */
const struct profile *door_profile(struct door *d);
struct store *door_store(struct door *d);
const char *door_dir(struct door *d);
/* The ledger, for reading entries and proofs (appending is the door's). */
struct ledger *door_ledger(struct door *d);

/* What an act does. Organization and system acts use target and fields as listed. */
enum act_kind {
	ACT_RECORD,        /* action (register.action) on record_id, or creating one */
	ACT_APPROVE,       /* approve request_id; when every approver has, the action is applied */
	ACT_REJECT,        /* reject request_id; comment is required */
	ACT_SECTION_ADD,   /* target: section id; fields: name, parent */
	ACT_SYSTEM_ADD,    /* target: system id; fields: name, section */
	ACT_USER_ADD,      /* target: login; fields: name, section, employment, title, email;
	                      secret: password */
	ACT_USER_SUSPEND,  /* target: login */
	ACT_USER_RETIRE,   /* target: login */
	ACT_USER_ACTIVATE, /* target: login (a suspended one) */
	ACT_USER_PASSWD,   /* target: login; secret: the new password; fields: must_change=1 */
	ACT_ROLE_GRANT,    /* target: login; fields: role (role@scope), from, until (YYYY-MM-DD) */
	ACT_ROLE_REVOKE,   /* target: login; fields: role (role@scope), until (YYYY-MM-DD: the last
	                      day held, today or later; absent: ends now) */
	ACT_POLICY_APPLY,  /* blob: the profile's YAML; fields: name (file name) */
	ACT_DUTY_DONE,     /* target: duty id; fields: scope, evidence, evidence_sha256, done_on
	                      (YYYY-MM-DD, not in the future; default today) */
	ACT_BACKUP,        /* fields: file, sha256, bytes: a backup was taken (backup.c) */
	ACT_WITHDRAW,      /* the applicant withdraws request_id (取下げ); comment optional */
	ACT_USER_UPDATE,   /* target: login; fields: name, title (職名), email ("" clears) */
	ACT_ATTACH,        /* target: the owner ("record:12", "request:5", "duty:ID@SCOPE");
	                      attachments: the files (core/attach.h) */
	ACT_TOTP_ENROL,    /* target: login (the actor themself); blob: the sealed secret;
	                      fields: recovery (x10, hex SHA-256 of each code) */
	ACT_TOTP_RESET,    /* target: login; an administrator removes the authenticator */
	ACT_TOKEN_ISSUE,   /* target: login (whose rights the token carries); fields: label,
	                      scope ("api" | "logs"); blob: the token's hex SHA-256 (64 bytes,
	                      auth/token.h), never ledgered; result: token_id */
	ACT_TOKEN_REVOKE,  /* target: the token's number ("12") */
	ACT_USER_MOVE, /* 人事異動: target: login; fields: section (id), title (職名; "" clears,
	                  absent keeps), from (YYYY-MM-DD: a later day keeps the move for that
	                  day in user_moves, replacing one kept before; absent or today: at
	                  once); or scheduled (a kept move's number, its day come: applied) */
	ACT_USER_MOVE_CANCEL, /* target: login: the move dated ahead kept for them is called off
	                         (an administrator's, like the move); records its section, title
	                         and day */
};

/* A file an act adds: a blob attach_put stored (strings borrowed for the call). */
struct act_attachment {
	const char *sha256;     /* lowercase hex */
	int64_t size;           /* bytes */
	const char *name;       /* the file name people gave */
	const char *media_type; /* what attach_put found */
};

/* A key=value pair; both strings are borrowed for the call. */
struct act_attr {
	const char *key;
	const char *value;
};

/*
 * Where the act comes from. via is "cli", "web", "api", "scheduler" or "init"; os_user
 * is the OS account running the CLI; remote the client address of the web or API.
 * attrs is the policy context of the decision: channel=internet, device=private,
 * acting_for=ciso (a deputy acting for the holder, MIN-2-2-2).
 */
struct act_context {
	const char *via;
	const char *os_user;
	const char *remote;
	const struct act_attr *attrs;
	size_t n_attrs;
};

/*
 * One act. Strings are borrowed for the duration of act_run. actor is a login; NULL
 * means Mamori itself and is accepted only while bootstrapping (via "init", before
 * anyone holds mamori_admin).
 *
 * ACT_RECORD: action is "register.action". With record_id 0 the action must create the
 * record (or action may be NULL and register_id names the register: its create action is
 * used); level, section and system are the new record's. fields are register fields
 * (stored in the record) and the action's own fields (recorded with the act: 搬送日時 ...),
 * validated against the profile's types. expect_version, when not 0, refuses the act if
 * the record changed since the caller read it.
 */
struct act_input {
	enum act_kind kind;
	const char *actor;
	/*
	 * A part of Mamori acting on its own instead of a person (actor NULL): one of the
	 * ACT_SYSTEM_* names. It may only do the actions act_system_may() lists (raising an
	 * alert, recording the daily log analysis); the door allows them itself (no person's
	 * role is involved) and ledgers them as actor "system:<name>", via "<name>".
	 */
	const char *system_actor;
	const char *action;
	int64_t record_id;
	const char *register_id;
	const char *level;
	const char *section;
	const char *system;
	int64_t request_id;
	const char *target;
	const struct act_attr *fields;
	size_t n_fields;
	const char *comment;
	const char *secret; /* a password: hashed by the door, never stored or ledgered as is */
	const void *blob;
	size_t blob_len;
	int64_t expect_version;
	struct act_context ctx;
	/*
	 * Files the act adds (core/attach.h): stored first with attach_put, then named here.
	 * ACT_RECORD adds them to the record (or to the request it creates), ACT_APPROVE,
	 * ACT_REJECT and ACT_WITHDRAW to the request, ACT_DUTY_DONE to the duty where it is owed,
	 * ACT_ATTACH to its target. Other kinds take none (-EINVAL).
	 */
	const struct act_attachment *attachments;
	size_t n_attachments;
	/*
	 * Set by core/risk.c only: the values Mamori computes (inherent, residual, band, what an
	 * acceptance accepted) are its own. The profile's risk register takes no act without it.
	 */
	bool risk_computed;
	/*
	 * With check_identity: the caller authenticated the actor (an API token, its person and
	 * their roles) at identity_stamp (core/identity.h) and has not read it again since. The
	 * door reads the stamp in the act's own transaction first: when it moved (a user, role or
	 * token changed since, by any process), nothing is done and act_run returns -EKEYEXPIRED,
	 * for the caller to authenticate afresh (web_act; the API's acts, issue 17).
	 */
	bool check_identity;
	int64_t identity_stamp;
	/*
	 * When act_run fails, keep the error's message id and arguments in the result
	 * (act_result.detail_fmt): the caller then releases the result whatever act_run returned.
	 */
	bool error_detail;
};

enum act_outcome {
	ACT_DONE = 0, /* applied */
	ACT_PENDING,  /* a request waits for approval (request_id) */
	ACT_REFUSED,  /* refused; nothing changed (except an expired request being closed) */
};

/* Who is asked to approve. */
struct act_approver {
	char *role;        /* "security_officer" */
	char *name;        /* "セキュリティ責任者" */
	char *scope;       /* "section:zeimu", "system:kokuho", "org" */
	char *scope_name;  /* "税務課"; NULL for org */
	char *routed_from; /* "system_chief@org" when the profile's fallback routed it, or NULL */
	bool needs_exception; /* the applicant is the only holder: an exception is needed */
	bool approved;
};

/* Who the profile says must be told of a done or pending act (a `notify` obligation). */
struct act_notify {
	char *role;       /* "security_officer" */
	char *name;       /* "セキュリティ責任者" */
	char *scope;      /* "section:zeimu", "org" */
	char *scope_name; /* "税務課"; NULL for org */
};

/*
 * What happened. Every act_run that returns 0 fills one, whatever the outcome, and the
 * act has a ledger entry (ledger_index). Strings are owned: act_result_release.
 */
struct act_result {
	enum act_outcome outcome;
	int64_t act_id;
	int64_t record_id;  /* the record created or acted on, 0 if none */
	int64_t request_id; /* the request created, approved or rejected, 0 if none */
	int64_t token_id;   /* ACT_TOKEN_ISSUE: the API token created */
	uint64_t ledger_index;
	struct act_approver *approvers;
	size_t n_approvers;
	/* the roles the decision's notify obligations name (none when refused): where a report
	 * goes (incidents: core/incident.h) */
	struct act_notify *notify;
	size_t n_notify;
	char **clauses;
	size_t n_clauses;
	char *profile_sha256;
	char *message; /* for people, Japanese first: "承認待ち…", "拒否: …" */
	/*
	 * act_input.check_identity: the door found the identity stamp unchanged in the act's own
	 * transaction, whatever act_run returns (so what was done or refused was done as that
	 * identity). False when the stamp moved (-EKEYEXPIRED) or act_run failed before reading it.
	 */
	bool identity_checked;
	/*
	 * Why a refusal happened, as a stable code that a front end can put in the reader's
	 * language (NULL when done, pending, or a reason without a code):
	 *   self_approval  the applicant tried to approve their own request (separation of duties)
	 *   not_approver   the actor holds no approver role the request waits for
	 *   decided        the request is no longer pending
	 *   expired        the request expired
	 *   inactive       the actor is suspended or retired
	 *   state          the action cannot start from the record's state
	 *   denied         the policy does not allow the action
	 *   missing_fields the action must record fields that were not given
	 *   missing_context the request leaves out context the action needs (which: message)
	 *   not_applicant  only the applicant may withdraw a request
	 *   not_independent an audit team member belongs to, or holds a role over, what it audits
	 *   out_of_scope   a clause field with `within` names a clause outside the referenced
	 *                  record's scope (a finding on a clause its audit does not audit)
	 *   lacks_role     a person a `holds` user field names lacks the role (an audit team
	 *                  member who is no 監査実施者)
	 *   not_named      the actor is not among the people the referenced record names (actor_in)
	 *   duplicate      a `unique` field's value (a 管理番号) is held by another record of the
	 *                  register
	 *   too_few        an `at_least` constraint: the act would leave fewer people holding a
	 *                  duty together than it counts, but not none
	 */
	const char *reason;
	/*
	 * A refusal's message as a message id and its arguments: detail_fmt is the English
	 * printf format message was made from (a string of the door's code, never freed) and
	 * detail_args what it was given, each rendered alone. A front end translates the format
	 * from its catalogue (po/ja.po holds every one: tests/cli/t0007-catalog.sh) and
	 * renders it with fmtargs_render. NULL when the act was not refused.
	 * When act_run fails with an error (bad input: a date that is not one, a value not among
	 * a field's, a required field left out) and the input asked for it (error_detail), they
	 * hold that error's message id and arguments the same way (NULL when the message had
	 * none), and the rest of the result is empty.
	 */
	const char *detail_fmt;
	struct fmtargs detail_args;
};
#define ACT_RESULT_INIT                                                                            \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Runs one act through the door. Returns 0 when the act was decided and recorded (done,
 * pending or refused: see ret->outcome); or, when nothing was decided and nothing written,
 * a negative errno-style code with a message in err: -ENOENT (unknown actor, record,
 * request, register or action), -EINVAL (invalid input: a field that does not fit its
 * type, an unknown section), -EEXIST (already exists), -EROFS (read-only door), -EPERM (a
 * system actor asked for what it may not do), -EIO, -EBUSY, -ENOSPC (the store).
 */
int act_run(struct door *d, const struct act_input *in, struct act_result *ret, struct strbuf *err);
void act_result_release(struct act_result *r);

/*
 * Runs n acts in one transaction, all or nothing (imports): when every act is done they
 * are committed together; when one fails or is not done (refused, or would wait for
 * approval), nothing is kept and *ret_failed is its index. Returns 0 when all were done;
 * -ECANCELED when an act was not done (res[*ret_failed] says why; the other results are
 * released); or the failing act's error, with err set.
 */
int act_run_all(struct door *d, const struct act_input *in, size_t n, struct act_result *res,
                size_t *ret_failed, struct strbuf *err);

/* "done", "pending", "refused". */
const char *act_outcome_name(enum act_outcome o);
/* The action name an act of this kind is ledgered under ("user.add", "role.grant" ...). */
const char *act_kind_action(enum act_kind k);

/*
 * The CLI's line for a result (no newline):
 *   done
 *   pending: request 12 (承認者: 税務課 セキュリティ責任者)
 *   refused: <why> [MIN-2-6-1]
 */
void act_result_text(const struct act_result *r, struct strbuf *out);
/*
 * {"outcome":"done"|"pending"|"refused","request":N|null,"record":N|null,
 *  "approvers":[{"role","name","scope","scope_name"}],"clauses":[...],
 *  "ledger_index":I,"profile":"<sha256>","message":"..."}
 */
void act_result_json(const struct act_result *r, struct strbuf *out);

/*
 * System actors (act_input.system_actor) and what each may do on its own:
 *   monitor  the log analysis (src/monitor): alert.raise, log_analysis.record
 *   fim      file integrity (src/fim): alert.raise, check.record
 * and both the acts that open an incident from an alert (incident.detect, incident.attach_alert,
 * alert.link_incident).
 * Anything else by a system actor is refused with -EPERM before anything is decided.
 */
#define ACT_SYSTEM_MONITOR "monitor"
#define ACT_SYSTEM_FIM     "fim"
/*
 * Both may also open an incident from an alert and tie the alert to it (core/incident.h):
 * incident.detect, incident.attach_alert, alert.link_incident.
 */
bool act_system_may(const char *system_actor, const char *action);

/* The built-in role of Mamori's own administrators (not a role of the ward's text). */
#define ROLE_MAMORI_ADMIN "mamori_admin"

#endif
