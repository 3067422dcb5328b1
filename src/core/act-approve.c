/* act-approve: the door's record half: approvals, rejections, withdrawals of requests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/act-record-internal.h"
#include "core/decide-input.h"
#include "core/requests.h"
#include "policy/grants.h"
#include "store/query.h"
#include "store/store.h"

/* The applicant≠approver clause when the profile names none for the action (Minato 2(6)①). */
static const char *const sod_fallback_clauses[] = { "MIN-2-6-1", NULL };

static void request_clauses(struct act_state *s, const struct request *q)
{
	size_t i;
	json_t *v;

	json_array_foreach(q->clauses, i, v)
	{
		if (json_is_string(v))
			act_add_clause(s, json_string_value(v));
	}
}

static void separation_clauses(struct act_state *s, const char *action)
{
	const struct policy_action *a = policy_action(s->p, action);
	const struct policy_separation *sep = a ? policy_separation_for_action(s->p, a) : NULL;

	if (sep)
		act_add_clauses(s, &sep->clauses);
	else
		act_add_known_clauses(s, sod_fallback_clauses);
}

static const char *acting_for(const struct act_state *s)
{
	for (size_t i = 0; i < s->in->ctx.n_attrs; i++)
		if (!strcmp(s->in->ctx.attrs[i].key, "acting_for"))
			return s->in->ctx.attrs[i].value;
	return NULL;
}

/*
 * Does the actor hold the slot's role, or stand in for it as the profile's deputy (代決,
 * MIN-2-2-2: context acting_for=ROLE)? *ret_deputy tells which, when given.
 */
static bool holds_slot_as(const struct act_state *s, const struct request_slot *x, bool *ret_deputy)
{
	const char *af = acting_for(s);
	const struct policy_role *r;
	bool deputy;

	if (ret_deputy)
		*ret_deputy = false;
	if (act_actor_holds(s, x->role, x->scope))
		return true;
	if (!af || strcmp(af, x->role) || !(r = policy_role(s->p, x->role)) || !r->deputy)
		return false;
	deputy =
	    act_actor_holds(s, r->deputy->id, x->scope) || act_actor_holds(s, r->deputy->id, "org");
	if (ret_deputy)
		*ret_deputy = deputy;
	return deputy;
}

static bool holds_slot(const struct act_state *s, const struct request_slot *x)
{
	return holds_slot_as(s, x, NULL);
}

/* Common checks of approve and reject: returns the request, or refuses. */
static int open_request(struct act_state *s, struct request *q, struct strbuf *err)
{
	struct strbuf when = STRBUF_INIT;
	int r;

	r = request_get(s->door->st, s->in->request_id, q, err);
	if (r < 0)
		return r;
	s->request_id = q->id;
	s->record_id = q->record_id;
	s->action = xstrdup(q->action);
	s->subject = core_subject(q->register_id, q->record_id);
	request_clauses(s, q);
	if (strcmp(q->state, "pending")) {
		act_refuse(s, "request %lld is already %s", (long long)q->id, q->state);
		s->reason = "decided";
		return 0;
	}
	if (s->now >= q->expires_ms) {
		time_format_local(&when, q->expires_ms, TOKYO_OFFSET_MS);
		act_refuse(s, "request %lld expired at %s; the applicant must ask again",
		           (long long)q->id, when.buf);
		s->reason = "expired";
		strbuf_release(&when);
		s->close_request_id = q->id;
		s->close_request_state = "expired";
		return 0;
	}
	return 0;
}

static void slots_to_result(struct act_state *s, const struct request *q, int just_approved)
{
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct request_slot *x = &q->slots[i];
		act_result_add_approver(s, x->role, x->scope, x->routed_from, x->needs_exception,
		                        x->approved_by || x->seq == just_approved);
	}
}

static int set_request_state(struct act_state *s, int64_t id, const char *state, int64_t decided_by,
                             const char *comment, const char *closed_reason, struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE requests SET state = ?, decided_ms = ?,"
	                            " decided_by = ?, decision_comment = ?, closed_reason = ?"
	                            " WHERE id = ? AND state = 'pending'",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_text(q, 1, state);
	query_bind_int(q, 2, s->now);
	query_bind_int_or_null(q, 3, decided_by);
	query_bind_text(q, 4, comment);
	query_bind_text(q, 5, closed_reason);
	query_bind_int(q, 6, id);
	rc = query_step(q, err);
	query_done(q);
	if (rc != 0)
		return rc;
	if (query_changes(s->door->st) != 1) {
		error_set(err, "request %lld was decided by someone else meanwhile; read it again",
		          (long long)id);
		return -EBUSY;
	}
	return 0;
}

