/* ui-policy: the whole policy, readable by every staff member (MIN-9-5-1), each clause linked
 * to the rules, registers and duties that carry it. */
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/coverage.h"
#include "web/route.h"
#include "web/ui.h"

static const char *at_text(enum policy_at at)
{
	switch (at) {
	case AT_RECORD:
		return _("of the record's section or system");
	case AT_ACTOR:
		return _("of the applicant's section");
	case AT_ORG:
		return _("of the whole ward");
	default:
		return _("anywhere");
	}
}

/* The anchor of what carries a clause, so the clause can link to it. */
static void carrier_anchor(const struct policy_carrier *c, struct strbuf *out)
{
	strbuf_addch(out, '#');
	switch (c->kind) {
	case CARRIER_RULE:
		strbuf_addstr(out, "rule-");
		html_url_encode(out, ((const struct policy_rule *)c->obj)->id);
		break;
	case CARRIER_REGISTER:
		strbuf_addstr(out, "register-");
		html_url_encode(out, ((const struct policy_register *)c->obj)->id);
		break;
	case CARRIER_ACTION:
		strbuf_addstr(out, "register-");
		html_url_encode(out, ((const struct policy_action *)c->obj)->reg->id);
		break;
	case CARRIER_RETENTION:
		strbuf_addstr(out, "register-");
		html_url_encode(out, ((const struct policy_retention *)c->obj)->reg->id);
		break;
	case CARRIER_DUTY:
		strbuf_addstr(out, "duty-");
		html_url_encode(out, ((const struct policy_duty *)c->obj)->id);
		break;
	case CARRIER_SEPARATION:
		strbuf_addstr(out, "sep-");
		html_url_encode(out, ((const struct policy_separation *)c->obj)->id);
		break;
	case CARRIER_ROLE:
		strbuf_addstr(out, "role-");
		html_url_encode(out, ((const struct policy_role *)c->obj)->id);
		break;
	case CARRIER_LEVEL:
		strbuf_addstr(out, "level-");
		html_url_encode(out, ((const struct policy_level *)c->obj)->id);
		break;
	default:
		strbuf_addstr(out, "registers");
	}
}

/* What carries a clause, named as staff read it: 情報資産（目録）・複製, 規定 copy-l32-needs-so. */
static void carrier_label(const struct policy_carrier *c, struct strbuf *out)
{
	switch (c->kind) {
	case CARRIER_RULE:
		strbuf_addf(out, "%s %s", _("Rule"), ((const struct policy_rule *)c->obj)->id);
		break;
	case CARRIER_REGISTER:
		strbuf_addstr(out, ((const struct policy_register *)c->obj)->name);
		break;
	case CARRIER_FIELD: {
		const struct policy_field *f = c->obj;
		strbuf_addf(out, "%s %s", _("Field"), f->name ? f->name : f->id);
		break;
	}
	case CARRIER_ACTION: {
		const struct policy_action *a = c->obj;
		strbuf_addf(out, "%s・%s", a->reg->name, a->name ? a->name : a->id);
		break;
	}
	case CARRIER_DUTY: {
		const struct policy_duty *d = c->obj;
		strbuf_addf(out, "%s %s", _("Duty"), d->name ? d->name : d->id);
		break;
	}
	case CARRIER_ROLE:
		strbuf_addstr(out, ((const struct policy_role *)c->obj)->name);
		break;
	case CARRIER_LEVEL:
		strbuf_addstr(out, ((const struct policy_level *)c->obj)->name);
		break;
	case CARRIER_RETENTION:
		strbuf_addf(out, "%s %s", _("Retention"),
		            ((const struct policy_retention *)c->obj)->reg->name);
		break;
	case CARRIER_SEPARATION:
		strbuf_addstr(out, _("Separation of duties"));
		break;
	case CARRIER_DEADLINE: {
		const struct policy_incident_deadline *dl = c->obj;
		strbuf_addf(out, "%s %s", _("Deadline"), dl->name);
		break;
	}
	case CARRIER_VALUE: {
		const struct policy_field *f = c->obj;
		const char *eq = strchr(c->name, '=');
		strbuf_addf(out, _("%s 「%s」"), f->name ? f->name : f->id, eq ? eq + 1 : "");
		break;
	}
	case CARRIER_INCIDENTS:
		strbuf_addstr(out, strstr(c->name, "detect") ? _("Incidents opened from alerts")
		                                             : _("Cases reportable under the law"));
		break;
	case CARRIER_THREAT:
		strbuf_addf(out, "%s %s", _("Risk threat"),
		            ((const struct policy_threat *)c->obj)->name);
		break;
	case CARRIER_LOG_RULE:
	case CARRIER_FIM: {
		const char *sp = strchr(c->name, ' ');

		strbuf_addf(out, "%s %s",
		            c->kind == CARRIER_FIM ? _("File integrity check")
		                                   : _("Log analysis rule"),
		            sp ? sp + 1 : c->name);
		break;
	}
	default:
		strbuf_addstr(out, c->name);
	}
}

