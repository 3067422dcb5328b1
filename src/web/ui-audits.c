/* ui-audits: 監査: the audits the reader may read with their findings (overdue improvements
 * marked), planning an audit through the door; and the compliance report (遵守状況報告書) as a
 * page, CSV and PDF (docs/audits.md). The findings' own steps are the record pages' acts. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/audits.h"
#include "core/compliance.h"
#include "core/core.h"
#include "core/org.h"
#include "core/read.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/outcome.h"
#include "web/report.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

#define DAY_MS (86400LL * 1000)

static const char *field_or(const struct record *rec, const char *key, const char *dflt)
{
	const char *v = record_field(rec, key);
	return v && *v ? v : dflt;
}

/* The audit register's scope field (`clauses`: the clauses it audits), or NULL. */
static const struct policy_field *scope_field(struct web_req *r)
{
	const struct policy_register *g = policy_register(r->profile, AUDIT_REGISTER);
	const struct policy_field *f = g ? policy_register_field(g, "clauses") : NULL;

	return f && f->type == FIELD_CLAUSE ? f : NULL;
}

/* The clauses an audit covers, each linked to the policy page. */
static void scope_clauses(struct web_req *r, const char *list)
{
	const char *cur = list, *b;
	size_t n;

	while (policy_list_next(&cur, &b, &n)) {
		char *id = xstrndup(b, n);

		ui_clause(r, id);
		html_text(&r->out, " ");
		free(id);
	}
}

static void findings_table(struct web_req *r, const struct record_list *l, int64_t now)
{
	struct strbuf *o = &r->out;

	html_open(o, "table", "class", "findings", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Finding"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Severity"), "scope", "col", HTML_END);
	html_elem(o, "th", _("State"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Improve by"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct record *f = &l->items[i];
		bool overdue = audit_finding_overdue(f, now);
		struct strbuf url = STRBUF_INIT;

		html_open(o, "tr", "class", overdue ? "overdue" : NULL, HTML_END);
		html_open(o, "td", HTML_END);
		strbuf_addf(&url, "/records/%" PRId64, f->id);
		page_link(o, url.buf, field_or(f, "text", "—"));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		if (record_field(f, "clause"))
			ui_clause(r, record_field(f, "clause"));
		html_close(o, "td");
		html_elem(o, "td", ui_severity_name(field_or(f, "severity", "—")), HTML_END);
		html_elem(o, "td", ui_state_name(r, FINDING_REGISTER, f->state), HTML_END);
		html_open(o, "td", HTML_END);
		if (record_field(f, FINDING_DUE_FIELD))
			page_ymd(o, record_field(f, FINDING_DUE_FIELD));
		else
			html_text(o, "—");
		if (overdue) {
			strbuf_addch(o, ' ');
			html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
		}
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&url);
	}
	html_close(o, "table");
}

