/* ui-risk-list: the risk register in the browser, per section or ward-wide: the page with its
 * heat maps and assessment form (/risks), its CSV for Excel (/risks.csv) and its print view
 * (/risks/print), all read through risk_list_visible: one read decision, one look at the ward
 * per request (docs/risk.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/export-lists.h"
#include "core/org.h"
#include "core/records.h"
#include "core/risk.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

const char *ui_risk_state_name(const struct web_req *r, const struct risk *rk)
{
	if (rk->stale)
		return _("to be reassessed");
	return ui_state_name(r, rk->rec.register_id, rk->state);
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

void ui_risk_target(struct web_req *r, const struct risk *rk)
{
	struct strbuf url = STRBUF_INIT, text = STRBUF_INIT;

	if (risk_of_section(rk)) {
		strbuf_addstr(&url, "/risks");
		html_url_query(&url, "section", rk->section ? rk->section : "");
		strbuf_addf(&text, _("%s (whole section)"),
		            rk->section_name ? rk->section_name
		            : rk->section    ? rk->section
		                             : "—");
	} else {
		strbuf_addf(&url, "/records/%" PRId64, rk->target);
		strbuf_addstr(&text, rk->target_title ? rk->target_title : url.buf + 9);
	}
	page_link(&r->out, url.buf, text.buf);
	strbuf_release(&url);
	strbuf_release(&text);
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
		char num[24];

		snprintf(num, sizeof(num), "%" PRId64, rk->rec.id);
		html_open(o, "tr", "class", rk->stale ? "stale" : NULL, "data-risk", num, HTML_END);
		html_elem(o, "td", num, "class", "num", HTML_END);
		html_open(o, "td", HTML_END);
		risk_link(o, rk);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		ui_risk_target(r, rk);
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

int ui_risks_load(struct web_req *r, const struct risk_filter *f, struct risk_list *l,
                  struct strbuf *err)
{
	memset(l, 0, sizeof(*l));
	if (!web_door(r) || !web_reader(r)) {
		error_set(err, "no door or reader for this request");
		return -ENOENT;
	}
	return risk_list_visible(web_door(r), r->st, web_reader(r), f, time_now_ms(), l, err);
}

/* The filter of the register's pages from the query: ?section=ID&clause=CLAUSE. */
static void query_filter(struct web_req *r, struct risk_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->section = web_query(r, "section");
	f->clause = web_query(r, "clause");
	if (f->section && !*f->section)
		f->section = NULL;
	if (f->clause && !*f->clause)
		f->clause = NULL;
}

/* "/risks.csv?section=zeimu" etc.: base with the register's filter. */
static void filtered_url(struct strbuf *url, const char *base, const struct risk_filter *f)
{
	strbuf_addstr(url, base);
	if (f->section)
		html_url_query(url, "section", f->section);
	if (f->clause)
		html_url_query(url, "clause", f->clause);
}

static bool register_ready(struct web_req *r)
{
	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !web_reader(r)) {
		web_error(r, 404, "this ward's profile keeps no risk register");
		return false;
	}
	return true;
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

/* "Risks" or "Risks of 税務課". */
static void register_title(struct web_req *r, const char *section, struct strbuf *title)
{
	if (section) {
		char *name = ui_section_name(r, section);
		strbuf_addf(title, _("Risks of %s"), *name ? name : section);
		free(name);
	} else {
		strbuf_addstr(title, _("Risks"));
	}
}

/* How the register's page and its print view begin: the filter from the query, the risks it
 * keeps that the reader may read, the page titled for it. False after an error page. */
static bool register_begin(struct web_req *r, struct risk_filter *f, struct risk_list *l,
                           struct strbuf *title)
{
	struct strbuf err = STRBUF_INIT;
	bool ok = register_ready(r);

	if (ok) {
		query_filter(r, f);
		if (ui_risks_load(r, f, l, &err) < 0) {
			web_error(r, 503, err.buf);
			ok = false;
		}
	}
	if (ok) {
		register_title(r, f->section, title);
		page_begin(r, title->buf, NAV_RISKS);
	}
	strbuf_release(&err);
	return ok;
}

void ui_risks(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, url = STRBUF_INIT;
	struct risk_list l = { 0 };
	struct risk_filter f;

	if (!register_begin(r, &f, &l, &title))
		goto out;
	web_notice_from_query(r);
	html_elem(o, "p",
	          _("The threats the standards name, assessed for the ward's assets and systems "
	            "by the security officer of the section that manages them. A measure is a "
	            "clause of the standards; it lowers the risk only while Mamori sees it "
	            "carried out (its duties done on time)."),
	          "class", "cite", HTML_END);
	if (f.clause) {
		html_open(o, "p", HTML_END);
		html_text(o, _("Only the risks treated by the clause "));
		ui_clause(r, f.clause);
		html_text(o, " ");
		page_link(o, "/risks", _("(show all)"));
		html_close(o, "p");
	}
	section_filter(r, f.section, f.clause);
	ui_risk_heat_maps(r, &l);
	ui_risk_table(r, &l, !f.section);
	html_open(o, "p", "class", "noprint", HTML_END);
	filtered_url(&url, "/risks.csv", &f);
	ui_csv_links(r, url.buf);
	strbuf_reset(&url);
	filtered_url(&url, "/risks/print", &f);
	html_text(o, " ");
	html_elem(o, "a", _("Print view"), "href", url.buf, "class", "button secondary", HTML_END);
	html_text(o, " ・ ");
	page_link(o, "/report/compliance", _("The compliance report per clause"));
	html_close(o, "p");
	ui_risk_assess_form(r, NULL);
	page_end(r);
out:
	risk_list_release(&l);
	strbuf_release(&title);
	strbuf_release(&url);
}

