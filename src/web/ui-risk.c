/* ui-risk: リスク in the browser: the register per section or ward-wide with its heat maps
 * (likelihood × impact, inherent and residual side by side, server-drawn SVG), one risk with
 * its measures and their evidence, its acceptance and what made it stale; the dashboard's card
 * and the risks an incident touches (docs/risk.md). Assessing and accepting: ui-risk-act.c. */
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

#define CELL 44 /* a heat map cell, in SVG units */
#define AXIS 30 /* room for the axes' numbers */

const char *ui_risk_state_name(const struct web_req *r, const struct risk *rk)
{
	if (rk->stale)
		return _("to be reassessed");
	return ui_state_name(r, rk->rec.register_id, rk->state);
}

/* The heat band of a value on the profile's scales: its CSS class. */
static const char *heat_class(const struct profile *p, int64_t likelihood, int64_t impact)
{
	int64_t v = likelihood * impact;
	int64_t top = p->risk.likelihood_max * p->risk.impact_max;

	if (v > p->risk.accept_up_to)
		return "heat heat-4";
	if (v * 2 > p->risk.accept_up_to)
		return "heat heat-3";
	if (v * 5 > top)
		return "heat heat-2";
	return "heat heat-1";
}

static void svg_text(struct strbuf *o, int64_t x, int64_t y, const char *cls, const char *text)
{
	char xs[24], ys[24];

	snprintf(xs, sizeof(xs), "%" PRId64, x);
	snprintf(ys, sizeof(ys), "%" PRId64, y);
	html_elem(o, "text", text, "x", xs, "y", ys, "class", cls, "text-anchor", "middle",
	          HTML_END);
}

/*
 * One heat map: a cell per likelihood (rows, high at the top) and impact (columns), holding how
 * many of the risks sit there, before the measures (residual false) or after them. The SVG is
 * an image with a title and a description saying the same in words; each cell has its own
 * title, so nothing needs a script or the colours.
 */
static void heat_map(struct web_req *r, const struct risk_list *l, bool residual, const char *id)
{
	const struct profile *p = r->profile;
	struct strbuf *o = &r->out;
	int64_t lmax = p->risk.likelihood_max, imax = p->risk.impact_max;
	size_t *count = xcalloc((size_t)(lmax * imax), sizeof(*count));
	struct strbuf desc = STRBUF_INIT, t = STRBUF_INIT, title_id = STRBUF_INIT,
	              desc_id = STRBUF_INIT, box = STRBUF_INIT;
	const char *title = residual ? _("Residual risk (after the measures that work)")
	                             : _("Inherent risk (before the measures)");

	for (size_t i = 0; i < l->nr; i++) {
		const struct risk *rk = &l->items[i];
		int64_t lk = residual ? rk->now.likelihood_after : rk->likelihood;
		if (residual && rk->residual > rk->now.residual && rk->impact > 0)
			lk = (rk->residual + rk->impact - 1) / rk->impact; /* the owner raised it */
		if (lk >= 1 && lk <= lmax && rk->impact >= 1 && rk->impact <= imax)
			count[(lk - 1) * imax + (rk->impact - 1)]++;
	}
	strbuf_addf(&title_id, "%s-title", id);
	strbuf_addf(&desc_id, "%s-desc", id);
	for (int64_t lk = lmax; lk >= 1; lk--)
		for (int64_t im = 1; im <= imax; im++)
			if (count[(lk - 1) * imax + (im - 1)]) {
				if (desc.len)
					strbuf_addstr(&desc, _(", "));
				strbuf_addf(&desc, _("likelihood %lld × impact %lld: %zu"),
				            (long long)lk, (long long)im,
				            count[(lk - 1) * imax + (im - 1)]);
			}
	if (!desc.len)
		strbuf_addstr(&desc, _("No risks."));
	html_open(o, "figure", "class", "heat-map", "id", id, HTML_END);
	strbuf_addf(&box, "0 0 %" PRId64 " %" PRId64, AXIS + imax * CELL + 4,
	            lmax * CELL + AXIS + 4);
	html_open(o, "svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", box.buf, "role",
	          "img", "aria-labelledby", title_id.buf, "aria-describedby", desc_id.buf,
	          HTML_END);
	html_elem(o, "title", title, "id", title_id.buf, HTML_END);
	html_elem(o, "desc", desc.buf, "id", desc_id.buf, HTML_END);
	for (int64_t lk = lmax; lk >= 1; lk--) {
		int64_t y = (lmax - lk) * CELL;
		strbuf_reset(&t);
		strbuf_addf(&t, "%" PRId64, lk);
		svg_text(o, AXIS / 2, y + CELL / 2 + 5, "axis", t.buf);
		for (int64_t im = 1; im <= imax; im++) {
			size_t n = count[(lk - 1) * imax + (im - 1)];
			char xs[24], ys[24], ws[24];
			int64_t x = AXIS + (im - 1) * CELL;

			snprintf(xs, sizeof(xs), "%" PRId64, x);
			snprintf(ys, sizeof(ys), "%" PRId64, y);
			snprintf(ws, sizeof(ws), "%d", CELL - 2);
			html_open(o, "g", "class", heat_class(p, lk, im), HTML_END);
			strbuf_reset(&t);
			strbuf_addf(&t, _("likelihood %lld × impact %lld: %zu"), (long long)lk,
			            (long long)im, n);
			html_elem(o, "title", t.buf, HTML_END);
			/* in SVG a void tag does not close itself: an explicit end tag */
			html_open(o, "rect", "x", xs, "y", ys, "width", ws, "height", ws, HTML_END);
			html_close(o, "rect");
			if (n) {
				strbuf_reset(&t);
				strbuf_addf(&t, "%zu", n);
				svg_text(o, x + CELL / 2, y + CELL / 2 + 6, "count", t.buf);
			}
			html_close(o, "g");
		}
	}
	for (int64_t im = 1; im <= imax; im++) {
		strbuf_reset(&t);
		strbuf_addf(&t, "%" PRId64, im);
		svg_text(o, AXIS + (im - 1) * CELL + CELL / 2, lmax * CELL + 20, "axis", t.buf);
	}
	html_close(o, "svg");
	html_open(o, "figcaption", HTML_END);
	html_text(o, title);
	html_text(o, _(" (rows: likelihood, columns: impact)"));
	html_close(o, "figcaption");
	html_close(o, "figure");
	free(count);
	strbuf_release(&desc);
	strbuf_release(&t);
	strbuf_release(&title_id);
	strbuf_release(&desc_id);
	strbuf_release(&box);
}