int act_close_request(struct act_state *s, struct strbuf *err)
{
	return set_request_state(s, s->close_request_id, s->close_request_state, 0, NULL,
	                         s->close_request_reason, err);
}

/* Rebuilds the target of a request from what it stored, for applying it. */
static int request_target(struct act_state *s, const struct request *q, struct target *t,
                          struct strbuf *err)
{
	const char *k;
	json_t *v;
	int r;

	t->reg_vals = json_object();
	t->act_vals = json_object();
	t->action = policy_action(s->p, q->action);
	t->reg = t->action ? t->action->reg : NULL;
	if (!t->action) {
		act_refuse(s,
		           "the profile in force no longer has action '%s'; request %lld "
		           "cannot be applied",
		           q->action, (long long)q->id);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_ACTION_REMOVED;
		return 0;
	}
	if (q->record_id) {
		r = record_get(s->door->st, q->record_id, &t->rec, err);
		if (r < 0)
			return r;
	}
	json_object_foreach(q->fields, k, v)
	{
		bool is_action = false;
		const struct policy_field *f = record_find_field(
		    t->reg, t->action->fields, t->action->n_fields, k, &is_action);
		if (f && json_is_string(v)) {
			json_object_set(is_action ? t->act_vals : t->reg_vals, f->id, v);
			if (is_action && policy_register_field(t->reg, f->id))
				json_object_set(t->reg_vals, f->id, v);
		}
	}
	if (q->system && !policy_register_field(t->reg, "system"))
		t->system_owned = xstrdup(q->system);
	return 0;
}

