/* review: a policy review case's inputs, gathered from the ward's records over its period, and
 * its draft (the attached file whose SHA-256 the case names). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/attach.h"
#include "core/audits.h"
#include "core/core.h"
#include "core/coverage.h"
#include "core/review.h"

#define DAY_MS  (86400LL * 1000)
#define YEAR_MS (365 * DAY_MS)

void review_period(struct store *st, const struct record *review, int64_t now_ms, int64_t *ret_from,
                   int64_t *ret_to)
{
	struct record_list all = { 0 };
	struct record_filter f = { .register_id = REVIEW_REGISTER };
	int64_t from = review->created_ms - YEAR_MS, best = INT64_MIN;

	/* the latest review decided before this one took effect: this one starts there */
	if (records_list(st, &f, &all, NULL) == 0)
		for (size_t i = 0; i < all.nr; i++) {
			const struct record *o = &all.items[i];
			const char *eff = record_field(o, "effective_from");
			int64_t ms;

			if (o->id == review->id || !o->state || strcmp(o->state, "decided") ||
			    !eff || core_parse_local_date(eff, &ms) < 0 || ms > review->created_ms)
				continue;
			if (ms > best)
				best = ms;
		}
	record_list_release(&all);
	if (best != INT64_MIN)
		from = best;
	*ret_from = from;
	*ret_to = review->state && !strcmp(review->state, "decided") ? review->changed_ms + 1
	                                                             : now_ms + 1;
}

static bool within(const struct review_inputs *in, int64_t ms)
{
	return ms >= in->from_ms && ms < in->to_ms;
}

/* Keeps the records of list created in the period (releasing the others). */
static void keep_in_period(const struct review_inputs *in, struct record_list *list)
{
	size_t n = 0;

	for (size_t i = 0; i < list->nr; i++) {
		if (within(in, list->items[i].created_ms))
			list->items[n++] = list->items[i];
		else
			record_release(&list->items[i]);
	}
	list->nr = n;
}

static int gather_audits(struct store *st, const struct reader *rd, int64_t now_ms,
                         struct review_inputs *in, struct strbuf *err)
{
	int r = audit_records(st, rd, AUDIT_REGISTER, &in->audits, err);

	if (r == 0)
		r = audit_records(st, rd, FINDING_REGISTER, &in->findings, err);
	if (r < 0)
		return r;
	keep_in_period(in, &in->audits);
	keep_in_period(in, &in->findings);
	for (size_t i = 0; i < in->findings.nr; i++) {
		const struct record *f = &in->findings.items[i];

		in->findings_open += !f->state || strcmp(f->state, "closed");
		in->findings_overdue += audit_finding_overdue(f, now_ms);
	}
	return 0;
}

/* Every case (the operator's view: no reader). */
static int all_incidents(struct store *st, const struct profile *p, int64_t now_ms,
                         struct incident_list *ret, struct strbuf *err)
{
	struct record_filter f = { .register_id = "incident" };
	struct record_list l = { 0 };
	int r = records_list(st, &f, &l, err);

	if (r == 0)
		ret->items = xcalloc(l.nr ? l.nr : 1, sizeof(*ret->items));
	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		r = incident_summarize(st, p, &l.items[i], now_ms, &ret->items[ret->nr], err);
		if (r == 0)
			ret->nr++;
	}
	ret->alloc = l.nr ? l.nr : 1;
	record_list_release(&l);
	return r;
}

static int gather_incidents(struct store *st, const struct reader *rd, const struct profile *p,
                            int64_t now_ms, struct review_inputs *in, struct strbuf *err)
{
	struct incident_filter f = { 0 };
	struct incident_list all = { 0 };
	int r;

	if (!policy_register(p, "incident"))
		return 0;
	r = rd ? incidents_list(st, rd, p, &f, now_ms, &all, err)
	       : all_incidents(st, p, now_ms, &all, err);
	if (r < 0)
		return r;
	in->incidents.items = xcalloc(all.nr ? all.nr : 1, sizeof(*in->incidents.items));
	in->incidents.alloc = all.nr ? all.nr : 1;
	for (size_t i = 0; i < all.nr; i++) {
		struct incident_summary *s = &all.items[i];

		if (!within(in, s->found_ms) || s->drill) {
			incident_summary_release(s);
			continue;
		}
		in->incidents_open += !s->status || strcmp(s->status, "closed");
		in->incidents.items[in->incidents.nr++] = *s;
	}
	free(all.items);
	return 0;
}

