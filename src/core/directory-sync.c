/* directory-sync: the directory's people, sections and groups made Mamori's through the door;
 * people who left it suspended (core/directory-sync.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/directory-sync.h"
#include "core/org.h"

struct sync_ctx {
	struct door *d;
	const char *actor;
	const struct act_context *ctx;
	bool dry;
	struct dir_sync *out;
};

static struct dir_change *change_add(struct dir_sync *s, const char *login, const char *change,
                                     char *detail)
{
	struct dir_change *c;

	ALLOC_GROW(s->items, s->nr, s->alloc);
	c = &s->items[s->nr++];
	memset(c, 0, sizeof(*c));
	c->login = xstrdup(login);
	c->change = change;
	c->detail = detail;
	return c;
}

/* Runs one act (unless dry) and lists it. */
static int act(struct sync_ctx *x, enum act_kind kind, const char *login, const char *change,
               char *detail, const struct act_attr *fields, size_t n_fields, struct strbuf *err)
{
	struct dir_change *c = change_add(x->out, login, change, detail);
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { 0 };
	int r;

	if (x->dry)
		return 0;
	in.kind = kind;
	in.actor = x->actor;
	in.target = login;
	in.fields = fields;
	in.n_fields = n_fields;
	in.ctx = *x->ctx;
	r = act_run(x->d, &in, &res, err);
	if (r == 0 && res.outcome == ACT_REFUSED) {
		c->refused = true;
		c->message = xstrdup(res.message ? res.message : "refused");
		x->out->refused++;
	}
	act_result_release(&res);
	return r;
}

