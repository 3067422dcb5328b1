/* ui-policy: the whole policy, readable by every staff member (MIN-9-5-1), each clause linked
 * to the rules, registers and duties that carry it. */
#include <string.h>

#include "base/cleanup.h"
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
	default:
		strbuf_addstr(out, c->name);
	}
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
		html_text(o, s->kind == SEP_APPLICANT_NOT_APPROVER
		                 ? _("The applicant never approves "
		                     "their own request.")
		             : s->kind == SEP_DISTINCT_PERSONS
		                 ? _("These must be different people.")
		                 : _("One person may not hold these roles together."));
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

static void section_clauses(struct web_req *r, struct strbuf *id)
{
	struct strbuf *o = &r->out;
	const struct profile *p = r->profile;
	struct policy_coverage cov = { 0 };
	const char *only = web_query(r, "clause");

	policy_coverage_compute(p, &cov);
	html_elem(o, "h2", _("The standard, clause by clause"), "id", "clauses", HTML_END);
	html_elem(o, "p",
	          _("Each clause of the standard, and what in Mamori carries it: the rules that "
	            "decide, the registers that keep records, the duties that recur."),
	          HTML_END);
	for (unsigned i = 0; i < cov.nr; i++) {
		const struct policy_coverage_entry *e = &cov.entries[i];
		const struct policy_clause *c = e->clause;
		if (only && *only && strcmp(only, c->id))
			continue;
		anchor_id(id, "clause-", c->id);
		html_open(o, "div", "class", "policy-clause", "id", id->buf, HTML_END);
		html_open(o, "h3", HTML_END);
		html_elem(o, "span", c->cite ? c->cite : "", "class", "cite", HTML_END);
		strbuf_addch(o, ' ');
		html_elem(o, "span", c->id, "class", "clause", HTML_END);
		strbuf_addch(o, ' ');
		html_elem(o, "span", ui_clause_kind_name(c->kind), "class", "tag", HTML_END);
		html_close(o, "h3");
		html_elem(o, "p", c->text, HTML_END);
		if (e->nr) {
			html_open(o, "p", HTML_END);
			html_text(o, _("Carried by:"));
			for (unsigned k = 0; k < e->nr; k++) {
				struct strbuf url = STRBUF_INIT, label = STRBUF_INIT;
				carrier_anchor(&e->carriers[k], &url);
				carrier_label(&e->carriers[k], &label);
				strbuf_addch(o, ' ');
				html_elem(o, "a", label.buf, "href", url.buf, "class", "tag",
				          "title", e->carriers[k].name, HTML_END);
				strbuf_release(&url);
				strbuf_release(&label);
			}
			html_close(o, "p");
		} else if (c->reason) {
			html_open(o, "p", "class", "cite", HTML_END);
			html_text(o, _("Not carried by Mamori yet:"));
			strbuf_addch(o, ' ');
			html_text(o, c->reason);
			html_close(o, "p");
		}
		html_close(o, "div");
	}
	policy_coverage_release(&cov);
}

void ui_policy(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf id = STRBUF_INIT;
	const struct profile *p = r->profile;

	if (!p) {
		web_error(r, 503, "no profile in force");
		return;
	}
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
	};
	for (size_t i = 0; i < ARRAY_SIZE(toc); i++) {
		html_open(o, "li", HTML_END);
		html_elem(o, "a", _(toc[i][1]), "href", toc[i][0], HTML_END);
		html_close(o, "li");
	}
	html_close(o, "ul");
	html_close(o, "nav");

	section_clauses(r, &id);
	section_levels(r, &id);
	section_roles(r, &id);
	section_registers(r, &id);
	section_rules(r, &id);
	section_separation_duties(r, &id);
	page_end(r);
	strbuf_release(&id);
}
