/*
 * form-grants: a record's access grants picked from lists (sections, people, roles with
 * where they are held), never typed: the door checks what comes back (core/act-grants.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "policy/grants.h"
#include "web/forms.h"
#include "web/html.h"
#include "web/page.h"
#include "web/ui.h"

/* At most this many kept grants are read back from one form (the door allows 64). */
#define FORM_MAX_KEPT POLICY_MAX_GRANTS

void form_grant_label(struct web_req *r, const struct policy_grant *g, struct strbuf *out)
{
	struct strbuf id = STRBUF_INIT;
	char *name = NULL;

	strbuf_add(&id, g->id, g->id_len);
	if (g->kind == GRANT_SECTION) {
		name = ui_section_name(r, id.buf);
		strbuf_addstr(out, name ? name : id.buf);
	} else if (g->kind == GRANT_USER) {
		struct org_user u = { 0 };

		if (r->st && org_user_get(r->st, id.buf, &u, NULL) == 0)
			strbuf_addf(out, "%s（%s）", u.name, id.buf);
		else
			strbuf_addstr(out, id.buf);
		org_user_release(&u);
	} else {
		strbuf_reset(&id);
		strbuf_add(&id, g->scope, g->scope_len);
		name = r->st ? org_scope_name(r->st, id.buf) : NULL;
		if (name && strcmp(name, "org"))
			strbuf_addf(out, "%s ", name);
		strbuf_addstr(out, g->role ? g->role->name : "");
	}
	free(name);
	strbuf_release(&id);
}

/* "user:sato", "role:system_manager@system:lan": a grant as the field holds it. */
static void grant_text(const struct policy_grant *g, struct strbuf *out)
{
	strbuf_reset(out);
	if (g->kind == GRANT_USER)
		strbuf_addf(out, "user:%.*s", (int)g->id_len, g->id);
	else if (g->kind == GRANT_ROLE)
		strbuf_addf(out, "role:%.*s@%.*s", (int)g->id_len, g->id, (int)g->scope_len,
		            g->scope);
	else
		strbuf_addf(out, "section:%.*s", (int)g->id_len, g->id);
}

static void box(struct strbuf *o, const char *name, const char *value, bool checked,
                const char *text)
{
	html_open(o, "label", "class", "choice", HTML_END);
	html_void(o, "input", "type", "checkbox", "name", name, "value", value, "checked",
	          checked ? "" : NULL, HTML_END);
	strbuf_addch(o, ' ');
	html_text(o, text);
	html_close(o, "label");
}

/* The people of the ward, by name with their section: a select of logins. */
static void people_select(struct web_req *r, const char *name, const char *id)
{
	struct strbuf *o = &r->out;
	struct org_users users = { 0 };
	struct strbuf text = STRBUF_INIT;

	html_open(o, "select", "name", name, "id", id, HTML_END);
	html_elem(o, "option", _("(choose)"), "value", "", HTML_END);
	if (r->st && org_users_list(r->st, NULL, USER_ACTIVE, &users, NULL) == 0) {
		for (size_t k = 0; k < users.nr; k++) {
			char *sec = ui_section_name(r, users.items[k].section);

			strbuf_reset(&text);
			strbuf_addf(&text, "%s（%s）", users.items[k].name, users.items[k].login);
			if (sec)
				strbuf_addf(&text, "・%s", sec);
			free(sec);
			html_elem(o, "option", text.buf, "value", users.items[k].login, HTML_END);
		}
	}
	html_close(o, "select");
	org_users_release(&users);
	strbuf_release(&text);
}

