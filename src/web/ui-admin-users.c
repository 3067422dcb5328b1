/* ui-admin-users: the administrator's people: the list (searched, paged, as CSV), adding one
 * with a temporary password, suspending, reinstating, retiring, and importing from CSV. Every
 * change goes through the door. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/csv.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "core/personnel.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui-admin.h"
#include "web/ui.h"

/* ---- users ------------------------------------------------------------------------- */

#define USERS_PAGE 50

/* The list's filters from the query: text (ログインID, 氏名, 職名, メール), section, status, page.
 */
struct users_view {
	struct org_user_query q;
	int64_t page, total;
};

static void users_view_read(struct web_req *r, struct users_view *v)
{
	const char *text = web_query(r, "q"), *status = web_query(r, "status");
	const char *page = web_query(r, "page");

	memset(v, 0, sizeof(*v));
	v->q.text = text && *text && utf8_length(text) <= ORG_USER_TEXT_MAX ? text : NULL;
	v->q.section = web_query(r, "section");
	if (status && (!strcmp(status, USER_ACTIVE) || !strcmp(status, USER_SUSPENDED) ||
	               !strcmp(status, USER_RETIRED)))
		v->q.status = status;
	v->page = 1;
	if (page && parse_int64(page, 1, 1000000, &v->page) < 0)
		v->page = 1;
	v->q.limit = USERS_PAGE;
	v->q.offset = (v->page - 1) * USERS_PAGE;
}

/* "/admin/users?q=..&section=..&status=.." plus key=value (NULL for none). */
static void users_url(const struct users_view *v, const char *path, const char *key,
                      const char *value, struct strbuf *url)
{
	strbuf_reset(url);
	strbuf_addstr(url, path);
	if (v->q.text)
		html_url_query(url, "q", v->q.text);
	if (v->q.section && *v->q.section)
		html_url_query(url, "section", v->q.section);
	if (v->q.status)
		html_url_query(url, "status", v->q.status);
	if (key)
		html_url_query(url, key, value);
}

