/* decide-input: the one builder of a policy decision request (the door, web pages, AuthZEN). */
#ifndef MAMORI_CORE_DECIDE_INPUT_H
#define MAMORI_CORE_DECIDE_INPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

struct record;

/*
 * A decide_request (in->q, what policy_decide takes) and the arrays it points at. Every role,
 * string field and context entry given is passed on, without a cap, so the door, a page's
 * preview and an AuthZEN answer decide on the same request. Strings are borrowed: the caller
 * keeps the subject, the record, its fields and the context alive while q is used.
 *
 *	struct decide_input in = { 0 };
 *	decide_input_init(&in, "asset.copy");
 *	decide_input_subject(&in, login, roles, n_roles, section, employment);
 *	decide_input_record(&in, &rec);          (or decide_input_resource / _outside)
 *	decide_input_context_json(&in, ctx);     (or decide_input_context_add per entry)
 *	r = policy_decide(p, &in.q, &d, err);
 *	decide_input_release(&in);
 *
 * decide_input_init starts afresh (it does not free: release an input before reusing it); a
 * zeroed decide_input may be released.
 */
struct decide_input {
	struct decide_request q;
	/* private: the arrays q points at */
	struct policy_attr *attrs, *context;
	size_t attrs_alloc, context_alloc;
	char resource_id[24];
};

/* Starts a request for action ("asset.copy", or "copy" with the resource's type). */
void decide_input_init(struct decide_input *in, const char *action);
/* Who asks: login, the role@scope strings in force, section (or NULL) and employment. */
void decide_input_subject(struct decide_input *in, const char *login, const char *const *roles,
                          size_t n_roles, const char *section, const char *employment);
/*
 * What it concerns: a record of register_id (record_id 0: one the act creates), with its state
 * and attributes as they will be after the act, and its fields (string members are decided
 * on; others are skipped; fields may be NULL). An empty state is no state.
 */
void decide_input_resource(struct decide_input *in, const char *register_id, int64_t record_id,
                           const char *state, const char *level, const char *section,
                           const char *system, json_t *fields);
/* One more field of the resource (key=value), after decide_input_resource. */
void decide_input_field_add(struct decide_input *in, const char *key, const char *value);
/* A stored record as it is. */
void decide_input_record(struct decide_input *in, const struct record *rec);
/*
 * Sets q.granted when rec's access grants (its register's grants field, policy/grants.h) name
 * the subject given with decide_input_subject: the subject then acts on this record as its
 * section's staff would (MIN-3-3-1, SHJ-2-4-2-ア). Call after decide_input_subject.
 */
void decide_input_grants(struct decide_input *in, const struct profile *p,
                         const struct record *rec);
/* Something held outside Mamori (AuthZEN), described by its type, id and attributes. */
void decide_input_outside(struct decide_input *in, const char *type, const char *id,
                          const char *state, const char *level, const char *section,
                          const char *system);
/* Policy context: one key=value (channel=internet), or every string member of a JSON object. */
void decide_input_context_add(struct decide_input *in, const char *key, const char *value);
void decide_input_context_json(struct decide_input *in, json_t *obj);
void decide_input_release(struct decide_input *in);

/*
 * The request q as the AuthZEN JSON that policy_request_parse reads back into the same request
 * (subject id/roles/section/employment/granted, action name, resource type/id/level/section/
 * system/state and its fields under "properties", context): the door seals it beside each
 * record act's ledger entry, and `mamori policy replay` decides it again (docs/audits.md).
 * A context key given twice keeps its last value, as policy_decide reads it. A field value longer
 * than DECIDE_REQUEST_MAX_VALUE bytes is left out: rules test enum and bool fields only, whose
 * values are short, so such a value (free text) decides nothing, present or not, and the sealed
 * payload stays small.
 */
#define DECIDE_REQUEST_MAX_VALUE 1024
json_t *decide_request_json(const struct decide_request *q);

#endif
