/* read: the one read decision: who may see which record (core/read.h, core/read-sql.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/bitset.h"
#include "base/json.h"
#include "core/act.h"
#include "core/core.h"
#include "core/decide-input.h"
#include "core/org.h"
#include "core/read-internal.h"
#include "core/record-order.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "policy/policy.h"
#include "store/query.h"

/* ---- the subject ---------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void subject_copy(struct reader *rd, const struct read_subject *s)
{
	rd->user_id = s->user_id;
	rd->login = xstrdup(s->login ? s->login : "");
	rd->section = s->section && *s->section ? xstrdup(s->section) : NULL;
	rd->employment = s->employment ? xstrdup(s->employment) : NULL;
	for (size_t i = 0; i < s->n_roles; i++)
		strv_push_unique(&rd->roles, s->roles[i]);
	if (rd->roles.nr)
		qsort(rd->roles.items, rd->roles.nr, sizeof(*rd->roles.items), cmp_str);
	rd->role_ptrs = xcalloc(rd->roles.nr + 1, sizeof(*rd->role_ptrs));
	for (size_t i = 0; i < rd->roles.nr; i++) {
		const char *r = rd->roles.items[i], *at = strchr(r, '@');
		rd->role_ptrs[i] = r;
		if (!strncmp(r, ROLE_MAMORI_ADMIN "@", sizeof(ROLE_MAMORI_ADMIN)))
			rd->admin = true;
		if (at && !strncmp(at + 1, "section:", 8))
			strv_push_unique(&rd->secs, at + 9);
		else if (at && !strncmp(at + 1, "system:", 7))
			strv_push_unique(&rd->systems, at + 8);
	}
	if (rd->section)
		strv_push_unique(&rd->secs, rd->section);
}

/* What the rights depend on, hashed: the profile version, the person and their roles. */
static void make_key(struct reader *rd)
{
	struct strbuf sb = STRBUF_INIT;
	char hex[65];

	strbuf_addf(&sb, "%s\n%lld\n%s\n%s\n%s\n", rd->p->sha256_hex, (long long)rd->user_id,
	            rd->login, rd->section ? rd->section : "",
	            rd->employment ? rd->employment : "");
	for (size_t i = 0; i < rd->roles.nr; i++)
		strbuf_addf(&sb, "%s\n", rd->roles.items[i]);
	core_sha256_hex(sb.buf, sb.len, hex);
	rd->key = xstrfmt("u%lld-%.24s", (long long)rd->user_id, hex);
	strbuf_release(&sb);
}

/* A read request for a resource of register rr with this reader as the subject. */
static void input_init(const struct reader *rd, struct decide_input *in,
                       const struct policy_action *a)
{
	decide_input_init(in, a->full_name);
	decide_input_subject(in, rd->login, rd->role_ptrs, rd->roles.nr, rd->section,
	                     rd->employment);
}

/* ---- classes -------------------------------------------------------------------------- */

/* One dimension of the class space: the values a request gets and their key parts. */
struct dim {
	const char **values; /* NULL entries: absent */
	const char **parts;
	unsigned n;
};

static void dim_add(struct dim *d, const char *value, const char *part)
{
	d->values = xrealloc(d->values, (d->n + 1) * sizeof(*d->values));
	d->parts = xrealloc(d->parts, (d->n + 1) * sizeof(*d->parts));
	d->values[d->n] = value;
	d->parts[d->n] = part;
	d->n++;
}

static void dim_release(struct dim *d)
{
	free(d->values);
	free(d->parts);
	memset(d, 0, sizeof(*d));
}

static int slot_of(struct reader *rd, const char *field_id, struct strbuf *err)
{
	for (unsigned i = 0; i < rd->n_slots; i++)
		if (!strcmp(rd->slots[i], field_id))
			return (int)i;
	if (rd->n_slots == READ_MAX_SLOTS) {
		error_set(err,
		          "the read rules of profile '%s' test more than %d different record "
		          "fields; nobody but the administrator can read until the profile tests "
		          "fewer",
		          rd->p->id, READ_MAX_SLOTS);
		return -ENOTSUP;
	}
	rd->slots[rd->n_slots] = field_id;
	return (int)rd->n_slots++;
}

enum { D_LEVEL, D_SECTION, D_SYSTEM, D_STATE, D_SLOT0 };
#define N_DIMS (D_SLOT0 + READ_MAX_SLOTS)

