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
#include "core/records.h"
#include "store/store.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/forms.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

#define PAGE_SIZE 50

#define LIST_WHERE                                                                                 \
	"FROM records WHERE register = ?1 AND (?2 IS NULL OR level = ?2) "                         \
	"AND (?3 IS NULL OR section = ?3) AND (?4 IS NULL OR state = ?4) "                         \
	"AND (?5 IS NULL OR fields LIKE ?5 ESCAPE '\\') "                                          \
	"AND (?6 IS NULL OR (coalesce(level, '') || '|' || coalesce(section, '')) "                \
	"IN (SELECT value FROM json_each(?6))) "
/*
 * One row per sort order people can choose. Columns:
 *   key   the value of ?sort=
 *   sql   the ids of the matching records in that order (a literal: the statement cache
 *         keys on it, and no SQL is ever built from input)
 */
static const struct {
	const char *key;
	const char *sql;
} sorts[] = {
	{ "-id", "SELECT id " LIST_WHERE "ORDER BY id DESC" },
	{ "id", "SELECT id " LIST_WHERE "ORDER BY id" },
	{ "-changed", "SELECT id " LIST_WHERE "ORDER BY changed_ms DESC, id DESC" },
	{ "changed", "SELECT id " LIST_WHERE "ORDER BY changed_ms, id" },
	{ "level", "SELECT id " LIST_WHERE "ORDER BY level, id" },
	{ "-level", "SELECT id " LIST_WHERE "ORDER BY level DESC, id DESC" },
	{ "section", "SELECT id " LIST_WHERE "ORDER BY section, id" },
	{ "-section", "SELECT id " LIST_WHERE "ORDER BY section DESC, id DESC" },
	{ "state", "SELECT id " LIST_WHERE "ORDER BY state, id" },
	{ "-state", "SELECT id " LIST_WHERE "ORDER BY state DESC, id DESC" },
};

