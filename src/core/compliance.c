/* compliance: the per-clause compliance report's figures, from the acts, requests, duties and
 * findings the store keeps and the checkpoint the ledger signed (the figures kept in registers'
 * records, cases, self-inspection answers and risks: compliance-records.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/audits.h"
#include "core/compliance-internal.h"
#include "core/coverage.h"
#include "core/duties.h"
#include "core/org.h"
#include "ledger/ledger.h"
#include "store/query.h"

const char *compliance_kind_ja(enum policy_clause_kind k)
{
	switch (k) {
	case CLAUSE_E:
		return "強制";
	case CLAUSE_R:
		return "記録";
	case CLAUSE_M:
		return "監視";
	case CLAUSE_H:
		return "人の手";
	}
	return "?";
}

const char *compliance_strength_ja(enum policy_strength s)
{
	switch (s) {
	case STRENGTH_NONE:
		return "なし";
	case STRENGTH_NOTED:
		return "注記のみ";
	case STRENGTH_MONITORED:
		return "監視";
	case STRENGTH_RECORDED:
		return "記録";
	case STRENGTH_ENFORCED:
		return "強制";
	}
	return "?";
}

void compliance_chapter(const char *id, struct strbuf *out)
{
	const char *p = strchr(id, '-');

	if (!p) {
		strbuf_addstr(out, id);
		return;
	}
	p++;
	strbuf_add(out, id, (size_t)(p - id) + strcspn(p, "-"));
}

struct compliance_row *row_of(struct compliance_report *r, const char *id)
{
	const struct policy_clause *c = id ? policy_clause(r->p, id) : NULL;

	return c && c->index < r->nr && (!r->want || r->want[c->index]) ? &r->rows[c->index] : NULL;
}

/* Whether some clause asked for is among list (all are asked for without a subset). */
static bool wants_any(const struct compliance_report *r, const struct policy_clauses *list)
{
	for (unsigned k = 0; k < list->nr; k++)
		if (!r->want || (list->items[k]->index < r->nr && r->want[list->items[k]->index]))
			return true;
	return false;
}

/* Counts an item of list l on row x, with its entry (-1: none) and what it is (taken). */
void item_add(struct compliance_row *x, enum compliance_list l, int64_t ledger, char *what)
{
	struct compliance_items *it = &x->items[l];

	ALLOC_GROW(it->v, it->n, it->alloc);
	it->v[it->n].ledger = ledger;
	it->v[it->n].nonconform = false;
	it->v[it->n++].what = what;
}

/* Where a duty is owed, for people: 全庁, a section's or a system's name (else its id). */
void scope_name(struct store *st, const char *scope, struct strbuf *out)
{
	struct org_section sec = { 0 };
	struct org_system sys = { 0 };

	if (!strcmp(scope, "org"))
		strbuf_addstr(out, "全庁");
	else if (!strncmp(scope, "section:", 8) && org_section_get(st, scope + 8, &sec, NULL) == 0)
		strbuf_addstr(out, sec.name);
	else if (!strncmp(scope, "system:", 7) && org_system_get(st, scope + 7, &sys, NULL) == 0)
		strbuf_addstr(out, sys.name);
	else
		strbuf_addstr(out, scope);
	org_section_release(&sec);
	org_system_release(&sys);
}

