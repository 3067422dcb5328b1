/* fim-duty: a completed check as the tamper-check duties' evidence, recorded through the door. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/fim-internal.h"
#include "core/org.h"
#include "policy/policy.h"

/* The clauses that require checking important files for tampering (clauses.tsv, "fim"). */
static const char *const tamper_clauses[] = { "MIN-5-6-2", "SHJ-5-7-3" };

struct fim_duty_scope {
	const struct policy_duty *duty;
	char *scope;
};

struct fim_duty_plan {
	struct fim_duty_scope *items;
	size_t nr, alloc;
	const char *kind; /* check.kind's value for a tamper check (borrowed from the profile) */
	char *actor;
};

void fim_duty_plan_free(struct fim_duty_plan *plan)
{
	if (!plan)
		return;
	for (size_t i = 0; i < plan->nr; i++)
		free(plan->items[i].scope);
	free(plan->items);
	free(plan->actor);
	free(plan);
}

/*
 * A tamper-check duty: fulfilled by check.record and carrying one of the clauses above, or
 * named tamper-check.
 */
bool fim_is_tamper_duty(const struct policy_duty *du)
{
	if (!du->evidence || strcmp(du->evidence->full_name, "check.record"))
		return false;
	if (!strcmp(du->id, "tamper-check"))
		return true;
	for (unsigned i = 0; i < du->clauses.nr; i++)
		for (size_t k = 0; k < ARRAY_SIZE(tamper_clauses); k++)
			if (!strcmp(du->clauses.items[i]->id, tamper_clauses[k]))
				return true;
	return false;
}

/* check.kind's value that names a tamper check (改ざん), which makes the record this evidence. */
static const char *tamper_kind(const struct profile *p)
{
	const struct policy_register *reg = policy_register(p, "check");
	const struct policy_field *f = reg ? policy_register_field(reg, "kind") : NULL;

	for (unsigned i = 0; f && i < f->n_values; i++)
		if (strstr(f->values[i], "改ざん"))
			return f->values[i];
	return NULL;
}

static bool has_scope(const struct fim_duty_plan *plan, const char *scope)
{
	for (size_t i = 0; i < plan->nr; i++)
		if (!strcmp(plan->items[i].scope, scope))
			return true;
	return false;
}

int fim_duty_plan(struct door *d, const char *actor, const char *scope, const char *system,
                  struct fim_duty_plan **ret, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct fim_duty_plan *plan = xcalloc(1, sizeof(*plan));
	struct strv roles = STRV_INIT;
	struct org_user u = { 0 };
	const char *role = NULL;
	int r;

	(void)system;
	r = org_user_get(door_store(d), actor, &u, err);
	if (r == -ENOENT)
		error_set(err, "no user '%s'", actor);
	if (r == 0)
		r = org_user_roles(door_store(d), u.id, time_now_ms(), &roles, err);
	for (unsigned i = 0; r == 0 && p && i < p->n_duties; i++) {
		const struct policy_duty *du = &p->duties[i];
		if (!fim_is_tamper_duty(du))
			continue;
		role = du->role->id;
		for (size_t k = 0; k < roles.nr; k++) {
			const char *at = strchr(roles.items[k], '@');
			if (!at || (size_t)(at - roles.items[k]) != strlen(role) ||
			    strncmp(roles.items[k], role, strlen(role)))
				continue;
			if (scope && strcmp(at + 1, scope))
				continue;
			if (has_scope(plan, at + 1))
				continue;
			ALLOC_GROW(plan->items, plan->nr, plan->alloc);
			plan->items[plan->nr++] =
			    (struct fim_duty_scope){ .duty = du, .scope = xstrdup(at + 1) };
		}
	}
	plan->kind = p ? tamper_kind(p) : NULL;
	/* A duty whose evidence is typed names its kind itself (profile-format.md, duties). */
	for (size_t i = 0; i < plan->nr; i++)
		for (unsigned k = 0; k < plan->items[i].duty->n_evidence_values; k++)
			if (!strcmp(plan->items[i].duty->evidence_values[k].field->id, "kind") &&
			    plan->items[i].duty->evidence_values[k].n_values)
				plan->kind = plan->items[i].duty->evidence_values[k].values[0];
	if (r == 0 && !role) {
		error_set(err,
		          "the profile has no tamper-check duty (a duty fulfilled by check.record "
		          "for MIN-5-6-2 or SHJ-5-7-3): check without --as");
		r = -ENOENT;
	} else if (r == 0 && !plan->kind) {
		error_set(err,
		          "the profile's check register has no kind for a tamper check (改ざん)");
		r = -ENOENT;
	} else if (r == 0 && plan->nr == 0) {
		error_set(
		    err,
		    "'%s' does not hold the tamper-check duty's role '%s'%s%s: the check would "
		    "fulfil no duty; check without --as, or as the person who owes it",
		    actor, role, scope ? " at " : " anywhere", scope ? scope : "");
		r = -EACCES;
	}
	strv_release(&roles);
	org_user_release(&u);
	if (r < 0) {
		fim_duty_plan_free(plan);
		return r;
	}
	plan->actor = xstrdup(actor);
	*ret = plan;
	return 0;
}

