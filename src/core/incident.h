/* incident: the CSIRT's case from first report to recurrence prevention, kept in the profile's
 * incident register and built from its acts (docs/incidents.md). */
#ifndef MAMORI_CORE_INCIDENT_H
#define MAMORI_CORE_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/act.h"
#include "core/history.h"
#include "core/plan.h"
#include "core/records.h"

struct door;
struct store;
struct ledger;
struct profile;
struct reader;
struct json_writer;
struct alert_input;
struct policy_incident_deadline;

/*
 * A case is a record of the register the profile's `incidents` section names (both shipped
 * profiles: `incident`), with these conventions:
 *
 *   fields   title, found_at (RFC 3339), occurred_at, place, description, system, kind,
 *            severity, records and alerts (numbers, space-separated), personal_data (how many
 *            people), sensitive / financial / wrongful (施行規則第43条), urgent, drill (訓練),
 *            owner
 *   statuses the register's states: reported → escalated → received → investigating →
 *            contained → recovered → monitoring → prevention → closed (INCIDENT_STATUSES);
 *            a step to a status is the action whose `to` is that state
 *   actions  report (creates), detect (Mamori creates from an alert), note, assign, classify,
 *            task_add, task_done, link_record, attach_alert, evidence_add (files as the act's
 *            attachments), evidence_handover, report_out (a deadline met), the profile's
 *            containment actions and their undos
 *
 * Every change is an act through the door, decided by the profile; the case's timeline,
 * tasks, evidence, containment and met deadlines are read back from those acts.
 */

/* The statuses a case steps through, in order (the `step` command's STATUS). */
extern const char *const incident_statuses[];
#define INCIDENT_N_STATUSES 9

/* Limits on what a report may carry (STYLE.md: every size a client controls). */
#define INCIDENT_MAX_RECORDS 64          /* records linked by one act */
#define INCIDENT_MAX_PEOPLE  100000000LL /* personal_data */

/* What a person reports. Strings are borrowed for the call; NULL = not given. */
struct incident_report {
	const char *actor;       /* login */
	const char *title;       /* what happened (required) */
	const char *found_at;    /* when it was found (required): RFC 3339, or local time
	                            "YYYY-MM-DDTHH:MM[:SS]" read as Asia/Tokyo */
	const char *occurred_at; /* when it happened, the same forms */
	const char *place, *description, *kind, *severity;
	const char *system;     /* an information system id */
	const int64_t *records; /* records involved: the reporter must be able to read each */
	size_t n_records;
	int64_t personal_data; /* how many people's personal information, -1 = not said */
	bool sensitive, financial, wrongful, urgent, drill;
	struct act_context ctx;
	const struct act_attachment *attachments; /* files handed in with the report */
	size_t n_attachments;
};

/*
 * Reports a case through the door (the register's `report` action). The result is the door's;
 * res->notify says where the report went (the reporter's section's security officer, and for
 * an urgent one whoever the profile adds). Returns 0 (res->outcome says done or refused) or a
 * negative errno-style code with err for input that does not fit (-EINVAL), an unknown actor
 * or record (-ENOENT), a profile without `incidents` (-ENOTSUP).
 */
int incident_report(struct door *d, const struct incident_report *in, struct act_result *res,
                    struct strbuf *err);

/*
 * Steps case id to status (one of incident_statuses) as actor: the action whose `to` is that
 * state. The profile decides who may (a person it never allows is refused with the clause,
 * whatever state the case is in). fields: what the step records (cause, prevention ...).
 * -EINVAL for an unknown status, -ENOENT for no such case.
 */
int incident_step(struct door *d, int64_t id, const char *status, const char *actor,
                  const struct act_attr *fields, size_t n_fields, const char *comment,
                  const struct act_context *ctx, struct act_result *res, struct strbuf *err);

/* The action of the incident register that steps a case to status (NULL if none). */
const char *incident_step_action(const struct profile *p, const char *status);

