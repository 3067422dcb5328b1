/* ui-inspection: one section's self-inspection (/inspections/N): its checklist with the answers,
 * a form per item for the section's staff while it is open, handing in, the head's sign-off or
 * send-back, and a nonconformity raised as a finding. Acts through the door (docs/audits.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/inspections.h"
#include "core/org.h"
#include "core/read.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

/* The roll-up with the inspection the path names, which the reader may read; 404 otherwise. */
static const struct inspection_section *load_one(struct web_req *r, struct inspection_rollup *ru)
{
	struct strbuf err = STRBUF_INIT;
	struct reader *rd = web_reader(r);
	const struct inspection_section *s = NULL;
	int64_t id = ui_arg_id(r->args[0]);
	int ret;

	if (!r->profile || !rd) {
		web_error(r, 404, "this ward's profile keeps no self-inspections");
	} else if ((ret = inspection_rollup(r->st, rd, r->profile, NULL, time_now_ms(), ru, &err)) <
	           0) {
		web_error(r, ret == -ENOENT ? 404 : 503, err.buf);
	} else if (!id || !(s = inspection_section_for(ru, id))) {
		/* the same answer whether it does not exist or may not be read */
		web_record_not_found(r, "no self-inspection the reader may read");
	}
	strbuf_release(&err);
	return s;
}

/* Whether the reader answers s: anyone the door lets, for a role's checklist its holders. */
static bool may_answer(struct web_req *r, const struct inspection_section *s, struct strbuf *err)
{
	return inspection_may_answer(r->st, r->profile, s->rec, r->user->login, time_now_ms(),
	                             err) == 0;
}

/* A role's inspection: the role and who answers it (its holders at the section). */
static void role_rows(struct web_req *r, const struct inspection_section *s)
{
	struct strbuf *o = &r->out;
	const struct policy_role *role = policy_role(r->profile, s->role);
	struct strv holders = STRV_INIT;

	html_elem(o, "dt", _("Role"), HTML_END);
	html_elem(o, "dd", inspection_role_name(r->profile, s->role), "id", "role", HTML_END);
	if (!role)
		return;
	if (inspection_role_holders(r->st, role, s->section ? s->section : "", time_now_ms(),
	                            &holders, NULL) < 0)
		strv_release(&holders);
	html_elem(o, "dt", _("Answered by"), HTML_END);
	html_open(o, "dd", "id", "answerers", HTML_END);
	for (size_t i = 0; i < holders.nr; i++) {
		struct org_user u = { 0 };

		html_text(o, i ? "、" : "");
		if (org_user_get(r->st, holders.items[i], &u, NULL) == 0 && u.name)
			html_textf(o, "%s（%s）", u.name, holders.items[i]);
		else
			html_text(o, holders.items[i]);
		org_user_release(&u);
	}
	if (!holders.nr)
		html_text(o, _("nobody holds this role here yet"));
	html_close(o, "dd");
	strv_release(&holders);
}

static void result_select(struct strbuf *o, const char *id, const char *current)
{
	static const char *const values[] = { "適合", "不適合", "該当なし" };

	html_open(o, "select", "id", id, "name", "result", "required", "", HTML_END);
	for (size_t i = 0; i < 3; i++)
		html_elem(o, "option", values[i], "value", values[i], "selected",
		          current && !strcmp(current, values[i]) ? "" : NULL, HTML_END);
	html_close(o, "select");
}

static void answer_form(struct web_req *r, const struct inspection_section *s,
                        const struct inspection_item *it, const struct record *a)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT, fid = STRBUF_INIT;

	strbuf_addf(&url, "/inspections/%" PRId64 "/answer", s->rec->id);
	strbuf_addf(&fid, "r-%s", it->clause->id);
	page_form_begin(r, url.buf, "answer", false);
	html_void(o, "input", "type", "hidden", "name", "clause", "value", it->clause->id,
	          HTML_END);
	html_elem(o, "label", _("Result"), "for", fid.buf, "class", "sr", HTML_END);
	result_select(o, fid.buf, a ? record_field(a, "result") : NULL);
	strbuf_reset(&fid);
	strbuf_addf(&fid, "n-%s", it->clause->id);
	html_elem(o, "label", _("Note"), "for", fid.buf, HTML_END);
	html_void(o, "input", "type", "text", "id", fid.buf, "name", "note", "value",
	          a ? record_field(a, "note") : NULL, HTML_END);
	strbuf_reset(&fid);
	strbuf_addf(&fid, "e-%s", it->clause->id);
	html_elem(o, "label", _("Evidence"), "for", fid.buf, HTML_END);
	html_void(o, "input", "type", "text", "id", fid.buf, "name", "evidence", "value",
	          a ? record_field(a, "evidence") : NULL, HTML_END);
	page_submit(r, a ? _("Revise") : _("Answer"), "secondary");
	page_form_end(r);
	strbuf_release(&url);
	strbuf_release(&fid);
}

