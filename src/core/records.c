/* records: reading the registers' records (records-query.c: a reader's lists and counts;
 * records-check.c: field values checked against the profile). */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "core/core.h"
#include "core/org.h"
#include "core/read-internal.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "core/record-order.h"
#include "core/records-internal.h"
#include "core/records.h"
#include "ledger/ledger.h"
#include "policy/grants.h"
#include "policy/policy.h"
#include "store/query.h"
#include "store/store.h"

int record_from_row(struct query *s, struct record *ret, struct strbuf *err)
{
	json_error_t jerr;
	const char *fields = query_text(s, 6);

	memset(ret, 0, sizeof(*ret));
	ret->id = query_int(s, 0);
	ret->register_id = query_strdup(s, 1);
	ret->state = query_strdup(s, 2);
	ret->level = query_strdup(s, 3);
	ret->section = query_strdup(s, 4);
	ret->system = query_strdup(s, 5);
	ret->fields = json_loads(fields ? fields : "{}", 0, &jerr);
	ret->version = query_int(s, 7);
	ret->created_ms = query_int(s, 8);
	ret->changed_ms = query_int(s, 9);
	ret->created_by = query_int(s, 10);
	if (!ret->fields || !json_is_object(ret->fields)) {
		error_set(err, "record %lld has unreadable fields (%s); run 'mamori doctor'",
		          (long long)ret->id, jerr.text);
		record_release(ret);
		return -EPROTO;
	}
	return 0;
}

int record_get(struct store *st, int64_t id, struct record *ret, struct strbuf *err)
{
	struct query *s = query_get(st, "SELECT " RECORD_COLUMNS " FROM records WHERE id = ?", err);
	int rc, r;

	if (!s)
		return -EIO;
	query_bind_int(s, 1, id);
	rc = query_step(s, err);
	if (rc > 0) {
		r = record_from_row(s, ret, err);
		query_done(s);
		return r;
	}
	query_done(s);
	if (rc != 0)
		return rc;
	error_set(err, "no record %lld; see 'mamori record list REGISTER'", (long long)id);
	return -ENOENT;
}

void record_release(struct record *r)
{
	if (!r)
		return;
	free(r->register_id);
	free(r->state);
	free(r->level);
	free(r->section);
	free(r->system);
	free(r->title);
	json_decref(r->fields);
	memset(r, 0, sizeof(*r));
}

const char *record_field(const struct record *r, const char *key)
{
	json_t *v;

	if (!strcmp(key, "level"))
		return r->level;
	if (!strcmp(key, "section"))
		return r->section;
	if (!strcmp(key, "system") && r->system)
		return r->system;
	v = r->fields ? json_object_get(r->fields, key) : NULL;
	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

const char *record_title(const struct profile *p, const struct record *r)
{
	const struct policy_register *reg;

	if (r->title)
		return r->title;
	reg = p ? policy_register(p, r->register_id) : NULL;
	if (reg) {
		for (unsigned i = 0; i < reg->n_fields; i++) {
			const struct policy_field *f = &reg->fields[i];
			if (f->type == FIELD_TEXT && f->required && record_field(r, f->id))
				return record_field(r, f->id);
		}
		for (unsigned i = 0; i < reg->n_fields; i++) {
			const struct policy_field *f = &reg->fields[i];
			if (f->type == FIELD_TEXT && record_field(r, f->id))
				return record_field(r, f->id);
		}
	}
	return "";
}

int records_list(struct store *st, const struct record_filter *f, struct record_list *ret,
                 struct strbuf *err)
{
	struct query *s = query_get(st,
	                            "SELECT " RECORD_COLUMNS " FROM records"
	                            " WHERE register = ?1 AND (?2 IS NULL OR level = ?2)"
	                            " AND (?3 IS NULL OR section = ?3)"
	                            " AND (?4 IS NULL OR state = ?4)"
	                            " ORDER BY id LIMIT ?5",
	                            err);
	int rc, r = 0;

	if (!s)
		return -EIO;
	query_bind_text(s, 1, f->register_id);
	query_bind_text(s, 2, f->level);
	query_bind_text(s, 3, f->section);
	query_bind_text(s, 4, f->state);
	query_bind_int(s, 5, f->limit > 0 ? f->limit : INT64_MAX);
	while ((rc = query_step(s, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr, ret->alloc);
		r = record_from_row(s, &ret->items[ret->nr], err);
		if (r < 0)
			break;
		ret->nr++;
	}
	query_done(s);
	if (r < 0)
		return r;
	return rc;
}

void record_list_release(struct record_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		record_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

char *record_canonical_json_parts(int64_t id, const char *register_id, const char *state,
                                  const char *level, const char *section, const char *system,
                                  json_t *fields, int64_t version)
{
	json_t *o = json_object();
	char *s;

	json_object_set_new(o, "id", json_integer(id));
	json_object_set_new(o, "register", json_string(register_id));
	json_object_set_new(o, "state", json_string(state ? state : ""));
	json_object_set_new(o, "level", level ? json_string(level) : json_null());
	json_object_set_new(o, "section", section ? json_string(section) : json_null());
	json_object_set_new(o, "system", system ? json_string(system) : json_null());
	json_object_set_new(o, "fields", fields ? json_incref(fields) : json_object());
	json_object_set_new(o, "version", json_integer(version));
	s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return s;
}

char *record_canonical_json(const struct record *r)
{
	return record_canonical_json_parts(r->id, r->register_id, r->state, r->level, r->section,
	                                   r->system, r->fields, r->version);
}
