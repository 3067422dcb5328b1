/* ui-takeouts: 持出し中: what is out of the office now, per section, overdue first; and the
 * dashboard's card of overdue take-outs for the person and the section's officer. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "core/read.h"
#include "core/takeouts.h"
#include "web/access.h"
#include "web/route.h"
#include "web/ui.h"

#define DAY_MS (24LL * 3600 * 1000)

/* 返却予定日 as the office writes it (令和8年12月10日) with the ISO date beside it. */
static void due_cell(struct web_req *r, const struct takeout *t, int64_t now)
{
	struct strbuf *o = &r->out;

	if (!t->due) {
		html_text(o, _("not given"));
		return;
	}
	page_ymd(o, t->due);
	if (t->overdue) {
		int64_t days = (now - t->due_end_ms) / DAY_MS + 1;
		struct strbuf s = STRBUF_INIT;
		strbuf_addf(&s, _("%lld days overdue"), (long long)days);
		strbuf_addch(o, ' ');
		html_elem(o, "strong", s.buf, "class", "overdue", HTML_END);
		strbuf_release(&s);
	}
}

void ui_takeout_table(struct web_req *r, const struct takeout_list *l, bool with_section)
{
	struct strbuf *o = &r->out;
	int64_t now = time_now_ms();

	html_open(o, "table", "class", "takeouts", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Record"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Level"), "scope", "col", HTML_END);
	if (with_section)
		html_elem(o, "th", _("Section"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Where to"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Carried by"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Taken out"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Due back"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Bring back"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct takeout *t = &l->items[i];
		struct strbuf url = STRBUF_INIT;
		const struct policy_action *a =
		    r->profile ? policy_action(r->profile, t->action) : NULL;
		const struct policy_action *back =
		    a ? policy_register_action(a->reg, "bring_back") : NULL;
		html_open(o, "tr", "class", t->overdue ? "overdue" : NULL, HTML_END);
		html_open(o, "td", HTML_END);
		strbuf_addf(&url, "/records/%" PRId64, t->record_id);
		page_link(o, url.buf, *t->title ? t->title : ui_register_name(r, t->register_id));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		ui_level_short(r, t->level);
		html_close(o, "td");
		if (with_section) {
			char *sec = ui_section_name(r, t->section);
			html_elem(o, "td", sec, HTML_END);
			free(sec);
		}
		html_elem(o, "td", t->destination ? t->destination : "—", HTML_END);
		html_elem(o, "td",
		          t->carrier_name    ? t->carrier_name
		          : t->taken_by_name ? t->taken_by_name
		                             : "—",
		          HTML_END);
		html_open(o, "td", HTML_END);
		page_date(o, t->taken_ms);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		due_cell(r, t, now);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		if (back) {
			strbuf_reset(&url);
			strbuf_addf(&url, "/records/%" PRId64 "/act", t->record_id);
			html_url_query(&url, "action", back->full_name);
			page_link(o, url.buf, back->name ? back->name : back->id);
		}
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&url);
	}
	html_close(o, "table");
}

void ui_takeouts(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct takeout_list l = { 0 };
	struct org_sections secs = { 0 };
	struct takeout_filter f = { 0 };
	struct reader *rd = web_reader(r);
	const char *section = web_query(r, "section");
	size_t overdue = 0;

	if (!r->profile || !rd) {
		web_error(r, 503, "no profile in force");
		goto out;
	}
	f.section = section && *section ? section : NULL;
	f.overdue_only = web_query(r, "overdue") && !strcmp(web_query(r, "overdue"), "1");
	if (takeouts_list(r->st, r->profile, rd, &f, time_now_ms(), &l, &err) < 0 ||
	    org_sections_list(r->st, &secs, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	for (size_t i = 0; i < l.nr; i++)
		overdue += l.items[i].overdue;
	page_begin(r, _("Taken out"), NAV_TAKEOUTS);
	html_elem(o, "p",
	          _("Information assets and equipment taken out of the office and not yet "
	            "brought back (MIN-4-1-3-4, SHJ-2-4-2). Overdue ones come first."),
	          "class", "cite", HTML_END);
	html_open(o, "form", "method", "get", "action", "/takeouts", "class", "filters", HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Section"), "for", "f-section", HTML_END);
	html_open(o, "select", "id", "f-section", "name", "section", HTML_END);
	html_elem(o, "option", _("All sections"), "value", "", HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, "selected",
		          f.section && !strcmp(f.section, secs.items[i].id) ? "" : NULL, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_void(o, "input", "type", "checkbox", "id", "f-overdue", "name", "overdue", "value",
	          "1", "checked", f.overdue_only ? "" : NULL, HTML_END);
	html_elem(o, "label", _("Only overdue"), "for", "f-overdue", HTML_END);
	html_close(o, "div");
	page_submit(r, _("Show"), "secondary");
	html_close(o, "form");
	{
		struct strbuf s = STRBUF_INIT;
		strbuf_addf(&s, _("%zu taken out, %zu of them overdue."), l.nr, overdue);
		html_elem(o, "p", s.buf, "class", overdue ? "notice warn" : "notice", "role",
		          "status", HTML_END);
		strbuf_release(&s);
	}
	if (l.nr) {
		struct strbuf base = STRBUF_INIT;
		ui_takeout_table(r, &l, true);
		strbuf_addstr(&base, "/takeouts.csv");
		if (f.section)
			html_url_query(&base, "section", f.section);
		if (f.overdue_only)
			html_url_query(&base, "overdue", "1");
		html_open(o, "p", "class", "noprint", HTML_END);
		ui_csv_links(r, base.buf);
		html_close(o, "p");
		strbuf_release(&base);
	}
	page_end(r);
out:
	takeout_list_release(&l);
	org_sections_release(&secs);
	strbuf_release(&err);
}

/*
 * The dashboard's card: take-outs past their 返却予定日 that the person took out or carries,
 * or that belong to a section where they are the security officer. Nothing when none.
 */
void ui_takeouts_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct takeout_list mine = { 0 }, officer = { 0 };
	struct takeout_filter fm = { .overdue_only = true, .person = r->user->id };
	struct takeout_filter fo = { .overdue_only = true, .officer = r->user->login };
	struct reader *rd = web_reader(r);
	struct strbuf err = STRBUF_INIT;
	int64_t now = time_now_ms();

	if (!r->profile || !rd || !takeouts_defined(r->profile))
		return;
	if (takeouts_list(r->st, r->profile, rd, &fm, now, &mine, &err) < 0 ||
	    takeouts_list(r->st, r->profile, rd, &fo, now, &officer, &err) < 0) {
		web_log(r, "%s", err.buf);
		goto out;
	}
	if (!mine.nr && !officer.nr)
		goto out;
	html_open(o, "section", "class", "card overdue-card", "aria-labelledby", "takeouts-h",
	          HTML_END);
	html_elem(o, "h2", _("Take-outs past their due date"), "id", "takeouts-h", HTML_END);
	if (mine.nr) {
		html_elem(o, "h3", _("Taken out by me"), HTML_END);
		ui_takeout_table(r, &mine, false);
	}
	if (officer.nr) {
		html_elem(o, "h3", _("In the sections I am responsible for"), HTML_END);
		ui_takeout_table(r, &officer, true);
	}
	html_open(o, "p", HTML_END);
	page_link(o, "/takeouts", _("Everything taken out"));
	html_close(o, "p");
	html_close(o, "section");
out:
	takeout_list_release(&mine);
	takeout_list_release(&officer);
	strbuf_release(&err);
}
