/* decide: asking the policy from the web: decision previews and AuthZEN evaluations. */
#ifndef MAMORI_WEB_DECIDE_H
#define MAMORI_WEB_DECIDE_H

#include "core/decide-input.h"
#include "policy/policy.h"
#include "web/web.h"

struct record;

/*
 * Fills in (core/decide-input.h, the one builder the door uses too) for user u doing action
 * on record rec (NULL when the action creates a record: then level, section and system are
 * the new record's). Release it with decide_input_release.
 */
void web_decide_input(struct decide_input *in, const struct web_user *u, const char *action,
                      const struct record *rec, const char *level, const char *section,
                      const char *system);

/*
 * The decision as one sentence for people, in the request's language:
 *   この操作は税務課 セキュリティ責任者の承認が必要です（3(3)③）
 */
void web_decision_sentence(struct web_req *r, const struct decision *d, struct strbuf *out);

/* Appends "税務課 セキュリティ責任者" for an approver of a decision. */
void web_approver_text(struct web_req *r, const struct policy_approver *a, struct strbuf *out);

#endif