/* How strongly something carries a clause, as staff read it. */
static const char *strength_text(enum policy_strength s)
{
	switch (s) {
	case STRENGTH_ENFORCED:
		return _("Enforced by the system");
	case STRENGTH_RECORDED:
		return _("Kept as a record");
	case STRENGTH_MONITORED:
		return _("Watched by a detector");
	case STRENGTH_NOTED:
		return _("Only noted (not carried)");
	case STRENGTH_NONE:
		break;
	}
	return _("Carried by nothing");
}

static void clause_list(struct web_req *r, const struct policy_clauses *cl)
{
	for (unsigned i = 0; i < cl->nr; i++) {
		ui_clause(r, cl->items[i]->id);
		strbuf_addch(&r->out, ' ');
	}
}

static void anchor_id(struct strbuf *sb, const char *prefix, const char *id)
{
	strbuf_reset(sb);
	strbuf_addstr(sb, prefix);
	html_url_encode(sb, id);
}

static void section_levels(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;

	html_elem(o, "h2", _("Classification levels"), "id", "levels", HTML_END);
	for (unsigned i = 0; i < p->n_levels; i++) {
		const struct policy_level *l = &p->levels[i];
		anchor_id(id, "level-", l->id);
		html_open(o, "div", "class", "card", "id", id->buf, HTML_END);
		html_open(o, "h3", HTML_END);
		ui_level(r, l->id);
		html_close(o, "h3");
		if (l->definition)
			html_elem(o, "p", l->definition, HTML_END);
		if (l->n_criteria) {
			html_open(o, "ul", HTML_END);
			for (unsigned k = 0; k < l->n_criteria; k++)
				html_elem(o, "li", l->criteria[k].text, HTML_END);
			html_close(o, "ul");
		}
		clause_list(r, &l->clauses);
		html_close(o, "div");
	}
}

static void section_roles(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;

	html_elem(o, "h2", _("Roles"), "id", "roles", HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "thead", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Role"), HTML_END);
	html_elem(o, "th", _("Scope"), HTML_END);
	html_elem(o, "th", _("Held by (as the text names it)"), HTML_END);
	html_elem(o, "th", _("Deputy"), HTML_END);
	html_elem(o, "th", _("Clauses"), HTML_END);
	html_close(o, "tr");
	html_close(o, "thead");
	html_open(o, "tbody", HTML_END);
	for (unsigned i = 0; i < p->n_roles; i++) {
		const struct policy_role *x = &p->roles[i];
		anchor_id(id, "role-", x->id);
		html_open(o, "tr", "id", id->buf, HTML_END);
		html_open(o, "td", HTML_END);
		html_text(o, x->name);
		html_elem(o, "span", x->id, "class", "mono cite", HTML_END);
		html_close(o, "td");
		html_elem(o, "td",
		          x->scope == SCOPE_ORG       ? _("whole ward")
		          : x->scope == SCOPE_SECTION ? _("each section")
		                                      : _("each information system"),
		          HTML_END);
		html_elem(o, "td", x->holder ? x->holder : "", HTML_END);
		html_elem(o, "td", x->deputy ? x->deputy->name : "", HTML_END);
		html_open(o, "td", HTML_END);
		clause_list(r, &x->clauses);
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "tbody");
	html_close(o, "table");
}

static void section_registers(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;

	html_elem(o, "h2", _("Registers and the actions on their records"), "id", "registers",
	          HTML_END);
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_register *g = &p->registers[i];
		anchor_id(id, "register-", g->id);
		html_open(o, "div", "class", "card", "id", id->buf, HTML_END);
		html_elem(o, "h3", g->name, HTML_END);
		clause_list(r, &g->clauses);
		html_open(o, "p", HTML_END);
		html_text(o, _("Fields:"));
		strbuf_addch(o, ' ');
		for (unsigned k = 0; k < g->n_fields; k++) {
			const struct policy_field *f = &g->fields[k];
			struct strbuf t = STRBUF_INIT;
			strbuf_addf(&t, "%s%s", f->name, f->required ? " *" : "");
			html_elem(o, "span", t.buf, "class", "tag", "title", f->note, HTML_END);
			strbuf_release(&t);
		}
		html_close(o, "p");
		if (g->n_actions) {
			html_open(o, "ul", HTML_END);
			for (unsigned k = 0; k < g->n_actions; k++) {
				const struct policy_action *a = g->actions[k];
				html_open(o, "li", HTML_END);
				html_elem(o, "strong", a->name ? a->name : a->id, HTML_END);
				html_elem(o, "span", a->full_name, "class", "mono cite", HTML_END);
				if (a->n_fields) {
					html_text(o, " — ");
					html_text(o, _("records:"));
					for (unsigned f = 0; f < a->n_fields; f++) {
						strbuf_addch(o, ' ');
						html_elem(o, "span", a->fields[f].name, "class",
						          "tag", HTML_END);
					}
				}
				strbuf_addch(o, ' ');
				clause_list(r, &a->clauses);
				html_close(o, "li");
			}
			html_close(o, "ul");
		}
		html_close(o, "div");
	}
}

