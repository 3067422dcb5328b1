/* ui-text: pieces several pages share: level badges, clause links, the policy's words. */
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "core/alert.h"
#include "core/org.h"
#include "web/ui.h"

static void level_badge(struct web_req *r, const char *level_id, bool with_definition);

void ui_level(struct web_req *r, const char *level_id)
{
	level_badge(r, level_id, true);
}

void ui_level_short(struct web_req *r, const char *level_id)
{
	level_badge(r, level_id, false);
}

static void level_badge(struct web_req *r, const char *level_id, bool with_definition)
{
	const struct policy_level *l =
	    r->profile && level_id ? policy_level(r->profile, level_id) : NULL;
	char cls[32];

	if (!level_id) {
		html_elem(&r->out, "span", "-", "class", "level", HTML_END);
		return;
	}
	snprintf(cls, sizeof(cls), "level rank%u", l ? l->rank : 9);
	html_elem(&r->out, "span", l ? l->name : level_id, "class", cls, "title",
	          l && with_definition ? l->definition : NULL, HTML_END);
}

void ui_clause(struct web_req *r, const char *clause_id)
{
	const struct policy_clause *c = r->profile ? policy_clause(r->profile, clause_id) : NULL;
	struct strbuf url = STRBUF_INIT, text = STRBUF_INIT;

	strbuf_addstr(&url, "/policy#clause-");
	html_url_encode(&url, clause_id);
	if (c && c->cite)
		strbuf_addf(&text, "%s %s", c->cite, clause_id);
	else
		strbuf_addstr(&text, clause_id);
	html_elem(&r->out, "a", text.buf, "class", "clause", "href", url.buf, "title",
	          c ? c->text : NULL, HTML_END);
	strbuf_release(&url);
	strbuf_release(&text);
}

const char *ui_effect_name(enum policy_effect e)
{
	switch (e) {
	case EFFECT_ALLOW:
		return _("allowed");
	case EFFECT_APPROVAL:
		return _("needs approval");
	case EFFECT_DENY:
		return _("forbidden");
	default:
		return _("adds obligations");
	}
}

const char *ui_clause_kind_name(enum policy_clause_kind k)
{
	switch (k) {
	case CLAUSE_E:
		return _("enforced");
	case CLAUSE_R:
		return _("recorded");
	case CLAUSE_M:
		return _("monitored");
	default:
		return _("checklist");
	}
}

const char *ui_register_name(const struct web_req *r, const char *register_id)
{
	const struct policy_register *g =
	    r->profile && register_id ? policy_register(r->profile, register_id) : NULL;
	return g && g->name ? g->name : register_id ? register_id : "";
}

const char *ui_door_act_name(const char *id)
{
	static const char *const names[][2] = {
		{ "request.approve", N_("approval") },
		{ "request.reject", N_("rejection") },
		{ "request.withdraw", N_("withdrawal of a request") },
		{ "section.add", N_("section added") },
		{ "system.add", N_("information system added") },
		{ "user.add", N_("person added") },
		{ "user.update", N_("person's details changed") },
		{ "user.move", N_("personnel change (section)") },
		{ "user.move_cancel", N_("personnel change dated ahead, cancelled") },
		{ "user.suspend", N_("account suspended") },
		{ "user.activate", N_("account reinstated") },
		{ "user.retire", N_("retirement") },
		{ "user.passwd", N_("password set") },
		{ "user.totp_enrol", N_("second factor enrolled") },
		{ "user.totp_reset", N_("second factor removed") },
		{ "role.grant", N_("role granted") },
		{ "role.revoke", N_("role ended") },
		{ "policy.apply", N_("policy applied") },
		{ "duty.done", N_("duty done") },
		{ "backup.create", N_("backup taken") },
		{ "attachment.add", N_("file attached") },
		{ "api_token.issue", N_("API token issued") },
		{ "api_token.revoke", N_("API token revoked") },
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(names[i][0], id))
			return _(names[i][1]);
	return NULL;
}

