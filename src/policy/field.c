/* field: checks one record field's value against its type in the profile. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "policy/grants.h"
#include "policy/policy-internal.h"

/* One item of a set value, trimmed of spaces: [b, e). */
static bool set_item(const char **cursor, const char **ret_b, const char **ret_e)
{
	const char *s = *cursor, *e;

	if (!*s)
		return false;
	e = strchr(s, ',');
	*cursor = e ? e + 1 : s + strlen(s);
	if (!e)
		e = s + strlen(s);
	while (s < e && *s == ' ')
		s++;
	while (e > s && e[-1] == ' ')
		e--;
	*ret_b = s;
	*ret_e = e;
	return true;
}

/* A set value: known values, each once; with `all`, every value of the field. */
static int set_check(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	uint64_t seen = 0;
	const char *cur = value, *b, *e;

	while (set_item(&cur, &b, &e)) {
		unsigned i = 0;

		if (b == e)
			continue;
		while (i < f->n_values && (strlen(f->values[i]) != (size_t)(e - b) ||
		                           memcmp(f->values[i], b, (size_t)(e - b))))
			i++;
		if (i == f->n_values) {
			char *item = xstrndup(b, (size_t)(e - b));

			error_set(err_out, "field '%s' (%s): '%s' is not one of its values", f->id,
			          f->name, item);
			free(item);
			return -EINVAL;
		}
		if ((seen >> i) & 1) {
			error_set(err_out, "field '%s' (%s): '%s' is given twice", f->id, f->name,
			          f->values[i]);
			return -EINVAL;
		}
		seen |= 1ULL << i;
	}
	for (unsigned i = 0; f->all_values && i < f->n_values; i++)
		if (!((seen >> i) & 1)) {
			struct strbuf sb = STRBUF_INIT;

			for (unsigned k = 0; k < f->n_values; k++)
				if (!((seen >> k) & 1))
					strbuf_addf(&sb, "%s%s", sb.len ? "、" : "", f->values[k]);
			error_set(err_out, "field '%s' (%s) must hold every item; missing: %s",
			          f->id, f->name, sb.buf);
			strbuf_release(&sb);
			return -EINVAL;
		}
	return 0;
}

/* Separators of a list value: ASCII comma, space, tab, newline, '、' and '，'. */
static size_t list_sep(const char *s)
{
	if (*s == ',' || *s == ' ' || *s == '\t' || *s == '\n' || *s == ';')
		return 1;
	if (!strncmp(s, "、", 3) || !strncmp(s, "，", 3) || !strncmp(s, "　", 3))
		return 3;
	return 0;
}

bool policy_list_next(const char **cursor, const char **ret_item, size_t *ret_len)
{
	const char *s = *cursor, *e;
	size_t k;

	while (*s && (k = list_sep(s)))
		s += k;
	if (!*s) {
		*cursor = s;
		return false;
	}
	for (e = s; *e && !list_sep(e); e++)
		;
	*ret_item = s;
	*ret_len = (size_t)(e - s);
	*cursor = e;
	return true;
}

bool policy_list_has(const char *list, const char *item)
{
	const char *cur = list, *b;
	size_t n;

	while (list && policy_list_next(&cur, &b, &n))
		if (strlen(item) == n && !memcmp(item, b, n))
			return true;
	return false;
}

/* A many field: at most 64 items, each once, each an identifier-like word. */
static int many_check(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	const char *cur = value, *b, *items[64];
	size_t n, lens[64];
	unsigned cnt = 0;

	while (policy_list_next(&cur, &b, &n)) {
		if (cnt == 64) {
			error_set(err_out, "field '%s' (%s) names more than 64", f->id, f->name);
			return -EINVAL;
		}
		for (unsigned i = 0; i < cnt; i++)
			if (lens[i] == n && !memcmp(items[i], b, n)) {
				char *item = xstrndup(b, n);

				error_set(err_out, "field '%s' (%s): '%s' is given twice", f->id,
				          f->name, item);
				free(item);
				return -EINVAL;
			}
		items[cnt] = b;
		lens[cnt++] = n;
	}
	if (!cnt && f->required) {
		error_set(err_out, "field '%s' (%s) is required", f->id, f->name);
		return -EINVAL;
	}
	return 0;
}

/* Whether id is a clause of p, or a chapter some clause lies under (MIN-3: MIN-3-4-1). */
static bool clause_or_chapter(const struct profile *p, const char *id)
{
	size_t n = strlen(id);

	if (policy_clause(p, id))
		return true;
	for (unsigned i = 0; n && i < p->n_clauses; i++)
		if (!strncmp(p->clauses[i].id, id, n) && p->clauses[i].id[n] == '-')
			return true;
	return false;
}

/* A `many` clause field: each item a clause of the profile or a chapter of them, each once. */
static int clauses_check(const struct profile *p, const struct policy_field *f, const char *value,
                         struct strbuf *err_out)
{
	const char *cur = value, *b;
	size_t n;
	int r = many_check(f, value, err_out);

	while (r == 0 && policy_list_next(&cur, &b, &n)) {
		char *id = xstrndup(b, n);

		if (!clause_or_chapter(p, id)) {
			error_set(
			    err_out,
			    "field '%s' (%s): '%s' is not a clause of this profile; see 'mamori "
			    "policy coverage'",
			    f->id, f->name, id);
			r = -EINVAL;
		}
		free(id);
	}
	return r;
}

