/* compliance-annex: the compliance report read by ISO/IEC 27001:2022 Annex A control (a
 * Statement of Applicability): each control with the clauses mapped to it and their figures. */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/compliance.h"

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
			a->acts += x->acts;
			a->refusals += x->refusals;
			a->approvals += x->approvals;
			a->duties_overdue += x->duties_overdue;
			a->findings_open += x->findings_open;
			a->insp_nonconform += x->insp_nonconform;
			a->gap = a->gap || x->gap;
		}
		/* each case once, whichever of its clauses it touched */
		for (size_t c = 0; c < r->n_touch; c++) {
			bool hit = false;

			for (size_t k = 0; k < a->n_rows && !hit; k++)
				hit = r->touch[c * r->nr + (size_t)(a->rows[k] - r->rows)];
			a->incidents += hit;
		}
		ret->applicable += a->n_rows > 0;
	}
}

void compliance_annex_release(struct compliance_annex *a)
{
	for (size_t i = 0; i < a->nr; i++)
		free(a->rows[i].rows);
	free(a->rows);
	memset(a, 0, sizeof(*a));
}
