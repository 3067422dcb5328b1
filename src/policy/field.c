/* field: checks one record field's value against its type in the profile. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "policy/policy-internal.h"

int policy_field_check(const struct profile *p, const struct policy_field *f, const char *value,
                       struct strbuf *err_out)
{
	int64_t v;

	if (!value || !*value) {
		if (f->required) {
			error_set(err_out, "field '%s' (%s) is required", f->id, f->name);
			return -EINVAL;
		}
		return 0;
	}
	switch (f->type) {
	case FIELD_TEXT:
	case FIELD_SECTION:
	case FIELD_USER:
	case FIELD_REF:
		if (strlen(value) > 4096) {
			error_set(err_out, "field '%s' (%s) is longer than 4096 bytes", f->id,
			          f->name);
			return -EINVAL;
		}
		return 0;
	case FIELD_INTEGER:
		if (parse_int64(value, INT64_MIN, INT64_MAX, &v) < 0)
			break;
		return 0;
	case FIELD_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "false"))
			return 0;
		break;
	case FIELD_DATE:
		if (time_parse_date(value, &v) == 0)
			return 0;
		break;
	case FIELD_DATETIME:
		if (time_parse_rfc3339(value, &v) == 0)
			return 0;
		break;
	case FIELD_ENUM:
		for (unsigned i = 0; i < f->n_values; i++)
			if (!strcmp(f->values[i], value))
				return 0;
		{
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "field '%s' (%s) must be one of", f->id, f->name);
			for (unsigned i = 0; i < f->n_values; i++)
				strbuf_addf(&sb, "%s '%s'", i ? "," : "", f->values[i]);
			strbuf_addf(&sb, ", not '%s'", value);
			error_set(err_out, "%s", sb.buf);
			strbuf_release(&sb);
		}
		return -EINVAL;
	case FIELD_LEVEL:
		if (policy_level(p, value))
			return 0;
		break;
	}
	error_set(err_out, "field '%s' (%s) must be %s, not '%s'", f->id, f->name,
	          policy_field_type_name(f->type), value);
	return -EINVAL;
}