/* Ledger entries: at most 64 indexes, each a decimal number given once. */
static int entries_check(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	const char *cur = value, *b;
	uint64_t seen[64];
	unsigned cnt = 0;
	size_t n;

	while (policy_list_next(&cur, &b, &n)) {
		char num[24];
		int64_t v;

		if (cnt == 64) {
			error_set(err_out, "field '%s' (%s) names more than 64 ledger entries",
			          f->id, f->name);
			return -EINVAL;
		}
		if (n < sizeof(num)) {
			memcpy(num, b, n);
			num[n] = '\0';
		}
		if (n >= sizeof(num) || parse_int64(num, 0, INT64_MAX, &v) < 0) {
			error_set(err_out,
			          "field '%s' (%s): '%.*s' is not a ledger entry's number (0, 1, 2 "
			          "...)",
			          f->id, f->name, (int)(n > 40 ? 40 : n), b);
			return -EINVAL;
		}
		for (unsigned i = 0; i < cnt; i++)
			if (seen[i] == (uint64_t)v) {
				error_set(err_out,
				          "field '%s' (%s): entry %" PRId64 " is given twice",
				          f->id, f->name, v);
				return -EINVAL;
			}
		seen[cnt++] = (uint64_t)v;
	}
	if (!cnt && f->required) {
		error_set(err_out, "field '%s' (%s) is required", f->id, f->name);
		return -EINVAL;
	}
	return 0;
}

/* A text-like value: at most POLICY_TEXT_MAX_CHARS characters; a "many" field's items too. */
static int text_check(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	size_t chars = utf8_length(value);

	if (chars > POLICY_TEXT_MAX_CHARS) {
		error_set(err_out, "field '%s' (%s) is %zu characters long; at most %d characters",
		          f->id, f->name, chars, POLICY_TEXT_MAX_CHARS);
		return -EINVAL;
	}
	return f->many ? many_check(f, value, err_out) : 0;
}

/* An enum's value: one of its values, else -EINVAL naming them all. */
static int enum_check(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	struct strbuf sb = STRBUF_INIT;

	for (unsigned i = 0; i < f->n_values; i++)
		if (!strcmp(f->values[i], value))
			return 0;
	for (unsigned i = 0; i < f->n_values; i++)
		strbuf_addf(&sb, "%s'%s'", i ? ", " : "", f->values[i]);
	error_set(err_out, "field '%s' (%s) must be one of %s, not '%s'", f->id, f->name, sb.buf,
	          value);
	strbuf_release(&sb);
	return -EINVAL;
}

/* A value not of the field's type: -EINVAL, one message per type, so that each can be said
 * well in Japanese. */
static int type_error(const struct policy_field *f, const char *value, struct strbuf *err_out)
{
	if (f->type == FIELD_DATE)
		error_set(err_out, "field '%s' (%s) must be a date (YYYY-MM-DD), not '%s'", f->id,
		          f->name, value);
	else if (f->type == FIELD_DATETIME)
		error_set(err_out,
		          "field '%s' (%s) must be a date and time (YYYY-MM-DDThh:mm:ss+09:00), "
		          "not '%s'",
		          f->id, f->name, value);
	else if (f->type == FIELD_INTEGER)
		error_set(err_out, "field '%s' (%s) must be a whole number, not '%s'", f->id,
		          f->name, value);
	else if (f->type == FIELD_BOOL)
		error_set(err_out, "field '%s' (%s) must be true or false, not '%s'", f->id,
		          f->name, value);
	else if (f->type == FIELD_LEVEL)
		error_set(err_out, "field '%s' (%s) must be one of the profile's levels, not '%s'",
		          f->id, f->name, value);
	else
		error_set(err_out, "field '%s' (%s) must be %s, not '%s'", f->id, f->name,
		          policy_field_type_name(f->type), value);
	return -EINVAL;
}

int policy_field_check(const struct profile *p, const struct policy_field *f, const char *value,
                       struct strbuf *err_out)
{
	int64_t v;

	/* spaces alone are nothing typed: a required field refuses them */
	if (!value || utf8_blank(value)) {
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
	case FIELD_SYSTEM:
	case FIELD_REF:
		return text_check(f, value, err_out);
	case FIELD_ENTRIES:
		return entries_check(f, value, err_out);
	case FIELD_CLAUSE:
		if (f->many)
			return clauses_check(p, f, value, err_out);
		if (policy_clause(p, value))
			return 0;
		error_set(err_out,
		          "field '%s' (%s): '%s' is not a clause of this profile; see 'mamori "
		          "policy coverage'",
		          f->id, f->name, value);
		return -EINVAL;
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
		return enum_check(f, value, err_out);
	case FIELD_LEVEL:
		if (policy_level(p, value))
			return 0;
		break;
	case FIELD_SET:
		return set_check(f, value, err_out);
	case FIELD_GRANTS: {
		struct strbuf why = STRBUF_INIT;
		int r = policy_grants_check(p, value, &why);

		if (r < 0)
			error_set(err_out, "field '%s' (%s): %s", f->id, f->name, why.buf);
		strbuf_release(&why);
		return r < 0 ? -EINVAL : 0;
	}
	}
	return type_error(f, value, err_out);
}