const char *ui_action_name(const struct web_req *r, const char *full_name)
{
	const struct policy_action *a =
	    r->profile && full_name ? policy_action(r->profile, full_name) : NULL;
	const char *org = !a && full_name ? ui_door_act_name(full_name) : NULL;

	if (a && a->name)
		return a->name;
	return org ? org : full_name ? full_name : "";
}

const char *ui_outcome_name(const char *outcome)
{
	if (!outcome)
		return "";
	if (!strcmp(outcome, "done"))
		return _("done");
	if (!strcmp(outcome, "pending"))
		return _("waiting for approval");
	if (!strcmp(outcome, "refused"))
		return _("refused");
	return outcome;
}

const char *ui_severity_name(const char *severity)
{
	if (!severity)
		return "";
	if (!strcmp(severity, "minor"))
		return _("minor");
	if (!strcmp(severity, "major"))
		return _("major");
	if (!strcmp(severity, "critical"))
		return _("critical");
	const char *v = alert_severity_value(severity);
	return v ? v : severity;
}

const char *ui_role_name(const struct web_req *r, const char *role_id)
{
	const struct policy_role *x =
	    r->profile && role_id ? policy_role(r->profile, role_id) : NULL;
	if (role_id && !strcmp(role_id, "mamori_admin"))
		return _("Mamori administrator");
	return x && x->name ? x->name : role_id ? role_id : "";
}

const char *ui_state_name(const struct web_req *r, const char *register_id, const char *state)
{
	const struct policy_register *g =
	    r->profile && register_id ? policy_register(r->profile, register_id) : NULL;
	const struct policy_state *s = g && state ? policy_register_state(g, state) : NULL;
	return s && s->name ? s->name : state ? state : "";
}

char *ui_field_value(struct web_req *r, const struct policy_field *f, const char *value)
{
	struct org_user u = { 0 };
	char *ret;

	if (!value)
		return xstrdup("");
	if (f && f->type == FIELD_SECTION)
		return ui_section_name(r, value);
	if (!f || f->type != FIELD_USER || org_user_get(r->st, value, &u, NULL) < 0)
		return xstrdup(value);
	ret = xstrdup(u.name ? u.name : value);
	org_user_release(&u);
	return ret;
}

char *ui_section_name(struct web_req *r, const char *section_id)
{
	struct org_section s = { 0 };
	char *name;

	if (!section_id)
		return xstrdup("");
	if (org_section_get(r->st, section_id, &s, NULL) < 0)
		return xstrdup(section_id);
	name = xstrdup(s.name);
	org_section_release(&s);
	return name;
}

int64_t ui_arg_id(const char *s)
{
	int64_t v;

	if (!s || parse_int64(s, 1, INT64_MAX, &v) < 0)
		return 0;
	return v;
}

bool ui_ledger_reader(const struct web_req *r)
{
	if (!r->user)
		return false;
	if (r->user->admin)
		return true;
	for (size_t i = 0; i < r->user->n_roles; i++) {
		const char *at = strrchr(r->user->roles[i], '@');
		if (at && !strcmp(at + 1, "org"))
			return true;
	}
	return false;
}

void ui_channel_note(struct web_req *r, const char *via, const char *os_user)
{
	struct strbuf t = STRBUF_INIT;

	if (!via || strcmp(via, "cli"))
		return;
	if (os_user && *os_user)
		strbuf_addf(&t, _("in their name via the CLI (OS user %s)"), os_user);
	else
		strbuf_addstr(&t, _("in their name via the CLI (OS user unknown)"));
	strbuf_addch(&r->out, ' ');
	html_elem(&r->out, "span", t.buf, "class", "tag cli", "title",
	          _("Acted with --as by whoever could open the data directory, not by the person "
	            "in the browser"),
	          HTML_END);
	strbuf_release(&t);
}
