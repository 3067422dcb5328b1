/* route: the table of pages and API endpoints, and what each requires before it runs. */
#ifndef MAMORI_WEB_ROUTE_H
#define MAMORI_WEB_ROUTE_H

#include "web/web.h"

enum route_flags {
	ROUTE_PUBLIC = 1 << 0,    /* no login needed (login page, stylesheet) */
	ROUTE_API = 1 << 1,       /* JSON; authenticated by an API token (Bearer) */
	ROUTE_ADMIN = 1 << 2,     /* mamori_admin only */
	ROUTE_CACHEABLE = 1 << 3, /* a static resource: may be cached */
	/* an API act that reads nothing before the door but its token: the request's resources
	 * skip the change stamp and the newest profile (web_req.door_only), so its handler must
	 * not use the memo (web_cache_get), a reader (web_reader) or r->profile (the one the
	 * server last loaded, NULL until a request loaded one). On a worker's memo of the token
	 * its identity is not read before the door (web_api_authenticate): an answer stands only
	 * when the door found that identity unchanged (web_act), and any other (a body's 400, the
	 * stamp moved) is thrown away and the call run again with its identity read afresh
	 * (route_dispatch), so such a handler does nothing before web_act that outlives it */
	ROUTE_DOOR_ONLY = 1 << 4
};

/*
 * One row per page or endpoint. Columns:
 *   method   WEB_GET (also answers HEAD) or WEB_POST ...
 *   pattern  the path; '*' matches one non-empty segment, handed to the handler in args[]
 *   fn       the handler (ui-*.c for pages, api-*.c for the API)
 *   flags    enum route_flags
 * Every POST of a page (not ROUTE_API) is refused without a valid CSRF token.
 */
struct web_route {
	enum web_method method;
	const char *pattern;
	web_handler fn;
	unsigned flags;
};

/* Matches path against pattern, filling r->args. */
bool route_match(const char *pattern, const char *path, struct web_req *r);

/* Handlers (one file per page: ui-*.c; per API group: api-*.c). */
void ui_static_css(struct web_req *r);
void ui_login_form(struct web_req *r);
void ui_login_post(struct web_req *r);
/* POST /login/card: log in with the IC card (TLS client certificate) on this connection. */
void ui_login_card_post(struct web_req *r);
void ui_logout_post(struct web_req *r);
/* The second factor (ui-totp.c): GET/POST /login/totp for a session that gave its password. */
void ui_totp_form(struct web_req *r);
void ui_totp_post(struct web_req *r);
/* After a right password: WEB_STAGE_FULL, or WEB_STAGE_TOTP (the person has an authenticator)
 * or WEB_STAGE_ENROL (a role [totp] roles lists needs one, not yet set up). */
struct org_user;
int ui_totp_stage(struct web_req *r, const struct org_user *u, const char **ret_stage,
                  struct strbuf *err);
