/* route: the table of pages and API endpoints, authentication, CSRF, dispatch. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/read.h"
#include "store/store.h"
#include "web/api-memo.h"
#include "web/html.h"
#include "web/route.h"
#include "web/session.h"

static const struct web_route routes[] = {
	/* method  pattern  handler  flags */
	{ WEB_GET, "/static/mamori.css", ui_static_css, ROUTE_PUBLIC | ROUTE_CACHEABLE },
	{ WEB_GET, "/login", ui_login_form, ROUTE_PUBLIC },
	{ WEB_POST, "/login", ui_login_post, ROUTE_PUBLIC },
	{ WEB_POST, "/login/card", ui_login_card_post, ROUTE_PUBLIC },
	{ WEB_POST, "/logout", ui_logout_post, ROUTE_PUBLIC },
	{ WEB_GET, "/login/totp", ui_totp_form, ROUTE_PUBLIC },
	{ WEB_POST, "/login/totp", ui_totp_post, ROUTE_PUBLIC },
	{ WEB_POST, "/lang", ui_lang_post, ROUTE_PUBLIC },
	{ WEB_GET, "/password", ui_password_form, 0 },
	{ WEB_POST, "/password", ui_password_post, 0 },
	{ WEB_GET, "/", ui_dashboard, 0 },
	{ WEB_GET, "/policy", ui_policy, 0 },
	{ WEB_GET, "/registers", ui_registers, 0 },
	{ WEB_GET, "/registers/*", ui_register_list, 0 },
	{ WEB_GET, "/registers/*/new", ui_record_new_form, 0 },
	{ WEB_GET, "/registers/*/csv", ui_register_csv, 0 },
	{ WEB_POST, "/registers/*/new", ui_record_new_post, 0 },
	{ WEB_GET, "/records/*", ui_record, 0 },
	{ WEB_GET, "/records/*/act", ui_record_act_form, 0 },
	{ WEB_POST, "/records/*/act", ui_record_act_post, 0 },
	{ WEB_GET, "/incidents", ui_incidents, 0 },
	{ WEB_GET, "/incidents.csv", ui_incidents_csv, 0 },
	{ WEB_GET, "/incidents/new", ui_incident_new_form, 0 },
	{ WEB_POST, "/incidents/new", ui_incident_new_post, 0 },
	{ WEB_GET, "/incidents/*", ui_incident, 0 },
	{ WEB_GET, "/risks", ui_risks, 0 },
	{ WEB_POST, "/risks", ui_risk_assess_post, 0 },
	{ WEB_GET, "/risks.csv", ui_risks_csv, 0 },
	{ WEB_GET, "/risks/print", ui_risks_print, 0 },
	{ WEB_GET, "/risks/*", ui_risk, 0 },
	{ WEB_POST, "/risks/*/accept", ui_risk_accept_post, 0 },
	{ WEB_POST, "/risks/*/tasks", ui_risk_task_post, 0 },
	{ WEB_POST, "/risks/*/tasks/done", ui_risk_task_done_post, 0 },
	{ WEB_GET, "/requests", ui_requests, 0 },
	{ WEB_GET, "/requests.csv", ui_requests_csv, 0 },
	{ WEB_GET, "/requests/*", ui_request, 0 },
	{ WEB_GET, "/requests/*/print", ui_request_print, 0 },
	{ WEB_POST, "/requests/*/approve", ui_request_approve, 0 },
	{ WEB_POST, "/requests/*/reject", ui_request_reject, 0 },
	{ WEB_POST, "/requests/*/withdraw", ui_request_withdraw, 0 },
	{ WEB_POST, "/attachments", ui_attachment_post, 0 },
	{ WEB_GET, "/attachments/*", ui_attachment_get, 0 },
	{ WEB_GET, "/takeouts", ui_takeouts, 0 },
	{ WEB_GET, "/takeouts.csv", ui_takeouts_csv, 0 },
	{ WEB_GET, "/duties", ui_duties, 0 },
	{ WEB_GET, "/duties.csv", ui_duties_csv, 0 },
	{ WEB_GET, "/inbox", ui_inbox, 0 },
	{ WEB_GET, "/audits", ui_audits, 0 },
	{ WEB_POST, "/audits", ui_audit_plan, 0 },
	{ WEB_POST, "/audits/*/findings", ui_audit_finding, 0 },
	{ WEB_GET, "/report/compliance", ui_report_compliance, 0 },
	{ WEB_GET, "/report/compliance/clause", ui_report_clause, 0 },
	{ WEB_GET, "/report/compliance/control", ui_report_control, 0 },
	{ WEB_GET, "/report/compliance/chapter", ui_report_chapter, 0 },
	{ WEB_GET, "/inspections", ui_inspections, 0 },
	{ WEB_POST, "/inspections", ui_inspections_open, 0 },
	{ WEB_GET, "/inspections/rollup.csv", ui_inspections_csv, 0 },
	{ WEB_GET, "/inspections/*", ui_inspection, 0 },
	{ WEB_GET, "/policy/reviews/*", ui_policy_review, 0 },
	{ WEB_POST, "/inspections/*/answer", ui_inspection_answer, 0 },
	{ WEB_POST, "/inspections/*/step", ui_inspection_step, 0 },
	{ WEB_POST, "/inspections/*/raise", ui_inspection_raise, 0 },
	{ WEB_GET, "/duties/done", ui_duty_done_form, 0 },
	{ WEB_POST, "/duties/done", ui_duty_done_post, 0 },
	{ WEB_GET, "/admin", ui_admin, ROUTE_ADMIN },
	{ WEB_GET, "/admin/sections", ui_admin_sections, ROUTE_ADMIN },
	{ WEB_POST, "/admin/sections", ui_admin_sections_post, ROUTE_ADMIN },
	{ WEB_GET, "/admin/users", ui_admin_users, ROUTE_ADMIN },
	{ WEB_GET, "/admin/users.csv", ui_admin_users_csv, ROUTE_ADMIN },
	{ WEB_POST, "/admin/users", ui_admin_users_post, ROUTE_ADMIN },
	{ WEB_POST, "/admin/users/import", ui_admin_users_import, ROUTE_ADMIN },
	{ WEB_POST, "/admin/users/*", ui_admin_user_post, ROUTE_ADMIN },
	{ WEB_GET, "/admin/transfer", ui_admin_transfer, ROUTE_ADMIN },
	{ WEB_POST, "/admin/transfer", ui_admin_transfer_post, ROUTE_ADMIN },
	{ WEB_POST, "/admin/transfer/apply", ui_admin_transfer_apply, ROUTE_ADMIN },
	{ WEB_GET, "/admin/roles", ui_admin_roles, ROUTE_ADMIN },
	{ WEB_POST, "/admin/roles", ui_admin_roles_post, ROUTE_ADMIN },
	{ WEB_GET, "/admin/tokens", ui_admin_tokens, ROUTE_ADMIN },
	{ WEB_POST, "/admin/tokens", ui_admin_tokens_post, ROUTE_ADMIN },
	{ WEB_POST, "/admin/tokens/*/revoke", ui_admin_token_revoke, ROUTE_ADMIN },
	{ WEB_GET, "/admin/locks", ui_admin_locks, ROUTE_ADMIN },
	{ WEB_POST, "/admin/locks/lift", ui_admin_locks_lift, ROUTE_ADMIN },
	{ WEB_GET, "/logs", ui_logs, 0 },
	{ WEB_GET, "/logs.csv", ui_logs_csv, 0 },
	{ WEB_GET, "/alerts", ui_alerts, 0 },
	{ WEB_GET, "/fim", ui_fim, 0 },
	{ WEB_GET, "/fim/reports/*", ui_fim_report, 0 },
	{ WEB_GET, "/ledger", ui_ledger, 0 },
	{ WEB_GET, "/ledger/entry", ui_ledger_entry, 0 },
	{ WEB_GET, "/ledger/export", ui_ledger_export, 0 },
	{ WEB_GET, "/api/v1/me", api_me, ROUTE_API },
	{ WEB_GET, "/api/v1/sections", api_sections, ROUTE_API },
	{ WEB_GET, "/api/v1/users", api_users, ROUTE_API },
	{ WEB_GET, "/api/v1/records", api_records, ROUTE_API },
	{ WEB_POST, "/api/v1/records", api_record_create, ROUTE_API | ROUTE_DOOR_ONLY },
	{ WEB_GET, "/api/v1/records/*", api_record, ROUTE_API },
	{ WEB_POST, "/api/v1/records/*/actions", api_record_act, ROUTE_API },
	{ WEB_POST, "/api/v1/fim/results", api_fim_results, ROUTE_API },
	{ WEB_GET, "/api/v1/incidents", api_incidents, ROUTE_API },
	{ WEB_POST, "/api/v1/incidents", api_incident_report, ROUTE_API },
	{ WEB_GET, "/api/v1/incidents/*", api_incident, ROUTE_API },
	{ WEB_GET, "/api/v1/requests", api_requests, ROUTE_API },
	{ WEB_GET, "/api/v1/requests/*", api_request, ROUTE_API },
	{ WEB_POST, "/api/v1/requests/*/approve", api_request_approve, ROUTE_API },
	{ WEB_POST, "/api/v1/requests/*/reject", api_request_reject, ROUTE_API },
	{ WEB_POST, "/api/v1/requests/*/withdraw", api_request_withdraw, ROUTE_API },
	{ WEB_GET, "/api/v1/ledger/checkpoint", api_ledger_checkpoint, ROUTE_API },
	{ WEB_GET, "/api/v1/ledger/proof", api_ledger_proof, ROUTE_API },
	{ WEB_GET, "/api/v1/ledger/consistency", api_ledger_consistency, ROUTE_API },
	{ WEB_GET, "/api/v1/ledger/entries/*", api_ledger_entry, ROUTE_API },
	{ WEB_POST, "/access/v1/evaluation", api_evaluation, ROUTE_API },
	{ WEB_POST, WEB_LOGS_PATH, api_logs_post, ROUTE_API },
};