static void users_filters(struct web_req *r, const struct users_view *v)
{
	struct strbuf *o = &r->out;
	struct org_sections secs = { 0 };
	struct strbuf err = STRBUF_INIT;
	static const char *const statuses[][2] = {
		{ USER_ACTIVE, N_("active") },
		{ USER_SUSPENDED, N_("suspended") },
		{ USER_RETIRED, N_("retired") },
	};

	html_open(o, "form", "method", "get", "action", "/admin/users", "class", "filters card",
	          "role", "search", HTML_END);
	page_input(r, "search", "q", _("Login ID, name, title or e-mail"), v->q.text, false, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Section"), "for", "f-fsection", HTML_END);
	html_open(o, "select", "id", "f-fsection", "name", "section", HTML_END);
	html_elem(o, "option", _("All sections"), "value", "", HTML_END);
	if (org_sections_list(r->st, &secs, &err) == 0)
		for (size_t i = 0; i < secs.nr; i++)
			html_elem(
			    o, "option", secs.items[i].name, "value", secs.items[i].id, "selected",
			    v->q.section && !strcmp(v->q.section, secs.items[i].id) ? "" : NULL,
			    HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Status"), "for", "f-fstatus", HTML_END);
	html_open(o, "select", "id", "f-fstatus", "name", "status", HTML_END);
	html_elem(o, "option", _("Any"), "value", "", HTML_END);
	for (size_t i = 0; i < ARRAY_SIZE(statuses); i++)
		html_elem(o, "option", _(statuses[i][1]), "value", statuses[i][0], "selected",
		          v->q.status && !strcmp(v->q.status, statuses[i][0]) ? "" : NULL,
		          HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_submit(r, _("Search"), "secondary");
	html_close(o, "form");
	org_sections_release(&secs);
	strbuf_release(&err);
}

static void users_pager(struct web_req *r, const struct users_view *v)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	int64_t pages = (v->total + USERS_PAGE - 1) / USERS_PAGE;
	char nb[24];

	html_open(o, "nav", "class", "pager", "aria-label", _("Pages"), HTML_END);
	if (v->page > 1) {
		snprintf(nb, sizeof(nb), "%" PRId64, v->page - 1);
		users_url(v, "/admin/users", "page", nb, &url);
		html_elem(o, "a", _("Previous"), "href", url.buf, "rel", "prev", HTML_END);
	}
	html_open(o, "span", HTML_END);
	html_textf(o, _("Page %lld of %lld (%lld people)"), (long long)v->page,
	           (long long)(pages ? pages : 1), (long long)v->total);
	html_close(o, "span");
	if (v->page < pages) {
		snprintf(nb, sizeof(nb), "%" PRId64, v->page + 1);
		users_url(v, "/admin/users", "page", nb, &url);
		html_elem(o, "a", _("Next"), "href", url.buf, "rel", "next", HTML_END);
	}
	html_close(o, "nav");
	strbuf_release(&url);
}

/* The buttons of one person's row: suspend or reinstate, a new password, retire. */
static void user_buttons(struct web_req *r, const struct org_user *u, struct strbuf *url)
{
	struct strbuf *o = &r->out;

	strbuf_reset(url);
	strbuf_addstr(url, "/admin/users");
	html_url_segment(url, u->login);
	if (!strcmp(u->status, USER_RETIRED))
		return;
	page_form_begin(r, url->buf, "inline", false);
	if (!strcmp(u->status, USER_ACTIVE))
		html_elem(o, "button", _("Suspend"), "type", "submit", "name", "op", "value",
		          "suspend", "class", "secondary", HTML_END);
	else
		html_elem(o, "button", _("Activate"), "type", "submit", "name", "op", "value",
		          "activate", "class", "secondary", HTML_END);
	html_elem(o, "button", _("New password"), "type", "submit", "name", "op", "value",
	          "password", "class", "secondary", HTML_END);
	html_elem(o, "button", _("Retire"), "type", "submit", "name", "op", "value", "retire",
	          "class", "danger", HTML_END);
	page_form_end(r);
}

/*
 * A move dated ahead (人事異動 for a later day), beside the section the person is in now, with a
 * button that cancels it; one whose day has come unapplied says so (the inbox says why).
 */
static void scheduled_move_note(struct web_req *r, const struct org_user *u)
{
	struct personnel_move m = { 0 };
	struct strbuf t = STRBUF_INIT, err = STRBUF_INIT, today = STRBUF_INIT, url = STRBUF_INIT;

	if (personnel_scheduled_get(r->st, u->id, &m, &err) == 0) {
		char *to = ui_section_name(r, m.section);

		strbuf_addf(&t, _("moves to %s on %s"), to, m.on);
		strbuf_addch(&r->out, ' ');
		html_elem(&r->out, "span", t.buf, "class", "note", HTML_END);
		time_format_local(&today, time_now_ms(), TOKYO_OFFSET_MS);
		strbuf_setlen(&today, today.len > 10 ? 10 : today.len);
		if (strcmp(m.on, today.buf) <= 0) {
			strbuf_addch(&r->out, ' ');
			html_elem(&r->out, "strong",
			          _("(not applied although its day has come: see the inbox)"),
			          "class", "overdue", HTML_END);
		}
		strbuf_addstr(&url, "/admin/users");
		html_url_segment(&url, u->login);
		page_form_begin(r, url.buf, "inline", false);
		html_elem(&r->out, "button", _("Cancel the move"), "type", "submit", "name", "op",
		          "value", "cancel_move", "class", "secondary", HTML_END);
		page_form_end(r);
		free(to);
	}
	strbuf_release(&today);
	strbuf_release(&url);
	personnel_move_release(&m);
	strbuf_release(&t);
	strbuf_release(&err);
}
static void users_table(struct web_req *r, const struct org_users *l)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	if (!l->nr) {
		html_elem(o, "p", _("No one matches."), HTML_END);
		return;
	}
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Login ID"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Name"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Section"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Employment"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Status"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Change"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct org_user *u = &l->items[i];
		char *sec = ui_section_name(r, u->section);
		html_open(o, "tr", HTML_END);
		html_elem(o, "td", u->login, "class", "mono", HTML_END);
		html_elem(o, "td", u->name, HTML_END);
		html_open(o, "td", HTML_END);
		html_text(o, sec);
		scheduled_move_note(r, u);
		html_close(o, "td");
		html_elem(o, "td", u->employment, HTML_END);
		html_elem(o, "td",
		          !strcmp(u->status, USER_ACTIVE)      ? _("active")
		          : !strcmp(u->status, USER_SUSPENDED) ? _("suspended")
		                                               : _("retired"),
		          HTML_END);
		html_open(o, "td", HTML_END);
		user_buttons(r, u, &url);
		html_close(o, "td");
		html_close(o, "tr");
		free(sec);
	}
	html_close(o, "table");
	strbuf_release(&url);
}

