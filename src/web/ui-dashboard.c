/* ui-dashboard: the start page per person: requests, my section's records by level, duties
 * due, recent activity, and two charts drawn on the server as SVG. */
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/history.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "web/access.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui-risk.h"
#include "web/ui.h"

/* Colours of the level ranks (most protected first), as in mamori.css. */
static const char *const rank_fill[] = { "#b3261e", "#c77700", "#2f7d4f", "#5b6776" };

static const char *fill_for(const struct web_req *r, const char *level)
{
	const struct policy_level *l = level && r->profile ? policy_level(r->profile, level) : NULL;
	unsigned k = l ? l->rank : 3;

	return rank_fill[k < 3 ? k : 3];
}

struct cell {
	char *section, *level;
	int64_t n;
};

/* The counts summed per section and level into *ret (owned); returns how many cells. */
static size_t cells_of(const struct record_counts *counts, struct cell **ret)
{
	struct cell *cells = NULL;
	size_t nr = 0, alloc = 0;

	for (size_t i = 0; i < counts->nr; i++) {
		const struct record_count *c = &counts->items[i];
		const char *sec = c->section ? c->section : "", *lev = c->level ? c->level : "";
		size_t k;
		for (k = 0; k < nr; k++)
			if (!strcmp(cells[k].section, sec) && !strcmp(cells[k].level, lev))
				break;
		if (k == nr) {
			ALLOC_GROW(cells, nr, alloc);
			cells[nr].section = xstrdup(sec);
			cells[nr].level = xstrdup(lev);
			cells[nr].n = 0;
			nr++;
		}
		cells[k].n += c->n;
	}
	*ret = cells;
	return nr;
}

/* The largest count of a section of secs, at least 1 (the chart's full bar). */
static int64_t largest_section(const struct org_sections *secs, const struct cell *cells, size_t nr)
{
	int64_t max = 1;

	for (size_t s = 0; s < secs->nr; s++) {
		int64_t t = 0;
		for (size_t i = 0; i < nr; i++)
			if (!strcmp(cells[i].section, secs->items[s].id))
				t += cells[i].n;
		if (t > max)
			max = t;
	}
	return max;
}

/* The chart's legend: a swatch and the name of each level (six at most), at its foot. */
static void chart_legend(struct web_req *r, int left, int height)
{
	struct strbuf *o = &r->out;
	char x[24], y[24];

	for (unsigned l = 0; r->profile && l < r->profile->n_levels && l < 6; l++) {
		int lx = left + (int)l * 110;
		snprintf(x, sizeof(x), "%d", lx);
		snprintf(y, sizeof(y), "%d", height - 22);
		html_open(o, "rect", "x", x, "y", y, "width", "14", "height", "14", "fill",
		          fill_for(r, r->profile->levels[l].id), HTML_END);
		html_close(o, "rect");
		snprintf(x, sizeof(x), "%d", lx + 20);
		snprintf(y, sizeof(y), "%d", height - 10);
		html_elem(o, "text", r->profile->levels[l].name, "x", x, "y", y, HTML_END);
	}
}

/* Records by section and level: a stacked horizontal bar per section, of the records the user
 * may read (core/read.h). */
