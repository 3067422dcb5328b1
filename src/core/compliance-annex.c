/* compliance-annex: the compliance report's figures joined over groups of its clauses, each unit
 * counted once however many of the group's clauses it cites: by ISO/IEC 27001:2022 Annex A
 * control (a Statement of Applicability: each control with the clauses mapped to it) and by
 * chapter (the report's summary). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/compliance.h"
#include "core/core.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Appends n entries to (*v, *nv), then keeps them ascending and each once. */
static void entries_join(uint64_t **v, size_t *nv, size_t *alloc, const uint64_t *e, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		ALLOC_GROW(*v, *nv, *alloc);
		(*v)[(*nv)++] = e[i];
	}
	if (!*nv)
		return;
	qsort(*v, *nv, sizeof(**v), cmp_u64);
	for (size_t i = 1; i < *nv; i++)
		if ((*v)[i] != (*v)[k])
			(*v)[++k] = (*v)[i];
	*nv = k + 1;
}

/*
 * Joins a clause's items of list l into a group's: a duty, a case or a risk once however many
 * of the group's clauses it cites (a case by its earliest entry); of the self-inspection
 * answers only the nonconforming ones (a group's figure is 不適合), each its clause's own, named
 * with the clause.
 */
static void items_join(struct compliance_items *to, const struct compliance_items *from,
                       enum compliance_list l, const char *clause)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct compliance_item *it = &from->v[i];
		struct compliance_item *same = NULL;

		if (l == COMPLIANCE_INSPECTION && !it->nonconform)
			continue;
		for (size_t k = 0; l != COMPLIANCE_INSPECTION && k < to->n && !same; k++)
			if (!strcmp(to->v[k].what, it->what) &&
			    (l == COMPLIANCE_INCIDENTS || to->v[k].ledger == it->ledger))
				same = &to->v[k];
		if (same) {
			if (it->ledger >= 0 && (same->ledger < 0 || it->ledger < same->ledger))
				same->ledger = it->ledger;
			continue;
		}
		ALLOC_GROW(to->v, to->n, to->alloc);
		to->v[to->n].ledger = it->ledger;
		to->v[to->n].nonconform = it->nonconform;
		to->v[to->n++].what = l == COMPLIANCE_INSPECTION
		                          ? xstrfmt("%s %s", clause, it->what)
		                          : xstrdup(it->what);
	}
}

/* Joins clause row x into a group's figures f. */
static void row_join(struct compliance_row *f, const struct compliance_row *x)
{
	entries_join(&f->ledger, &f->n_ledger, &f->alloc_ledger, x->ledger, x->n_ledger);
	entries_join(&f->refused, &f->n_refused, &f->alloc_refused, x->refused, x->n_refused);
	entries_join(&f->approved, &f->n_approved, &f->alloc_approved, x->approved, x->n_approved);
	entries_join(&f->found, &f->n_found, &f->alloc_found, x->found, x->n_found);
	for (int l = 0; l < COMPLIANCE_NLISTS; l++)
		items_join(&f->items[l], &x->items[l], (enum compliance_list)l, x->clause->id);
	/* the units of x without an entry, counted as they are */
	f->acts += x->acts > (int64_t)x->n_ledger ? x->acts - (int64_t)x->n_ledger : 0;
	f->refusals +=
	    x->refusals > (int64_t)x->n_refused ? x->refusals - (int64_t)x->n_refused : 0;
	f->approvals +=
	    x->approvals > (int64_t)x->n_approved ? x->approvals - (int64_t)x->n_approved : 0;
	f->findings_open +=
	    x->findings_open > (int64_t)x->n_found ? x->findings_open - (int64_t)x->n_found : 0;
}

/*
 * The figures of the n clause rows of r (pointers into r->rows) joined into f (zeroed): every
 * entry and item once, each case once whichever of the rows it touched.
 */