static void users_page(struct web_req *r, int ret, const struct act_result *res,
                       const struct strbuf *err, const char *extra_ok, const char *error)
{
	struct strbuf *o = &r->out;
	struct org_users l = { 0 };
	struct org_sections secs = { 0 };
	struct strbuf lerr = STRBUF_INIT, url = STRBUF_INIT;
	struct users_view v;

	users_view_read(r, &v);
	page_begin(r, _("Users"), NAV_ADMIN);
	ui_admin_nav(r);
	if (res || ret)
		ui_admin_outcome(r, ret, res, err);
	if (extra_ok)
		page_notice(r, "ok", extra_ok);
	if (error)
		page_notice(r, "error", error);
	users_filters(r, &v);
	if (org_users_search(r->st, &v.q, &l, &v.total, &lerr) < 0) {
		web_log(r, "users: %s", lerr.buf);
		page_notice(r, "error", _("The list of people cannot be read just now."));
	} else {
		users_table(r, &l);
		users_pager(r, &v);
		users_url(&v, "/admin/users.csv", NULL, NULL, &url);
		html_open(o, "p", "class", "noprint", HTML_END);
		ui_csv_links(r, url.buf);
		html_close(o, "p");
	}
	org_users_release(&l);
	html_open(o, "div", "class", "grid", HTML_END);
	page_form_begin(r, "/admin/users", "card", false);
	html_elem(o, "h2", _("Add a user"), HTML_END);
	page_input(r, "text", "login", _("Login ID"), NULL, true, "off");
	page_input(r, "text", "name", _("Name"), NULL, true, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Section"), "for", "f-section", HTML_END);
	html_open(o, "select", "name", "section", "id", "f-section", "required", "", HTML_END);
	if (org_sections_list(r->st, &secs, &lerr) == 0) {
		for (size_t i = 0; i < secs.nr; i++)
			html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id,
			          HTML_END);
		org_sections_release(&secs);
	}
	html_close(o, "select");
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Employment"), "for", "f-employment", HTML_END);
	html_open(o, "select", "name", "employment", "id", "f-employment", HTML_END);
	for (size_t i = 0; org_employment_types[i]; i++)
		html_elem(o, "option", org_employment_types[i], "value", org_employment_types[i],
		          HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	html_elem(o, "p",
	          _("A temporary password is shown once after adding; the person must change it "
	            "at the first login."),
	          "class", "cite", HTML_END);
	page_submit(r, _("Add"), NULL);
	page_form_end(r);

	page_form_begin(r, "/admin/users/import", "card", true);
	html_elem(o, "h2", _("Import users from CSV"), HTML_END);
	html_elem(o, "p",
	          _("Columns: login, name, section and optionally employment (or ログインID, "
	            "氏名, 所属, 雇用形態). UTF-8 or Shift_JIS as Excel saves it. Every row is "
	            "checked first: either all are imported or none."),
	          HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("CSV file"), "for", "f-file", HTML_END);
	html_void(o, "input", "type", "file", "name", "file", "id", "f-file", "accept",
	          ".csv,text/csv", "required", "", HTML_END);
	html_close(o, "div");
	page_submit(r, _("Import"), NULL);
	page_form_end(r);
	html_close(o, "div");
	page_end(r);
	strbuf_release(&lerr);
	strbuf_release(&url);
}

void ui_admin_users(struct web_req *r)
{
	users_page(r, 0, NULL, NULL, NULL, NULL);
}

/* Sets a generated temporary password that must be changed at the next login. */
static int temporary_password(struct web_req *r, const char *login, struct act_result *res,
                              struct strbuf *err, struct strbuf *shown)
{
	struct password_policy pol = PASSWORD_POLICY_INIT(PASSWORD_CLAUSE_MINATO);
	char pw[PASSWORD_GENERATED_SIZE];
	struct web_params f = WEB_PARAMS_INIT;
	struct act_input in = { .kind = ACT_USER_PASSWD, .target = login };
	int ret;

	if (password_generate(&pol, login, NULL, pw) < 0) {
		error_set(err, "cannot generate a password");
		return -EIO;
	}
	web_params_add(&f, "must_change", "1");
	in.secret = pw;
	act_result_release(res);
	ret = web_act(r, &in, &f, res, err);
	if (ret == 0 && res->outcome == ACT_DONE) {
		web_out_secret(r); /* the page shows the temporary password */
		strbuf_addf(shown,
		            _("Temporary password for %s (shown once; they must change it at "
		              "the first login): %s"),
		            login, pw);
	}
	sodium_memzero(pw, sizeof(pw));
	web_params_release(&f);
	return ret;
}

void ui_admin_users_post(struct web_req *r)
{
	struct web_params f = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT, shown = STRBUF_INIT_SECRET;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_USER_ADD, .target = web_form(r, "login") };
	const char *emp = web_form(r, "employment");
	int ret;

	if (!in.target || !web_form(r, "name") || !web_form(r, "section")) {
		web_error(r, 400, "login, name and section are required");
		return;
	}
	web_params_add(&f, "name", web_form(r, "name"));
	web_params_add(&f, "section", web_form(r, "section"));
	if (emp && *emp)
		web_params_add(&f, "employment", emp);
	ret = web_act(r, &in, &f, &res, &err);
	if (ret == 0 && res.outcome == ACT_DONE)
		ret = temporary_password(r, in.target, &res, &err, &shown);
	users_page(r, ret, &res, &err, shown.len ? shown.buf : NULL, NULL);
	act_result_release(&res);
	web_params_release(&f);
	strbuf_release_secret(&shown);
	strbuf_release(&err);
}

