/* ui-incident: incidents in the browser: the cases a person may read, one case (timeline,
 * deadlines, evidence, containment, what they may do next), and the dashboard's card. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/decide-input.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/read.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui-risk.h"
#include "web/ui.h"

/* A deadline for people: its name, when it is due, and done / overdue. */
static void deadline_item(struct web_req *r, const struct incident_deadline *dl)
{
	struct strbuf *o = &r->out;
	struct strbuf due = STRBUF_INIT;

	time_format_rfc3339_offset(&due, dl->due_ms, TOKYO_OFFSET_MS);
	html_open(o, "span", "class",
	          dl->done      ? "deadline done"
	          : dl->overdue ? "deadline overdue"
	                        : "deadline open",
	          "data-kind", dl->def->id, "data-due", due.buf, HTML_END);
	html_text(o, dl->def->name);
	html_text(o, " ");
	page_time(o, dl->due_ms);
	html_text(o, " ");
	html_elem(o, "strong",
	          dl->done      ? _("done")
	          : dl->overdue ? _("overdue")
	                        : _("due"),
	          HTML_END);
	html_close(o, "span");
	strbuf_release(&due);
}

static void case_link(struct web_req *r, int64_t id, const char *title)
{
	struct strbuf url = STRBUF_INIT;

	strbuf_addf(&url, "/incidents/%" PRId64, id);
	page_link(&r->out, url.buf, *title ? title : _("(no title)"));
	strbuf_release(&url);
}

static void summary_table(struct web_req *r, const struct incident_list *l)
{
	struct strbuf *o = &r->out;

	if (!l->nr) {
		html_elem(o, "p", _("None."), HTML_END);
		return;
	}
	html_open(o, "table", "class", "incidents", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("No."), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("Title"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Status"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Severity"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Found"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Deadlines"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct incident_summary *s = &l->items[i];
		char nb[24];

		snprintf(nb, sizeof(nb), "%" PRId64, s->id);
		html_open(o, "tr", "class", s->overdue ? "overdue" : "", HTML_END);
		html_elem(o, "td", nb, "class", "num", HTML_END);
		html_open(o, "td", HTML_END);
		case_link(r, s->id, s->title);
		if (s->drill)
			html_elem(o, "span", _("drill"), "class", "badge drill", HTML_END);
		if (s->urgent)
			html_elem(o, "span", _("urgent"), "class", "badge urgent", HTML_END);
		html_close(o, "td");
		html_elem(o, "td", s->status_name, HTML_END);
		html_elem(o, "td", s->severity ? s->severity : "—", HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, s->found_ms);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		for (size_t k = 0; k < s->n_deadlines; k++) {
			if (s->deadlines[k].done)
				continue;
			html_open(o, "div", HTML_END);
			deadline_item(r, &s->deadlines[k]);
			html_close(o, "div");
		}
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "table");
}

void ui_incidents_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct incident_list l = { 0 };
	struct reader *rd = web_reader(r);
	struct incident_filter f = { .open_only = true, .limit = 20 };

	if (!r->profile || !r->profile->incidents.reg)
		return;
	html_open(o, "section", "class", "card incidents-card", "aria-labelledby", "incidents-h",
	          HTML_END);
	html_elem(o, "h2", _("Incidents"), "id", "incidents-h", HTML_END);
	if (!rd || incidents_list(r->st, rd, r->profile, &f, time_now_ms(), &l, &err) < 0) {
		web_log(r, "incidents: %s", err.buf);
		page_notice(r, "error", _("The incidents cannot be read just now."));
	} else {
		summary_table(r, &l);
	}
	html_open(o, "p", HTML_END);
	page_link(o, "/incidents/new", _("Report an incident"));
	html_text(o, " · ");
	page_link(o, "/incidents", _("All incidents"));
	html_close(o, "p");
	html_close(o, "section");
	incident_list_release(&l);
	strbuf_release(&err);
}

