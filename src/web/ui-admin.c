/* ui-admin: administration for mamori_admin: sections, roles and API tokens (users are in
 * ui-admin-users.c). Every change goes through the door, except API tokens, which are the web's own
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
#include "core/identity.h"
#include "core/org.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui-admin.h"
#include "web/ui.h"

void ui_admin_nav(struct web_req *r)
{
	static const char *const items[][2] = {
		{ "/admin/sections", N_("Sections") },
		{ "/admin/users", N_("Users") },
		{ "/admin/transfer", N_("Personnel changes") },
		{ "/admin/roles", N_("Roles") },
		{ "/admin/tokens", N_("API tokens") },
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

char *ui_admin_capture_end(struct web_req *r, const struct strbuf *err)
{
	struct act_result why = ACT_RESULT_INIT;
	char *text = NULL;

	why.detail_fmt = error_capture_end(err, &why.detail_args);
	if (err)
		text = web_refusal_text(r, &why, err->buf);
	act_result_release(&why);
	return text;
}

/* After a POST: show the outcome on the page the form came from. */
bool ui_admin_outcome(struct web_req *r, int ret, const struct act_result *res,
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
	ui_admin_nav(r);
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
	ui_admin_nav(r);
	if (res || ret)
		ui_admin_outcome(r, ret, res, err);
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

/* ---- roles ------------------------------------------------------------------------- */

static void roles_page(struct web_req *r, int ret, const struct act_result *res,
                       const struct strbuf *err)
{
	struct strbuf *o = &r->out;
	struct org_assignments l = { 0 };
	struct strbuf lerr = STRBUF_INIT;

	page_begin(r, _("Roles"), NAV_ADMIN);
	ui_admin_nav(r);
	if (res || ret)
		ui_admin_outcome(r, ret, res, err);
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
	struct identity_token_list tokens;

	page_begin(r, _("API tokens"), NAV_ADMIN);
	ui_admin_nav(r);
	if (ok)
		page_notice(r, "ok", ok);
	if (error)
		page_notice(r, "error", error);
	html_elem(o, "p",
	          _("Other systems call the JSON API and the AuthZEN endpoint with a token. A "
	            "token carries the rights of the person it is issued for; only its hash is "
	            "stored, so it is shown once."),
	          HTML_END);
	if (identity_tokens_list(r->st, &tokens, &err) < 0) {
		web_log(r, "tokens: %s", err.buf);
		page_notice(r, "error", _("The tokens cannot be read now."));
	} else {
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
		for (size_t i = 0; i < tokens.nr; i++) {
			const struct identity_token *t = &tokens.items[i];
			char id[24];
			snprintf(id, sizeof(id), "%" PRId64, t->id);
			html_open(o, "tr", HTML_END);
			html_elem(o, "td", id, "class", "num", HTML_END);
			html_elem(o, "td", t->name, "title", t->login, HTML_END);
			html_elem(o, "td", t->label, HTML_END);
			html_elem(o, "td", token_scope_label(t->scope), HTML_END);
			html_open(o, "td", HTML_END);
			page_time(o, t->created_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (t->last_used_ms)
				page_time(o, t->last_used_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			if (t->revoked_ms) {
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
		html_close(o, "table");
		identity_token_list_release(&tokens);
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
