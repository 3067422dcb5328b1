/* ui-registers: the registers, a register's records (filters, sorting, paging), new records. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/forms.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

#define PAGE_SIZE 50

void ui_registers(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct record_counts counts = { 0 };
	struct reader *rd = web_reader(r);
	int64_t *per_reg;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	/* The records this person may read: the count never tells of one they may not. */
	if (!rd || records_count_visible(r->st, rd, NULL, &counts, &err) < 0) {
		/* An error page, never a page of counts cut short. */
		web_error(r, 503, err.len ? err.buf : "no read rights");
		strbuf_release(&err);
		return;
	}
	per_reg = xcalloc(r->profile->n_registers + 1, sizeof(*per_reg));
	for (size_t i = 0; i < counts.nr; i++) {
		const struct policy_register *g =
		    policy_register(r->profile, counts.items[i].register_id);
		if (g)
			per_reg[g->index] += counts.items[i].n;
	}
	page_begin(r, _("Registers"), NAV_REGISTERS);
	html_elem(o, "p",
	          _("The records the standard requires the ward to keep. Choose a register to see "
	            "its records."),
	          HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Register"), HTML_END);
	html_elem(o, "th", _("Records"), "class", "num", HTML_END);
	html_elem(o, "th", _("Clauses"), HTML_END);
	html_close(o, "tr");
	for (unsigned i = 0; i < r->profile->n_registers; i++) {
		const struct policy_register *g = &r->profile->registers[i];
		struct strbuf url = STRBUF_INIT;
		strbuf_addstr(&url, "/registers");
		html_url_segment(&url, g->id);
		html_open(o, "tr", HTML_END);
		html_open(o, "td", HTML_END);
		page_link(o, url.buf, g->name);
		html_close(o, "td");
		html_open(o, "td", "class", "num", HTML_END);
		html_textf(o, "%lld", (long long)per_reg[g->index]);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		for (unsigned k = 0; k < g->clauses.nr; k++) {
			ui_clause(r, g->clauses.items[k]->id);
			strbuf_addch(o, ' ');
		}
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&url);
	}
	free(per_reg);
	record_counts_release(&counts);
	html_close(o, "table");
	page_end(r);
	strbuf_release(&err);
}

/* A link to this list with one parameter changed (sort or page), keeping the filters. */
static void list_url(struct web_req *r, const char *reg, const char *key, const char *value,
                     struct strbuf *url)
{
	static const char *const keep[] = { "level", "section", "state", "q", "sort" };

	strbuf_reset(url);
	strbuf_addstr(url, "/registers");
	html_url_segment(url, reg);
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		const char *v = web_query(r, keep[i]);
		if (!strcmp(keep[i], key) || !v || !*v)
			continue;
		html_url_query(url, keep[i], v);
	}
	if (value)
		html_url_query(url, key, value);
}

static void sort_header(struct web_req *r, const char *reg, const char *label, const char *key,
                        const char *cur)
{
	struct strbuf url = STRBUF_INIT, want = STRBUF_INIT;
	bool asc = cur && !strcmp(cur, key);
	bool desc = cur && cur[0] == '-' && !strcmp(cur + 1, key);

	/* Clicking the column sorted ascending reverses it. */
	if (asc)
		strbuf_addf(&want, "-%s", key);
	else
		strbuf_addstr(&want, key);
	list_url(r, reg, "sort", want.buf, &url);
	html_open(&r->out, "th", "aria-sort",
	          asc    ? "ascending"
	          : desc ? "descending"
	                 : NULL,
	          HTML_END);
	html_open(&r->out, "a", "href", url.buf, HTML_END);
	html_text(&r->out, label);
	if (asc || desc)
		html_text(&r->out, asc ? " ▲" : " ▼");
	html_close(&r->out, "a");
	html_close(&r->out, "th");
	strbuf_release(&url);
	strbuf_release(&want);
}

