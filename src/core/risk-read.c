/* risk-read: reading a risk back with its measures as they are now, its last acceptance and
 * whether that acceptance went stale; the list and the JSON (core/risk.h). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/org.h"
#include "core/requests.h"
#include "core/risk-internal.h"
#include "core/risk.h"
#include "store/query.h"

static int64_t field_int(const struct record *rec, const char *key)
{
	const char *s = record_field(rec, key);
	int64_t v;

	return s && parse_int64(s, INT64_MIN, INT64_MAX, &v) == 0 ? v : 0;
}

/* The clause ids of a space-separated list, borrowed into an array of pointers into copy. */
static size_t split_ids(char *copy, const char **out, size_t max)
{
	size_t n = 0;

	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save))
		out[n++] = t;
	return n;
}

/* The last acceptance of risk id: when, by whom, what it accepted. */
static int last_acceptance(struct store *st, struct risk *rk, const char *action,
                           struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT a.at_ms, u.login, a.fields, u.name, u.title FROM acts a "
	                      "LEFT JOIN users u ON u.id = a.actor "
	                      "WHERE a.record_id = ?1 AND a.action = ?2 AND a.outcome = 'done' "
	                      "ORDER BY a.id DESC LIMIT 1",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, rk->rec.id);
	query_bind_text(q, 2, action);
	r = query_step(q, err);
	if (r > 0) {
		json_t *fields = json_loads(query_text(q, 2) ? query_text(q, 2) : "{}", 0, NULL);
		const char *s;
		int64_t v;

		rk->accepted_ms = query_int(q, 0);
		rk->accepted_by = query_strdup(q, 1);
		rk->accepted_person = request_person_label(query_text(q, 3), query_text(q, 4));
		if ((s = json_string_value(json_object_get(fields, "accepted_residual"))) &&
		    parse_int64(s, 0, INT64_MAX, &v) == 0)
			rk->accepted_residual = v;
		if ((s = json_string_value(json_object_get(fields, "accepted_level"))))
			rk->accepted_level = xstrdup(s);
		if ((s = json_string_value(json_object_get(fields, "accepted_measures"))))
			rk->accepted_measures = xstrdup(s);
		json_decref(fields);
		query_done(q);
		r = 0;
	}
	return r;
}

/* When risk rk was last assessed (assess or reassess). */
static int last_assessment(struct store *st, struct risk *rk, const char *reg, struct strbuf *err)
{
	char *assess = xstrfmt("%s.assess", reg), *reassess = xstrfmt("%s.reassess", reg);
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT max(at_ms) FROM acts WHERE record_id = ?1 AND action IN (?2, "
	                      "?3) AND outcome = 'done'",
	                      &q, err);

	if (r == 0) {
		query_bind_int(q, 1, rk->rec.id);
		query_bind_text(q, 2, assess);
		query_bind_text(q, 3, reassess);
		r = query_step(q, err);
		if (r > 0) {
			rk->assessed_ms =
			    query_is_null(q, 0) ? rk->rec.created_ms : query_int(q, 0);
			query_done(q);
			r = 0;
		}
	}
	free(assess);
	free(reassess);
	return r;
}

#define DAY_MS (86400LL * 1000)

