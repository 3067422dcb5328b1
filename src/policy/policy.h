/* policy: ward profiles (YAML) loaded into a model, validated, and asked for decisions. */
#ifndef MAMORI_POLICY_POLICY_H
#define MAMORI_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * The model is read-only once loaded: every pointer below stays valid until
 * profile_free(). Strings are NUL-terminated UTF-8; optional ones are NULL
 * when absent. Arrays come as (items, nr). Positions are 1-based line and
 * column in the profile file (0 when not known).
 *
 * Limits (checked when loading, reported as errors): they let decide() keep
 * its sets in 64-bit masks and work without allocating.
 */
#define POLICY_MAX_ROLES            64
#define POLICY_MAX_LEVELS           64
#define POLICY_MAX_EMPLOYMENT       64
#define POLICY_MAX_VALUES           64 /* values of one context key or enum field */
#define POLICY_MAX_STATES           64 /* states of one register */
#define POLICY_MAX_RULES_PER_ACTION 64
#define POLICY_MAX_APPROVERS        8 /* approvers in one decision */
#define POLICY_MAX_CONTEXT_KEYS     32
#define POLICY_MAX_OPENINGS         64 /* `opens` entries of a whole profile */
#define POLICY_MAX_FILE_SIZE        (4 << 20)
/* A text field's value: characters (code points, what people count), not bytes. */
#define POLICY_TEXT_MAX_CHARS 2000

struct profile;
struct policy_register;
struct policy_action;
struct policy_role;
struct policy_attr;

struct policy_pos {
	uint32_t line, col;
};

enum policy_clause_kind {
	CLAUSE_E, /* enforce: block, allow or require approval */
	CLAUSE_R, /* record */
	CLAUSE_M, /* monitor */
	CLAUSE_H, /* human or physical only: a checklist item */
};

struct policy_clause {
	const char *id;   /* "MIN-3-3-3" */
	const char *cite; /* "3(3)③" */
	const char *text; /* short Japanese statement */
	/* `quote`: the clause in the text's own words (as the standard writes it), or NULL */
	const char *quote;
	/* `law`: the law the clause is from when the standard itself does not hold it
	 * ("個人情報の保護に関する法律"): no quote, the checklist says so; or NULL */
	const char *law;
	const char *reason; /* why nothing carries it yet, or NULL */
	/* `iso27001`: the ISO/IEC 27001:2022 Annex A controls it implements ("5.35"), or none */
	const char **annex;
	unsigned n_annex;
	/* given as `iso27001_derived`: derived from the clause's subject and words, not yet
	 * reviewed one by one against the text */
	bool annex_derived;
	/* `actor`: the roles the text names as carrying the clause out (its 主体: "システム管理者
	 * は、…"), or none ("区は、…", or no subject): who answers it in a self-inspection, beside
	 * the roles the profile's duties, rules and approvals give it (core/inspections.c) */
	const struct policy_role **actors;
	unsigned n_actors;
	enum policy_clause_kind kind;
	unsigned index;
	struct policy_pos pos;
};

/* An ISO/IEC 27001:2022 Annex A control: its number, short names and theme (iso27001.c). */
struct policy_annex_control {
	const char *id; /* "5.35" */
	const char *name; /* as JIS Q 27001:2023 names it: "情報セキュリティの独立したレビュー" */
	const char
	    *name_en; /* as ISO/IEC 27001:2022: "Independent review of information security" */
	const char *theme; /* 組織的管理策, 人的管理策, 物理的管理策, 技術的管理策 */
};
/* The 93 controls in their order. */
const struct policy_annex_control *policy_annex_controls(size_t *ret_n);
/* The control numbered id, or NULL. */
const struct policy_annex_control *policy_annex_control(const char *id);

/* A list of clauses cited by one object of the profile. */
struct policy_clauses {
	const struct policy_clause **items;
	unsigned nr;
};

struct policy_criterion {
	const char *id, *text;
};

