/* read-open: what opens records to a reader beyond their roles: the profile's openings (an
 * audit opens what it names to its auditor for its period, an incident opens the records it
 * links to the CSIRT) and the records' own access grants (core/read-internal.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "core/read-internal.h"
#include "core/records.h"
#include "policy/grants.h"
#include "store/query.h"

#define DAY_MS (86400LL * 1000)

static bool holds(const struct reader *rd, const char *role, const char *scope)
{
	struct strbuf rs = STRBUF_INIT;
	bool ok;

	strbuf_addf(&rs, "%s@%s", role, scope);
	ok = strv_has(&rd->roles, rs.buf);
	strbuf_release(&rs);
	return ok;
}

/* Whether the opening record (its fields, section, system) names the reader. */
static bool names_reader(const struct reader *rd, const struct policy_opening *o, json_t *fields,
                         const char *section, const char *system)
{
	const struct policy_role *ro = o->to_role;
	struct strbuf scope = STRBUF_INIT;
	bool ok = false;

	if (o->to_field) {
		json_t *v = json_object_get(fields, o->to_field->id);
		if (!json_is_string(v))
			return false;
		return o->to_field->many ? policy_list_has(json_string_value(v), rd->login)
		                         : !strcmp(json_string_value(v), rd->login);
	}
	if (!ro)
		return false;
	if (ro->scope == SCOPE_ORG)
		strbuf_addstr(&scope, "org");
	else if (ro->scope == SCOPE_SECTION && section)
		strbuf_addf(&scope, "section:%s", section);
	else if (ro->scope == SCOPE_SYSTEM && system)
		strbuf_addf(&scope, "system:%s", system);
	ok = scope.len && holds(rd, ro->id, scope.buf);
	strbuf_release(&scope);
	return ok;
}

static void add_id(struct reader *rd, int64_t id, uint64_t bits)
{
	if (id <= 0)
		return;
	ALLOC_GROW(rd->ids, rd->n_ids, rd->alloc_ids);
	rd->ids[rd->n_ids].id = id;
	rd->ids[rd->n_ids].bits = bits;
	rd->n_ids++;
}

static void add_section(struct reader *rd, const char *sec, uint64_t bit)
{
	for (size_t i = 0; i < rd->opened_secs.nr; i++)
		if (!strcmp(rd->opened_secs.items[i], sec)) {
			rd->sec_opened[i] |= bit;
			return;
		}
	strv_push(&rd->opened_secs, sec);
	rd->sec_opened = xrealloc(rd->sec_opened, rd->opened_secs.nr * sizeof(*rd->sec_opened));
	rd->sec_opened[rd->opened_secs.nr - 1] = bit;
	strv_push_unique(&rd->secs, sec);
}

/*
 * A system opened: every record whose `system` attribute names it, of any register, now and
 * whenever one is added or moved to it. Decided like a section (the reader's classes tell the
 * system apart), not as a list of ids, so a new record of the system needs no new reader.
 */
static void add_system(struct reader *rd, const char *sys, uint64_t bit)
{
	for (size_t i = 0; i < rd->opened_systems.nr; i++)
		if (!strcmp(rd->opened_systems.items[i], sys)) {
			rd->sys_opened[i] |= bit;
			return;
		}
	strv_push(&rd->opened_systems, sys);
	rd->sys_opened = xrealloc(rd->sys_opened, rd->opened_systems.nr * sizeof(*rd->sys_opened));
	rd->sys_opened[rd->opened_systems.nr - 1] = bit;
	strv_push_unique(&rd->systems, sys);
}

/* The items of a list value: record ids, register ids ("12, 15", "asset、media"). */
static void each_item(const char *value, void (*fn)(struct reader *, const char *, size_t, void *),
                      struct reader *rd, void *arg)
{
	char *copy = xstrdup(value), *p;

	/* the Japanese comma, full-width comma and ideographic space separate too */
	for (p = copy; *p; p++)
		if (!strncmp(p, "、", 3) || !strncmp(p, "，", 3) || !strncmp(p, "　", 3))
			memset(p, ' ', 3);
	for (p = copy; *p;) {
		size_t n;
		p += strspn(p, " ,;\n\t");
		n = strcspn(p, " ,;\n\t");
		if (n)
			fn(rd, p, n, arg);
		p += n;
	}
	free(copy);
}

struct item_arg {
	uint64_t bit;
};