/* Every approver has approved: run the action for the applicant, as approved. */
static int apply_request(struct act_state *s, const struct request *q, struct strbuf *err)
{
	struct target t = { 0 };
	struct org_user applicant = { 0 };
	struct strv roles = STRV_INIT;
	struct decision d;
	int r;

	r = request_target(s, q, &t, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	merge(s, &t);
	if (t.rec.id && t.rec.version != q->record_version) {
		uint64_t bit = 0;
		const struct policy_state *cur = policy_register_state(t.reg, t.rec.state);
		if (cur)
			bit = 1ULL << cur->index;
		if (t.action->from && !(t.action->from & bit)) {
			act_refuse(s,
			           "record %lld changed since request %lld was made (now '%s'); "
			           "the request is cancelled",
			           (long long)t.rec.id, (long long)q->id, t.rec.state);
			s->close_request_id = q->id;
			s->close_request_state = "cancelled";
			s->close_request_reason = REQUEST_CLOSED_RECORD_CHANGED;
			goto out;
		}
	}
	/* The policy may have changed since: decide again, for the applicant, now. */
	r = org_user_get_id(s->door->st, q->applicant, &applicant, err);
	if (r == 0)
		r = org_user_roles(s->door->st, applicant.id, s->now, &roles, err);
	if (r < 0)
		goto out;
	if (strcmp(applicant.status, USER_ACTIVE)) {
		act_refuse(s, "applicant '%s' is %s; request %lld is cancelled", applicant.login,
		           applicant.status, (long long)q->id);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_APPLICANT_INACTIVE;
		goto out;
	}
	r = decide(s, &applicant, &roles, &t, q->context, &d, err);
	if (r < 0)
		goto out;
	if (d.effect == EFFECT_DENY) {
		refuse_deny(s, &d, &t);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_DENIED_NOW;
		goto out;
	}
	/* Another record may have taken a `unique` value (a 管理番号) since the request was
	 * made: two pending requests for one number are not both applied. */
	r = act_check_unique(s, t.reg, t.reg_vals, t.rec.id, err);
	if (r < 0)
		goto out;
	if (s->outcome == ACT_REFUSED) {
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_DUPLICATE;
		goto out;
	}
	json_decref(s->recorded);
	s->recorded = json_deep_copy(t.reg_vals);
	json_object_update(s->recorded, t.act_vals);
	r = apply_change(s, &t, q->applicant, err);
out:
	org_user_release(&applicant);
	strv_release(&roles);
	target_release(&t);
	return r;
}

/* Refuses an approval by the request's applicant; the separation clause first, as the reason. */
static void refuse_self_approval(struct act_state *s, const struct request *q)
{
	const struct policy_action *qa = policy_action(s->p, q->action);

	/* Only a ward whose text forbids 兼務 hears of it (Minato 2(6)①); elsewhere an
	 * approval is by its nature someone else's, and the approval's clause says so. */
	if (qa && policy_separation_for_action(s->p, qa))
		act_refuse(s,
		           "'%s' applied for request %lld and may not approve it: applicant "
		           "and approver must be different people (申請者と承認者の兼務禁止)",
		           s->actor.login, (long long)q->id);
	else
		act_refuse(s,
		           "'%s' applied for request %lld and may not approve it: an approval "
		           "is given by someone other than the applicant",
		           s->actor.login, (long long)q->id);
	s->reason = "self_approval";
	/* The separation clause first: it is why; the request's clauses follow. */
	strv_release(&s->clauses);
	separation_clauses(s, q->action);
	request_clauses(s, q);
}

/*
 * The slot the actor approves, or NULL: none once they approved one of the request's slots
 * (*approved_other). *deputy: they stand in for the slot's role rather than hold it.
 */
static const struct request_slot *pick_slot(const struct act_state *s, const struct request *q,
                                            bool *deputy, bool *approved_other)
{
	const struct request_slot *slot = NULL;

	for (size_t i = 0; i < q->n_slots; i++)
		*approved_other = *approved_other || q->slots[i].approved_by == s->actor.id;
	/* Prefer a slot the actor holds in their own right over one they would stand in for. */
	for (size_t i = 0; i < q->n_slots && !slot; i++)
		if (!q->slots[i].approved_by && !*approved_other &&
		    holds_slot_as(s, &q->slots[i], deputy) && !*deputy)
			slot = &q->slots[i];
	for (size_t i = 0; i < q->n_slots && !slot; i++)
		if (!q->slots[i].approved_by && !*approved_other && holds_slot(s, &q->slots[i]))
			slot = &q->slots[i];
	if (slot)
		holds_slot_as(s, slot, deputy);
	return slot;
}

/* Refuses an actor who holds none of the open slots, naming the approvals still wanted. */
static void refuse_not_approver(struct act_state *s, const struct request *q, bool approved_other)
{
	struct strbuf want = STRBUF_INIT;

	for (size_t i = 0; i < q->n_slots; i++) {
		char *name;
		const struct policy_role *pr;
		if (q->slots[i].approved_by)
			continue;
		name = org_scope_name(s->door->st, q->slots[i].scope);
		pr = policy_role(s->p, q->slots[i].role);
		strbuf_addf(&want, "%s%s%s%s (%s@%s)", want.len ? "、" : "", name ? name : "",
		            name ? " " : "", pr ? pr->name : q->slots[i].role, q->slots[i].role,
		            q->slots[i].scope);
		free(name);
	}
	if (approved_other)
		act_refuse(s,
		           "'%s' has already approved request %lld; the remaining "
		           "approvals need other people: %s",
		           s->actor.login, (long long)q->id, want.buf);
	else
		act_refuse(s, "'%s' cannot approve request %lld: it waits for %s", s->actor.login,
		           (long long)q->id, want.buf);
	s->reason = "not_approver";
	strbuf_release(&want);
}

/* The actor's approval of the slot, written (acting_for: the slot's role for a deputy). */
static int record_approval(struct act_state *s, const struct request *q,
                           const struct request_slot *slot, bool deputy, struct strbuf *err)
{
	struct query *st =
	    query_get(s->door->st,
	              "UPDATE request_approvers SET approved_by = ?, approved_ms = ?,"
	              " acting_for = ? WHERE request_id = ? AND seq = ?"
	              " AND approved_by IS NULL",
	              err);
	int rc;

	if (!st)
		return -EIO;
	query_bind_int(st, 1, s->actor.id);
	query_bind_int(st, 2, s->now);
	query_bind_text(st, 3, deputy ? slot->role : NULL);
	query_bind_int(st, 4, q->id);
	query_bind_int(st, 5, slot->seq);
	rc = query_step(st, err);
	query_done(st);
	return rc;
}

int act_approve(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	const struct request_slot *slot;
	bool approved_other = false, deputy = false;
	size_t waiting = 0;
	int r;

	s->kind_name = "request.approve";
	if (!s->actor.id) {
		error_set(err, "approvals are made by people: give --as LOGIN");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant == s->actor.id) {
		refuse_self_approval(s, &q);
		goto out;
	}
	slot = pick_slot(s, &q, &deputy, &approved_other);
	if (!slot) {
		refuse_not_approver(s, &q, approved_other);
		goto out;
	}
	r = record_approval(s, &q, slot, deputy, err);
	if (r != 0)
		goto out;
	free(s->decision);
	s->decision = xstrfmt("approve:%s@%s", slot->role, slot->scope);
	if (deputy)
		json_object_set_new(s->info, "acting_for", json_string(slot->role));
	slots_to_result(s, &q, slot->seq);
	for (size_t i = 0; i < q.n_slots; i++)
		waiting += !q.slots[i].approved_by && &q.slots[i] != slot;
	if (waiting) {
		s->outcome = ACT_PENDING;
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "approval recorded; request %lld still waits for %zu more",
		            (long long)q.id, waiting);
		goto out;
	}
	r = apply_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	r = set_request_state(s, q.id, "approved", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld approved; %s done on record %lld",
		            (long long)q.id, q.action, (long long)s->record_id);
	}