struct policy_level {
	const char *id;   /* "3", "I", "3A" */
	const char *name; /* "レベル3" */
	const char *definition;
	const struct policy_criterion *criteria;
	unsigned n_criteria;
	unsigned rank; /* 0 = most protected */
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_employment {
	const char *id, *name;
	unsigned index;
	struct policy_pos pos;
};

struct policy_context_key {
	const char *id, *name;
	const char **values;
	unsigned n_values;
	const char **value_names; /* per value: how people name it (値の表示名), else the value */
	int default_value;        /* index of the value assumed when a request omits it; -1 none */
	const char *ward_choice; /* why, when the profile chose something the text does not say */
	unsigned index;
	struct policy_pos pos;
};

enum policy_scope_kind {
	SCOPE_ORG,
	SCOPE_SECTION,
	SCOPE_SYSTEM,
};

struct policy_role {
	const char *id;     /* "security_officer" */
	const char *name;   /* "セキュリティ責任者" */
	const char *holder; /* default holder named by the text, or NULL */
	const char *ward_choice;
	enum policy_scope_kind scope;
	const struct policy_role *deputy; /* acts for this role, or NULL */
	const struct policy_role **includes;
	unsigned n_includes;
	uint64_t implied; /* bit per role index: itself and all it includes, transitively */
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

enum policy_field_type {
	FIELD_TEXT,
	FIELD_INTEGER,
	FIELD_BOOL,
	FIELD_DATE,
	FIELD_DATETIME,
	FIELD_ENUM,
	FIELD_LEVEL,
	FIELD_SECTION,
	FIELD_USER,
	FIELD_REF,
	FIELD_SET,    /* several of `values`, written comma-separated: "a,b" */
	FIELD_GRANTS, /* access grants: "section:ID,user:LOGIN,role:ROLE@SCOPE" */
	FIELD_SYSTEM, /* an information system's id */
	FIELD_CLAUSE, /* a clause id of the profile ("MIN-9-1-3") */
	/* ledger entries of acts, by index, comma-separated ("41,57"): a finding's evidence; the
	 * door checks that an act was ledgered at each */
	FIELD_ENTRIES,
};

struct policy_field {
	const char *id;   /* "transported_at" */
	const char *name; /* "搬送日時" */
	const char *note;
	const char *ward_choice;
	enum policy_field_type type;
	bool required;
	/*
	 * An action's date field with `due: true`: the record stays in the action's `to` state
	 * until that day (返却予定日); past it, it is overdue (core/takeouts.h).
	 */
	bool due;
	/*
	 * `many: true` on a user, section or system field: several, comma-separated
	 * ("kansa-1,kansa-2"). Such a section field is never the record's own section.
	 */
	bool many;
	/*
	 * `unique: true` on a register's text or integer field: no two records of the register
	 * hold the same value (a 管理番号; compared without surrounding spaces, ASCII letters
	 * in either case); the door refuses the second (reason "duplicate").
	 */
	bool unique;
	const char **values; /* FIELD_ENUM, FIELD_SET */
	unsigned n_values;
	/* per value, the clauses it carries (n_values entries), or NULL */
	const struct policy_clauses *value_clauses;
	bool all_values; /* FIELD_SET: a value must hold every one of `values` */
	const struct policy_role *grants_as; /* FIELD_GRANTS: the role a grant confers */
	/*
	 * FIELD_USER `holds: ROLE`: every person the field names holds ROLE (at any scope, or a
	 * role that includes it) when an act gives the field: an audit's team are 監査実施者, the
	 * people with the expertise (MIN-9-1-2). The door refuses, citing the role's clauses.
	 */
	const struct policy_role *holds;
	/*
	 * FIELD_CLAUSE `within: REF.CLAUSES`: the clause lies within the scope the record named by
	 * this register's ref field REF gives in its clause field CLAUSES (one of them, or a clause
	 * under one: MIN-3-4-1 is under MIN-3), when that names any: an audit's findings keep to
	 * the clauses it audits. The door refuses otherwise, citing CLAUSES's clauses.
	 */
	const struct policy_field *within_ref, *within;
	const struct policy_register *ref; /* FIELD_REF: the register referred to */
	/* FIELD_REF `keeps_level`: the record's level is at least the referred record's (a copy
	 * is kept as its original is: MIN-3-4-1); the door checks it */
	bool keeps_level;
	/* FIELD_REF `same_section`: the record belongs to the section of the record it names (a
	 * self-inspection's answers are its section's); the door refuses another section */
	bool same_section;
	/* FIELD_REF `ref_states`: the record it names must be in one of these states (answers
	 * only while the inspection is open); the door checks it. NULL: any state. */
	const char **ref_states;
	unsigned n_ref_states;
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_state {
	const char *id, *name;
	bool former; /* kept for records made under an earlier version: no action leads to it */
	unsigned index;
	struct policy_pos pos;
};

struct policy_action {
	const char *id;        /* "transport" */
	const char *full_name; /* "media.transport" */
	const char *name;      /* "搬送" */
	const char *note;
	const char *ward_choice;
	const struct policy_register *reg;
	uint64_t from;                 /* bit per state index; 0 = any state */
	uint64_t context_required;     /* bit per context key: a request must say it */
	bool read;                     /* a read action (id "read"): never asks for context */
	const struct policy_state *to; /* NULL = state unchanged */
	bool create;
	/*
	 * `actor_in: REF.USERS`: the actor must be one of the people the field USERS of the
	 * record that the ref field REF names (an audit's finding is recorded by its team).
	 */
	const struct policy_field *actor_in_ref, *actor_in_users;
	const struct policy_field *fields; /* what the action itself records */
	unsigned n_fields;
	unsigned index; /* in profile->actions */
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_register {
	const char *id, *name;
	const char **types; /* other resource.type names accepted */
	unsigned n_types;
	const struct policy_field *fields;
	unsigned n_fields;
	const struct policy_state *states;
	unsigned n_states;
	const struct policy_state *initial;
	const struct policy_action **actions;
	unsigned n_actions;
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

/*
 * An opening: the records of one register open other records, or themselves, to people
 * (an audit to its auditor, an incident to the CSIRT). Read rules test it with
 * `opened_by`; core works out, per person and record, which openings apply
 * (decide_request.opened).
 */
struct policy_opening {
	const char *id, *name;
	const struct policy_register *reg;   /* the register whose records open */
	const struct policy_field *to_field; /* a user field naming the person, or */
	const struct policy_role *to_role;   /* whoever holds this role */
	const struct policy_field **records; /* ref or text fields listing record ids */
	unsigned n_records;
	const struct policy_field **registers; /* text or enum fields naming registers */
	unsigned n_registers;
	const struct policy_field **sections; /* section fields: every record of the section */
	unsigned n_sections;
	const struct policy_field **systems; /* system fields: every record of the system */
	unsigned n_systems;
	bool self;                               /* the opening record itself (always, for `to`) */
	const struct policy_field *from, *until; /* date fields: the period (Tokyo days) */
	uint64_t states;                         /* while the record is in these (0: any state) */
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

enum policy_effect {
	EFFECT_NONE = 0, /* a rule that only adds obligations */
	EFFECT_ALLOW,
	EFFECT_APPROVAL,
	EFFECT_DENY,
};

/* Where a role is looked for, relative to the request. */
enum policy_at {
	AT_RECORD, /* the record's section (section roles) or system (system roles); org for org
	              roles */
	AT_ACTOR,  /* the subject's own section */
	AT_ANY,    /* anywhere */
	AT_ORG,    /* the whole organization */
};

struct policy_role_ref {
	const struct policy_role *role;
	enum policy_at at;
};

enum policy_obligation_kind {
	OBLIGATION_RECORD,   /* items: field ids to record */
	OBLIGATION_DISPOSE,  /* items: allowed disposal methods */
	OBLIGATION_WITNESS,  /* role: a different person holding it attends */
	OBLIGATION_ENCRYPT,  /* encrypt in transit or at rest */
	OBLIGATION_MEASURES, /* items: technical measures required */
	OBLIGATION_NOTIFY,   /* role: must be told */
	OBLIGATION_NOTE,     /* text: for people */
};

struct policy_obligation {
	enum policy_obligation_kind kind;
	const char **items;
	unsigned n_items;
	const char **item_names; /* OBLIGATION_RECORD: the fields' Japanese names */
	struct policy_role_ref role;
	const char *text;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

enum policy_section_rel {
	SECTION_ANY,
	SECTION_SAME,
	SECTION_OTHER,
};

/* One rule as written; decide() uses the compiled form (decide.c). */
struct policy_rule {
	const char *id;
	const char *note;
	const char *ward_choice;
	enum policy_effect effect;
	const char **on; /* as written: "asset.copy", "asset.*", "*.read" */
	unsigned n_on;
	const struct policy_role_ref *approvers;
	unsigned n_approvers;
	const struct policy_obligation *obligations;
	unsigned n_obligations;
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

enum policy_sep_kind {
	SEP_APPLICANT_NOT_APPROVER,
	SEP_DISTINCT_PERSONS,
	SEP_EXCLUSIVE_ROLES,
	SEP_INDEPENDENT, /* the people of `persons` hold no place in the sections/systems of `of` */
	SEP_AT_LEAST,    /* `count` or more people hold a duty together (5(1)1)② 複数) */
};

enum policy_fallback_kind {
	FALLBACK_NONE,      /* not stated: the core refuses */
	FALLBACK_EXCEPTION, /* an exception record is required */
	FALLBACK_ROUTE,     /* route the approval to another role */
};

struct policy_fallback {
	enum policy_fallback_kind kind;
	const struct policy_role *route; /* FALLBACK_ROUTE */
};

struct policy_fallback_entry {
	const struct policy_role *approver; /* NULL = default */
	struct policy_fallback fallback;
};

struct policy_separation {
	const char *id;
	const char *note;
	const char *ward_choice;
	enum policy_sep_kind kind;
	bool all_actions; /* SEP_APPLICANT_NOT_APPROVER with actions: all */
	const struct policy_action **actions;
	unsigned n_actions;
	/* SEP_DISTINCT_PERSONS: user fields of one register (fields[i] belongs to field_regs[i]) */
	const struct policy_field **fields;
	const struct policy_register **field_regs;
	unsigned n_fields;
	/*
	 * SEP_INDEPENDENT: fields[] are the user fields (`persons`), of[] section and system fields
	 * of the same register: no such person belongs to one of those sections or holds a role
	 * scoped to one of them or to one of their systems or the systems named.
	 */
	const struct policy_field **of;
	unsigned n_of;
	/* SEP_EXCLUSIVE_ROLES */
	const struct policy_role **roles;
	unsigned n_roles;
	/*
	 * SEP_AT_LEAST: the distinct people fields[0] (`counted`, a user field) names across the
	 * register's records in `state` that agree on every `per` field (of[]) number `count` or
	 * more, or none; only groups whose field `only` holds one of only_values are counted.
	 */
	int64_t count;
	const char *state;
	const struct policy_field *only;
	const char **only_values;
	unsigned n_only_values;
	const struct policy_fallback_entry *fallbacks;
	unsigned n_fallbacks;
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

/* Field values that make an act of the evidence action this duty's evidence: one of them. */
struct policy_evidence_value {
	const struct policy_field *field; /* of the action or its register (enum or bool) */
	const char **values;
	unsigned n_values;
};

struct policy_duty {
	const char *id, *name, *note;
	const char *ward_choice;
	const struct policy_role *role;
	int64_t every_seconds;
	const struct policy_action *evidence;
	const struct policy_evidence_value *evidence_values; /* all must hold */
	unsigned n_evidence_values;
	const struct policy_field
	    *evidence_date; /* when it was done (not in the future), or NULL */
	/* evidence `at: record`: the act's record lies at the duty's scope (its section/system) */
	bool evidence_at_record;
	unsigned index;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_retention {
	const struct policy_register *reg;
	int64_t keep_seconds;
	const char *note;
	const char *ward_choice;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

/*
 * incidents: how the ward handles its incident register (docs/profile-format.md `incidents`,
 * docs/incidents.md). The case's conventions (field and action ids) are core's; the ward's
 * choices live here: when a case must be reported under the law, the deadlines, which
 * containment actions undo which, and which alerts open a case on their own.
 */
struct policy_incident_deadline {
	const char *id; /* "ppc_preliminary": the JSON kind */
	const char *name; /* "個人情報保護委員会への速報": also the value of report_out's field */
	const char *note, *ward_choice;
	bool reportable_only;                 /* `when: reportable` (else `always`) */
	int64_t within_seconds;               /* counted from the case's found_at */
	const struct policy_field *longer_if; /* a bool field of the register, or NULL */
	int64_t longer_seconds;               /* the period when longer_if is true */
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_containment {
	const struct policy_action *action; /* incident.cut_off */
	const struct policy_action *undo;   /* incident.reconnect, or NULL */
	/* a user field of action (and undo): the person is suspended by action, reinstated by
	 * undo, in the same act */
	const struct policy_field *suspends;
	struct policy_pos pos;
};

struct policy_incidents {
	const struct policy_register *reg; /* NULL: the profile declares no `incidents` */
	/* reportable under the law (施行規則第43条): any of these bool fields is true, or the
	 * integer field more_than_field is above more_than */
	const struct policy_field **reportable_any;
	unsigned n_reportable_any;
	const struct policy_field *more_than_field;
	int64_t more_than;
	struct policy_clauses reportable_clauses;
	const struct policy_incident_deadline *deadlines;
	unsigned n_deadlines;
	const struct policy_containment *containment;
	unsigned n_containment;
	/* alerts that open a case (or join one): their severity values; who is told */
	const char **detect_severities;
	unsigned n_detect_severities;
	int64_t detect_within_seconds; /* an alert of the same rule and host joins a case opened
	                                  within this long before */
	const struct policy_role **detect_notify;
	unsigned n_detect_notify;
	struct policy_clauses detect_clauses;
	const char *detect_ward_choice;
	struct policy_pos pos, detect_pos;
};

/*
 * risk: the ward's threat catalogue and how a risk of its risk register is valued
 * (docs/profile-format.md `risk`, docs/risk.md). The register's conventions (field and action
 * ids) are core's (core/risk.h); the ward's choices live here.
 */
struct policy_threat {
	const char *id; /* "unauthorised": what `risk assess --threat` names */
	const char *name; /* 不正アクセス・誤操作による破壊・持出し・改ざん等 */
	const char *note, *ward_choice;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct policy_risk {
	const struct policy_register *reg; /* NULL: the profile declares no `risk` */
	const struct policy_threat *threats;
	unsigned n_threats;
	int64_t likelihood_max, impact_max; /* the scales: 1..max each (default 5) */
	/* a residual above this is accepted by the org role the rules name (default 15) */
	int64_t accept_up_to;
	/* how far a measure that counts lowers the likelihood, by its clause's strength */
	int64_t reduce_enforced, reduce_recorded, reduce_monitored;
	const char *ward_choice;
	struct policy_clauses clauses;
	struct policy_pos pos;
};

struct profile {
	const char *id, *title, *municipality;
	const char *source_document, *source_revision, *effective, *note;
	const char *file;    /* name given when loading, for messages */
	char sha256_hex[65]; /* of the file's bytes: the profile's version */
	unsigned char sha256[32];

	const struct policy_clause *clauses;
	unsigned n_clauses;
	const struct policy_level *levels; /* most protected first */
	unsigned n_levels;
	const struct policy_employment *employment;
	unsigned n_employment;
	const struct policy_context_key *context_keys;
	unsigned n_context_keys;
	/* session: what a read assumes for each context key (value index, -1 none) */
	const int *session_values;
	const char *session_ward_choice;
	const struct policy_role *roles;
	unsigned n_roles;
	const struct policy_register *registers;
	unsigned n_registers;
	const struct policy_action **actions; /* every action of every register */
	unsigned n_actions;
	const struct policy_rule *rules;
	unsigned n_rules;
	const struct policy_separation *separation;
	unsigned n_separation;
	const struct policy_duty *duties;
	unsigned n_duties;
	const struct policy_retention *retention;
	unsigned n_retention;
	const struct policy_opening *openings;
	unsigned n_openings;
	/* requests: how long an approval request waits before it expires (0 = not set). */
	int64_t request_expire_seconds;
	const char *request_note;
	const char *request_ward_choice;
	struct policy_incidents incidents;
	struct policy_risk risk;

	struct profile_private *priv; /* indexes, arena (profile.c, compile.c, decide.c) */
};

/* ---- loading ------------------------------------------------------------ */

enum policy_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

struct policy_diag {
	enum policy_severity severity;
	struct policy_pos pos;
	char *msg; /* "unknown role 'auditer' (did you mean 'auditor'?)" */
};

/*
 * The ward's detectors for a profile (core/coverage.h coverage_watches_fn): lint's coverage
 * warnings count a clause a detector watches as monitored, as `policy coverage` does.
 */
struct policy_watch;
typedef void (*policy_watches_fn)(const struct profile *p, void *ctx,
                                  const struct policy_watch **ret, unsigned *ret_n);

/* Everything a load or lint found, in file order. */
struct policy_diags {
	struct policy_diag *items;
	size_t nr, alloc;
	unsigned errors, warnings;
	policy_watches_fn watches; /* optional, set by the caller of profile_lint_buffer */
	void *watches_ctx;
};
void policy_diags_release(struct policy_diags *d);
/* Appends "FILE:LINE:COL: error: MSG\n" for each diagnostic. */
void policy_diags_format(const struct policy_diags *d, const char *file, struct strbuf *out);

/*
 * Parses and validates a profile. On success (no errors; warnings allowed)
 * stores the profile in *ret and returns 0. On failure returns -EINVAL (or
 * -ENOMEM, -EFBIG over POLICY_MAX_FILE_SIZE, -errno for I/O) and puts the
 * first error, as "FILE:LINE:COL: MSG", plus a count of the others, in err.
 * name is used in messages and kept in profile->file.
 */
int profile_load_buffer(const char *name, const char *data, size_t len, struct profile **ret,
                        struct strbuf *err);
int profile_load_file(const char *path, struct profile **ret, struct strbuf *err);
/*
 * Resolves a profile argument: a path to a file (anything containing '/' or
 * ending in .yaml/.yml), or the id of a shipped profile ("minato",
 * "shinjuku"), which is embedded in the binary.
 */
int profile_load_named(const char *name_or_path, struct profile **ret, struct strbuf *err);
/* Like profile_load_buffer, but keeps every diagnostic; *ret may be NULL. */
int profile_lint_buffer(const char *name, const char *data, size_t len, struct policy_diags *diags,
                        struct profile **ret);
void profile_free(struct profile *p);
static inline const char *profile_sha256_hex(const struct profile *p)
{
	return p->sha256_hex;
}

/* The shipped profiles, embedded at build time (ids in the order shipped). */
struct policy_builtin {
	const char *id;
	const char *file; /* "policies/minato.yaml" */
	const char *data;
	size_t len;
};
extern const struct policy_builtin policy_builtins[];
extern const unsigned policy_builtins_nr;

/* ---- lookups (NULL when absent; names need not be NUL-terminated) -------- */

const struct policy_clause *policy_clause(const struct profile *p, const char *id);
const struct policy_level *policy_level(const struct profile *p, const char *id);
const struct policy_role *policy_role(const struct profile *p, const char *id);
const struct policy_role *policy_role_n(const struct profile *p, const char *id, size_t len);
const struct policy_employment *policy_employment_kind(const struct profile *p, const char *id);
const struct policy_context_key *policy_context_key(const struct profile *p, const char *id);
const struct policy_register *policy_register(const struct profile *p, const char *id);
/* "media.transport" */
const struct policy_action *policy_action(const struct profile *p, const char *full_name);
const struct policy_action *policy_register_action(const struct policy_register *r, const char *id);
const struct policy_field *policy_register_field(const struct policy_register *r, const char *id);
const struct policy_field *policy_action_field(const struct policy_action *a, const char *id);
/*
 * The items of a list value (a `many` field: "kansa-1,kansa-2", "zeimu、kumin"): each call
 * gives the next item as [*ret_item, *ret_item + *ret_len); false at the end.
 */
bool policy_list_next(const char **cursor, const char **ret_item, size_t *ret_len);
/* Whether the list value holds item (list may be NULL). */
bool policy_list_has(const char *list, const char *item);
const struct policy_state *policy_register_state(const struct policy_register *r, const char *id);
const struct policy_rule *policy_rule(const struct profile *p, const char *id);
/* The roles a rule's `when` asks the actor to hold (a bit per role index); 0 when it names none. */
uint64_t policy_rule_actor_roles(const struct profile *p, const struct policy_rule *r);
/* Whether rule r applies to action a (its `on`: "asset.copy", "asset.*", "*.read"). */
bool policy_rule_on(const struct policy_rule *r, const struct policy_action *a);
const struct policy_duty *policy_duty(const struct profile *p, const char *id);
const struct policy_opening *policy_opening(const struct profile *p, const char *id);
/* A threat of the profile's risk catalogue (load-risk.c). */
const struct policy_threat *policy_threat(const struct profile *p, const char *id);
const struct policy_retention *policy_retention_for(const struct profile *p,
                                                    const struct policy_register *r);
/* Constraints of kind SEP_APPLICANT_NOT_APPROVER covering action a (NULL if none). */
const struct policy_separation *policy_separation_for_action(const struct profile *p,
                                                             const struct policy_action *a);
/* The fallback for approver role r under constraint s (default entry if none matches). */
struct policy_fallback policy_separation_fallback(const struct policy_separation *s,
                                                  const struct policy_role *r);
/*
 * Whether a duty's evidence is its own: no other duty's evidence could be the same act
 * (another duty on the same action without a field value that tells them apart).
 */
bool policy_duty_typed(const struct profile *p, const struct policy_duty *du);
/* Whether an act's recorded values (field id → value) meet the duty's evidence values. */
bool policy_duty_evidence_matches(const struct policy_duty *du, const struct policy_attr *vals,
                                  size_t n);
/*
 * The roles (bit per role index) a ward should make log in with a second factor: the
 * ward-wide ones (scope org) and the approvers of its most protected level (レベル3,
 * 重要性分類Ⅰ). mamori doctor compares them with mamori.conf's [totp] roles.
 */
uint64_t policy_roles_second_factor(const struct profile *p);
/* True when holding both roles is forbidden; *ret_sep names the constraint. */
bool policy_roles_exclusive(const struct profile *p, const struct policy_role *a,
                            const struct policy_role *b, const struct policy_separation **ret_sep);
/* Checks one value against a field's type ("2026-04-01" for date ...). */
int policy_field_check(const struct profile *p, const struct policy_field *f, const char *value,
                       struct strbuf *err);
const char *policy_field_type_name(enum policy_field_type t);
const char *policy_effect_name(enum policy_effect e);
const char *policy_scope_kind_name(enum policy_scope_kind k);
const char *policy_obligation_kind_name(enum policy_obligation_kind k);

/* Deciding (policy/decide.h) and coverage (policy/coverage.h) have headers of their own;
 * including this one brings them. */
#include "policy/decide.h"
#include "policy/coverage.h"

#endif