/* Ends every web session of login (a failure is logged: the act itself is done). */
static void end_user_sessions(struct web_req *r, const char *login)
{
	struct org_user u = { 0 };
	struct strbuf e = STRBUF_INIT;

	if (org_user_get(r->st, login, &u, &e) < 0 ||
	    web_sessions_end_user(r->st, u.id, NULL, &e) < 0)
		web_log(r, "cannot end the sessions of '%s': %s", login, e.buf);
	org_user_release(&u);
	strbuf_release(&e);
}

/*
 * Retiring a person and giving them a new password cannot be undone: the first press shows
 * what will happen and asks for a tick (a page of its own, no script); only the form sent
 * from it, with confirm=1, acts.
 */
static void confirm_page(struct web_req *r, const char *op, const char *login)
{
	struct strbuf *o = &r->out;
	struct org_user u = { 0 };
	struct strbuf e = STRBUF_INIT, who = STRBUF_INIT, url = STRBUF_INIT;
	bool retire = !strcmp(op, "retire");

	if (org_user_get(r->st, login, &u, &e) < 0) {
		web_log(r, "confirm %s of '%s': %s", op, login, e.buf);
		org_user_release(&u);
		strbuf_release(&e);
		web_error(r, 404, "no such user");
		return;
	}
	strbuf_addf(&who, "%s（%s）", u.name ? u.name : login, login);
	strbuf_addstr(&url, "/admin/users");
	html_url_segment(&url, login);
	page_begin(r, retire ? _("Retire a person: confirm") : _("New password: confirm"),
	           NAV_ADMIN);
	ui_admin_nav(r);
	html_open(o, "p", "class", "notice warn", "role", "status", HTML_END);
	html_textf(o,
	           retire ? _("%s will retire: every role they hold ends, their requests still "
	                      "waiting are cancelled and they can no longer log in. This cannot be "
	                      "undone.")
	                  : _("%s gets a new temporary password: the present one stops working "
	                      "and every session of theirs ends now. This cannot be undone."),
	           who.buf);
	html_close(o, "p");
	page_form_begin(r, url.buf, "card", false);
	html_void(o, "input", "type", "hidden", "name", "op", "value", op, HTML_END);
	page_confirm(r, retire ? _("Yes, this person retires.")
	                       : _("Yes, give this person a new password."));
	html_elem(o, "button", retire ? _("Retire") : _("New password"), "type", "submit", "class",
	          "danger", HTML_END);
	strbuf_addch(o, ' ');
	html_elem(o, "a", _("Cancel and go back"), "href", "/admin/users", HTML_END);
	page_form_end(r);
	page_end(r);
	org_user_release(&u);
	strbuf_release(&e);
	strbuf_release(&who);
	strbuf_release(&url);
}