/* The audit team's form: a finding per clause with its severity and evidence (finding.add). */
static void finding_form(struct web_req *r, const struct record *a)
{
	static const char *const sev[] = { "minor", "major", "critical" };
	const char *sev_names[] = { _("minor"), _("major"), _("critical") };
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT, fid = STRBUF_INIT;

	strbuf_addf(&url, "/audits/%" PRId64 "/findings", a->id);
	strbuf_addf(&fid, "sev-%" PRId64, a->id);
	html_elem(o, "h3", _("Record a finding"), HTML_END);
	page_form_begin(r, url.buf, "finding", false);
	page_input(r, "text", "clause", _("Clause"), NULL, true, "off");
	if (record_field(a, "clauses") && *record_field(a, "clauses")) {
		html_open(o, "p", "class", "hint", HTML_END);
		html_text(o, _("Within the clauses audited:"));
		html_text(o, " ");
		scope_clauses(r, record_field(a, "clauses"));
		html_close(o, "p");
	}
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Severity"), "for", fid.buf, HTML_END);
	html_open(o, "select", "id", fid.buf, "name", "severity", HTML_END);
	for (size_t i = 0; i < 3; i++)
		html_elem(o, "option", sev_names[i], "value", sev[i], HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_input(r, "text", "text", _("What was found"), NULL, true, "off");
	page_input(r, "text", "evidence",
	           _("Evidence: ledger entries it rests on (numbers, comma-separated)"), NULL,
	           false, "off");
	page_submit(r, _("Record the finding"), "primary");
	page_form_end(r);
	html_elem(o, "p", _("Files are attached on the finding's page once it is recorded."),
	          "class", "hint", HTML_END);
	strbuf_release(&url);
	strbuf_release(&fid);
}

/*
 * The texts the audit's own steps recorded, under the profile's names for them: the report
 * (Shinjuku: the result reported to 情報化戦略本部), the CISO's evaluation, the improvement plan
 * and what was done (MIN-9-1-4, MIN-9-1-5).
 */
static void audit_steps(struct web_req *r, const struct record *a)
{
	static const char *const keys[] = { "report",     "result",           "hq_use",
		                            "evaluation", "improvement_plan", "done" };
	const struct policy_register *g = policy_register(r->profile, AUDIT_REGISTER);

	for (size_t i = 0; g && i < ARRAY_SIZE(keys); i++) {
		const struct policy_field *f = policy_register_field(g, keys[i]);
		const char *v = record_field(a, keys[i]);

		if (!f || !v || !*v)
			continue;
		html_elem(&r->out, "dt", f->name ? f->name : f->id, HTML_END);
		html_elem(&r->out, "dd", v, "class", keys[i], HTML_END);
	}
}

static void one_audit(struct web_req *r, const struct record *a, int64_t now)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT, id = STRBUF_INIT;
	struct record_list fl = { 0 };

	strbuf_addf(&id, "audit-%" PRId64, a->id);
	html_open(o, "section", "class", "card", "id", id.buf, HTML_END);
	html_open(o, "h2", HTML_END);
	strbuf_addf(&url, "/records/%" PRId64, a->id);
	page_link(o, url.buf, field_or(a, "title", ui_register_name(r, AUDIT_REGISTER)));
	html_text(o, "（");
	html_text(o, ui_state_name(r, AUDIT_REGISTER, a->state));
	html_text(o, "）");
	html_close(o, "h2");
	html_open(o, "dl", HTML_END);
	html_elem(o, "dt", _("Audit team"), HTML_END);
	html_elem(o, "dd", field_or(a, "auditor", "—"), HTML_END);
	html_elem(o, "dt", _("Audited sections"), HTML_END);
	html_elem(o, "dd", field_or(a, "auditee_section", "—"), HTML_END);
	if (record_field(a, "clauses") && *record_field(a, "clauses")) {
		html_elem(o, "dt", _("Clauses audited"), HTML_END);
		html_open(o, "dd", "class", "scope", HTML_END);
		scope_clauses(r, record_field(a, "clauses"));
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("Period"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_ymd(o, field_or(a, "period_from", "—"));
	html_text(o, " ～ ");
	page_ymd(o, field_or(a, "period_until", "—"));
	html_close(o, "dd");
	audit_steps(r, a);
	html_close(o, "dl");
	html_open(o, "p", "class", "noprint", HTML_END);
	strbuf_addstr(&url, "#actions");
	page_link(o, url.buf, _("The audit's steps: conduct, report, evaluation, improvement"));
	html_close(o, "p");
	if (audit_findings(r->st, web_reader(r), a->id, &fl, &err) < 0)
		page_notice(r, "error", err.buf);
	else if (!fl.nr)
		html_elem(o, "p", _("No findings."), HTML_END);
	else
		findings_table(r, &fl, now);
	/* the team records findings (the door decides: actor_in, the audit's state) */
	if (r->user && policy_list_has(record_field(a, "auditor"), r->user->login) &&
	    strcmp(a->state, "closed") != 0)
		finding_form(r, a);
	html_close(o, "section");
	record_list_release(&fl);
	strbuf_release(&err);
	strbuf_release(&url);
	strbuf_release(&id);
}

/* The role every team member must hold (the field's `holds`: 監査実施者, MIN-9-1-2), if any. */
static void team_role_hint(struct web_req *r)
{
	const struct policy_register *g = policy_register(r->profile, AUDIT_REGISTER);
	const struct policy_field *f = g ? policy_register_field(g, "auditor") : NULL;
	struct strbuf *o = &r->out;

	if (!f || !f->holds)
		return;
	html_open(o, "p", "class", "cite team-role", HTML_END);
	html_text(o, _("Every member of the team must hold this role:"));
	html_text(o, " ");
	html_elem(o, "strong", f->holds->name, HTML_END);
	for (unsigned i = 0; i < f->holds->clauses.nr; i++) {
		html_text(o, " ");
		ui_clause(r, f->holds->clauses.items[i]->id);
	}
	html_close(o, "p");
}

static void plan_form(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_sections secs = { 0 };

	html_elem(o, "h2", _("Plan an audit"), HTML_END);
	html_elem(o, "p",
	          _("The audit team may not include anyone who belongs to an audited section or "
	            "holds a role over it or its systems (MIN-9-1-3)."),
	          "class", "cite", HTML_END);
	team_role_hint(r);
	if (org_sections_list(r->st, &secs, &err) < 0) {
		page_notice(r, "error", err.buf);
		goto out;
	}
	page_form_begin(r, "/audits", "plan", false);
	page_input(r, "text", "title", _("Audit title"), NULL, true, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Audited sections"), "for", "f-sections", HTML_END);
	html_open(o, "select", "id", "f-sections", "name", "section", "multiple", "", "required",
	          "", HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_input(r, "text", "team", _("Audit team (logins, comma-separated)"), NULL, true, "off");
	if (scope_field(r))
		page_input(r, "text", "clauses",
		           _("Clauses audited (ids, comma-separated; MIN-3 covers its clauses)"),
		           NULL, false, "off");
	page_input(r, "date", "from", _("Period from"), NULL, false, "off");
	page_input(r, "date", "until", _("Period until"), NULL, false, "off");
	page_submit(r, _("Plan the audit"), "primary");
	page_form_end(r);
out:
	org_sections_release(&secs);
	strbuf_release(&err);
}

void ui_audits(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct record_list al = { 0 };
	struct reader *rd = web_reader(r);
	int64_t now = time_now_ms();

	if (!r->profile || !rd || !policy_register(r->profile, AUDIT_REGISTER)) {
		web_error(r, 404, "this ward's profile keeps no audits");
		goto out;
	}
	if (audit_records(r->st, rd, AUDIT_REGISTER, &al, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Audits"), NAV_AUDITS);
	web_notice_from_query(r);
	html_elem(o, "p",
	          _("Security audits and their findings per clause; the audited section's "
	            "response, the improvement plan and its follow-up are acts on each finding."),
	          "class", "cite", HTML_END);
	html_open(o, "p", HTML_END);
	page_link(o, "/report/compliance", _("The compliance report per clause"));
	html_close(o, "p");
	if (al.nr) {
		html_open(o, "p", "class", "noprint", HTML_END);
		html_text(o, _("Audits:"));
		ui_csv_links(r, "/registers/" AUDIT_REGISTER "/csv");
		html_close(o, "p");
		html_open(o, "p", "class", "noprint", HTML_END);
		html_text(o, _("Findings:"));
		ui_csv_links(r, "/registers/" FINDING_REGISTER "/csv");
		html_close(o, "p");
	}
	if (!al.nr)
		html_elem(o, "p", _("No audits you may read."), HTML_END);
	for (size_t i = al.nr; i-- > 0;)
		one_audit(r, &al.items[i], now);
	if (policy_action(r->profile, AUDIT_REGISTER ".plan"))
		plan_form(r);
	page_end(r);
out:
	record_list_release(&al);
	strbuf_release(&err);
}

/* A form that cannot be taken as sent: why, in the reader's language, and the way back. */
static void audit_form_error(struct web_req *r, int status, const char *text)
{
	r->status = status;
	page_begin(r, _("Audits"), NAV_AUDITS);
	page_notice(r, "error", text);
	html_open(&r->out, "p", HTML_END);
	page_link(&r->out, "/audits", _("Back to the audits"));
	html_close(&r->out, "p");
	page_end(r);
}

/* Runs in through the door; on an error or a refusal writes its page and returns -1, so the
 * caller redirects only after an act that was done or is pending. A fault of the server keeps
 * the 5xx page (tell the administrator); a form the door cannot take says why (a field left
 * out or not valid: the door's own message from the catalogue). */
static int audit_act(struct web_req *r, struct act_input *in, struct act_result *res,
                     struct strbuf *err)
{
	int ret = web_act(r, in, NULL, res, err);

	if (ret < 0 && web_act_status(ret) >= 500) {
		web_error(r, web_act_status(ret), err->buf);
		return -1;
	}
	if (ret < 0) {
		char *text =
		    web_refusal_text(r, res,
		                     _("What was sent cannot be recorded: fill in what the "
		                       "form asks and send it again."));
		web_log(r, "audits: %s", err->buf);
		audit_form_error(r, web_act_status(ret), text);
		free(text);
		return -1;
	}
	if (res->outcome == ACT_REFUSED) {
		web_refusal_page(r, res, _("Audits"), NAV_AUDITS, "/audits",
		                 _("Back to the audits"));
		return -1;
	}
	return 0;
}

void ui_audit_plan(struct web_req *r)
{
	struct strbuf secs = STRBUF_INIT, err = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_RECORD, .action = AUDIT_REGISTER ".plan" };
	struct act_attr f[6];
	const char *title = web_params_get(&r->form, "title");
	const char *team = web_params_get(&r->form, "team");
	const char *from = web_params_get(&r->form, "from");
	const char *until = web_params_get(&r->form, "until");
	const char *clauses = web_params_get(&r->form, "clauses");
	size_t n = 0;

	for (size_t i = 0; i < r->form.nr; i++)
		if (!strcmp(r->form.items[i].name, "section") && *r->form.items[i].value)
			strbuf_addf(&secs, "%s%s", secs.len ? "," : "", r->form.items[i].value);
	if (!title || !*title || !team || !*team || !secs.len) {
		audit_form_error(r, 400,
		                 _("An audit needs a title, the sections it audits and its team: "
		                   "fill them in and plan it again."));
		goto out;
	}
	f[n++] = (struct act_attr){ "title", title };
	f[n++] = (struct act_attr){ "auditor", team };
	if (clauses && *clauses)
		f[n++] = (struct act_attr){ "clauses", clauses };
	f[n++] = (struct act_attr){ "auditee_section", secs.buf };
	if (from && *from)
		f[n++] = (struct act_attr){ "period_from", from };
	if (until && *until)
		f[n++] = (struct act_attr){ "period_until", until };
	in.fields = f;
	in.n_fields = n;
	if (audit_act(r, &in, &res, &err) < 0)
		goto out;
	web_redirect(r, res.outcome == ACT_DONE ? "/audits?notice=done" : "/audits?notice=pending");
out:
	act_result_release(&res);
	strbuf_release(&secs);
	strbuf_release(&err);
}

/* The form's value of key into f[*n] when one was given (not empty). */
static void given(struct web_req *r, const char *key, struct act_attr *f, size_t *n)
{
	const char *v = web_form(r, key);

	if (v && *v)
		f[(*n)++] = (struct act_attr){ key, v };
}

void ui_audit_finding(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_RECORD,
		                .register_id = FINDING_REGISTER,
		                .action = FINDING_REGISTER ".add" };
	struct record_list al = { 0 };
	const struct record *a = NULL;
	struct act_attr f[6];
	const char *secs, *cur, *b;
	int64_t id = ui_arg_id(r->args[0]);
	char *sec = NULL, ids[24];
	size_t n = 0, len, cnt = 0;

	/* the audit as the reader may read it: one read decision */
	if (!web_reader(r) || audit_records(r->st, web_reader(r), AUDIT_REGISTER, &al, &err) < 0) {
		web_error(r, 503, err.len ? err.buf : "the audits cannot be read just now");
		goto out;
	}
	for (size_t i = 0; i < al.nr && !a; i++)
		if (al.items[i].id == id)
			a = &al.items[i];
	if (!a) {
		web_error(r, 404, "no such audit");
		goto out;
	}
	/* the finding concerns the audit's section when it audits only one */
	secs = record_field(a, "auditee_section");
	cur = secs;
	while (secs && policy_list_next(&cur, &b, &len))
		if (!cnt++)
			sec = xstrndup(b, len);
	snprintf(ids, sizeof(ids), "%" PRId64, a->id);
	f[n++] = (struct act_attr){ "audit", ids };
	/* what was left empty is not given, so the door names the field it lacks */
	given(r, "clause", f, &n);
	given(r, "severity", f, &n);
	given(r, "text", f, &n);
	given(r, "evidence", f, &n);
	if (sec && cnt == 1)
		f[n++] = (struct act_attr){ "section", sec };
	in.fields = f;
	in.n_fields = n;
	if (audit_act(r, &in, &res, &err) < 0)
		goto out;
	strbuf_addf(&url, "/records/%" PRId64 "?notice=%s", res.record_id,
	            res.outcome == ACT_DONE ? "done" : "pending");
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	record_list_release(&al);
	strbuf_release(&err);
	strbuf_release(&url);
	free(sec);
}

/* ---- the compliance report ------------------------------------------------------------- */

int ui_report_period(struct web_req *r, int64_t *from, int64_t *to)
{
	const char *f = web_query(r, "from"), *t = web_query(r, "to");
	int64_t now = time_now_ms();

	*from = COMPLIANCE_FROM_START;
	*to = (now + TOKYO_OFFSET_MS) / DAY_MS * DAY_MS - TOKYO_OFFSET_MS;
	if (f && *f && core_parse_local_date(f, from) < 0)
		return -1;
	if (t && *t && core_parse_local_date(t, to) < 0)
		return -1;
	*to += DAY_MS;
	return *to > *from ? 0 : -1;
}

int ui_report_compute(struct web_req *r, struct compliance_report *rep, int64_t *from, int64_t *to)
{
	return ui_report_compute_some(r, NULL, 0, rep, from, to);
}

int ui_report_compute_some(struct web_req *r, const char *const *clauses, size_t n,
                           struct compliance_report *rep, int64_t *from, int64_t *to)
{
	struct strbuf err = STRBUF_INIT;
	struct ledger *lg = NULL;
	int ret = -1;

	if (ui_report_period(r, from, to) < 0)
		web_error(r, 400, "from and to are dates (YYYY-MM-DD), from before to");
	else if (!web_door(r) || web_thread_ledger(r, &lg, &err) < 0 ||
	         (clauses ? compliance_compute_some(web_door(r), r->st, lg, clauses, n, *from, *to,
	                                            time_now_ms(), rep, &err)
	                  : compliance_compute(web_door(r), r->st, lg, false, *from, *to,
	                                       time_now_ms(), rep, &err)) < 0)
		web_error(r, 503, err.len ? err.buf : "no profile in force");
	else
		ret = 0;
	strbuf_release(&err);
	return ret;
}

/*
 * The report as CSV (?cp932=1: Shift_JIS), its download in the access log once made: a Shift_JIS
 * one with the count of characters written as 〓, which X-Mamori-Substituted also answers
 * (ui_csv_reply, as every list's).
 */
static void send_csv(struct web_req *r, const struct compliance_report *rep, bool annex,
                     bool chapter)
{
	struct strbuf csv = STRBUF_INIT, err = STRBUF_INIT, detail = STRBUF_INIT;
	bool cp932 = web_query(r, "cp932") && !strcmp(web_query(r, "cp932"), "1");
	size_t subst = 0;

	if ((annex     ? report_annex_csv(rep, cp932, &csv, &subst, &err)
	     : chapter ? report_chapters_csv(rep, cp932, &csv, &subst, &err)
	               : report_compliance_csv(rep, cp932, &csv, &subst, &err)) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addstr(&detail, "csv");
	if (cp932)
		strbuf_addf(&detail, "&cp932&substituted=%zu", subst);
	web_audit(r, r->user->login, "report.compliance", detail.buf);
	ui_csv_reply(r, cp932, subst, "attachment; filename=\"compliance.csv\"", &csv);
out:
	strbuf_release(&csv);
	strbuf_release(&err);
	strbuf_release(&detail);
}

static void send_pdf(struct web_req *r, const struct compliance_report *rep, bool annex,
                     bool chapter)
{
	const char *tmp = getenv("TMPDIR");
	struct strbuf path = STRBUF_INIT, err = STRBUF_INIT;
	struct stat sb;
	int fd;

	strbuf_addf(&path, "%s/mamori-report.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	fd = mkstemp(path.buf);
	if (fd < 0) {
		web_error(r, 503, "cannot make a temporary file for the report; set TMPDIR");
		goto out;
	}
	if ((annex     ? report_annex_pdf(rep, path.buf, &err)
	     : chapter ? report_chapters_pdf(rep, path.buf, &err)
	               : report_compliance_pdf(rep, path.buf, &err)) < 0 ||
	    fstat(fd, &sb) < 0) {
		unlink(path.buf);
		close(fd);
		web_error(r, 503, err.len ? err.buf : "cannot write the report");
		goto out;
	}
	unlink(path.buf); /* the open file outlives its name */
	r->status = 200;
	r->content_type_out = "application/pdf";
	web_header_add(r, "Content-Disposition", "attachment; filename=\"compliance.pdf\"");
	web_send_file(r, fd, (uint64_t)sb.st_size);
out:
	strbuf_release(&path);
	strbuf_release(&err);
}

/* The report's downloads (CSV, PDF; the clause view also its summary by chapter on its own),
 * for the page's period and view. */
static void downloads(struct web_req *r, bool annex)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	const char *formats[] = { "csv", "pdf", "csv", "pdf" };
	const char *labels[] = { _("Download CSV"), _("Download PDF"),
		                 _("The summary by chapter with its ledger entries (CSV)"),
		                 _("The summary by chapter with its ledger entries (PDF)") };

	html_open(o, "p", HTML_END);
	/* the clause view also offers its summary by chapter on its own */
	for (size_t i = 0; i < (annex ? 2u : 4u); i++) {
		strbuf_reset(&url);
		strbuf_addstr(&url, "/report/compliance");
		html_url_query(&url, "format", formats[i]);
		if (web_query(r, "from"))
			html_url_query(&url, "from", web_query(r, "from"));
		if (web_query(r, "to"))
			html_url_query(&url, "to", web_query(r, "to"));
		if (annex)
			html_url_query(&url, "by", "annex-a");
		else if (i >= 2)
			html_url_query(&url, "by", "chapter");
		if (i)
			html_text(o, " ・ ");
		page_link(o, url.buf, labels[i]);
	}
	html_close(o, "p");
	strbuf_release(&url);
}

void ui_report_compliance(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct compliance_report rep = { 0 };
	const char *format = web_query(r, "format");
	bool annex = web_query(r, "by") && !strcmp(web_query(r, "by"), "annex-a");
	/* the summary by chapter on its own: only as a download (the page shows it) */
	bool chapter = web_query(r, "by") && !strcmp(web_query(r, "by"), "chapter");
	int64_t from, to;

	if (!ui_ledger_reader(r)) {
		web_error(r, 403,
		          "the compliance report is for administrators and ward-wide roles");
		goto out;
	}
	if (ui_report_compute(r, &rep, &from, &to) < 0)
		goto out;
	if (!format || strcmp(format, "csv")) /* a CSV's once made (send_csv) */
		web_audit(r, r->user->login, "report.compliance", format ? format : "html");
	if (format && !strcmp(format, "pdf")) {
		send_pdf(r, &rep, annex, chapter);
		goto out;
	}
	if (format && !strcmp(format, "csv")) {
		send_csv(r, &rep, annex, chapter);
		goto out;
	}
	page_begin(r, _("Compliance report"), NAV_AUDITS);
	html_open(o, "form", "method", "get", "action", "/report/compliance", "class", "filters",
	          HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("From"), "for", "f-from", HTML_END);
	html_void(o, "input", "type", "date", "id", "f-from", "name", "from", "value",
	          web_query(r, "from"), HTML_END);
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("To"), "for", "f-to", HTML_END);
	html_void(o, "input", "type", "date", "id", "f-to", "name", "to", "value",
	          web_query(r, "to"), HTML_END);
	html_close(o, "div");
	page_submit(r, _("Show"), "secondary");
	html_close(o, "form");
	downloads(r, annex);
	html_open(o, "p", HTML_END);
	page_link(o, annex ? "/report/compliance" : "/report/compliance?by=annex-a",
	          annex ? _("By clause") : _("By ISO/IEC 27001 Annex A control"));
	html_close(o, "p");
	html_open(o, "div", "class", "report", "lang", "ja", HTML_END);
	if (annex)
		report_annex_html_body(&rep, true, o);
	else
		report_compliance_html_body(&rep, true, o);
	html_close(o, "div");
	ui_risk_clause_links(r, &rep);
	page_end(r);
out:
	compliance_release(&rep);
	strbuf_release(&err);
}

void ui_findings_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct record_list all = { 0 }, late = { 0 };
	struct reader *rd = web_reader(r);
	int64_t now = time_now_ms();

	if (!r->profile || !rd || !policy_register(r->profile, FINDING_REGISTER))
		return;
	if (audit_records(r->st, rd, FINDING_REGISTER, &all, &err) < 0) {
		web_log(r, "%s", err.buf);
		goto out;
	}
	/* the overdue ones, moved into a list of their own */
	for (size_t i = 0; i < all.nr; i++)
		if (audit_finding_overdue(&all.items[i], now)) {
			ALLOC_GROW(late.items, late.nr, late.alloc);
			late.items[late.nr++] = all.items[i];
			memset(&all.items[i], 0, sizeof(all.items[i]));
		}
	if (!late.nr)
		goto out;
	html_open(o, "section", "class", "card overdue-card", "aria-labelledby", "findings-h",
	          HTML_END);
	html_elem(o, "h2", _("Audit findings past their improvement date"), "id", "findings-h",
	          HTML_END);
	findings_table(r, &late, now);
	html_open(o, "p", HTML_END);
	page_link(o, "/audits", _("Audits"));
	html_close(o, "p");
	html_close(o, "section");
out:
	record_list_release(&all);
	record_list_release(&late);
	strbuf_release(&err);
}

/*
 * The dashboard's card of audit reports the reader may take up now: the action that receives
 * the report, allowed from the audit's state. Minato's CISO evaluates the system chief's report
 * (audit.evaluate, MIN-9-1-4); Shinjuku's 情報化戦略本部 receives the CIO's and records its use
 * in the review (audit.receive, SHJ-7-1-2).
 */
void ui_audit_reports_card(struct web_req *r)
{
	static const struct {
		const char *action, *heading;
	} receivers[] = {
		{ AUDIT_REGISTER ".evaluate", N_("Audit reports waiting for my evaluation") },
		{ AUDIT_REGISTER ".receive", N_("Audit results reported to me, to be used in the "
		                                "review of the policy") },
	};
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct record_list al = { 0 };
	struct reader *rd = web_reader(r);
	const struct policy_action *ev = NULL;
	const char *heading = NULL;
	unsigned shown = 0;

	if (!r->profile || !rd || !r->user)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(receivers) && !ev; i++) {
		ev = policy_action(r->profile, receivers[i].action);
		heading = receivers[i].heading;
	}
	if (!ev)
		return;
	if (audit_records(r->st, rd, AUDIT_REGISTER, &al, &err) < 0) {
		web_log(r, "%s", err.buf);
		goto out;
	}
	for (size_t i = 0; i < al.nr; i++) {
		const struct record *a = &al.items[i];
		const struct policy_state *st = policy_register_state(ev->reg, a->state);
		struct strbuf url = STRBUF_INIT;
		struct decide_input in = { 0 };
		struct decision d;

		if (ev->from && (!st || !((ev->from >> st->index) & 1)))
			continue;
		web_decide_input(&in, r->user, ev->full_name, a, NULL, NULL, NULL);
		decide_input_grants(&in, r->profile, a);
		if (policy_decide(r->profile, &in.q, &d, NULL) == 0 && d.effect != EFFECT_DENY) {
			if (!shown++) {
				html_open(o, "section", "class", "card", "aria-labelledby",
				          "audit-reports-h", HTML_END);
				html_elem(o, "h2", _(heading), "id", "audit-reports-h", HTML_END);
				html_open(o, "ul", "class", "audit-reports", HTML_END);
			}
			strbuf_addf(&url, "/records/%" PRId64 "/act", a->id);
			html_url_query(&url, "action", ev->full_name);
			html_open(o, "li", HTML_END);
			page_link(o, url.buf,
			          field_or(a, "title", ui_register_name(r, AUDIT_REGISTER)));
			html_close(o, "li");
		}
		decide_input_release(&in);
		strbuf_release(&url);
	}
	if (shown) {
		html_close(o, "ul");
		html_close(o, "section");
	}
out:
	record_list_release(&al);
	strbuf_release(&err);
}
