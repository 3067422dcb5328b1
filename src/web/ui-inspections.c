/* ui-inspections: 自己点検 (docs/audits.md): the rounds the reader may read with the roll-up by
 * section and clause (overdue sections marked, CSV for Excel), opening a round (the CISO
 * office), a section's checklist with its answers, answering an item, handing in, the head's
 * sign-off or send-back, and a nonconformity raised as a finding. Every change is an act
 * through the door; every read goes through the one read decision. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/audits.h"
#include "core/inspections.h"
#include "core/org.h"
#include "core/read.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

bool ui_may(struct web_req *r, const char *action, const struct record *rec, const char *section)
{
	struct decide_input in;
	struct decision d;
	bool ok = false;

	if (!r->profile || !policy_action(r->profile, action))
		return false;
	web_decide_input(&in, r->user, action, rec, NULL, section, NULL);
	if (rec)
		decide_input_grants(&in, r->profile, rec);
	if (policy_decide(r->profile, &in.q, &d, NULL) == 0)
		ok = d.effect != EFFECT_DENY;
	decide_input_release(&in);
	return ok;
}

static void section_cell(struct web_req *r, const char *id)
{
	char *name = id ? ui_section_name(r, id) : NULL;

	html_elem(&r->out, "td", name ? name : (id ? id : "—"), HTML_END);
	free(name);
}

static void count_cell(struct strbuf *o, size_t n)
{
	char v[24];

	snprintf(v, sizeof(v), "%zu", n);
	html_elem(o, "td", v, "class", "num", HTML_END);
}

/*
 * Whether the list shows s to the reader: a section's whole checklist, or a role's to its
 * holders, to whoever signs it off, and to readers outside the section (the CISO office,
 * auditors); a section's staff see only their own role's checklists.
 */
static bool shown(struct web_req *r, const struct inspection_section *s)
{
	return !s->role || !r->user->section || !s->section ||
	       strcmp(r->user->section, s->section) ||
	       inspection_may_answer(r->st, r->profile, s->rec, r->user->login, time_now_ms(),
	                             NULL) == 0 ||
	       ui_may(r, SELF_INSPECTION_REGISTER ".sign_off", s->rec, NULL);
}

