/* ui-admin: administration for mamori_admin: sections, users (with CSV import), roles and
 * API tokens. Every change goes through the door, except API tokens, which are the web's own
 * (stored hashed in api_tokens) and are ledgered as access-log entries. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "auth/password.h"
#include "auth/token.h"
#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "store/store.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui.h"

static void admin_nav(struct web_req *r)
{
	static const char *const items[][2] = {
		{ "/admin/sections", N_("Sections") }, { "/admin/users", N_("Users") },
		{ "/admin/roles", N_("Roles") },       { "/admin/tokens", N_("API tokens") },
		{ "/admin/locks", N_("Login locks") },
	};
	html_open(&r->out, "nav", "class", "card", "aria-label", _("Administration"), HTML_END);
	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		html_elem(&r->out, "a", _(items[i][1]), "href", items[i][0], "aria-current",
		          !strcmp(r->path, items[i][0]) ? "page" : NULL, HTML_END);
		strbuf_addstr(&r->out, " ");
	}
	html_close(&r->out, "nav");
}

/* After a POST: show the outcome on the page the form came from. */
static bool act_outcome_notice(struct web_req *r, int ret, const struct act_result *res,
                               const struct strbuf *err)
{
	if (ret < 0) {
		r->status = web_act_status(ret);
		page_notice(r, "error", err->buf);
		return false;
	}
	if (res->outcome == ACT_REFUSED) {
		r->status = 403;
		web_refusal(r, res);
		return false;
	}
	page_notice(r, "ok",
	            res->outcome == ACT_PENDING ? _("The change waits for approval.")
	                                        : _("Done. The change is recorded in the ledger."));
	return true;
}

void ui_admin(struct web_req *r)
{
	page_begin(r, _("Administration"), NAV_ADMIN);
	admin_nav(r);
	html_elem(&r->out, "p",
	          _("Sections, people, their roles and the API tokens of other systems. Every "
	            "change is decided by the policy and recorded in the ledger."),
	          HTML_END);
	page_end(r);
}

/* ---- sections ---------------------------------------------------------------------- */

static void sections_page(struct web_req *r, int ret, const struct act_result *res,
                          const struct strbuf *err)
{
	struct strbuf *o = &r->out;
	struct org_sections l = { 0 };
	struct strbuf lerr = STRBUF_INIT;

	page_begin(r, _("Sections"), NAV_ADMIN);
	admin_nav(r);
	if (res || ret)
		act_outcome_notice(r, ret, res, err);
	if (org_sections_list(r->st, &l, &lerr) == 0) {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("ID"), HTML_END);
		html_elem(o, "th", _("Name"), HTML_END);
		html_elem(o, "th", _("Part of"), HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < l.nr; i++) {
			char *parent =
			    l.items[i].parent ? ui_section_name(r, l.items[i].parent) : xstrdup("");
			html_open(o, "tr", HTML_END);
			html_elem(o, "td", l.items[i].id, "class", "mono", HTML_END);
			html_elem(o, "td", l.items[i].name, HTML_END);
			html_elem(o, "td", parent, HTML_END);
			html_close(o, "tr");
			free(parent);
		}
		html_close(o, "table");
		org_sections_release(&l);
	}
	html_elem(o, "h2", _("Add a section"), HTML_END);
	page_form_begin(r, "/admin/sections", "card", false);
	page_input(r, "text", "id", _("ID (lowercase letters, digits, - and _)"), NULL, true,
	           "off");
	page_input(r, "text", "name", _("Name"), NULL, true, "off");
	page_input(r, "text", "parent", _("Part of (the ID of its 部, optional)"), NULL, false,
	           "off");
	page_submit(r, _("Add"), NULL);
	page_form_end(r);
	page_end(r);
	strbuf_release(&lerr);
}

void ui_admin_sections(struct web_req *r)
{
	sections_page(r, 0, NULL, NULL);
}

void ui_admin_sections_post(struct web_req *r)
{
	struct web_params f = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_SECTION_ADD, .target = web_form(r, "id") };
	const char *parent = web_form(r, "parent");
	int ret;

	if (!in.target || !web_form(r, "name")) {
		web_error(r, 400, "id and name are required");
		return;
	}
	web_params_add(&f, "name", web_form(r, "name"));
	if (parent && *parent)
		web_params_add(&f, "parent", parent);
	ret = web_act(r, &in, &f, &res, &err);
	sections_page(r, ret, &res, &err);
	act_result_release(&res);
	web_params_release(&f);
	strbuf_release(&err);
}

/* ---- users ------------------------------------------------------------------------- */