static void select_filter(struct web_req *r, const char *name, const char *label,
                          const char *const *values, const char *const *labels, size_t n)
{
	struct strbuf *o = &r->out;
	const char *cur = web_query(r, name);
	struct strbuf id = STRBUF_INIT;

	strbuf_addf(&id, "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id.buf, HTML_END);
	html_open(o, "select", "name", name, "id", id.buf, HTML_END);
	html_elem(o, "option", _("(all)"), "value", "", HTML_END);
	for (size_t i = 0; i < n; i++)
		html_elem(o, "option", labels[i], "value", values[i], "selected",
		          cur && !strcmp(cur, values[i]) ? "" : NULL, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	strbuf_release(&id);
}

/* The page's table rows. */
static void list_rows(struct web_req *r, const struct policy_register *g,
                      const struct record_list *l, const struct org_sections *secs)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	for (size_t i = 0; i < l->nr; i++) {
		const struct record *rec = &l->items[i];
		char idbuf[24];
		const char *sn = rec->section ? rec->section : "";

		snprintf(idbuf, sizeof(idbuf), "%" PRId64, rec->id);
		strbuf_reset(&url);
		strbuf_addstr(&url, "/records");
		html_url_segment(&url, idbuf);
		html_open(o, "tr", HTML_END);
		html_open(o, "td", "class", "num", HTML_END);
		page_link(o, url.buf, idbuf);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		/* A record without a title still gets a link people can name (WCAG 2.4.4). */
		page_link(o, url.buf,
		          *record_title(r->profile, rec) ? record_title(r->profile, rec)
		                                         : _("(no title)"));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		ui_level_short(r, rec->level);
		html_close(o, "td");
		for (size_t k = 0; k < secs->nr; k++)
			if (rec->section && !strcmp(secs->items[k].id, rec->section))
				sn = secs->items[k].name;
		html_elem(o, "td", sn, HTML_END);
		html_open(o, "td", HTML_END);
		html_elem(o, "span", ui_state_name(r, g->id, rec->state), "class", "state",
		          HTML_END);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		page_time(o, rec->changed_ms);
		html_close(o, "td");
		html_close(o, "tr");
	}
	strbuf_release(&url);
}

static void list_pager(struct web_req *r, const struct policy_register *g, int64_t page,
                       int64_t total)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	int64_t pages = (total + PAGE_SIZE - 1) / PAGE_SIZE;
	char nb[24];

	html_open(o, "nav", "class", "pager", "aria-label", _("Pages"), HTML_END);
	if (page > 1) {
		snprintf(nb, sizeof(nb), "%" PRId64, page - 1);
		list_url(r, g->id, "page", nb, &url);
		html_elem(o, "a", _("Previous"), "href", url.buf, "rel", "prev", HTML_END);
	}
	html_open(o, "span", HTML_END);
	html_textf(o, _("Page %lld of %lld (%lld records)"), (long long)page,
	           (long long)(pages ? pages : 1), (long long)total);
	html_close(o, "span");
	if (page < pages) {
		snprintf(nb, sizeof(nb), "%" PRId64, page + 1);
		list_url(r, g->id, "page", nb, &url);
		html_elem(o, "a", _("Next"), "href", url.buf, "rel", "next", HTML_END);
	}
	html_close(o, "nav");
	strbuf_release(&url);
}

