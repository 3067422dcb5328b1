/* compliance-records: the compliance report's figures kept in registers' records: the incident
 * cases whose acts cited each clause (and those closed in the period with their recurrence
 * prevention), the self-inspection answers on each clause, and the risks that named it as a
 * measure, each counted with the ledger entry behind it. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/compliance-internal.h"
#include "core/inspections.h"
#include "core/risk.h"
#include "store/query.h"

static int by_record_id(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* The index of record id in l (sorted by id), l->nr if none. */
static size_t case_index(const struct record_list *l, int64_t id)
{
	struct record key = { .id = id };
	const struct record *hit = bsearch(&key, l->items, l->nr, sizeof(*l->items), by_record_id);

	return hit ? (size_t)(hit - l->items) : l->nr;
}

/* A case counted, for people: "事案 12 サーバーの停止（終結）". */
static char *case_what(const struct record *c, bool closed)
{
	const char *title = record_field(c, "title");

	return xstrfmt("事案 %" PRId64 "%s%s%s", c->id, title ? " " : "", title ? title : "",
	               closed ? "（終結）" : "");
}

/* A case that touched some clauses (touched: a flag per row of rep) and whether it is closed. */
static void touch_add(struct compliance_report *rep, const bool *touched, bool closed)
{
	size_t t = rep->n_touch++;

	rep->touch = xrealloc(rep->touch, rep->n_touch * rep->nr * sizeof(*rep->touch));
	rep->touch_closed = xrealloc(rep->touch_closed, rep->n_touch * sizeof(*rep->touch_closed));
	memcpy(rep->touch + t * rep->nr, touched, rep->nr * sizeof(*rep->touch));
	rep->touch_closed[t] = closed;
}

/* A case closed in the period, with the clauses it touched (ids, taken). */
static void case_add(struct compliance_report *rep, const struct record *c, struct strbuf *ids)
{
	struct compliance_case *k;
	const char *v;

	rep->cases = xrealloc(rep->cases, (rep->n_cases + 1) * sizeof(*rep->cases));
	k = &rep->cases[rep->n_cases++];
	memset(k, 0, sizeof(*k));
	k->id = c->id;
	k->closed_ms = c->changed_ms;
	k->title = (v = record_field(c, "title")) ? xstrdup(v) : NULL;
	k->cause = (v = record_field(c, "cause")) ? xstrdup(v) : NULL;
	k->prevention = (v = record_field(c, "prevention")) ? xstrdup(v) : NULL;
	k->clauses = strbuf_detach(ids, NULL);
}

/*
 * Incident cases: per clause, the cases (not drills) whose acts in the period cited it, and
 * how many of them are closed; the cases closed in the period with their recurrence
 * prevention and the clauses they touched.
 */
