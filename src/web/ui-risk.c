/* ui-risk: one risk in the browser (/risks/N): what was assessed and what Mamori computed, the
 * measures and their evidence, the acceptance and what made it stale, the treatment plan.
 * The register: ui-risk-list.c; the forms: ui-risk-act.c; on other pages: ui-risk-links.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "core/records.h"
#include "core/risk.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

static const char *why_not_text(const char *why)
{
	if (!why)
		return _("works");
	if (!strcmp(why, "duty_overdue"))
		return _("does not count: a duty that carries it is overdue");
	if (!strcmp(why, "duty_never_done"))
		return _("does not count: a duty that carries it has no record of being done");
	return _("does not count: the clause is only noted, nothing carries it out");
}

static const char *strength_text(enum policy_strength s)
{
	switch (s) {
	case STRENGTH_ENFORCED:
		return _("enforced");
	case STRENGTH_RECORDED:
		return _("recorded");
	case STRENGTH_MONITORED:
		return _("monitored");
	case STRENGTH_NOTED:
		return _("noted only");
	default:
		return _("carried by nothing");
	}
}

static void duty_line(struct web_req *r, const struct risk_duty *du)
{
	struct strbuf *o = &r->out;
	char *where = org_scope_name(r->st, du->scope);

	html_open(o, "li", "class", du->overdue ? "overdue" : NULL, HTML_END);
	html_text(o, du->duty->name ? du->duty->name : du->duty->id);
	html_textf(o, "（%s）", where ? where : du->scope);
	html_text(o, _(" last done: "));
	if (du->last_done_ms)
		page_date(o, du->last_done_ms);
	else
		html_text(o, _("no record"));
	html_text(o, _(", next due: "));
	page_date(o, du->next_due_ms);
	if (du->overdue) {
		html_text(o, " ");
		html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
	}
	html_close(o, "li");
	free(where);
}

static void measures(struct web_req *r, const struct risk *rk)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Measures and their evidence"), "id", "measures", HTML_END);
	if (!rk->now.n_measures) {
		html_elem(o, "p", _("No measures: the residual risk is the inherent risk."),
		          HTML_END);
		return;
	}
	html_open(o, "table", "class", "measures", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("How it is carried"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Does it lower the risk?"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Evidence over the last year"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < rk->now.n_measures; i++) {
		const struct risk_measure *m = &rk->now.measures[i];
		struct strbuf url = STRBUF_INIT;

		html_open(o, "tr", "class", m->counts ? "counts" : "not-counting", "data-clause",
		          m->clause->id, HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, m->clause->id);
		html_close(o, "td");
		html_elem(o, "td", strength_text(m->strength), HTML_END);
		html_open(o, "td", HTML_END);
		if (m->counts)
			html_textf(o, _("yes: likelihood −%lld"), (long long)m->reduce);
		else
			html_elem(o, "strong", why_not_text(m->why_not), "class", "overdue",
			          HTML_END);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_textf(o, _("%lld acts cited it, %lld were refused"), (long long)m->acts_done,
		           (long long)m->acts_refused);
		html_open(o, "div", "class", "evidence", HTML_END);
		html_textf(o, _("incidents: %lld, audit findings: %lld (open: %lld)"),
		           (long long)m->incidents, (long long)m->findings,
		           (long long)m->findings_open);
		html_close(o, "div");
		if (m->n_duties) {
			html_open(o, "ul", "class", "duties", HTML_END);
			for (size_t k = 0; k < m->n_duties; k++)
				duty_line(r, &m->duties[k]);
			html_close(o, "ul");
		}
		strbuf_addstr(&url, "/risks");
		html_url_query(&url, "clause", m->clause->id);
		html_open(o, "div", "class", "links", HTML_END);
		page_link(o, url.buf, _("Other risks it treats"));
		html_text(o, " ・ ");
		strbuf_reset(&url);
		strbuf_addf(&url, "/report/compliance#%s", m->clause->id);
		page_link(o, url.buf, _("The clause in the compliance report"));
		html_close(o, "div");
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&url);
	}
	html_close(o, "table");
}

static void stale_reasons(struct web_req *r, const struct risk *rk)
{
	struct strbuf *o = &r->out;

	html_open(o, "ul", "class", "stale-reasons", HTML_END);
	for (size_t i = 0; i < rk->stale_why.nr; i++) {
		const char *w = rk->stale_why.items[i];
		html_open(o, "li", HTML_END);
		if (!strncmp(w, "incident:", 9)) {
			char url[48], text[96];
			snprintf(url, sizeof(url), "/incidents/%s", w + 9);
			snprintf(text, sizeof(text), "%s %s", _("Incident"), w + 9);
			html_text(o, _("An incident on the record after the acceptance: "));
			page_link(o, url, text);
		} else if (!strncmp(w, "level:", 6)) {
			html_text(o, _("The record's level was raised: "));
			html_text(o, w + 6);
		} else if (!strncmp(w, "measure:", 8)) {
			html_text(o, _("A measure that counted no longer does: "));
			ui_clause(r, w + 8);
		} else {
			html_text(o, _("The measures now leave a higher residual risk."));
		}
		html_close(o, "li");
	}
	html_close(o, "ul");
}

static void acceptance(struct web_req *r, const struct risk *rk)
{
	struct strbuf *o = &r->out;
	char n[24];

	html_elem(o, "h2", _("Acceptance"), "id", "acceptance", HTML_END);
	if (!rk->accepted_ms) {
		html_elem(o, "p", _("Not accepted yet."), HTML_END);
	} else {
		html_open(o, "p", "class", rk->stale ? "accepted stale" : "accepted", HTML_END);
		snprintf(n, sizeof(n), "%" PRId64, rk->accepted_residual);
		html_textf(o, _("Accepted by %s on "),
		           rk->accepted_person ? rk->accepted_person
		           : rk->accepted_by   ? rk->accepted_by
		                               : "—");
		page_time(o, rk->accepted_ms);
		html_textf(o, _(" at a residual risk of %s."), n);
		html_close(o, "p");
	}
	if (rk->stale) {
		html_elem(
		    o, "p",
		    _("This acceptance is stale: something material changed since. The "
		      "security officer reassesses the risk, then its owner accepts it again."),
		    "class", "notice warn", "role", "status", HTML_END);
		stale_reasons(r, rk);
	}
	if (!strcmp(rk->state, "assessed"))
		ui_risk_accept_form(r, rk);
}

static void plan(struct web_req *r, const struct risk *rk)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Treatment plan"), "id", "plan", HTML_END);
	if (!rk->n_tasks)
		html_elem(o, "p", _("No tasks planned."), HTML_END);
	else {
		html_open(o, "table", "class", "tasks", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("No."), "class", "num", "scope", "col", HTML_END);
		html_elem(o, "th", _("Task"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Assignee"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Due"), "scope", "col", HTML_END);
		html_elem(o, "th", _("State"), "scope", "col", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < rk->n_tasks; i++) {
			const struct plan_task *t = &rk->tasks[i];
			char num[24];
			snprintf(num, sizeof(num), "%" PRId64, t->act_id);
			html_open(o, "tr", "class", t->overdue ? "overdue" : NULL, "data-task", num,
			          HTML_END);
			html_elem(o, "td", num, "class", "num", HTML_END);
			html_elem(o, "td", t->task, HTML_END);
			html_elem(o, "td", t->assignee ? t->assignee : "—", HTML_END);
			html_open(o, "td", HTML_END);
			page_ymd(o, t->due ? t->due : "—");
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (t->done) {
				html_text(o, _("Completed on "));
				page_date(o, t->done_ms);
			} else {
				if (t->overdue)
					html_elem(o, "strong", _("overdue"), "class", "overdue",
					          HTML_END);
				ui_risk_task_done_form(r, rk, t);
			}
			html_close(o, "td");
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	ui_risk_task_form(r, rk);
}

static void facts(struct web_req *r, const struct risk *rk)
{
	const struct profile *p = r->profile;
	struct strbuf *o = &r->out;
	char *section = ui_section_name(r, rk->section);
	char url[48], n[96];

	html_open(o, "dl", "class", "facts card", HTML_END);
	html_elem(o, "dt", _("Assessed for"), HTML_END);
	html_open(o, "dd", HTML_END);
	ui_risk_target(r, rk);
	if (rk->target_register)
		html_textf(o, "（%s）", ui_register_name(r, rk->target_register));
	if (rk->target_level) {
		html_text(o, " ");
		ui_level_short(r, rk->target_level);
	}
	html_close(o, "dd");
	html_elem(o, "dt", _("Section"), HTML_END);
	html_elem(o, "dd", *section ? section : "—", HTML_END);
	html_elem(o, "dt", _("Threat"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_text(o, rk->threat ? rk->threat->name : rk->threat_id ? rk->threat_id : "—");
	for (unsigned k = 0; rk->threat && k < rk->threat->clauses.nr; k++) {
		html_text(o, " ");
		ui_clause(r, rk->threat->clauses.items[k]->id);
	}
	html_close(o, "dd");
	html_elem(o, "dt", _("Inherent risk (likelihood × impact)"), HTML_END);
	snprintf(n, sizeof(n), "%" PRId64 " × %" PRId64 " = %" PRId64, rk->likelihood, rk->impact,
	         rk->inherent);
	html_elem(o, "dd", n, "class", "inherent", HTML_END);
	html_elem(o, "dt", _("Residual risk"), HTML_END);
	html_open(o, "dd", "class", "residual", HTML_END);
	snprintf(n, sizeof(n), "%" PRId64, rk->residual);
	html_elem(o, "strong", n, "class", rk->residual > p->risk.accept_up_to ? "above" : NULL,
	          HTML_END);
	if (rk->now.residual != rk->residual)
		html_textf(o, _(" (the measures as they are now leave %lld)"),
		           (long long)rk->now.residual);
	snprintf(n, sizeof(n), "%" PRId64, p->risk.accept_up_to);
	html_textf(o,
	           _(" — the section's security officer accepts up to %s, above it the "
	             "organisation's owner"),
	           n);
	html_close(o, "dd");
	if (rk->computed) {
		/* what Mamori computed when it was assessed, and what the assessor did with it */
		html_elem(o, "dt", _("Computed at the assessment"), HTML_END);
		snprintf(n, sizeof(n), "%" PRId64, rk->computed);
		html_open(o, "dd", "class", "computed", HTML_END);
		html_text(o, n);
		html_text(o, rk->residual > rk->computed
		                 ? _(": raised by the assessor, with a reason")
		                 : _(": confirmed by the assessor"));
		html_close(o, "dd");
	}
	if (rk->reason) {
		html_elem(o, "dt", _("Why the owner raised it"), HTML_END);
		html_elem(o, "dd", rk->reason, HTML_END);
	}
	if (rk->treatment) {
		html_elem(o, "dt", _("Treatment"), HTML_END);
		html_elem(o, "dd", rk->treatment, HTML_END);
	}
	if (rk->procedure) {
		html_elem(o, "dt", _("Procedure that limits the damage"), HTML_END);
		html_open(o, "dd", HTML_END);
		snprintf(url, sizeof(url), "/records/%" PRId64, rk->procedure);
		page_link(o, url, url + 9);
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("State"), HTML_END);
	html_elem(o, "dd", ui_risk_state_name(r, rk), "class", rk->stale ? "state stale" : "state",
	          HTML_END);
	html_close(o, "dl");
	free(section);
}