static void list_filters(struct web_req *r, const struct policy_register *g,
                         const struct org_sections *secs, const char *text, const char *sort)
{
	struct strbuf *o = &r->out;

	/* Filters: a GET form, so a filtered list can be bookmarked and changes nothing. */
	html_open(o, "form", "method", "get", "class", "filters card", HTML_END);
	{
		const char *lv[POLICY_MAX_LEVELS], *ln[POLICY_MAX_LEVELS];
		for (unsigned i = 0; i < r->profile->n_levels; i++) {
			lv[i] = r->profile->levels[i].id;
			ln[i] = r->profile->levels[i].name;
		}
		select_filter(r, "level", _("Level"), lv, ln, r->profile->n_levels);
	}
	{
		const char **sv = xcalloc(secs->nr + 1, sizeof(*sv));
		const char **sn = xcalloc(secs->nr + 1, sizeof(*sn));
		for (size_t i = 0; i < secs->nr; i++) {
			sv[i] = secs->items[i].id;
			sn[i] = secs->items[i].name;
		}
		select_filter(r, "section", _("Section"), sv, sn, secs->nr);
		free(sv);
		free(sn);
	}
	{
		const char *stv[POLICY_MAX_STATES], *stn[POLICY_MAX_STATES];
		for (unsigned i = 0; i < g->n_states; i++) {
			stv[i] = g->states[i].id;
			stn[i] = g->states[i].name;
		}
		select_filter(r, "state", _("State"), stv, stn, g->n_states);
	}
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Contains"), "for", "f-q", HTML_END);
	html_void(o, "input", "type", "search", "name", "q", "id", "f-q", "value", text, HTML_END);
	html_close(o, "div");
	if (sort)
		html_void(o, "input", "type", "hidden", "name", "sort", "value", sort, HTML_END);
	page_submit(r, _("Filter"), "secondary");
	html_close(o, "form");
}

/*
 * A register's records: only those the user may read (core/read.h), filtered, searched,
 * counted, sorted and paged after that decision, in SQL. The count of the matches for a
 * filter is memoised per thread (web_cache_*) under the reader's key, which changes with the
 * person's roles, so paging through a long list counts once.
 */
/* CSV downloads of what the list shows (every page): UTF-8 for today's Excel, CP932 for old. */
static void export_links(struct web_req *r, const struct policy_register *g,
                         const struct record_query *q)
{
	struct strbuf base = STRBUF_INIT;
	const char *keys[] = { "level", "section", "state", "q", "sort" };
	const char *vals[] = { q->level, q->section, q->state, q->text, q->sort };

	strbuf_addstr(&base, "/registers");
	html_url_segment(&base, g->id);
	strbuf_addstr(&base, "/csv");
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (vals[i] && *vals[i])
			html_url_query(&base, keys[i], vals[i]);
	ui_csv_links(r, base.buf);
	strbuf_release(&base);
}

/* The list's query: the register, the filters and sort of the URL, one page of brief rows. */
static void list_query(struct web_req *r, const struct policy_register *g, const char *sort,
                       int64_t page, struct record_query *q)
{
	q->register_id = g->id;
	q->level = web_query(r, "level");
	q->section = web_query(r, "section");
	q->state = web_query(r, "state");
	q->text = web_query(r, "q");
	q->sort = sort;
	q->offset = (page - 1) * PAGE_SIZE;
	q->limit = PAGE_SIZE;
	q->brief = true; /* list_rows shows the id, title, level, section, state and changed */
}

/*
 * The page body depends only on who reads (the reader's key: person, roles, profile), the
 * language and the query, and on nothing else until the database changes or a role
 * starts or ends: memoised per thread (web_cache_*). Keys carry each part's length.
 */
static void page_cache_key(const struct web_req *r, const struct reader *rd, struct strbuf *key)
{
	strbuf_addf(key, "page:%zu:%s:%d:%zu:%s", strlen(reader_key(rd)), reader_key(rd),
	            (int)r->lang, strlen(r->path), r->path);
	for (size_t i = 0; i < r->query.nr; i++)
		strbuf_addf(key, ":%zu:%s:%zu:%s", strlen(r->query.items[i].name),
		            r->query.items[i].name, strlen(r->query.items[i].value),
		            r->query.items[i].value);
}

/* The key of a filter's count, the same for every page and sort of it. */
static void count_cache_key(const struct reader *rd, const struct record_query *q,
                            struct strbuf *key)
{
	const char *parts[] = { q->level, q->section, q->state, q->text };

