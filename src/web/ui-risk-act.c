/* ui-risk-act: assessing and accepting a risk from the browser, through core/risk (the door
 * decides who may; Mamori computes the values). The pages: ui-risk.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/org.h"
#include "core/risk.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

static void number_select(struct web_req *r, const char *name, const char *label, int64_t max,
                          int64_t selected)
{
	struct strbuf *o = &r->out;
	char id[32];

	snprintf(id, sizeof(id), "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id, HTML_END);
	html_open(o, "select", "id", id, "name", name, "required", "", HTML_END);
	for (int64_t v = 1; v <= max; v++) {
		char n[24];
		snprintf(n, sizeof(n), "%" PRId64, v);
		html_elem(o, "option", n, "value", n, "selected", v == selected ? "" : NULL,
		          HTML_END);
	}
	html_close(o, "select");
	html_close(o, "div");
}

/* "Or a whole section": the sections of the ward, none chosen. */
static void section_select(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_sections secs = { 0 };

	if (org_sections_list(r->st, &secs, &err) < 0)
		web_log(r, "%s", err.buf);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Or a whole section (instead of a record)"), "for", "f-section",
	          HTML_END);
	html_open(o, "select", "id", "f-section", "name", "section", HTML_END);
	html_elem(o, "option", "—", "value", "", HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	org_sections_release(&secs);
	strbuf_release(&err);
}

void ui_risk_assess_form(struct web_req *r, const struct risk *rk)
{
	const struct profile *p = r->profile;
	const struct policy_field *tf = policy_register_field(p->risk.reg, "treatment");
	struct strbuf *o = &r->out;
	char target[24] = "", residual[24] = "", procedure[24] = "";
	const char *measures = rk ? record_field(&rk->rec, "measures") : NULL;

	if (rk) {
		snprintf(target, sizeof(target), "%" PRId64, rk->target);
		if (rk->reason)
			snprintf(residual, sizeof(residual), "%" PRId64, rk->residual);
		if (rk->procedure)
			snprintf(procedure, sizeof(procedure), "%" PRId64, rk->procedure);
	} else if (web_query(r, "target")) {
		snprintf(target, sizeof(target), "%s", web_query(r, "target"));
	}
	if (!rk)
		html_elem(o, "h2", _("Assess a risk"), "id", "assess", HTML_END);
	html_elem(o, "p",
	          _("The security officer of the section that manages the record (or the section "
	            "assessed as a whole) assesses it. "
	            "Mamori computes the inherent risk (likelihood × impact) and the residual "
	            "risk from the measures that are carried out; you may only raise the "
	            "residual, with a reason."),
	          "class", "hint", HTML_END);
	page_form_begin(r, "/risks", "card assess", false);
	if (rk) {
		if (risk_of_section(rk))
			html_void(o, "input", "type", "hidden", "name", "section", "value",
			          rk->section, HTML_END);
		else
			html_void(o, "input", "type", "hidden", "name", "target", "value", target,
			          HTML_END);
		html_void(o, "input", "type", "hidden", "name", "threat", "value", rk->threat_id,
		          HTML_END);
	} else {
		page_input(r, "number", "target", _("Record assessed (its number)"),
		           *target ? target : NULL, false, "off");
		section_select(r);
		html_open(o, "div", "class", "field", HTML_END);
		html_elem(o, "label", _("Threat"), "for", "f-threat", HTML_END);
		html_open(o, "select", "id", "f-threat", "name", "threat", "required", "",
		          HTML_END);
		for (unsigned i = 0; i < p->risk.n_threats; i++)
			html_elem(o, "option", p->risk.threats[i].name, "value",
			          p->risk.threats[i].id, HTML_END);
		html_close(o, "select");
		html_close(o, "div");
	}
	number_select(r, "likelihood", _("Likelihood"), p->risk.likelihood_max,
	              rk ? rk->likelihood : 0);
	number_select(r, "impact", _("Impact"), p->risk.impact_max, rk ? rk->impact : 0);
	page_input(r, "text", "measures",
	           _("Measures: clauses of the standards, separated by spaces (e.g. MIN-9-2-1)"),
	           measures, false, "off");
	if (tf && tf->type == FIELD_ENUM) {
		html_open(o, "div", "class", "field", HTML_END);
		html_elem(o, "label", _("Treatment"), "for", "f-treatment", HTML_END);
		html_open(o, "select", "id", "f-treatment", "name", "treatment", HTML_END);
		html_elem(o, "option", "—", "value", "", HTML_END);
		for (unsigned i = 0; i < tf->n_values; i++)
			html_elem(o, "option", tf->values[i], "value", tf->values[i], "selected",
			          rk && rk->treatment && !strcmp(rk->treatment, tf->values[i])
			              ? ""
			              : NULL,
			          HTML_END);
		html_close(o, "select");
		html_close(o, "div");
	}
	page_input(r, "number", "procedure",
	           _("Procedure that limits the damage (a document record's number)"),
	           *procedure ? procedure : NULL, false, "off");
	page_input(r, "number", "residual", _("Raise the residual risk to (optional)"),
	           *residual ? residual : NULL, false, "off");
	page_input(r, "text", "reason", _("Why it is raised"), rk ? rk->reason : NULL, false,
	           "off");
	page_input(r, "text", "comment", _("Comment for the ledger"), NULL, false, "off");
	page_submit(r, rk ? _("Reassess") : _("Assess"), "primary");
	page_form_end(r);
}

