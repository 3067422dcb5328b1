/* act-grants: the door keeps record_grants in step with the records' access grants. */
#include <errno.h>
#include <string.h>

#include "core/act-internal.h"
#include "policy/grants.h"
#include "store/query.h"

/* principal as policy_grants_normalize spells it: section:ID, user:LOGIN, role:ROLE@SCOPE */
static void principal(struct strbuf *sb, const struct policy_grant *g)
{
	strbuf_reset(sb);
	switch (g->kind) {
	case GRANT_SECTION:
		strbuf_addf(sb, "section:%.*s", (int)g->id_len, g->id);
		break;
	case GRANT_USER:
		strbuf_addf(sb, "user:%.*s", (int)g->id_len, g->id);
		break;
	case GRANT_ROLE:
		strbuf_addf(sb, "role:%.*s@%.*s", (int)g->id_len, g->id, (int)g->scope_len,
		            g->scope);
		break;
	}
}

int act_sync_grants(struct act_state *s, const struct policy_register *reg, int64_t record_id,
                    json_t *fields, struct strbuf *err)
{
	struct store *st = s->door->st;
	const struct policy_field *f = NULL;
	struct strbuf p = STRBUF_INIT, why = STRBUF_INIT;
	struct policy_grant g;
	struct query *q;
	const char *value, *cur;
	int r;

	for (unsigned i = 0; i < reg->n_fields && !f; i++)
		if (reg->fields[i].type == FIELD_GRANTS)
			f = &reg->fields[i];
	if (!f)
		return 0;
	r = query_prepare(st, "DELETE FROM record_grants WHERE record_id = ?", &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, record_id);
	r = query_run(q, err);
	value = json_string_value(json_object_get(fields, f->id));
	cur = value;
	/* A value the door did not check (free text kept from before) grants nothing. */
	while (r == 0 && value && policy_grants_next(s->p, &cur, &g, &why) > 0) {
		principal(&p, &g);
		r = query_prepare(st,
		                  "INSERT INTO record_grants(record_id, principal)"
		                  " VALUES (?, ?) ON CONFLICT DO NOTHING",
		                  &q, err);
		if (r < 0)
			break;
		query_bind_int(q, 1, record_id);
		query_bind_text(q, 2, p.buf);
		r = query_run(q, err);
	}
	strbuf_release(&p);
	strbuf_release(&why);
	return r;
}