static void raise_form(struct web_req *r, const struct inspection_section *s,
                       const struct inspection_item *it)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT, fid = STRBUF_INIT;
	static const char *const sev[] = { "minor", "major", "critical" };

	strbuf_addf(&url, "/inspections/%" PRId64 "/raise", s->rec->id);
	strbuf_addf(&fid, "s-%s", it->clause->id);
	page_form_begin(r, url.buf, "raise", false);
	html_void(o, "input", "type", "hidden", "name", "clause", "value", it->clause->id,
	          HTML_END);
	html_elem(o, "label", _("Severity"), "for", fid.buf, HTML_END);
	html_open(o, "select", "id", fid.buf, "name", "severity", HTML_END);
	for (size_t i = 0; i < 3; i++)
		html_elem(o, "option", ui_severity_name(sev[i]), "value", sev[i], HTML_END);
	html_close(o, "select");
	page_submit(r, _("Raise as a finding"), "secondary");
	page_form_end(r);
	strbuf_release(&url);
	strbuf_release(&fid);
}

static void step_form(struct web_req *r, const struct inspection_section *s, const char *step,
                      const char *label, bool note)
{
	struct strbuf url = STRBUF_INIT;

	strbuf_addf(&url, "/inspections/%" PRId64 "/step", s->rec->id);
	page_form_begin(r, url.buf, step, false);
	html_void(&r->out, "input", "type", "hidden", "name", "step", "value", step, HTML_END);
	if (note)
		page_input(r, "text", "note", _("Remarks"), NULL, false, "off");
	page_submit(r, label, "primary");
	page_form_end(r);
	strbuf_release(&url);
}

static void items_table(struct web_req *r, const struct inspection_rollup *ru,
                        const struct inspection_section *s, bool answering, bool raising)
{
	struct strbuf *o = &r->out;
	const struct inspection_item **items = NULL;
	size_t n = 0;

	inspection_items_of(&ru->checklist, s->rec, &items, &n);
	html_open(o, "table", "class", "checklist", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Item"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Result"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Note"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Evidence"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < n; i++) {
		const struct record *a =
		    inspection_answer_for(ru, s->rec->id, items[i]->clause->id);
		const char *res = a ? record_field(a, "result") : NULL;
		bool nc = inspection_result_of(res) == INSPECTION_NONCONFORM;

		html_open(o, "tr", "id", items[i]->clause->id, "class", nc ? "nonconform" : NULL,
		          HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, items[i]->clause->id);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_text(o, items[i]->question);
		if (answering)
			answer_form(r, s, items[i], a);
		html_close(o, "td");
		html_open(o, "td", "class", "result", HTML_END);
		html_text(o, res ? res : _("Unanswered"));
		if (nc && raising)
			raise_form(r, s, items[i]);
		html_close(o, "td");
		html_elem(o, "td", a && record_field(a, "note") ? record_field(a, "note") : "—",
		          HTML_END);
		html_elem(o, "td",
		          a && record_field(a, "evidence") ? record_field(a, "evidence") : "—",
		          HTML_END);
		html_close(o, "tr");
	}
	html_close(o, "table");
	free(items);
}