/*
 * The values of each dimension of register g for the reader: the profile's levels, the
 * reader's sections and systems (each also absent and another's), the register's states, and
 * per slot its tested field's values (tested[i] in slot slot_index[i]), another and absent.
 */
static void dims_fill(const struct reader *rd, const struct policy_register *g,
                      const struct policy_field *const *tested, const int *slot_index,
                      unsigned n_tested, struct dim *dims)
{
	const struct profile *p = rd->p;

	for (unsigned i = 0; i < p->n_levels; i++)
		dim_add(&dims[D_LEVEL], p->levels[i].id, p->levels[i].id);
	dim_add(&dims[D_LEVEL], NULL, "");
	for (size_t i = 0; i < rd->secs.nr; i++)
		dim_add(&dims[D_SECTION], rd->secs.items[i], rd->secs.items[i]);
	dim_add(&dims[D_SECTION], NULL, "");
	dim_add(&dims[D_SECTION], OTHER_SCOPE, OTHER_SCOPE);
	for (size_t i = 0; i < rd->systems.nr; i++)
		dim_add(&dims[D_SYSTEM], rd->systems.items[i], rd->systems.items[i]);
	dim_add(&dims[D_SYSTEM], NULL, "");
	dim_add(&dims[D_SYSTEM], OTHER_SCOPE, OTHER_SCOPE);
	for (unsigned i = 0; i < g->n_states; i++)
		dim_add(&dims[D_STATE], g->states[i].id, g->states[i].id);
	dim_add(&dims[D_STATE], "", "");
	/* Slots: each its field's values where the register tests it, else absent. */
	for (unsigned s = 0; s < READ_MAX_SLOTS; s++) {
		const struct policy_field *f = NULL;
		for (unsigned i = 0; i < n_tested; i++)
			if (slot_index[i] == (int)s)
				f = tested[i];
		if (f && f->type == FIELD_BOOL) {
			dim_add(&dims[D_SLOT0 + s], "true", "true");
			dim_add(&dims[D_SLOT0 + s], "false", "false");
		} else if (f) {
			for (unsigned v = 0; v < f->n_values; v++)
				dim_add(&dims[D_SLOT0 + s], f->values[v], f->values[v]);
		}
		if (f)
			dim_add(&dims[D_SLOT0 + s], OTHER_VALUE, OTHER_VALUE);
		dim_add(&dims[D_SLOT0 + s], NULL, "");
	}
}

/*
 * Decides every class of one register: the product of the dimensions, with an odometer.
 * The space is small: levels × (the reader's sections + 2) × (their systems + 2) × states ×
 * the tested fields' values.
 */