void ui_admin_user_post(struct web_req *r)
{
	const char *op = web_form(r, "op"), *login = r->args[0];
	struct strbuf err = STRBUF_INIT, shown = STRBUF_INIT_SECRET;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .target = login };
	int ret;

	if (!op) {
		web_error(r, 400, "no operation");
		return;
	}
	if ((!strcmp(op, "password") || !strcmp(op, "retire")) && !web_confirmed(r)) {
		confirm_page(r, op, login);
		return;
	}
	if (!strcmp(op, "password")) {
		ret = temporary_password(r, login, &res, &err, &shown);
		/* Whoever held the old password is logged out everywhere (ASVS 7.4.3). */
		if (ret == 0 && res.outcome == ACT_DONE)
			end_user_sessions(r, login);
	} else {
		if (!strcmp(op, "suspend"))
			in.kind = ACT_USER_SUSPEND;
		else if (!strcmp(op, "activate"))
			in.kind = ACT_USER_ACTIVATE;
		else if (!strcmp(op, "retire"))
			in.kind = ACT_USER_RETIRE;
		else if (!strcmp(op, "cancel_move"))
			in.kind = ACT_USER_MOVE_CANCEL;
		else {
			web_error(r, 400, "unknown operation");
			return;
		}
		ret = web_act(r, &in, NULL, &res, &err);
		/* A suspended or retired person's sessions end now (MIN-5-5-6-2). */
		if (ret == 0 && res.outcome == ACT_DONE && in.kind != ACT_USER_ACTIVATE &&
		    in.kind != ACT_USER_MOVE_CANCEL)
			end_user_sessions(r, login);
	}
	users_page(r, ret, &res, &err, shown.len ? shown.buf : NULL, NULL);
	act_result_release(&res);
	strbuf_release_secret(&shown);
	strbuf_release(&err);
}

static int admin_csv_column(const struct csv *csv, const char *const *names)
{
	for (size_t i = 0; i < csv->ncolumns; i++)
		for (size_t k = 0; names[k]; k++)
			if (!strcmp(csv->columns[i], names[k]))
				return (int)i;
	return -1;
}

/*
 * The columns of an import's CSV by their English or Japanese headers: login, name, section
 * and employment (-1 when it has none); -1 when one of the first three is missing.
 */