static void chart_records(struct web_req *r, const struct record_counts *counts)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_sections secs = { 0 };
	struct cell *cells = NULL;
	size_t nr;
	int64_t max;

	if (org_sections_list(r->st, &secs, &err) < 0) {
		web_log(r, "chart: %s", err.buf);
		strbuf_release(&err);
		return;
	}
	nr = cells_of(counts, &cells);
	max = largest_section(&secs, cells, nr);

	const int row = 26, left = 130, width = 600, bar = width - left - 50;
	int height = (int)secs.nr * row + 40;
	char vb[64], x[24], y[24], w[24], h[24];
	snprintf(vb, sizeof(vb), "0 0 %d %d", width, height);
	html_open(o, "figure", "class", "chart card", HTML_END);
	html_elem(o, "figcaption", _("Records by section and level"), HTML_END);
	html_open(o, "svg", "viewBox", vb, "role", "img", "aria-label",
	          _("Records by section and level"), HTML_END);
	for (size_t s = 0; s < secs.nr; s++) {
		int cy = (int)s * row + 8;
		double cx = left;
		int64_t total = 0;
		snprintf(y, sizeof(y), "%d", cy + 14);
		snprintf(x, sizeof(x), "%d", left - 8);
		html_elem(o, "text", secs.items[s].name, "x", x, "y", y, "text-anchor", "end",
		          HTML_END);
		for (unsigned l = 0; r->profile && l < r->profile->n_levels; l++) {
			for (size_t i = 0; i < nr; i++) {
				if (strcmp(cells[i].section, secs.items[s].id) ||
				    strcmp(cells[i].level, r->profile->levels[l].id))
					continue;
				double bw = (double)bar * (double)cells[i].n / (double)max;
				struct strbuf tip = STRBUF_INIT;
				snprintf(x, sizeof(x), "%.1f", cx);
				snprintf(y, sizeof(y), "%d", cy);
				snprintf(w, sizeof(w), "%.1f", bw);
				snprintf(h, sizeof(h), "%d", row - 8);
				strbuf_addf(&tip, "%s %s: %lld", secs.items[s].name,
				            r->profile->levels[l].name, (long long)cells[i].n);
				html_open(o, "rect", "x", x, "y", y, "width", w, "height", h,
				          "fill", fill_for(r, cells[i].level), HTML_END);
				html_elem(o, "title", tip.buf, HTML_END);
				html_close(o, "rect");
				strbuf_release(&tip);
				cx += bw;
				total += cells[i].n;
			}
		}
		snprintf(x, sizeof(x), "%.1f", cx + 6);
		snprintf(y, sizeof(y), "%d", cy + 14);
		html_open(o, "text", "x", x, "y", y, HTML_END);
		html_textf(o, "%lld", (long long)total);
		html_close(o, "text");
	}
	chart_legend(r, left, height);
	html_close(o, "svg");
	html_close(o, "figure");
	for (size_t i = 0; i < nr; i++) {
		free(cells[i].section);
		free(cells[i].level);
	}
	free(cells);
	org_sections_release(&secs);
	strbuf_release(&err);
}

/* Requests filed per week over the last twelve weeks: a column chart. */
static void chart_requests(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	const int weeks = 12;
	const int64_t week_ms = 7 * 86400 * 1000LL;
	int64_t now = time_now_ms(), counts[12] = { 0 }, max = 1;

	if (requests_per_week(r->st, now, weeks, counts, &err) < 0) {
		web_log(r, "chart: %s", err.buf);
		strbuf_release(&err);
		return;
	}
	for (int i = 0; i < weeks; i++)
		if (counts[i] > max)
			max = counts[i];

	const int width = 600, height = 200, base = 170, colw = 40;
	char vb[64], x[24], y[24], w[24], h[24];
	snprintf(vb, sizeof(vb), "0 0 %d %d", width, height);
	html_open(o, "figure", "class", "chart card", HTML_END);
	html_elem(o, "figcaption", _("Requests filed per week (last 12 weeks)"), HTML_END);
	html_open(o, "svg", "viewBox", vb, "role", "img", "aria-label",
	          _("Requests filed per week (last 12 weeks)"), HTML_END);
	for (int i = 0; i < weeks; i++) {
		double bh = 140.0 * (double)counts[i] / (double)max;
		struct strbuf lab = STRBUF_INIT;
		snprintf(x, sizeof(x), "%d", 30 + i * (colw + 6));
		snprintf(y, sizeof(y), "%.1f", base - bh);
		snprintf(w, sizeof(w), "%d", colw);
		snprintf(h, sizeof(h), "%.1f", bh);
		html_open(o, "rect", "x", x, "y", y, "width", w, "height", h, "fill", "#1f5fa8",
		          HTML_END);
		strbuf_addf(&lab, "%lld", (long long)counts[i]);
		html_elem(o, "title", lab.buf, HTML_END);
		html_close(o, "rect");
		snprintf(x, sizeof(x), "%d", 30 + i * (colw + 6) + colw / 2);
		snprintf(y, sizeof(y), "%.1f", base - bh - 4);
		html_elem(o, "text", lab.buf, "x", x, "y", y, "text-anchor", "middle", HTML_END);
		strbuf_reset(&lab);
		/* The week's start, as month/day in Tokyo. */
		struct strbuf d = STRBUF_INIT;
		time_format_local(&d, now - (int64_t)(weeks - 1 - i) * week_ms, TOKYO_OFFSET_MS);
		if (d.len >= 10)
			strbuf_addf(&lab, "%.2s/%.2s", d.buf + 5, d.buf + 8);
		snprintf(y, sizeof(y), "%d", base + 18);
		html_elem(o, "text", lab.buf, "x", x, "y", y, "text-anchor", "middle", HTML_END);
		strbuf_release(&d);
		strbuf_release(&lab);
	}
	html_close(o, "svg");
	html_close(o, "figure");
	strbuf_release(&err);
}

