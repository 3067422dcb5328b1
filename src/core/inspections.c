/* inspections: the self-inspection checklist and the roll-up of rounds, read through the one
 * read decision. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "core/core.h"
#include "core/inspections.h"

#define DAY_MS (86400LL * 1000)

/* The registers whose records carry a clause (its register and action carriers), "、"-joined. */
static void carrying_registers(const struct profile *p, const struct policy_coverage_entry *e,
                               struct strbuf *out)
{
	const struct policy_register *seen[16];
	unsigned n = 0;

	for (unsigned i = 0; i < e->nr && n < 16; i++) {
		const struct policy_register *g = NULL;
		bool dup = false;

		if (e->carriers[i].kind == CARRIER_REGISTER)
			g = e->carriers[i].obj;
		else if (e->carriers[i].kind == CARRIER_ACTION)
			g = ((const struct policy_action *)e->carriers[i].obj)->reg;
		else if (e->carriers[i].kind == CARRIER_FIELD && e->carriers[i].name) {
			/* "field register.field" or "field register.action.field" */
			const char *name = strchr(e->carriers[i].name, ' ');
			char id[128];
			size_t len;

			name = name ? name + 1 : e->carriers[i].name;
			len = strcspn(name, ".");
			if (len < sizeof(id) && name[len] == '.') {
				memcpy(id, name, len);
				id[len] = 0;
				g = policy_register(p, id);
			}
		}
		if (!g)
			continue;
		for (unsigned k = 0; k < n; k++)
			dup = dup || seen[k] == g;
		if (dup)
			continue;
		seen[n++] = g;
		strbuf_addf(out, "%s%s", out->len ? "、" : "", g->name ? g->name : g->id);
	}
}

/* What a clause asks after its words: an H clause whether it is done, an R clause for its
 * record, naming the registers that keep it (regs). */
static void ask(const struct profile *p, const struct policy_coverage *cov,
                const struct policy_clause *c, struct strbuf *q, struct strbuf *regs)
{
	if (c->kind == CLAUSE_H) {
		strbuf_addstr(q, "このとおり行っていますか。");
		return;
	}
	for (unsigned k = 0; k < cov->nr; k++)
		if (cov->entries[k].clause == c)
			carrying_registers(p, &cov->entries[k], regs);
	strbuf_addstr(q, "この記録を示してください");
	if (regs->len)
		strbuf_addf(q, "（%s）", regs->buf);
	strbuf_addstr(q, "。");
}

/* Clause c's question: in the text's own words (its quote); a law's clause the standard does
 * not hold says whose it is and gives the profile's summary as one; else the summary. */
static void question(const struct profile *p, const struct policy_coverage *cov,
                     const struct policy_clause *c, struct strbuf *q, struct strbuf *regs)
{
	if (c->quote) {
		strbuf_addf(q, "「%s」", c->quote);
		ask(p, cov, c, q, regs);
	} else if (c->law) {
		strbuf_addf(q, "%sは法令（%s）の規定で、この基準の本文にはありません。要旨：%s。",
		            c->cite ? c->cite : c->id, c->law, c->text ? c->text : c->id);
		ask(p, cov, c, q, regs);
	} else if (c->kind == CLAUSE_H) {
		strbuf_addf(q, "「%s」を行っていますか。", c->text ? c->text : c->id);
	} else {
		strbuf_addf(q, "「%s」の記録を示してください", c->text ? c->text : c->id);
		for (unsigned k = 0; k < cov->nr; k++)
			if (cov->entries[k].clause == c)
				carrying_registers(p, &cov->entries[k], regs);
		if (regs->len)
			strbuf_addf(q, "（%s）", regs->buf);
		strbuf_addstr(q, "。");
	}
}

void inspection_checklist_make(const struct profile *p, const char *only,
                               struct inspection_checklist *ret)
{
	struct policy_coverage cov = { 0 };
	struct strbuf q = STRBUF_INIT, regs = STRBUF_INIT;

	memset(ret, 0, sizeof(*ret));
	policy_coverage_compute(p, &cov);
	ret->items = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*ret->items));
	for (unsigned i = 0; i < p->n_clauses; i++) {
		const struct policy_clause *c = &p->clauses[i];
		struct inspection_item *it;

		if (c->kind != CLAUSE_H && c->kind != CLAUSE_R)
			continue;
		if (only && *only && !policy_list_has(only, c->id))
			continue;
		strbuf_reset(&q);
		strbuf_reset(&regs);
		question(p, &cov, c, &q, &regs);
		it = &ret->items[ret->nr++];
		it->clause = c;
		it->question = xstrdup(q.buf);
		it->registers = regs.len ? xstrdup(regs.buf) : NULL;
	}
	policy_coverage_release(&cov);
	strbuf_release(&q);
	strbuf_release(&regs);
}

