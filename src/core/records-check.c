/* records-check: a record's field values checked against the profile and what they name
 * (core/records.h record_check_value, record_check_entries, record_find_field). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "core/core.h"
#include "core/org.h"
#include "core/records.h"
#include "ledger/ledger.h"
#include "policy/grants.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

static const char *field_label(const struct policy_field *f)
{
	return f->name ? f->name : f->id;
}

/* One grant's section, user or role scope exists: -ENOENT with a message saying which. */
static int check_grant(struct store *st, const struct policy_field *f, const struct policy_grant *g,
                       struct strbuf *err)
{
	char id[72];
	const char *kind = "section", *list = "section list";
	const char *from = g->id;
	size_t n = g->id_len;
	int r;

	if (g->kind == GRANT_USER) {
		kind = "user";
		list = "user list";
	} else if (g->kind == GRANT_ROLE) {
		if (g->scope_len > 8 && !strncmp(g->scope, "section:", 8)) {
			from = g->scope + 8;
			n = g->scope_len - 8;
		} else if (g->scope_len > 7 && !strncmp(g->scope, "system:", 7)) {
			kind = "system";
			list = "system list";
			from = g->scope + 7;
			n = g->scope_len - 7;
		} else {
			return 0; /* org */
		}
	}
	if (n >= sizeof(id))
		n = sizeof(id) - 1;
	memcpy(id, from, n);
	id[n] = '\0';
	if (!strcmp(kind, "user")) {
		struct org_user u = { 0 };
		r = org_user_get(st, id, &u, NULL);
		org_user_release(&u);
	} else if (!strcmp(kind, "system")) {
		struct org_system sys = { 0 };
		r = org_system_get(st, id, &sys, NULL);
		org_system_release(&sys);
	} else {
		struct org_section sec = { 0 };
		r = org_section_get(st, id, &sec, NULL);
		org_section_release(&sec);
	}
	if (r == -ENOENT)
		error_set(err, "field '%s' (%s): no %s '%s'; see 'mamori %s'", f->id,
		          field_label(f), kind, id, list);
	return r;
}

/* Every grant of a grants value names a section, user or scope that exists. */
static int check_grants(struct store *st, const struct profile *p, const struct policy_field *f,
                        const char *value, struct strbuf *err)
{
	const char *cur = value;
	struct policy_grant g;
	int r;

	while ((r = policy_grants_next(p, &cur, &g, err)) > 0) {
		r = check_grant(st, f, &g, err);
		if (r < 0)
			return r;
	}
	return r;
}

/* One section, user or system a field names must exist. */
static int check_org_item(struct store *st, const struct policy_field *f, const char *value,
                          struct strbuf *err)
{
	int r;

	if (f->type == FIELD_SECTION) {
		struct org_section sec = { 0 };
		r = org_section_get(st, value, &sec, NULL);
		org_section_release(&sec);
		if (r == -ENOENT)
			error_set(err,
			          "field '%s' (%s): no section '%s'; see 'mamori section list'",
			          f->id, field_label(f), value);
	} else if (f->type == FIELD_SYSTEM) {
		struct org_system sys = { 0 };
		r = org_system_get(st, value, &sys, NULL);
		org_system_release(&sys);
		if (r == -ENOENT)
			error_set(err, "field '%s' (%s): no system '%s'; see 'mamori system list'",
			          f->id, field_label(f), value);
	} else {
		struct org_user u = { 0 };
		r = org_user_get(st, value, &u, NULL);
		org_user_release(&u);
		if (r == -ENOENT)
			error_set(err, "field '%s' (%s): no user '%s'; see 'mamori user list'",
			          f->id, field_label(f), value);
	}
	if (r == -ENOENT)
		return -EINVAL;
	if (r < 0)
		error_set(err, "field '%s' (%s): could not look up '%s'", f->id, field_label(f),
		          value);
	return r;
}

int record_check_entries(struct ledger *lg, const struct policy_field *f, const char *value,
                         struct strbuf *err)
{
	uint8_t root[MERKLE_HASH_SIZE];
	const char *cur = value, *b;
	uint64_t size;
	size_t n;