static void sections_table(struct web_req *r, const struct inspection_rollup *ru)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	html_open(o, "table", "class", "inspections", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Round"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Section"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Role"), "scope", "col", HTML_END);
	html_elem(o, "th", _("State"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Due"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Conform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Nonconform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Not applicable"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Unanswered"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = ru->n_sections; i-- > 0;) {
		const struct inspection_section *s = &ru->sections[i];

		if (!shown(r, s))
			continue;
		html_open(o, "tr", "class", s->overdue ? "overdue" : NULL, "data-role", s->role,
		          HTML_END);
		html_open(o, "td", HTML_END);
		strbuf_reset(&url);
		strbuf_addf(&url, "/inspections/%" PRId64, s->rec->id);
		page_link(o, url.buf, s->round ? s->round : "—");
		html_close(o, "td");
		section_cell(r, s->section);
		html_elem(o, "td",
		          s->role ? inspection_role_name(r->profile, s->role)
		                  : _("Whole checklist"),
		          "class", "role", HTML_END);
		html_elem(o, "td", ui_state_name(r, SELF_INSPECTION_REGISTER, s->rec->state),
		          HTML_END);
		html_open(o, "td", HTML_END);
		page_ymd(o, s->due ? s->due : "—");
		if (s->overdue) {
			strbuf_addch(o, ' ');
			html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
		}
		html_close(o, "td");
		count_cell(o, s->conform);
		count_cell(o, s->nonconform);
		count_cell(o, s->na);
		count_cell(o, s->unanswered);
		html_close(o, "tr");
	}
	html_close(o, "table");
	strbuf_release(&url);
}

/* A cell of people by name (池田 勝（zeimu-kacho）), after their count. */
static void people_cell(struct web_req *r, const struct strv *v)
{
	struct strbuf *o = &r->out;
	char n[24];

	snprintf(n, sizeof(n), "%zu", v->nr);
	html_open(o, "td", HTML_END);
	html_elem(o, "strong", n, HTML_END);
	for (size_t i = 0; i < v->nr; i++) {
		struct org_user u = { 0 };
		struct strbuf who = STRBUF_INIT;

		if (org_user_get(r->st, v->items[i], &u, NULL) == 0 && u.name)
			strbuf_addf(&who, "%s（%s）", u.name, v->items[i]);
		else
			strbuf_addstr(&who, v->items[i]);
		html_text(o, i ? "、" : " ");
		html_elem(o, "span", who.buf, "class", "person", HTML_END);
		strbuf_release(&who);
		org_user_release(&u);
	}
	html_close(o, "td");
}

/*
 * The training and consent registers' part: per section, who has not attended the training
 * the profile's duty requires and which part-time staff gave no consent (Minato 4(2)①, 4(1)1)⑤).
 */
static void people_table(struct web_req *r, const struct inspection_rollup *ru)
{
	struct strbuf *o = &r->out;

	if ((!ru->training && !ru->consent) || !ru->n_sections)
		return;
	html_elem(o, "h2", _("Training and consent"), "id", "people-h", HTML_END);
	html_open(o, "p", "class", "cite", HTML_END);
	if (ru->training) {
		html_text(o, ru->training->name);
		for (unsigned i = 0; i < ru->training->clauses.nr; i++) {
			html_text(o, " ");
			ui_clause(r, ru->training->clauses.items[i]->id);
		}
		html_text(o, _(" (within its interval before the due day)"));
	}
	if (ru->consent) {
		html_text(o, ru->training ? "　" : "");
		html_text(o, ru->consent->name);
		for (unsigned i = 0; i < ru->consent->clauses.nr; i++) {
			html_text(o, " ");
			ui_clause(r, ru->consent->clauses.items[i]->id);
		}
	}
	html_close(o, "p");
	html_open(o, "table", "class", "inspection-people", "aria-labelledby", "people-h",
	          HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Round"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Section"), "scope", "col", HTML_END);
	if (ru->training)
		html_elem(o, "th", _("Not trained"), "scope", "col", HTML_END);
	if (ru->consent)
		html_elem(o, "th", _("Part-time staff without consent"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = ru->n_sections; i-- > 0;) {
		const struct inspection_section *s = &ru->sections[i];

		html_open(o, "tr", "class", s->untrained.nr || s->unconsented.nr ? "missing" : NULL,
		          HTML_END);
		html_elem(o, "td", s->round ? s->round : "—", HTML_END);
		section_cell(r, s->section);
		if (ru->training)
			people_cell(r, &s->untrained);
		if (ru->consent)
			people_cell(r, &s->unconsented);
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/* The roll-up by role, once a round was opened for roles. */
static void roles_table(struct web_req *r, const struct inspection_rollup *ru)
{
	struct strbuf *o = &r->out;

	if (ru->n_roles < 2 && !(ru->n_roles == 1 && ru->roles[0].role))
		return;
	html_elem(o, "h2", _("By role"), "id", "roles-h", HTML_END);
	html_open(o, "table", "class", "inspection-roles", "aria-labelledby", "roles-h", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Role"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Inspections"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Signed off"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Past due"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Conform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Nonconform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Not applicable"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Unanswered"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < ru->n_roles; i++) {
		const struct inspection_role_row *ro = &ru->roles[i];

		html_open(o, "tr", "data-role", ro->role, "class",
		          ro->nonconform ? "nonconform" : NULL, HTML_END);
		html_elem(o, "th",
		          ro->role ? inspection_role_name(r->profile, ro->role)
		                   : _("Whole checklist"),
		          "scope", "row", HTML_END);
		count_cell(o, ro->inspections);
		count_cell(o, ro->signed_off);
		count_cell(o, ro->overdue);
		count_cell(o, ro->conform);
		count_cell(o, ro->nonconform);
		count_cell(o, ro->na);
		count_cell(o, ro->unanswered);
		html_close(o, "tr");
	}
	html_close(o, "table");
}

static void clauses_table(struct web_req *r, const struct inspection_rollup *ru)
{
	struct strbuf *o = &r->out;
	bool any = false;

	for (size_t i = 0; i < ru->n_clauses && !any; i++)
		any = ru->clauses[i].conform || ru->clauses[i].nonconform || ru->clauses[i].na;
	if (!any)
		return;
	html_elem(o, "h2", _("By clause"), HTML_END);
	html_open(o, "table", "class", "inspection-clauses", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Conform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Nonconform"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Not applicable"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Unanswered"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < ru->n_clauses; i++) {
		const struct inspection_clause_row *c = &ru->clauses[i];

		if (!c->conform && !c->nonconform && !c->na)
			continue;
		html_open(o, "tr", "class", c->nonconform ? "nonconform" : NULL, HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, c->clause->id);
		html_close(o, "td");
		count_cell(o, c->conform);
		count_cell(o, c->nonconform);
		count_cell(o, c->na);
		count_cell(o, c->unanswered);
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/* The roles whose checklist a round may ask: those the profile gives items. */
static void role_select(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct inspection_checklist cl = { 0 };

	inspection_checklist_make(r->profile, NULL, &cl);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label",
	          _("Roles (one inspection per section and role; none: the whole "
	            "checklist)"),
	          "for", "f-roles", HTML_END);
	html_open(o, "select", "id", "f-roles", "name", "role", "multiple", "", HTML_END);
	for (unsigned i = 0; i < r->profile->n_roles; i++) {
		struct inspection_role_checklist rc = { 0 };
		const struct policy_role *ro = &r->profile->roles[i];
		struct strbuf label = STRBUF_INIT;

		inspection_role_checklist_make(r->profile, &cl, ro, &rc);
		strbuf_addf(&label, "%s（%zu）", ro->name ? ro->name : ro->id, rc.nr);
		if (rc.nr)
			html_elem(o, "option", label.buf, "value", ro->id, HTML_END);
		strbuf_release(&label);
		inspection_role_checklist_release(&rc);
	}
	html_close(o, "select");
	html_close(o, "div");
	inspection_checklist_release(&cl);
}

static void open_form(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_sections secs = { 0 };

	if (org_sections_list(r->st, &secs, &err) < 0) {
		page_notice(r, "error", err.buf);
		goto out;
	}
	html_elem(o, "h2", _("Open a round"), HTML_END);
	page_form_begin(r, "/inspections", "open-round", false);
	page_input(r, "text", "round", _("Round (e.g. 令和8年度)"), NULL, true, "off");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Sections to inspect"), "for", "f-sections", HTML_END);
	html_open(o, "select", "id", "f-sections", "name", "section", "multiple", "", "required",
	          "", HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_input(r, "date", "due", _("Answers due"), NULL, true, "off");
	role_select(r);
	page_input(r, "text", "items",
	           _("Clauses to ask (comma-separated; empty: the whole checklist)"), NULL, false,
	           "off");
	page_submit(r, _("Open the round"), "primary");
	page_form_end(r);
out:
	org_sections_release(&secs);
	strbuf_release(&err);
}

static int load_rollup(struct web_req *r, struct inspection_rollup *ru)
{
	struct strbuf err = STRBUF_INIT;
	struct reader *rd = web_reader(r);
	int ret = -1;

	if (!r->profile || !rd) {
		web_error(r, 404, "this ward's profile keeps no self-inspections");
	} else if ((ret = inspection_rollup(r->st, rd, r->profile, web_query(r, "round"),
	                                    time_now_ms(), ru, &err)) < 0) {
		web_error(r, ret == -ENOENT ? 404 : 503, err.buf);
	}
	strbuf_release(&err);
	return ret;
}

void ui_inspections(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct inspection_rollup ru = { 0 };

	if (load_rollup(r, &ru) < 0)
		goto out;
	page_begin(r, _("Self-inspections"), NAV_INSPECTIONS);
	web_notice_from_query(r);
	html_elem(o, "p",
	          _("Each section answers its checklist (conform, nonconform or not applicable, "
	            "with a note and evidence), hands it in, and its head signs it off. A "
	            "nonconformity becomes a finding to improve."),
	          "class", "cite", HTML_END);
	if (!ru.n_sections) {
		html_elem(o, "p", _("No self-inspections you may read."), HTML_END);
	} else {
		char n[24];

		snprintf(n, sizeof(n), "%zu", ru.overdue);
		html_open(o, "p", "class", ru.overdue ? "overdue-summary" : NULL, HTML_END);
		html_text(o, _("Sections past their due date:"));
		strbuf_addch(o, ' ');
		html_elem(o, "strong", n, "id", "overdue-count", HTML_END);
		html_close(o, "p");
		sections_table(r, &ru);
		roles_table(r, &ru);
		people_table(r, &ru);
		clauses_table(r, &ru);
		html_open(o, "p", HTML_END);
		page_link(o, "/inspections/rollup.csv", _("Download CSV"));
		html_text(o, " ・ ");
		page_link(o, "/inspections/rollup.csv?cp932=1", _("Download CSV (CP932)"));
		ui_csv_note(r);
		html_close(o, "p");
	}
	if (ui_may(r, SELF_INSPECTION_REGISTER ".open", NULL, NULL))
		open_form(r);
	page_end(r);
out:
	inspection_rollup_release(&ru);
}

void ui_inspections_csv(struct web_req *r)
{
	struct inspection_rollup ru = { 0 };
	struct strbuf csv = STRBUF_INIT, err = STRBUF_INIT;
	bool cp932 = web_query(r, "cp932") && !strcmp(web_query(r, "cp932"), "1");
	size_t substituted = 0;

	if (load_rollup(r, &ru) < 0)
		goto out;
	if (inspection_rollup_csv(&ru, cp932, &csv, &substituted, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (cp932) { /* the 〓 counted in the entry and told the downloader, as for every list */
		char detail[64];
		snprintf(detail, sizeof(detail), "csv-cp932&substituted=%zu", substituted);
		web_audit(r, r->user->login, "inspection.rollup", detail);
	} else {
		web_audit(r, r->user->login, "inspection.rollup", "csv");
	}
	ui_csv_reply(r, cp932, substituted, "attachment; filename=\"self-inspections.csv\"", &csv);
out:
	inspection_rollup_release(&ru);
	strbuf_release(&csv);
	strbuf_release(&err);
}

/* One inspection of the round: at a section of the form, for role (NULL: the whole checklist). */
struct round_act {
	const char *section, *role, *items;
	struct act_attr f[INSPECTION_OPEN_FIELDS];
};

/* What the page of a round not opened says after the reason: what to do about it. */
enum round_next {
	ROUND_CORRECT, /* the form: correct it and open the round again */
	ROUND_ASK,     /* refused by the policy: whom to ask */
	ROUND_NONE,    /* the reason says what to do (it cannot be done here) */
};

/*
 * Why the form's round was not opened, on a page of its own (status): what was wrong (why, in
 * the reader's language; a refusal: the door's, with its clauses), that no inspection of the
 * round was opened and what to do (next), and the way back to the form.
 */
static void round_not_opened(struct web_req *r, int status, const char *why,
                             const struct act_result *refusal, enum round_next next)
{
	page_begin(r, _("Self-inspections"), NAV_INSPECTIONS);
	if (refusal)
		web_refusal(r, refusal);
	else
		page_notice(r, "error", why);
	html_elem(
	    &r->out, "p",
	    next == ROUND_ASK
	        ? _("No inspection of this round was opened: the policy does not allow one of "
	            "them (see the clauses above). If your work needs the round, ask the "
	            "ward's information security office.")
	    : next == ROUND_NONE ? _("No inspection of this round was opened.")
	                         : _("No inspection of this round was opened: correct what is "
	                             "said above and open the round again."),
	    HTML_END);
	html_open(&r->out, "p", HTML_END);
	page_link(&r->out, "/inspections", _("Back"));
	html_close(&r->out, "p");
	page_end(r);
	r->status = status;
}

/*
 * Why an inspection of the round was not opened (act_run_all failed at acts[failed] with ret,
 * the door's message id in res: act_input.error_detail), on its page; a fault of the server
 * (5xx) on the server's error page.
 */
static void round_failed(struct web_req *r, int ret, const struct round_act *a,
                         const struct act_result *res, const char *err)
{
	struct strbuf why = STRBUF_INIT;
	char *text;

	if (ret == -ECANCELED && res->outcome == ACT_REFUSED) {
		round_not_opened(r, 403, NULL, res, ROUND_ASK);
	} else if (ret == -ECANCELED) { /* would wait for approval: a round here cannot */
		char *name = ui_section_name(r, a->section);
		strbuf_addf(&why,
		            _("Under this ward's profile, opening the inspection of %s needs "
		              "approval, and a round opened here cannot wait for it. The command "
		              "can: 'mamori inspection open --round ROUND --section SECTION --due "
		              "DATE --as LOGIN', one section and role at a time, files each "
		              "opening for approval. If you are not sure, ask the ward's "
		              "information security office."),
		            name);
		free(name);
		round_not_opened(r, 409, why.buf, NULL, ROUND_NONE);
	} else if (web_act_status(ret) >= 500 || web_failed_for_good(r)) {
		web_error(r, web_act_status(ret), err);
	} else {
		web_log(r, "round not opened: %s", err);
		text = web_refusal_text(
		    r, res,
		    _("The inspections could not be opened as the form asks: check the round's "
		      "name, the due date, the sections and the clauses to ask."));
		round_not_opened(r, web_act_status(ret), text, NULL, ROUND_CORRECT);
		free(text);
	}
	strbuf_release(&why);
}

/*
 * Opens the round's inspections in one transaction, all or none (act_run_all): a failure or a
 * refusal at a later section keeps none of the earlier ones, so posting the form again opens
 * none twice. 0, or -1 after the page that says why.
 */
static int open_all(struct web_req *r, const char *round, const char *due, struct round_act *acts,
                    size_t n)
{
	struct act_input *in = xcalloc(n, sizeof(*in));
	struct act_result *res = xcalloc(n, sizeof(*res));
	struct strbuf err = STRBUF_INIT;
	size_t failed = 0;
	int ret;

	for (size_t i = 0; i < n; i++) {
		inspection_open_act(&in[i], acts[i].f, round, acts[i].section, due, acts[i].role,
		                    acts[i].items);
		in[i].actor = r->user->login;
		in[i].ctx.via = "web";
		in[i].ctx.remote = r->remote;
		/* a failed act's message id, to say it in the reader's language */
		in[i].error_detail = true;
	}
	if (web_door(r)) {
		ret = act_run_all(web_door(r), in, n, res, &failed, &err);
	} else {
		error_set(&err, "the data directory has no profile in force");
		ret = -EIO;
	}
	if (ret == 0) {
		for (size_t i = 0; i < n; i++)
			act_result_release(&res[i]);
	} else {
		round_failed(r, ret, &acts[failed], &res[failed], err.buf);
		act_result_release(&res[failed]);
	}
	free(in);
	free(res);
	strbuf_release(&err);
	return ret < 0 ? -1 : 0;
}

/* The form's values of field name, each once, into ret; -1 past INSPECTION_ROUND_MAX. */
static int form_values(struct web_req *r, const char *name, struct strv *ret)
{
	for (size_t i = 0; i < r->form.nr; i++) {
		if (strcmp(r->form.items[i].name, name) || !*r->form.items[i].value)
			continue;
		if (ret->nr >= INSPECTION_ROUND_MAX)
			return -1;
		strv_push_unique(ret, r->form.items[i].value);
	}
	return 0;
}

/* A round the form asks for more inspections than one opens: a page of its own (400). */
static void round_too_big(struct web_req *r)
{
	struct strbuf why = STRBUF_INIT;

	strbuf_addf(&why,
	            _("a round opens at most %d inspections (sections × roles, each once): choose "
	              "fewer sections or roles"),
	            INSPECTION_ROUND_MAX);
	round_not_opened(r, 400, why.buf, NULL, ROUND_CORRECT);
	strbuf_release(&why);
}

/*
 * The clauses the round asks of role (NULL: the whole checklist) into ret, or, when the role
 * or the clauses are not the profile's, its page (400) saying so in the reader's language:
 * the core's message id and arguments are caught (error_capture_begin) and, held as an act's
 * error detail is, said from the catalogue by web_refusal_text.
 */
static int round_items(struct web_req *r, const char *role, const char *items, struct strbuf *ret)
{
	struct act_result why = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	char *text;
	int rc;

	error_capture_begin();
	rc = inspection_open_items(r->profile, role, items, ret, &err);
	why.detail_fmt = error_capture_end(rc < 0 ? &err : NULL, &why.detail_args);
	if (rc < 0) {
		web_log(r, "round not opened: %s", err.buf);
		text =
		    web_refusal_text(r, &why,
		                     _("The role or the clauses to ask are not the profile's: "
		                       "choose a role from the list, and clauses of its checklist "
		                       "(or leave the clauses empty)."));
		round_not_opened(r, 400, text, NULL, ROUND_CORRECT);
		free(text);
	}
	act_result_release(&why);
	strbuf_release(&err);
	return rc;
}

void ui_inspections_open(struct web_req *r)
{
	const char *round = web_form(r, "round"), *due = web_form(r, "due");
	const char *items = web_form(r, "items");
	struct strv roles = STRV_INIT, role_items = STRV_INIT, sections = STRV_INIT;
	struct round_act *acts = NULL;
	size_t n = 0;

	if (!round || !*round || !due || !*due) {
		round_not_opened(
		    r, 400,
		    _("A round needs its name and the date its answers are due: fill in "
		      "both."),
		    NULL, ROUND_CORRECT);
		goto out;
	}
	/* each section and role once, and a bounded round, before anything is made */
	if (form_values(r, "role", &roles) < 0 || form_values(r, "section", &sections) < 0 ||
	    sections.nr * (roles.nr ? roles.nr : 1) > INSPECTION_ROUND_MAX) {
		round_too_big(r);
		goto out;
	}
	if (!sections.nr) {
		round_not_opened(r, 400, _("Choose at least one section to inspect."), NULL,
		                 ROUND_CORRECT);
		goto out;
	}
	for (size_t k = 0; k < (roles.nr ? roles.nr : 1); k++) {
		struct strbuf list = STRBUF_INIT;

		if (round_items(r, roles.nr ? roles.items[k] : NULL, items, &list) < 0) {
			strbuf_release(&list);
			goto out;
		}
		strv_push(&role_items, list.buf);
		strbuf_release(&list);
	}
	acts = xcalloc(sections.nr * role_items.nr, sizeof(*acts));
	for (size_t i = 0; i < sections.nr; i++)
		for (size_t k = 0; k < role_items.nr; k++)
			acts[n++] = (struct round_act){ .section = sections.items[i],
				                        .role = roles.nr ? roles.items[k] : NULL,
				                        .items = role_items.items[k] };
	if (open_all(r, round, due, acts, n) == 0)
		web_redirect(r, "/inspections?notice=done");
out:
	free(acts);
	strv_release(&sections);
	strv_release(&roles);
	strv_release(&role_items);
}

void ui_inspections_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct inspection_rollup ru = { 0 };
	struct reader *rd = web_reader(r);
	size_t waiting = 0;

	if (!r->profile || !rd || !policy_register(r->profile, SELF_INSPECTION_REGISTER))
		return;
	if (inspection_rollup(r->st, rd, r->profile, NULL, time_now_ms(), &ru, &err) < 0) {
		web_log(r, "%s", err.buf);
		goto out;
	}
	for (size_t i = 0; i < ru.n_sections; i++)
		waiting += ru.sections[i].rec->state && strcmp(ru.sections[i].rec->state, "signed");
	if (!waiting)
		goto out;
	html_open(o, "section", "class", ru.overdue ? "card overdue-card" : "card",
	          "aria-labelledby", "inspections-h", HTML_END);
	html_elem(o, "h2", _("Self-inspections not yet signed off"), "id", "inspections-h",
	          HTML_END);
	html_open(o, "ul", HTML_END);
	for (size_t i = ru.n_sections; i-- > 0;) {
		const struct inspection_section *s = &ru.sections[i];
		char *name;

		if (!s->rec->state || !strcmp(s->rec->state, "signed"))
			continue;
		name = s->section ? ui_section_name(r, s->section) : NULL;
		strbuf_reset(&url);
		strbuf_addf(&url, "/inspections/%" PRId64, s->rec->id);
		html_open(o, "li", "class", s->overdue ? "overdue" : NULL, HTML_END);
		page_link(o, url.buf, s->round ? s->round : "—");
		html_text(o, " ");
		html_text(o, name ? name : (s->section ? s->section : ""));
		html_text(o, "（");
		html_text(o, ui_state_name(r, SELF_INSPECTION_REGISTER, s->rec->state));
		html_text(o, "）");
		if (s->overdue) {
			strbuf_addch(o, ' ');
			html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
		}
		html_close(o, "li");
		free(name);
	}
	html_close(o, "ul");
	html_close(o, "section");
out:
	inspection_rollup_release(&ru);
	strbuf_release(&err);
	strbuf_release(&url);
}
