/* inbox: what waits for one person now, gathered from requests, duties, take-outs and
 * incidents through the one read decision. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/core.h"
#include "core/duties.h"
#include "core/inbox.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/personnel.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "core/risk.h"
#include "core/takeouts.h"
#include "policy/policy.h"
#include "store/query.h"

#define DAY_MS (24LL * 3600 * 1000)

static const char *const kind_ids[INBOX_KINDS] = { "approve",  "decided",  "duty",      "takeout",
	                                           "incident", "deadline", "risk_task", "move" };

const char *inbox_kind_id(enum inbox_kind k)
{
	return k < INBOX_KINDS ? kind_ids[k] : "unknown";
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct inbox_item *add(struct inbox *b, enum inbox_kind kind, char *key)
{
	struct inbox_item *it;

	ALLOC_GROW(b->items, b->nr, b->alloc);
	it = &b->items[b->nr++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->key = key;
	b->n_kind[kind]++;
	return it;
}

/* The role a slot waits for that the person holds, directly ("") or as its deputy (the
 * role), else NULL. */
static const char *slot_for(const struct profile *p, const struct strv *roles,
                            const struct request *q)
{
	const char *deputy = NULL;

	for (size_t i = 0; i < q->n_slots; i++) {
		const struct request_slot *x = &q->slots[i];
		const struct policy_role *pr = policy_role(p, x->role);
		if (x->approved_by)
			continue;
		if (org_roles_hold(roles, x->role, x->scope))
			return "";
		if (!deputy && pr && pr->deputy &&
		    (org_roles_hold(roles, pr->deputy->id, x->scope) ||
		     org_roles_hold(roles, pr->deputy->id, "org")))
			deputy = x->role;
	}
	return deputy;
}

static bool approved_a_slot(const struct request *q, int64_t user_id)
{
	for (size_t i = 0; i < q->n_slots; i++)
		if (q->slots[i].approved_by == user_id)
			return true;
	return false;
}

static void request_item(struct inbox *b, struct store *st, const struct profile *p,
                         const struct request *q, enum inbox_kind kind, const char *state)
{
	struct inbox_item *it;

	if (kind == INBOX_APPROVE)
		it = add(b, kind, xstrfmt("approve:%lld", (long long)q->id));
	else
		it = add(b, kind, xstrfmt("decided:%lld:%s", (long long)q->id, state));
	it->request_id = q->id;
	it->record_id = q->record_id;
	it->register_id = dup_or_null(q->register_id);
	it->action = dup_or_null(q->action);
	it->title = request_record_title(st, p, q);
	it->state = xstrdup(state);
	if (kind == INBOX_APPROVE) {
		it->person = request_person_label(q->applicant_name, q->applicant_title);
		it->when_ms = q->created_ms;
	} else {
		it->person = request_person_label(q->decided_name, q->decided_title);
		it->when_ms = q->decided_ms ? q->decided_ms : q->expires_ms;
	}
}

static int collect_requests(struct inbox *b, struct store *st, const struct profile *p,
                            const struct reader *rd, int64_t user_id, int64_t now,
                            struct strbuf *err)
{
	struct strv roles = STRV_INIT;
	struct request_list pending = { 0 }, mine = { 0 };
	struct request_filter fp = { .state = "pending", .now_ms = now };
	struct request_filter fm = { .applicant = user_id, .now_ms = now, .limit = 200 };
	int r;

	r = org_user_roles(st, user_id, now, &roles, err);
	if (r == 0)
		r = requests_list(st, &fp, &pending, err);
	if (r == 0)
		r = requests_list(st, &fm, &mine, err);
	/* Oldest first: the one waiting longest is the first to decide. */
	for (size_t i = pending.nr; r == 0 && i-- > 0;) {
		const struct request *q = &pending.items[i];
		const char *slot;
		if (now >= q->expires_ms || q->applicant == user_id || approved_a_slot(q, user_id))
			continue;
		slot = slot_for(p, &roles, q);
		if (!slot || !read_request(rd, st, q))
			continue;
		request_item(b, st, p, q, INBOX_APPROVE, "pending");
		if (*slot)
			b->items[b->nr - 1].acting_for = xstrdup(slot);
	}
	for (size_t i = 0; r == 0 && i < mine.nr; i++) {
		const struct request *q = &mine.items[i];
		const char *state = request_state_at(q, now);
		int64_t when = q->decided_ms ? q->decided_ms : q->expires_ms;
		/* Withdrawn is the applicant's own doing: nothing to tell them. */
		if (!strcmp(state, "pending") || !strcmp(state, "withdrawn") ||
		    when + INBOX_DECIDED_DAYS * DAY_MS < now)
			continue;
		request_item(b, st, p, q, INBOX_DECIDED, state);
	}
	request_list_release(&pending);
	request_list_release(&mine);
	strv_release(&roles);
	return r;
}

