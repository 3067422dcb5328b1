/* forms: input forms generated from the profile's field types, and reading them back. */
#ifndef MAMORI_WEB_FORMS_H
#define MAMORI_WEB_FORMS_H

#include "core/org.h"
#include "policy/grants.h"
#include "policy/policy.h"
#include "web/web.h"

/* Form field names are "f.<field id>", so they never clash with csrf, comment ... */
#define FORM_PREFIX "f."

/* Whether the comma-separated list v holds item (spaces around items ignored). */
bool form_list_has(const char *v, const char *item);

/*
 * One labelled input per field, by type: text, number, checkbox (bool), date,
 * datetime-local, a select for enum, level and section fields, boxes for a set, pickers for
 * grants (form_grants). Values come from the
 * submitted form (to show it again after an error), else from defaults (field id -> value,
 * may be NULL). Required fields carry "required" and a mark.
 */
void form_fields(struct web_req *r, const struct policy_field *fields, unsigned n,
                 const struct web_params *defaults);

/*
 * Reads the fields back from the POST into out (field id -> value as the profile's types
 * want it: a datetime-local "2026-11-22T10:30" becomes "2026-11-22T10:30:00+09:00", an
 * unticked checkbox "false"). Empty optional fields are left out. A missing required field
 * is -EINVAL with err naming it by its Japanese label.
 */
int form_collect(struct web_req *r, const struct policy_field *fields, unsigned n,
                 struct web_params *out, struct strbuf *err);

/*
 * A grants field (policy/grants.h), picked, never typed: a box per section (f.ID.s.SECTION),
 * the people and roles v already grants as ticked boxes (f.ID.g.K holding the grant, f.ID.gn
 * their number; untick to take one away), a select of the ward's active people (f.ID.user)
 * and a select of the profile's roles with where they are held (f.ID.role, f.ID.scope: the
 * whole ward, a section or a system). The door checks the result (a role held where the
 * profile does not hold it, an unknown login: refused with the reason).
 */
void form_grants(struct web_req *r, const struct policy_field *f, const char *label, const char *v,
                 const struct org_sections *secs);
/* The value the pickers make, comma-separated (section:, user:, role:), without duplicates. */
void form_grants_collect(struct web_req *r, const struct policy_field *f, struct strbuf *out);
/*
 * Checks what the pickers made before the door does, to say what is wrong in the page's
 * language: a role where the profile does not hold it, a login nobody has. 0 or -EINVAL.
 */
int form_grants_check(struct web_req *r, const char *v, struct strbuf *err);
/* A grant as people name it: 区民課, 佐藤 花子（sato）, 庁内LAN システム管理者. */
void form_grant_label(struct web_req *r, const struct policy_grant *g, struct strbuf *out);

#endif