/* Roles by name, and where a role is held: the whole ward, a section or a system. */
static void role_selects(struct web_req *r, const char *role_name, const char *role_id,
                         const char *scope_name, const char *scope_id,
                         const struct org_sections *secs)
{
	struct strbuf *o = &r->out;
	struct org_systems systems = { 0 };
	struct strbuf v = STRBUF_INIT;

	html_open(o, "select", "name", role_name, "id", role_id, HTML_END);
	html_elem(o, "option", _("(choose)"), "value", "", HTML_END);
	for (unsigned k = 0; r->profile && k < r->profile->n_roles; k++)
		html_elem(o, "option", r->profile->roles[k].name, "value", r->profile->roles[k].id,
		          HTML_END);
	html_close(o, "select");
	html_elem(o, "label", _("Where the role is held"), "for", scope_id, HTML_END);
	html_open(o, "select", "name", scope_name, "id", scope_id, HTML_END);
	html_elem(o, "option", _("The whole ward"), "value", "org", HTML_END);
	for (size_t k = 0; secs && k < secs->nr; k++) {
		strbuf_reset(&v);
		strbuf_addf(&v, "section:%s", secs->items[k].id);
		html_elem(o, "option", secs->items[k].name, "value", v.buf, HTML_END);
	}
	if (r->st && org_systems_list(r->st, &systems, NULL) == 0) {
		for (size_t k = 0; k < systems.nr; k++) {
			strbuf_reset(&v);
			strbuf_addf(&v, "system:%s", systems.items[k].id);
			html_elem(o, "option", systems.items[k].name, "value", v.buf, HTML_END);
		}
	}
	html_close(o, "select");
	org_systems_release(&systems);
	strbuf_release(&v);
}

void form_grants(struct web_req *r, const struct policy_field *f, const char *label, const char *v,
                 const struct org_sections *secs)
{
	struct strbuf *o = &r->out;
	struct strbuf name = STRBUF_INIT, id = STRBUF_INIT, item = STRBUF_INIT, text = STRBUF_INIT,
	              err = STRBUF_INIT;
	struct policy_grant g;
	const char *cur = v;
	unsigned kept = 0;
	char n[16];

	html_open(o, "fieldset", "class", "grants", HTML_END);
	html_elem(o, "legend", label, HTML_END);
	for (size_t k = 0; secs && k < secs->nr; k++) {
		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s.s.%s", f->id, secs->items[k].id);
		strbuf_reset(&item);
		strbuf_addf(&item, "section:%s", secs->items[k].id);
		box(o, name.buf, "1", form_list_has(v, item.buf), secs->items[k].name);
	}
	/* the people and roles already given access: ticked, untick to take one away */
	while (r->profile && cur && policy_grants_next(r->profile, &cur, &g, &err) > 0 &&
	       kept < FORM_MAX_KEPT) {
		if (g.kind == GRANT_SECTION)
			continue;
		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s.g.%u", f->id, kept++);
		grant_text(&g, &item);
		strbuf_reset(&text);
		form_grant_label(r, &g, &text);
		box(o, name.buf, item.buf, true, text.buf);
	}
	if (kept)
		html_elem(o, "div", _("Untick a person or role to take the access away."), "class",
		          "hint", HTML_END);
	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.gn", f->id);
	snprintf(n, sizeof(n), "%u", kept);
	html_void(o, "input", "type", "hidden", "name", name.buf, "value", n, HTML_END);

	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.user", f->id);
	strbuf_reset(&id);
	strbuf_addf(&id, "f-%s-user", f->id);
	html_open(o, "div", "class", "pick", HTML_END);
	html_elem(o, "label", _("Add a person"), "for", id.buf, HTML_END);
	people_select(r, name.buf, id.buf);
	html_close(o, "div");

	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.role", f->id);
	strbuf_reset(&id);
	strbuf_addf(&id, "f-%s-role", f->id);
	strbuf_reset(&item);
	strbuf_addf(&item, FORM_PREFIX "%s.scope", f->id);
	strbuf_reset(&text);
	strbuf_addf(&text, "f-%s-scope", f->id);
	html_open(o, "div", "class", "pick", HTML_END);
	html_elem(o, "label", _("Add a role"), "for", id.buf, HTML_END);
	role_selects(r, name.buf, id.buf, item.buf, text.buf, secs);
	html_close(o, "div");
	html_close(o, "fieldset");
	strbuf_release(&name);
	strbuf_release(&id);
	strbuf_release(&item);
	strbuf_release(&text);
	strbuf_release(&err);
}

static void add_item(struct strbuf *out, const char *item)
{
	if (*item && !form_list_has(out->buf, item))
		strbuf_addf(out, "%s%s", out->len ? "," : "", item);
}

