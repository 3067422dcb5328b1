/* ui-risk-links: risks on other pages: the dashboard's card, the risks of the records an
 * incident involves (with the proposal to reassess them), the clauses that treat risks at the
 * end of the compliance report. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/compliance.h"
#include "core/core.h"
#include "core/org.h"
#include "core/records.h"
#include "core/risk.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

void ui_risks_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct risk_list l = { 0 };
	size_t n = 0;

	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r))
		return;
	if (ui_risks_load(r, NULL, &l, &err) < 0) {
		web_log(r, "risks: %s", err.buf);
		goto out;
	}
	/* stale acceptances, overdue tasks of a plan, residuals above the threshold nobody
	 * accepted yet */
	for (size_t i = 0; i < l.nr; i++) {
		const struct risk *rk = &l.items[i];
		if (rk->stale || rk->n_overdue_tasks ||
		    (!strcmp(rk->state, "assessed") &&
		     rk->residual > r->profile->risk.accept_up_to))
			l.items[n++] = l.items[i];
		else
			risk_release(&l.items[i]);
	}
	l.nr = n;
	if (!l.nr)
		goto out;
	html_open(o, "section", "class", "card overdue-card risks-card", "aria-labelledby",
	          "risks-h", HTML_END);
	html_elem(o, "h2", _("Risks to reassess, accept or treat"), "id", "risks-h", HTML_END);
	ui_risk_table(r, &l, true);
	html_open(o, "p", HTML_END);
	page_link(o, "/risks", _("Risks"));
	html_close(o, "p");
	html_close(o, "section");
out:
	risk_list_release(&l);
	strbuf_release(&err);
}

void ui_risks_of_records(struct web_req *r, const int64_t *records, size_t n_records,
                         int64_t propose_since)
{
	bool propose = propose_since != 0;
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct risk_list l = { 0 };
	struct risk_filter f = { 0 };

	if (!n_records || !r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r))
		return;
	f.targets = records;
	f.n_targets = n_records;
	if (ui_risks_load(r, &f, &l, &err) < 0) {
		web_log(r, "risks: %s", err.buf);
		goto out;
	}
	if (!l.nr && !propose)
		goto out;
	html_elem(o, "h2", _("Risks of the records involved"), "id", "risks", HTML_END);
	html_elem(o, "p",
	          _("An incident on a record makes the acceptance of its risks stale: the "
	            "security officer reassesses them (SHJ-6-3-4-ア)."),
	          "class", "cite", HTML_END);
	if (propose) {
		/* recurrence prevention: reassess each risk, assess the records that have none */
		html_open(o, "div", "class", "notice warn propose", "role", "status", HTML_END);
		html_text(o,
		          _("Recurrence prevention: reassess the risks of the records involved."));
		html_open(o, "ul", HTML_END);
		for (size_t i = 0; i < l.nr; i++) {
			char url[64], text[160];
			snprintf(url, sizeof(url), "/risks/%" PRId64 "#reassess",
			         l.items[i].rec.id);
			html_open(o, "li", HTML_END);
			if (l.items[i].assessed_ms >= propose_since) {
				/* reassessed since the case was reported: done */
				snprintf(text, sizeof(text), _("Risk %lld: reassessed since"),
				         (long long)l.items[i].rec.id);
				html_elem(o, "span", text, "class", "done", HTML_END);
			} else {
				snprintf(text, sizeof(text), _("Reassess risk %lld"),
				         (long long)l.items[i].rec.id);
				page_link(o, url, text);
			}
			html_close(o, "li");
		}
		for (size_t k = 0; k < n_records; k++) {
			bool has = false;
			char url[64], text[160];
			for (size_t i = 0; i < l.nr; i++)
				has = has || l.items[i].target == records[k];
			if (has)
				continue;
			snprintf(url, sizeof(url), "/risks?target=%" PRId64 "#assess", records[k]);
			snprintf(text, sizeof(text), _("Assess the risks of record %lld"),
			         (long long)records[k]);
			html_open(o, "li", HTML_END);
			page_link(o, url, text);
			html_close(o, "li");
		}
		html_close(o, "ul");
		html_close(o, "div");
	}
	if (l.nr)
		ui_risk_table(r, &l, true);
out:
	risk_list_release(&l);
	strbuf_release(&err);
}

void ui_risk_clause_links(struct web_req *r, const struct compliance_report *rep)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	size_t shown = 0;

	if (!r->profile || !r->profile->risk.reg)
		return;
	for (size_t c = 0; c < rep->nr; c++)
		shown += rep->rows[c].risks > 0;
	html_elem(o, "h2", _("Clauses that treat risks"), "id", "risks", HTML_END);
	if (!shown) {
		html_elem(o, "p", _("No risk names a clause as its measure yet."), HTML_END);
		return;
	}
	html_elem(o, "p",
	          _("The clauses the ward's risks name as measures; a measure lowers its risk "
	            "only while it is carried out."),
	          "class", "cite", HTML_END);
	html_open(o, "table", "class", "risk-clauses", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Risks"), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("Of them, where it works"), "class", "num", "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t c = 0; c < rep->nr; c++) {
		const struct compliance_row *x = &rep->rows[c];
		char n[48];

		if (!x->risks)
			continue;
		html_open(o, "tr", "data-clause", x->clause->id, HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, x->clause->id);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		strbuf_reset(&url);
		strbuf_addstr(&url, "/risks");
		html_url_query(&url, "clause", x->clause->id);
		snprintf(n, sizeof(n), "%" PRId64, x->risks);
		page_link(o, url.buf, n);
		html_close(o, "td");
		snprintf(n, sizeof(n), "%" PRId64, x->risks_counting);
		html_elem(o, "td", n, "class", "num", HTML_END);
		html_close(o, "tr");
	}
	html_close(o, "table");
	strbuf_release(&url);
}