/* GET /risks.csv: the register as the page lists it, for Excel (?encoding=cp932: Shift_JIS). */
void ui_risks_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct risk_list l = { 0 };
	struct risk_filter f;
	struct csv_writer w;

	if (!register_ready(r))
		return;
	query_filter(r, &f);
	if (ui_risks_load(r, &f, &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_risks_csv(r->st, r->profile, &l, &w);
	ui_csv_send(r, "risks", "リスク台帳", &w, &out);
out:
	risk_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* The measures of a risk in one cell: each clause, struck through in words when it does not
 * count. */
static void measures_cell(struct web_req *r, const struct risk *rk)
{
	struct strbuf *o = &r->out;

	html_open(o, "td", "class", "measures", HTML_END);
	for (size_t i = 0; i < rk->now.n_measures; i++) {
		const struct risk_measure *m = &rk->now.measures[i];
		if (i)
			html_text(o, _(", "));
		html_text(o, m->clause->id);
		if (!m->counts)
			html_elem(o, "span", _(" (does not count)"), "class", "overdue", HTML_END);
	}
	if (!rk->now.n_measures)
		html_text(o, "—");
	html_close(o, "td");
}

/* The print view's table: every column a paper register needs. */
static void print_table(struct web_req *r, const struct risk_list *l)
{
	static const char *const heads[] = { N_("No."),        N_("Threat"),   N_("Assessed for"),
		                             N_("Section"),    N_("Inherent"), N_("Residual"),
		                             N_("Treatment"),  N_("Measures"), N_("State"),
		                             N_("Accepted by") };
	struct strbuf *o = &r->out;

	html_open(o, "table", "class", "risks print", HTML_END);
	html_open(o, "tr", HTML_END);
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
		html_elem(o, "th", _(heads[i]), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct risk *rk = &l->items[i];
		char *section = ui_section_name(r, rk->section);
		char n[96];

		snprintf(n, sizeof(n), "%" PRId64, rk->rec.id);
		html_open(o, "tr", "class", rk->stale ? "stale" : NULL, "data-risk", n, HTML_END);
		html_elem(o, "td", n, "class", "num", HTML_END);
		html_elem(o, "td",
		          rk->threat      ? rk->threat->name
		          : rk->threat_id ? rk->threat_id
		                          : "—",
		          HTML_END);
		if (risk_of_section(rk)) {
			struct strbuf t = STRBUF_INIT;
			strbuf_addf(&t, _("%s (whole section)"), *section ? section : "—");
			html_elem(o, "td", t.buf, HTML_END);
			strbuf_release(&t);
		} else {
			snprintf(n, sizeof(n), "%" PRId64, rk->target);
			html_elem(o, "td", rk->target_title ? rk->target_title : n, HTML_END);
		}
		html_elem(o, "td", *section ? section : "—", HTML_END);
		snprintf(n, sizeof(n), "%" PRId64 " × %" PRId64 " = %" PRId64, rk->likelihood,
		         rk->impact, rk->inherent);
		html_elem(o, "td", n, "class", "num inherent", HTML_END);
		snprintf(n, sizeof(n), "%" PRId64, rk->residual);
		html_elem(o, "td", n, "class", "num residual", HTML_END);
		html_elem(o, "td", rk->treatment ? rk->treatment : "—", HTML_END);
		measures_cell(r, rk);
		html_elem(o, "td", ui_risk_state_name(r, rk), "class", "state", HTML_END);
		html_open(o, "td", HTML_END);
		if (rk->accepted_ms) {
			html_text(o, rk->accepted_person ? rk->accepted_person
			             : rk->accepted_by   ? rk->accepted_by
			                                 : "—");
			html_text(o, " ");
			page_date(o, rk->accepted_ms);
		} else {
			html_text(o, "—");
		}
		html_close(o, "td");
		html_close(o, "tr");
		free(section);
	}
	html_close(o, "table");
}

/* GET /risks/print: the register on paper: its title and date, the heat maps, every risk's
 * values, measures and acceptance; no forms, no menus. */
void ui_risks_print(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, url = STRBUF_INIT;
	struct risk_list l = { 0 };
	struct risk_filter f;

	if (!register_begin(r, &f, &l, &title))
		goto out;
	html_open(o, "p", "class", "noprint", HTML_END);
	html_text(o, _("Print this page with the browser's print command (Ctrl+P): the menus are "
	               "left out of the paper."));
	html_text(o, " ");
	filtered_url(&url, "/risks", &f);
	page_link(o, url.buf, _("Back"));
	html_close(o, "p");
	html_open(o, "p", "class", "made", HTML_END);
	html_text(o, _("As of "));
	page_time(o, time_now_ms());
	if (f.clause) {
		html_text(o, _(" — only the risks treated by the clause "));
		html_text(o, f.clause);
	}
	html_close(o, "p");
	ui_risk_heat_maps(r, &l);
	if (!l.nr)
		html_elem(o, "p", _("No risks you may read."), "class", "empty", HTML_END);
	else
		print_table(r, &l);
	page_end(r);
out:
	risk_list_release(&l);
	strbuf_release(&title);
	strbuf_release(&url);
}