static void group_join(const struct compliance_report *r, const struct compliance_row *const *rows,
                       size_t n, struct compliance_row *f)
{
	for (size_t k = 0; k < n; k++)
		row_join(f, rows[k]);
	f->approval_median_ms = -1;
	f->acts += (int64_t)f->n_ledger;
	f->refusals += (int64_t)f->n_refused;
	f->approvals += (int64_t)f->n_approved;
	f->findings_open += (int64_t)f->n_found;
	f->duties_done = (int64_t)f->items[COMPLIANCE_DUTIES_DONE].n;
	f->duties_overdue = (int64_t)f->items[COMPLIANCE_DUTIES_OVERDUE].n;
	f->risks = (int64_t)f->items[COMPLIANCE_RISKS].n;
	f->insp_nonconform = (int64_t)f->items[COMPLIANCE_INSPECTION].n;
	for (size_t c = 0; c < r->n_touch; c++) {
		bool hit = false;

		for (size_t k = 0; k < n && !hit; k++)
			hit = r->touch[c * r->nr + (size_t)(rows[k] - r->rows)];
		f->incidents += hit;
		f->incidents_closed += hit && r->touch_closed[c];
	}
}

void compliance_annex_compute(const struct compliance_report *r, struct compliance_annex *ret)
{
	const struct policy_annex_control *all = policy_annex_controls(&ret->nr);

	ret->rows = xcalloc(ret->nr, sizeof(*ret->rows));
	ret->applicable = 0;
	for (size_t i = 0; i < ret->nr; i++) {
		struct compliance_annex_row *a = &ret->rows[i];

		a->control = &all[i];
		for (size_t k = 0; k < r->nr; k++) {
			const struct compliance_row *x = &r->rows[k];
			bool hit = false;

			for (unsigned m = 0; m < x->clause->n_annex && !hit; m++)
				hit = !strcmp(x->clause->annex[m], a->control->id);
			if (!hit)
				continue;
			a->rows = xrealloc(a->rows, (a->n_rows + 1) * sizeof(*a->rows));
			a->rows[a->n_rows++] = x;
			a->gap = a->gap || x->gap;
		}
		group_join(r, a->rows, a->n_rows, &a->figs);
		a->acts = a->figs.acts;
		a->refusals = a->figs.refusals;
		a->approvals = a->figs.approvals;
		a->findings_open = a->figs.findings_open;
		a->duties_overdue = a->figs.duties_overdue;
		a->insp_nonconform = a->figs.insp_nonconform;
		a->incidents = a->figs.incidents;
		ret->applicable += a->n_rows > 0;
	}
}

void compliance_annex_release(struct compliance_annex *a)
{
	for (size_t i = 0; i < a->nr; i++) {
		free(a->rows[i].rows);
		compliance_row_release(&a->rows[i].figs);
	}
	free(a->rows);
	memset(a, 0, sizeof(*a));
}

void compliance_chapters_compute(const struct compliance_report *r, struct compliance_chapters *ret)
{
	size_t alloc = 0;
	struct strbuf id = STRBUF_INIT;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < r->nr; i++) {
		const struct compliance_row *x = &r->rows[i];
		struct compliance_chapter_row *c = NULL;

		strbuf_reset(&id);
		compliance_chapter(x->clause->id, &id);
		for (size_t k = 0; k < ret->nr && !c; k++)
			if (!strcmp(ret->rows[k].id, id.buf))
				c = &ret->rows[k];
		if (!c) {
			ALLOC_GROW(ret->rows, ret->nr, alloc);
			c = &ret->rows[ret->nr++];
			memset(c, 0, sizeof(*c));
			c->id = xstrdup(id.buf);
		}
		c->rows = xrealloc(c->rows, (c->n_rows + 1) * sizeof(*c->rows));
		c->rows[c->n_rows++] = x;
		c->gaps += x->gap;
	}
	strbuf_release(&id);
	for (size_t k = 0; k < ret->nr; k++)
		group_join(r, ret->rows[k].rows, ret->rows[k].n_rows, &ret->rows[k].figs);
}

const struct compliance_chapter_row *compliance_chapter_find(const struct compliance_chapters *c,
                                                             const char *id)
{
	for (size_t k = 0; id && k < c->nr; k++)
		if (!strcmp(c->rows[k].id, id))
			return &c->rows[k];
	return NULL;
}

void compliance_chapters_release(struct compliance_chapters *c)
{
	for (size_t k = 0; k < c->nr; k++) {
		free(c->rows[k].id);
		free(c->rows[k].rows);
		compliance_row_release(&c->rows[k].figs);
	}
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