static void users_page(struct web_req *r, int ret, const struct act_result *res,
                       const struct strbuf *err, const char *extra_ok, const char *error)
{
	struct strbuf *o = &r->out;
	struct org_users l = { 0 };
	struct org_sections secs = { 0 };
	struct strbuf lerr = STRBUF_INIT, url = STRBUF_INIT;

	page_begin(r, _("Users"), NAV_ADMIN);
	admin_nav(r);
	if (res || ret)
		act_outcome_notice(r, ret, res, err);
	if (extra_ok)
		page_notice(r, "ok", extra_ok);
	if (error)
		page_notice(r, "error", error);
	if (org_users_list(r->st, NULL, NULL, &l, &lerr) == 0) {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("Login ID"), HTML_END);
		html_elem(o, "th", _("Name"), HTML_END);
		html_elem(o, "th", _("Section"), HTML_END);
		html_elem(o, "th", _("Employment"), HTML_END);
		html_elem(o, "th", _("Status"), HTML_END);
		html_elem(o, "th", _("Change"), HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < l.nr; i++) {
			const struct org_user *u = &l.items[i];
			char *sec = ui_section_name(r, u->section);
			html_open(o, "tr", HTML_END);
			html_elem(o, "td", u->login, "class", "mono", HTML_END);
			html_elem(o, "td", u->name, HTML_END);
			html_elem(o, "td", sec, HTML_END);
			html_elem(o, "td", u->employment, HTML_END);
			html_elem(o, "td",
			          !strcmp(u->status, USER_ACTIVE)      ? _("active")
			          : !strcmp(u->status, USER_SUSPENDED) ? _("suspended")
			                                               : _("retired"),
			          HTML_END);
			html_open(o, "td", HTML_END);
			strbuf_reset(&url);
			strbuf_addstr(&url, "/admin/users");
			html_url_segment(&url, u->login);
			if (strcmp(u->status, USER_RETIRED)) {
				page_form_begin(r, url.buf, "inline", false);
				if (!strcmp(u->status, USER_ACTIVE)) {
					html_elem(o, "button", _("Suspend"), "type", "submit",
					          "name", "op", "value", "suspend", "class",
					          "secondary", HTML_END);
				} else {
					html_elem(o, "button", _("Activate"), "type", "submit",
					          "name", "op", "value", "activate", "class",
					          "secondary", HTML_END);
				}
				html_elem(o, "button", _("New password"), "type", "submit", "name",
				          "op", "value", "password", "class", "secondary",
				          HTML_END);
				html_elem(o, "button", _("Retire"), "type", "submit", "name", "op",
				          "value", "retire", "class", "danger", HTML_END);
				page_form_end(r);
			}
			html_close(o, "td");
			html_close(o, "tr");
			free(sec);
		}
		html_close(o, "table");
		org_users_release(&l);
	}
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
		else {
			web_error(r, 400, "unknown operation");
			return;
		}
		ret = web_act(r, &in, NULL, &res, &err);
		/* A suspended or retired person's sessions end now (MIN-5-5-6-2). */
		if (ret == 0 && res.outcome == ACT_DONE && in.kind != ACT_USER_ACTIVATE)
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

