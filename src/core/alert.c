/* alert: Mamori's own alerts (register `alert`): raising one through the door, and reading them. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/alert.h"
#include "core/core.h"
#include "core/incident.h"
#include "core/records.h"
#include "store/query.h"

/* Sigma's levels and the value the profiles' `alert.severity` enum uses for each. */
static const struct {
	const char *sigma, *value;
} severities[] = {
	{ "critical", "緊急" },      { "high", "高" }, { "medium", "中" }, { "low", "低" },
	{ "informational", "情報" },
};

const char *alert_severity_value(const char *sigma_level)
{
	for (size_t i = 0; sigma_level && i < ARRAY_SIZE(severities); i++)
		if (!strcmp(severities[i].sigma, sigma_level) ||
		    !strcmp(severities[i].value, sigma_level))
			return severities[i].value;
	return NULL;
}

int alert_raise(struct door *d, const struct alert_input *in, int64_t *ret_id,
                uint64_t *ret_ledger_index, struct strbuf *err)
{
	int64_t id = 0, incident = 0;
	int r = alert_raise_only(d, in, &id, ret_ledger_index, err);

	if (r == 0) {
		if (ret_id)
			*ret_id = id;
		/* A serious alert opens an incident or joins the open one (core/incident.h). */
		r = incident_from_alert(d, id, in, &incident, err);
	}
	return r;
}

int alert_raise_only(struct door *d, const struct alert_input *in, int64_t *ret_id,
                     uint64_t *ret_ledger_index, struct strbuf *err)
{
	struct act_attr fields[8];
	struct act_input act = { .kind = ACT_RECORD };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf entries = STRBUF_INIT, when = STRBUF_INIT;
	const char *severity;
	size_t n = 0;
	int r;

	if (!in->source || !act_system_may(in->source, ALERT_REGISTER ".raise")) {
		error_set(err, "'%s' may not raise alerts", in->source ? in->source : "");
		return -EPERM;
	}
	severity = alert_severity_value(in->severity ? in->severity : "medium");
	if (!severity) {
		error_set(err,
		          "unknown severity '%s' (critical, high, medium, low or informational)",
		          in->severity);
		return -EINVAL;
	}
	if (!in->rule || !in->summary || in->n_entries == 0 || in->time_ms < 0) {
		error_set(err, "an alert needs a rule, a summary, a time and the entries it is "
		               "about");
		return -EINVAL;
	}
	for (size_t i = 0; i < in->n_entries && i < ALERT_MAX_ENTRIES; i++)
		strbuf_addf(&entries, "%s%" PRIu64, i ? " " : "", in->entries[i]);
	time_format_rfc3339(&when, in->time_ms);

	fields[n++] = (struct act_attr){ "rule", in->rule };
	fields[n++] = (struct act_attr){ "severity", severity };
	fields[n++] = (struct act_attr){ "detected_at", when.buf };
	fields[n++] = (struct act_attr){ "summary", in->summary };
	fields[n++] = (struct act_attr){ "entries", entries.buf };
	fields[n++] = (struct act_attr){ "source", in->source };
	if (in->host && *in->host)
		fields[n++] = (struct act_attr){ "host", in->host };
	act.system_actor = in->source;
	act.action = ALERT_REGISTER ".raise";
	act.system = in->system;
	act.fields = fields;
	act.n_fields = n;
	act.ctx.via = in->source;
	r = act_run(d, &act, &res, err);
	if (r == 0 && res.outcome != ACT_DONE) {
		/* The door allows a system actor's listed actions itself: cannot be refused. */
		error_set(err, "raising the alert was not done: %s", res.message);
		r = -EPERM; /* (a refusal: not -EPROTO, the store's corrupt database) */
	}
	if (r == 0) {
		if (ret_id)
			*ret_id = res.record_id;
		if (ret_ledger_index)
			*ret_ledger_index = res.ledger_index;
	}
	act_result_release(&res);
	strbuf_release(&entries);
	strbuf_release(&when);
	return r;
}

/* ---- reading -------------------------------------------------------------------------- */

static char *json_dup(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v && json_is_string(v) && *json_string_value(v) ? xstrdup(json_string_value(v))
	                                                       : NULL;
}

static void parse_entries(struct alert *a, const char *text)
{
	size_t alloc = 0;

	while (text && *text) {
		char *end;
		unsigned long long v;

		while (*text == ' ')
			text++;
		if (!*text)
			break;
		v = strtoull(text, &end, 10);
		if (end == text)
			break;
		ALLOC_GROW(a->entries, a->n_entries + 1, alloc);
		a->entries[a->n_entries++] = (uint64_t)v;
		text = end;
	}
}

/* The fields' part of an alert (fields is borrowed). */
static void alert_fields(struct alert *a, json_t *fields)
{
	json_t *v;

	a->rule = json_dup(fields, "rule");
	a->severity = json_dup(fields, "severity");
	a->host = json_dup(fields, "host");
	a->summary = json_dup(fields, "summary");
	a->source = json_dup(fields, "source");
	v = json_object_get(fields, "detected_at");
	if (!v || !json_is_string(v) || time_parse_rfc3339(json_string_value(v), &a->time_ms) < 0)
		a->time_ms = a->created_ms;
	v = json_object_get(fields, "incident");
	if (v && json_is_string(v))
		parse_int64(json_string_value(v), 1, INT64_MAX, &a->incident_id);
	v = json_object_get(fields, "entries");
	if (v && json_is_string(v))
		parse_entries(a, json_string_value(v));
}