static const char *json_str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The treatment plan from the acts task_add and task_done of the risk. */
static int read_tasks(struct store *st, struct risk *rk, const char *reg, int64_t now,
                      struct strbuf *err)
{
	char *add = xstrfmt("%s.task_add", reg), *done = xstrfmt("%s.task_done", reg);
	size_t alloc = 0;
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT a.id, a.action, a.fields, a.at_ms, u.login FROM acts a "
	                      "LEFT JOIN users u ON u.id = a.actor WHERE a.record_id = ?1 AND "
	                      "a.action IN (?2, ?3) AND a.outcome = 'done' ORDER BY a.id",
	                      &q, err);

	if (r < 0)
		goto out;
	query_bind_int(q, 1, rk->rec.id);
	query_bind_text(q, 2, add);
	query_bind_text(q, 3, done);
	while ((r = query_step(q, err)) > 0) {
		json_t *f = json_loads(query_text(q, 2) ? query_text(q, 2) : "{}", 0, NULL);
		const char *s;
		int64_t v;

		if (!strcmp(query_text(q, 1), add))
			plan_task_add(&rk->tasks, &rk->n_tasks, &alloc, query_int(q, 0),
			              json_str(f, "task"), json_str(f, "assignee"),
			              json_str(f, "due"));
		else if ((s = json_str(f, "task_act")) && parse_int64(s, 1, INT64_MAX, &v) == 0)
			plan_task_done(rk->tasks, rk->n_tasks, v, query_int(q, 3),
			               query_text(q, 4));
		json_decref(f);
	}
	rk->n_overdue_tasks = plan_tasks_settle(rk->tasks, rk->n_tasks, now);
out:
	free(add);
	free(done);
	return r < 0 ? r : 0;
}