static void item_record(struct reader *rd, const char *s, size_t n, void *arg)
{
	char buf[24];
	char *end;
	long long id;

	if (n >= sizeof(buf))
		return;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (buf[0] == '#')
		memmove(buf, buf + 1, n);
	id = strtoll(buf, &end, 10);
	if (*end || id <= 0)
		return;
	add_id(rd, id, ((struct item_arg *)arg)->bit);
}

static void item_register(struct reader *rd, const char *s, size_t n, void *arg)
{
	for (unsigned i = 0; i < rd->p->n_registers; i++) {
		const struct policy_register *g = &rd->p->registers[i];
		if ((strlen(g->id) == n && !strncmp(g->id, s, n)) ||
		    (g->name && strlen(g->name) == n && !strncmp(g->name, s, n)))
			rd->reg_opened[g->index] |= ((struct item_arg *)arg)->bit;
	}
}

/* The start of a Tokyo day written YYYY-MM-DD, or fallback when absent or unreadable. */
static int64_t day_ms(json_t *fields, const struct policy_field *f, int64_t fallback, int64_t add)
{
	json_t *v = f ? json_object_get(fields, f->id) : NULL;
	int64_t ms;

	if (!json_is_string(v) || core_parse_local_date(json_string_value(v), &ms) < 0)
		return fallback;
	return ms + add;
}

/* One record of an opening register that names the reader. */
static void open_one(struct reader *rd, const struct policy_opening *o, int64_t id,
                     const char *state, json_t *fields, int64_t now_ms)
{
	uint64_t bit = 1ULL << o->index;
	struct item_arg arg = { bit };
	const struct policy_state *sst = state ? policy_register_state(o->reg, state) : NULL;
	int64_t from = day_ms(fields, o->from, INT64_MIN, 0);
	int64_t until = day_ms(fields, o->until, INT64_MAX, DAY_MS);

	if (o->self)
		add_id(rd, id, bit);
	if (o->states && !(sst && ((o->states >> sst->index) & 1)))
		return;
	/* the period: from the first day's start to the last day's end, in Tokyo */
	if (now_ms < from) {
		if (from < rd->valid_until)
			rd->valid_until = from;
		return;
	}
	if (now_ms >= until)
		return;
	if (until < rd->valid_until)
		rd->valid_until = until;
	for (unsigned k = 0; k < o->n_records; k++) {
		json_t *v = json_object_get(fields, o->records[k]->id);
		if (json_is_string(v))
			each_item(json_string_value(v), item_record, rd, &arg);
	}
	for (unsigned k = 0; k < o->n_registers; k++) {
		json_t *v = json_object_get(fields, o->registers[k]->id);
		if (json_is_string(v))
			each_item(json_string_value(v), item_register, rd, &arg);
	}
	for (unsigned k = 0; k < o->n_sections; k++) {
		json_t *v = json_object_get(fields, o->sections[k]->id);
		const char *cur = json_is_string(v) ? json_string_value(v) : "", *b;
		size_t n;

		while (policy_list_next(&cur, &b, &n)) {
			char *sec = xstrndup(b, n);
			add_section(rd, sec, bit);
			free(sec);
		}
	}
	for (unsigned k = 0; k < o->n_systems; k++) {
		json_t *v = json_object_get(fields, o->systems[k]->id);
		const char *cur = json_is_string(v) ? json_string_value(v) : "", *b;
		size_t n;

		while (policy_list_next(&cur, &b, &n)) {
			char *sys = xstrndup(b, n);
			add_system(rd, sys, bit);
			free(sys);
		}
	}
}

static int load_opening(struct reader *rd, struct store *st, const struct policy_opening *o,
                        int64_t now_ms, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT id, state, section, system, fields FROM records"
	                      " WHERE register = ?1",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, o->reg->id);
	while ((r = query_step(q, err)) > 0) {
		const char *text = query_text(q, 4);
		json_t *fields = json_loads(text ? text : "{}", 0, NULL);
		if (json_is_object(fields) &&
		    names_reader(rd, o, fields, query_text(q, 2), query_text(q, 3)))
			open_one(rd, o, query_int(q, 0), query_text(q, 1), fields, now_ms);
		json_decref(fields);
	}
	return r < 0 ? r : 0;
}