static void request_list_card(struct web_req *r, const char *title, const struct request_list *l,
                              const char *more)
{
	struct strbuf *o = &r->out;

	html_open(o, "section", "class", "card", HTML_END);
	html_elem(o, "h2", title, HTML_END);
	html_open(o, "p", "class", "stat", HTML_END);
	html_textf(o, "%zu", l->nr);
	html_close(o, "p");
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < l->nr && i < 5; i++) {
		char url[48];
		snprintf(url, sizeof(url), "/requests/%" PRId64, l->items[i].id);
		html_open(o, "li", HTML_END);
		html_open(o, "a", "href", url, HTML_END);
		html_textf(o, "#%" PRId64 " %s", l->items[i].id,
		           ui_action_name(r, l->items[i].action));
		html_close(o, "a");
		html_textf(o, " (%s)", l->items[i].applicant_name);
		html_close(o, "li");
	}
	html_close(o, "ul");
	html_elem(o, "a", _("All requests"), "href", more, HTML_END);
	html_close(o, "section");
}

/* The user's section's records they may read, by register and level. */
static void my_section_card(struct web_req *r, const struct record_counts *counts)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	html_open(o, "section", "class", "card", HTML_END);
	html_elem(o, "h2", _("My section's records by level"), HTML_END);
	if (!r->user->section) {
		html_elem(o, "p", _("You belong to no section."), HTML_END);
		goto out;
	}
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Register"), HTML_END);
	html_elem(o, "th", _("Level"), HTML_END);
	html_elem(o, "th", _("Records"), "class", "num", HTML_END);
	html_close(o, "tr");
	/* In the profile's register order, then level order. */
	for (unsigned g = 0; r->profile && g < r->profile->n_registers; g++) {
		const char *reg = r->profile->registers[g].id;
		for (unsigned l = 0; l <= r->profile->n_levels; l++) {
			const char *lev =
			    l < r->profile->n_levels ? r->profile->levels[l].id : NULL;
			int64_t n = 0;
			for (size_t i = 0; i < counts->nr; i++) {
				const struct record_count *c = &counts->items[i];
				if (!strcmp(c->register_id, reg) && c->section &&
				    !strcmp(c->section, r->user->section) &&
				    (lev ? c->level && !strcmp(c->level, lev) : !c->level))
					n += c->n;
			}
			if (!n)
				continue;
			strbuf_reset(&url);
			strbuf_addstr(&url, "/registers");
			html_url_segment(&url, reg);
			html_url_query(&url, "section", r->user->section);
			if (lev)
				html_url_query(&url, "level", lev);
			html_open(o, "tr", HTML_END);
			html_open(o, "td", HTML_END);
			page_link(o, url.buf, ui_register_name(r, reg));
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			ui_level(r, lev);
			html_close(o, "td");
			html_open(o, "td", "class", "num", HTML_END);
			html_textf(o, "%lld", (long long)n);
			html_close(o, "td");
			html_close(o, "tr");
		}
	}
	html_close(o, "table");
out:
	html_close(o, "section");
	strbuf_release(&url);
}

/* The latest acts the user may see: their own and those on records they may read. */
static void activity_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct activity acts = { 0 };
	struct reader *rd = web_reader(r);

	html_open(o, "section", "class", "card", HTML_END);
	html_elem(o, "h2", _("Recent activity"), HTML_END);
	if (!rd || activity_recent(r->st, rd, 10, &acts, &err) < 0) {
		web_log(r, "activity: %s", err.buf);
		goto out;
	}
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < acts.nr; i++) {
		const struct activity_item *x = &acts.items[i];
		html_open(o, "li", HTML_END);
		page_time(o, x->at_ms);
		html_textf(o, " %s", x->actor_name ? x->actor_name : "-");
		ui_channel_note(r, x->via, x->os_user);
		html_textf(o, _(": %s (%s)"), ui_action_name(r, x->action),
		           ui_outcome_name(x->outcome));
		if (x->record_id) {
			char url[48];
			snprintf(url, sizeof(url), "/records/%lld", (long long)x->record_id);
			strbuf_addch(o, ' ');
			page_link(o, url, url + 9);
		}
		html_close(o, "li");
	}
	html_close(o, "ul");