static void risk_link(struct strbuf *o, const struct risk *rk)
{
	char url[48];

	snprintf(url, sizeof(url), "/risks/%" PRId64, rk->rec.id);
	page_link(o, url, rk->threat ? rk->threat->name : rk->threat_id ? rk->threat_id : "—");
}

static void num_cell(struct strbuf *o, int64_t v, const char *cls)
{
	char n[24];

	snprintf(n, sizeof(n), "%" PRId64, v);
	html_elem(o, "td", n, "class", cls, HTML_END);
}

void ui_risk_table(struct web_req *r, const struct risk_list *l, bool with_section)
{
	struct strbuf *o = &r->out;

	if (!l->nr) {
		html_elem(o, "p", _("No risks you may read."), "class", "empty", HTML_END);
		return;
	}
	html_open(o, "table", "class", "risks", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("No."), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("Threat"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Assessed for"), "scope", "col", HTML_END);
	if (with_section)
		html_elem(o, "th", _("Section"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Inherent"), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("Residual"), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("State"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct risk *rk = &l->items[i];
		char url[48], num[24];

		snprintf(num, sizeof(num), "%" PRId64, rk->rec.id);
		html_open(o, "tr", "class", rk->stale ? "stale" : NULL, "data-risk", num, HTML_END);
		html_elem(o, "td", num, "class", "num", HTML_END);
		html_open(o, "td", HTML_END);
		risk_link(o, rk);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		snprintf(url, sizeof(url), "/records/%" PRId64, rk->target);
		page_link(o, url, rk->target_title ? rk->target_title : url + 9);
		html_close(o, "td");
		if (with_section) {
			char *name = ui_section_name(r, rk->section);
			html_elem(o, "td", *name ? name : "—", HTML_END);
			free(name);
		}
		num_cell(o, rk->inherent, "num inherent");
		num_cell(o, rk->residual,
		         rk->residual > r->profile->risk.accept_up_to ? "num residual above"
		                                                      : "num residual");
		html_open(o, "td", HTML_END);
		if (rk->stale)
			html_elem(o, "strong", ui_risk_state_name(r, rk), "class", "stale",
			          HTML_END);
		else
			html_text(o, ui_risk_state_name(r, rk));
		if (rk->n_overdue_tasks) {
			html_text(o, " ");
			html_elem(o, "strong", _("a task of the plan is overdue"), "class",
			          "overdue", HTML_END);
		}
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/*
 * The risks the reader may read (the one read decision: records_query with the reader), of
 * section (NULL: every section), newest first, each valued now; with clause, only those that
 * name it as a measure. Only these are valued (risk_get), not the whole register.
 */
static int load_visible(struct web_req *r, const char *section, const char *clause,
                        struct risk_list *l, struct strbuf *err)
{
	struct record_query q = { .register_id = r->profile->risk.reg->id,
		                  .section = section,
		                  .sort = "-id" };
	struct record_page page = { 0 };
	int64_t now = time_now_ms();
	int ret;

	memset(l, 0, sizeof(*l));
	ret = records_query(r->st, web_reader(r), &q, &page, err);
	for (size_t i = 0; ret == 0 && i < page.list.nr; i++) {
		struct risk *rk;
		bool keep = true;

		ALLOC_GROW(l->items, l->nr + 1, l->alloc);
		rk = &l->items[l->nr];
		ret = risk_get(web_door(r), page.list.items[i].id, now, rk, err);
		if (ret == -ENOENT) { /* gone meanwhile */
			strbuf_reset(err);
			ret = 0;
			continue;
		}
		if (ret < 0)
			break;
		if (clause && *clause) {
			keep = false;
			for (size_t k = 0; k < rk->now.n_measures; k++)
				keep = keep || !strcmp(rk->now.measures[k].clause->id, clause);
		}
		if (keep)
			l->nr++;
		else
			risk_release(rk);
	}
	record_page_release(&page);
	if (ret < 0)
		risk_list_release(l);
	return ret;
}

static void section_filter(struct web_req *r, const char *section, const char *clause)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_sections secs = { 0 };

	if (org_sections_list(r->st, &secs, &err) < 0)
		web_log(r, "%s", err.buf);
	html_open(o, "form", "method", "get", "action", "/risks", "class", "filters", HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Section"), "for", "f-section", HTML_END);
	html_open(o, "select", "id", "f-section", "name", "section", HTML_END);
	html_elem(o, "option", _("Whole ward"), "value", "", HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, "selected",
		          section && !strcmp(section, secs.items[i].id) ? "" : NULL, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	if (clause && *clause)
		html_void(o, "input", "type", "hidden", "name", "clause", "value", clause,
		          HTML_END);
	page_submit(r, _("Show"), "secondary");
	html_close(o, "form");
	org_sections_release(&secs);
	strbuf_release(&err);
}

void ui_risks(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT;
	struct risk_list l = { 0 };
	const char *section = web_query(r, "section");
	const char *clause = web_query(r, "clause");
	char *section_name = NULL;

	if (section && !*section)
		section = NULL;
	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r)) {
		web_error(r, 404, "this ward's profile keeps no risk register");
		goto out;
	}
	if (load_visible(r, section, clause, &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (section) {
		section_name = ui_section_name(r, section);
		strbuf_addf(&title, _("Risks of %s"), *section_name ? section_name : section);
	} else {
		strbuf_addstr(&title, _("Risks"));
	}
	page_begin(r, title.buf, NAV_RISKS);
	web_notice_from_query(r);
	html_elem(o, "p",
	          _("The threats the standards name, assessed for the ward's assets and systems "
	            "by the security officer of the section that manages them. A measure is a "
	            "clause of the standards; it lowers the risk only while Mamori sees it "
	            "carried out (its duties done on time)."),
	          "class", "cite", HTML_END);
	if (clause && *clause) {
		html_open(o, "p", HTML_END);
		html_text(o, _("Only the risks treated by the clause "));
		ui_clause(r, clause);
		html_text(o, " ");
		page_link(o, "/risks", _("(show all)"));
		html_close(o, "p");
	}
	section_filter(r, section, clause);
	html_open(o, "div", "class", "heat-maps", HTML_END);
	heat_map(r, &l, false, "heat-inherent");
	heat_map(r, &l, true, "heat-residual");
	html_close(o, "div");
	ui_risk_table(r, &l, !section);
	html_open(o, "p", HTML_END);
	{
		struct strbuf csv = STRBUF_INIT;
		strbuf_addstr(&csv, "/registers");
		html_url_segment(&csv, r->profile->risk.reg->id);
		strbuf_addstr(&csv, "/csv");
		page_link(o, csv.buf, _("Download CSV"));
		strbuf_release(&csv);
	}
	html_text(o, " ・ ");
	page_link(o, "/report/compliance", _("The compliance report per clause"));
	html_close(o, "p");
	ui_risk_assess_form(r, NULL);
	page_end(r);
out:
	free(section_name);
	risk_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&title);
}

/* ---- one risk ---------------------------------------------------------------------------- */

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
		html_textf(o, _("Accepted by %s on "), rk->accepted_by ? rk->accepted_by : "—");
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
			const struct risk_task *t = &rk->tasks[i];
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
	snprintf(url, sizeof(url), "/records/%" PRId64, rk->target);
	page_link(o, url, rk->target_title ? rk->target_title : url + 9);
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

void ui_risks_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct risk_list l = { 0 };
	size_t n = 0;

	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r))
		return;
	if (load_visible(r, NULL, NULL, &l, &err) < 0) {
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

void ui_risks_of_records(struct web_req *r, const int64_t *records, size_t n_records, bool propose)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct risk_list l = { 0 };
	size_t n = 0;

	if (!n_records || !r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r))
		return;
	if (load_visible(r, NULL, NULL, &l, &err) < 0) {
		web_log(r, "risks: %s", err.buf);
		goto out;
	}
	for (size_t i = 0; i < l.nr; i++) {
		bool hit = false;
		for (size_t k = 0; k < n_records; k++)
			hit = hit || l.items[i].target == records[k];
		if (hit)
			l.items[n++] = l.items[i];
		else
			risk_release(&l.items[i]);
	}
	l.nr = n;
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
			snprintf(text, sizeof(text), _("Reassess risk %lld"),
			         (long long)l.items[i].rec.id);
			html_open(o, "li", HTML_END);
			page_link(o, url, text);
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

void ui_risk_clause_links(struct web_req *r)
{
	const struct profile *p = r->profile;
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct risk_list l = { 0 };
	size_t *count = NULL, *counting = NULL, shown = 0;

	if (!p || !p->risk.reg || !web_door(r) || !web_reader(r))
		return;
	if (load_visible(r, NULL, NULL, &l, &err) < 0) {
		web_log(r, "risks: %s", err.buf);
		goto out;
	}
	count = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*count));
	counting = xcalloc(p->n_clauses ? p->n_clauses : 1, sizeof(*counting));
	for (size_t i = 0; i < l.nr; i++)
		for (size_t k = 0; k < l.items[i].now.n_measures; k++) {
			const struct risk_measure *m = &l.items[i].now.measures[k];
			/* the door's profile may be another copy than the page's: by id */
			const struct policy_clause *pc = policy_clause(p, m->clause->id);
			size_t c = pc ? (size_t)(pc - p->clauses) : p->n_clauses;
			if (c < p->n_clauses) {
				count[c]++;
				counting[c] += m->counts;
			}
		}
	for (unsigned c = 0; c < p->n_clauses; c++)
		shown += count[c] > 0;
	html_elem(o, "h2", _("Clauses that treat risks"), "id", "risks", HTML_END);
	if (!shown) {
		html_elem(o, "p", _("No risk names a clause as its measure yet."), HTML_END);
		goto out;
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
	for (unsigned c = 0; c < p->n_clauses; c++) {
		char n[48];
		if (!count[c])
			continue;
		html_open(o, "tr", "data-clause", p->clauses[c].id, HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, p->clauses[c].id);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		strbuf_reset(&url);
		strbuf_addstr(&url, "/risks");
		html_url_query(&url, "clause", p->clauses[c].id);
		snprintf(n, sizeof(n), "%zu", count[c]);
		page_link(o, url.buf, n);
		html_close(o, "td");
		snprintf(n, sizeof(n), "%zu", counting[c]);
		html_elem(o, "td", n, "class", "num", HTML_END);
		html_close(o, "tr");
	}
	html_close(o, "table");
out:
	free(count);
	free(counting);
	risk_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&url);
}