/* True when the space-separated scope list holds want. */
static bool token_scope_has(const char *scope, const char *want)
{
	size_t n = strlen(want);

	if (!scope)
		return false;
	for (const char *p = scope; *p;) {
		size_t k = strcspn(p, " ");
		if (k == n && !strncmp(p, want, n))
			return true;
		p += k;
		while (*p == ' ')
			p++;
	}
	return false;
}

bool route_match(const char *pattern, const char *path, struct web_req *r)
{
	const char *p = pattern, *s = path;
	unsigned n = 0;

	while (*p && *s) {
		if (*p == '*') {
			size_t len = strcspn(s, "/");
			if (len == 0 || n >= ARRAY_SIZE(r->args))
				return false;
			r->args[n] = s; /* made into strings by split_args */
			n++;
			s += len;
			p++;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p || *s)
		return false;
	r->n_args = n;
	return true;
}

/* Cuts the matched '*' segments of r->path into NUL-terminated strings for the handler. */
static void split_args(struct web_req *r, char *copy)
{
	for (unsigned i = 0; i < r->n_args; i++) {
		size_t off = (size_t)(r->args[i] - r->path);
		size_t len = strcspn(r->args[i], "/");
		char *s = copy + off;
		s[len] = '\0';
		r->args[i] = s;
	}
}

static bool is_api_path(const char *path)
{
	return !strncmp(path, "/api/", 5) || !strncmp(path, "/access/", 8);
}

static bool may_run_before_password_change(const struct web_route *rt)
{
	return rt->fn == ui_password_form || rt->fn == ui_password_post ||
	       rt->fn == ui_logout_post || rt->fn == ui_lang_post || rt->fn == ui_static_css;
}

/* The route of r's path and method, or NULL; *path_known: a route has the path (any method). */
static const struct web_route *route_find(struct web_req *r, bool *path_known)
{
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		if (!route_match(routes[i].pattern, r->path, r))
			continue;
		*path_known = true;
		if (routes[i].method == r->method ||
		    (routes[i].method == WEB_GET && r->method == WEB_HEAD))
			return &routes[i];
	}
	return NULL;
}

