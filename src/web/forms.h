/* forms: input forms generated from the profile's field types, and reading them back. */
#ifndef MAMORI_WEB_FORMS_H
#define MAMORI_WEB_FORMS_H

#include "policy/policy.h"
#include "web/web.h"

/* Form field names are "f.<field id>", so they never clash with csrf, comment ... */
#define FORM_PREFIX "f."

/*
 * One labelled input per field, by type: text, number, checkbox (bool), date,
 * datetime-local, a select for enum, level and section fields. Values come from the
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

#endif