out:
	activity_release(&acts);
	html_close(o, "section");
	strbuf_release(&err);
}

/*
 * The dashboard's body depends on who reads (the reader's key: person, roles, profile), the
 * language, the data (the memo is dropped whenever the database changes or a role starts or
 * ends: web_cache_*) and the time (due dates and deadlines count from now): memoised for at
 * most DASHBOARD_MEMO_MS, never when it carries the session's CSRF token (a form).
 */
#define DASHBOARD_MEMO_MS 10000

static bool dashboard_memo(struct web_req *r, struct reader *rd, int64_t now, struct strbuf *key)
{
	const char *cached;
	char *end;
	long long until;

	strbuf_addf(key, "dashboard:%zu:%s:%d", strlen(reader_key(rd)), reader_key(rd),
	            (int)r->lang);
	cached = web_cache_get(r, key->buf);
	if (!cached)
		return false;
	until = strtoll(cached, &end, 10);
	if (*end != '\n' || now >= until)
		return false;
	page_begin(r, _("Dashboard"), NAV_HOME);
	strbuf_addstr(&r->out, end + 1);
	page_end(r);
	return true;
}

static void dashboard_memo_put(struct web_req *r, const struct strbuf *key, int64_t now,
                               size_t body_start)
{
	const char *body = r->out.buf + body_start;
	struct strbuf v = STRBUF_INIT;

	if (!key->len || (r->csrf[0] && strstr(body, r->csrf)))
		return;
	strbuf_addf(&v, "%" PRId64 "\n%s", now + DASHBOARD_MEMO_MS, body);
	web_cache_put(r, key->buf, v.buf);
	strbuf_release(&v);
}

void ui_dashboard(struct web_req *r)
{
	struct strbuf key = STRBUF_INIT;
	size_t body_start;
	struct strbuf err = STRBUF_INIT;
	struct request_list mine = { 0 }, todo = { 0 };
	struct strv roles = STRV_INIT;
	int64_t now = time_now_ms();
	struct request_filter fm = {
		.applicant = r->user->id, .state = "pending", .now_ms = now, .limit = 50
	};
	struct request_filter ft = { .to_approve_roles = &roles,
		                     .profile = r->profile,
		                     .to_approve_user = r->user->id,
		                     .now_ms = now,
		                     .limit = 50 };

	struct record_counts counts = { 0 };
	struct reader *rd = web_reader(r);

	if (rd && dashboard_memo(r, rd, now, &key))
		goto out;
	for (size_t i = 0; i < r->user->n_roles; i++)
		strv_push(&roles, r->user->roles[i]);
	if (requests_list(r->st, &ft, &todo, &err) < 0 ||
	    requests_list(r->st, &fm, &mine, &err) < 0 || !rd ||
	    records_count_visible(r->st, rd, NULL, &counts, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Dashboard"), NAV_HOME);
	body_start = r->out.len;
	html_open(&r->out, "div", "class", "grid", HTML_END);
	request_list_card(r, _("Waiting for my approval"), &todo, "/requests#to-approve");
	request_list_card(r, _("My requests waiting"), &mine, "/requests#mine");
	my_section_card(r, &counts);
	ui_duties_card(r);
	ui_alerts_card(r);
	html_close(&r->out, "div");
	ui_takeouts_card(r);
	ui_audit_reports_card(r);
	ui_findings_card(r);
	ui_inspections_card(r);
	ui_incidents_card(r);
	ui_risks_card(r);
	html_open(&r->out, "div", "class", "grid", HTML_END);
	chart_records(r, &counts);
	chart_requests(r);
	html_close(&r->out, "div");
	activity_card(r);
	dashboard_memo_put(r, &key, now, body_start);
	page_end(r);
out:
	strbuf_release(&key);
	record_counts_release(&counts);
	request_list_release(&todo);
	request_list_release(&mine);
	strv_release(&roles);
	strbuf_release(&err);
}