void inspection_checklist_release(struct inspection_checklist *c)
{
	for (size_t i = 0; i < c->nr; i++) {
		free(c->items[i].question);
		free(c->items[i].registers);
	}
	free(c->items);
	memset(c, 0, sizeof(*c));
}

const struct inspection_item *inspection_checklist_find(const struct inspection_checklist *c,
                                                        const char *clause_id)
{
	for (size_t i = 0; clause_id && i < c->nr; i++)
		if (!strcmp(c->items[i].clause->id, clause_id))
			return &c->items[i];
	return NULL;
}

const char *inspection_result_value(const char *given)
{
	static const char *const map[][2] = {
		{ "適合", "適合" },         { "conform", "適合" },      { "不適合", "不適合" },
		{ "nonconform", "不適合" }, { "該当なし", "該当なし" }, { "na", "該当なし" },
	};

	for (size_t i = 0; given && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(given, map[i][0]))
			return map[i][1];
	return NULL;
}

enum inspection_result inspection_result_of(const char *value)
{
	if (!value)
		return INSPECTION_UNANSWERED;
	if (!strcmp(value, "適合"))
		return INSPECTION_CONFORM;
	if (!strcmp(value, "不適合"))
		return INSPECTION_NONCONFORM;
	if (!strcmp(value, "該当なし"))
		return INSPECTION_NA;
	return INSPECTION_UNANSWERED;
}

void inspection_items_of(const struct inspection_checklist *c, const struct record *rec,
                         const struct inspection_item ***ret, size_t *ret_n)
{
	const char *only = record_field(rec, "items");
	const struct inspection_item **v = xcalloc(c->nr ? c->nr : 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < c->nr; i++)
		if (!only || !*only || policy_list_has(only, c->items[i].clause->id))
			v[n++] = &c->items[i];
	*ret = v;
	*ret_n = n;
}

static int64_t ref_of(const struct record *a)
{
	const char *v = record_field(a, "inspection");
	char *end = NULL;
	long long id = v ? strtoll(v, &end, 10) : 0;

	return end && !*end ? (int64_t)id : 0;
}

const struct record *inspection_answer_for(const struct inspection_rollup *r, int64_t id,
                                           const char *clause)
{
	const struct record *best = NULL;

	for (size_t i = 0; i < r->answers.nr; i++) {
		const struct record *a = &r->answers.items[i];
		const char *c = record_field(a, "clause");

		if (ref_of(a) != id || !c || strcmp(c, clause))
			continue;
		if (!best || a->changed_ms > best->changed_ms ||
		    (a->changed_ms == best->changed_ms && a->id > best->id))
			best = a;
	}
	return best;
}

const char *inspection_role_name(const struct profile *p, const char *role)
{
	const struct policy_role *ro = role && p ? policy_role(p, role) : NULL;

	return ro && ro->name ? ro->name : role ? role : "";
}

const struct inspection_section *inspection_section_for(const struct inspection_rollup *r,
                                                        int64_t id)
{
	for (size_t i = 0; i < r->n_sections; i++)
		if (r->sections[i].rec->id == id)
			return &r->sections[i];
	return NULL;
}

static int list_readable(struct store *st, const struct reader *rd, const char *reg,
                         struct record_list *ret, struct strbuf *err)
{
	struct record_filter f = { .register_id = reg };
	struct record_query q = { .register_id = reg, .sort = "id" };
	struct record_page pg = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!rd)
		return records_list(st, &f, ret, err);
	r = records_query(st, rd, &q, &pg, err);
	if (r == 0)
		*ret = pg.list;
	return r;
}

static struct inspection_clause_row *clause_row(struct inspection_rollup *r,
                                                const struct policy_clause *c)
{
	for (size_t i = 0; i < r->n_clauses; i++)
		if (r->clauses[i].clause == c)
			return &r->clauses[i];
	r->clauses[r->n_clauses].clause = c;
	return &r->clauses[r->n_clauses++];
}