int risk_basis_incidents(struct door *d, struct risk_basis *b, struct strbuf *err)
{
	const struct policy_register *inc = door_profile(d)->incidents.reg;
	struct query *q;
	size_t alloc = 0;
	char *link = NULL;
	int r;

	if (b->incidents_read || !inc)
		return 0;
	link = xstrfmt("%s.link_record", inc->id);
	r = query_prepare(door_store(d),
	                  "SELECT r.id, r.fields, r.created_ms, (SELECT max(a.at_ms) FROM acts a "
	                  "WHERE a.record_id = r.id AND a.action = ?2 AND a.outcome = 'done'), "
	                  "r.section "
	                  "FROM records r WHERE r.register = ?1 ORDER BY r.id",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_text(q, 1, inc->id);
	query_bind_text(q, 2, link);
	while ((r = query_step(q, err)) > 0) {
		json_t *fields = json_loads(query_text(q, 1) ? query_text(q, 1) : "{}", 0, NULL);
		const char *ids = json_string_value(json_object_get(fields, "records"));
		const char *drill = json_string_value(json_object_get(fields, "drill"));

		if (!(drill && !strcmp(drill, "true"))) {
			struct risk_incident *x;
			char *copy = xstrdup(ids ? ids : "");
			const char *parts[64];
			size_t n = split_ids(copy, parts, ARRAY_SIZE(parts));

			ALLOC_GROW(b->incidents, b->n_incidents + 1, alloc);
			x = &b->incidents[b->n_incidents++];
			x->id = query_int(q, 0);
			x->created_ms = query_int(q, 2);
			x->linked_ms = query_is_null(q, 3) ? 0 : query_int(q, 3);
			x->section = query_strdup(q, 4);
			x->rec_sections = NULL;
			x->records = xcalloc(n ? n : 1, sizeof(*x->records));
			x->n_records = 0;
			for (size_t i = 0; i < n; i++) {
				int64_t v;
				if (parse_int64(parts[i], 1, INT64_MAX, &v) == 0)
					x->records[x->n_records++] = v;
			}
			free(copy);
		}
		json_decref(fields);
	}
	if (r == 0)
		b->incidents_read = true;
out:
	free(link);
	return r;
}

int risk_incident_in_section(struct door *d, struct risk_incident *x, const char *section,
                             bool *ret, struct strbuf *err)
{
	int r = 0;

	*ret = x->section && !strcmp(x->section, section);
	if (!x->rec_sections) {
		struct query *q = NULL;
		x->rec_sections = xcalloc(x->n_records ? x->n_records : 1, sizeof(char *));
		r = x->n_records
		        ? query_prepare(door_store(d), "SELECT section FROM records WHERE id = ?1",
		                        &q, err)
		        : 0;
		for (size_t k = 0; r == 0 && k < x->n_records; k++) {
			query_bind_int(q, 1, x->records[k]);
			r = query_step(q, err);
			if (r > 0) {
				x->rec_sections[k] = query_strdup(q, 0);
				query_done(q);
				r = 0;
			}
		}
	}
	for (size_t k = 0; r == 0 && k < x->n_records && !*ret; k++)
		*ret = x->rec_sections[k] && !strcmp(x->rec_sections[k], section);
	return r;
}

/* Incidents (not drills) that involve the target (for a risk of a whole section: that the
 * section reported or that involve one of its records) and were reported, or linked, after
 * the acceptance. */
static int stale_incidents(struct door *d, struct risk_basis *b, struct risk *rk,
                           struct strbuf *err)
{
	int r = risk_basis_incidents(d, b, err);

	for (size_t i = 0; r == 0 && i < b->n_incidents; i++) {
		struct risk_incident *x = &b->incidents[i];
		bool involved = false;

		if (x->created_ms <= rk->accepted_ms && x->linked_ms <= rk->accepted_ms)
			continue;
		if (risk_of_section(rk))
			r = rk->section
			        ? risk_incident_in_section(d, x, rk->section, &involved, err)
			        : 0;
		for (size_t k = 0; k < x->n_records && !involved; k++)
			involved = x->records[k] == rk->target;
		if (involved)
			strv_pushf(&rk->stale_why, "incident:%" PRId64, x->id);
	}
	return r;
}

/* What changed since the acceptance: an incident, the target's level, a measure. */
static int staleness(struct door *d, struct risk_basis *b, struct risk *rk, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	int r;

	if (!rk->accepted_ms || strcmp(rk->state, "accepted"))
		return 0;
	r = stale_incidents(d, b, rk, err);
	if (r < 0)
		return r;
	if (rk->accepted_level && rk->target_level) {
		const struct policy_level *was = policy_level(p, rk->accepted_level);
		const struct policy_level *now = policy_level(p, rk->target_level);
		if (was && now && now->rank < was->rank)
			strv_pushf(&rk->stale_why, "level:%s→%s", was->id, now->id);
	}
	if (rk->accepted_measures) {
		char *copy = xstrdup(rk->accepted_measures);
		const char *ids[RISK_MAX_MEASURES];
		size_t n = split_ids(copy, ids, ARRAY_SIZE(ids));

		for (size_t i = 0; i < n; i++) {
			bool counts = false;
			for (size_t k = 0; k < rk->now.n_measures; k++)
				if (!strcmp(rk->now.measures[k].clause->id, ids[i]))
					counts = rk->now.measures[k].counts;
			if (!counts)
				strv_pushf(&rk->stale_why, "measure:%s", ids[i]);
		}
		free(copy);
	}
	if (rk->now.residual > rk->accepted_residual)
		strv_push(&rk->stale_why, "residual");
	rk->stale = rk->stale_why.nr > 0;
	return 0;
}

static int risk_read(struct door *d, struct risk_basis *b, int64_t id, struct risk *rk,
                     struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *reg = p->risk.reg;
	struct record target = { 0 };
	struct strbuf ignored = STRBUF_INIT;
	const char *ids[RISK_MAX_MEASURES];
	char *copy = NULL, *accept = NULL;
	size_t n = 0;
	int r;

	memset(rk, 0, sizeof(*rk));
	if (!reg) {
		error_set(err, "profile '%s' has no 'risk' section", p->id);
		return -ENOTSUP;
	}
	r = record_get(door_store(d), id, &rk->rec, err);
	if (r == 0 && strcmp(rk->rec.register_id, reg->id)) {
		error_set(err, "record %" PRId64 " is not a risk", id);
		r = -ENOENT;
	}
	if (r < 0)
		return r;
	rk->threat_id = record_field(&rk->rec, "threat");
	rk->threat = rk->threat_id ? policy_threat(p, rk->threat_id) : NULL;
	rk->target = field_int(&rk->rec, "target");
	rk->section = record_field(&rk->rec, "section");
	rk->treatment = record_field(&rk->rec, "treatment");
	rk->reason = record_field(&rk->rec, "reason");
	rk->band = record_field(&rk->rec, "band");
	rk->state = rk->rec.state;
	rk->likelihood = field_int(&rk->rec, "likelihood");
	rk->impact = field_int(&rk->rec, "impact");
	rk->inherent = field_int(&rk->rec, "inherent");
	rk->residual = field_int(&rk->rec, "residual");
	rk->computed = field_int(&rk->rec, "computed");
	rk->procedure = field_int(&rk->rec, "procedure");
	if (rk->target && record_get(door_store(d), rk->target, &target, &ignored) == 0) {
		rk->target_register = xstrdup(target.register_id);
		rk->target_title = xstrdup(record_title(p, &target));
		rk->target_level = target.level ? xstrdup(target.level) : NULL;
	}
	record_release(&target);
	strbuf_reset(&ignored);
	if (rk->section) {
		struct org_section sec = { 0 };
		if (org_section_get(door_store(d), rk->section, &sec, &ignored) == 0)
			rk->section_name = xstrdup(sec.name);
		org_section_release(&sec);
	}
	strbuf_release(&ignored);
	if (record_field(&rk->rec, "measures")) {
		copy = xstrdup(record_field(&rk->rec, "measures"));
		n = split_ids(copy, ids, ARRAY_SIZE(ids));
	}
	r = risk_evaluate_on(d, b, rk->section, ids, n, rk->likelihood, rk->impact, &rk->now, err);
	free(copy);
	accept = xstrfmt("%s.accept", reg->id);
	if (r == 0)
		r = last_acceptance(door_store(d), rk, accept, err);
	free(accept);
	if (r == 0)
		r = last_assessment(door_store(d), rk, reg->id, err);
	if (r == 0)
		r = read_tasks(door_store(d), rk, reg->id, b->now_ms, err);
	if (r == 0)
		r = staleness(d, b, rk, err);
	return r;
}

int risk_get(struct door *d, int64_t id, int64_t now_ms, struct risk *ret, struct strbuf *err)
{
	struct risk_basis b;
	int r;

	memset(ret, 0, sizeof(*ret));
	door_lead(d);
	r = risk_basis_init(d, now_ms, &b, err);
	if (r == 0) {
		r = risk_read(d, &b, id, ret, err);
		risk_basis_release(&b);
	}
	door_unlead(d);
	if (r < 0)
		risk_release(ret);
	return r;
}

void risk_release(struct risk *rk)
{
	record_release(&rk->rec);
	free(rk->target_register);
	free(rk->target_title);
	free(rk->target_level);
	free(rk->accepted_by);
	free(rk->accepted_person);
	free(rk->section_name);
	free(rk->accepted_level);
	free(rk->accepted_measures);
	risk_eval_release(&rk->now);
	strv_release(&rk->stale_why);
	plan_tasks_release(rk->tasks, rk->n_tasks);
	memset(rk, 0, sizeof(*rk));
}

/* Whether a risk record passes f before it is valued: its target and its measures as recorded. */
static bool filter_keeps(const struct risk_filter *f, const struct record *rec)
{
	if (!f)
		return true;
	if (f->n_targets) {
		const char *t = record_field(rec, "target");
		int64_t v = 0;
		bool hit = false;

		if (!t || parse_int64(t, 1, INT64_MAX, &v) < 0)
			return false;
		for (size_t i = 0; i < f->n_targets && !hit; i++)
			hit = f->targets[i] == v;
		if (!hit)
			return false;
	}
	if (f->clause && *f->clause) {
		const char *ms = record_field(rec, "measures");
		char *copy = xstrdup(ms ? ms : "");
		const char *ids[RISK_MAX_MEASURES];
		size_t n = split_ids(copy, ids, ARRAY_SIZE(ids));
		bool hit = false;

		for (size_t i = 0; i < n && !hit; i++)
			hit = !strcmp(ids[i], f->clause);
		free(copy);
		if (!hit)
			return false;
	}
	return true;
}

/* Values the risks ids (newest first as given) against one basis, those f keeps. */
static int read_all(struct door *d, const struct record_list *l, const struct risk_filter *f,
                    int64_t now_ms, struct risk_list *ret, struct strbuf *err)
{
	struct risk_basis b;
	int r;

	door_lead(d);
	r = risk_basis_init(d, now_ms, &b, err);
	for (size_t i = 0; r == 0 && i < l->nr; i++) {
		if (!filter_keeps(f, &l->items[i]))
			continue;
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		r = risk_read(d, &b, l->items[i].id, &ret->items[ret->nr], err);
		if (r == -ENOENT) { /* gone meanwhile */
			risk_release(&ret->items[ret->nr]);
			strbuf_reset(err);
			r = 0;
			continue;
		}
		ret->nr++;
	}
	risk_basis_release(&b); /* zeroed when its init failed */
	door_unlead(d);
	return r;
}

int risk_list(struct door *d, const char *section, int64_t now_ms, struct risk_list *ret,
              struct strbuf *err)
{
	const struct policy_register *reg = door_profile(d)->risk.reg;
	struct record_list l = { 0 };
	struct record_filter f = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!reg) {
		error_set(err, "profile '%s' has no 'risk' section", door_profile(d)->id);
		return -ENOTSUP;
	}
	f.register_id = reg->id;
	f.section = section;
	door_lead(d);
	r = records_list(door_store(d), &f, &l, err);
	door_unlead(d);
	if (r == 0) {
		/* newest first */
		for (size_t i = 0, k = l.nr ? l.nr - 1 : 0; i < k; i++, k--) {
			struct record t = l.items[i];
			l.items[i] = l.items[k];
			l.items[k] = t;
		}
		r = read_all(d, &l, NULL, now_ms, ret, err);
	}
	record_list_release(&l);
	if (r < 0)
		risk_list_release(ret);
	return r;
}

