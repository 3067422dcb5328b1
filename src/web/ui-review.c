/* ui-review: a policy review case's page (/policy/reviews/N; docs/audits.md "The policy
 * review"): what the review weighs, gathered from the ward's records over its period (audits and
 * findings, incidents, self-inspections and their nonconformities, coverage gaps), every figure
 * linking to the records it counts, and the draft attached to the case replayed against the
 * ledger decision by decision (each act's ledger entry) and clause by clause. Read only; every
 * record through the one read decision. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/audits.h"
#include "core/core.h"
#include "core/org.h"
#include "core/read.h"
#include "core/replay.h"
#include "core/review.h"
#include "web/access.h"
#include "web/route.h"
#include "web/ui.h"

/* One figure of the inputs: a row whose count links to the list at #anchor. */
static void figure_row(struct strbuf *o, const char *label, size_t n, const char *anchor)
{
	char v[24], href[64];

	snprintf(v, sizeof(v), "%zu", n);
	snprintf(href, sizeof(href), "#%s", anchor);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", label, "scope", "row", HTML_END);
	html_open(o, "td", "class", "num", HTML_END);
	html_elem(o, "a", v, "href", href, "class", "figure", "data-list", anchor, HTML_END);
	html_close(o, "td");
	html_close(o, "tr");
}

/* A link to /KIND/ID ("audits", "records", "incidents", "inspections"). */
static void record_link(struct strbuf *o, const char *kind, int64_t id, const char *text)
{
	char url[64];

	snprintf(url, sizeof(url), "/%s/%" PRId64, kind, id);
	page_link(o, url, text);
}

static void audits_list(struct web_req *r, const struct review_inputs *in)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Audits"), "id", "audits-h", HTML_END);
	html_open(o, "ul", "id", "audits", "class", "entries", HTML_END);
	for (size_t i = 0; i < in->audits.nr; i++) {
		const struct record *a = &in->audits.items[i];
		struct strbuf t = STRBUF_INIT;

		strbuf_addf(&t, "#%" PRId64 " %s（%s）", a->id, record_title(r->profile, a),
		            ui_state_name(r, AUDIT_REGISTER, a->state));
		html_open(o, "li", HTML_END);
		record_link(o, "records", a->id, t.buf);
		html_close(o, "li");
		strbuf_release(&t);
	}
	html_close(o, "ul");
}

static void findings_list(struct web_req *r, const struct review_inputs *in, int64_t now)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Findings"), HTML_END);
	html_open(o, "ul", "id", "findings", "class", "entries", HTML_END);
	for (size_t i = 0; i < in->findings.nr; i++) {
		const struct record *f = &in->findings.items[i];
		const char *clause = record_field(f, "clause"), *sev = record_field(f, "severity");
		struct strbuf t = STRBUF_INIT;

		strbuf_addf(&t, "#%" PRId64 " %s（%s）", f->id, record_title(r->profile, f),
		            ui_state_name(r, FINDING_REGISTER, f->state));
		html_open(o, "li", "class", audit_finding_overdue(f, now) ? "overdue" : NULL,
		          "data-state", f->state, HTML_END);
		record_link(o, "records", f->id, t.buf);
		if (clause) {
			html_text(o, " ");
			ui_clause(r, clause);
		}
		if (sev)
			html_textf(o, " %s", ui_severity_name(sev));
		if (audit_finding_overdue(f, now)) {
			html_text(o, " ");
			html_elem(o, "strong", _("overdue"), "class", "overdue", HTML_END);
		}
		html_close(o, "li");
		strbuf_release(&t);
	}
	html_close(o, "ul");
}

static void incidents_list_html(struct web_req *r, const struct review_inputs *in)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Incidents"), HTML_END);
	html_open(o, "ul", "id", "incidents", "class", "entries", HTML_END);
	for (size_t i = 0; i < in->incidents.nr; i++) {
		const struct incident_summary *s = &in->incidents.items[i];
		struct strbuf t = STRBUF_INIT;

		strbuf_addf(&t, "#%" PRId64 " %s（%s）", s->id, s->title ? s->title : "",
		            s->status_name ? s->status_name : "");
		html_open(o, "li", HTML_END);
		record_link(o, "incidents", s->id, t.buf);
		html_close(o, "li");
		strbuf_release(&t);
	}
	html_close(o, "ul");
}