static int collect_duties(struct inbox *b, struct store *st, const struct profile *p,
                          const char *login, int64_t now, struct strbuf *err)
{
	struct duty_list l = { 0 };
	/* on the reader's connection: the door's belongs to its leader (web worker threads) */
	int r = duties_compute_on(st, p, now, &l, err);

	if (r < 0)
		return r;
	duty_list_sort_due(&l);
	for (size_t i = 0; i < l.nr; i++) {
		const struct duty_status *x = &l.items[i];
		struct inbox_item *it;
		if (!strv_has(&x->owed_by, login) ||
		    x->next_due_ms > now + INBOX_DUTY_SOON_DAYS * DAY_MS)
			continue;
		it = add(b, INBOX_DUTY,
		         xstrfmt("duty:%s@%s:%lld:%s", x->duty->id, x->scope,
		                 (long long)x->next_due_ms, x->due ? "overdue" : "due"));
		it->duty_id = xstrdup(x->duty->id);
		it->scope = xstrdup(x->scope);
		it->title = xstrdup(x->duty->name ? x->duty->name : x->duty->id);
		it->state = xstrdup(x->due ? "overdue" : "due");
		it->when_ms = x->next_due_ms;
		it->overdue = x->due;
	}
	duty_list_release(&l);
	return 0;
}

static bool takeout_listed(const struct inbox *b, int64_t record_id)
{
	for (size_t i = 0; i < b->nr; i++)
		if (b->items[i].kind == INBOX_TAKEOUT && b->items[i].record_id == record_id)
			return true;
	return false;
}

static int collect_takeouts(struct inbox *b, struct store *st, const struct profile *p,
                            const struct reader *rd, int64_t user_id, const char *login,
                            int64_t now, struct strbuf *err)
{
	struct takeout_filter fm = { .overdue_only = true, .person = user_id };
	struct takeout_filter fo = { .overdue_only = true, .officer = login };
	const struct takeout_filter *filters[] = { &fm, &fo };
	int r = 0;

	if (!takeouts_defined(p))
		return 0;
	for (size_t k = 0; r == 0 && k < 2; k++) {
		struct takeout_list l = { 0 };
		r = takeouts_list(st, p, rd, filters[k], now, &l, err);
		for (size_t i = 0; r == 0 && i < l.nr; i++) {
			const struct takeout *t = &l.items[i];
			struct inbox_item *it;
			if (takeout_listed(b, t->record_id))
				continue;
			it = add(b, INBOX_TAKEOUT, xstrfmt("takeout:%lld", (long long)t->act_id));
			it->record_id = t->record_id;
			it->register_id = xstrdup(t->register_id);
			it->action = dup_or_null(t->action);
			it->title = dup_or_null(t->title);
			it->state = xstrdup("overdue");
			it->person = dup_or_null(t->taken_by_name ? t->taken_by_name : t->taken_by);
			it->when_ms = t->due_end_ms;
			it->overdue = true;
		}
		takeout_list_release(&l);
	}
	return r;
}

/*
 * The legal deadlines (incidents.deadlines) of case rec not yet met: each is told when it
 * arises and again once it has passed (the key changes).
 */
static int add_deadlines(struct inbox *b, struct store *st, const struct profile *p,
                         const struct record *rec, int64_t now, struct strbuf *err)
{
	struct incident_summary s;
	int r;

	if (rec->register_id == NULL || !p->incidents.reg || !p->incidents.n_deadlines ||
	    strcmp(rec->register_id, p->incidents.reg->id))
		return 0;
	r = incident_summarize(st, p, rec, now, &s, err);
	for (size_t i = 0; r == 0 && i < s.n_deadlines; i++) {
		const struct incident_deadline *dl = &s.deadlines[i];
		struct inbox_item *it;

		if (dl->done)
			continue;
		it = add(b, INBOX_DEADLINE,
		         xstrfmt("deadline:%lld:%s:%s", (long long)rec->id, dl->def->id,
		                 dl->overdue ? "overdue" : "open"));
		it->record_id = rec->id;
		it->register_id = xstrdup(rec->register_id);
		it->title = xstrdup(s.title);
		it->state = xstrdup(rec->state ? rec->state : "");
		it->deadline = xstrdup(dl->def->id);
		it->when_ms = dl->due_ms;
		it->overdue = dl->overdue;
	}
	incident_summary_release(&s);
	return r;
}

