/* ui-report-clause: the ledger entries behind a clause's figures in the compliance report
 * (docs/audits.md): every act that cited the clause in the period and, of them, every refusal,
 * the approvals and findings, and every duty, case, self-inspection answer and risk counted,
 * each linked to its entry, so an auditor can recount the report's figures and prove each entry
 * against the signed checkpoint. For those who may read the report (the ledger's readers). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/compliance.h"
#include "core/core.h"
#include "web/report-internal.h"
#include "web/route.h"
#include "web/ui.h"

static void entries(struct strbuf *o, const char *id, const char *heading, const uint64_t *e,
                    size_t n)
{
	char label[24], url[64];

	html_elem(o, "h2", heading, "id", id, HTML_END);
	html_open(o, "p", "class", "entries", HTML_END);
	for (size_t i = 0; i < n; i++) {
		snprintf(label, sizeof(label), "%" PRIu64, e[i]);
		snprintf(url, sizeof(url), "/ledger/entry?index=%" PRIu64, e[i]);
		if (i)
			strbuf_addch(o, ' ');
		html_elem(o, "a", label, "href", url, "class", "entry", HTML_END);
	}
	if (!n)
		html_text(o, "—");
	html_close(o, "p");
}

/* A list of counted items (a duty, a case, an answer, a risk), each with its entry. */
static void items(struct strbuf *o, const struct compliance_row *x, int fig, const char *heading)
{
	struct strbuf h = STRBUF_INIT;
	size_t n = report_fig_count(x, fig);

	strbuf_addf(&h, "%s（%zu）", heading, n);
	html_elem(o, "h2", h.buf, "id", report_fig_anchors[fig], HTML_END);
	strbuf_release(&h);
	if (!n) {
		html_elem(o, "p", "—", "class", "entries", HTML_END);
		return;
	}
	html_open(o, "ul", "class", "items", HTML_END);
	for (size_t k = 0; k < n; k++) {
		const char *what;
		int64_t e = report_fig_entry(x, fig, k, &what);
		char label[24], url[64];

		html_open(o, "li", HTML_END);
		html_text(o, what ? what : "");
		html_text(o, "：");
		if (e >= 0) {
			snprintf(label, sizeof(label), "%" PRId64, e);
			snprintf(url, sizeof(url), "/ledger/entry?index=%" PRId64, e);
			html_elem(o, "a", label, "href", url, "class", "entry", HTML_END);
		} else {
			html_text(o, _("no ledger entry (never fulfilled)"));
		}
		html_close(o, "li");
	}
	html_close(o, "ul");
}

void ui_report_clause(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, h = STRBUF_INIT;
	struct compliance_report rep = { 0 };
	const struct policy_clause *c;
	const struct compliance_row *x = NULL;
	int64_t from, to;

	if (!ui_ledger_reader(r)) {
		web_error(r, 403,
		          "the compliance report is for administrators and ward-wide roles");
		goto out;
	}
	c = r->profile && web_query(r, "id") ? policy_clause(r->profile, web_query(r, "id")) : NULL;
	if (!c) {
		web_error(r, 404, "no such clause in the profile in force");
		goto out;
	}
	if (ui_report_compute(r, &rep, &from, &to) < 0)
		goto out;
	for (size_t i = 0; i < rep.nr && !x; i++)
		if (!strcmp(rep.rows[i].clause->id, c->id))
			x = &rep.rows[i];
	if (!x) {
		web_error(r, 404, "no such clause in the profile in force");
		goto out;
	}
	web_audit(r, r->user->login, "report.compliance", c->id);
	strbuf_addf(&h, "%s %s", c->id, c->cite ? c->cite : "");
	page_begin(r, h.buf, NAV_AUDITS);
	html_elem(o, "p", c->text, "class", "cite", HTML_END);
	html_open(o, "p", HTML_END);
	html_text(o, _("The ledger entries behind this clause's figures in the compliance report, "
	               "every one: prove each against the signed checkpoint and recount."));
	html_close(o, "p");
	strbuf_reset(&h);
	strbuf_addf(&h, "%s（%zu）", _("Acts that cited it"), x->n_ledger);
	entries(o, "acts", h.buf, x->ledger, x->n_ledger);
	strbuf_reset(&h);
	strbuf_addf(&h, "%s（%zu）", _("Of them, refused"), x->n_refused);
	entries(o, "refused", h.buf, x->refused, x->n_refused);
	strbuf_reset(&h);
	strbuf_addf(&h, "%s（%zu）", _("Approvals of requests citing it"), x->n_approved);
	entries(o, "approved", h.buf, x->approved, x->n_approved);
	strbuf_reset(&h);
	strbuf_addf(&h, "%s（%zu）", _("Findings on it, as recorded"), x->n_found);
	entries(o, "found", h.buf, x->found, x->n_found);
	items(o, x, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_DONE,
	      _("Duties citing it fulfilled in the period, each by the act that fulfilled it"));
	items(o, x, REPORT_FIG_ITEMS + COMPLIANCE_DUTIES_OVERDUE,
	      _("Duties citing it overdue now, each by its last fulfilment"));
	items(o, x, REPORT_FIG_ITEMS + COMPLIANCE_INCIDENTS,
	      _("Incident cases whose acts cited it, each by the first such act in the period"));
	items(o, x, REPORT_FIG_ITEMS + COMPLIANCE_INSPECTION,
	      _("Self-inspection answers on it, each by its latest act (unanswered: the act "
	        "that opened the inspection)"));
	items(o, x, REPORT_FIG_ITEMS + COMPLIANCE_RISKS,
	      _("Risks whose assessment in the period named it as a measure, each by that "
	        "assessment"));
	html_open(o, "p", HTML_END);
	page_link(o, "/report/compliance", _("The compliance report per clause"));
	html_close(o, "p");
	page_end(r);
out:
	compliance_release(&rep);
	strbuf_release(&err);
	strbuf_release(&h);
}
