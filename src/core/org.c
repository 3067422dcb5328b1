/* org: reading the organization: sections, systems, users, role assignments (role@scope). */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/org.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

const char *const org_employment_types[] = {
	"職員", "非常勤職員", "指定管理者", "受託事業者", "派遣労働者", NULL,
};

const char *org_employment_resolve(const struct profile *p, const char *type)
{
	if (!type || !*type)
		return NULL;
	if (p && p->n_employment) {
		for (unsigned i = 0; i < p->n_employment; i++)
			if (!strcmp(p->employment[i].id, type))
				return p->employment[i].id;
		for (unsigned i = 0; i < p->n_employment; i++)
			if (p->employment[i].name && strstr(p->employment[i].name, type))
				return p->employment[i].id;
		/* Part-time staff have been 会計年度任用職員 since 令和2年 (地方公務員法 22条の2).
		 */
		if (!strcmp(type, "非常勤職員"))
			return org_employment_resolve(p, "会計年度任用職員");
		return NULL;
	}
	for (int i = 0; org_employment_types[i]; i++)
		if (!strcmp(org_employment_types[i], type))
			return org_employment_types[i];
	return NULL;
}

/* ---- sections and systems ---------------------------------------------------- */

static void section_from_row(struct query *s, struct org_section *ret)
{
	ret->id = query_strdup(s, 0);
	ret->name = query_strdup(s, 1);
	ret->parent = query_strdup(s, 2);
	ret->created_ms = query_int(s, 3);
}

int org_section_get(struct store *st, const char *id, struct org_section *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st, "SELECT id, name, parent, created_ms FROM sections WHERE id = ?", err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, id);
	rc = query_step(s, err);
	if (rc > 0) {
		section_from_row(s, ret);
		query_done(s);
		return 0;
	}
	query_done(s);
	if (rc != 0)
		return rc;
	error_set(err, "no section '%s'; see 'mamori section list'", id);
	return -ENOENT;
}

void org_section_release(struct org_section *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->name);
	free(s->parent);
	memset(s, 0, sizeof(*s));
}

int org_sections_list(struct store *st, struct org_sections *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st, "SELECT id, name, parent, created_ms FROM sections ORDER BY id", err);
	int rc;

	if (!s)
		return -EIO;
	while ((rc = query_step(s, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		section_from_row(s, &ret->items[ret->nr++]);
	}
	query_done(s);
	return rc;
}

void org_sections_release(struct org_sections *l)
{
	for (size_t i = 0; i < l->nr; i++)
		org_section_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void system_from_row(struct query *s, struct org_system *ret)
{
	ret->id = query_strdup(s, 0);
	ret->name = query_strdup(s, 1);
	ret->section = query_strdup(s, 2);
	ret->created_ms = query_int(s, 3);
}

int org_system_get(struct store *st, const char *id, struct org_system *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st, "SELECT id, name, section, created_ms FROM systems WHERE id = ?", err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, id);
	rc = query_step(s, err);
	if (rc > 0) {
		system_from_row(s, ret);
		query_done(s);
		return 0;
	}
	query_done(s);
	if (rc != 0)
		return rc;
	error_set(err, "no information system '%s'; see 'mamori system list'", id);
	return -ENOENT;
}

void org_system_release(struct org_system *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->name);
	free(s->section);
	memset(s, 0, sizeof(*s));
}