void ui_risk_accept_form(struct web_req *r, const struct risk *rk)
{
	struct strbuf url = STRBUF_INIT;

	strbuf_addf(&url, "/risks/%" PRId64 "/accept", rk->rec.id);
	html_elem(&r->out, "p",
	          rk->residual > r->profile->risk.accept_up_to
	              ? _("This residual risk is above the ward's threshold: the organisation's "
	                  "owner (CISO or CIO, as the standards name) accepts it.")
	              : _("This residual risk is within the ward's threshold: the section's "
	                  "security officer accepts it."),
	          "class", "hint", HTML_END);
	page_form_begin(r, url.buf, "card accept", false);
	page_input(r, "text", "comment", _("Comment for the ledger"), NULL, false, "off");
	page_submit(r, _("Accept the residual risk"), "primary");
	page_form_end(r);
	strbuf_release(&url);
}

/* The clause ids of a text field, split at spaces, commas and ideographic spaces. */
static size_t split_measures(char *s, const char **out, size_t max)
{
	size_t n = 0;

	for (char *p = s; *p; p++)
		if (*p == ',' || *p == '\t' || *p == '\r' || *p == '\n')
			*p = ' ';
	for (char *save = NULL, *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (!strcmp(t, "\u3000"))
			continue;
		if (n == max)
			return max + 1; /* more than a risk keeps: refused, not cut short */
		out[n++] = t;
	}
	return n;
}

static int form_int(struct web_req *r, const char *name, int64_t max, int64_t *ret)
{
	const char *v = web_params_get(&r->form, name);

	*ret = 0;
	if (!v || !*v)
		return 0;
	return parse_int64(v, 1, max, ret);
}

/* Input the core turned down: a page that says what to check, in the reader's language. */
static void bad_input_page(struct web_req *r, const char *detail, const char *back)
{
	web_log(r, "risk: %s", detail);
	r->status = 400;
	page_begin(r, _("Risks"), NAV_RISKS);
	page_notice(r, "error",
	            _("The assessment was not recorded: check the record's number (a record you "
	              "may read) or the section (one of the two), the clause ids of the measures, "
	              "the values and, when you raise the residual risk, the reason."));
	html_open(&r->out, "p", HTML_END);
	page_link(&r->out, back, _("Back"));
	html_close(&r->out, "p");
	page_end(r);
}