/*
 * Incidents reported to a role the person holds: records of a register whose opening names
 * that role (`opens: to: {role: csirt}`), in one of the opening's states other than the
 * register's last (終結: the case is closed).
 */
static int collect_incidents(struct inbox *b, struct store *st, const struct profile *p,
                             const struct reader *rd, int64_t user_id, int64_t now,
                             struct strbuf *err)
{
	struct strv roles = STRV_INIT;
	int r = org_user_roles(st, user_id, now, &roles, err);

	for (unsigned o = 0; r == 0 && o < p->n_openings; o++) {
		const struct policy_opening *op = &p->openings[o];
		const struct policy_register *g = op->reg;
		bool held = false;
		if (!op->to_role || !g || g->n_states < 2)
			continue;
		for (size_t i = 0; i < roles.nr; i++) {
			const char *at = strchr(roles.items[i], '@');
			size_t n = at ? (size_t)(at - roles.items[i]) : strlen(roles.items[i]);
			if (strlen(op->to_role->id) == n &&
			    !strncmp(roles.items[i], op->to_role->id, n))
				held = true;
		}
		for (unsigned s = 0; held && r == 0 && s + 1 < g->n_states; s++) {
			const struct policy_state *state = &g->states[s];
			struct record_query q = { .register_id = g->id,
				                  .state = state->id,
				                  .sort = "id" };
			struct record_page page = { 0 };
			if (op->states && !(op->states & (1ull << state->index)))
				continue;
			r = records_query(st, rd, &q, &page, err);
			for (size_t i = 0; r == 0 && i < page.list.nr; i++) {
				const struct record *rec = &page.list.items[i];
				struct inbox_item *it;
				it = add(
				    b, INBOX_INCIDENT,
				    xstrfmt("incident:%lld:%s", (long long)rec->id, rec->state));
				it->record_id = rec->id;
				it->register_id = xstrdup(rec->register_id);
				it->title = xstrdup(record_title(p, rec));
				it->state = xstrdup(rec->state);
				it->when_ms = rec->changed_ms;
				r = add_deadlines(b, st, p, rec, now, err);
			}
			record_page_release(&page);
		}
	}
	strv_release(&roles);
	return r;
}

/*
 * Tasks of risks' treatment plans assigned to the person and not done (core/risk.h): each told
 * once while open and once more when overdue. The risks are those the person may read.
 */
static int collect_risk_tasks(struct inbox *b, struct door *d, struct store *st,
                              const struct profile *p, const struct reader *rd, const char *login,
                              int64_t now, struct strbuf *err)
{
	struct strv ids = STRV_INIT;
	struct query *q;
	char *action;
	int r;

	if (!p->risk.reg || !policy_register_action(p->risk.reg, "task_add"))
		return 0;
	action = xstrfmt("%s.task_add", p->risk.reg->id);
	r = query_prepare(st,
	                  "SELECT DISTINCT record_id FROM acts WHERE action = ?1 AND outcome = "
	                  "'done' AND json_extract(fields, '$.assignee') = ?2 ORDER BY record_id",
	                  &q, err);
	if (r == 0) {
		query_bind_text(q, 1, action);
		query_bind_text(q, 2, login);
		while ((r = query_step(q, err)) > 0)
			strv_pushf(&ids, "%lld", (long long)query_int(q, 0));
	}
	free(action);
	for (size_t i = 0; r == 0 && i < ids.nr; i++) {
		struct risk rk;
		int64_t id = strtoll(ids.items[i], NULL, 10);

		if (risk_get(d, id, now, &rk, err) < 0) {
			strbuf_reset(err); /* gone, or no longer a risk: nothing waits */
			continue;
		}
		if (!read_record(rd, &rk.rec, NULL)) {
			risk_release(&rk);
			continue;
		}
		for (size_t k = 0; k < rk.n_tasks; k++) {
			const struct plan_task *t = &rk.tasks[k];
			struct inbox_item *it;
			if (t->done || !t->assignee || strcmp(t->assignee, login))
				continue;
			it = add(b, INBOX_RISK_TASK,
			         xstrfmt("risk_task:%lld:%s", (long long)t->act_id,
			                 t->overdue ? "overdue" : "open"));
			it->record_id = rk.rec.id;
			it->register_id = xstrdup(rk.rec.register_id);
			it->title = xstrdup(t->task);
			it->when_ms = t->due_end_ms;
			it->overdue = t->overdue;
		}
		risk_release(&rk);
	}
	strv_release(&ids);
	return r < 0 ? r : 0;
}