/* No route: 405 when the path has one for another method, else 404. */
static void route_none(struct web_req *r, bool path_known, struct strbuf *err)
{
	/* someone logged in keeps the menus on the error page (web_error) */
	if (!r->api && web_thread_resources(r, err) == 0)
		(void)web_session_load(r, err);
	if (path_known) {
		web_error(r, 405, NULL);
		web_header_add(r, "Allow", "GET, HEAD, POST");
	} else {
		web_error(r, 404, NULL);
	}
}

/*
 * An API call's token, and whether its scope allows route rt: 0 go on, else -1 with r
 * answered (401, 403 or 503).
 */
static int api_authorise(struct web_req *r, const struct web_route *rt, struct strbuf *err)
{
	int ret = web_api_authenticate(r, err);

	if (ret == -EACCES) {
		web_error(r, 401, "no valid API token");
		return -1;
	} else if (ret < 0) {
		web_error(r, 503, err->buf);
		return -1;
	}
	/* A token's scope: "logs" may only send logs, which "api" alone may not; "agent"
	 * (mamori agent) may only send file integrity results and logs. */
	if (!token_scope_has(r->api_scope, rt->fn == api_logs_post ? "logs" : "api") &&
	    !((rt->fn == api_logs_post || rt->fn == api_fim_results) &&
	      token_scope_has(r->api_scope, "agent"))) {
		web_api_error(r, 403,
		              rt->fn == api_logs_post
		                  ? "this token may not send logs: create one with the logs "
		                    "or agent scope"
		                  : "this token's scope does not allow this call (a logs token "
		                    "only sends logs, an agent token only results and logs)");
		return -1;
	}
	/* the snapshot of the authentication (web_thread_resources) ends here */
	if (r->method != WEB_GET && r->method != WEB_HEAD)
		store_release_read(r->st);
	return 0;
}