void ui_risk_assess_post(struct web_req *r)
{
	const struct profile *p = r->profile;
	struct risk_input in = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct risk_eval eval = { 0 };
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	const char *ids[RISK_MAX_MEASURES];
	char *measures = NULL;
	const char *t;
	int ret;

	if (!p || !p->risk.reg || !web_door(r)) {
		web_error(r, 404, "this ward's profile keeps no risk register");
		goto out;
	}
	t = web_params_get(&r->form, "section");
	in.section = t && *t ? t : NULL;
	if (form_int(r, "target", INT64_MAX, &in.target) < 0 || !in.target == !in.section ||
	    form_int(r, "likelihood", p->risk.likelihood_max, &in.likelihood) < 0 ||
	    !in.likelihood || form_int(r, "impact", p->risk.impact_max, &in.impact) < 0 ||
	    !in.impact || form_int(r, "procedure", INT64_MAX, &in.procedure) < 0 ||
	    form_int(r, "residual", p->risk.likelihood_max * p->risk.impact_max, &in.residual) <
	        0 ||
	    !(in.threat = web_params_get(&r->form, "threat")) || !*in.threat) {
		bad_input_page(r, "a field of the form is missing or off the scale", "/risks");
		goto out;
	}
	t = web_params_get(&r->form, "measures");
	measures = xstrdup(t ? t : "");
	in.measures = ids;
	in.n_measures = split_measures(measures, ids, ARRAY_SIZE(ids));
	if (in.n_measures > ARRAY_SIZE(ids)) {
		bad_input_page(r, "more measures than a risk keeps", "/risks");
		goto out;
	}
	t = web_params_get(&r->form, "treatment");
	in.treatment = t && *t ? t : NULL;
	t = web_params_get(&r->form, "reason");
	in.reason = t && *t ? t : NULL;
	t = web_params_get(&r->form, "comment");
	in.comment = t && *t ? t : NULL;
	in.actor = r->user->login;
	in.ctx.via = "web";
	in.ctx.remote = r->remote;
	ret = risk_assess(web_door(r), &in, &res, &eval, &err);
	if (ret == -EINVAL || ret == -ENOENT) {
		bad_input_page(r, err.buf, "/risks");
		goto out;
	} else if (ret < 0) {
		web_error(r, web_act_status(ret), err.buf);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		web_refusal_page(r, &res, _("Risks"), NAV_RISKS, "/risks", _("Back"));
		goto out;
	}
	strbuf_addf(&url, "/risks/%" PRId64 "?notice=%s", res.record_id,
	            res.outcome == ACT_DONE ? "done" : "pending");
	web_redirect(r, url.buf);
out:
	free(measures);
	risk_eval_release(&eval);
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_risk_accept_post(struct web_req *r)
{
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_context ctx = { .via = "web", .remote = r->remote };
	int64_t id = ui_arg_id(r->args[0]);
	const char *comment = web_params_get(&r->form, "comment");
	int ret;

	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !id) {
		web_error(r, 404, "no such risk");
		goto out;
	}
	strbuf_addf(&url, "/risks/%" PRId64, id);
	ret = risk_accept(web_door(r), id, r->user->login, comment && *comment ? comment : NULL,
	                  &ctx, &res, &err);
	if (ret == -ESTALE) {
		web_log(r, "risk: %s", err.buf);
		r->status = 409;
		page_begin(r, _("Risks"), NAV_RISKS);
		page_notice(r, "error",
		            _("The measures now leave a higher residual risk than was assessed: "
		              "reassess the risk before it is accepted."));
		html_open(&r->out, "p", HTML_END);
		page_link(&r->out, url.buf, _("Back"));
		html_close(&r->out, "p");
		page_end(r);
		goto out;
	} else if (ret == -ENOENT) {
		web_record_not_found(r, "no such risk");
		goto out;
	} else if (ret < 0) {
		web_error(r, web_act_status(ret), err.buf);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		web_refusal_page(r, &res, _("Risks"), NAV_RISKS, url.buf, _("Back"));
		goto out;
	}
	strbuf_addstr(&url, res.outcome == ACT_DONE ? "?notice=done" : "?notice=pending");
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}