const struct policy_field *read_grants_field(const struct policy_register *g)
{
	for (unsigned i = 0; i < g->n_fields; i++)
		if (g->fields[i].type == FIELD_GRANTS)
			return &g->fields[i];
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	const struct read_opened_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int read_open_load(struct reader *rd, struct store *st, int64_t now_ms, struct strbuf *err)
{
	const struct profile *p = rd->p;
	size_t n = 0;
	int r;

	rd->reg_opened = xcalloc(p->n_registers ? p->n_registers : 1, sizeof(*rd->reg_opened));
	for (unsigned i = 0; i < p->n_openings; i++) {
		r = load_opening(rd, st, &p->openings[i], now_ms, err);
		if (r < 0)
			return r;
	}
	/* sorted, one entry per id */
	if (rd->n_ids)
		qsort(rd->ids, rd->n_ids, sizeof(*rd->ids), cmp_id);
	for (size_t i = 0; i < rd->n_ids; i++) {
		if (n && rd->ids[n - 1].id == rd->ids[i].id) {
			rd->ids[n - 1].bits |= rd->ids[i].bits;
			continue;
		}
		rd->ids[n++] = rd->ids[i];
	}
	rd->n_ids = n;
	return 0;
}

void read_open_release(struct reader *rd)
{
	free(rd->reg_opened);
	strv_release(&rd->opened_secs);
	free(rd->sec_opened);
	strv_release(&rd->opened_systems);
	free(rd->sys_opened);
	rd->sys_opened = NULL;
	free(rd->ids);
	rd->reg_opened = NULL;
	rd->sec_opened = NULL;
	rd->ids = NULL;
	rd->n_ids = rd->alloc_ids = 0;
}

uint64_t read_opened_bits(const struct reader *rd, const struct policy_register *g,
                          const char *section, const char *system, int64_t id)
{
	uint64_t bits = rd->reg_opened ? rd->reg_opened[g->index] : 0;

	for (size_t i = 0; section && i < rd->opened_secs.nr; i++)
		if (!strcmp(rd->opened_secs.items[i], section))
			bits |= rd->sec_opened[i];
	for (size_t i = 0; system && i < rd->opened_systems.nr; i++)
		if (!strcmp(rd->opened_systems.items[i], system))
			bits |= rd->sys_opened[i];
	if (id && rd->n_ids) {
		struct read_opened_id key = { .id = id };
		const struct read_opened_id *x =
		    bsearch(&key, rd->ids, rd->n_ids, sizeof(*rd->ids), cmp_id);
		if (x)
			bits |= x->bits;
	}
	return bits;
}

bool read_granted(const struct reader *rd, const struct policy_register *g, json_t *fields)
{
	const struct policy_field *f = read_grants_field(g);
	json_t *v = f && fields ? json_object_get(fields, f->id) : NULL;

	return json_is_string(v) && *json_string_value(v) &&
	       policy_grants_match(rd->p, json_string_value(v), rd->login, rd->section,
	                           rd->role_ptrs, rd->roles.nr);
}

size_t read_opened_names(const struct reader *rd, uint64_t bits, const char **out)
{
	size_t n = 0;

	for (unsigned i = 0; bits && i < rd->p->n_openings; i++)
		if ((bits >> i) & 1)
			out[n++] = rd->p->openings[i].id;
	return n;
}

int read_stamp(struct store *st, const struct profile *p, uint64_t *ret, struct strbuf *err)
{
	uint64_t h = 0;
	struct query *q;
	int r;

	*ret = 0;

	/*
	 * Only the opening registers' own records say what is opened (a system opened is decided
	 * by each record's system, as a section is, not listed by id): a record of another
	 * register added or changed leaves every reader as it is (its visible set takes the
	 * record in from the act log). Before, a profile with a `systems` opening (Minato's
	 * audit) made every reader again after every act, list pages with it.
	 */
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_register *g = &p->registers[i];
		bool opens = false;
		int64_t v = 0;

		for (unsigned k = 0; k < p->n_openings && !opens; k++)
			opens = p->openings[k].reg == g;
		if (!opens)
			continue;
		/* an index seek (register, changed_ms): every change moves changed_ms */
		r = query_prepare(
		    st, "SELECT coalesce(max(changed_ms), 0) FROM records WHERE register = ?", &q,
		    err);
		if (r < 0)
			return r;
		query_bind_text(q, 1, g->id);
		r = query_one_int(q, &v, err);
		if (r < 0)
			return r;
		h = (h ^ (uint64_t)v) * 0x100000001b3ULL;
	}
	*ret = h;
	return 0;
}