	if (ledger_head(lg, &size, root, err) < 0)
		return -EIO;
	while (policy_list_next(&cur, &b, &n)) {
		char num[24];
		int64_t v;

		if (n >= sizeof(num))
			return -EINVAL; /* record_check_value refused it already */
		memcpy(num, b, n);
		num[n] = '\0';
		if (parse_int64(num, 0, INT64_MAX, &v) < 0)
			return -EINVAL;
		if ((uint64_t)v >= size) {
			error_set(
			    err,
			    "field '%s' (%s): the ledger has no entry %s (it holds 0 .. %" PRIu64
			    "); see 'mamori ledger show'",
			    f->id, field_label(f), num, size ? size - 1 : 0);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * What every value must be, whatever its type: not empty nor only spaces, UTF-8 within
 * CORE_MAX_FIELD bytes, no control characters, and a title or name one line without invisible
 * or direction-changing characters. -EINVAL, said, when not.
 */
static int text_check(const struct policy_field *f, const char *value, struct strbuf *err)
{
	if (!value || !*value) {
		error_set(err, "field '%s' (%s) is empty", f->id, field_label(f));
		return -EINVAL;
	}
	if (utf8_blank(value)) {
		error_set(err, "field '%s' (%s) holds only spaces: write something or leave it out",
		          f->id, field_label(f));
		return -EINVAL;
	}
	if (strlen(value) > CORE_MAX_FIELD || !utf8_valid(value, strlen(value))) {
		error_set(err, "field '%s' (%s) is not valid UTF-8 text of at most %d bytes", f->id,
		          field_label(f), CORE_MAX_FIELD);
		return -EINVAL;
	}
	if (!core_valid_text(value, CORE_MAX_FIELD)) {
		error_set(err, "field '%s' (%s) has control characters: remove them", f->id,
		          field_label(f));
		return -EINVAL;
	}
	if ((!strcmp(f->id, "title") || !strcmp(f->id, "name")) &&
	    !core_valid_name(value, CORE_MAX_FIELD)) {
		error_set(
		    err,
		    "field '%s' (%s) must be one line without invisible or direction-changing "
		    "characters (such as U+202E or U+200B): they make one title look like "
		    "another",
		    f->id, field_label(f));
		return -EINVAL;
	}
	return 0;
}

int record_check_value(struct store *st, const struct profile *p, const struct policy_field *f,
                       const char *value, struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	int r = 0;

	if (text_check(f, value, err) < 0)
		return -EINVAL;
	if (policy_field_check(p, f, value, &why) < 0) {
		/* the engine's message names the field already */
		error_set(err, "%s", why.buf);
		strbuf_release(&why);
		return -EINVAL;
	}
	strbuf_release(&why);
	if (f->type == FIELD_SECTION || f->type == FIELD_USER || f->type == FIELD_SYSTEM) {
		const char *cur = value, *b;
		size_t n;

		if (!f->many)
			return check_org_item(st, f, value, err);
		while (policy_list_next(&cur, &b, &n)) {
			char *item = xstrndup(b, n);
			r = check_org_item(st, f, item, err);
			free(item);
			if (r < 0)
				return r;
		}
		return 0;
	}
	switch (f->type) {
	case FIELD_REF: {
		int64_t id;
		struct record rec = { 0 };
		if (parse_int64(value, 1, INT64_MAX, &id) < 0) {
			error_set(err, "field '%s' (%s): '%s' is not a record id", f->id,
			          field_label(f), value);
			return -EINVAL;
		}
		r = record_get(st, id, &rec, NULL);
		if (r == 0 && f->ref && strcmp(rec.register_id, f->ref->id)) {
			error_set(err, "field '%s' (%s): record %s is a '%s', not a '%s'", f->id,
			          field_label(f), value, rec.register_id, f->ref->id);
			r = -EINVAL;
		} else if (r == -ENOENT) {
			error_set(err, "field '%s' (%s): no record %s", f->id, field_label(f),
			          value);
		}
		record_release(&rec);
		break;
	}
	case FIELD_GRANTS:
		r = check_grants(st, p, f, value, err);
		break;
	default:
		break;
	}
	if (r == -ENOENT)
		return -EINVAL;
	if (r < 0 && err && !err->len)
		error_set(err, "field '%s': cannot check '%s'", f->id, value);
	return r;
}

const struct policy_field *record_find_field(const struct policy_register *r,
                                             const struct policy_field *action_fields,
                                             unsigned n_action_fields, const char *key,
                                             bool *ret_is_action)
{
	for (unsigned i = 0; i < n_action_fields; i++) {
		if (!strcmp(action_fields[i].id, key) ||
		    (action_fields[i].name && !strcmp(action_fields[i].name, key))) {
			*ret_is_action = true;
			return &action_fields[i];
		}
	}
	for (unsigned i = 0; r && i < r->n_fields; i++) {
		if (!strcmp(r->fields[i].id, key) ||
		    (r->fields[i].name && !strcmp(r->fields[i].name, key))) {
			*ret_is_action = false;
			return &r->fields[i];
		}
	}
	return NULL;
}