static int count_acts(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT a.outcome, a.ledger_index, j.value, a.via = 'cli'"
	                      " AND a.actor IS NOT NULL FROM acts a,"
	                      " json_each(a.clauses) j WHERE a.at_ms >= ?1 AND a.at_ms < ?2"
	                      " ORDER BY a.ledger_index",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, rep->from_ms);
	query_bind_int(q, 2, rep->to_ms);
	while ((r = query_step(q, err)) > 0) {
		struct compliance_row *x = row_of(rep, query_text(q, 2));
		const char *outcome = query_text(q, 0);

		if (!x)
			continue;
		x->acts++;
		x->cli_acts += query_int(q, 3) != 0;
		if (outcome && !strcmp(outcome, "refused"))
			x->refusals++;
		if (!query_is_null(q, 1)) {
			ALLOC_GROW(x->ledger, x->n_ledger, x->alloc_ledger);
			x->ledger[x->n_ledger++] = (uint64_t)query_int(q, 1);
			if (query_int(q, 3) != 0) {
				ALLOC_GROW(x->cli_ledger, x->n_cli_ledger, x->alloc_cli_ledger);
				x->cli_ledger[x->n_cli_ledger++] = (uint64_t)query_int(q, 1);
			}
			if (outcome && !strcmp(outcome, "refused")) {
				ALLOC_GROW(x->refused, x->n_refused, x->alloc_refused);
				x->refused[x->n_refused++] = (uint64_t)query_int(q, 1);
			}
		}
	}
	return r < 0 ? r : 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int count_approvals(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	struct query *q;
	int64_t **times = xcalloc(rep->nr ? rep->nr : 1, sizeof(*times));
	size_t *n = xcalloc(rep->nr ? rep->nr : 1, sizeof(*n));
	int r = query_prepare(st,
	                      "SELECT r.decided_ms - r.created_ms, j.value, EXISTS (SELECT 1"
	                      " FROM acts x WHERE x.request_id = r.id AND x.kind ="
	                      " 'request.approve' AND x.outcome <> 'refused' AND x.via = 'cli')"
	                      " FROM requests r, json_each(r.clauses) j WHERE r.state = 'approved'"
	                      " AND r.decided_ms >= ?1 AND r.decided_ms < ?2",
	                      &q, err);

	if (r == 0) {
		query_bind_int(q, 1, rep->from_ms);
		query_bind_int(q, 2, rep->to_ms);
		while ((r = query_step(q, err)) > 0) {
			struct compliance_row *x = row_of(rep, query_text(q, 1));
			size_t i;

			if (!x)
				continue;
			i = (size_t)(x - rep->rows);
			x->cli_approvals += query_int(q, 2) != 0;
			times[i] = xrealloc(times[i], (n[i] + 1) * sizeof(**times));
			times[i][n[i]++] = query_int(q, 0);
		}
	}
	for (size_t i = 0; i < rep->nr; i++) {
		rep->rows[i].approvals = (int64_t)n[i];
		rep->rows[i].approval_median_ms = -1;
		if (n[i]) {
			qsort(times[i], n[i], sizeof(**times), cmp_i64);
			rep->rows[i].approval_median_ms =
			    n[i] % 2 ? times[i][n[i] / 2]
			             : (times[i][n[i] / 2 - 1] + times[i][n[i] / 2]) / 2;
		}
		free(times[i]);
	}
	free(times);
	free(n);
	return r < 0 ? r : 0;
}

/*
 * The entries behind the approvals counted (of each request citing the clause approved in the
 * period, the approving act that approved it: its last, so one entry per approval counted), of
 * them the approvals made from the command line (its last approving act made so), and the open
 * findings counted (the act that recorded each one).
 */