/*
 * Mamori's own reaction to an alert it raised (core/alert.h calls it): when the profile's
 * incidents.detect names the alert's severity, the alert joins the open case that an alert of
 * the same rule and host opened within detect.within, or opens a new case (incident.detect,
 * state escalated); either way the alert is tied to the case (alert.link_incident). All as the
 * alert's system actor, through the door. *ret_id is the case (0: none, the severity does
 * not open one). It may be called again for the same alert (a restart meeting an alert that
 * has no link): a case that lists the alert already (its `alerts` name it among any other
 * text: "41 42", "41、42", "＃４１"; in any state, a closed one too, as the CSIRT saw the alert
 * in it; but not a person's report still in the state it was filed in, which any staff member
 * may file naming alerts) is only linked to it, and no case lists an alert twice.
 */
int incident_from_alert(struct door *d, int64_t alert_id, const struct alert_input *alert,
                        int64_t *ret_id, struct strbuf *err);

/* A time a person typed: RFC 3339, or local "YYYY-MM-DDTHH:MM[:SS]" read as Asia/Tokyo. */
int incident_parse_time(const char *s, int64_t *ret_ms);

/* ---- reading a case -------------------------------------------------------------------- */

struct incident_event {
	int64_t act_id, at_ms;
	char *actor;      /* login, or "system:monitor" */
	char *actor_name; /* display name, NULL for Mamori */
	char *action;     /* "incident.escalate", "request.approve" ... */
	char *what;    /* for people (Japanese): the action's name, what it recorded, the comment */
	char *outcome; /* done, pending, refused */
	uint64_t ledger_index;
};

struct incident_deadline {
	const struct policy_incident_deadline *def;
	int64_t due_ms;
	bool done, overdue;
	int64_t done_ms; /* when it was met, 0 if not */
	char *done_by;   /* login */
};

struct incident_evidence {
	int64_t attachment_id;
	char *name, *sha256, *media_type;
	int64_t size, added_ms;
	char *added_by;
	uint64_t ledger_index;
	char *holder; /* who has it now: the last hand-over's receiver, or who took it in */
	size_t n_handovers;
};

struct incident_containment {
	const char *action; /* "cut_off" (the profile's id) */
	const char *name;   /* ネットワークの遮断 */
	char *target;       /* what: the network, the system, the account */
	int64_t since_ms;
	char *by;
	bool in_force; /* not undone since */
	int64_t undone_ms;
};

struct incident {
	struct record rec;
	const char *title;  /* borrowed from rec */
	const char *status; /* the state id */
	const char *status_name;
	const char *severity, *owner, *kind;
	int64_t found_ms, occurred_ms; /* 0 when not given */
	int64_t personal_data;         /* -1 when not said */
	bool drill, urgent, reportable;
	int64_t *records, *alerts;
	size_t n_records, n_alerts;
	struct incident_event *events;
	size_t n_events;
	struct incident_deadline *deadlines;
	size_t n_deadlines;
	struct incident_evidence *evidence;
	size_t n_evidence;
	struct incident_containment *containment;
	size_t n_containment;
	struct plan_task *tasks; /* the case's plan (core/plan.h) */
	size_t n_tasks;
	struct history hist;
};

/*
 * Reads case id on the caller's connection and ledger (a web thread's own; the CLI's door).
 * The caller has decided that the reader may read it (read_record). now_ms decides which
 * deadlines are overdue. -ENOENT when there is no such case.
 */
int incident_get(struct store *st, struct ledger *lg, const struct profile *p, int64_t id,
                 int64_t now_ms, struct incident *ret, struct strbuf *err);
void incident_release(struct incident *inc);

/* Whether a case's record makes it reportable under the profile's criteria. */
bool incident_reportable(const struct profile *p, const struct record *rec);

/*
 * The JSON of a case: {"id","title","status","status_name","severity","kind","drill","urgent",
 * "reportable","found_at","occurred_at","section","system","owner","personal_data","records",
 * "alerts","timeline":[{"time","actor","actor_name","what","action","outcome","ledger_index"}],
 * "deadlines":[{"kind","name","due","done","done_at","overdue"}],"evidence":[{"name","sha256",
 * "size","ledger_index","added_at","added_by","holder","handovers"}],"containment":[...],
 * "tasks":[...]}; times RFC 3339 in Asia/Tokyo with the offset.
 */