void form_grants_collect(struct web_req *r, const struct policy_field *f, struct strbuf *out)
{
	struct strbuf name = STRBUF_INIT, item = STRBUF_INIT;
	struct org_sections secs = { 0 };
	const char *v, *role;
	unsigned long kept = 0;
	char *end = NULL;

	strbuf_reset(out);
	if (org_sections_list(r->st, &secs, NULL) == 0) {
		for (size_t k = 0; k < secs.nr; k++) {
			strbuf_reset(&name);
			strbuf_addf(&name, FORM_PREFIX "%s.s.%s", f->id, secs.items[k].id);
			strbuf_reset(&item);
			strbuf_addf(&item, "section:%s", secs.items[k].id);
			if (web_form(r, name.buf))
				add_item(out, item.buf);
		}
		org_sections_release(&secs);
	}
	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.gn", f->id);
	v = web_form(r, name.buf);
	if (v && *v >= '0' && *v <= '9') {
		kept = strtoul(v, &end, 10);
		if (*end || kept > FORM_MAX_KEPT)
			kept = FORM_MAX_KEPT;
	}
	for (unsigned long k = 0; k < kept; k++) {
		strbuf_reset(&name);
		strbuf_addf(&name, FORM_PREFIX "%s.g.%lu", f->id, k);
		v = web_form(r, name.buf);
		if (v)
			add_item(out, v);
	}
	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.user", f->id);
	v = web_form(r, name.buf);
	if (v && *v) {
		strbuf_reset(&item);
		strbuf_addf(&item, "user:%s", v);
		add_item(out, item.buf);
	}
	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.role", f->id);
	role = web_form(r, name.buf);
	strbuf_reset(&name);
	strbuf_addf(&name, FORM_PREFIX "%s.scope", f->id);
	v = web_form(r, name.buf);
	if (role && *role) {
		strbuf_reset(&item);
		strbuf_addf(&item, "role:%s@%s", role, v && *v ? v : "org");
		add_item(out, item.buf);
	}
	strbuf_release(&name);
	strbuf_release(&item);
}

static const char *scope_kind_name(enum policy_scope_kind k)
{
	switch (k) {
	case SCOPE_SECTION:
		return _("a section");
	case SCOPE_SYSTEM:
		return _("an information system");
	case SCOPE_ORG:
		break;
	}
	return _("the whole ward");
}

/* One item the lists made, in Japanese when it is wrong: a role held elsewhere, no such login. */
static int check_item(struct web_req *r, const char *item, struct strbuf *err)
{
	struct strbuf ignored = STRBUF_INIT, id = STRBUF_INIT;
	const char *cur = item;
	struct policy_grant g;
	int ret = 0;

	if (policy_grants_next(r->profile, &cur, &g, &ignored) < 0) {
		const char *at = strchr(item, '@');
		const struct policy_role *role =
		    !strncmp(item, "role:", 5) && at
		        ? policy_role_n(r->profile, item + 5, (size_t)(at - item - 5))
		        : NULL;

		if (role)
			error_set(
			    err,
			    _("The role \"%s\" is held in %s: choose that as where it is held."),
			    role->name, scope_kind_name(role->scope));
		else
			error_set(err, "%s",
			          _("An access right could not be read: choose it again "
			            "from the lists."));
		ret = -EINVAL;
	} else if (g.kind == GRANT_USER) {
		struct org_user u = { 0 };

		strbuf_add(&id, g.id, g.id_len);
		if (!r->st || org_user_get(r->st, id.buf, &u, NULL) < 0) {
			error_set(err, _("There is no person with the login \"%s\"."), id.buf);
			ret = -EINVAL;
		}
		org_user_release(&u);
	}
	strbuf_release(&ignored);
	strbuf_release(&id);
	return ret;
}

int form_grants_check(struct web_req *r, const char *v, struct strbuf *err)
{
	struct strbuf item = STRBUF_INIT;
	int ret = 0;

	while (r->profile && v && *v && ret == 0) {
		const char *e = strchr(v, ',');

		strbuf_reset(&item);
		strbuf_add(&item, v, e ? (size_t)(e - v) : strlen(v));
		ret = check_item(r, item.buf, err);
		v = e ? e + 1 : NULL;
	}
	strbuf_release(&item);
	return ret;
}