void ui_incidents(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct incident_list l = { 0 };
	struct reader *rd = web_reader(r);
	const char *drills = web_query(r, "drills");
	struct incident_filter f = { .drills_only = drills && !strcmp(drills, "1") };

	if (!r->profile || !r->profile->incidents.reg) {
		web_error(r, 404, "the profile declares no incidents");
		return;
	}
	if (!rd || incidents_list(r->st, rd, r->profile, &f, time_now_ms(), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Incidents"), NAV_INCIDENTS);
	web_notice_from_query(r);
	html_open(o, "p", HTML_END);
	page_link(o, "/incidents/new", _("Report an incident"));
	html_text(o, " · ");
	if (f.drills_only)
		page_link(o, "/incidents", _("Real incidents"));
	else
		page_link(o, "/incidents?drills=1", _("Drills (kept out of the statistics)"));
	html_close(o, "p");
	summary_table(r, &l);
	html_open(o, "p", "class", "noprint", HTML_END);
	ui_csv_links(r, f.drills_only ? "/incidents.csv?drills=1" : "/incidents.csv");
	html_close(o, "p");
	page_end(r);
out:
	incident_list_release(&l);
	strbuf_release(&err);
}

/* ---- one case ------------------------------------------------------------------------- */

static const char *field_of_record(const struct incident *inc, const char *key)
{
	const char *v = record_field(&inc->rec, key);

	return v && *v ? v : NULL;
}

/*
 * After a report: where it went, as the profile routes it for this reporter and case (the
 * notify obligations of incident.report, the same decision the door made).
 */
static void reported_notice(struct web_req *r, const struct incident *inc)
{
	struct strbuf to = STRBUF_INIT, text = STRBUF_INIT;
	struct decide_input in = { 0 };
	const struct policy_obligation *ob;
	struct decision d;
	unsigned it = 0;

	web_decide_input(
	    &in, r->user,
	    policy_register_action(r->profile->incidents.reg, "report")
	        ? policy_register_action(r->profile->incidents.reg, "report")->full_name
	        : "",
	    NULL, NULL, inc->rec.section, inc->rec.system);
	if (inc->urgent)
		decide_input_field_add(&in, "urgent", "true");
	if (policy_decide(r->profile, &in.q, &d, NULL) == 0 && d.effect != EFFECT_DENY) {
		while ((ob = policy_decision_next_obligation(&d, &it))) {
			char *scope_name = NULL;
			if (ob->kind != OBLIGATION_NOTIFY || !ob->role.role)
				continue;
			if (ob->role.role->scope == SCOPE_SECTION && r->user->section) {
				char scope[80];
				snprintf(scope, sizeof(scope), "section:%s", r->user->section);
				scope_name = org_scope_name(r->st, scope);
			}
			if (to.len)
				strbuf_addstr(&to, _(", "));
			if (scope_name)
				strbuf_addf(&to, "%s ", scope_name);
			strbuf_addstr(&to, ob->role.role->name);
			free(scope_name);
		}
	}
	decide_input_release(&in);
	if (to.len)
		strbuf_addf(&text, _("Reported. It went to: %s."), to.buf);
	else
		strbuf_addstr(&text, _("Reported."));
	page_notice(r, "ok", text.buf);
	strbuf_release(&to);
	strbuf_release(&text);
}

static void facts(struct web_req *r, const struct incident *inc)
{
	struct strbuf *o = &r->out;
	char *section = ui_section_name(r, inc->rec.section);
	char num[24];

	html_open(o, "dl", "class", "facts card", HTML_END);
	html_elem(o, "dt", _("Status"), HTML_END);
	html_elem(o, "dd", inc->status_name, "class", "status", "data-status", inc->status,
	          HTML_END);
	html_elem(o, "dt", _("Severity"), HTML_END);
	html_elem(o, "dd", inc->severity ? inc->severity : "—", HTML_END);
	html_elem(o, "dt", _("Found"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, inc->found_ms);
	html_close(o, "dd");
	if (inc->occurred_ms) {
		html_elem(o, "dt", _("Occurred"), HTML_END);
		html_open(o, "dd", HTML_END);
		page_time(o, inc->occurred_ms);
		html_close(o, "dd");
	}
	html_elem(o, "dt", _("Reported by the section"), HTML_END);
	html_elem(o, "dd", *section ? section : "—", HTML_END);
	if (field_of_record(inc, "place")) {
		html_elem(o, "dt", _("Where"), HTML_END);
		html_elem(o, "dd", field_of_record(inc, "place"), HTML_END);
	}
	if (field_of_record(inc, "description")) {
		html_elem(o, "dt", _("What is known"), HTML_END);
		html_elem(o, "dd", field_of_record(inc, "description"), HTML_END);
	}
	if (inc->personal_data >= 0) {
		snprintf(num, sizeof(num), "%" PRId64, inc->personal_data);
		html_elem(o, "dt", _("People whose personal information is involved"), HTML_END);
		html_elem(o, "dd", num, HTML_END);
	}
	html_elem(o, "dt", _("Reportable under the law"), HTML_END);
	html_elem(o, "dd",
	          inc->reportable ? _("Yes (施行規則第43条)") : _("Not by what is recorded"),
	          HTML_END);
	if (field_of_record(inc, "policy_change")) {
		/* a proposed change of the standards: applied as a new profile (mamori policy
		 * apply) */
		html_elem(o, "dt", _("Proposed change of the policy"), HTML_END);
		html_open(o, "dd", HTML_END);
		html_text(o, field_of_record(inc, "policy_change"));
		html_text(o, " ");
		page_link(
		    o, "/policy",
		    _("The policy in force (a change is applied with 'mamori policy apply')"));
		html_close(o, "dd");
	}
	if (inc->n_records) {
		html_elem(o, "dt", _("Records involved"), HTML_END);
		html_open(o, "dd", HTML_END);
		for (size_t i = 0; i < inc->n_records; i++) {
			char url[48];
			snprintf(url, sizeof(url), "/records/%" PRId64, inc->records[i]);
			page_link(o, url, url + 9);
			html_text(o, " ");
		}
		html_close(o, "dd");
	}
	if (inc->n_alerts) {
		html_elem(o, "dt", _("Alerts"), HTML_END);
		html_open(o, "dd", HTML_END);
		for (size_t i = 0; i < inc->n_alerts; i++) {
			char url[48];
			snprintf(url, sizeof(url), "/records/%" PRId64, inc->alerts[i]);
			page_link(o, url, url + 9);
			html_text(o, " ");
		}
		html_close(o, "dd");
	}
	html_close(o, "dl");
	free(section);
}

static void deadlines(struct web_req *r, const struct incident *inc)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Deadlines"), "id", "deadlines", HTML_END);
	if (!inc->n_deadlines) {
		html_elem(o, "p", _("None."), HTML_END);
		return;
	}
	html_open(o, "ul", "class", "deadlines", HTML_END);
	for (size_t i = 0; i < inc->n_deadlines; i++) {
		html_open(o, "li", HTML_END);
		deadline_item(r, &inc->deadlines[i]);
		for (unsigned k = 0; k < inc->deadlines[i].def->clauses.nr && k < 2; k++) {
			html_text(o, " ");
			ui_clause(r, inc->deadlines[i].def->clauses.items[k]->id);
		}
		html_close(o, "li");
	}
	html_close(o, "ul");
}

static void containment(struct web_req *r, const struct incident *inc)
{
	struct strbuf *o = &r->out;

	if (!inc->n_containment)
		return;
	html_elem(o, "h2", _("Containment"), "id", "containment", HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Measure"), "scope", "col", HTML_END);
	html_elem(o, "th", _("On"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Since"), "scope", "col", HTML_END);
	html_elem(o, "th", _("By"), "scope", "col", HTML_END);
	html_elem(o, "th", _("In force"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < inc->n_containment; i++) {
		const struct incident_containment *c = &inc->containment[i];
		html_open(o, "tr", "class", c->in_force ? "in-force" : "", HTML_END);
		html_elem(o, "td", c->name, HTML_END);
		html_elem(o, "td", c->target, HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, c->since_ms);
		html_close(o, "td");
		html_elem(o, "td", c->by, HTML_END);
		html_elem(o, "td", c->in_force ? _("in force") : _("lifted"), HTML_END);
		html_close(o, "tr");
	}
	html_close(o, "table");
}

static void evidence(struct web_req *r, const struct incident *inc, bool may_add)
{
	struct strbuf *o = &r->out;
	char owner[40];

	html_elem(o, "h2", _("Evidence"), "id", "evidence", HTML_END);
	if (!inc->n_evidence)
		html_elem(o, "p", _("No evidence yet."), HTML_END);
	else {
		html_open(o, "table", "class", "evidence", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("File"), "scope", "col", HTML_END);
		html_elem(o, "th", _("SHA-256"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Ledger entry"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Taken in"), "scope", "col", HTML_END);
		html_elem(o, "th", _("Held by"), "scope", "col", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < inc->n_evidence; i++) {
			const struct incident_evidence *e = &inc->evidence[i];
			char url[48], idx[24];
			snprintf(url, sizeof(url), "/attachments/%" PRId64, e->attachment_id);
			snprintf(idx, sizeof(idx), "%" PRIu64, e->ledger_index);
			html_open(o, "tr", HTML_END);
			html_open(o, "td", HTML_END);
			html_elem(o, "a", e->name, "href", url, "download", "", HTML_END);
			html_close(o, "td");
			html_elem(o, "td", e->sha256, "class", "hash", HTML_END);
			html_elem(o, "td", idx, "class", "num", HTML_END);
			html_open(o, "td", HTML_END);
			page_time(o, e->added_ms);
			html_text(o, " ");
			html_text(o, e->added_by);
			html_close(o, "td");
			html_elem(o, "td", e->holder, HTML_END);
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	if (!may_add)
		return;
	snprintf(owner, sizeof(owner), "record:%" PRId64, inc->rec.id);
	page_form_begin(r, "/attachments", "card upload", true);
	html_void(o, "input", "type", "hidden", "name", "owner", "value", owner, HTML_END);
	html_void(o, "input", "type", "hidden", "name", "action", "value", "incident.evidence_add",
	          HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Take a file in as evidence"), "for", "f-evidence", HTML_END);
	html_void(o, "input", "type", "file", "id", "f-evidence", "name", "file", "required", "",
	          HTML_END);
	html_elem(o, "p",
	          _("Its SHA-256 is recorded in the ledger when it is taken in; the export "
	            "proves it did not change."),
	          "class", "hint", HTML_END);
	html_close(o, "div");
	page_submit(r, _("Take it in"), NULL);
	page_form_end(r);
}

static void timeline(struct web_req *r, const struct incident *inc)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Timeline"), "id", "timeline", HTML_END);
	html_open(o, "table", "class", "timeline", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("When"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Who"), "scope", "col", HTML_END);
	html_elem(o, "th", _("What"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < inc->n_events; i++) {
		const struct incident_event *e = &inc->events[i];
		html_open(o, "tr", "class", !strcmp(e->outcome, "refused") ? "refused" : "",
		          HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, e->at_ms);
		html_close(o, "td");
		html_elem(o, "td",
		          e->actor_name                      ? e->actor_name
		          : !strncmp(e->actor, "system:", 7) ? _("Mamori (automatic)")
		                                             : e->actor,
		          HTML_END);
		html_elem(o, "td", e->what, HTML_END);
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/*
 * What the person may do on the case now, each decided like the door would (a preview): the
 * steps first, then the rest; each opens the action's form.
 */
static bool next_actions(struct web_req *r, const struct record *rec, bool *ret_evidence)
{
	const struct policy_register *g = r->profile->incidents.reg;
	const struct policy_state *st = policy_register_state(g, rec->state);
	struct strbuf *o = &r->out;
	unsigned shown = 0;

	*ret_evidence = false;
	html_elem(o, "h2", _("What I may do"), "id", "actions", HTML_END);
	html_open(o, "ul", "class", "actions", HTML_END);
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < g->n_actions; i++) {
			const struct policy_action *a = g->actions[i];
			struct decide_input in = { 0 };
			struct strbuf url = STRBUF_INIT;
			struct decision d;
			bool step = a->to != NULL;

			if (a->create || !strcmp(a->id, "read") || step != (pass == 0) ||
			    (a->from && st && !((a->from >> st->index) & 1)))
				continue;
			web_decide_input(&in, r->user, a->full_name, rec, NULL, NULL, NULL);
			if (policy_decide(r->profile, &in.q, &d, NULL) == 0 &&
			    (d.effect != EFFECT_DENY || d.reason == REASON_MISSING_CONTEXT)) {
				if (!strcmp(a->id, "evidence_add")) {
					*ret_evidence = true;
				} else {
					strbuf_addf(&url, "/records/%" PRId64 "/act", rec->id);
					html_url_query(&url, "action", a->full_name);
					html_open(o, "li", "class", step ? "step" : "", HTML_END);
					html_elem(o, "a", a->name ? a->name : a->id, "href",
					          url.buf, "data-action", a->id, HTML_END);
					if (d.effect == EFFECT_APPROVAL)
						html_elem(o, "span", _("(needs approval)"), "class",
						          "decision approval", HTML_END);
					html_close(o, "li");
					shown++;
				}
			}
			decide_input_release(&in);
			strbuf_release(&url);
		}
	}
	html_close(o, "ul");
	if (!shown)
		html_elem(o, "p", _("Nothing you may do on this case now."), HTML_END);
	return shown > 0;
}

void ui_incident(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT;
	struct incident inc;
	struct ledger *lg = NULL;
	int64_t id = ui_arg_id(r->args[0]);
	bool may_evidence = false;
	int ret;

	memset(&inc, 0, sizeof(inc));
	if (!r->profile || !r->profile->incidents.reg || !id) {
		web_error(r, 404, "no such incident");
		return;
	}
	ret = web_thread_ledger(r, &lg, &err);
	if (ret == 0)
		ret = incident_get(r->st, lg, r->profile, id, time_now_ms(), &inc, &err);
	if (ret == -ENOENT || (ret == 0 && !web_record_visible(r, &inc.rec, NULL))) {
		web_record_not_found(r, "incident not visible");
		goto out;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&title, "%s %" PRId64 ": %s", _("Incident"), id, inc.title);
	page_begin(r, title.buf, NAV_INCIDENTS);
	if (web_query(r, "notice") && !strcmp(web_query(r, "notice"), "reported"))
		reported_notice(r, &inc);
	else
		web_notice_from_query(r);
	if (inc.drill)
		page_notice(r, "warn",
		            _("This is a drill (訓練): it stays out of the statistics."));
	if (inc.urgent)
		html_elem(o, "p", _("Urgent: damage must be stopped at once."), "class",
		          "notice warn", HTML_END);
	facts(r, &inc);
	deadlines(r, &inc);
	next_actions(r, &inc.rec, &may_evidence);
	containment(r, &inc);
	evidence(r, &inc, may_evidence);
	/* recurrence prevention reported, or the case closed: the risks of its records are to be
	 * reassessed (SHJ-6-3-4-ア) until they are */
	ui_risks_of_records(
	    r, inc.records, inc.n_records,
	    inc.status && (!strcmp(inc.status, "prevention") || !strcmp(inc.status, "closed"))
	        ? inc.rec.created_ms
	        : 0);
	timeline(r, &inc);
	html_open(o, "p", HTML_END);
	{
		char url[48];
		snprintf(url, sizeof(url), "/records/%" PRId64, id);
		page_link(o, url, _("The record and its ledger entries"));
	}
	html_close(o, "p");
	page_end(r);
out:
	incident_release(&inc);
	strbuf_release(&err);
	strbuf_release(&title);
}