void ui_password_form(struct web_req *r);
void ui_password_post(struct web_req *r);
void ui_lang_post(struct web_req *r);
void ui_dashboard(struct web_req *r);
void ui_incidents(struct web_req *r);
void api_incidents(struct web_req *r);
void api_incident(struct web_req *r);
void api_incident_report(struct web_req *r);
void ui_incident(struct web_req *r);
void ui_risks(struct web_req *r);
void ui_risks_csv(struct web_req *r);
void ui_risks_print(struct web_req *r);
void ui_risk(struct web_req *r);
void ui_risk_assess_post(struct web_req *r);
void ui_risk_accept_post(struct web_req *r);
void ui_risk_task_post(struct web_req *r);
void ui_risk_task_done_post(struct web_req *r);
void ui_incident_new_form(struct web_req *r);
void ui_incident_new_post(struct web_req *r);
/* The dashboard's card: the open cases the user may read, with their deadlines. */
void ui_incidents_card(struct web_req *r);
void ui_policy(struct web_req *r);
void ui_ledger(struct web_req *r);
void ui_logs(struct web_req *r);
void ui_logs_csv(struct web_req *r);
void ui_alerts(struct web_req *r);
void ui_fim(struct web_req *r);
void ui_fim_report(struct web_req *r);
void ui_ledger_entry(struct web_req *r);
void ui_ledger_export(struct web_req *r);
void ui_registers(struct web_req *r);
void ui_register_list(struct web_req *r);
void ui_record_new_form(struct web_req *r);
void ui_record_new_post(struct web_req *r);
void ui_record(struct web_req *r);
void ui_record_act_form(struct web_req *r);
void ui_record_act_post(struct web_req *r);
void ui_requests(struct web_req *r);
void ui_request(struct web_req *r);
void ui_request_approve(struct web_req *r);
void ui_request_reject(struct web_req *r);
void ui_request_withdraw(struct web_req *r);
void ui_attachment_post(struct web_req *r);
void ui_attachment_get(struct web_req *r);
void ui_takeouts(struct web_req *r);
void ui_duties(struct web_req *r);
void ui_inbox(struct web_req *r);
void ui_register_csv(struct web_req *r);
void ui_requests_csv(struct web_req *r);
void ui_takeouts_csv(struct web_req *r);
void ui_duties_csv(struct web_req *r);
void ui_incidents_csv(struct web_req *r);
void ui_admin_users_csv(struct web_req *r);
void ui_admin_transfer(struct web_req *r);
void ui_admin_transfer_post(struct web_req *r);
void ui_admin_transfer_apply(struct web_req *r);
void ui_request_print(struct web_req *r);
void ui_audits(struct web_req *r);
void ui_audit_plan(struct web_req *r);
/* POST /audits/N/findings: a team member records a finding of audit N (finding.add). */
void ui_audit_finding(struct web_req *r);
void ui_report_compliance(struct web_req *r);
/* /report/compliance/clause?id=C: every ledger entry behind a clause's figures. */
void ui_report_clause(struct web_req *r);
/* /report/compliance/control?id=5.35: every ledger entry behind an Annex A control's figures. */
void ui_report_control(struct web_req *r);
/* /report/compliance/chapter?id=MIN-9: every ledger entry behind a chapter's summary figures. */
void ui_report_chapter(struct web_req *r);
void ui_inspections(struct web_req *r);
void ui_inspections_open(struct web_req *r);
void ui_inspections_csv(struct web_req *r);
void ui_inspection(struct web_req *r);
void ui_policy_review(struct web_req *r); /* ui-review.c */
void ui_inspection_answer(struct web_req *r);
void ui_inspection_step(struct web_req *r);
void ui_inspection_raise(struct web_req *r);
void ui_duty_done_form(struct web_req *r);
void ui_duty_done_post(struct web_req *r);
void ui_admin(struct web_req *r);
void ui_admin_sections(struct web_req *r);
void ui_admin_sections_post(struct web_req *r);
void ui_admin_users(struct web_req *r);
void ui_admin_users_post(struct web_req *r);
void ui_admin_users_import(struct web_req *r);
void ui_admin_user_post(struct web_req *r);
void ui_admin_roles(struct web_req *r);
void ui_admin_roles_post(struct web_req *r);
void ui_admin_tokens(struct web_req *r);
void ui_admin_tokens_post(struct web_req *r);
void ui_admin_token_revoke(struct web_req *r);
void ui_admin_locks(struct web_req *r);
void ui_admin_locks_lift(struct web_req *r);

void api_sections(struct web_req *r);
void api_users(struct web_req *r);
void api_records(struct web_req *r);
void api_record(struct web_req *r);
void api_record_create(struct web_req *r);
void api_record_act(struct web_req *r);
void api_fim_results(struct web_req *r);
void api_requests(struct web_req *r);
void api_request(struct web_req *r);
void api_request_approve(struct web_req *r);
void api_request_reject(struct web_req *r);
void api_request_withdraw(struct web_req *r);
void api_ledger_checkpoint(struct web_req *r);
void api_ledger_proof(struct web_req *r);
void api_ledger_consistency(struct web_req *r);
void api_ledger_entry(struct web_req *r);
void api_evaluation(struct web_req *r);
void api_me(struct web_req *r);
void api_logs_post(struct web_req *r);

#endif