int count_incidents(struct compliance_report *rep, struct store *st, struct strbuf *err)
{
	const struct policy_register *reg = rep->p->incidents.reg;
	struct record_filter f = { 0 };
	struct record_list l = { 0 };
	struct query *q = NULL;
	bool *touched;
	int64_t *first; /* per case and clause, the entry of its first act citing it */
	int r;

	if (!reg)
		return 0;
	f.register_id = reg->id;
	r = records_list(st, &f, &l, err);
	if (r < 0)
		return r;
	if (l.nr)
		qsort(l.items, l.nr, sizeof(*l.items), by_record_id);
	touched = xcalloc((l.nr ? l.nr : 1) * (rep->nr ? rep->nr : 1), sizeof(*touched));
	first = xcalloc((l.nr ? l.nr : 1) * (rep->nr ? rep->nr : 1), sizeof(*first));
	r = query_prepare(
	    st,
	    "SELECT a.record_id, j.value, coalesce(a.ledger_index, -1) FROM acts a JOIN records c"
	    " ON c.id = a.record_id, json_each(a.clauses) j WHERE c.register = ?3"
	    " AND a.at_ms >= ?1 AND a.at_ms < ?2 ORDER BY a.id",
	    &q, err);
	if (r == 0) {
		query_bind_int(q, 1, rep->from_ms);
		query_bind_int(q, 2, rep->to_ms);
		query_bind_text(q, 3, reg->id);
		while ((r = query_step(q, err)) > 0) {
			struct compliance_row *x = row_of(rep, query_text(q, 1));
			size_t i = x ? case_index(&l, query_int(q, 0)) : l.nr, at;

			if (i >= l.nr)
				continue;
			at = i * rep->nr + (size_t)(x - rep->rows);
			if (!touched[at]) {
				touched[at] = true;
				first[at] = query_int(q, 2);
			}
		}
	}
	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		const struct record *c = &l.items[i];
		const char *drill = record_field(c, "drill");
		bool closed = c->state && !strcmp(c->state, "closed");
		struct strbuf ids = STRBUF_INIT;

		bool any = false;

		if (drill && !strcmp(drill, "true"))
			continue;
		for (size_t k = 0; k < rep->nr; k++) {
			if (!touched[i * rep->nr + k])
				continue;
			any = true;
			rep->rows[k].incidents++;
			rep->rows[k].incidents_closed += closed;
			item_add(&rep->rows[k], COMPLIANCE_INCIDENTS, first[i * rep->nr + k],
			         case_what(c, closed));
			strbuf_addf(&ids, "%s%s", ids.len ? " " : "", rep->rows[k].clause->id);
		}
		if (any)
			touch_add(rep, touched + i * rep->nr, closed);
		if (closed && c->changed_ms >= rep->from_ms && c->changed_ms < rep->to_ms)
			case_add(rep, c, &ids);
		strbuf_release(&ids);
	}
	free(touched);
	free(first);
	record_list_release(&l);
	return r < 0 ? r : 0;
}

/* Records' ledger entries: each record's first or latest done act, by record id. */
struct record_entries {
	int64_t (*v)[2]; /* record id, entry; ascending ids */
	size_t n, alloc;
};

static int record_entries(struct store *st, const char *reg, bool latest,
                          struct record_entries *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      latest ? "SELECT a.record_id, max(a.ledger_index) FROM acts a JOIN"
	                               " records c ON c.id = a.record_id WHERE c.register = ?1"
	                               " AND a.outcome = 'done' AND a.ledger_index IS NOT NULL"
	                               " GROUP BY a.record_id ORDER BY a.record_id"
	                             : "SELECT a.record_id, min(a.ledger_index) FROM acts a JOIN"
	                               " records c ON c.id = a.record_id WHERE c.register = ?1"
	                               " AND a.outcome = 'done' AND a.ledger_index IS NOT NULL"
	                               " GROUP BY a.record_id ORDER BY a.record_id",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, reg);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->v, ret->n, ret->alloc);
		ret->v[ret->n][0] = query_int(q, 0);
		ret->v[ret->n++][1] = query_int(q, 1);
	}
	return r < 0 ? r : 0;
}

static int by_first_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int64_t record_entry(const struct record_entries *e, int64_t id)
{
	const int64_t(*hit)[2] = bsearch(&id, e->v, e->n, sizeof(*e->v), by_first_i64);

	return hit ? (*hit)[1] : -1;
}

static const char *const result_ja[] = {
	[INSPECTION_UNANSWERED] = "未回答",
	[INSPECTION_CONFORM] = "適合",
	[INSPECTION_NONCONFORM] = "不適合",
	[INSPECTION_NA] = "該当なし",
};