static int import_columns(const struct csv *csv, int *cl, int *cn, int *cs, int *ce)
{
	static const char *const col_login[] = { "login", "ログイン", "ログインID", "ID", NULL };
	static const char *const col_name[] = { "name", "氏名", "名前", NULL };
	static const char *const col_section[] = { "section", "所属", "課", "課等ID", NULL };
	static const char *const col_emp[] = { "employment", "雇用形態", "職員区分", NULL };

	*cl = admin_csv_column(csv, col_login);
	*cn = admin_csv_column(csv, col_name);
	*cs = admin_csv_column(csv, col_section);
	*ce = admin_csv_column(csv, col_emp);
	return *cl < 0 || *cn < 0 || *cs < 0 ? -1 : 0;
}

void ui_admin_users_import(struct web_req *r)
{
	const struct web_part *file = web_parts_get(&r->parts, "file");
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct act_input *in = NULL;
	struct act_attr *fields = NULL;
	struct act_result *res = NULL;
	size_t failed = 0;
	int cl, cn, cs, ce, n, rc;

	if (!file) {
		web_error(r, 400, "no file uploaded");
		return;
	}
	if (!web_door(r)) {
		web_error(r, 503, "no door");
		return;
	}
	error_capture_begin(); /* the reason said in the reader's language */
	rc = csv_parse(&csv, file->data, file->len, CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err);
	char *why = ui_admin_capture_end(r, rc < 0 ? &err : NULL);
	if (rc < 0) {
		r->status = 400;
		strbuf_addf(&msg, _("The file cannot be read: %s. Nothing was imported."), why);
		free(why);
		goto out_notice;
	}
	if (import_columns(&csv, &cl, &cn, &cs, &ce) < 0) {
		r->status = 400;
		strbuf_addstr(&msg, _("The header needs the columns login, name and section (or "
		                      "ログインID, 氏名, 所属). Nothing was imported."));
		goto out_notice;
	}
	in = xcalloc(csv.nrecords + 1, sizeof(*in));
	fields = xcalloc(3 * csv.nrecords + 1, sizeof(*fields));
	res = xcalloc(csv.nrecords + 1, sizeof(*res));
	for (size_t i = 0; i < csv.nrecords; i++) {
		const struct csv_record *rec = &csv.records[i];
		struct act_attr *f = &fields[3 * i];
		size_t nf = 0;
		f[nf++] = (struct act_attr){ "name", rec->fields[cn] };
		f[nf++] = (struct act_attr){ "section", rec->fields[cs] };
		if (ce >= 0 && *rec->fields[ce])
			f[nf++] = (struct act_attr){ "employment", rec->fields[ce] };
		in[i].kind = ACT_USER_ADD;
		in[i].actor = r->user->login;
		in[i].target = rec->fields[cl];
		in[i].fields = f;
		in[i].n_fields = nf;
		in[i].ctx.via = "web";
		in[i].ctx.remote = r->remote;
	}
	n = act_run_all(web_door(r), in, csv.nrecords, res, &failed, &err);
	if (n < 0) {
		r->status = n == -ECANCELED ? 403 : 400;
		strbuf_addf(&msg, _("Line %zu: %s. Nothing was imported."),
		            csv.records[failed].line,
		            n == -ECANCELED && res[failed].message ? res[failed].message : err.buf);
		if (n == -ECANCELED)
			act_result_release(&res[failed]);
		goto out_notice;
	}
	for (size_t i = 0; i < csv.nrecords; i++)
		act_result_release(&res[i]);
	strbuf_addf(&msg, _("Imported %zu users (%s). Give each a password with \"New password\"."),
	            csv.nrecords, csv_encoding_name(csv.encoding));
	users_page(r, 0, NULL, NULL, msg.buf, NULL);
	goto out;
out_notice : {
	int status = r->status;
	users_page(r, 0, NULL, NULL, NULL, msg.buf);
	r->status = status;
}
out:
	free(in);
	free(fields);
	free(res);
	csv_release(&csv);
	strbuf_release(&err);
	strbuf_release(&msg);
}