/* Nobody logged in: a page (GET, HEAD) sends them to log in first, anything else is 401. */
static void not_logged_in(struct web_req *r)
{
	if (r->method == WEB_GET || r->method == WEB_HEAD) {
		struct strbuf to = STRBUF_INIT;
		strbuf_addstr(&to, "/login");
		if (strcmp(r->path, "/")) {
			strbuf_addstr(&to, "?next=");
			html_url_encode(&to, r->path);
		}
		web_redirect(r, to.buf);
		strbuf_release(&to);
	} else {
		web_error(r, 401, "not logged in");
	}
}

/* The route's checks and handler, from the worker's resources on. */
static void route_run(struct web_req *r, const struct web_route *rt, struct strbuf *err)
{
	int ret;

	r->door_only = rt->flags & ROUTE_DOOR_ONLY;
	ret = web_thread_resources(r, err);
	if (ret < 0) {
		web_error(r, 503, err->buf);
		return;
	}
	if (r->api) {
		if (api_authorise(r, rt, err) < 0)
			return;
	} else {
		ret = web_session_load(r, err);
		if (ret < 0) {
			web_error(r, 503, err->buf);
			return;
		}
	}
	if (!(rt->flags & ROUTE_PUBLIC) && !r->user) {
		not_logged_in(r);
		return;
	}
	if (!r->api && r->method == WEB_POST && !web_csrf_check(r)) {
		web_error(r, 403, "CSRF token missing or wrong");
		return;
	}
	if (r->user && r->user->must_change && !r->api && !may_run_before_password_change(rt)) {
		web_redirect(r, "/password");
		return;
	}
	if ((rt->flags & ROUTE_ADMIN) && !r->user->admin) {
		web_error(r, 403, "administrators only");
		return;
	}
	if (r->n_args && !r->args_buf) {
		/* Handlers get the segments as strings: cut them from a copy of the path. */
		r->args_buf = xstrdup(r->path);
		split_args(r, r->args_buf);
	}
	rt->fn(r);
}

void route_dispatch(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT;
	const struct web_route *rt;
	bool path_known = false;
	const char *lang;

	r->api = is_api_path(r->path);
	lang = web_params_get(&r->cookies, WEB_COOKIE_LANG);
	if (i18n_lang_parse(lang) >= 0)
		r->lang = (enum web_lang)i18n_lang_parse(lang);
	i18n_set_lang(r->lang);

	rt = route_find(r, &path_known);
	if (!rt) {
		route_none(r, path_known, &err);
		goto out;
	}
	if (rt->flags & ROUTE_CACHEABLE) {
		r->cacheable = true;
		rt->fn(r);
		goto out;
	}
	route_run(r, rt, &err);
	if (r->identity_deferred && !r->identity_verified) {
		/*
		 * The call used this worker's memo of its token's identity, and the door did not
		 * find that identity unchanged: users, roles or tokens changed since (the door did
		 * nothing), or the call answered before reaching the door (its body's 400 or 415,
		 * the kept scope's 403: an answer to an identity nobody checked). The call is run
		 * again, its identity read afresh, and answered as that run answers (401 for a
		 * token revoked meanwhile). Never once the door verified it: what the door did or
		 * refused then stands, and a refusal is ledgered (a second run would ledger it
		 * twice).
		 */
		web_reply_reset(r);
		web_user_free(r->user);
		r->user = NULL;
		reader_unref(r->reader);
		r->reader = NULL;
		r->api_token_id = 0;
		r->api_scope[0] = '\0';
		/* read afresh below, and kept again only if the token is still live */
		if (web_thread_api_memo(r))
			web_api_memo_clear(web_thread_api_memo(r));
		r->identity_deferred = r->identity_verified = false;
		r->identity_fresh = true;
		strbuf_reset(&err);
		route_run(r, rt, &err);
	}
out:
	web_thread_done(r);
	strbuf_release(&err);
}