void ui_risk(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT;
	struct risk rk = { 0 };
	int64_t id = ui_arg_id(r->args[0]);
	int ret;

	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !id) {
		web_error(r, 404, "no such risk");
		return;
	}
	ret = risk_get(web_door(r), id, time_now_ms(), &rk, &err);
	if (ret == -ENOENT || (ret == 0 && !web_record_visible(r, &rk.rec, NULL))) {
		web_record_not_found(r, "risk not visible");
		goto out;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&title, _("Risk %lld: %s"), (long long)id,
	            rk.threat      ? rk.threat->name
	            : rk.threat_id ? rk.threat_id
	                           : "");
	page_begin(r, title.buf, NAV_RISKS);
	web_notice_from_query(r);
	facts(r, &rk);
	measures(r, &rk);
	acceptance(r, &rk);
	plan(r, &rk);
	html_elem(o, "h2", _("Reassess"), "id", "reassess", HTML_END);
	ui_risk_assess_form(r, &rk);
	html_open(o, "p", HTML_END);
	{
		char url[48];
		snprintf(url, sizeof(url), "/records/%" PRId64, id);
		page_link(o, url, _("The record and its ledger entries"));
		html_text(o, " ・ ");
		page_link(o, "/risks", _("All risks"));
	}
	html_close(o, "p");
	page_end(r);
out:
	risk_release(&rk);
	strbuf_release(&err);
	strbuf_release(&title);
}

/* ---- on other pages ------------------------------------------------------------------------ */