void ui_inspection(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct inspection_rollup ru = { 0 };
	const struct inspection_section *s = load_one(r, &ru);
	const struct record *rec;
	struct strbuf title = STRBUF_INIT, sum = STRBUF_INIT;
	char *secname;
	bool is_open, answerer;

	if (!s)
		goto out;
	rec = s->rec;
	is_open = rec->state && !strcmp(rec->state, "open");
	secname = s->section ? ui_section_name(r, s->section) : NULL;
	strbuf_addf(&title, "%s %s %s", _("Self-inspection"), s->round ? s->round : "",
	            secname ? secname : (s->section ? s->section : ""));
	free(secname);
	page_begin(r, title.buf, NAV_INSPECTIONS);
	web_notice_from_query(r);
	html_open(o, "dl", HTML_END);
	html_elem(o, "dt", _("State"), HTML_END);
	html_elem(o, "dd", ui_state_name(r, SELF_INSPECTION_REGISTER, rec->state), "id", "state",
	          HTML_END);
	html_elem(o, "dt", _("Due"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_ymd(o, s->due ? s->due : "—");
	if (s->overdue) {
		strbuf_addch(o, ' ');
		html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
	}
	html_close(o, "dd");
	html_elem(o, "dt", _("Answers"), HTML_END);
	strbuf_addf(&sum, "%s %zu ・ %s %zu ・ %s %zu ・ %s %zu", _("Conform"), s->conform,
	            _("Nonconform"), s->nonconform, _("Not applicable"), s->na, _("Unanswered"),
	            s->unanswered);
	html_elem(o, "dd", sum.buf, "id", "summary", HTML_END);
	if (s->role)
		role_rows(r, s);
	if (record_field(rec, "signoff_note")) {
		html_elem(o, "dt", _("Remarks"), HTML_END);
		html_elem(o, "dd", record_field(rec, "signoff_note"), HTML_END);
	}
	html_close(o, "dl");
	answerer = may_answer(r, s, NULL);
	if (is_open && !answerer)
		html_elem(o, "p",
		          _("This checklist is answered by the holders of its role; you may read "
		            "it."),
		          "class", "cite", "id", "not-yours", HTML_END);
	items_table(r, &ru, s,
	            is_open && answerer &&
	                ui_may(r, INSPECTION_ANSWER_REGISTER ".answer", NULL, s->section),
	            ui_may(r, "finding.raise", NULL, s->section));
	if (answerer && ui_may(r, SELF_INSPECTION_REGISTER ".submit", rec, NULL))
		step_form(r, s, "submit", _("Hand the answers in"), false);
	if (ui_may(r, SELF_INSPECTION_REGISTER ".sign_off", rec, NULL)) {
		step_form(r, s, "sign_off", _("Sign off"), true);
		step_form(r, s, "send_back", _("Send back"), false);
	}
	html_open(o, "p", HTML_END);
	page_link(o, "/inspections", _("Self-inspections"));
	html_close(o, "p");
	page_end(r);
out:
	inspection_rollup_release(&ru);
	strbuf_release(&title);
	strbuf_release(&sum);
}

/* Runs in and answers: back to the inspection, or the refusal's page. */
static void act_and_back(struct web_req *r, const struct inspection_section *s,
                         struct act_input *in)
{
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	int ret = web_act(r, in, NULL, &res, &err);

	strbuf_addf(&url, "/inspections/%" PRId64, s->rec->id);
	if (ret < 0) {
		web_error(r, web_act_status(ret), err.buf);
	} else if (res.outcome == ACT_REFUSED) {
		web_refusal_page(r, &res, _("Self-inspection"), NAV_INSPECTIONS, url.buf,
		                 _("Back"));
	} else {
		strbuf_addstr(&url, res.outcome == ACT_DONE ? "?notice=done" : "?notice=pending");
		web_redirect(r, url.buf);
	}
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}

static bool is_item(const struct inspection_rollup *ru, const struct inspection_section *s,
                    const char *clause)
{
	const struct inspection_item **items = NULL;
	size_t n = 0;
	bool ok = false;

	inspection_items_of(&ru->checklist, s->rec, &items, &n);
	for (size_t i = 0; clause && i < n && !ok; i++)
		ok = !strcmp(items[i]->clause->id, clause);
	free(items);
	return ok;
}

void ui_inspection_answer(struct web_req *r)
{
	struct inspection_rollup ru = { 0 };
	const struct inspection_section *s = load_one(r, &ru);
	const char *clause = web_form(r, "clause");
	const char *value = inspection_result_value(web_form(r, "result"));
	const char *note = web_form(r, "note"), *evidence = web_form(r, "evidence");
	struct act_input in = { .kind = ACT_RECORD, .register_id = INSPECTION_ANSWER_REGISTER };
	const struct record *prev;
	struct strbuf err = STRBUF_INIT;
	struct act_attr f[6];
	char id[24];
	size_t n = 0;

	if (!s)
		goto out;
	if (!may_answer(r, s, &err)) {
		web_error(r, 403, err.buf);
		goto out;
	}
	if (!is_item(&ru, s, clause) || !value) {
		web_error(r, 400, "answer an item of this inspection: 適合, 不適合 or 該当なし");
		goto out;
	}
	snprintf(id, sizeof(id), "%" PRId64, s->rec->id);
	prev = inspection_answer_for(&ru, s->rec->id, clause);
	if (prev) {
		in.record_id = prev->id;
		in.action = INSPECTION_ANSWER_REGISTER ".revise";
	} else {
		in.action = INSPECTION_ANSWER_REGISTER ".answer";
		f[n++] = (struct act_attr){ "inspection", id };
		f[n++] = (struct act_attr){ "section", s->section ? s->section : "" };
		f[n++] = (struct act_attr){ "clause", clause };
	}
	f[n++] = (struct act_attr){ "result", value };
	if (note && (*note || prev))
		f[n++] = (struct act_attr){ "note", note };
	if (evidence && (*evidence || prev))
		f[n++] = (struct act_attr){ "evidence", evidence };
	in.fields = f;
	in.n_fields = n;
	act_and_back(r, s, &in);
out:
	inspection_rollup_release(&ru);
	strbuf_release(&err);
}

void ui_inspection_step(struct web_req *r)
{
	struct inspection_rollup ru = { 0 };
	const struct inspection_section *s = load_one(r, &ru);
	const char *step = web_form(r, "step"), *note = web_form(r, "note");
	struct act_input in = { .kind = ACT_RECORD };
	struct strbuf err = STRBUF_INIT;
	struct act_attr f[1];

	if (!s)
		goto out;
	if (step && !strcmp(step, "submit"))
		in.action = SELF_INSPECTION_REGISTER ".submit";
	else if (step && !strcmp(step, "sign_off"))
		in.action = SELF_INSPECTION_REGISTER ".sign_off";
	else if (step && !strcmp(step, "send_back"))
		in.action = SELF_INSPECTION_REGISTER ".send_back";
	if (!in.action) {
		web_error(r, 400, "step is submit, sign_off or send_back");
		goto out;
	}
	if (!strcmp(step, "submit") && !may_answer(r, s, &err)) {
		web_error(r, 403, err.buf);
		goto out;
	}
	in.record_id = s->rec->id;
	if (note && *note && !strcmp(step, "sign_off")) {
		f[0] = (struct act_attr){ "signoff_note", note };
		in.fields = f;
		in.n_fields = 1;
	}
	act_and_back(r, s, &in);
out:
	inspection_rollup_release(&ru);
	strbuf_release(&err);
}

void ui_inspection_raise(struct web_req *r)
{
	struct inspection_rollup ru = { 0 };
	const struct inspection_section *s = load_one(r, &ru);
	const char *clause = web_form(r, "clause"), *severity = web_form(r, "severity");
	struct act_input in = { .kind = ACT_RECORD,
		                .register_id = "finding",
		                .action = "finding.raise" };
	const struct record *a;
	struct act_attr f[5];
	const char *text;
	char id[24];
	size_t n = 0;

	if (!s)
		goto out;
	a = clause ? inspection_answer_for(&ru, s->rec->id, clause) : NULL;
	if (!a || inspection_result_of(record_field(a, "result")) != INSPECTION_NONCONFORM) {
		web_error(r, 400, "only an item answered 不適合 becomes a finding");
		goto out;
	}
	text = record_field(a, "note");
	snprintf(id, sizeof(id), "%" PRId64, s->rec->id);
	f[n++] = (struct act_attr){ "inspection", id };
	f[n++] = (struct act_attr){ "clause", clause };
	f[n++] = (struct act_attr){ "severity", severity && *severity ? severity : "minor" };
	f[n++] = (struct act_attr){ "text", text && *text ? text : clause };
	if (s->section)
		f[n++] = (struct act_attr){ "section", s->section };
	in.fields = f;
	in.n_fields = n;
	act_and_back(r, s, &in);
out:
	inspection_rollup_release(&ru);
}
