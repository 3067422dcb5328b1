/* ui-report-clause: the ledger entries behind a clause's figures in the compliance report
 * (docs/audits.md): every act that cited the clause in the period and, of them, every refusal,
 * the approvals and findings, and every duty, case, self-inspection answer and risk counted,
 * each linked to its entry, so an auditor can recount the report's figures and prove each entry
 * against the signed checkpoint; and the same for an ISO/IEC 27001 Annex A control's figures
 * and a chapter's (the report's summary by chapter), its clauses' joined (each unit once). For
 * those who may read the report (the ledger's readers). */
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

/* Whose figures a page lists: a clause's, an Annex A control's or a chapter's. */
enum whose { OF_CLAUSE, OF_CONTROL, OF_CHAPTER };

/* Per figure, the heading of its list on a clause's, a control's and a chapter's page. */
static const char *const fig_heads[REPORT_NFIGS][3] = {
	[REPORT_FIG_ACTS] = { N_("Acts that cited it"),
	                      N_("Acts that cited any of its clauses, each once"),
	                      N_("Acts that cited any clause of the chapter, each once") },
	[REPORT_FIG_REFUSED] = { N_("Of them, refused"), N_("Of them, refused"),
	                         N_("Of them, refused") },
	[REPORT_FIG_APPROVED] = { N_("Approvals of requests citing it"),
	                          N_("Approvals of requests citing any of its clauses, "
	                             "each once"),
	                          N_("Approvals of requests citing any clause of the "
	                             "chapter, each once") },
	[REPORT_FIG_FOUND] = { N_("Open findings on it, each by the act that recorded it"),
	                       N_("Open findings on its clauses, each by the act that "
	                          "recorded it"),
	                       N_("Open findings on the chapter's clauses, each by the act "
	                          "that recorded it") },
	[REPORT_FIG_ITEMS +
	    COMPLIANCE_DUTIES_DONE] = { N_("Duties citing it fulfilled in the period, each "
	                                   "by the act that fulfilled "
	                                   "it"),
	                                N_("Duties citing its clauses fulfilled in the "
	                                   "period, each once by the act "
	                                   "that fulfilled it"),
	                                N_("Duties citing the chapter's clauses fulfilled "
	                                   "in the period, each once by the act that "
	                                   "fulfilled it") },
	[REPORT_FIG_ITEMS +
	    COMPLIANCE_DUTIES_OVERDUE] = { N_("Duties citing it overdue now, each by its "
	                                      "last fulfilment"),
	                                   N_("Duties citing its clauses overdue now, each "
	                                      "once by its last "
	                                      "fulfilment"),
	                                   N_("Duties citing the chapter's clauses overdue "
	                                      "now, each once by its last fulfilment") },
	[REPORT_FIG_ITEMS +
	    COMPLIANCE_INCIDENTS] = { N_("Incident cases whose acts cited it, each by the "
	                                 "first such act in the "
	                                 "period"),
	                              N_("Incident cases whose acts cited its clauses, "
	                                 "each once by the first such "
	                                 "act in the period"),
	                              N_("Incident cases whose acts cited the chapter's "
	                                 "clauses, each once by the first such act in the "
	                                 "period") },
	[REPORT_FIG_ITEMS +
	    COMPLIANCE_INSPECTION] = { N_("Self-inspection answers on it, each by its "
	                                  "latest act (unanswered: the "
	                                  "act that opened the inspection)"),
	                               N_("Nonconforming self-inspection answers on its "
	                                  "clauses, each by its latest act"),
	                               N_("Nonconforming self-inspection answers on the "
	                                  "chapter's clauses, each by its latest act") },
	[REPORT_FIG_ITEMS + COMPLIANCE_RISKS] = { N_("Risks whose assessment in the period "
	                                             "named it as a measure, each by "
	                                             "that assessment"),
	                                          N_("Risks whose assessment in the period "
	                                             "named its clauses as measures, "
	                                             "each once by that assessment"),
	                                          N_("Risks whose assessment in the period "
	                                             "named the chapter's clauses as "
	                                             "measures, each once by that "
	                                             "assessment") },
	/* a clause's only: a control's and a chapter's figures do not count them */
	[REPORT_FIG_CLI_ACTS] = { N_("Of the acts, those made in a person's name from the "
	                             "command line (--as)"),
	                          NULL, NULL },
	[REPORT_FIG_CLI_APPROVED] = { N_("Of the approvals, those given in a person's name "
	                                 "from the command line (--as), each by that "
	                                 "approval"),
	                              NULL, NULL },
};