/*
 * For an administrator: the 人事異動 dated ahead whose day has come and that the door did not
 * apply (a refusal, or whoever scheduled them no longer an administrator): each told once as it
 * is, again when it changes.
 */
static int collect_moves(struct inbox *b, struct store *st, int64_t user_id, int64_t now,
                         struct strbuf *err)
{
	struct personnel_stuck *v = NULL;
	struct strv roles = STRV_INIT;
	size_t nr = 0;
	int r = org_user_roles(st, user_id, now, &roles, err);

	if (r == 0 && org_roles_hold(&roles, ROLE_MAMORI_ADMIN, "org"))
		r = personnel_stuck_list(st, now, &v, &nr, err);
	strv_release(&roles);
	for (size_t i = 0; r == 0 && i < nr; i++) {
		const char *state = !v[i].refused_index ? "late"
		                    : v[i].by_admin     ? "refused"
		                                        : "refused_not_admin";
		struct inbox_item *it =
		    add(b, INBOX_MOVE, xstrfmt("move:%lld:%s", (long long)v[i].id, state));

		it->state = xstrdup(state);
		it->title = xstrdup(v[i].login);
		it->person = dup_or_null(v[i].person);
		it->by = dup_or_null(v[i].by);
		it->scope = xstrfmt("section:%s", v[i].section);
		it->when_ms = v[i].on_ms;
		it->ledger_index = v[i].refused_index;
		it->overdue = true;
	}
	personnel_stuck_release(v, nr);
	return r < 0 ? r : 0;
}

static int cmp_items(const void *pa, const void *pb)
{
	const struct inbox_item *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	/* Decided requests newest first; everything else the longest waiting first. */
	if (a->when_ms != b->when_ms)
		return (a->when_ms < b->when_ms) == (a->kind != INBOX_DECIDED) ? -1 : 1;
	return strcmp(a->key, b->key);
}

int inbox_collect(struct door *d, struct store *st, const struct reader *rd, int64_t user_id,
                  int64_t now_ms, struct inbox *ret, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct org_user u = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!p) {
		strbuf_addstr(err, "no profile is applied");
		return -ENOENT;
	}
	r = org_user_get_id(st, user_id, &u, err);
	if (r == 0)
		r = collect_requests(ret, st, p, rd, user_id, now_ms, err);
	if (r == 0)
		r = collect_duties(ret, st, p, u.login, now_ms, err);
	if (r == 0)
		r = collect_takeouts(ret, st, p, rd, user_id, u.login, now_ms, err);
	if (r == 0)
		r = collect_incidents(ret, st, p, rd, user_id, now_ms, err);
	if (r == 0)
		r = collect_risk_tasks(ret, d, st, p, rd, u.login, now_ms, err);
	if (r == 0)
		r = collect_moves(ret, st, user_id, now_ms, err);
	org_user_release(&u);
	if (r < 0) {
		inbox_release(ret);
		return r;
	}
	if (ret->nr)
		qsort(ret->items, ret->nr, sizeof(*ret->items), cmp_items);
	for (size_t i = 0; i < ret->nr; i++) {
		const struct inbox_item *it = &ret->items[i];
		if (it->kind == INBOX_APPROVE || it->kind == INBOX_INCIDENT || it->overdue)
			ret->n_urgent++;
	}
	return 0;
}

void inbox_release(struct inbox *b)
{
	for (size_t i = 0; i < b->nr; i++) {
		struct inbox_item *it = &b->items[i];
		free(it->key);
		free(it->register_id);
		free(it->action);
		free(it->title);
		free(it->state);
		free(it->duty_id);
		free(it->scope);
		free(it->person);
		free(it->acting_for);
		free(it->deadline);
		free(it->by);
	}
	free(b->items);
	memset(b, 0, sizeof(*b));
}