void incident_json(const struct incident *inc, struct json_writer *w);

/* ---- lists and the dashboard ----------------------------------------------------------- */

struct incident_summary {
	int64_t id;
	char *title, *status, *status_name, *severity, *section;
	int64_t found_ms, changed_ms;
	bool drill, urgent, reportable;
	struct incident_deadline *deadlines; /* the open ones first */
	size_t n_deadlines;
	bool overdue; /* a deadline not met is past due */
};

struct incident_list {
	struct incident_summary *items;
	size_t nr, alloc;
};

struct incident_filter {
	const char *status; /* NULL: any */
	bool open_only;     /* not closed */
	bool drills;        /* include exercises (訓練); real statistics leave them out */
	bool drills_only;
	int64_t limit; /* 0: every one */
};

/* The cases reader may read (the one read decision), newest first. */
int incidents_list(struct store *st, const struct reader *rd, const struct profile *p,
                   const struct incident_filter *f, int64_t now_ms, struct incident_list *ret,
                   struct strbuf *err);
void incident_list_release(struct incident_list *l);
/* The summary of one case's record (the caller read it as someone who may), its deadlines as
 * of now_ms. Release it with incident_summary_release (also on error). */
int incident_summarize(struct store *st, const struct profile *p, const struct record *rec,
                       int64_t now_ms, struct incident_summary *ret, struct strbuf *err);
void incident_summary_release(struct incident_summary *s);
/* {"id","title","status","status_name","severity","found_at","drill","urgent","reportable",
 *  "overdue","deadlines":[...]} */
void incident_summary_json(const struct incident_summary *s, struct json_writer *w);
/* A deadline as JSON {"kind","name","due","done","done_at","overdue"}. */
void incident_deadline_json(const struct incident_deadline *dl, struct json_writer *w);

/* ---- evidence export (incident-export.c) ------------------------------------------------ */

/*
 * Writes case id's evidence to dir (created, must not exist or be empty): the files under
 * evidence/ by their own names, the ledger entries that took them in and handed them over and
 * every other act of the case under entries/, a manifest (manifest.json) naming each file's
 * SHA-256 and the entries with their inclusion proofs, and the signed checkpoint they prove
 * against (checkpoint). The door signs a fresh checkpoint first.
 */
int incident_export(struct door *d, int64_t id, const char *dir, struct strbuf *err);

/* What verify found; on -EBADMSG, changed names the file that does not match. */
struct incident_verify_result {
	size_t files, entries;
	uint64_t tree_size;
	char changed[256];
};

/*
 * Checks an export with the data directory's verifier key (the text of ledger.pub): the
 * checkpoint's signature, each file against its SHA-256 and the ledger entry that took it in,
 * each entry's inclusion proof against the checkpoint. Returns 0 when intact, -EBADMSG naming
 * the file that changed (res->changed), -EINVAL for a manifest that cannot be read.
 */
int incident_verify_export(const char *dir, const char *pub, size_t pub_len,
                           struct incident_verify_result *res, struct strbuf *err);

/* The export's manifest, parsed (the fuzzed reader: fuzz/fuzz-incident-manifest.c). */
struct incident_manifest_file {
	char *name, *sha256, *entry; /* entry: the file under entries/ that took it in */
	int64_t size;
	uint64_t ledger_index;
};
struct incident_manifest_entry {
	char *file; /* "entries/123.entry" */
	uint64_t index;
	uint8_t (*proof)[32];
	size_t n_proof;
};
struct incident_manifest {
	int64_t incident;
	char *checkpoint; /* file name */
	uint64_t tree_size;
	struct incident_manifest_file *files;
	size_t n_files;
	struct incident_manifest_entry *entries;
	size_t n_entries;
};
#define INCIDENT_MANIFEST_MAX   (4 << 20) /* bytes */
#define INCIDENT_MANIFEST_MAX_N 10000     /* files or entries */
int incident_manifest_parse(const char *buf, size_t len, struct incident_manifest *ret,
                            struct strbuf *err);
void incident_manifest_release(struct incident_manifest *m);

#endif