static int figure_entries(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT max(x.ledger_index), j.value, max(CASE WHEN x.via = 'cli'"
	                      " THEN x.ledger_index END) FROM requests r JOIN acts x ON"
	                      " x.request_id = r.id AND x.kind = 'request.approve' AND x.outcome"
	                      " <> 'refused' AND x.ledger_index IS NOT NULL, json_each(r.clauses) j"
	                      " WHERE r.state = 'approved' AND r.decided_ms >= ?1 AND"
	                      " r.decided_ms < ?2 GROUP BY r.id, j.value ORDER BY 1",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, rep->from_ms);
	query_bind_int(q, 2, rep->to_ms);
	while ((r = query_step(q, err)) > 0) {
		struct compliance_row *x = row_of(rep, query_text(q, 1));

		if (!x)
			continue;
		ALLOC_GROW(x->approved, x->n_approved, x->alloc_approved);
		x->approved[x->n_approved++] = (uint64_t)query_int(q, 0);
		if (!query_is_null(q, 2)) {
			ALLOC_GROW(x->cli_approved, x->n_cli_approved, x->alloc_cli_approved);
			x->cli_approved[x->n_cli_approved++] = (uint64_t)query_int(q, 2);
		}
	}
	for (size_t i = 0; r == 0 && i < rep->nr; i++)
		if (rep->rows[i].n_cli_approved > 1)
			qsort(rep->rows[i].cli_approved, rep->rows[i].n_cli_approved,
			      sizeof(*rep->rows[i].cli_approved), cmp_u64);
	if (r < 0 || !policy_register(rep->p, FINDING_REGISTER))
		return r < 0 ? r : 0;
	r = query_prepare(st,
	                  "SELECT x.ledger_index, json_extract(c.fields, '$.clause') FROM acts x"
	                  " JOIN records c ON c.id = x.record_id WHERE c.register = ?1 AND"
	                  " c.state <> 'closed' AND"
	                  " x.outcome = 'done' AND x.ledger_index IS NOT NULL AND x.action IN"
	                  " (?2, ?3) ORDER BY x.ledger_index",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, FINDING_REGISTER);
	query_bind_text(q, 2, FINDING_REGISTER ".add");
	query_bind_text(q, 3, FINDING_REGISTER ".raise");
	while ((r = query_step(q, err)) > 0) {
		struct compliance_row *x = row_of(rep, query_text(q, 1));

		if (!x)
			continue;
		ALLOC_GROW(x->found, x->n_found, x->alloc_found);
		x->found[x->n_found++] = (uint64_t)query_int(q, 0);
	}
	return r < 0 ? r : 0;
}

/*
 * Duties done in the period (each by the act that last fulfilled it) and overdue now (each by
 * its last fulfilment, from which it fell due; none when never fulfilled).
 */
static int count_duties(struct compliance_report *rep, struct store *st, int64_t now_ms,
                        struct strbuf *err)
{
	struct duty_list l = { 0 };
	bool any = false;
	int r;

	/* a subset no duty cites needs no duty computed */
	for (unsigned i = 0; i < rep->p->n_duties && !any; i++)
		any = wants_any(rep, &rep->p->duties[i].clauses);
	if (!any)
		return 0;
	/* the caller's connection: the door's belongs to its leader (the web's audit page) */
	r = duties_compute_on(st, rep->p, now_ms, &l, err);

	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		const struct duty_status *s = &l.items[i];
		/* last_done_ms 0: never (not done in a period from the beginning either) */
		bool done = s->last_done_ms && s->last_done_ms >= rep->from_ms &&
		            s->last_done_ms < rep->to_ms;
		struct strbuf what = STRBUF_INIT;

		if (!done && !s->due)
			continue;
		strbuf_addf(&what, "%s（", s->duty->name ? s->duty->name : s->duty->id);
		scope_name(st, s->scope, &what);
		strbuf_addstr(&what, "）");
		for (unsigned k = 0; k < s->duty->clauses.nr; k++) {
			struct compliance_row *x = row_of(rep, s->duty->clauses.items[k]->id);
			if (!x)
				continue;
			x->duties_done += done;
			x->duties_overdue += s->due;
			if (done)
				item_add(x, COMPLIANCE_DUTIES_DONE, s->last_done_ledger,
				         xstrdup(what.buf));
			if (s->due)
				item_add(x, COMPLIANCE_DUTIES_OVERDUE,
				         s->last_done_ms ? s->last_done_ledger : -1,
				         xstrdup(what.buf));
		}
		strbuf_release(&what);
	}
	duty_list_release(&l);
	return r;
}

static int count_findings(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	struct record_list l = { 0 };
	int r;

	if (!policy_register(rep->p, FINDING_REGISTER))
		return 0;
	r = audit_records(st, NULL, FINDING_REGISTER, &l, err);
	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		struct compliance_row *x = row_of(rep, record_field(&l.items[i], "clause"));
		if (!x)
			continue;
		x->findings++;
		x->findings_open += strcmp(l.items[i].state, "closed") != 0;
	}
	record_list_release(&l);
	return r;
}