/* Counts one inspection's answers over its items into its section row and the clause rows. */
static void count_one(struct inspection_rollup *r, struct inspection_section *s, int64_t now_ms)
{
	const struct inspection_item **items = NULL;
	size_t n = 0;
	int64_t due_ms;

	inspection_items_of(&r->checklist, s->rec, &items, &n);
	s->total = n;
	for (size_t i = 0; i < n; i++) {
		const struct record *a = inspection_answer_for(r, s->rec->id, items[i]->clause->id);
		struct inspection_clause_row *row = clause_row(r, items[i]->clause);

		switch (inspection_result_of(a ? record_field(a, "result") : NULL)) {
		case INSPECTION_CONFORM:
			s->conform++;
			row->conform++;
			break;
		case INSPECTION_NONCONFORM:
			s->nonconform++;
			row->nonconform++;
			break;
		case INSPECTION_NA:
			s->na++;
			row->na++;
			break;
		case INSPECTION_UNANSWERED:
			s->unanswered++;
			row->unanswered++;
			break;
		}
	}
	free(items);
	s->overdue = s->rec->state && !strcmp(s->rec->state, "open") && s->due &&
	             core_parse_local_date(s->due, &due_ms) == 0 && now_ms >= due_ms + DAY_MS;
	if (s->overdue)
		r->overdue++;
}

/* Adds a counted inspection to its role's row. */
static void count_role(struct inspection_rollup *r, const struct inspection_section *s)
{
	struct inspection_role_row *row = NULL;

	for (size_t i = 0; i < r->n_roles && !row; i++)
		if ((!s->role && !r->roles[i].role) ||
		    (s->role && r->roles[i].role && !strcmp(s->role, r->roles[i].role)))
			row = &r->roles[i];
	if (!row) {
		row = &r->roles[r->n_roles++];
		row->role = s->role;
	}
	row->inspections++;
	row->signed_off += s->rec->state && !strcmp(s->rec->state, "signed");
	row->overdue += s->overdue;
	row->conform += s->conform;
	row->nonconform += s->nonconform;
	row->na += s->na;
	row->unanswered += s->unanswered;
}

static int by_catalog(const void *a, const void *b)
{
	const struct inspection_clause_row *x = a, *y = b;

	return (x->clause > y->clause) - (x->clause < y->clause);
}

int inspection_rollup(struct store *st, const struct reader *rd, const struct profile *p,
                      const char *round, int64_t now_ms, struct inspection_rollup *ret,
                      struct strbuf *err)
{
	struct record_list all = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->profile = p;
	if (!policy_register(p, SELF_INSPECTION_REGISTER) ||
	    !policy_register(p, INSPECTION_ANSWER_REGISTER)) {
		error_set(err, "the profile in force has no self-inspection registers (%s, %s)",
		          SELF_INSPECTION_REGISTER, INSPECTION_ANSWER_REGISTER);
		return -ENOENT;
	}
	r = list_readable(st, rd, SELF_INSPECTION_REGISTER, &all, err);
	if (r == 0)
		r = list_readable(st, rd, INSPECTION_ANSWER_REGISTER, &ret->answers, err);
	if (r < 0) {
		record_list_release(&all);
		record_list_release(&ret->answers);
		return r;
	}
	/* keep the round's inspections */
	for (size_t i = 0; i < all.nr; i++) {
		const char *rd_round = record_field(&all.items[i], "round");

		if (round && (!rd_round || strcmp(rd_round, round))) {
			record_release(&all.items[i]);
			continue;
		}
		ALLOC_GROW(ret->inspections.items, ret->inspections.nr + 1, ret->inspections.alloc);
		ret->inspections.items[ret->inspections.nr++] = all.items[i];
	}
	free(all.items);
	inspection_checklist_make(p, NULL, &ret->checklist);
	ret->sections =
	    xcalloc(ret->inspections.nr ? ret->inspections.nr : 1, sizeof(*ret->sections));
	ret->clauses = xcalloc(ret->checklist.nr ? ret->checklist.nr : 1, sizeof(*ret->clauses));
	ret->roles = xcalloc(ret->inspections.nr ? ret->inspections.nr : 1, sizeof(*ret->roles));
	for (size_t i = 0; i < ret->inspections.nr; i++) {
		struct inspection_section *s = &ret->sections[ret->n_sections++];

		s->rec = &ret->inspections.items[i];
		s->round = record_field(s->rec, "round");
		s->section = s->rec->section ? s->rec->section : record_field(s->rec, "section");
		s->due = record_field(s->rec, "due");
		s->role = record_field(s->rec, "role");
		if (s->role && !*s->role)
			s->role = NULL;
		count_one(ret, s, now_ms);
		count_role(ret, s);
	}
	/* clause rows in the catalog's order: the profile's clauses array is in that order */
	qsort(ret->clauses, ret->n_clauses, sizeof(*ret->clauses), by_catalog);
	r = inspection_people(st, p, now_ms, ret, err);
	if (r < 0)
		inspection_rollup_release(ret);
	return r;
}