/*
 * The lists behind figures: every figure of row x (a clause's, or a control's or a chapter's
 * joined from its clauses'), each entry linked, under headings that say whose figures they are.
 */
static void figures(struct strbuf *o, const struct compliance_row *x, enum whose whose)
{
	struct strbuf h = STRBUF_INIT;

	for (int f = 0; f < (whose == OF_CLAUSE ? REPORT_NFIGS : REPORT_FIG_CLI_ACTS); f++) {
		const char *heading = _(fig_heads[f][whose]);

		if (f >= REPORT_FIG_ITEMS && f < REPORT_FIG_CLI_ACTS) {
			items(o, x, f, heading);
			continue;
		}
		strbuf_reset(&h);
		strbuf_addf(&h, "%s（%zu）", heading, report_fig_count(x, f));
		entries(o, report_fig_anchors[f], h.buf,
		        report_fig_count(x, f) ? report_fig_array(x, f) : NULL,
		        report_fig_count(x, f));
	}
	strbuf_release(&h);
}

/* The 403 or 404 for a reader who may not see the report, or a page not in the profile. */
static bool may_read(struct web_req *r)
{
	if (ui_ledger_reader(r))
		return true;
	web_error(r, 403, "the compliance report is for administrators and ward-wide roles");
	return false;
}

void ui_report_clause(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf h = STRBUF_INIT;
	struct compliance_report rep = { 0 };
	const struct policy_clause *c;
	const struct compliance_row *x = NULL;
	int64_t from, to;

	if (!may_read(r))
		goto out;
	c = r->profile && web_query(r, "id") ? policy_clause(r->profile, web_query(r, "id")) : NULL;
	if (!c) {
		web_error(r, 404, "no such clause in the profile in force");
		goto out;
	}
	if (ui_report_compute_some(r, &c->id, 1, &rep, &from, &to) < 0)
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
	figures(o, x, OF_CLAUSE);
	html_open(o, "p", HTML_END);
	page_link(o, "/report/compliance", _("The compliance report per clause"));
	html_close(o, "p");
	page_end(r);
out:
	compliance_release(&rep);
	strbuf_release(&h);
}

void ui_report_control(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf h = STRBUF_INIT, url = STRBUF_INIT;
	struct compliance_report rep = { 0 };
	struct compliance_annex an = { 0 };
	const struct policy_annex_control *c;
	const struct compliance_annex_row *a = NULL;
	static const char *const none[] = { NULL };
	const char **ids = NULL;
	size_t n_ids = 0, alloc_ids = 0;
	int64_t from, to;

	if (!may_read(r))
		goto out;
	c = web_query(r, "id") ? policy_annex_control(web_query(r, "id")) : NULL;
	if (!c || !r->profile) {
		web_error(r, 404, "no such ISO/IEC 27001:2022 Annex A control");
		goto out;
	}
	/* only the clauses mapped to the control */
	for (unsigned i = 0; i < r->profile->n_clauses; i++)
		for (unsigned k = 0; k < r->profile->clauses[i].n_annex; k++)
			if (!strcmp(r->profile->clauses[i].annex[k], c->id)) {
				ALLOC_GROW(ids, n_ids, alloc_ids);
				ids[n_ids++] = r->profile->clauses[i].id;
				break;
			}
	/* none mapped (the control does not apply): still a subset, of no clause */
	if (ui_report_compute_some(r, ids ? ids : none, n_ids, &rep, &from, &to) < 0)
		goto out;
	compliance_annex_compute(&rep, &an);
	for (size_t i = 0; i < an.nr && !a; i++)
		if (an.rows[i].control == c)
			a = &an.rows[i];
	if (!a) {
		web_error(r, 404, "no such ISO/IEC 27001:2022 Annex A control");
		goto out;
	}
	web_audit(r, r->user->login, "report.compliance", c->id);
	strbuf_addf(&h, "%s %s", c->id, c->name);
	page_begin(r, h.buf, NAV_AUDITS);
	html_open(o, "p", "class", "cite", HTML_END);
	html_text(o, _("The clauses of the profile mapped to this control:"));
	for (size_t k = 0; k < a->n_rows; k++) {
		strbuf_reset(&url);
		report_figures_url(&rep, "clause", a->rows[k]->clause->id, NULL, &url);
		html_text(o, " ");
		html_elem(o, "a", a->rows[k]->clause->id, "href", url.buf, "class", "clause",
		          HTML_END);
	}
	if (!a->n_rows)
		html_text(o, _(" none (the control does not apply under this profile)"));
	html_close(o, "p");
	html_open(o, "p", HTML_END);
	html_text(o, _("The ledger entries behind this control's figures in the compliance report "
	               "by Annex A control, each counted once however many of its clauses it "
	               "cites: prove each against the signed checkpoint and recount."));
	html_close(o, "p");
	figures(o, &a->figs, OF_CONTROL);
	html_open(o, "p", HTML_END);
	page_link(o, "/report/compliance?by=annex-a", _("By ISO/IEC 27001 Annex A control"));
	html_close(o, "p");
	page_end(r);
out:
	free(ids);
	compliance_annex_release(&an);
	compliance_release(&rep);
	strbuf_release(&h);
	strbuf_release(&url);
}

