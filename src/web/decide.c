/* decide: asking the policy from the web: decision previews and AuthZEN evaluations. */
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "core/records.h"
#include "web/decide.h"
#include "web/i18n.h"

void web_decide_input(struct web_decide_input *in, const struct web_user *u, const char *action,
                      const struct record *rec, const char *level, const char *section,
                      const char *system)
{
	struct decide_request *q = &in->q;
	size_t n = 0;

	memset(q, 0, sizeof(*q));
	q->subject_id = u->login;
	for (size_t i = 0; i < u->n_roles && i < ARRAY_SIZE(in->roles); i++)
		in->roles[i] = u->roles[i];
	q->roles = in->roles;
	q->n_roles = u->n_roles < ARRAY_SIZE(in->roles) ? u->n_roles : ARRAY_SIZE(in->roles);
	q->subject_section = u->section;
	q->employment = u->employment;
	q->action = action;
	if (rec) {
		q->resource_type = rec->register_id;
		in->owned[in->n_owned] = xmalloc(24);
		snprintf(in->owned[in->n_owned], 24, "%lld", (long long)rec->id);
		q->resource_id = in->owned[in->n_owned++];
		q->level = rec->level;
		q->section = rec->section;
		q->system = rec->system;
		q->state = rec->state;
		if (json_is_object(rec->fields)) {
			const char *k;
			json_t *v;
			json_object_foreach(rec->fields, k, v)
			{
				if (n >= ARRAY_SIZE(in->attrs) || !json_is_string(v))
					continue;
				in->attrs[n].key = k;
				in->attrs[n].value = json_string_value(v);
				n++;
			}
		}
	} else {
		q->level = level;
		q->section = section;
		q->system = system;
	}
	q->attrs = in->attrs;
	q->n_attrs = n;
	q->context = in->context;
	q->n_context = 0;
}

void web_decide_input_release(struct web_decide_input *in)
{
	for (size_t i = 0; i < in->n_owned; i++)
		free(in->owned[i]);
	in->n_owned = 0;
}

void web_approver_text(struct web_req *r, const struct policy_approver *a, struct strbuf *out)
{
	if (a->scope_value) {
		struct strbuf scope = STRBUF_INIT;
		char *name;
		strbuf_addf(&scope, "%s:%s", a->scope == SCOPE_SYSTEM ? "system" : "section",
		            a->scope_value);
		name = r->st ? org_scope_name(r->st, scope.buf) : NULL;
		strbuf_addstr(out, name ? name : a->scope_value);
		/* 税務課セキュリティ責任者, as Japanese writes it; "税務課 security officer" */
		if (i18n_lang() != WEB_LANG_JA)
			strbuf_addch(out, ' ');
		free(name);
		strbuf_release(&scope);
	}
	strbuf_addstr(out, a->role->name);
}

void web_decision_sentence(struct web_req *r, const struct decision *d, struct strbuf *out)
{
	struct strbuf who = STRBUF_INIT, cites = STRBUF_INIT;
	const struct policy_clause *c;
	unsigned it = 0;

	while ((c = policy_decision_next_clause(d, &it))) {
		if (cites.len)
			strbuf_addstr(&cites, _(", "));
		strbuf_addstr(&cites, c->cite ? c->cite : c->id);
	}
	if (!cites.len)
		strbuf_addstr(&cites, "-");
	switch (d->effect) {
	case EFFECT_APPROVAL:
		for (unsigned i = 0; i < d->n_approvers; i++) {
			if (i)
				strbuf_addstr(&who, _(" and "));
			web_approver_text(r, &d->approvers[i], &who);
		}
		strbuf_addf(out, _("This action needs the approval of the %s (%s)."), who.buf,
		            cites.buf);
		break;
	case EFFECT_ALLOW:
		strbuf_addf(out, _("You may do this without approval (%s)."), cites.buf);
		break;
	default:
		if (d->reason == REASON_NO_RULE)
			strbuf_addstr(out, _("No rule of the policy allows you this action."));
		else if (d->reason == REASON_STATE)
			strbuf_addstr(out, _("This action is not possible in the record's present "
			                     "state."));
		else
			strbuf_addf(out, _("The policy forbids this action (%s)."), cites.buf);
	}
	strbuf_release(&who);
	strbuf_release(&cites);
}
