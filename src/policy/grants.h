/* grants: access rights a security officer sets on a record (section:ID, user:LOGIN, role:R@S). */
#ifndef MAMORI_POLICY_GRANTS_H
#define MAMORI_POLICY_GRANTS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"
#include "policy/policy.h"

/*
 * A grants field holds a comma-separated list (CLI and CSV alike):
 *   section:zeimu             every member of that section (课等)
 *   user:sato                 one person, by login
 *   role:system_manager@system:kokuho   whoever holds that role there (org roles: @org)
 * Spaces around items are ignored; an empty value grants nothing. A subject that matches
 * a grant is treated, for that record, as holding the field's `as` role at the record's
 * section (decide_request.granted); the profile's own rules then decide as for that role.
 */
enum policy_grant_kind {
	GRANT_SECTION,
	GRANT_USER,
	GRANT_ROLE,
};

/* One grant, pointing into the value it was read from (not NUL-terminated). */
struct policy_grant {
	enum policy_grant_kind kind;
	const char *id; /* section id, login or role id */
	size_t id_len;
	const char *scope; /* GRANT_ROLE: "org", "section:ID", "system:ID" */
	size_t scope_len;
	const struct policy_role *role; /* GRANT_ROLE */
};

#define POLICY_MAX_GRANTS 64

/*
 * Reads the next grant of value at *cursor (start with *cursor = value). Returns 1 with
 * *g filled, 0 at the end, or -EINVAL with a message in err (which item, what to write).
 * Role ids and scope kinds are checked against p; whether sections and logins exist is
 * for the caller (core).
 */
int policy_grants_next(const struct profile *p, const char **cursor, struct policy_grant *g,
                       struct strbuf *err);
/* Checks a whole value: syntax, known roles, at most POLICY_MAX_GRANTS, no duplicates. */
int policy_grants_check(const struct profile *p, const char *value, struct strbuf *err);
/* The value written canonically: items trimmed, joined by ",", in the order given. */
int policy_grants_normalize(const struct profile *p, const char *value, struct strbuf *out,
                            struct strbuf *err);
/*
 * Whether a subject matches one of the grants of value: its login, its section, or one of
 * its roles ("role@scope", as in decide_request) that is or includes a granted role at the
 * granted scope. A malformed value matches nobody.
 */
bool policy_grants_match(const struct profile *p, const char *value, const char *login,
                         const char *section, const char *const *roles, size_t n_roles);

#endif
