/* decide: asking the policy from the web: decision previews and AuthZEN evaluations. */
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "core/records.h"
#include "web/decide.h"
#include "web/i18n.h"

void web_decide_input(struct decide_input *in, const struct web_user *u, const char *action,
                      const struct record *rec, const char *level, const char *section,
                      const char *system)
{
	decide_input_init(in, action);
	decide_input_subject(in, u->login, (const char *const *)u->roles, u->n_roles, u->section,
	                     u->employment);
	if (rec)
		decide_input_record(in, rec);
	else
		decide_input_resource(in, NULL, 0, NULL, level, section, system, NULL);
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
		if (d->reason == REASON_MISSING_CONTEXT) {
			struct strbuf keys = STRBUF_INIT;

			for (unsigned k = 0; k < d->profile->n_context_keys; k++)
				if ((d->missing >> k) & 1) {
					if (keys.len)
						strbuf_addstr(&keys, _(", "));
					strbuf_addstr(&keys, d->profile->context_keys[k].name);
				}
			strbuf_addf(
			    out,
			    _("The decision depends on what you say about: %s. Answer on the "
			      "form."),
			    keys.buf);
			strbuf_release(&keys);
		} else if (d->reason == REASON_NO_RULE)
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