int org_systems_list(struct store *st, struct org_systems *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st, "SELECT id, name, section, created_ms FROM systems ORDER BY id", err);
	int rc;

	if (!s)
		return -EIO;
	while ((rc = query_step(s, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		system_from_row(s, &ret->items[ret->nr++]);
	}
	query_done(s);
	return rc;
}

void org_systems_release(struct org_systems *l)
{
	for (size_t i = 0; i < l->nr; i++)
		org_system_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

char *org_scope_name(struct store *st, const char *scope)
{
	struct org_section sec = { 0 };
	struct org_system sys = { 0 };
	char *name = NULL;

	if (!scope)
		return NULL;
	if (!strncmp(scope, "section:", 8)) {
		if (org_section_get(st, scope + 8, &sec, NULL) == 0) {
			name = sec.name;
			sec.name = NULL;
		}
		org_section_release(&sec);
	} else if (!strncmp(scope, "system:", 7)) {
		if (org_system_get(st, scope + 7, &sys, NULL) == 0) {
			name = sys.name;
			sys.name = NULL;
		}
		org_system_release(&sys);
	}
	return name;
}

/* ---- users ---------------------------------------------------------------------- */

#define USER_COLUMNS                                                                               \
	"id, login, name, section, employment, status, must_change, password_hash IS NOT NULL, "   \
	"created_ms, changed_ms, title, email, directory_dn"

static void user_from_row(struct query *s, struct org_user *ret)
{
	ret->id = query_int(s, 0);
	ret->login = query_strdup(s, 1);
	ret->name = query_strdup(s, 2);
	ret->section = query_strdup(s, 3);
	ret->employment = query_strdup(s, 4);
	ret->status = query_strdup(s, 5);
	ret->must_change = (int)query_int(s, 6) != 0;
	ret->has_password = (int)query_int(s, 7) != 0;
	ret->created_ms = query_int(s, 8);
	ret->changed_ms = query_int(s, 9);
	ret->title = query_strdup(s, 10);
	ret->email = query_strdup(s, 11);
	ret->directory_dn = query_strdup(s, 12);
}

static int user_get(struct store *st, struct query *s, const char *what, struct org_user *ret,
                    struct strbuf *err)
{
	int rc = query_step(s, err);

	if (rc > 0) {
		user_from_row(s, ret);
		query_done(s);
		return 0;
	}
	query_done(s);
	if (rc != 0)
		return rc;
	error_set(err, "no user '%s'; see 'mamori user list'", what);
	return -ENOENT;
}

int org_user_get(struct store *st, const char *login, struct org_user *ret, struct strbuf *err)
{
	struct query *s = query_get(st, "SELECT " USER_COLUMNS " FROM users WHERE login = ?", err);

	if (!s)
		return -EIO;
	query_bind_text(s, 1, login);
	return user_get(st, s, login, ret, err);
}

int org_user_get_id(struct store *st, int64_t id, struct org_user *ret, struct strbuf *err)
{
	struct query *s = query_get(st, "SELECT " USER_COLUMNS " FROM users WHERE id = ?", err);
	char what[32];

	if (!s)
		return -EIO;
	query_bind_int(s, 1, id);
	snprintf(what, sizeof(what), "#%lld", (long long)id);
	return user_get(st, s, what, ret, err);
}

void org_user_release(struct org_user *u)
{
	if (!u)
		return;
	free(u->login);
	free(u->name);
	free(u->section);
	free(u->employment);
	free(u->status);
	free(u->title);
	free(u->email);
	free(u->directory_dn);
	memset(u, 0, sizeof(*u));
}

int org_users_list(struct store *st, const char *section, const char *status, struct org_users *ret,
                   struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT " USER_COLUMNS " FROM users"
	                            " WHERE (?1 IS NULL OR section = ?1)"
	                            " AND (?2 IS NULL OR status = ?2) ORDER BY login",
	                            err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, section);
	query_bind_text(s, 2, status);
	while ((rc = query_step(s, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		user_from_row(s, &ret->items[ret->nr++]);
	}
	query_done(s);
	return rc;
}

void org_users_release(struct org_users *l)
{
	for (size_t i = 0; i < l->nr; i++)
		org_user_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int org_user_password_hash(struct store *st, const char *login, char **ret, struct strbuf *err)
{
	struct query *s = query_get(st, "SELECT password_hash FROM users WHERE login = ?", err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, login);
	rc = query_step(s, err);
	if (rc > 0) {
		*ret = query_strdup(s, 0);
		query_done(s);
		return 0;
	}
	query_done(s);
	if (rc != 0)
		return rc;
	error_set(err, "no user '%s'; see 'mamori user list'", login);
	return -ENOENT;
}

int org_count_holders(struct store *st, const char *role, int64_t now_ms, int64_t *ret,
                      struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT count(DISTINCT a.user_id) FROM role_assignments a"
	                            " JOIN users u ON u.id = a.user_id"
	                            " WHERE a.role = ?1 AND a.revoked_ms IS NULL"
	                            " AND a.start_ms <= ?2 AND (a.end_ms IS NULL OR a.end_ms > ?2)"
	                            " AND u.status = 'active'",
	                            err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, role);
	query_bind_int(s, 2, now_ms);
	rc = query_step(s, err);
	if (rc > 0)
		*ret = query_int(s, 0);
	query_done(s);
	return rc > 0 ? 0 : rc;
}

/* ---- role assignments ---------------------------------------------------------- */

bool org_assignment_active(const struct org_assignment *a, int64_t now_ms)
{
	return !a->revoked_ms && a->start_ms <= now_ms && (!a->end_ms || a->end_ms > now_ms);
}

int org_assignments_list(struct store *st, const char *login, const char *role, bool active_only,
                         int64_t now_ms, struct org_assignments *ret, struct strbuf *err)
{
	struct query *s =
	    query_get(st,
	              "SELECT a.id, a.user_id, u.login, u.name, a.role, a.scope, a.start_ms,"
	              " coalesce(a.end_ms, 0), coalesce(a.revoked_ms, 0)"
	              " FROM role_assignments a JOIN users u ON u.id = a.user_id"
	              " WHERE (?1 IS NULL OR u.login = ?1) AND (?2 IS NULL OR a.role = ?2)"
	              " AND (?3 = 0 OR (a.revoked_ms IS NULL AND a.start_ms <= ?4"
	              "  AND (a.end_ms IS NULL OR a.end_ms > ?4)))"
	              " ORDER BY u.login, a.role, a.scope, a.id",
	              err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, login);
	query_bind_text(s, 2, role);
	query_bind_int(s, 3, active_only);
	query_bind_int(s, 4, now_ms);
	while ((rc = query_step(s, err)) > 0) {
		struct org_assignment *a;
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		a = &ret->items[ret->nr++];
		a->id = query_int(s, 0);
		a->user_id = query_int(s, 1);
		a->login = query_strdup(s, 2);
		a->user_name = query_strdup(s, 3);
		a->role = query_strdup(s, 4);
		a->scope = query_strdup(s, 5);
		a->start_ms = query_int(s, 6);
		a->end_ms = query_int(s, 7);
		a->revoked_ms = query_int(s, 8);
	}
	query_done(s);
	return rc;
}

void org_assignments_release(struct org_assignments *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		free(l->items[i].login);
		free(l->items[i].user_name);
		free(l->items[i].role);
		free(l->items[i].scope);
	}
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int org_user_roles(struct store *st, int64_t user_id, int64_t now_ms, struct strv *ret,
                   struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT role, scope FROM role_assignments"
	                            " WHERE user_id = ?1 AND revoked_ms IS NULL"
	                            " AND start_ms <= ?2 AND (end_ms IS NULL OR end_ms > ?2)"
	                            " ORDER BY role, scope",
	                            err);
	int rc;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, user_id);
	query_bind_int(s, 2, now_ms);
	while ((rc = query_step(s, err)) > 0)
		strv_pushf(ret, "%s@%s", query_text(s, 0), query_text(s, 1));
	query_done(s);
	return rc;
}

int org_roles_next_change(struct store *st, int64_t user_id, int64_t now_ms, int64_t *ret_ms,
                          struct strbuf *err)
{
	struct query *q;
	int64_t next = INT64_MAX;
	int r;

	r = query_prepare(st,
	                  "SELECT min(t) FROM ("
	                  " SELECT start_ms AS t FROM role_assignments"
	                  "  WHERE user_id = ?1 AND revoked_ms IS NULL AND start_ms > ?2"
	                  " UNION ALL"
	                  " SELECT end_ms FROM role_assignments"
	                  "  WHERE user_id = ?1 AND revoked_ms IS NULL AND end_ms > ?2) AS c",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, user_id);
	query_bind_int(q, 2, now_ms);
	r = query_step(q, err);
	if (r < 0)
		return r;
	if (r > 0 && !query_is_null(q, 0))
		next = query_int(q, 0);
	query_done(q);
	*ret_ms = next;
	return 0;
}

/* The user's row, then their roles in force at ?2 (one line each) and the next change of them. */
#define USER_WITH_ROLES_PG                                                                         \
	"SELECT " USER_COLUMNS ","                                                                 \
	" (SELECT string_agg(a.role || '@' || a.scope, chr(10) ORDER BY a.role, a.scope)"          \
	"   FROM role_assignments a WHERE a.user_id = users.id AND a.revoked_ms IS NULL"           \
	"   AND a.start_ms <= ?2 AND (a.end_ms IS NULL OR a.end_ms > ?2)),"                        \
	" (SELECT min(t) FROM (SELECT start_ms AS t FROM role_assignments"                         \
	"   WHERE user_id = users.id AND revoked_ms IS NULL AND start_ms > ?2"                     \
	"   UNION ALL SELECT end_ms FROM role_assignments"                                         \
	"   WHERE user_id = users.id AND revoked_ms IS NULL AND end_ms > ?2) AS c)"                \
	" FROM users WHERE "

int org_user_with_roles(struct store *st, const char *login, int64_t id, int64_t now_ms,
                        struct org_user *ret, struct strv *roles, int64_t *ret_until,
                        struct strbuf *err)
{
	struct query *q;
	char what[32];
	int r;

	if (store_dialect(st) != STORE_POSTGRESQL) {
		r = login ? org_user_get(st, login, ret, err) : org_user_get_id(st, id, ret, err);
		if (r == 0)
			r = org_user_roles(st, ret->id, now_ms, roles, err);
		if (r == 0 && ret_until)
			r = org_roles_next_change(st, ret->id, now_ms, ret_until, err);
		return r;
	}
	q = query_get(st, login ? USER_WITH_ROLES_PG "login = ?1" : USER_WITH_ROLES_PG "id = ?1",
	              err);
	if (!q)
		return -EIO;
	if (login)
		query_bind_text(q, 1, login);
	else
		query_bind_int(q, 1, id);
	query_bind_int(q, 2, now_ms);
	r = query_step(q, err);
	if (r <= 0) {
		if (r < 0)
			return r;
		snprintf(what, sizeof(what), "#%lld", (long long)id);
		error_set(err, "no user '%s'; see 'mamori user list'", login ? login : what);
		return -ENOENT;
	}
	user_from_row(q, ret);
	for (const char *p = query_text(q, 13), *nl; p && *p; p = nl ? nl + 1 : "") {
		nl = strchr(p, '\n');
		strv_pushf(roles, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
	}
	if (ret_until)
		*ret_until = query_is_null(q, 14) ? INT64_MAX : query_int(q, 14);
	query_done(q);
	return 0;
}

bool org_roles_hold(const struct strv *roles, const char *role, const char *scope)
{
	size_t rl = strlen(role);

	for (size_t i = 0; i < roles->nr; i++) {
		const char *r = roles->items[i];
		if (!strncmp(r, role, rl) && r[rl] == '@' && !strcmp(r + rl + 1, scope))
			return true;
	}
	return false;
}

int org_holders(struct store *st, const char *role, const char *scope, int64_t now_ms,
                int64_t **ret_ids, size_t *ret_nr, struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT DISTINCT a.user_id FROM role_assignments a"
	                            " JOIN users u ON u.id = a.user_id"
	                            " WHERE a.role = ?1 AND a.scope = ?2 AND a.revoked_ms IS NULL"
	                            " AND a.start_ms <= ?3 AND (a.end_ms IS NULL OR a.end_ms > ?3)"
	                            " AND u.status = 'active' ORDER BY a.user_id",
	                            err);
	int64_t *ids = NULL;
	size_t nr = 0, alloc = 0;
	int rc;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, role);
	query_bind_text(s, 2, scope);
	query_bind_int(s, 3, now_ms);
	while ((rc = query_step(s, err)) > 0) {
		ALLOC_GROW(ids, nr, alloc);
		ids[nr++] = query_int(s, 0);
	}
	query_done(s);
	if (rc != 0) {
		free(ids);
		return rc;
	}
	*ret_ids = ids;
	*ret_nr = nr;
	return 0;
}