int risk_list_visible(struct door *d, struct store *st, const struct reader *rd,
                      const struct risk_filter *f, int64_t now_ms, struct risk_list *ret,
                      struct strbuf *err)
{
	const struct policy_register *reg = door_profile(d)->risk.reg;
	struct record_query q = { .sort = "-id" };
	struct record_page page = { 0 };
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!reg) {
		error_set(err, "profile '%s' has no 'risk' section", door_profile(d)->id);
		return -ENOTSUP;
	}
	q.register_id = reg->id;
	q.section = f && f->section && *f->section ? f->section : NULL;
	r = records_query(st, rd, &q, &page, err);
	if (r == 0)
		r = read_all(d, &page.list, f, now_ms, ret, err);
	record_page_release(&page);
	if (r < 0)
		risk_list_release(ret);
	return r;
}

/* The measures each risk named in its last assessment (assess or reassess) made in [from,
 * to): per risk (record id, ascending), its space-separated clause ids. */
static int period_measures(struct door *d, int64_t from_ms, int64_t to_ms, struct strv *ids,
                           struct strv *measures, struct strv *entries, struct strbuf *err)
{
	const struct policy_register *reg = door_profile(d)->risk.reg;
	char *assess = xstrfmt("%s.assess", reg->id), *reassess = xstrfmt("%s.reassess", reg->id);
	struct query *q;
	int r = query_prepare(door_store(d),
	                      "SELECT a.record_id, coalesce(json_extract(a.fields, '$.measures'), "
	                      "''), coalesce(a.ledger_index, -1) FROM acts a WHERE a.action IN "
	                      "(?1, ?2) AND a.outcome = 'done' "
	                      "AND a.at_ms >= ?3 AND a.at_ms < ?4 AND a.id = (SELECT max(b.id) "
	                      "FROM acts b WHERE b.record_id = a.record_id AND b.action IN (?1, "
	                      "?2) AND b.outcome = 'done' AND b.at_ms >= ?3 AND b.at_ms < ?4) "
	                      "ORDER BY a.record_id",
	                      &q, err);