void ui_admin_users_import(struct web_req *r)
{
	static const char *const col_login[] = { "login", "ログイン", "ログインID", "ID", NULL };
	static const char *const col_name[] = { "name", "氏名", "名前", NULL };
	static const char *const col_section[] = { "section", "所属", "課", "課等ID", NULL };
	static const char *const col_emp[] = { "employment", "雇用形態", "職員区分", NULL };
	const struct web_part *file = web_parts_get(&r->parts, "file");
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct act_input *in = NULL;
	struct act_attr *fields = NULL;
	struct act_result *res = NULL;
	size_t failed = 0;
	int cl, cn, cs, ce, n;

	if (!file) {
		web_error(r, 400, "no file uploaded");
		return;
	}
	if (!web_door(r)) {
		web_error(r, 503, "no door");
		return;
	}
	if (csv_parse(&csv, file->data, file->len, CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) <
	    0) {
		r->status = 400;
		strbuf_addf(&msg, _("The file cannot be read: %s. Nothing was imported."), err.buf);
		goto out_notice;
	}
	cl = admin_csv_column(&csv, col_login);
	cn = admin_csv_column(&csv, col_name);
	cs = admin_csv_column(&csv, col_section);
	ce = admin_csv_column(&csv, col_emp);
	if (cl < 0 || cn < 0 || cs < 0) {
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

/* ---- roles ------------------------------------------------------------------------- */

static void roles_page(struct web_req *r, int ret, const struct act_result *res,
                       const struct strbuf *err)
{
	struct strbuf *o = &r->out;
	struct org_assignments l = { 0 };
	struct strbuf lerr = STRBUF_INIT;

	page_begin(r, _("Roles"), NAV_ADMIN);
	admin_nav(r);
	if (res || ret)
		act_outcome_notice(r, ret, res, err);
	if (org_assignments_list(r->st, NULL, NULL, true, time_now_ms(), &l, &lerr) == 0) {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("Person"), HTML_END);
		html_elem(o, "th", _("Role"), HTML_END);
		html_elem(o, "th", _("Token scope"), HTML_END);
		html_elem(o, "th", _("Since"), HTML_END);
		html_elem(o, "th", _("Until"), HTML_END);
		html_elem(o, "th", _("Change"), HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < l.nr; i++) {
			const struct org_assignment *a = &l.items[i];
			char *scope = org_scope_name(r->st, a->scope);
			struct strbuf rs = STRBUF_INIT;
			strbuf_addf(&rs, "%s@%s", a->role, a->scope);
			html_open(o, "tr", HTML_END);
			html_elem(o, "td", a->user_name, "title", a->login, HTML_END);
			html_elem(o, "td", ui_role_name(r, a->role), "title", a->role, HTML_END);
			html_elem(o, "td", scope ? scope : _("whole ward"), "title", a->scope,
			          HTML_END);
			html_open(o, "td", HTML_END);
			page_date(o, a->start_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (a->end_ms)
				page_date(o, a->end_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			page_form_begin(r, "/admin/roles", "inline", false);
			html_void(o, "input", "type", "hidden", "name", "login", "value", a->login,
			          HTML_END);
			html_void(o, "input", "type", "hidden", "name", "role", "value", rs.buf,
			          HTML_END);
			html_elem(o, "button", _("Revoke"), "type", "submit", "name", "op", "value",
			          "revoke", "class", "secondary", HTML_END);
			page_form_end(r);
			html_close(o, "td");
			html_close(o, "tr");
			free(scope);
			strbuf_release(&rs);
		}
		html_close(o, "table");
		org_assignments_release(&l);
	}
	html_elem(o, "h2", _("Grant a role"), HTML_END);
	page_form_begin(r, "/admin/roles", "card", false);
	html_void(o, "input", "type", "hidden", "name", "op", "value", "grant", HTML_END);
	page_input(r, "text", "login", _("Login ID"), NULL, true, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Role"), "for", "f-roleid", HTML_END);
	html_open(o, "select", "name", "roleid", "id", "f-roleid", "required", "", HTML_END);
	for (unsigned i = 0; r->profile && i < r->profile->n_roles; i++)
		html_elem(o, "option", r->profile->roles[i].name, "value", r->profile->roles[i].id,
		          HTML_END);
	html_elem(o, "option", _("Mamori administrator"), "value", ROLE_MAMORI_ADMIN, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_input(r, "text", "scope",
	           _("Scope: org, section:ID or system:ID (empty for a ward-wide role)"), NULL,
	           false, "off");
	page_input(r, "date", "from", _("From (optional)"), NULL, false, "off");
	page_input(r, "date", "until", _("Until (optional)"), NULL, false, "off");
	page_submit(r, _("Grant"), NULL);
	page_form_end(r);
	page_end(r);
	strbuf_release(&lerr);
}

void ui_admin_roles(struct web_req *r)
{
	roles_page(r, 0, NULL, NULL);
}

void ui_admin_roles_post(struct web_req *r)
{
	const char *op = web_form(r, "op"), *login = web_form(r, "login");
	struct web_params f = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT, rs = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .target = login };
	int ret;

	if (!op || !login) {
		web_error(r, 400, "op and login are required");
		return;
	}
	if (!strcmp(op, "revoke")) {
		in.kind = ACT_ROLE_REVOKE;
		if (!web_form(r, "role")) {
			web_error(r, 400, "role is required");
			return;
		}
		web_params_add(&f, "role", web_form(r, "role"));
	} else if (!strcmp(op, "grant")) {
		const char *scope = web_form(r, "scope"), *from = web_form(r, "from"),
		           *until = web_form(r, "until");
		in.kind = ACT_ROLE_GRANT;
		if (!web_form(r, "roleid")) {
			web_error(r, 400, "roleid is required");
			return;
		}
		strbuf_addstr(&rs, web_form(r, "roleid"));
		if (scope && *scope)
			strbuf_addf(&rs, "@%s", scope);
		web_params_add(&f, "role", rs.buf);
		if (from && *from)
			web_params_add(&f, "from", from);
		if (until && *until)
			web_params_add(&f, "until", until);
	} else {
		web_error(r, 400, "unknown operation");
		return;
	}
	ret = web_act(r, &in, &f, &res, &err);
	roles_page(r, ret, &res, &err);
	act_result_release(&res);
	web_params_release(&f);
	strbuf_release(&err);
	strbuf_release(&rs);
}

/* ---- API tokens ---------------------------------------------------------------------- */

/* What a token may do (api_tokens.scope): the JSON API with its person's rights, or only
 * sending logs (POST /api/v1/logs), the least a log shipper needs. */
static const struct {
	const char *id, *label;
} token_scopes[] = {
	{ "api", N_("JSON API (the person's rights)") },
	{ "logs", N_("Sending logs only (POST /api/v1/logs)") },
	{ "agent", N_("File integrity agent: results and logs only (mamori agent)") },
};

static const char *token_scope_label(const char *scope)
{
	for (size_t i = 0; scope && i < ARRAY_SIZE(token_scopes); i++)
		if (!strcmp(scope, token_scopes[i].id))
			return _(token_scopes[i].label);
	return scope ? scope : "";
}

static void tokens_page(struct web_req *r, const char *ok, const char *error)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	sqlite3_stmt *q;

	page_begin(r, _("API tokens"), NAV_ADMIN);
	admin_nav(r);
	if (ok)
		page_notice(r, "ok", ok);
	if (error)
		page_notice(r, "error", error);
	html_elem(o, "p",
	          _("Other systems call the JSON API and the AuthZEN endpoint with a token. A "
	            "token carries the rights of the person it is issued for; only its hash is "
	            "stored, so it is shown once."),
	          HTML_END);
	q = store_prepare(
	    r->st,
	    "SELECT t.id, u.login, u.name, t.label, t.created_ms, g.last_used_ms, "
	    "t.revoked_ms, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id "
	    "LEFT JOIN api_token_use g ON g.token_id = t.id ORDER BY t.id DESC",
	    &err);
	if (q) {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("No."), "class", "num", HTML_END);
		html_elem(o, "th", _("For"), HTML_END);
		html_elem(o, "th", _("Purpose"), HTML_END);
		html_elem(o, "th", _("Token scope"), HTML_END);
		html_elem(o, "th", _("Created"), HTML_END);
		html_elem(o, "th", _("Last used"), HTML_END);
		html_elem(o, "th", _("Status"), HTML_END);
		html_close(o, "tr");
		while (sqlite3_step(q) == SQLITE_ROW) {
			char id[24];
			snprintf(id, sizeof(id), "%lld", sqlite3_column_int64(q, 0));
			html_open(o, "tr", HTML_END);
			html_elem(o, "td", id, "class", "num", HTML_END);
			html_elem(o, "td", (const char *)sqlite3_column_text(q, 2), "title",
			          (const char *)sqlite3_column_text(q, 1), HTML_END);
			html_elem(o, "td", (const char *)sqlite3_column_text(q, 3), HTML_END);
			html_elem(o, "td",
			          token_scope_label((const char *)sqlite3_column_text(q, 7)),
			          HTML_END);
			html_open(o, "td", HTML_END);
			page_time(o, sqlite3_column_int64(q, 4));
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (sqlite3_column_type(q, 5) != SQLITE_NULL)
				page_time(o, sqlite3_column_int64(q, 5));
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (sqlite3_column_type(q, 6) != SQLITE_NULL) {
				html_text(o, _("revoked"));
			} else {
				strbuf_reset(&url);
				strbuf_addf(&url, "/admin/tokens/%s/revoke", id);
				page_form_begin(r, url.buf, "inline", false);
				page_submit(r, _("Revoke"), "danger");
				page_form_end(r);
			}
			html_close(o, "td");
			html_close(o, "tr");
		}
		sqlite3_reset(q);
		html_close(o, "table");
	}
	html_elem(o, "h2", _("Create a token"), HTML_END);
	page_form_begin(r, "/admin/tokens", "card", false);
	page_input(r, "text", "login", _("For (login ID)"), NULL, true, "off");
	page_input(r, "text", "label", _("Purpose (which system uses it)"), NULL, true, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Token scope"), "for", "f-scope", HTML_END);
	html_open(o, "select", "name", "scope", "id", "f-scope", HTML_END);
	for (size_t i = 0; i < ARRAY_SIZE(token_scopes); i++)
		html_elem(o, "option", _(token_scopes[i].label), "value", token_scopes[i].id,
		          HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_submit(r, _("Create"), NULL);
	page_form_end(r);
	page_end(r);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_admin_tokens(struct web_req *r)
{
	tokens_page(r, NULL, NULL);
}

void ui_admin_tokens_post(struct web_req *r)
{
	const char *login = web_form(r, "login"), *label = web_form(r, "label"),
	           *scope = web_form(r, "scope");
	size_t i;
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT_SECRET;
	struct act_result res = ACT_RESULT_INIT;
	struct act_attr fields[2];
	struct act_input in = { .kind = ACT_TOKEN_ISSUE, .fields = fields, .n_fields = 2 };
	char tok[TOKEN_MAX_SIZE], digest[TOKEN_DIGEST_HEX_SIZE];
	int rc;

	if (!login || !label || !*label || strlen(label) > 200) {
		r->status = 400;
		tokens_page(r, NULL, _("Give the login ID and a purpose of at most 200 bytes."));
		goto out;
	}
	if (!scope)
		scope = "api";
	for (i = 0; i < ARRAY_SIZE(token_scopes) && strcmp(scope, token_scopes[i].id); i++)
		;
	if (i == ARRAY_SIZE(token_scopes)) {
		r->status = 400;
		tokens_page(r, NULL, _("Choose what the token may do."));
		goto out;
	}
	if (!core_valid_login(login)) {
		r->status = 400;
		tokens_page(r, NULL, _("No active user has that login ID."));
		goto out;
	}
	if (token_generate(TOKEN_BASE64URL, tok) < 0) {
		web_error(r, 503, "cannot draw a token");
		goto out;
	}
	token_digest_hex(tok, digest);
	/* Through the door (api_token.issue): the row and its ledger entry commit together, and
	 * only the digest reaches the store. */
	fields[0] = (struct act_attr){ "label", label };
	fields[1] = (struct act_attr){ "scope", scope };
	in.target = login;
	in.blob = digest;
	in.blob_len = 64;
	in.actor = r->user->login;
	in.ctx.via = "web";
	in.ctx.remote = r->remote;
	rc = web_door(r) ? act_run(web_door(r), &in, &res, &err) : -EIO;
	if (rc == -ENOENT || rc == -EINVAL) {
		r->status = 400;
		tokens_page(r, NULL, _("No active user has that login ID."));
		goto out_wipe;
	}
	if (rc < 0) {
		web_log(r, "api token for '%s' refused: %s", login, err.buf);
		web_error(r, 503, "the token cannot be issued and ledgered now");
		goto out_wipe;
	}
	if (res.outcome != ACT_DONE) {
		r->status = 403;
		tokens_page(r, NULL, _("Only an administrator may issue or revoke API tokens."));
		goto out_wipe;
	}
	strbuf_addf(&msg,
	            _("Token for %s (shown once; give it to the system as \"Authorization: "
	              "Bearer TOKEN\"): %s"),
	            login, tok);
	web_out_secret(r);
	tokens_page(r, msg.buf, NULL);
out_wipe:
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(digest, sizeof(digest));
out:
	act_result_release(&res);
	strbuf_release_secret(&msg);
	strbuf_release(&err);
}

void ui_admin_token_revoke(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_TOKEN_REVOKE };
	int64_t id = ui_arg_id(r->args[0]);
	char target[24];
	int rc;

	if (!id) {
		web_error(r, 404, "no such token");
		goto out;
	}
	/* Through the door (api_token.revoke): the revocation and its entry commit together. */
	snprintf(target, sizeof(target), "%lld", (long long)id);
	in.target = target;
	in.actor = r->user->login;
	in.ctx.via = "web";
	in.ctx.remote = r->remote;
	rc = web_door(r) ? act_run(web_door(r), &in, &res, &err) : -EIO;
	if (rc == -ENOENT || rc == -EINVAL) {
		r->status = 404;
		tokens_page(r, NULL, _("No such live token."));
		goto out;
	}
	if (rc < 0) {
		web_log(r, "revoking api token %lld refused: %s", (long long)id, err.buf);
		web_error(r, 503, "the revocation cannot be ledgered now");
		goto out;
	}
	if (res.outcome != ACT_DONE) {
		r->status = 403;
		tokens_page(r, NULL, _("Only an administrator may issue or revoke API tokens."));
		goto out;
	}
	tokens_page(r, _("The token is revoked: calls with it are refused from now on."), NULL);
out:
	act_result_release(&res);
	strbuf_release(&err);
}