int org_parse_role_scope(struct store *st, const struct profile *p, const char *text,
                         char **ret_role, char **ret_scope, struct strbuf *err)
{
	const char *at = text ? strchr(text, '@') : NULL;
	_cleanup_free_ char *role = NULL;
	const char *scope;
	enum policy_scope_kind kind = SCOPE_ORG;
	const struct policy_role *pr = NULL;
	int r;

	if (!text || !*text) {
		error_set(err, "a role is needed, as ROLE@SCOPE (security_officer@section:zeimu)");
		return -EINVAL;
	}
	role = at ? xstrndup(text, (size_t)(at - text)) : xstrdup(text);
	scope = at ? at + 1 : "org";
	if (!strcmp(role, ROLE_MAMORI_ADMIN)) {
		kind = SCOPE_ORG;
	} else {
		pr = p ? policy_role(p, role) : NULL;
		if (!pr) {
			error_set(
			    err,
			    "unknown role '%s' in '%s'; the roles of the profile are listed by "
			    "'mamori policy show'",
			    role, text);
			return -EINVAL;
		}
		kind = pr->scope;
	}
	if (!strcmp(scope, "org")) {
		if (kind != SCOPE_ORG)
			goto wrong_kind;
	} else if (!strncmp(scope, "section:", 8)) {
		struct org_section sec = { 0 };
		if (kind != SCOPE_SECTION)
			goto wrong_kind;
		r = org_section_get(st, scope + 8, &sec, err);
		org_section_release(&sec);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
	} else if (!strncmp(scope, "system:", 7)) {
		struct org_system sys = { 0 };
		if (kind != SCOPE_SYSTEM)
			goto wrong_kind;
		r = org_system_get(st, scope + 7, &sys, err);
		org_system_release(&sys);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
	} else {
		error_set(err, "bad scope '%s' in '%s': write org, section:ID or system:ID", scope,
		          text);
		return -EINVAL;
	}
	*ret_role = role;
	role = NULL;
	*ret_scope = xstrdup(scope);
	return 0;
wrong_kind:
	error_set(err, "role '%s' is held at %s scope, not at '%s' (write %s@%s)", role,
	          policy_scope_kind_name(kind), scope, role,
	          kind == SCOPE_ORG       ? "org"
	          : kind == SCOPE_SECTION ? "section:ID"
	                                  : "system:ID");
	return -EINVAL;
}
