/* grants: parsing and matching the access grants of a record (policy/grants.h). */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/grants.h"

static bool is_space(const char *s)
{
	return *s == ' ' || *s == '\t' || !strncmp(s, "\xe3\x80\x80", 3); /* U+3000 */
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && is_space(s))
		s += *s == ' ' || *s == '\t' ? 1 : 3;
	return s;
}

static const char *trim_end(const char *b, const char *e)
{
	for (;;) {
		if (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		else if (e - b >= 3 && !strncmp(e - 3, "\xe3\x80\x80", 3))
			e -= 3;
		else
			return e;
	}
}

/* An id or login: ASCII letters, digits, '_', '-', '.', at most 64. */
static bool id_ok(const char *s, size_t n)
{
	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

static int bad(struct strbuf *err, const char *item, size_t n, const char *why)
{
	error_set(err,
	          "access grant '%.*s' %s; write section:ID, user:LOGIN or role:ROLE@SCOPE "
	          "(SCOPE is org, section:ID or system:ID), separated by commas",
	          (int)n, item, why);
	return -EINVAL;
}

/* role:ROLE@SCOPE, with the scope's kind matching the role's. */
static int parse_role(const struct profile *p, const char *item, size_t n, const char *rest,
                      const char *end, struct policy_grant *g, struct strbuf *err)
{
	const char *at = memchr(rest, '@', (size_t)(end - rest));
	const char *colon;

	if (!at)
		return bad(err, item, n, "names no scope (role:ROLE@SCOPE)");
	g->kind = GRANT_ROLE;
	g->id = rest;
	g->id_len = (size_t)(at - rest);
	g->scope = at + 1;
	g->scope_len = (size_t)(end - at - 1);
	g->role = policy_role_n(p, g->id, g->id_len);
	if (!g->role)
		return bad(err, item, n, "names a role the profile does not have");
	if (g->scope_len == 3 && !memcmp(g->scope, "org", 3))
		return g->role->scope == SCOPE_ORG ? 0
		                                   : bad(err, item, n,
		                                         "names a role that is not held "
		                                         "at org");
	colon = memchr(g->scope, ':', g->scope_len);
	if (!colon || !id_ok(colon + 1, (size_t)(end - colon - 1)))
		return bad(err, item, n, "has a scope that is not org, section:ID or system:ID");
	if ((g->role->scope == SCOPE_SECTION && (size_t)(colon - g->scope) == 7 &&
	     !memcmp(g->scope, "section", 7)) ||
	    (g->role->scope == SCOPE_SYSTEM && (size_t)(colon - g->scope) == 6 &&
	     !memcmp(g->scope, "system", 6)))
		return 0;
	return bad(err, item, n, "has a scope of another kind than the role's");
}

int policy_grants_next(const struct profile *p, const char **cursor, struct policy_grant *g,
                       struct strbuf *err)
{
	const char *s = *cursor, *e, *item, *end, *colon;
	size_t n;

	for (;;) {
		e = s + strlen(s);
		s = skip_space(s, e);
		if (!*s)
			return 0;
		end = strchr(s, ',');
		if (!end)
			end = e;
		item = s;
		*cursor = *end ? end + 1 : end;
		end = trim_end(item, end);
		if (end > item)
			break;
		s = *cursor; /* an empty item: "a,,b" */
	}
	n = (size_t)(end - item);
	memset(g, 0, sizeof(*g));
	colon = memchr(item, ':', n);
	if (!colon)
		return bad(err, item, n, "has no kind");
	if ((size_t)(colon - item) == 4 && !memcmp(item, "role", 4))
		return parse_role(p, item, n, colon + 1, end, g, err) < 0 ? -EINVAL : 1;
	g->id = colon + 1;
	g->id_len = (size_t)(end - colon - 1);
	if ((size_t)(colon - item) == 7 && !memcmp(item, "section", 7))
		g->kind = GRANT_SECTION;
	else if ((size_t)(colon - item) == 4 && !memcmp(item, "user", 4))
		g->kind = GRANT_USER;
	else
		return bad(err, item, n, "is of an unknown kind");
	if (!id_ok(g->id, g->id_len))
		return bad(err, item, n, "has an id that is not lowercase letters and digits");
	return 1;
}

static bool grant_equal(const struct policy_grant *a, const struct policy_grant *b)
{
	return a->kind == b->kind && a->id_len == b->id_len && !memcmp(a->id, b->id, a->id_len) &&
	       a->scope_len == b->scope_len &&
	       (!a->scope_len || !memcmp(a->scope, b->scope, a->scope_len));
}

int policy_grants_normalize(const struct profile *p, const char *value, struct strbuf *out,
                            struct strbuf *err)
{
	struct policy_grant seen[POLICY_MAX_GRANTS], g;
	const char *cur = value ? value : "";
	unsigned n = 0;
	int r;

	while ((r = policy_grants_next(p, &cur, &g, err)) > 0) {
		static const char *const kinds[] = { "section", "user", "role" };

		for (unsigned i = 0; i < n; i++)
			if (grant_equal(&seen[i], &g)) {
				error_set(err, "access grant '%s:%.*s%s%.*s' is listed twice",
				          kinds[g.kind], (int)g.id_len, g.id, g.scope ? "@" : "",
				          (int)g.scope_len, g.scope ? g.scope : "");
				return -EINVAL;
			}
		if (n == POLICY_MAX_GRANTS) {
			error_set(err, "at most %d access grants on one record", POLICY_MAX_GRANTS);
			return -EINVAL;
		}
		seen[n++] = g;
		if (out) {
			if (n > 1)
				strbuf_addch(out, ',');
			strbuf_addf(out, "%s:%.*s", kinds[g.kind], (int)g.id_len, g.id);
			if (g.kind == GRANT_ROLE)
				strbuf_addf(out, "@%.*s", (int)g.scope_len, g.scope);
		}
	}
	return r;
}

int policy_grants_check(const struct profile *p, const char *value, struct strbuf *err)
{
	return policy_grants_normalize(p, value, NULL, err);
}

static bool span_is(const char *s, size_t n, const char *z)
{
	return z && strlen(z) == n && !memcmp(s, z, n);
}

/* A subject's "role@scope" that is, or includes, the granted role at the granted scope. */
static bool role_matches(const struct profile *p, const struct policy_grant *g, const char *spec)
{
	const char *at = strchr(spec, '@');
	const struct policy_role *r;

	if (!at || !span_is(g->scope, g->scope_len, at + 1))
		return false;
	r = policy_role_n(p, spec, (size_t)(at - spec));
	return r && ((r->implied >> g->role->index) & 1);
}

bool policy_grants_match(const struct profile *p, const char *value, const char *login,
                         const char *section, const char *const *roles, size_t n_roles)
{
	const char *cur = value ? value : "";
	struct policy_grant g;
	int r;

	if (policy_grants_check(p, cur, NULL) < 0)
		return false;
	while ((r = policy_grants_next(p, &cur, &g, NULL)) > 0) {
		switch (g.kind) {
		case GRANT_SECTION:
			if (span_is(g.id, g.id_len, section))
				return true;
			break;
		case GRANT_USER:
			if (span_is(g.id, g.id_len, login))
				return true;
			break;
		case GRANT_ROLE:
			for (size_t i = 0; i < n_roles; i++)
				if (roles[i] && role_matches(p, &g, roles[i]))
					return true;
			break;
		}
	}
	return false;
}