/* ---- the treatment plan -------------------------------------------------------------------- */

void ui_risk_task_form(struct web_req *r, const struct risk *rk)
{
	struct strbuf url = STRBUF_INIT;

	if (!policy_register_action(r->profile->risk.reg, "task_add"))
		return;
	strbuf_addf(&url, "/risks/%" PRId64 "/tasks", rk->rec.id);
	page_form_begin(r, url.buf, "card task", false);
	page_input(r, "text", "task", _("Task"), NULL, true, "off");
	page_input(r, "text", "assignee", _("Assignee (login)"), NULL, true, "off");
	page_input(r, "date", "due", _("Due"), NULL, true, "off");
	page_submit(r, _("Plan the task"), "primary");
	page_form_end(r);
	strbuf_release(&url);
}

void ui_risk_task_done_form(struct web_req *r, const struct risk *rk, const struct plan_task *t)
{
	struct strbuf url = STRBUF_INIT;
	char num[24];

	strbuf_addf(&url, "/risks/%" PRId64 "/tasks/done", rk->rec.id);
	snprintf(num, sizeof(num), "%" PRId64, t->act_id);
	page_form_begin(r, url.buf, "inline task-done", false);
	html_void(&r->out, "input", "type", "hidden", "name", "task", "value", num, HTML_END);
	page_submit(r, _("Record it done"), "secondary");
	page_form_end(r);
	strbuf_release(&url);
}

static void plan_bad_input(struct web_req *r, const char *detail, const char *back)
{
	web_log(r, "risk plan: %s", detail);
	r->status = 400;
	page_begin(r, _("Risks"), NAV_RISKS);
	page_notice(r, "error",
	            _("The task was not recorded: give what is to be done, the login of the "
	              "person who does it and the due date (YYYY-MM-DD)."));
	html_open(&r->out, "p", HTML_END);
	page_link(&r->out, back, _("Back"));
	html_close(&r->out, "p");
	page_end(r);
}

/* POST /risks/ID/tasks (a new task) and /risks/ID/tasks/done (task=N). */
static void plan_post(struct web_req *r, bool done)
{
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_context ctx = { .via = "web", .remote = r->remote };
	int64_t id = ui_arg_id(r->args[0]), task = 0;
	int ret;

	if (!r->profile || !r->profile->risk.reg || !web_door(r) || !id) {
		web_error(r, 404, "no such risk");
		goto out;
	}
	strbuf_addf(&url, "/risks/%" PRId64, id);
	if (done) {
		if (form_int(r, "task", INT64_MAX, &task) < 0 || !task) {
			plan_bad_input(r, "no task number", url.buf);
			goto out;
		}
		ret = risk_task_done(web_door(r), id, r->user->login, task, &ctx, &res, &err);
	} else {
		ret =
		    risk_task_add(web_door(r), id, r->user->login, web_params_get(&r->form, "task"),
		                  web_params_get(&r->form, "assignee"),
		                  web_params_get(&r->form, "due"), &ctx, &res, &err);
	}
	if (ret == -EINVAL || ret == -ENOENT) {
		plan_bad_input(r, err.buf, url.buf);
		goto out;
	} else if (ret < 0) {
		web_error(r, web_act_status(ret), err.buf);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		web_refusal_page(r, &res, _("Risks"), NAV_RISKS, url.buf, _("Back"));
		goto out;
	}
	strbuf_addstr(&url, res.outcome == ACT_DONE ? "?notice=done#plan" : "?notice=pending#plan");
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_risk_task_post(struct web_req *r)
{
	plan_post(r, false);
}

void ui_risk_task_done_post(struct web_req *r)
{
	plan_post(r, true);
}
