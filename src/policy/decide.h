/* policy/decide: asking a loaded profile for a decision (decide.c), requests and decisions as
 * AuthZEN JSON (authzen.c). Included by policy/policy.h; the model's types are there. */
#ifndef MAMORI_POLICY_DECIDE_H
#define MAMORI_POLICY_DECIDE_H

#include "policy/policy.h"

/* ---- deciding --------------------------------------------------------------- */

/* A name=value pair of the request (context entries, record attributes). */
struct policy_attr {
	const char *key, *value;
};

/*
 * One request, AuthZEN-shaped. Strings are borrowed; NULL or "" means
 * absent. roles are "role@scope" as assigned: "staff@section:zeimu",
 * "system_manager@system:kokuho", "system_chief@org". Roles the profile
 * does not know are ignored.
 */
struct decide_request {
	const char *subject_id;
	const char *const *roles;
	size_t n_roles;
	const char *subject_section;
	const char *employment;

	const char *action; /* "asset.copy", or "copy" with resource_type "asset" */

	const char *resource_type;
	const char *resource_id;
	const char *level;
	const char *section;
	const char *system;
	const char *state;
	const struct policy_attr *attrs; /* record fields: enum/bool fields of the register */
	size_t n_attrs;

	const struct policy_attr *context; /* channel=internet, device=private, acting_for=ciso */
	size_t n_context;

	/*
	 * The subject matches an access grant of this record (policy/grants.h): for this
	 * decision it holds the role of the register's grants field (`as`) at the record.
	 * Filled by core (the door, the read decision); a JSON request may say "granted".
	 */
	bool granted;
	/*
	 * The openings (policy_opening ids) that open this record to the subject: an audit
	 * assigned to them that names it, an incident reported to their role that links it.
	 * Filled by core's read decision only (a JSON request cannot say it).
	 */
	const char *const *opened;
	size_t n_opened;
};

/* An approver resolved against the request: role at scope kind:value. */
struct policy_approver {
	const struct policy_role *role;
	enum policy_scope_kind scope;
	const char
	    *scope_value; /* section or system id (borrowed from the request); NULL for org */
	struct policy_fallback fallback; /* when the applicant is the only eligible approver */
	bool applicant_holds;            /* the subject holds this role at this scope */
};

enum policy_reason {
	REASON_RULES,           /* decided by the rules listed */
	REASON_NO_RULE,         /* no rule allows: default deny */
	REASON_TYPE_MISMATCH,   /* resource.type is not the action's register */
	REASON_STATE,           /* the action does not start from resource.state */
	REASON_MISSING_LEVEL,   /* a rule needs the record's level and the request gave none */
	REASON_MISSING_CONTEXT, /* the request leaves out context the action requires (missing) */
};

/*
 * A decision. It borrows from the profile and the request: keep both alive
 * while using it. rules (bit i = the i-th rule compiled for the action, see
 * policy_decision_rule()) are the rules that decided and the obligation-only
 * rules that contributed; clauses and obligations come from them
 * (policy_decision_clauses/obligations iterate without allocating).
 */
struct decision {
	enum policy_effect effect; /* ALLOW, APPROVAL or DENY */
	enum policy_reason reason;
	const struct profile *profile;
	const struct policy_action *action;
	uint64_t rules;
	uint64_t obligation_rules; /* rules whose obligations apply */
	bool acting_as_deputy;     /* the subject acted for a role through acting_for */
	const struct policy_role *deputy_for;
	unsigned n_approvers;
	struct policy_approver approvers[POLICY_MAX_APPROVERS];
	const struct policy_separation *separation; /* applicant≠approver constraint, or NULL */
	uint64_t missing;   /* REASON_MISSING_CONTEXT: context keys the request must say */
	uint64_t defaulted; /* context keys decided with the profile's default or session value */
};

/*
 * Decides one request. Pure: no I/O, no allocation unless it fails.
 * Returns 0 and fills *ret; or -ENOENT (unknown action) or -EINVAL (unknown
 * level, state, resource type for a dot-less action; bad role syntax is
 * ignored, not an error) with a message in err (may be NULL).
 */
int policy_decide(const struct profile *p, const struct decide_request *req, struct decision *ret,
                  struct strbuf *err);

/*
 * The record fields (enum or bool) that the rules of action a test, in rule order without
 * duplicates: the attributes of a record its decisions depend on, besides level, section,
 * system and state. Fills at most max into out and returns how many there are.
 */
unsigned policy_action_tested_fields(const struct profile *p, const struct policy_action *a,
                                     const struct policy_field **out, unsigned max);
/* The i-th rule compiled for an action (bit i of decision->rules). */
const struct policy_rule *policy_decision_rule(const struct decision *d, unsigned i);
/* Iterates rule clauses of a decision without duplicates; *iter starts at 0. */
const struct policy_clause *policy_decision_next_clause(const struct decision *d, unsigned *iter);
/* Iterates obligations: the action's required fields first (as one RECORD item), then rules'. */
const struct policy_obligation *policy_decision_next_obligation(const struct decision *d,
                                                                unsigned *iter);
/* The context keys the action's rules read (bit per key); a request must say them or the
 * profile gives a default (policy lint checks this). */
uint64_t policy_action_context_read(const struct profile *p, const struct policy_action *a);
/* The value a decision assumed for context key k (bit k of d->defaulted), or NULL. */
const char *policy_context_assumed(const struct decision *d, unsigned k);
/* A static English explanation of d->reason ("no rule allows this action"). */
const char *policy_reason_text(const struct decision *d);

/*
 * AuthZEN JSON (authzen.c): parses one request line into req, using storage
 * for the strings and arrays it points at (release with
 * policy_request_storage_release). Returns 0 or -EINVAL with err set.
 */
struct policy_request_storage {
	void *json; /* json_t *, while parsing */
	const char **roles;
	struct policy_attr *attrs, *context;
	char **owned; /* strings converted from numbers and booleans, while parsing */
	size_t n_owned;
	void *block; /* after parsing: every string and array of the request, in one allocation */
};
int policy_request_parse(const char *line, size_t len, struct decide_request *req,
                         struct policy_request_storage *st, struct strbuf *err);
void policy_request_storage_release(struct policy_request_storage *st);
/* Appends the decision for request q as one JSON object (no newline). */
void policy_decision_json(const struct decision *d, const struct decide_request *q,
                          struct strbuf *out);

#endif