static void section_rules(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;

	html_elem(o, "h2", _("Rules: who may do what, and who approves"), "id", "rules", HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "thead", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Rule"), HTML_END);
	html_elem(o, "th", _("Actions"), HTML_END);
	html_elem(o, "th", _("Effect"), HTML_END);
	html_elem(o, "th", _("Approver"), HTML_END);
	html_elem(o, "th", _("Clauses"), HTML_END);
	html_close(o, "tr");
	html_close(o, "thead");
	html_open(o, "tbody", HTML_END);
	for (unsigned i = 0; i < p->n_rules; i++) {
		const struct policy_rule *x = &p->rules[i];
		anchor_id(id, "rule-", x->id);
		html_open(o, "tr", "id", id->buf, HTML_END);
		html_open(o, "td", HTML_END);
		html_elem(o, "span", x->id, "class", "mono", HTML_END);
		if (x->note) {
			html_open(o, "div", "class", "cite", HTML_END);
			html_text(o, x->note);
			html_close(o, "div");
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		for (unsigned k = 0; k < x->n_on; k++) {
			html_elem(o, "span", ui_action_name(r, x->on[k]), "class", "tag", "title",
			          x->on[k], HTML_END);
		}
		html_close(o, "td");
		html_elem(o, "td", ui_effect_name(x->effect), HTML_END);
		html_open(o, "td", HTML_END);
		for (unsigned k = 0; k < x->n_approvers; k++) {
			html_open(o, "div", HTML_END);
			html_textf(o, "%s (%s)", x->approvers[k].role->name,
			           at_text(x->approvers[k].at));
			html_close(o, "div");
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		clause_list(r, &x->clauses);
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "tbody");
	html_close(o, "table");
}

static void section_separation_duties(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;

	html_elem(o, "h2", _("Separation of duties"), "id", "separation", HTML_END);
	html_open(o, "ul", HTML_END);
	for (unsigned i = 0; i < p->n_separation; i++) {
		const struct policy_separation *s = &p->separation[i];
		anchor_id(id, "sep-", s->id);
		html_open(o, "li", "id", id->buf, HTML_END);
		if (s->kind == SEP_AT_LEAST) {
			struct strbuf t = STRBUF_INIT;

			strbuf_addf(&t, _("At least %lld people hold this duty together."),
			            (long long)s->count);
			html_text(o, t.buf);
			strbuf_release(&t);
		} else {
			html_text(o,
			          s->kind == SEP_APPLICANT_NOT_APPROVER
			              ? _("The applicant never approves their own request.")
			          : s->kind == SEP_DISTINCT_PERSONS
			              ? _("These must be different people.")
			          : s->kind == SEP_INDEPENDENT
			              ? _("The people named neither belong to the sections named "
			                  "nor hold a role over them or their systems.")
			              : _("One person may not hold these roles together."));
		}
		if (s->note) {
			strbuf_addch(o, ' ');
			html_text(o, s->note);
		}
		strbuf_addch(o, ' ');
		clause_list(r, &s->clauses);
		html_close(o, "li");
	}
	html_close(o, "ul");

	html_elem(o, "h2", _("Periodic duties"), "id", "duties", HTML_END);
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Duty"), HTML_END);
	html_elem(o, "th", _("Who"), HTML_END);
	html_elem(o, "th", _("Every"), HTML_END);
	html_elem(o, "th", _("Clauses"), HTML_END);
	html_close(o, "tr");
	for (unsigned i = 0; i < p->n_duties; i++) {
		const struct policy_duty *d = &p->duties[i];
		anchor_id(id, "duty-", d->id);
		html_open(o, "tr", "id", id->buf, HTML_END);
		html_elem(o, "td", d->name ? d->name : d->id, HTML_END);
		html_elem(o, "td", d->role ? d->role->name : "", HTML_END);
		html_open(o, "td", HTML_END);
		html_textf(o, _("%lld days"), (long long)(d->every_seconds / 86400));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		clause_list(r, &d->clauses);
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "table");
}

/* Clauses by kind and by how strongly Mamori carries them, the gaps counted honestly. */
static void coverage_summary(struct web_req *r, const struct policy_coverage *cov)
{
	static const enum policy_clause_kind kinds[] = { CLAUSE_E, CLAUSE_R, CLAUSE_M };
	struct strbuf *o = &r->out;

	html_open(o, "table", "class", "coverage", HTML_END);
	html_open(o, "thead", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Kind of clause"), HTML_END);
	for (int s = STRENGTH_ENFORCED; s >= STRENGTH_NONE; s--)
		html_elem(o, "th", strength_text((enum policy_strength)s), HTML_END);
	html_elem(o, "th", _("Gaps"), HTML_END);
	html_close(o, "tr");
	html_close(o, "thead");
	html_open(o, "tbody", HTML_END);
	for (size_t k = 0; k < ARRAY_SIZE(kinds); k++) {
		unsigned gaps = 0;

		html_open(o, "tr", HTML_END);
		html_elem(o, "th", ui_clause_kind_name(kinds[k]), HTML_END);
		for (int s = STRENGTH_ENFORCED; s >= STRENGTH_NONE; s--) {
			html_open(o, "td", HTML_END);
			html_textf(o, "%u", cov->counts[kinds[k]][s]);
			html_close(o, "td");
			if ((enum policy_strength)s < policy_strength_needed(kinds[k]))
				gaps += cov->counts[kinds[k]][s];
		}
		html_open(o, "td", HTML_END);
		html_textf(o, "%u", gaps);
		html_close(o, "td");
		html_close(o, "tr");
	}
	html_close(o, "tbody");
	html_close(o, "table");
}

static void clause_carriers(struct web_req *r, const struct policy_coverage_entry *e)
{
	struct strbuf *o = &r->out;

	html_open(o, "p", HTML_END);
	html_text(o, _("Carried by:"));
	for (unsigned k = 0; k < e->nr; k++) {
		struct strbuf url = STRBUF_INIT, label = STRBUF_INIT, title = STRBUF_INIT;
		const struct policy_carrier *c = &e->carriers[k];

		carrier_anchor(c, &url);
		carrier_label(c, &label);
		strbuf_addf(&label, "（%s）", strength_text(c->strength));
		strbuf_addstr(&title, c->name);
		strbuf_addch(o, ' ');
		html_elem(o, "a", label.buf, "href", url.buf, "class",
		          c->strength == STRENGTH_NOTED ? "tag noted" : "tag", "title", title.buf,
		          "data-strength", policy_strength_name(c->strength), HTML_END);
		strbuf_release(&url);
		strbuf_release(&label);
		strbuf_release(&title);
	}
	html_close(o, "p");
}

static void one_clause(struct web_req *r, const struct policy_coverage_entry *e, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct policy_clause *c = e->clause;

	anchor_id(id, "clause-", c->id);
	html_open(o, "div", "class", "policy-clause", "id", id->buf, "data-strength",
	          policy_strength_name(e->strength), HTML_END);
	html_open(o, "h3", HTML_END);
	html_elem(o, "span", c->cite ? c->cite : "", "class", "cite", HTML_END);
	strbuf_addch(o, ' ');
	html_elem(o, "span", c->id, "class", "clause", HTML_END);
	strbuf_addch(o, ' ');
	html_elem(o, "span", ui_clause_kind_name(c->kind), "class", "tag", HTML_END);
	if (c->kind != CLAUSE_H) {
		strbuf_addch(o, ' ');
		html_elem(o, "span", strength_text(e->strength), "class", "tag strength", HTML_END);
	}
	if (e->gap) {
		strbuf_addch(o, ' ');
		html_elem(o, "span", _("Gap"), "class", "tag gap", HTML_END);
	}
	html_close(o, "h3");
	html_elem(o, "p", c->text, HTML_END);
	if (e->nr)
		clause_carriers(r, e);
	if (e->unkept)
		html_elem(o, "p",
		          _("The items this clause says to record are optional and no rule reads "
		            "them, so the rules that let the record be made do not carry it."),
		          "class", "cite", HTML_END);
	if (c->reason) {
		html_open(o, "p", "class", "cite", HTML_END);
		html_text(o, _("Not carried by Mamori yet:"));
		strbuf_addch(o, ' ');
		html_text(o, c->reason);
		html_close(o, "p");
	}
	html_close(o, "div");
}

static void section_clauses(struct web_req *r, struct strbuf *id, const struct policy_coverage *cov)
{
	struct strbuf *o = &r->out;
	const char *only = web_query(r, "clause");

	html_elem(o, "h2", _("The standard, clause by clause"), "id", "clauses", HTML_END);
	html_elem(o, "p",
	          _("Each clause of the standard, and what in Mamori carries it and how strongly: "
	            "a rule or a required field that the system enforces, a register that keeps "
	            "the record, or only a note, which does not carry the clause. A clause carried "
	            "less strongly than its kind needs is a gap."),
	          HTML_END);
	coverage_summary(r, cov);
	for (unsigned i = 0; i < cov->nr; i++) {
		if (only && *only && strcmp(only, cov->entries[i].clause->id))
			continue;
		one_clause(r, &cov->entries[i], id);
	}
}

/* 区の選択: what the profile chose where the text is silent, with its reasons. */
static void section_choices(struct web_req *r, const struct policy_coverage *cov)
{
	struct strbuf *o = &r->out;

	html_elem(o, "h2", _("The ward's choices"), "id", "choices", HTML_END);
	html_elem(o, "p",
	          _("Where the standard is silent, the profile chose for the ward. Review each "
	            "choice and its reason."),
	          HTML_END);
	if (!cov->n_choices) {
		html_elem(o, "p", _("The profile makes no choice of its own."), HTML_END);
		return;
	}
	html_open(o, "ul", HTML_END);
	for (unsigned i = 0; i < cov->n_choices; i++) {
		html_open(o, "li", HTML_END);
		html_elem(o, "span", cov->choices[i].what, "class", "mono", HTML_END);
		html_text(o, "：");
		html_text(o, cov->choices[i].reason);
		html_close(o, "li");
	}
	html_close(o, "ul");
}

void ui_policy(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf id = STRBUF_INIT, err = STRBUF_INIT;
	const struct profile *p = r->profile;
	struct policy_coverage cov = { 0 };

	if (!p) {
		web_error(r, 503, "no profile in force");
		return;
	}
	/* with the ward's detectors; a rules file that cannot be read counts none of them */
	if (coverage_compute(p, door_dir(web_door(r)), r->st, &cov, &err) < 0)
		policy_coverage_compute(p, &cov);
	strbuf_release(&err);
	page_begin(r, p->title ? p->title : _("Policy"), NAV_POLICY);
	html_open(o, "div", "class", "card", HTML_END);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("Municipality"), HTML_END);
	html_elem(o, "dd", p->municipality ? p->municipality : "", HTML_END);
	html_elem(o, "dt", _("Source"), HTML_END);
	html_open(o, "dd", HTML_END);
	html_textf(o, "%s %s", p->source_document ? p->source_document : "",
	           p->source_revision ? p->source_revision : "");
	html_close(o, "dd");
	html_elem(o, "dt", _("In force since"), HTML_END);
	html_elem(o, "dd", p->effective ? p->effective : "", HTML_END);
	html_elem(o, "dt", _("Version (SHA-256)"), HTML_END);
	html_elem(o, "dd", p->sha256_hex, "class", "mono", HTML_END);
	html_close(o, "dl");
	html_close(o, "div");

	html_open(o, "nav", "aria-label", _("Contents"), "class", "card", HTML_END);
	html_open(o, "ul", HTML_END);
	static const char *const toc[][2] = {
		{ "#clauses", N_("The standard, clause by clause") },
		{ "#levels", N_("Classification levels") },
		{ "#roles", N_("Roles") },
		{ "#registers", N_("Registers and the actions on their records") },
		{ "#rules", N_("Rules: who may do what, and who approves") },
		{ "#separation", N_("Separation of duties") },
		{ "#duties", N_("Periodic duties") },
		{ "#choices", N_("The ward's choices") },
	};
	for (size_t i = 0; i < ARRAY_SIZE(toc); i++) {
		html_open(o, "li", HTML_END);
		html_elem(o, "a", _(toc[i][1]), "href", toc[i][0], HTML_END);
		html_close(o, "li");
	}
	html_close(o, "ul");
	html_close(o, "nav");

	section_clauses(r, &id, &cov);
	section_levels(r, &id);
	section_roles(r, &id);
	section_registers(r, &id);
	section_rules(r, &id);
	section_separation_duties(r, &id);
	section_choices(r, &cov);
	page_end(r);
	policy_coverage_release(&cov);
	strbuf_release(&id);
}