static int compile_register(struct reader *rd, struct read_reg *rr, struct strbuf *err)
{
	const struct profile *p = rd->p;
	const struct policy_register *g = rr->reg;
	const struct policy_field *tested[READ_MAX_SLOTS];
	struct dim dims[N_DIMS];
	unsigned idx[N_DIMS] = { 0 }, n_tested, total = 0, allowed = 0;
	struct strbuf key = STRBUF_INIT;
	int slot_index[READ_MAX_SLOTS];
	int r = 0;

	memset(dims, 0, sizeof(dims));
	n_tested = policy_action_tested_fields(p, rr->read, tested, READ_MAX_SLOTS);
	if (n_tested > READ_MAX_SLOTS) {
		error_set(err, "the rules of '%s' test more than %d record fields",
		          rr->read->full_name, READ_MAX_SLOTS);
		return -ENOTSUP;
	}
	for (unsigned i = 0; i < n_tested; i++) {
		int s = slot_of(rd, tested[i]->id, err);
		if (s < 0)
			return s;
		slot_index[i] = s;
		rr->slot_field[s] = tested[i];
	}
	dims_fill(rd, g, tested, slot_index, n_tested, dims);

	for (;;) {
		struct decide_input in = { 0 };
		struct decision d;

		const char *opened[POLICY_MAX_OPENINGS];

		input_init(rd, &in, rr->read);
		decide_input_resource(&in, g->id, 0, dims[D_STATE].values[idx[D_STATE]],
		                      dims[D_LEVEL].values[idx[D_LEVEL]],
		                      dims[D_SECTION].values[idx[D_SECTION]],
		                      dims[D_SYSTEM].values[idx[D_SYSTEM]], NULL);
		in.q.opened = opened;
		in.q.n_opened = read_opened_names(
		    rd,
		    read_opened_bits(rd, g, dims[D_SECTION].values[idx[D_SECTION]],
		                     dims[D_SYSTEM].values[idx[D_SYSTEM]], 0),
		    opened);
		for (unsigned i = 0; i < n_tested; i++) {
			unsigned k = D_SLOT0 + (unsigned)slot_index[i];
			if (dims[k].values[idx[k]])
				decide_input_field_add(&in, tested[i]->id, dims[k].values[idx[k]]);
		}
		total++;
		if (policy_decide(p, &in.q, &d, NULL) == 0 && d.effect == EFFECT_ALLOW) {
			allowed++;
			strbuf_reset(&key);
			strbuf_addstr(&key, g->id);
			for (unsigned k = 0; k < N_DIMS; k++) {
				strbuf_addch(&key, KEY_SEP);
				strbuf_addstr(&key, dims[k].parts[idx[k]]);
			}
			strv_push(&rr->keys, key.buf);
		}
		decide_input_release(&in);
		/* next combination */
		unsigned k = 0;
		while (k < N_DIMS && ++idx[k] == dims[k].n)
			idx[k++] = 0;
		if (k == N_DIMS)
			break;
	}
	rr->all = allowed == total;
	rr->none = allowed == 0;
	if (rr->keys.nr)
		qsort(rr->keys.items, rr->keys.nr, sizeof(*rr->keys.items), cmp_str);
	for (unsigned k = 0; k < N_DIMS; k++)
		dim_release(&dims[k]);
	strbuf_release(&key);
	return r;
}