void ui_registers(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	sqlite3_stmt *q;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	q = store_prepare(r->st, "SELECT register, count(*) FROM records GROUP BY register", &err);
	if (!q) {
		web_error(r, 503, err.buf);
		strbuf_release(&err);
		return;
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
	int64_t *counts = xcalloc(r->profile->n_registers + 1, sizeof(*counts));
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const struct policy_register *g =
		    policy_register(r->profile, (const char *)sqlite3_column_text(q, 0));
		if (g)
			counts[g->index] = sqlite3_column_int64(q, 1);
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		/* An error page, never a page of counts cut short. */
		store_error(r->st, rc, "counting records", &err);
		web_error(r, 503, err.buf);
		free(counts);
		strbuf_release(&err);
		return;
	}
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
		html_textf(o, "%lld", (long long)counts[g->index]);
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
	free(counts);
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

void ui_register_list(struct web_req *r)
{
	struct strbuf *o = &r->out;
	const char *reg_id = r->args[0];
	const struct policy_register *g = r->profile ? policy_register(r->profile, reg_id) : NULL;
	struct strbuf err = STRBUF_INIT, like = STRBUF_INIT, url = STRBUF_INIT, ckey = STRBUF_INIT;
	struct org_sections secs = { 0 };
	const char *cached;
	size_t body_start = 0;
	const char *level = web_query(r, "level"), *section = web_query(r, "section"),
	           *state = web_query(r, "state"), *text = web_query(r, "q"),
	           *sort = web_query(r, "sort");
	const char *sql = sorts[0].sql;
	char *keys = NULL, *ids = NULL;
	int64_t page = 1, total = 0;
	sqlite3_stmt *q;
	int rc;

	if (!g) {
		web_error(r, 404, "no such register");
		return;
	}
	if (web_query(r, "page") && parse_int64(web_query(r, "page"), 1, 1000000, &page) < 0) {
		web_error(r, 400, "page must be a positive number");
		return;
	}
	for (size_t i = 0; sort && i < ARRAY_SIZE(sorts); i++)
		if (!strcmp(sort, sorts[i].key))
			sql = sorts[i].sql;
	if (!level || !*level)
		level = NULL;
	if (!section || !*section)
		section = NULL;
	if (!state || !*state)
		state = NULL;
	if (text && *text) {
		strbuf_addch(&like, '%');
		for (const char *p = text; *p; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				strbuf_addch(&like, '\\');
			strbuf_addch(&like, *p);
		}
		strbuf_addch(&like, '%');
	}
	/* Which level|section pairs this person may see: the same for every page of the list
	 * until the database changes, so it is memoised per thread (web_cache_*). */
	strbuf_addf(&ckey, "vis\037%lld\037%s", (long long)r->user->id, g->id);
	if ((cached = web_cache_get(r, ckey.buf))) {
		keys = strcmp(cached, "*") ? xstrdup(cached) : NULL;
	} else {
		keys = web_visible_keys(r, g->id);
		web_cache_put(r, ckey.buf, keys ? keys : "*");
	}

	/*
	 * The ids of the matching records in the chosen order, memoised the same way: the
	 * count for the pager is their number and any page is a slice, so a later page costs
	 * no more than the first. The string is "12,9,7,...".
	 */
	strbuf_reset(&ckey);
	strbuf_addf(&ckey, "ids\037%lld\037%s\037%s\037%s\037%s\037%s\037%s",
	            (long long)r->user->id, g->id, level ? level : "", section ? section : "",
	            state ? state : "", like.buf, sql);
	if ((cached = web_cache_get(r, ckey.buf))) {
		ids = xstrdup(cached);
	} else {
		struct strbuf sb = STRBUF_INIT;
		q = store_prepare(r->st, sql, &err);
		if (!q)
			goto fail;
		sqlite3_bind_text(q, 1, g->id, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, level, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 3, section, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, like.len ? like.buf : NULL, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 6, keys, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(q)) == SQLITE_ROW)
			strbuf_addf(&sb, "%s%lld", sb.len ? "," : "", sqlite3_column_int64(q, 0));
		sqlite3_reset(q);
		if (rc != SQLITE_DONE) {
			strbuf_release(&sb);
			store_error(r->st, rc, "listing records", &err);
			goto fail;
		}
		ids = strbuf_detach(&sb, NULL);
		web_cache_put(r, ckey.buf, ids);
	}
	for (const char *p = ids; *p; p++)
		total += *p == ',';
	if (*ids)
		total++;

	page_begin(r, g->name, NAV_REGISTERS);
	/*
	 * The page body depends only on who asks (what they may see), the language and the
	 * query, and on nothing else until the database changes: it is memoised per thread
	 * (web_cache_*), which keeps a popular list fast between changes.
	 */
	strbuf_reset(&ckey);
	strbuf_addf(&ckey, "page\037%lld\037%d\037%s", (long long)r->user->id, (int)r->lang,
	            r->path);
	for (size_t i = 0; i < r->query.nr; i++)
		strbuf_addf(&ckey, "\037%s=%s", r->query.items[i].name, r->query.items[i].value);
	if ((cached = web_cache_get(r, ckey.buf))) {
		strbuf_addstr(o, cached);
		page_end(r);
		goto out;
	}
	body_start = o->len;
	html_open(o, "p", HTML_END);
	list_url(r, g->id, "", NULL, &url);
	strbuf_reset(&url);
	strbuf_addstr(&url, "/registers");
	html_url_segment(&url, g->id);
	strbuf_addstr(&url, "/new");
	html_elem(o, "a", _("New record"), "href", url.buf, "class", "button", HTML_END);
	html_close(o, "p");

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
	if (org_sections_list(r->st, &secs, &err) == 0) {
		const char **sv = xcalloc(secs.nr + 1, sizeof(*sv));
		const char **sn = xcalloc(secs.nr + 1, sizeof(*sn));
		for (size_t i = 0; i < secs.nr; i++) {
			sv[i] = secs.items[i].id;
			sn[i] = secs.items[i].name;
		}
		select_filter(r, "section", _("Section"), sv, sn, secs.nr);
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

	html_open(o, "table", HTML_END);
	html_open(o, "thead", HTML_END);
	html_open(o, "tr", HTML_END);
	sort_header(r, g->id, _("No."), "id", sort);
	html_elem(o, "th", _("Name"), HTML_END);
	sort_header(r, g->id, _("Level"), "level", sort);
	sort_header(r, g->id, _("Section"), "section", sort);
	sort_header(r, g->id, _("State"), "state", sort);
	sort_header(r, g->id, _("Changed"), "changed", sort);
	html_close(o, "tr");
	html_close(o, "thead");
	html_open(o, "tbody", HTML_END);
	/* This page's slice of the ids. */
	const char *cur = ids;
	for (int64_t skip = (page - 1) * PAGE_SIZE; skip > 0 && *cur; cur++)
		if (*cur == ',')
			skip--;
	for (int64_t n = 0; n < PAGE_SIZE && *cur; n++) {
		struct record rec = { 0 };
		char idbuf[24];
		int64_t id = strtoll(cur, NULL, 10);
		cur += strcspn(cur, ",");
		if (*cur == ',')
			cur++;
		if (record_get(r->st, id, &rec, &err) < 0)
			continue; /* gone since the list was made: the memo is dropped next request
			           */
		if (!web_record_visible(r, &rec)) {
			record_release(&rec);
			continue;
		}
		snprintf(idbuf, sizeof(idbuf), "%" PRId64, rec.id);
		strbuf_reset(&url);
		strbuf_addstr(&url, "/records");
		html_url_segment(&url, idbuf);
		html_open(o, "tr", HTML_END);
		html_open(o, "td", "class", "num", HTML_END);
		page_link(o, url.buf, idbuf);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		page_link(o, url.buf, record_title(r->profile, &rec));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		ui_level_short(r, rec.level);
		html_close(o, "td");
		{
			const char *sn = rec.section ? rec.section : "";
			for (size_t k = 0; k < secs.nr; k++)
				if (rec.section && !strcmp(secs.items[k].id, rec.section))
					sn = secs.items[k].name;
			html_elem(o, "td", sn, HTML_END);
		}
		html_open(o, "td", HTML_END);
		html_elem(o, "span", ui_state_name(r, g->id, rec.state), "class", "state",
		          HTML_END);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		page_time(o, rec.changed_ms);
		html_close(o, "td");
		html_close(o, "tr");
		record_release(&rec);
	}
	html_close(o, "tbody");
	html_close(o, "table");
	if (total == 0)
		html_elem(o, "p", _("No records match."), HTML_END);

	/* Pager */
	{
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
	}
	web_cache_put(r, ckey.buf, o->buf + body_start);
	page_end(r);
	goto out;
fail:
	web_error(r, 503, err.buf);
out:
	org_sections_release(&secs);
	free(keys);
	free(ids);
	strbuf_release(&ckey);
	strbuf_release(&like);
	strbuf_release(&url);
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