	strbuf_addf(key, "count:%zu:%s:%zu:%s", strlen(reader_key(rd)), reader_key(rd),
	            strlen(q->register_id), q->register_id);
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		strbuf_addf(key, ":%zu:%s", parts[i] ? strlen(parts[i]) : 0,
		            parts[i] ? parts[i] : "");
}

/* The list page's body: the new-record and export links, the filters, the table, the pager. */
static void list_body(struct web_req *r, const struct policy_register *g,
                      const struct record_query *q, const struct record_page *pg,
                      const struct org_sections *secs, int64_t page)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	html_open(o, "p", HTML_END);
	strbuf_addstr(&url, "/registers");
	html_url_segment(&url, g->id);
	strbuf_addstr(&url, "/new");
	html_elem(o, "a", _("New record"), "href", url.buf, "class", "button", HTML_END);
	export_links(r, g, q);
	html_close(o, "p");
	list_filters(r, g, secs, q->text, q->sort);

	html_open(o, "table", HTML_END);
	html_open(o, "thead", HTML_END);
	html_open(o, "tr", HTML_END);
	sort_header(r, g->id, _("No."), "id", q->sort);
	html_elem(o, "th", _("Name"), HTML_END);
	sort_header(r, g->id, _("Level"), "level", q->sort);
	sort_header(r, g->id, _("Section"), "section", q->sort);
	sort_header(r, g->id, _("State"), "state", q->sort);
	sort_header(r, g->id, _("Changed"), "changed", q->sort);
	html_close(o, "tr");
	html_close(o, "thead");
	html_open(o, "tbody", HTML_END);
	list_rows(r, g, &pg->list, secs);
	html_close(o, "tbody");
	html_close(o, "table");
	if (pg->total == 0)
		html_elem(o, "p", _("No records match."), HTML_END);
	list_pager(r, g, page, pg->total);
	strbuf_release(&url);
}