static void inspections_list(struct web_req *r, const struct review_inputs *in)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Self-inspections"), HTML_END);
	html_open(o, "ul", "id", "inspections", "class", "entries", HTML_END);
	for (size_t i = 0; i < in->rollup.n_sections; i++) {
		const struct inspection_section *s = &in->rollup.sections[i];
		char *sec = s->section ? ui_section_name(r, s->section) : NULL;
		struct strbuf t = STRBUF_INIT;

		if (!in->in_period[i]) {
			free(sec);
			continue;
		}
		strbuf_addf(&t, "%s %s%s%s（%s）", s->round ? s->round : "",
		            sec ? sec : (s->section ? s->section : ""), s->role ? " " : "",
		            s->role ? inspection_role_name(r->profile, s->role) : "",
		            ui_state_name(r, SELF_INSPECTION_REGISTER, s->rec->state));
		html_open(o, "li", HTML_END);
		record_link(o, "inspections", s->rec->id, t.buf);
		html_close(o, "li");
		strbuf_release(&t);
		free(sec);
	}
	html_close(o, "ul");
	html_elem(o, "h3", _("Nonconforming answers"), HTML_END);
	html_open(o, "ul", "id", "nonconform", "class", "entries", HTML_END);
	for (size_t i = 0; i < in->n_nonconform; i++) {
		const struct review_answer *a = &in->nonconform[i];
		char url[96];

		snprintf(url, sizeof(url), "/inspections/%" PRId64 "#%s", a->inspection, a->clause);
		html_open(o, "li", HTML_END);
		page_link(o, url, a->clause);
		html_text(o, " ");
		record_link(o, "records", a->answer, _("the answer"));
		html_close(o, "li");
	}
	html_close(o, "ul");
}

static void gaps_list(struct web_req *r, const struct review_inputs *in)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Coverage gaps"), HTML_END);
	html_elem(o, "p",
	          _("Clauses the profile carries less strongly than their kind asks (enforced, "
	            "recorded or monitored)."),
	          "class", "cite", HTML_END);
	html_open(o, "ul", "id", "gaps", "class", "entries", HTML_END);
	for (unsigned i = 0; i < in->coverage.nr; i++) {
		const struct policy_coverage_entry *e = &in->coverage.entries[i];
		char url[128];

		if (!e->gap)
			continue;
		snprintf(url, sizeof(url), "/report/compliance/clause?id=%s", e->clause->id);
		html_open(o, "li", HTML_END);
		page_link(o, url, e->clause->id);
		html_textf(o, " %s", e->clause->text ? e->clause->text : "");
		html_close(o, "li");
	}
	html_close(o, "ul");
}

static void inputs(struct web_req *r, const struct review_inputs *in, int64_t now)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("Inputs to the review"), "id", "inputs-h", HTML_END);
	html_open(o, "table", "class", "review-inputs", "aria-labelledby", "inputs-h", HTML_END);
	figure_row(o, _("Audits"), in->audits.nr, "audits");
	figure_row(o, _("Findings"), in->findings.nr, "findings");
	figure_row(o, _("Findings not yet closed"), in->findings_open, "findings");
	figure_row(o, _("Improvements past due"), in->findings_overdue, "findings");
	figure_row(o, _("Incidents"), in->incidents.nr, "incidents");
	figure_row(o, _("Self-inspections"), in->inspections, "inspections");
	figure_row(o, _("Nonconforming answers"), in->n_nonconform, "nonconform");
	figure_row(o, _("Coverage gaps"), in->gaps, "gaps");
	html_close(o, "table");
	audits_list(r, in);
	findings_list(r, in, now);
	incidents_list_html(r, in);
	inspections_list(r, in);
	gaps_list(r, in);
}