	if (r == 0) {
		query_bind_text(q, 1, assess);
		query_bind_text(q, 2, reassess);
		query_bind_int(q, 3, from_ms);
		query_bind_int(q, 4, to_ms);
		while ((r = query_step(q, err)) > 0) {
			strv_pushf(ids, "%" PRId64, query_int(q, 0));
			strv_push(measures, query_text(q, 1) ? query_text(q, 1) : "");
			strv_pushf(entries, "%" PRId64, query_int(q, 2));
		}
	}
	free(assess);
	free(reassess);
	return r < 0 ? r : 0;
}

int risk_clause_tally(struct door *d, int64_t from_ms, int64_t to_ms, int64_t now_ms,
                      int64_t *named, int64_t *counting, struct risk_clause_hit **hits,
                      size_t *n_hits, struct strbuf *err)
{
	const struct profile *p = door_profile(d);
	struct strv ids = STRV_INIT, measures = STRV_INIT, entries = STRV_INIT;
	struct risk_list l = { 0 };
	size_t alloc_hits = 0;
	int r;

	if (!p->risk.reg)
		return 0;
	door_lead(d); /* the web's audit page calls this from a worker: the door's connection */
	r = period_measures(d, from_ms, to_ms, &ids, &measures, &entries, err);
	door_unlead(d);
	if (r == 0 && ids.nr)
		r = risk_list(d, NULL, now_ms, &l, err);
	for (size_t i = 0; r == 0 && i < ids.nr; i++) {
		char *copy = xstrdup(measures.items[i]);
		const char *cs[RISK_MAX_MEASURES];
		size_t n = split_ids(copy, cs, ARRAY_SIZE(cs));
		const struct risk *now = NULL;
		int64_t id = 0, entry = -1;

		parse_int64(ids.items[i], 1, INT64_MAX, &id);
		parse_int64(entries.items[i], -1, INT64_MAX, &entry);
		for (size_t k = 0; k < l.nr && !now; k++)
			if (l.items[k].rec.id == id)
				now = &l.items[k];
		for (size_t k = 0; k < n; k++) {
			const struct policy_clause *c = policy_clause(p, cs[k]);
			bool counts = false;

			if (!c)
				continue;
			named[c->index]++;
			for (size_t j = 0; now && j < now->now.n_measures; j++)
				counts = counts || (now->now.measures[j].clause == c &&
				                    now->now.measures[j].counts);
			counting[c->index] += counts;
			if (hits) {
				ALLOC_GROW(*hits, *n_hits, alloc_hits);
				(*hits)[(*n_hits)++] =
				    (struct risk_clause_hit){ c->index, id, entry, counts };
			}
		}
		free(copy);
	}
	risk_list_release(&l);
	strv_release(&ids);
	strv_release(&measures);
	strv_release(&entries);
	return r;
}