static void gather_inspections(struct review_inputs *in)
{
	const struct inspection_rollup *ru = &in->rollup;

	in->in_period = xcalloc(ru->n_sections ? ru->n_sections : 1, sizeof(*in->in_period));
	in->nonconform = xcalloc(ru->answers.nr ? ru->answers.nr : 1, sizeof(*in->nonconform));
	for (size_t i = 0; i < ru->n_sections; i++) {
		const struct inspection_section *s = &ru->sections[i];
		const struct inspection_item **items = NULL;
		size_t n = 0;

		if (!within(in, s->rec->created_ms))
			continue;
		in->in_period[i] = true;
		in->inspections++;
		in->inspections_signed += s->rec->state && !strcmp(s->rec->state, "signed");
		inspection_items_of(&ru->checklist, s->rec, &items, &n);
		for (size_t k = 0; k < n; k++) {
			const struct record *a =
			    inspection_answer_for(ru, s->rec->id, items[k]->clause->id);

			if (a && inspection_result_of(record_field(a, "result")) ==
			             INSPECTION_NONCONFORM)
				in->nonconform[in->n_nonconform++] =
				    (struct review_answer){ s->rec->id, a->id, s->section,
					                    items[k]->clause->id, s->role };
		}
		free(items);
	}
}

int review_inputs(struct store *st, const char *dir, const struct reader *rd,
                  const struct profile *p, int64_t from_ms, int64_t to_ms, int64_t now_ms,
                  struct review_inputs *ret, struct strbuf *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->from_ms = from_ms;
	ret->to_ms = to_ms;
	r = gather_audits(st, rd, now_ms, ret, err);
	if (r == 0)
		r = gather_incidents(st, rd, p, now_ms, ret, err);
	if (r == 0 && policy_register(p, SELF_INSPECTION_REGISTER)) {
		r = inspection_rollup(st, rd, p, NULL, now_ms, &ret->rollup, err);
		if (r == 0)
			gather_inspections(ret);
	}
	if (r == 0)
		r = coverage_compute(p, dir, st, &ret->coverage, err);
	for (unsigned i = 0; r == 0 && i < ret->coverage.nr; i++)
		ret->gaps += ret->coverage.entries[i].gap;
	if (r < 0)
		review_inputs_release(ret);
	return r;
}

void review_inputs_release(struct review_inputs *in)
{
	record_list_release(&in->audits);
	record_list_release(&in->findings);
	incident_list_release(&in->incidents);
	inspection_rollup_release(&in->rollup);
	policy_coverage_release(&in->coverage);
	free(in->in_period);
	free(in->nonconform);
	memset(in, 0, sizeof(*in));
}

int review_draft(struct store *st, const char *dir, const struct record *review,
                 struct profile **ret, struct strbuf *err)
{
	const char *sha = record_field(review, "draft");
	struct attachment_list files = { 0 };
	struct strbuf owner = STRBUF_INIT, data = STRBUF_INIT;
	const struct attachment *a = NULL;
	int r;

	*ret = NULL;
	strbuf_addf(&owner, "record:%" PRId64, review->id);
	r = attachments_list(st, owner.buf, &files, err);
	for (size_t i = 0; r == 0 && sha && i < files.nr; i++)
		if (!strcmp(files.items[i].sha256, sha))
			a = &files.items[i];
	if (r == 0 && !a) {
		error_set(err,
		          "review %" PRId64 " has no attached file whose SHA-256 is its draft's "
		          "(%s): attach the draft (mamori attach add record:%" PRId64 " 案.yaml)",
		          review->id, sha ? sha : "-", review->id);
		r = -ENOENT;
	}
	if (r == 0)
		r = attach_read(st, dir, a->sha256, a->size, &data, err);
	if (r == 0 && profile_load_buffer(a->name, data.buf, data.len, ret, err) < 0) {
		r = -EINVAL;
		*ret = NULL;
	}
	attachment_list_release(&files);
	strbuf_release(&owner);
	strbuf_release(&data);
	return r;
}
