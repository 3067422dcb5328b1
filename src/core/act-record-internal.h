/* act-record-internal: what the door's record files (act-record.c, act-record-check.c,
 * act-record-request.c, act-approve.c) share. */
#ifndef MAMORI_CORE_ACT_RECORD_INTERNAL_H
#define MAMORI_CORE_ACT_RECORD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/act-internal.h"

struct decision;

/* What the door knows about the record an action concerns, old and new. */
struct target {
	const struct policy_register *reg;
	const struct policy_action *action;
	struct record rec; /* the record as stored; id 0 when the action creates it */
	json_t *reg_vals;  /* register fields given with the act */
	json_t *act_vals;  /* the action's own fields given with the act */
	json_t *merged;    /* the record's fields after the act */
	const char *level, *section, *system; /* the record's, after the act (borrowed) */
	char *system_owned;
};

/* act-record.c */
void target_release(struct target *t);
const char *json_str(json_t *o, const char *key);
/* The record after the act: stored fields with the new values over them. */
void merge(struct act_state *s, struct target *t);
/* Writes the change: a new record, or the record with its new fields and state. */
int apply_change(struct act_state *s, struct target *t, int64_t creator, struct strbuf *err);

/* act-record-request.c: the request of an act whose decision asks for approval (d): its row and
 * approvers' slots, and the act pending; or the act refused when an approver has no section or
 * system to be found in. */
int create_request(struct act_state *s, const struct decision *d, struct target *t,
                   struct strbuf *err);

/* act-record-check.c: deciding and checking (each function's comment is there). */
int check_context(struct act_state *s, const struct policy_action *a, const struct act_attr *attrs,
                  size_t n, struct strbuf *err);
int decide_in(struct act_state *s, const struct org_user *subject, const struct strv *roles,
              struct target *t, json_t *ctx_json, bool with_state, struct decision *ret,
              json_t **ret_request, struct strbuf *err);
int decide(struct act_state *s, const struct org_user *subject, const struct strv *roles,
           struct target *t, json_t *ctx_json, struct decision *ret, struct strbuf *err);
void add_decision_clauses(struct act_state *s, const struct decision *d);
void add_rule_ids(struct act_state *s, const struct decision *d);
void refuse_deny(struct act_state *s, const struct decision *d, struct target *t);
int check_obligations(struct act_state *s, const struct decision *d, struct target *t,
                      struct strbuf *err);
bool check_kept_levels(struct act_state *s, struct target *t);
void check_distinct(struct act_state *s, struct target *t);

#endif