/* What an act did, for people: the profile's name of its action, after 承認： for an approval. */
static char *cli_act_what(const struct profile *p, const char *kind, const char *action)
{
	static const char *const kinds[][2] = {
		{ "request.approve", "承認：" },
		{ "request.reject", "却下：" },
		{ "request.withdraw", "取下げ：" },
		{ "attachment.add", "ファイルの追加：" },
	};
	const struct policy_action *a = action ? policy_action(p, action) : NULL;
	struct strbuf sb = STRBUF_INIT;

	for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i][0]))
			strbuf_addstr(&sb, kinds[i][1]);
	/* the door's own acts (user.passwd, role.grant) are named by the front end (action) */
	if (a && a->name)
		strbuf_addstr(&sb, a->name);
	return strbuf_detach(&sb, NULL);
}

/* The acts made in a person's name from the command line, named one by one. */
static int list_cli_acts(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT a.at_ms, u.name, u.login, a.os_user, a.action, a.outcome,"
	                      " a.kind, u.title,"
	                      " coalesce(a.request_id, 0), coalesce(a.ledger_index, -1),"
	                      " (SELECT group_concat(j.value, ' ') FROM json_each(a.clauses) j)"
	                      " FROM acts a JOIN users u ON u.id = a.actor WHERE a.via = 'cli'"
	                      " AND a.at_ms >= ?1 AND a.at_ms < ?2 ORDER BY a.id",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, rep->from_ms);
	query_bind_int(q, 2, rep->to_ms);
	while ((r = query_step(q, err)) > 0) {
		struct compliance_cli_act *x;

		if (rep->cli_total++ >= COMPLIANCE_CLI_MAX)
			continue;
		ALLOC_GROW(rep->cli, rep->n_cli, rep->alloc_cli);
		x = &rep->cli[rep->n_cli++];
		x->at_ms = query_int(q, 0);
		x->name = query_strdup(q, 1);
		x->login = query_strdup(q, 2);
		x->os_user = query_strdup(q, 3);
		x->what = cli_act_what(rep->p, query_text(q, 6), query_text(q, 4));
		x->action = query_strdup(q, 4);
		x->named = policy_action(rep->p, x->action ? x->action : "") != NULL;
		x->outcome = query_strdup(q, 5);
		x->title = query_strdup(q, 7);
		x->request_id = query_int(q, 8);
		x->ledger = query_int(q, 9);
		x->clauses = query_strdup(q, 10);
	}
	return r < 0 ? r : 0;
}

static void checkpoint(struct compliance_report *rep, struct door *d, struct ledger *lg, bool sign)
{
	struct strbuf note = STRBUF_INIT, err = STRBUF_INIT;
	const char *nl;

	/* a read-only door cannot sign: the latest signed one is named then */
	if (sign)
		door_checkpoint(d, &err);
	if (ledger_checkpoint_get(lg, UINT64_MAX, &note, &err) == 0) {
		nl = strchr(note.buf, '\n');
		rep->tree_size = nl ? strtoull(nl + 1, NULL, 10) : 0;
		rep->checkpoint = strbuf_detach(&note, NULL);
	}
	strbuf_release(&note);
	strbuf_release(&err);
}