void risk_list_release(struct risk_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		risk_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void measure_json(const struct risk_eval *e, const struct risk_measure *m,
                         struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_str(w, "clause", m->clause->id);
	jw_kv_str(w, "cite", m->clause->cite);
	jw_kv_str(w, "text", m->clause->text);
	jw_kv_str(w, "strength", policy_strength_name(m->strength));
	jw_kv_bool(w, "counts", m->counts);
	jw_kv_str(w, "why_not", m->why_not);
	jw_kv_int(w, "reduce", m->reduce);
	jw_key(w, "evidence");
	jw_object_begin(w);
	jw_kv_time(w, "from", e->period_from_ms);
	jw_kv_int(w, "acts", m->acts_done);
	jw_kv_int(w, "refused", m->acts_refused);
	jw_kv_int(w, "incidents", m->incidents);
	jw_kv_int(w, "findings", m->findings);
	jw_kv_int(w, "findings_open", m->findings_open);
	jw_key(w, "duties");
	jw_array_begin(w);
	for (size_t i = 0; i < m->n_duties; i++) {
		jw_object_begin(w);
		jw_kv_str(w, "id", m->duties[i].duty->id);
		jw_kv_str(w, "name", m->duties[i].duty->name);
		jw_kv_str(w, "scope", m->duties[i].scope);
		jw_kv_time(w, "last_done", m->duties[i].last_done_ms);
		jw_kv_time(w, "next_due", m->duties[i].next_due_ms);
		jw_kv_bool(w, "overdue", m->duties[i].overdue);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_object_end(w);
}

void risk_json(const struct risk *rk, struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_int(w, "id", rk->rec.id);
	jw_key(w, "target");
	jw_object_begin(w);
	jw_kv_str(w, "kind", risk_of_section(rk) ? "section" : "record");
	jw_key(w, "id");
	if (risk_of_section(rk))
		jw_null(w);
	else
		jw_int(w, rk->target);
	jw_kv_str(w, "register", rk->target_register);
	jw_kv_str(w, "title", risk_of_section(rk) ? rk->section_name : rk->target_title);
	jw_kv_str(w, "level", rk->target_level);
	jw_kv_str(w, "section", risk_of_section(rk) ? rk->section : NULL);
	jw_object_end(w);
	jw_kv_str(w, "section", rk->section);
	jw_kv_str(w, "section_name", rk->section_name);
	jw_key(w, "threat");
	jw_object_begin(w);
	jw_kv_str(w, "id", rk->threat_id);
	jw_kv_str(w, "name", rk->threat ? rk->threat->name : NULL);
	jw_key(w, "clauses");
	jw_array_begin(w);
	for (unsigned i = 0; rk->threat && i < rk->threat->clauses.nr; i++)
		jw_string(w, rk->threat->clauses.items[i]->id);
	jw_array_end(w);
	jw_object_end(w);
	jw_kv_int(w, "likelihood", rk->likelihood);
	jw_kv_int(w, "impact", rk->impact);
	jw_kv_int(w, "inherent", rk->inherent);
	jw_kv_int(w, "residual", rk->residual);
	jw_kv_int(w, "computed_residual", rk->now.residual);
	/* what Mamori computed when it was assessed: the residual confirms it or raises it */
	jw_key(w, "computed_at_assessment");
	if (rk->computed)
		jw_int(w, rk->computed);
	else
		jw_null(w);
	jw_kv_str(w, "treatment", rk->treatment);
	jw_kv_str(w, "reason", rk->reason);
	jw_kv_str(w, "band", rk->band);
	jw_kv_str(w, "state", rk->state);
	jw_key(w, "procedure");
	if (rk->procedure)
		jw_int(w, rk->procedure);
	else
		jw_null(w);
	jw_key(w, "measures");
	jw_array_begin(w);
	for (size_t i = 0; i < rk->now.n_measures; i++)
		measure_json(&rk->now, &rk->now.measures[i], w);
	jw_array_end(w);
	jw_kv_str(w, "accepted_by", rk->accepted_by);
	jw_kv_str(w, "accepted_person", rk->accepted_person);
	jw_kv_time(w, "accepted_at", rk->accepted_ms);
	jw_key(w, "accepted_residual");
	if (rk->accepted_ms)
		jw_int(w, rk->accepted_residual);
	else
		jw_null(w);
	jw_kv_bool(w, "stale", rk->stale);
	jw_key(w, "stale_reasons");
	jw_array_begin(w);
	for (size_t i = 0; i < rk->stale_why.nr; i++)
		jw_string(w, rk->stale_why.items[i]);
	jw_array_end(w);
	jw_kv_time(w, "assessed_at", rk->assessed_ms);
	jw_key(w, "tasks");
	plan_tasks_json(rk->tasks, rk->n_tasks, w);
	jw_object_end(w);
}