void ui_register_list(struct web_req *r)
{
	struct strbuf *o = &r->out;
	const char *reg_id = r->args[0];
	const struct policy_register *g = r->profile ? policy_register(r->profile, reg_id) : NULL;
	struct strbuf err = STRBUF_INIT, ckey = STRBUF_INIT;
	struct strbuf page_key = STRBUF_INIT;
	struct org_sections secs = { 0 };
	struct record_page pg = { 0 };
	size_t body_start;
	struct record_query q = { 0 };
	struct reader *rd = web_reader(r);
	const char *cached, *sort = web_query(r, "sort");
	int64_t page = 1;

	if (!g) {
		web_error(r, 404, "no such register");
		return;
	}
	if (web_query(r, "page") && parse_int64(web_query(r, "page"), 1, 1000000, &page) < 0) {
		web_error(r, 400, "page must be a positive number");
		return;
	}
	if (!rd) {
		web_error(r, 503, "no read rights");
		return;
	}
	if (sort && !records_sort_valid(sort))
		sort = NULL;
	list_query(r, g, sort, page, &q);
	page_cache_key(r, rd, &ckey);
	if ((cached = web_cache_get(r, ckey.buf))) {
		page_begin(r, g->name, NAV_REGISTERS);
		strbuf_addstr(o, cached);
		page_end(r);
		goto out;
	}
	strbuf_reset(&page_key);
	strbuf_add(&page_key, ckey.buf, ckey.len);

	strbuf_reset(&ckey);
	count_cache_key(rd, &q, &ckey);
	cached = web_cache_get(r, ckey.buf);
	q.count = !cached;
	if (records_query(r->st, rd, &q, &pg, &err) < 0) {
		web_error(r, err.len ? 503 : 400, err.buf);
		goto out;
	}
	if (cached) {
		pg.total = strtoll(cached, NULL, 10);
	} else {
		char nb[24];
		snprintf(nb, sizeof(nb), "%" PRId64, pg.total);
		web_cache_put(r, ckey.buf, nb);
	}
	if (org_sections_list(r->st, &secs, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}

	page_begin(r, g->name, NAV_REGISTERS);
	body_start = o->len;
	list_body(r, g, &q, &pg, &secs, page);
	web_cache_put(r, page_key.buf, o->buf + body_start);
	page_end(r);
out:
	record_page_release(&pg);
	org_sections_release(&secs);
	strbuf_release(&ckey);
	strbuf_release(&page_key);
	strbuf_release(&err);
}

static void new_record_page(struct web_req *r, const struct policy_register *g, const char *error,
                            const struct act_result *refused)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, url = STRBUF_INIT;
	const struct policy_action *create = NULL;

	for (unsigned i = 0; i < g->n_actions; i++)
		if (g->actions[i]->create)
			create = g->actions[i];
	strbuf_addf(&title, _("New record: %s"), g->name);
	page_begin(r, title.buf, NAV_REGISTERS);
	if (error)
		page_notice(r, "error", error);
	if (refused)
		web_refusal(r, refused);
	if (create && create->clauses.nr) {
		html_open(o, "p", "class", "cite", HTML_END);
		html_text(o, _("Registering a record is itself an action the policy decides:"));
		for (unsigned k = 0; k < create->clauses.nr; k++) {
			strbuf_addch(o, ' ');
			ui_clause(r, create->clauses.items[k]->id);
		}
		html_close(o, "p");
	}
	strbuf_addstr(&url, "/registers");
	html_url_segment(&url, g->id);
	strbuf_addstr(&url, "/new");
	page_form_begin(r, url.buf, "card", false);
	form_fields(r, g->fields, g->n_fields, NULL);
	if (create && create->n_fields)
		form_fields(r, create->fields, create->n_fields, NULL);
	page_submit(r, _("Register"), NULL);
	page_form_end(r);
	page_end(r);
	strbuf_release(&title);
	strbuf_release(&url);
}

void ui_record_new_form(struct web_req *r)
{
	const struct policy_register *g =
	    r->profile ? policy_register(r->profile, r->args[0]) : NULL;

	if (!g) {
		web_error(r, 404, "no such register");
		return;
	}
	new_record_page(r, g, NULL, NULL);
}

void ui_record_new_post(struct web_req *r)
{
	const struct policy_register *g =
	    r->profile ? policy_register(r->profile, r->args[0]) : NULL;
	struct web_params fields = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_RECORD };
	const struct policy_action *create = NULL;
	int ret;

	if (!g) {
		web_error(r, 404, "no such register");
		return;
	}
	for (unsigned i = 0; i < g->n_actions; i++)
		if (g->actions[i]->create)
			create = g->actions[i];
	ret = form_collect(r, g->fields, g->n_fields, &fields, &err);
	if (ret == 0 && create)
		ret = form_collect(r, create->fields, create->n_fields, &fields, &err);
	if (ret < 0) {
		r->status = 400;
		new_record_page(r, g, err.buf, NULL);
		goto out;
	}
	in.register_id = g->id;
	in.action = create ? create->full_name : NULL;
	ret = web_act(r, &in, &fields, &res, &err);
	if (ret < 0) {
		r->status = web_act_status(ret);
		if (r->status == 503) {
			web_error(r, 503, err.buf);
			goto out;
		}
		new_record_page(r, g, err.buf, NULL);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		r->status = 403;
		new_record_page(r, g, NULL, &res);
		goto out;
	}
	if (res.outcome == ACT_PENDING)
		strbuf_addf(&url, "/requests/%lld?notice=pending", (long long)res.request_id);
	else
		strbuf_addf(&url, "/records/%lld?notice=done", (long long)res.record_id);
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	web_params_release(&fields);
	strbuf_release(&err);
	strbuf_release(&url);
}
