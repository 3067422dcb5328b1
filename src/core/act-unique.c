/* act-unique: a register field marked `unique` (a 管理番号) is held by one record only: the
 * door refuses a record, new or changed, whose value another record of the register holds. */
#include <stdint.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "store/query.h"

/* Another record of reg holding value in field, besides record id: its id into *ret, or 0. */
static int value_holder(struct act_state *s, const struct policy_register *reg, const char *field,
                        const char *value, int64_t id, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r;

	*ret = 0;
	r = query_prepare(s->door->st,
	                  "SELECT id FROM records WHERE register = ?1 AND id != ?2"
	                  " AND upper(trim(json_extract(fields, '$.\"' || ?3 || '\"')))"
	                  " = upper(trim(?4)) ORDER BY id LIMIT 1",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, reg->id);
	query_bind_int(q, 2, id);
	query_bind_text(q, 3, field);
	query_bind_text(q, 4, value);
	r = query_step(q, err);
	if (r > 0) {
		*ret = query_int(q, 0);
		query_done(q);
		r = 0;
	}
	return r;
}

int act_check_unique(struct act_state *s, const struct policy_register *reg, json_t *reg_vals,
                     int64_t record_id, struct strbuf *err)
{
	for (unsigned i = 0; i < reg->n_fields && s->outcome != ACT_REFUSED; i++) {
		const struct policy_field *f = &reg->fields[i];
		const char *v =
		    f->unique ? json_string_value(json_object_get(reg_vals, f->id)) : NULL;
		int64_t other = 0;
		int r;

		if (!v)
			continue;
		r = value_holder(s, reg, f->id, v, record_id, &other, err);
		if (r < 0)
			return r;
		if (!other)
			continue;
		act_refuse(s,
		           "%s '%s' is already held by record %lld of this register; each record "
		           "has its own",
		           f->name ? f->name : f->id, v, (long long)other);
		s->reason = "duplicate";
		act_add_clauses(s, &f->clauses);
		if (!f->clauses.nr)
			act_add_clauses(s, &reg->clauses);
	}
	return 0;
}
