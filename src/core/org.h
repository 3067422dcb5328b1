/* org: reading the organization: sections, systems, users, role assignments (role@scope). */
#ifndef MAMORI_CORE_ORG_H
#define MAMORI_CORE_ORG_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"

struct store;
struct profile;
struct policy_role;

/*
 * Everything here reads; changes go through the door (act.h). Lookups return 0,
 * -ENOENT when the thing does not exist (err says so, naming it), or a store error.
 * Structures own their strings: release them.
 */

struct org_section {
	char *id, *name, *parent; /* parent NULL for a top-level 部 */
	int64_t created_ms;
};
int org_section_get(struct store *st, const char *id, struct org_section *ret, struct strbuf *err);
void org_section_release(struct org_section *s);

struct org_system {
	char *id, *name, *section;
	int64_t created_ms;
};
int org_system_get(struct store *st, const char *id, struct org_system *ret, struct strbuf *err);
void org_system_release(struct org_system *s);

/* The statuses of users (MIN-5-5-6-2: only an active user may act). */
#define USER_ACTIVE    "active"
#define USER_SUSPENDED "suspended"
#define USER_RETIRED   "retired"

struct org_user {
	int64_t id;
	char *login, *name, *section, *employment, *status;
	char *title;        /* 職名 ("税務課長"), or NULL */
	char *email;        /* where notifications go, or NULL */
	char *directory_dn; /* the LDAP entry they log in as ([ldap], mamori user sync), or NULL */
	bool must_change, has_password;
	int64_t created_ms, changed_ms;
};
int org_user_get(struct store *st, const char *login, struct org_user *ret, struct strbuf *err);
int org_user_get_id(struct store *st, int64_t id, struct org_user *ret, struct strbuf *err);
void org_user_release(struct org_user *u);
/* The stored Argon2id hash into ret (owned), NULL when the user has none. */
int org_user_password_hash(struct store *st, const char *login, char **ret, struct strbuf *err);

/* One role assignment. end_ms and revoked_ms are 0 when not set. */
struct org_assignment {
	int64_t id, user_id;
	char *login, *user_name;
	char *role, *scope;
	int64_t start_ms, end_ms, revoked_ms;
};
struct org_assignments {
	struct org_assignment *items;
	size_t nr, alloc;
};
void org_assignments_release(struct org_assignments *a);
/* An assignment is in force at now: not revoked, started, not yet ended. */
bool org_assignment_active(const struct org_assignment *a, int64_t now_ms);

/*
 * Assignments filtered by login and/or role (NULL: any); with active_only, those in force
 * at now_ms. Ordered by login, role, scope.
 */
int org_assignments_list(struct store *st, const char *login, const char *role, bool active_only,
                         int64_t now_ms, struct org_assignments *ret, struct strbuf *err);

/* The "role@scope" strings a user holds at now_ms (for policy_decide's subject). */
int org_user_roles(struct store *st, int64_t user_id, int64_t now_ms, struct strv *ret,
                   struct strbuf *err);
/*
 * When the user's roles in force next change: the earliest start or end of one of their
 * assignments after now_ms (INT64_MAX when none is ahead). Until then org_user_roles gives
 * the same answer, so what was decided from it (a page, a visibility memo) may be kept.
 */
int org_roles_next_change(struct store *st, int64_t user_id, int64_t now_ms, int64_t *ret_ms,
                          struct strbuf *err);
/*
 * A user (by login, or by id when login is NULL), the roles they hold at now_ms and, when
 * ret_until is given, org_roles_next_change's answer: org_user_get(_id), org_user_roles and
 * org_roles_next_change together. On PostgreSQL one statement, one round trip where the three
 * were three (every API request and every act asked). *ret is released by the caller, also
 * after an error (as org_user_get's).
 */
int org_user_with_roles(struct store *st, const char *login, int64_t id, int64_t now_ms,
                        struct org_user *ret, struct strv *roles, int64_t *ret_until,
                        struct strbuf *err);
/* True when roles (from org_user_roles) contain role at scope. */
bool org_roles_hold(const struct strv *roles, const char *role, const char *scope);

/* Active users holding role@scope at now_ms, as user ids, ascending. */
int org_holders(struct store *st, const char *role, const char *scope, int64_t now_ms,
                int64_t **ret_ids, size_t *ret_nr, struct strbuf *err);

/*
 * Parses and checks "role@scope" against the profile and the organization:
 * "security_officer@section:zeimu", "system_manager@system:kokuho", "system_chief@org"
 * (or just "system_chief" for an org role). The role must exist (or be mamori_admin), the
 * scope kind must be the role's, and the section or system must exist. Fills ret_role
 * and ret_scope (owned). -EINVAL with a message for people otherwise.
 */
int org_parse_role_scope(struct store *st, const struct profile *p, const char *text,
                         char **ret_role, char **ret_scope, struct strbuf *err);

/* The name people read for a scope: "税務課", "国民健康保険システム", NULL for org. */
char *org_scope_name(struct store *st, const char *scope);

/* Lists (ordered by id or login). */
struct org_sections {
	struct org_section *items;
	size_t nr, alloc;
};
int org_sections_list(struct store *st, struct org_sections *ret, struct strbuf *err);
void org_sections_release(struct org_sections *l);

struct org_systems {
	struct org_system *items;
	size_t nr, alloc;
};
int org_systems_list(struct store *st, struct org_systems *ret, struct strbuf *err);
void org_systems_release(struct org_systems *l);

struct org_users {
	struct org_user *items;
	size_t nr, alloc;
};
/* section and status filter when not NULL. */
int org_users_list(struct store *st, const char *section, const char *status, struct org_users *ret,
                   struct strbuf *err);
void org_users_release(struct org_users *l);

/*
 * The administrator's user list (org-users.c): people whose login, name, 職名 or e-mail holds
 * text (case-insensitive for ASCII; NULL or "" for all), of a section and a status (NULL for
 * any), ordered by login, limit rows from offset (limit 0: all). *ret_total counts every match
 * (for paging). Returns 0 or a store error.
 */
struct org_user_query {
	const char *text, *section, *status;
	int64_t offset, limit;
};
#define ORG_USER_TEXT_MAX 100 /* characters of a search */
int org_users_search(struct store *st, const struct org_user_query *q, struct org_users *ret,
                     int64_t *ret_total, struct strbuf *err);

/* Number of users holding role (any scope) at now_ms. */
int org_count_holders(struct store *st, const char *role, int64_t now_ms, int64_t *ret,
                      struct strbuf *err);

/* The employment types of the texts (職員等, MIN-BP-3; SHJ 第6 5, 6). */
extern const char *const org_employment_types[];
/*
 * The employment id to store for what someone typed: a profile employment id as is; a
 * name the profile gives one ("非常勤職員" for Minato's 会計年度任用職員, whose name is
 * "非常勤職員（会計年度任用職員）"); else one of org_employment_types when the profile
 * declares none. NULL when none fits.
 */
const char *org_employment_resolve(const struct profile *p, const char *type);

#endif