/* A directory login as Mamori's: ASCII letters lowered; NULL when it cannot be one. */
static char *mamori_login(const char *login)
{
	char *l = login ? xstrdup(login) : NULL;

	for (char *p = l; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (l && !core_valid_login(l)) {
		free(l);
		return NULL;
	}
	return l;
}

static int person(struct sync_ctx *x, const struct dir_person *p, const char *login,
                  struct strbuf *err)
{
	struct store *st = door_store(x->d);
	struct org_user u = { 0 };
	struct act_attr f[4];
	size_t nf = 0;
	int r;

	if (org_user_get(st, login, &u, NULL) < 0) {
		if (!p->section) {
			change_add(x->out, login, "skip",
			           xstrfmt("%s: no [ldap] section line holds them", p->dn));
			return 0;
		}
		if (!p->name || !core_valid_name(p->name, CORE_MAX_NAME)) {
			change_add(x->out, login, "skip",
			           xstrfmt("%s: no usable name in the directory", p->dn));
			return 0;
		}
		f[nf++] = (struct act_attr){ "name", p->name };
		f[nf++] = (struct act_attr){ "section", p->section };
		f[nf++] = (struct act_attr){ "directory_dn", p->dn };
		if (p->email && core_valid_email(p->email))
			f[nf++] = (struct act_attr){ "email", p->email };
		return act(x, ACT_USER_ADD, login, "add", xstrfmt("%s（%s）", p->name, p->section),
		           f, nf, err);
	}
	r = 0;
	if (!u.directory_dn || !dir_dn_equal(u.directory_dn, p->dn)) {
		struct act_attr link = { "directory_dn", p->dn };
		r = act(x, ACT_USER_UPDATE, login, "link", xstrdup(p->dn), &link, 1, err);
	}
	if (r == 0 && p->name && core_valid_name(p->name, CORE_MAX_NAME) && strcmp(p->name, u.name))
		f[nf++] = (struct act_attr){ "name", p->name };
	if (r == 0 && p->email && core_valid_email(p->email) &&
	    (!u.email || strcmp(p->email, u.email)))
		f[nf++] = (struct act_attr){ "email", p->email };
	if (r == 0 && nf)
		r = act(x, ACT_USER_UPDATE, login, "update",
		        xstrfmt("%s%s%s", f[0].value, nf > 1 ? " " : "", nf > 1 ? f[1].value : ""),
		        f, nf, err);
	if (r == 0 && p->section && (!u.section || strcmp(p->section, u.section)))
		change_add(x->out, login, "note",
		           xstrfmt("section %s in the directory, %s here: a transfer is made in "
		                   "Mamori (not changed)",
		                   p->section, u.section ? u.section : "none"));
	if (r == 0 && strcmp(u.status, USER_ACTIVE))
		change_add(x->out, login, "note",
		           xstrfmt("%s here: 'mamori user activate' lifts it", u.status));
	org_user_release(&u);
	return r;
}

/* Is the user (by id) linked to a directory entry, and which login? */
static bool linked(struct store *st, int64_t id, char **ret_login, char **ret_dn)
{
	struct org_user u = { 0 };
	bool yes = org_user_get_id(st, id, &u, NULL) == 0 && u.directory_dn;

	if (yes) {
		*ret_login = xstrdup(u.login);
		*ret_dn = xstrdup(u.directory_dn);
	}
	org_user_release(&u);
	return yes;
}

static int group(struct sync_ctx *x, const struct dir_conf *dc, size_t g,
                 const struct dir_people *people, char **logins, struct strbuf *err)
{
	struct store *st = door_store(x->d);
	char *role = NULL, *scope = NULL;
	int64_t *ids = NULL;
	size_t n = 0;
	struct act_attr f = { "role", dc->groups[g].what };
	int r =
	    org_parse_role_scope(st, door_profile(x->d), dc->groups[g].what, &role, &scope, err);

	if (r < 0) {
		char *why = strbuf_detach(err, NULL);
		error_set(err, "[ldap] group %s: %s", dc->groups[g].what, why);
		free(why);
		return r;
	}
	r = org_holders(st, role, scope, time_now_ms(), &ids, &n, err);
	for (size_t i = 0; r == 0 && i < people->nr; i++) {
		struct org_user u = { 0 };
		bool holds = false;

		if (!people->items[i].in_group[g] || !logins[i])
			continue;
		if (org_user_get(st, logins[i], &u, NULL) == 0) {
			for (size_t k = 0; k < n; k++)
				holds = holds || ids[k] == u.id;
		} else if (!x->dry) {
			continue; /* skipped above */
		}
		if (!holds)
			r = act(x, ACT_ROLE_GRANT, logins[i], "grant", xstrdup(f.value), &f, 1,
			        err);
		org_user_release(&u);
	}
	for (size_t k = 0; r == 0 && k < n; k++) {
		char *login = NULL, *dn = NULL;
		bool member = false;

		if (!linked(st, ids[k], &login, &dn))
			continue;
		for (size_t i = 0; i < people->nr && !member; i++)
			member =
			    people->items[i].in_group[g] && dir_dn_equal(people->items[i].dn, dn);
		if (!member)
			r = act(x, ACT_ROLE_REVOKE, login, "revoke", xstrdup(f.value), &f, 1, err);
		free(login);
		free(dn);
	}
	free(ids);
	free(role);
	free(scope);
	return r;
}

/* Linked, active people the directory no longer holds. */
static int vanished(struct sync_ctx *x, const struct dir_people *people, struct strbuf *err)
{
	struct org_users l = { 0 };
	int r = org_users_list(door_store(x->d), NULL, USER_ACTIVE, &l, err);

	for (size_t i = 0; r == 0 && i < l.nr; i++) {
		bool found = false;

		if (!l.items[i].directory_dn)
			continue;
		for (size_t k = 0; k < people->nr && !found; k++)
			found = dir_dn_equal(people->items[k].dn, l.items[i].directory_dn);
		if (!found)
			r = act(x, ACT_USER_SUSPEND, l.items[i].login, "suspend",
			        xstrfmt("%s: no longer in the directory", l.items[i].directory_dn),
			        NULL, 0, err);
	}
	org_users_release(&l);
	return r;
}

int dir_sync_run(struct door *d, const struct dir_conf *dc, const struct dir_people *people,
                 const char *actor, const struct act_context *ctx, bool dry, struct dir_sync *ret,
                 struct strbuf *err)
{
	struct sync_ctx x = { .d = d, .actor = actor, .ctx = ctx, .dry = dry, .out = ret };
	char **logins;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->people = people->nr;
	if (!people->nr) {
		error_set(
		    err,
		    "the directory returned nobody under %s: nothing was changed (check [ldap] "
		    "base_dn and login_attribute)",
		    dc->base_dn);
		return -ENOENT;
	}
	logins = xcalloc(people->nr, sizeof(*logins));
	for (size_t i = 0; i < people->nr; i++) {
		const struct dir_person *p = &people->items[i];

		logins[i] = mamori_login(p->login);
		if (!logins[i])
			change_add(ret, p->login ? p->login : "?", "skip",
			           xstrfmt("%s: '%s' cannot be a Mamori login", p->dn,
			                   p->login ? p->login : ""));
		else
			r = person(&x, p, logins[i], err);
		if (r < 0)
			break;
	}
	for (size_t g = 0; r == 0 && g < dc->n_groups; g++)
		r = group(&x, dc, g, people, logins, err);
	if (r == 0)
		r = vanished(&x, people, err);
	for (size_t i = 0; i < people->nr; i++)
		free(logins[i]);
	free(logins);
	return r;
}

void dir_sync_release(struct dir_sync *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		free(s->items[i].login);
		free(s->items[i].detail);
		free(s->items[i].message);
	}
	free(s->items);
	memset(s, 0, sizeof(*s));
}