/* One inspection's items: each counted on its clause with the entry behind it. */
static void count_inspection(struct compliance_report *rep, struct store *st,
                             const struct inspection_rollup *ru, const struct record *insp,
                             const struct record_entries *answered,
                             const struct record_entries *opened)
{
	const struct inspection_item **items = NULL;
	struct strbuf sec = STRBUF_INIT;
	size_t n = 0;

	if (insp->section) {
		char *scope = xstrfmt("section:%s", insp->section);

		scope_name(st, scope, &sec);
		free(scope);
	}
	inspection_items_of(&ru->checklist, insp, &items, &n);
	for (size_t k = 0; k < n; k++) {
		struct compliance_row *x = row_of(rep, items[k]->clause->id);
		const struct record *a = inspection_answer_for(ru, insp->id, items[k]->clause->id);
		enum inspection_result res =
		    inspection_result_of(a ? record_field(a, "result") : NULL);

		if (!x)
			continue;
		x->insp_conform += res == INSPECTION_CONFORM;
		x->insp_nonconform += res == INSPECTION_NONCONFORM;
		x->insp_na += res == INSPECTION_NA;
		x->insp_unanswered += res == INSPECTION_UNANSWERED;
		/* an answer by its latest act; an unanswered item by the act that asked it */
		item_add(x, COMPLIANCE_INSPECTION,
		         a ? record_entry(answered, a->id) : record_entry(opened, insp->id),
		         xstrfmt("%s 自己点検 %" PRId64 "：%s", sec.buf, insp->id, result_ja[res]));
		x->items[COMPLIANCE_INSPECTION]
		    .v[x->items[COMPLIANCE_INSPECTION].n - 1]
		    .nonconform = res == INSPECTION_NONCONFORM;
	}
	free(items);
	strbuf_release(&sec);
}

/* Self-inspection answers per clause, of the inspections opened in the period. */
int count_inspections(struct compliance_report *rep, struct store *st, int64_t now_ms,
                      struct strbuf *err)
{
	struct inspection_rollup ru = { 0 };
	struct record_entries answered = { 0 }, opened = { 0 };
	int r;

	bool asked = !rep->want;

	/* the checklists ask only H and R clauses: a subset of others needs no roll-up */
	for (size_t i = 0; i < rep->nr && !asked; i++)
		asked = rep->want[i] && (rep->rows[i].clause->kind == CLAUSE_H ||
		                         rep->rows[i].clause->kind == CLAUSE_R);
	if (!asked || !policy_register(rep->p, SELF_INSPECTION_REGISTER) ||
	    !policy_register(rep->p, INSPECTION_ANSWER_REGISTER))
		return 0;
	r = inspection_rollup(st, NULL, rep->p, NULL, now_ms, &ru, err);
	if (r == 0)
		r = record_entries(st, INSPECTION_ANSWER_REGISTER, true, &answered, err);
	if (r == 0)
		r = record_entries(st, SELF_INSPECTION_REGISTER, false, &opened, err);
	for (size_t i = 0; r == 0 && i < ru.n_sections; i++) {
		const struct record *insp = ru.sections[i].rec;

		if (insp->created_ms >= rep->from_ms && insp->created_ms < rep->to_ms)
			count_inspection(rep, st, &ru, insp, &answered, &opened);
	}
	free(answered.v);
	free(opened.v);
	inspection_rollup_release(&ru);
	return r;
}

/* The risks assessed in the period that named each clause as a measure, and those it counts
 * for now. */
int count_risks(struct compliance_report *ret, struct door *d, int64_t now_ms, struct strbuf *err)
{
	int64_t *named = xcalloc(ret->nr ? ret->nr : 1, sizeof(*named));
	int64_t *counting = xcalloc(ret->nr ? ret->nr : 1, sizeof(*counting));
	struct risk_clause_hit *hits = NULL;
	size_t n_hits = 0;
	int r = risk_clause_tally(d, ret->from_ms, ret->to_ms, now_ms, named, counting, &hits,
	                          &n_hits, err);

	for (size_t i = 0; r == 0 && i < ret->nr; i++) {
		if (ret->want && !ret->want[i])
			continue;
		ret->rows[i].risks = named[i];
		ret->rows[i].risks_counting = counting[i];
	}
	/* each risk counted by the assessment that named the clause */
	for (size_t i = 0; r == 0 && i < n_hits; i++)
		if (hits[i].clause < ret->nr && (!ret->want || ret->want[hits[i].clause]))
			item_add(&ret->rows[hits[i].clause], COMPLIANCE_RISKS, hits[i].ledger,
			         xstrfmt("リスク %" PRId64 "%s", hits[i].risk_id,
			                 hits[i].counts ? "（効いている）" : ""));
	free(hits);
	free(named);
	free(counting);
	return r;
}