/* Columns: id, state, system, fields, created_ms, changed_ms. */
static void alert_from_row(struct query *q, struct alert *a)
{
	const char *text = query_text(q, 3);
	json_t *fields = text ? json_loads(text, 0, NULL) : NULL;

	memset(a, 0, sizeof(*a));
	a->id = query_int(q, 0);
	a->state = query_strdup(q, 1);
	a->system = query_strdup(q, 2);
	a->created_ms = query_int(q, 4);
	a->changed_ms = query_int(q, 5);
	if (!fields)
		fields = json_object();
	alert_fields(a, fields);
	json_decref(fields);
}

void alert_from_record(const struct record *rec, struct alert *a)
{
	memset(a, 0, sizeof(*a));
	a->id = rec->id;
	a->state = rec->state ? xstrdup(rec->state) : NULL;
	a->system = rec->system ? xstrdup(rec->system) : NULL;
	a->created_ms = rec->created_ms;
	a->changed_ms = rec->changed_ms;
	if (rec->fields)
		alert_fields(a, rec->fields);
	else
		a->time_ms = a->created_ms;
}

int alerts_list(struct store *st, const struct alert_filter *f, struct alert_list *ret,
                struct strbuf *err)
{
	static const struct alert_filter none = { 0 };
	struct query *q;
	int r;

	if (!f)
		f = &none;
	/* Two statements, so each is a literal: newest first (the pages) or oldest first. */
	r = query_prepare(
	    st,
	    f->oldest_first
	        ? "SELECT id, state, system, fields, created_ms, changed_ms FROM records"
	          " WHERE register = 'alert' AND (?1 IS NULL OR state = ?1)"
	          " AND (?2 IS NULL OR json_extract(fields, '$.rule') = ?2)"
	          " AND (?3 = 0 OR created_ms >= ?3) AND (?4 = 0 OR id < ?4)"
	          " AND (?6 IS NULL OR json_extract(fields, '$.source') = ?6)"
	          " AND (?7 = 0 OR id > ?7)"
	          " ORDER BY id ASC LIMIT ?5"
	        : "SELECT id, state, system, fields, created_ms, changed_ms FROM records"
	          " WHERE register = 'alert' AND (?1 IS NULL OR state = ?1)"
	          " AND (?2 IS NULL OR json_extract(fields, '$.rule') = ?2)"
	          " AND (?3 = 0 OR created_ms >= ?3) AND (?4 = 0 OR id < ?4)"
	          " AND (?6 IS NULL OR json_extract(fields, '$.source') = ?6)"
	          " AND (?7 = 0 OR id > ?7)"
	          " ORDER BY id DESC LIMIT ?5",
	    &q, err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, f->state);
	query_bind_text(q, 2, f->rule);
	query_bind_int(q, 3, f->since_ms);
	query_bind_int(q, 4, f->before_id);
	query_bind_int(q, 5, f->limit > 0 ? f->limit : INT64_MAX);
	query_bind_text(q, 6, f->source);
	query_bind_int(q, 7, f->after_id);
	while ((r = query_step(q, err)) > 0) {
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		alert_from_row(q, &ret->items[ret->nr++]);
	}
	return r;
}

int alerts_count(struct store *st, const char *state, int64_t *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT count(*) FROM records WHERE register = 'alert'"
	                      " AND (?1 IS NULL OR state = ?1)",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_text(q, 1, state);
	return query_one_int(q, ret, err);
}

int alert_get(struct store *st, int64_t id, struct alert *ret, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(st,
	                      "SELECT id, state, system, fields, created_ms, changed_ms"
	                      " FROM records WHERE register = 'alert' AND id = ?",
	                      &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	r = query_step(q, err);
	if (r == 0) {
		error_set(err, "no alert %lld", (long long)id);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	alert_from_row(q, ret);
	query_done(q);
	return 0;
}

void alert_release(struct alert *a)
{
	if (!a)
		return;
	free(a->rule);
	free(a->severity);
	free(a->host);
	free(a->system);
	free(a->summary);
	free(a->source);
	free(a->state);
	free(a->entries);
	memset(a, 0, sizeof(*a));
}

void alert_list_release(struct alert_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		alert_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void alert_json(const struct alert *a, struct json_writer *w)
{
	struct strbuf t = STRBUF_INIT;

	time_format_rfc3339(&t, a->time_ms);
	jw_object_begin(w);
	jw_kv_int(w, "id", a->id);
	jw_kv_str(w, "rule", a->rule);
	jw_kv_str(w, "time", t.buf);
	jw_kv_str(w, "host", a->host);
	jw_kv_str(w, "summary", a->summary);
	jw_key(w, "entries");
	jw_array_begin(w);
	for (size_t i = 0; i < a->n_entries; i++)
		jw_uint(w, a->entries[i]);
	jw_array_end(w);
	jw_kv_str(w, "severity", a->severity);
	jw_kv_str(w, "state", a->state);
	jw_kv_str(w, "source", a->source);
	jw_kv_str(w, "system", a->system);
	jw_key(w, "incident");
	if (a->incident_id)
		jw_int(w, a->incident_id);
	else
		jw_null(w);
	jw_object_end(w);
	strbuf_release(&t);
}