/* A decision as people read it: 許可, 拒否, 承認（セキュリティ責任者・税務課 ...）. */
static void decision_text(struct web_req *r, const char *d, const char *clauses, struct strbuf *out)
{
	if (!strcmp(d, "allow")) {
		strbuf_addstr(out, _("allowed"));
	} else if (!strcmp(d, "deny")) {
		strbuf_addstr(out, _("refused"));
	} else if (!strncmp(d, "approval:", 9)) {
		const char *cur = d + 9;

		strbuf_addstr(out, _("approval by"));
		strbuf_addstr(out, " ");
		while (*cur) {
			size_t n = strcspn(cur, "+");
			char *one = xstrndup(cur, n), *at = strchr(one, '@'), *scope;

			if (at)
				*at = 0;
			scope = at ? org_scope_name(r->st, at + 1) : NULL;
			strbuf_addf(out, "%s%s%s%s", cur != d + 9 ? "、" : "",
			            inspection_role_name(r->profile, one), scope ? "・" : "",
			            scope ? scope : "");
			free(scope);
			free(one);
			cur += n + (cur[n] == '+');
		}
	} else {
		strbuf_addstr(out, _("no such action in the draft"));
	}
	if (clauses && *clauses)
		strbuf_addf(out, "（%s）", clauses);
}

static void decisions_table(struct web_req *r, const struct replay_result *res)
{
	struct strbuf *o = &r->out;

	html_open(o, "table", "id", "replay-decisions", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Ledger entry"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Time"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Person"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Record"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Decision in force (clauses)"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Decision under the draft (clauses)"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < res->nr; i++) {
		const struct replay_change *c = &res->items[i];
		struct strbuf b = STRBUF_INIT, a = STRBUF_INIT, id = STRBUF_INIT;
		char url[64], idx[24];

		strbuf_addf(&id, "act-%" PRId64, c->act_id);
		snprintf(url, sizeof(url), "/ledger/entry?index=%" PRIu64, c->ledger_index);
		snprintf(idx, sizeof(idx), "%" PRIu64, c->ledger_index);
		decision_text(r, c->before, c->before_clauses, &b);
		decision_text(r, c->after, c->after_clauses, &a);
		html_open(o, "tr", "id", id.buf, HTML_END);
		html_open(o, "td", HTML_END);
		page_link(o, url, idx);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		page_time(o, c->at_ms);
		html_close(o, "td");
		html_elem(o, "td", c->actor, HTML_END);
		html_open(o, "td", HTML_END);
		if (c->record_id)
			record_link(o, "records", c->record_id, ui_action_name(r, c->action));
		else
			html_text(o, ui_action_name(r, c->action));
		html_close(o, "td");
		html_elem(o, "td", b.buf, "class", "before", HTML_END);
		html_elem(o, "td", a.buf, "class", "after", HTML_END);
		html_close(o, "tr");
		strbuf_release(&a);
		strbuf_release(&b);
		strbuf_release(&id);
	}
	html_close(o, "table");
}