static int compile(struct reader *rd, struct strbuf *err)
{
	const struct profile *p = rd->p;

	rd->regs = xcalloc(p->n_registers ? p->n_registers : 1, sizeof(*rd->regs));
	for (unsigned i = 0; i < p->n_registers; i++) {
		struct read_reg *rr = &rd->regs[i];
		int r;

		rr->reg = &p->registers[i];
		rr->read = policy_register_action(rr->reg, "read");
		if (rd->admin) {
			rr->all = true;
			continue;
		}
		if (!rr->read) {
			rr->none = true;
			continue;
		}
		r = compile_register(rd, rr, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A key part: the value when the reader can tell it apart, else "another". */
static const char *scope_part(const struct strv *known, const char *v)
{
	if (!v)
		return "";
	return strv_has(known, v) ? v : OTHER_SCOPE;
}

bool read_class_allowed(const struct reader *rd, const struct read_reg *rr, const char *level,
                        const char *section, const char *system, const char *state, json_t *fields,
                        struct strbuf *scratch)
{
	struct strbuf *key = scratch;
	const char *k = NULL;

	strbuf_reset(key);
	strbuf_addstr(key, rr->reg->id);
	strbuf_addch(key, KEY_SEP);
	strbuf_addstr(key, level ? level : "");
	strbuf_addch(key, KEY_SEP);
	strbuf_addstr(key, scope_part(&rd->secs, section));
	strbuf_addch(key, KEY_SEP);
	strbuf_addstr(key, scope_part(&rd->systems, system));
	strbuf_addch(key, KEY_SEP);
	strbuf_addstr(key, state ? state : "");
	for (unsigned s = 0; s < READ_MAX_SLOTS; s++) {
		const struct policy_field *f = rr->slot_field[s];
		json_t *v = f && fields ? json_object_get(fields, f->id) : NULL;
		const char *part = "";

		strbuf_addch(key, KEY_SEP);
		if (f && json_is_string(v)) {
			const char *x = json_string_value(v);
			part = OTHER_VALUE;
			if (f->type == FIELD_BOOL) {
				if (!strcmp(x, "true") || !strcmp(x, "false"))
					part = x;
			} else {
				for (unsigned i = 0; i < f->n_values; i++)
					if (!strcmp(f->values[i], x))
						part = x;
			}
		}
		strbuf_addstr(key, part);
	}
	k = key->buf;
	return rr->keys.nr &&
	       bsearch(&k, rr->keys.items, rr->keys.nr, sizeof(*rr->keys.items), cmp_str);
}

static void reader_free(struct reader *rd)
{
	if (!rd)
		return;
	for (unsigned i = 0; rd->regs && i < rd->p->n_registers; i++)
		strv_release(&rd->regs[i].keys);
	free(rd->regs);
	free(rd->login);
	free(rd->section);
	free(rd->employment);
	strv_release(&rd->roles);
	free(rd->role_ptrs);
	free(rd->key);
	strv_release(&rd->secs);
	strv_release(&rd->systems);
	read_open_release(rd);
	read_set_free(rd->set);
	record_order_unref(rd->order);
	free(rd);
}

int reader_new(struct store *st, const struct profile *p, const struct read_subject *s,
               int64_t now_ms, struct reader **ret, struct strbuf *err)
{
	struct reader *rd = xcalloc(1, sizeof(*rd));
	int r;

	atomic_init(&rd->refs, 1);
	rd->set = read_set_new();
	rd->p = p;
	rd->valid_until = INT64_MAX;
	subject_copy(rd, s);
	make_key(rd);
	r = read_stamp(st, p, &rd->stamp, err);
	if (r == 0 && !rd->admin)
		r = read_open_load(rd, st, now_ms, err);
	if (r == 0)
		r = compile(rd, err);
	if (r < 0) {
		reader_free(rd);
		return r;
	}
	*ret = rd;
	return 0;
}

int reader_for_login(struct store *st, const struct profile *p, const char *login, int64_t now_ms,
                     struct reader **ret, struct strbuf *err)
{
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	struct read_subject s = { 0 };
	int r;

	r = org_user_get(st, login, &u, err);
	if (r < 0)
		return r;
	if (strcmp(u.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s and reads nothing", u.login, u.status);
		r = -EPERM;
		goto out;
	}
	r = org_user_roles(st, u.id, now_ms, &roles, err);
	if (r < 0)
		goto out;
	s.user_id = u.id;
	s.login = u.login;
	s.section = u.section;
	s.employment = u.employment;
	s.roles = (const char *const *)roles.items;
	s.n_roles = roles.nr;
	r = reader_new(st, p, &s, now_ms, ret, err);
out:
	strv_release(&roles);
	org_user_release(&u);
	return r;
}

struct reader *reader_ref(struct reader *rd)
{
	if (rd)
		atomic_fetch_add(&rd->refs, 1);
	return rd;
}

void reader_unref(struct reader *rd)
{
	if (rd && atomic_fetch_sub(&rd->refs, 1) == 1)
		reader_free(rd);
}

bool reader_sees_all(const struct reader *rd)
{
	return rd && rd->admin;
}

static const struct read_reg *reg_of(const struct reader *rd, const char *register_id)
{
	const struct policy_register *g = register_id ? policy_register(rd->p, register_id) : NULL;

	return g ? &rd->regs[g->index] : NULL;
}

bool reader_sees_register(const struct reader *rd, const char *register_id)
{
	const struct read_reg *rr = reg_of(rd, register_id);

	return rr && rr->all;
}

const char *reader_key(const struct reader *rd)
{
	return rd->key;
}

int64_t reader_valid_until(const struct reader *rd)
{
	return rd->valid_until;
}

int64_t reader_user_id(const struct reader *rd)
{
	return rd->user_id;
}

/* ---- one record ----------------------------------------------------------------------- */

static void why_set(struct read_why *why, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void why_set(struct read_why *why, const char *reason, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return;
	why->reason = reason;
	va_start(ap, fmt);
	vsnprintf(why->detail, sizeof(why->detail), fmt, ap);
	va_end(ap);
}

static void why_rules(struct read_why *why, const char *reason, const struct decision *d)
{
	struct strbuf sb = STRBUF_INIT;
	const struct policy_clause *c;
	unsigned it = 0;

	if (!why)
		return;
	for (unsigned i = 0; i < 64; i++)
		if (d->rules & (1ULL << i)) {
			const struct policy_rule *r = policy_decision_rule(d, i);
			if (r)
				strbuf_addf(&sb, "%s%s", sb.len ? "," : "rules ", r->id);
		}
	while ((c = policy_decision_next_clause(d, &it)))
		strbuf_addf(&sb, "%s%s", it == 1 ? " clauses " : ",", c->id);
	if (!sb.len)
		strbuf_addstr(&sb, policy_reason_text(d));
	why_set(why, reason, "%s: %s", d->action->full_name, sb.buf);
	strbuf_release(&sb);
}

/*
 * The decision with a record's own values (or a new record's): the register's read action
 * under the policy, as the door decides an act. A reader who may read every class of the
 * register reads every record of it, as the SQL predicate does (read-sql.h: :r_all).
 */
bool read_decide(const struct reader *rd, const char *register_id, int64_t record_id,
                 const char *level, const char *section, const char *system, const char *state,
                 json_t *fields, uint64_t opened, bool granted, struct read_why *why)
{
	const struct read_reg *rr = reg_of(rd, register_id);
	struct decide_input in = { 0 };
	const char *names[POLICY_MAX_OPENINGS];
	struct decision d;
	struct strbuf err = STRBUF_INIT;
	bool ok;

	if (rd->admin) {
		why_set(why, "admin", "the administrator reads every record");
		return true;
	}
	if (!rr) {
		why_set(why, "no_register", "register '%s' is not in profile '%s'",
		        register_id ? register_id : "", rd->p->id);
		return false;
	}
	if (!rr->read) {
		why_set(why, "no_read_action",
		        "register '%s' has no read action: only the administrator reads it",
		        register_id);
		return false;
	}
	if (rr->all) {
		why_set(why, "allow", "%s: every record of the register", rr->read->full_name);
		return true;
	}
	input_init(rd, &in, rr->read);
	decide_input_resource(&in, register_id, record_id, state, level, section, system, fields);
	in.q.opened = names;
	in.q.n_opened = read_opened_names(rd, opened, names);
	in.q.granted = granted;
	if (policy_decide(rd->p, &in.q, &d, &err) < 0) {
		why_set(why, "error", "%s: %s", rr->read->full_name, err.buf);
		strbuf_release(&err);
		decide_input_release(&in);
		return false;
	}
	ok = d.effect == EFFECT_ALLOW;
	why_rules(why, ok ? "allow" : d.reason == REASON_NO_RULE ? "no_rule" : "deny", &d);
	decide_input_release(&in);
	return ok;
}

bool read_record(const struct reader *rd, const struct record *rec, struct read_why *why)
{
	if (!rd || !rec) {
		why_set(why, "error", "no reader");
		return false;
	}
	const struct policy_register *g = policy_register(rd->p, rec->register_id);
	bool granted = g && read_granted(rd, g, rec->fields);
	uint64_t bits = g ? read_opened_bits(rd, g, rec->section, rec->system, rec->id) : 0;

	return read_decide(rd, rec->register_id, rec->id, rec->level, rec->section, rec->system,
	                   rec->state, rec->fields, bits, granted, why);
}

bool read_new_record(const struct reader *rd, const char *register_id, const char *level,
                     const char *section, const char *system, json_t *fields, struct read_why *why)
{
	const struct policy_register *g = register_id ? policy_register(rd->p, register_id) : NULL;
	const char *state = g && g->initial    ? g->initial->id
	                    : g && g->n_states ? g->states[0].id
	                                       : "";

	uint64_t bits = g ? read_opened_bits(rd, g, section, system, 0) : 0;

	return read_decide(rd, register_id, 0, level, section, system, state, fields, bits,
	                   g && read_granted(rd, g, fields), why);
}

static bool holds(const struct reader *rd, const char *role, const char *scope)
{
	struct strbuf rs = STRBUF_INIT;
	bool ok;

	strbuf_addf(&rs, "%s@%s", role, scope);
	ok = strv_has(&rd->roles, rs.buf);
	strbuf_release(&rs);
	return ok;
}

bool read_request(const struct reader *rd, struct store *st, const struct request *q)
{
	struct record rec = { 0 };
	bool ok;

	if (!rd)
		return false;
	if (rd->admin || q->applicant == rd->user_id)
		return true;
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct policy_role *role = policy_role(rd->p, q->slots[i].role);
		if (holds(rd, q->slots[i].role, q->slots[i].scope))
			return true;
		/* a deputy approves for the role it stands in for (MIN-2-2-2) */
		for (unsigned k = 0; role && k < rd->p->n_roles; k++) {
			const struct policy_role *dep = &rd->p->roles[k];
			if (role->deputy == dep && holds(rd, dep->id, q->slots[i].scope))
				return true;
		}
	}
	if (!q->record_id)
		return read_new_record(rd, q->register_id, q->level, q->section, q->system,
		                       q->fields, NULL);
	if (record_get(st, q->record_id, &rec, NULL) < 0)
		return false;
	ok = read_record(rd, &rec, NULL);
	record_release(&rec);
	return ok;
}

/* ---- the SQL predicate ------------------------------------------------------------------ */

int read_sql_init(const struct reader *rd, struct store *st, const char *register_id,
                  struct read_sql *ret, struct strbuf *err)
{
	const struct profile *p = rd->p;
	bool all = true, none = true;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (register_id && !policy_register(p, register_id)) {
		error_set(err, "unknown register '%s'", register_id);
		return -ENOENT;
	}
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct read_reg *rr = &rd->regs[i];
		if (register_id && strcmp(rr->reg->id, register_id))
			continue;
		all &= rr->all;
		none &= rr->none;
	}
	/* a record opened one by one may be readable where no class is */
	if (rd->n_ids)
		none = false;
	ret->rd = rd;
	ret->order = rd->order;
	ret->all = all;
	ret->none = none && !all && !read_set_may_grant(rd, register_id);
	if (ret->all || ret->none)
		return 0;
	r = read_set_begin(rd, st, &ret->set, &ret->set_version, err);
	if (r < 0)
		return r;
	return 0;
}

void read_sql_bind(struct query *q, const struct read_sql *rs)
{
	query_bind_bool(q, 41, rs->all);
	query_bind_bitset(q, 42, rs->set);
}

void read_sql_release(struct read_sql *rs)
{
	if (rs->set)
		read_set_done(rs->rd);
	memset(rs, 0, sizeof(*rs));
}

/* ---- the memo --------------------------------------------------------------------------- */

#define READER_CACHE_MAX 256

struct reader_cache {
	pthread_mutex_t lock;
	struct record_order *order; /* every reader's lists, of the one database the cache serves */
	struct reader *items[READER_CACHE_MAX];
	unsigned next; /* replaced round robin when full */
};

struct reader_cache *reader_cache_new(void)
{
	struct reader_cache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	c->order = record_order_new();
	return c;
}

void reader_cache_free(struct reader_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < READER_CACHE_MAX; i++)
		reader_unref(c->items[i]);
	record_order_unref(c->order);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

int reader_cache_get(struct reader_cache *c, struct store *st, const struct profile *p,
                     const struct read_subject *s, int64_t now_ms, struct reader **ret,
                     struct strbuf *err)
{
	struct reader probe = { 0 }, *rd = NULL;
	unsigned slot = READER_CACHE_MAX;
	uint64_t stamp = 0;
	int r;

	/* what opens records changed (an audit, an incident, a grant): make the reader again */
	r = read_stamp(st, p, &stamp, err);
	if (r < 0)
		return r;
	probe.p = p;
	subject_copy(&probe, s);
	make_key(&probe);
	pthread_mutex_lock(&c->lock);
	for (unsigned i = 0; i < READER_CACHE_MAX; i++) {
		struct reader *x = c->items[i];
		if (x && x->p == p && !strcmp(x->key, probe.key)) {
			if (now_ms < x->valid_until && x->stamp == stamp)
				rd = reader_ref(x);
			slot = i;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	free(probe.login);
	free(probe.section);
	free(probe.employment);
	strv_release(&probe.roles);
	free(probe.role_ptrs);
	free(probe.key);
	strv_release(&probe.secs);
	strv_release(&probe.systems);
	if (rd) {
		*ret = rd;
		return 0;
	}
	r = reader_new(st, p, s, now_ms, &rd, err);
	if (r < 0)
		return r;
	rd->order = record_order_ref(c->order); /* before anyone else sees rd */
	pthread_mutex_lock(&c->lock);
	if (slot == READER_CACHE_MAX) {
		for (unsigned i = 0; i < READER_CACHE_MAX && slot == READER_CACHE_MAX; i++)
			if (!c->items[i])
				slot = i;
		if (slot == READER_CACHE_MAX)
			slot = c->next++ % READER_CACHE_MAX;
	}
	reader_unref(c->items[slot]);
	c->items[slot] = reader_ref(rd);
	pthread_mutex_unlock(&c->lock);
	*ret = rd;
	return 0;
}