void inspection_rollup_release(struct inspection_rollup *r)
{
	record_list_release(&r->inspections);
	record_list_release(&r->answers);
	inspection_checklist_release(&r->checklist);
	for (size_t i = 0; i < r->n_sections; i++) {
		strv_release(&r->sections[i].untrained);
		strv_release(&r->sections[i].unconsented);
	}
	free(r->sections);
	free(r->clauses);
	free(r->roles);
	memset(r, 0, sizeof(*r));
}

/* One CSV row of the people a register says are missing (研修を受けていない者 ...). */
static void people_row(struct csv_writer *w, const struct profile *p,
                       const struct inspection_section *s, const char *id,
                       const struct policy_clauses *c, const char *item, const struct strv *v)
{
	struct strbuf count = STRBUF_INIT, names = STRBUF_INIT;
	const struct policy_clause *cl = c->nr ? c->items[0] : NULL;

	strbuf_addf(&count, "%zu人", v->nr);
	for (size_t i = 0; i < v->nr; i++)
		strbuf_addf(&names, "%s%s", i ? "、" : "", v->items[i]);
	{
		const char *row[] = { s->round ? s->round : "",
			              s->section ? s->section : "",
			              id,
			              s->rec->state ? s->rec->state : "",
			              s->due ? s->due : "",
			              s->overdue ? "期限超過" : "",
			              cl ? cl->id : "",
			              cl && cl->cite ? cl->cite : "",
			              item,
			              count.buf,
			              names.buf,
			              "",
			              inspection_role_name(p, s->role) };
		csv_write_row(w, row, sizeof(row) / sizeof(row[0]));
	}
	strbuf_release(&count);
	strbuf_release(&names);
}

/* The training and consent rows of a section (where the profile keeps those registers). */
static void people_rows(struct csv_writer *w, const struct inspection_rollup *r,
                        const struct inspection_section *s, const char *id)
{
	if (r->training)
		people_row(w, r->profile, s, id, &r->training->clauses, "研修を受けていない者",
		           &s->untrained);
	if (r->consent)
		people_row(w, r->profile, s, id, &r->consent->clauses, "同意のない非常勤職員",
		           &s->unconsented);
}

int inspection_rollup_csv(const struct inspection_rollup *r, bool cp932, struct strbuf *out,
                          size_t *ret_substituted, struct strbuf *err)
{
	static const char *const head[] = { "点検の回", "課等", "点検", "状態",     "期限",
		                            "期限超過", "条項", "出典", "点検項目", "結果",
		                            "所見",     "証跡", "役割" };
	struct csv_writer w;
	int ret;

	csv_writer_init(&w, out,
	                (cp932 ? CSV_WRITE_CP932 : CSV_WRITE_BOM) | CSV_WRITE_FORMULA_GUARD);
	csv_write_row(&w, head, sizeof(head) / sizeof(head[0]));
	for (size_t i = 0; i < r->n_sections; i++) {
		const struct inspection_section *s = &r->sections[i];
		const struct inspection_item **items = NULL;
		char id[24];
		size_t n = 0;

		snprintf(id, sizeof(id), "%lld", (long long)s->rec->id);
		inspection_items_of(&r->checklist, s->rec, &items, &n);
		for (size_t k = 0; k < n; k++) {
			const struct record *a =
			    inspection_answer_for(r, s->rec->id, items[k]->clause->id);
			const char *row[] = {
				s->round ? s->round : "",
				s->section ? s->section : "",
				id,
				s->rec->state ? s->rec->state : "",
				s->due ? s->due : "",
				s->overdue ? "期限超過" : "",
				items[k]->clause->id,
				items[k]->clause->cite ? items[k]->clause->cite : "",
				items[k]->question,
				a && record_field(a, "result") ? record_field(a, "result")
				                               : "未回答",
				a && record_field(a, "note") ? record_field(a, "note") : "",
				a && record_field(a, "evidence") ? record_field(a, "evidence") : "",
				inspection_role_name(r->profile, s->role),
			};
			csv_write_row(&w, row, sizeof(row) / sizeof(row[0]));
		}
		free(items);
		people_rows(&w, r, s, id);
	}
	ret = csv_writer_finish(&w, err);
	if (ret_substituted)
		*ret_substituted = w.substituted;
	return ret;
}