out:
	request_release(&q);
	return r;
}

int act_reject(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	bool holds = false;
	int r;

	s->kind_name = "request.reject";
	if (!s->actor.id) {
		error_set(err, "rejections are made by people: give --as LOGIN");
		return -EINVAL;
	}
	if (!s->in->comment || !*s->in->comment) {
		error_set(err, "a rejection needs a reason: give --comment TEXT");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant == s->actor.id) {
		act_refuse(s, "'%s' applied for request %lld; only an approver may reject it",
		           s->actor.login, (long long)q.id);
		separation_clauses(s, q.action);
		goto out;
	}
	for (size_t i = 0; i < q.n_slots && !holds; i++)
		holds = !q.slots[i].approved_by && holds_slot(s, &q.slots[i]);
	if (!holds) {
		act_refuse(s, "'%s' is not an approver request %lld waits for", s->actor.login,
		           (long long)q.id);
		goto out;
	}
	r = set_request_state(s, q.id, "rejected", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		free(s->decision);
		s->decision = xstrdup("reject");
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld rejected", (long long)q.id);
		slots_to_result(s, &q, -1);
	}
out:
	request_release(&q);
	return r;
}

/*
 * 取下げ: the applicant takes back a pending request (made by mistake, no longer needed). Only
 * the applicant may; a request already decided, or expired, stays as it is (an expired one is
 * closed as expired). The request's clauses are the act's: the entry says what was withdrawn.
 */
int act_withdraw(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	int r;

	s->kind_name = "request.withdraw";
	if (!s->actor.id) {
		error_set(err, "requests are withdrawn by their applicant: give --as LOGIN");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant != s->actor.id) {
		act_refuse(s,
		           "'%s' did not apply for request %lld; only its applicant '%s' may "
		           "withdraw it",
		           s->actor.login, (long long)q.id, q.applicant_login);
		s->reason = "not_applicant";
		request_clauses(s, &q);
		goto out;
	}
	r = set_request_state(s, q.id, "withdrawn", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		free(s->decision);
		s->decision = xstrdup("withdraw");
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld withdrawn", (long long)q.id);
		slots_to_result(s, &q, -1);
	}
out:
	request_release(&q);
	return r;
}

int act_cancel_requests_of(struct act_state *s, int64_t user_id, const char *reason,
                           struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE requests SET state = 'cancelled', decided_ms = ?,"
	                            " closed_reason = ? WHERE applicant = ?"
	                            " AND state = 'pending'",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_int(q, 1, s->now);
	query_bind_text(q, 2, reason);
	query_bind_int(q, 3, user_id);
	rc = query_step(q, err);
	query_done(q);
	if (rc != 0)
		return rc;
	if (query_changes(s->door->st) > 0)
		json_object_set_new(s->info, "cancelled_requests",
		                    json_integer(query_changes(s->door->st)));
	return 0;
}