int fim_duty_record(struct door *d, struct fim_duty_plan *plan, int64_t report_id,
                    const char *summary, const struct act_context *ctx,
                    struct fim_check_result *ret, struct strbuf *err)
{
	struct strbuf now = STRBUF_INIT, comment = STRBUF_INIT;
	int r = 0;

	time_format_rfc3339(&now, time_now_ms());
	strbuf_addf(&comment, "mamori fim check（検査結果 %" PRId64 "）", report_id);
	ret->duties = xcalloc(plan->nr ? plan->nr : 1, sizeof(*ret->duties));
	for (size_t i = 0; i < plan->nr && r == 0; i++) {
		const char *scope = plan->items[i].scope;
		const char *sys = !strncmp(scope, "system:", 7) ? scope + 7 : NULL;
		/* The record's system (the register's field 'system') names the duty's scope. */
		struct act_attr f[] = {
			{ "kind", plan->kind },
			{ "result", summary },
			{ "checked_at", now.buf },
		};
		struct act_input in = {
			.kind = ACT_RECORD,
			.actor = plan->actor,
			.action = "check.record",
			.system = sys,
			.fields = f,
			.n_fields = ARRAY_SIZE(f),
			.comment = comment.buf,
			.ctx = *ctx,
		};
		struct fim_duty_act *x = &ret->duties[ret->nr_duties];
		r = act_run(d, &in, &x->act, err);
		if (r == 0) {
			x->duty = xstrdup(plan->items[i].duty->id);
			x->scope = xstrdup(scope);
			ret->nr_duties++;
		}
	}
	strbuf_release(&now);
	strbuf_release(&comment);
	return r;
}

struct may_arg {
	const char *login;
};

static int agent_may_led(struct door *d, void *arg, struct strbuf *err)
{
	const char *login = ((struct may_arg *)arg)->login;
	const struct profile *p = door_profile(d);
	struct strv roles = STRV_INIT;
	struct org_user u = { 0 };
	bool may = false;
	int r = org_user_get(door_store(d), login, &u, err);

	if (r == 0 && strcmp(u.status, USER_ACTIVE))
		r = -EACCES;
	if (r == 0)
		r = org_user_roles(door_store(d), u.id, time_now_ms(), &roles, err);
	for (size_t k = 0; r == 0 && k < roles.nr && !may; k++) {
		const char *at = strchr(roles.items[k], '@');
		size_t n = at ? (size_t)(at - roles.items[k]) : 0;
		if (n == strlen(ROLE_MAMORI_ADMIN) &&
		    !strncmp(roles.items[k], ROLE_MAMORI_ADMIN, n))
			may = true;
		for (unsigned i = 0; p && i < p->n_duties && !may; i++)
			if (fim_is_tamper_duty(&p->duties[i]) &&
			    n == strlen(p->duties[i].role->id) &&
			    !strncmp(roles.items[k], p->duties[i].role->id, n))
				may = true;
	}
	if (r == 0 && !may)
		r = -EACCES;
	if (r == -EACCES || r == -ENOENT) {
		error_set(err,
		          "'%s' may not send file integrity results: the agent's token must be a "
		          "system manager's (the tamper-check duty's role) or an administrator's",
		          login);
		r = -EACCES;
	}
	strv_release(&roles);
	org_user_release(&u);
	return r;
}

/* Called by web workers: reads on the door's connection only with the lead taken. */
int fim_agent_may(struct door *d, const char *login, struct strbuf *err)
{
	struct may_arg a = { .login = login };

	return fim_led(d, agent_may_led, &a, err);
}