static int compute(struct door *d, struct store *st, struct ledger *lg, bool sign,
                   const char *const *only, size_t n_only, int64_t from_ms, int64_t to_ms,
                   int64_t now_ms, struct compliance_report *ret, struct strbuf *err)
{
	struct policy_coverage cov = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->p = door_profile(d);
	ret->from_ms = from_ms;
	ret->to_ms = to_ms;
	ret->made_ms = now_ms;
	if (!ret->p) {
		error_set(err, "no profile in force");
		return -ENOENT;
	}
	ret->nr = ret->p->n_clauses;
	ret->rows = xcalloc(ret->nr ? ret->nr : 1, sizeof(*ret->rows));
	if (only) {
		ret->want = xcalloc(ret->nr ? ret->nr : 1, sizeof(*ret->want));
		for (size_t i = 0; i < n_only; i++) {
			const struct policy_clause *c = policy_clause(ret->p, only[i]);

			if (c && c->index < ret->nr)
				ret->want[c->index] = true;
		}
	}
	/* how the profile carries each clause (strength, gap): the whole report shows it; a
	 * subset's pages do not, and it reads the ward's watch configuration */
	r = only ? 0 : coverage_compute(ret->p, door_dir(d), st, &cov, err);
	if (r < 0) {
		compliance_release(ret);
		return r;
	}
	for (size_t i = 0; i < ret->nr; i++) {
		ret->rows[i].clause = &ret->p->clauses[i];
		ret->rows[i].approval_median_ms = -1;
	}
	for (unsigned i = 0; i < cov.nr; i++) {
		struct compliance_row *x = row_of(ret, cov.entries[i].clause->id);
		if (x) {
			x->strength = cov.entries[i].strength;
			x->gap = cov.entries[i].gap;
		}
	}
	policy_coverage_release(&cov);
	checkpoint(ret, d, lg, sign);
	r = count_acts(ret, st, err);
	if (r == 0)
		r = count_approvals(ret, st, err);
	if (r == 0)
		r = count_duties(ret, st, now_ms, err);
	if (r == 0)
		r = count_findings(ret, st, err);
	if (r == 0)
		r = figure_entries(ret, st, err);
	if (r == 0 && !only) /* a subset's page lists no acts by name */
		r = list_cli_acts(ret, st, err);
	if (r == 0)
		r = count_incidents(ret, st, err);
	if (r == 0)
		r = count_inspections(ret, st, now_ms, err);
	if (r == 0)
		r = count_risks(ret, d, now_ms, err);
	if (r < 0)
		compliance_release(ret);
	return r;
}

int compliance_compute(struct door *d, struct store *st, struct ledger *lg, bool sign,
                       int64_t from_ms, int64_t to_ms, int64_t now_ms,
                       struct compliance_report *ret, struct strbuf *err)
{
	return compute(d, st, lg, sign, NULL, 0, from_ms, to_ms, now_ms, ret, err);
}

int compliance_compute_some(struct door *d, struct store *st, struct ledger *lg,
                            const char *const *clauses, size_t n, int64_t from_ms, int64_t to_ms,
                            int64_t now_ms, struct compliance_report *ret, struct strbuf *err)
{
	static const char *const none[] = { NULL };

	return compute(d, st, lg, false, clauses ? clauses : none, clauses ? n : 0, from_ms, to_ms,
	               now_ms, ret, err);
}

void compliance_row_release(struct compliance_row *x)
{
	free(x->ledger);
	free(x->refused);
	free(x->approved);
	free(x->found);
	free(x->cli_ledger);
	free(x->cli_approved);
	for (int l = 0; l < COMPLIANCE_NLISTS; l++) {
		for (size_t k = 0; k < x->items[l].n; k++)
			free(x->items[l].v[k].what);
		free(x->items[l].v);
	}
}

void compliance_release(struct compliance_report *r)
{
	for (size_t i = 0; r->rows && i < r->nr; i++)
		compliance_row_release(&r->rows[i]);
	free(r->rows);
	for (size_t i = 0; i < r->n_cli; i++) {
		struct compliance_cli_act *x = &r->cli[i];

		free(x->name);
		free(x->login);
		free(x->os_user);
		free(x->what);
		free(x->action);
		free(x->title);
		free(x->outcome);
		free(x->clauses);
	}
	free(r->cli);
	free(r->checkpoint);
	for (size_t i = 0; i < r->n_cases; i++) {
		free(r->cases[i].title);
		free(r->cases[i].cause);
		free(r->cases[i].prevention);
		free(r->cases[i].clauses);
	}
	free(r->cases);
	free(r->touch);
	free(r->touch_closed);
	free(r->want);
	memset(r, 0, sizeof(*r));
}