void ui_report_chapter(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf h = STRBUF_INIT, url = STRBUF_INIT, ch_id = STRBUF_INIT;
	struct compliance_report rep = { 0 };
	struct compliance_chapters ch = { 0 };
	const struct compliance_chapter_row *c;
	const char *id = web_query(r, "id");
	const char **ids = NULL;
	size_t n_ids = 0, alloc_ids = 0;
	int64_t from, to;

	if (!may_read(r))
		goto out;
	/* only the chapter's clauses: none means no such chapter */
	for (unsigned i = 0; id && r->profile && i < r->profile->n_clauses; i++) {
		strbuf_reset(&ch_id);
		compliance_chapter(r->profile->clauses[i].id, &ch_id);
		if (strcmp(ch_id.buf, id))
			continue;
		ALLOC_GROW(ids, n_ids, alloc_ids);
		ids[n_ids++] = r->profile->clauses[i].id;
	}
	if (!n_ids) {
		web_error(r, 404, "no such chapter in the profile in force");
		goto out;
	}
	if (ui_report_compute_some(r, ids, n_ids, &rep, &from, &to) < 0)
		goto out;
	compliance_chapters_compute(&rep, &ch);
	c = compliance_chapter_find(&ch, id);
	if (!c) {
		web_error(r, 404, "no such chapter in the profile in force");
		goto out;
	}
	web_audit(r, r->user->login, "report.compliance", c->id);
	strbuf_addf(&h, _("Chapter %s"), c->id);
	page_begin(r, h.buf, NAV_AUDITS);
	html_open(o, "p", "class", "cite", HTML_END);
	html_text(o, _("The clauses of this chapter:"));
	for (size_t k = 0; k < c->n_rows; k++) {
		strbuf_reset(&url);
		report_figures_url(&rep, "clause", c->rows[k]->clause->id, NULL, &url);
		html_text(o, " ");
		html_elem(o, "a", c->rows[k]->clause->id, "href", url.buf, "class", "clause",
		          HTML_END);
	}
	html_close(o, "p");
	html_open(o, "p", HTML_END);
	html_text(o, _("The ledger entries behind this chapter's figures in the summary by chapter "
	               "of the compliance report, each counted once however many of its clauses "
	               "it cites: prove each against the signed checkpoint and recount."));
	html_close(o, "p");
	figures(o, &c->figs, OF_CHAPTER);
	html_open(o, "p", HTML_END);
	strbuf_reset(&url);
	strbuf_reset(&ch_id);
	strbuf_addf(&ch_id, "chapter-%s", c->id);
	report_row_url(&rep, ch_id.buf, &url);
	page_link(o, url.buf, _("The compliance report per clause"));
	html_close(o, "p");
	page_end(r);
out:
	free(ids);
	compliance_chapters_release(&ch);
	compliance_release(&rep);
	strbuf_release(&h);
	strbuf_release(&url);
	strbuf_release(&ch_id);
}