static void clauses_table(struct web_req *r, const struct replay_clause *v, size_t n)
{
	static const char *const names[] = { "added", "removed", "cite", "text",
		                             "quote", "law",     "kind", "iso27001" };
	struct strbuf *o = &r->out;

	html_elem(o, "h3", _("Clause by clause"), HTML_END);
	html_open(o, "table", "id", "replay-clauses", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Clause"), "scope", "col", HTML_END);
	html_elem(o, "th", _("What the draft changes in it"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Decisions that change"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < n; i++) {
		struct strbuf c = STRBUF_INIT;

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (policy_list_has(v[i].changes, names[k]))
				strbuf_addf(&c, "%s%s", c.len ? "・" : "", _(names[k]));
		html_open(o, "tr", "data-clause", v[i].id, HTML_END);
		html_open(o, "td", HTML_END);
		ui_clause(r, v[i].id);
		html_close(o, "td");
		html_elem(o, "td", c.len ? c.buf : _("only its decisions"), HTML_END);
		html_open(o, "td", HTML_END);
		for (size_t k = 0; k < v[i].n_acts; k++) {
			char href[40], t[24];

			snprintf(href, sizeof(href), "#act-%" PRId64, v[i].acts[k]);
			snprintf(t, sizeof(t), "%" PRId64, v[i].acts[k]);
			html_text(o, k ? " " : "");
			html_elem(o, "a", t, "href", href, HTML_END);
		}
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&c);
	}
	html_close(o, "table");
}

static void replay_section(struct web_req *r, const struct record *rec, int64_t from, int64_t to)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, sum = STRBUF_INIT;
	struct replay_result res = { 0 };
	struct replay_clause *cl = NULL;
	struct profile *draft = NULL;
	struct ledger *lg = NULL;
	size_t ncl = 0;

	html_elem(o, "h2", _("The draft against past decisions"), "id", "replay-h", HTML_END);
	if (review_draft(r->st, door_dir(web_door(r)), rec, &draft, &err) < 0) {
		web_log(r, "%s", err.buf);
		html_elem(
		    o, "p",
		    _("No draft is attached to this review: attach the draft profile (the file "
		      "whose SHA-256 is the review's draft) to the case."),
		    "id", "no-draft", "class", "cite", HTML_END);
		goto out;
	}
	if (web_thread_ledger(r, &lg, &err) < 0 ||
	    replay_profile_in(r->st, lg, r->profile, draft, from, to, &res, &err) < 0) {
		web_log(r, "%s", err.buf);
		page_notice(r, "error", _("The draft could not be replayed; see the server log."));
		goto out;
	}
	replay_clauses(r->profile, draft, &res, &cl, &ncl);
	strbuf_addf(&sum, _("%zu decisions decided again, %zu of them change."), res.replayed,
	            res.nr);
	html_elem(o, "p", sum.buf, "id", "replay-summary", HTML_END);
	decisions_table(r, &res);
	clauses_table(r, cl, ncl);
out:
	replay_clauses_release(cl, ncl);
	replay_result_release(&res);
	profile_free(draft);
	strbuf_release(&err);
	strbuf_release(&sum);
}

void ui_policy_review(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT, period = STRBUF_INIT;
	struct review_inputs in = { 0 };
	struct reader *rd = web_reader(r);
	struct record rec = { 0 };
	int64_t id = ui_arg_id(r->args[0]), now = time_now_ms(), from, to;

	if (!r->profile || !rd || !policy_register(r->profile, REVIEW_REGISTER)) {
		web_error(r, 404, "this ward's profile keeps no policy reviews");
		goto out;
	}
	if (!id || record_get(r->st, id, &rec, &err) < 0 ||
	    strcmp(rec.register_id, REVIEW_REGISTER) || !read_record(rd, &rec, NULL)) {
		web_record_not_found(r, "no policy review the reader may read");
		goto out;
	}
	review_period(r->st, &rec, now, &from, &to);
	if (review_inputs(r->st, door_dir(web_door(r)), rd, r->profile, from, to, now, &in, &err) <
	    0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&title, "%s #%" PRId64 " %s", _("Policy review"), rec.id,
	            record_field(&rec, "title") ? record_field(&rec, "title") : "");
	page_begin(r, title.buf, NAV_REGISTERS);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("State"), HTML_END);
	html_elem(o, "dd", ui_state_name(r, REVIEW_REGISTER, rec.state), "id", "state", HTML_END);
	html_elem(o, "dt", _("Period"), HTML_END);
	core_format_local_date(&period, from);
	strbuf_addstr(&period, "〜");
	core_format_local_date(&period, to - 1);
	html_elem(o, "dd", period.buf, "id", "period", HTML_END);
	html_elem(o, "dt", _("Draft version (SHA-256)"), HTML_END);
	html_elem(o, "dd", record_field(&rec, "draft"), "class", "hash", HTML_END);
	html_close(o, "dl");
	html_open(o, "p", HTML_END);
	record_link(o, "records", rec.id, _("The case's record and its steps"));
	html_close(o, "p");
	inputs(r, &in, now);
	replay_section(r, &rec, from, to);
	page_end(r);
out:
	review_inputs_release(&in);
	record_release(&rec);
	strbuf_release(&err);
	strbuf_release(&title);
	strbuf_release(&period);
}
