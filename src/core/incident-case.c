/* incident-case: a case read back from its record and its acts: timeline, deadlines, evidence
 * and its custody, containment in force, tasks; lists for the CSIRT and the dashboard. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/attach.h"
#include "core/core.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/read.h"
#include "policy/policy.h"
#include "store/query.h"

static const char *field_of(const struct record *r, const char *key)
{
	const char *v = record_field(r, key);

	return v && *v ? v : NULL;
}

static bool field_true(const struct record *r, const char *key)
{
	const char *v = field_of(r, key);

	return v && !strcmp(v, "true");
}

static int64_t time_field(const struct record *r, const char *key)
{
	int64_t ms = 0;
	const char *v = field_of(r, key);

	if (!v || time_parse_rfc3339(v, &ms) < 0)
		return 0;
	return ms;
}

/* "12 15 18" → ids (at most INCIDENT_MAX_RECORDS * 16; anything not a number is skipped). */
static void parse_ids(const char *text, int64_t **ret, size_t *ret_n)
{
	size_t alloc = 0;

	*ret = NULL;
	*ret_n = 0;
	while (text && *text && *ret_n < INCIDENT_MAX_RECORDS * 16) {
		char *end;
		long long v;

		while (*text == ' ' || *text == ',')
			text++;
		if (!*text)
			break;
		v = strtoll(text, &end, 10);
		if (end == text) {
			text++;
			continue;
		}
		if (v > 0) {
			ALLOC_GROW(*ret, *ret_n + 1, alloc);
			(*ret)[(*ret_n)++] = v;
		}
		text = end;
	}
}

bool incident_reportable(const struct profile *p, const struct record *rec)
{
	const struct policy_incidents *in = &p->incidents;

	for (unsigned i = 0; i < in->n_reportable_any; i++)
		if (field_true(rec, in->reportable_any[i]->id))
			return true;
	if (in->more_than_field) {
		const char *v = field_of(rec, in->more_than_field->id);
		int64_t n = 0;
		if (v && parse_int64(v, 0, INT64_MAX, &n) == 0 && n > in->more_than)
			return true;
	}
	return false;
}

/* A recorded value as people read it: a section's or a system's name, はい or いいえ, a time as
 * an office writes it (令和8年12月7日 18:22); anything else, or a name not found, as recorded. */
static void value_phrase(struct strbuf *sb, struct store *st, const struct policy_field *f,
                         const char *v)
{
	struct org_section sec = { 0 };
	struct org_system sys = { 0 };
	int64_t ms;

	if (f && f->type == FIELD_SECTION && org_section_get(st, v, &sec, NULL) == 0)
		strbuf_addstr(sb, sec.name);
	else if (f && f->type == FIELD_SYSTEM && org_system_get(st, v, &sys, NULL) == 0)
		strbuf_addstr(sb, sys.name);
	else if (f && f->type == FIELD_BOOL && (!strcmp(v, "true") || !strcmp(v, "false")))
		strbuf_addstr(sb, !strcmp(v, "true") ? "はい" : "いいえ");
	else if (f && f->type == FIELD_DATETIME && incident_parse_time(v, &ms) == 0) {
		time_format_wareki(sb, ms, TOKYO_OFFSET_MS);
		strbuf_addch(sb, ' ');
		time_format_clock(sb, ms, TOKYO_OFFSET_MS);
	} else
		strbuf_addstr(sb, v);
	org_section_release(&sec);
	org_system_release(&sys);
}

/* What an act did, for people: 受付、経過の記録（経過: …）：コメント. */
static char *event_what(const struct profile *p, struct store *st, const struct history_item *h)
{
	const struct policy_action *a = policy_action(p, h->action);
	struct strbuf sb = STRBUF_INIT;
	const char *key;
	json_t *v;
	bool first = true;

	if (!strcmp(h->kind, "request.approve"))
		strbuf_addstr(&sb, "承認：");
	else if (!strcmp(h->kind, "request.reject"))
		strbuf_addstr(&sb, "却下：");
	else if (!strcmp(h->kind, "request.withdraw"))
		strbuf_addstr(&sb, "取下げ：");
	else if (!strcmp(h->kind, "attachment.add"))
		strbuf_addstr(&sb, "ファイルの追加：");
	strbuf_addstr(&sb, a && a->name ? a->name : h->action);
	/* what it recorded, in the profile's order: the action's fields, then the register's */
	for (unsigned pass = 0; a && pass < 2; pass++) {
		const struct policy_field *fs = pass ? a->reg->fields : a->fields;
		unsigned n = pass ? a->reg->n_fields : a->n_fields;

		for (unsigned i = 0; i < n; i++) {
			key = fs[i].id;
			v = json_object_get(h->fields, key);
			if (!v || !json_is_string(v) || (pass && policy_action_field(a, key)))
				continue;
			strbuf_addstr(&sb, first ? "（" : "、");
			strbuf_addf(&sb, "%s: ", fs[i].name ? fs[i].name : key);
			value_phrase(&sb, st, &fs[i], json_string_value(v));
			first = false;
		}
	}
	json_object_foreach(h->fields, key, v)
	{
		if (!json_is_string(v) ||
		    (a && (policy_action_field(a, key) || policy_register_field(a->reg, key))))
			continue;
		strbuf_addstr(&sb, first ? "（" : "、");
		strbuf_addf(&sb, "%s: %s", key, json_string_value(v));
		first = false;
	}
	if (!first)
		strbuf_addstr(&sb, "）");
	if (!strcmp(h->outcome, "pending"))
		strbuf_addstr(&sb, "［承認待ち］");
	else if (!strcmp(h->outcome, "refused"))
		strbuf_addstr(&sb, "［拒否］");
	if (h->comment && *h->comment)
		strbuf_addf(&sb, "：%s", h->comment);
	return strbuf_detach(&sb, NULL);
}

static const char *hfield(const struct history_item *h, const char *key)
{
	json_t *v = json_object_get(h->fields, key);

	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static bool is_action(const struct history_item *h, const struct policy_action *a)
{
	return a && !strcmp(h->outcome, "done") && !strcmp(h->action, a->full_name);
}

static void build_events(struct incident *inc, const struct profile *p, struct store *st)
{
	inc->events = xcalloc(inc->hist.nr ? inc->hist.nr : 1, sizeof(*inc->events));
	for (size_t i = 0; i < inc->hist.nr; i++) {
		const struct history_item *h = &inc->hist.items[i];
		struct incident_event *e = &inc->events[inc->n_events++];

		e->act_id = h->act_id;
		e->at_ms = h->at_ms;
		if (!strcmp(h->actor, "mamori") && h->via &&
		    (!strcmp(h->via, "monitor") || !strcmp(h->via, "fim")))
			e->actor = xstrfmt("system:%s", h->via);
		else
			e->actor = xstrdup(h->actor);
		e->actor_name = h->actor_name ? xstrdup(h->actor_name) : NULL;
		e->action = xstrdup(h->action);
		e->outcome = xstrdup(h->outcome);
		e->ledger_index = h->ledger_index;
		e->what = event_what(p, st, h);
	}
}

static void build_deadlines(struct incident *inc, const struct profile *p, int64_t now)
{
	const struct policy_incidents *in = &p->incidents;
	const struct policy_action *done_by =
	    in->reg ? policy_register_action(in->reg, "report_out") : NULL;

	inc->deadlines = xcalloc(in->n_deadlines ? in->n_deadlines : 1, sizeof(*inc->deadlines));
	for (unsigned i = 0; i < in->n_deadlines; i++) {
		const struct policy_incident_deadline *def = &in->deadlines[i];
		struct incident_deadline *dl;
		int64_t within = def->within_seconds;

		if (def->reportable_only && !inc->reportable)
			continue;
		if (!inc->found_ms)
			continue;
		if (def->longer_if && field_true(&inc->rec, def->longer_if->id))
			within = def->longer_seconds;
		dl = &inc->deadlines[inc->n_deadlines++];
		dl->def = def;
		dl->due_ms = inc->found_ms + within * 1000;
		for (size_t k = 0; k < inc->hist.nr && !dl->done; k++) {
			const struct history_item *h = &inc->hist.items[k];
			const char *v = hfield(h, "deadline");
			if (is_action(h, done_by) && v && !strcmp(v, def->name)) {
				dl->done = true;
				dl->done_ms = h->at_ms;
				dl->done_by = xstrdup(h->actor);
			}
		}
		dl->overdue = !dl->done && now > dl->due_ms;
	}
}

/* The evidence taken in (the case's files), and who holds each after its hand-overs. */
static int build_evidence(struct incident *inc, struct store *st, const struct profile *p,
                          struct strbuf *err)
{
	const struct policy_action *handover =
	    policy_register_action(p->incidents.reg, "evidence_handover");
	struct attachment_list list = { 0 };
	char owner[32];
	int r;

	snprintf(owner, sizeof(owner), "record:%" PRId64, inc->rec.id);
	r = attachments_list(st, owner, &list, err);
	if (r < 0)
		return r;
	inc->evidence = xcalloc(list.nr ? list.nr : 1, sizeof(*inc->evidence));
	for (size_t i = 0; i < list.nr; i++) {
		struct attachment *a = &list.items[i];
		struct incident_evidence *e = &inc->evidence[inc->n_evidence++];

		e->attachment_id = a->id;
		e->name = xstrdup(a->name ? a->name : "");
		e->sha256 = xstrdup(a->sha256);
		e->media_type = a->media_type ? xstrdup(a->media_type) : NULL;
		e->size = a->size;
		e->added_ms = a->added_ms;
		e->added_by = a->added_by ? xstrdup(a->added_by) : xstrdup("mamori");
		e->ledger_index = a->ledger_index;
		e->holder = xstrdup(e->added_by);
		for (size_t k = 0; k < inc->hist.nr; k++) {
			const struct history_item *h = &inc->hist.items[k];
			const char *which = hfield(h, "evidence"), *to = hfield(h, "receiver");
			size_t wl = which ? strlen(which) : 0;

			/* named by its SHA-256 or a prefix of at least 12 hex digits */
			if (!is_action(h, handover) || !to || wl < 12 || wl > 64 ||
			    strncmp(which, e->sha256, wl))
				continue;
			free(e->holder);
			e->holder = xstrdup(to);
			e->n_handovers++;
		}
	}
	attachment_list_release(&list);
	return 0;
}

/* The first text or user value an act recorded: what a containment was applied to. */
static const char *containment_target(const struct history_item *h,
                                      const struct policy_containment *c)
{
	const char *v;

	if (c->suspends && (v = hfield(h, c->suspends->id)))
		return v;
	if ((v = hfield(h, "target")))
		return v;
	return "";
}

static void build_containment(struct incident *inc, const struct profile *p)
{
	const struct policy_incidents *in = &p->incidents;
	size_t alloc = 0;

	for (size_t k = 0; k < inc->hist.nr; k++) {
		const struct history_item *h = &inc->hist.items[k];

		for (unsigned i = 0; i < in->n_containment; i++) {
			const struct policy_containment *c = &in->containment[i];
			const char *target = containment_target(h, c);
			struct incident_containment *x = NULL;

			if (is_action(h, c->action)) {
				ALLOC_GROW(inc->containment, inc->n_containment + 1, alloc);
				x = &inc->containment[inc->n_containment++];
				memset(x, 0, sizeof(*x));
				x->action = c->action->id;
				x->name = c->action->name;
				x->target = xstrdup(target);
				x->since_ms = h->at_ms;
				x->by = xstrdup(h->actor);
				x->in_force = true;
			} else if (is_action(h, c->undo)) {
				/* the latest one in force on the same target */
				for (size_t j = inc->n_containment; j-- > 0 && !x;)
					if (inc->containment[j].in_force &&
					    !strcmp(inc->containment[j].action, c->action->id) &&
					    (!*target ||
					     !strcmp(inc->containment[j].target, target)))
						x = &inc->containment[j];
				if (x) {
					x->in_force = false;
					x->undone_ms = h->at_ms;
				}
			}
		}
	}
}

static void build_tasks(struct incident *inc, const struct profile *p, int64_t now_ms)
{
	const struct policy_action *add = policy_register_action(p->incidents.reg, "task_add");
	const struct policy_action *done = policy_register_action(p->incidents.reg, "task_done");
	size_t alloc = 0;

	for (size_t k = 0; k < inc->hist.nr; k++) {
		const struct history_item *h = &inc->hist.items[k];

		if (is_action(h, add)) {
			plan_task_add(&inc->tasks, &inc->n_tasks, &alloc, h->act_id,
			              hfield(h, "task"), hfield(h, "assignee"), hfield(h, "due"));
		} else if (is_action(h, done)) {
			int64_t n = 0;
			const char *v = hfield(h, "task_act");
			if (v && parse_int64(v, 1, INT64_MAX, &n) == 0)
				plan_task_done(inc->tasks, inc->n_tasks, n, h->at_ms, h->actor);
		}
	}
	plan_tasks_settle(inc->tasks, inc->n_tasks, now_ms);
}

static void fill_from_record(struct incident *inc, const struct profile *p)
{
	const struct policy_state *st =
	    policy_register_state(p->incidents.reg, inc->rec.state ? inc->rec.state : "");
	const char *v;

	inc->title = field_of(&inc->rec, "title");
	if (!inc->title)
		inc->title = field_of(&inc->rec, "description"); /* a case from before titles */
	if (!inc->title)
		inc->title = "";
	inc->status = inc->rec.state;
	inc->status_name = st ? st->name : inc->rec.state;
	inc->severity = field_of(&inc->rec, "severity");
	inc->owner = field_of(&inc->rec, "owner");
	inc->kind = field_of(&inc->rec, "kind");
	inc->found_ms = time_field(&inc->rec, "found_at");
	if (!inc->found_ms)
		inc->found_ms = inc->rec.created_ms; /* a case from before found_at: its report */
	inc->occurred_ms = time_field(&inc->rec, "occurred_at");
	inc->personal_data = -1;
	if ((v = field_of(&inc->rec, "personal_data")))
		parse_int64(v, 0, INT64_MAX, &inc->personal_data);
	inc->drill = field_true(&inc->rec, "drill");
	inc->urgent = field_true(&inc->rec, "urgent");
	inc->reportable = incident_reportable(p, &inc->rec);
	parse_ids(field_of(&inc->rec, "records"), &inc->records, &inc->n_records);
	parse_ids(field_of(&inc->rec, "alerts"), &inc->alerts, &inc->n_alerts);
}

int incident_get(struct store *st, struct ledger *lg, const struct profile *p, int64_t id,
                 int64_t now_ms, struct incident *ret, struct strbuf *err)
{
	struct incident inc;
	int r;

	memset(&inc, 0, sizeof(inc));
	if (!p->incidents.reg) {
		error_set(err, "the profile in force declares no 'incidents' section");
		return -ENOTSUP;
	}
	r = record_get(st, id, &inc.rec, err);
	if (r == 0 && strcmp(inc.rec.register_id, p->incidents.reg->id)) {
		error_set(err, "record %" PRId64 " is not an incident (register '%s')", id,
		          inc.rec.register_id);
		r = -ENOENT;
	}
	if (r == 0)
		r = history_record(st, lg, id, &inc.hist, err);
	if (r < 0) {
		incident_release(&inc);
		return r;
	}
	fill_from_record(&inc, p);
	build_events(&inc, p, st);
	build_deadlines(&inc, p, now_ms);
	build_containment(&inc, p);
	build_tasks(&inc, p, now_ms);
	r = build_evidence(&inc, st, p, err);
	if (r < 0) {
		incident_release(&inc);
		return r;
	}
	*ret = inc;
	return 0;
}

static void deadlines_release(struct incident_deadline *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].done_by);
	free(d);
}

void incident_release(struct incident *inc)
{
	if (!inc)
		return;
	for (size_t i = 0; i < inc->n_events; i++) {
		free(inc->events[i].actor);
		free(inc->events[i].actor_name);
		free(inc->events[i].action);
		free(inc->events[i].what);
		free(inc->events[i].outcome);
	}
	free(inc->events);
	deadlines_release(inc->deadlines, inc->n_deadlines);
	for (size_t i = 0; i < inc->n_evidence; i++) {
		free(inc->evidence[i].name);
		free(inc->evidence[i].sha256);
		free(inc->evidence[i].media_type);
		free(inc->evidence[i].added_by);
		free(inc->evidence[i].holder);
	}
	free(inc->evidence);
	for (size_t i = 0; i < inc->n_containment; i++) {
		free(inc->containment[i].target);
		free(inc->containment[i].by);
	}
	free(inc->containment);
	plan_tasks_release(inc->tasks, inc->n_tasks);
	free(inc->records);
	free(inc->alerts);
	history_release(&inc->hist);
	record_release(&inc->rec);
	memset(inc, 0, sizeof(*inc));
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void ids_json(struct json_writer *w, const char *key, const int64_t *ids, size_t n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_int(w, ids[i]);
	jw_array_end(w);
}

void incident_deadline_json(const struct incident_deadline *dl, struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_str(w, "kind", dl->def->id);
	jw_kv_str(w, "name", dl->def->name);
	jw_kv_time(w, "due", dl->due_ms);
	jw_kv_bool(w, "done", dl->done);
	jw_kv_time(w, "done_at", dl->done_ms);
	jw_kv_bool(w, "overdue", dl->overdue);
	jw_object_end(w);
}

void incident_json(const struct incident *inc, struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_int(w, "id", inc->rec.id);
	jw_kv_str(w, "title", inc->title);
	jw_kv_str(w, "status", inc->status);
	jw_kv_str(w, "status_name", inc->status_name);
	jw_kv_str(w, "severity", inc->severity);
	jw_kv_str(w, "kind", inc->kind);
	jw_kv_bool(w, "drill", inc->drill);
	jw_kv_bool(w, "urgent", inc->urgent);
	jw_kv_bool(w, "reportable", inc->reportable);
	jw_kv_time(w, "found_at", inc->found_ms);
	jw_kv_time(w, "occurred_at", inc->occurred_ms);
	jw_kv_str(w, "section", inc->rec.section);
	jw_kv_str(w, "system", inc->rec.system);
	jw_kv_str(w, "owner", inc->owner);
	jw_key(w, "personal_data");
	if (inc->personal_data >= 0)
		jw_int(w, inc->personal_data);
	else
		jw_null(w);
	ids_json(w, "records", inc->records, inc->n_records);
	ids_json(w, "alerts", inc->alerts, inc->n_alerts);
	jw_key(w, "timeline");
	jw_array_begin(w);
	for (size_t i = 0; i < inc->n_events; i++) {
		const struct incident_event *e = &inc->events[i];
		jw_object_begin(w);
		jw_kv_time(w, "time", e->at_ms);
		jw_kv_str(w, "actor", e->actor);
		jw_kv_str(w, "actor_name", e->actor_name);
		jw_kv_str(w, "what", e->what);
		jw_kv_str(w, "action", e->action);
		jw_kv_str(w, "outcome", e->outcome);
		jw_key(w, "ledger_index");
		jw_uint(w, e->ledger_index);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "deadlines");
	jw_array_begin(w);
	for (size_t i = 0; i < inc->n_deadlines; i++)
		incident_deadline_json(&inc->deadlines[i], w);
	jw_array_end(w);
	jw_key(w, "evidence");
	jw_array_begin(w);
	for (size_t i = 0; i < inc->n_evidence; i++) {
		const struct incident_evidence *e = &inc->evidence[i];
		jw_object_begin(w);
		jw_kv_str(w, "name", e->name);
		jw_kv_str(w, "sha256", e->sha256);
		jw_kv_int(w, "size", e->size);
		jw_key(w, "ledger_index");
		jw_uint(w, e->ledger_index);
		jw_kv_time(w, "added_at", e->added_ms);
		jw_kv_str(w, "added_by", e->added_by);
		jw_kv_str(w, "holder", e->holder);
		jw_kv_int(w, "handovers", (int64_t)e->n_handovers);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "containment");
	jw_array_begin(w);
	for (size_t i = 0; i < inc->n_containment; i++) {
		const struct incident_containment *c = &inc->containment[i];
		jw_object_begin(w);
		jw_kv_str(w, "action", c->action);
		jw_kv_str(w, "name", c->name);
		jw_kv_str(w, "target", c->target);
		jw_kv_time(w, "since", c->since_ms);
		jw_kv_str(w, "by", c->by);
		jw_kv_bool(w, "in_force", c->in_force);
		jw_kv_time(w, "undone_at", c->undone_ms);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "tasks");
	plan_tasks_json(inc->tasks, inc->n_tasks, w);
	jw_object_end(w);
}

/* ---- lists ------------------------------------------------------------------------------- */

/* The deadlines met on case id: the report_out acts done, with their `deadline` value. */
static int summary_deadlines(struct store *st, const struct profile *p, struct incident_summary *s,
                             const struct record *rec, int64_t now, struct strbuf *err)
{
	const struct policy_incidents *in = &p->incidents;
	struct query *q;
	int r;

	s->deadlines = xcalloc(in->n_deadlines ? in->n_deadlines : 1, sizeof(*s->deadlines));
	for (unsigned i = 0; i < in->n_deadlines; i++) {
		const struct policy_incident_deadline *def = &in->deadlines[i];
		struct incident_deadline *dl;
		int64_t within = def->within_seconds;

		if ((def->reportable_only && !s->reportable) || !s->found_ms)
			continue;
		if (def->longer_if && field_true(rec, def->longer_if->id))
			within = def->longer_seconds;
		dl = &s->deadlines[s->n_deadlines++];
		dl->def = def;
		dl->due_ms = s->found_ms + within * 1000;
	}
	if (!s->n_deadlines)
		return 0;
	r = query_prepare(st,
	                  "SELECT json_extract(fields, '$.deadline'), at_ms FROM acts"
	                  " WHERE record_id = ?1 AND action = ?2 AND outcome = 'done' ORDER BY id",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, s->id);
	{
		char *action = xstrfmt("%s.report_out", in->reg->id);
		query_bind_text(q, 2, action);
		while ((r = query_step(q, err)) > 0) {
			const char *v = query_text(q, 0);
			for (size_t i = 0; v && i < s->n_deadlines; i++)
				if (!s->deadlines[i].done &&
				    !strcmp(s->deadlines[i].def->name, v)) {
					s->deadlines[i].done = true;
					s->deadlines[i].done_ms = query_int(q, 1);
				}
		}
		free(action);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_deadlines; i++) {
		s->deadlines[i].overdue = !s->deadlines[i].done && now > s->deadlines[i].due_ms;
		s->overdue = s->overdue || s->deadlines[i].overdue;
	}
	return 0;
}

int incident_summarize(struct store *st, const struct profile *p, const struct record *rec,
                       int64_t now_ms, struct incident_summary *s, struct strbuf *err)
{
	const struct policy_state *st_def =
	    policy_register_state(p->incidents.reg, rec->state ? rec->state : "");

	memset(s, 0, sizeof(*s));
	s->id = rec->id;
	s->title = xstrdup(field_of(rec, "title")         ? field_of(rec, "title")
	                   : field_of(rec, "description") ? field_of(rec, "description")
	                                                  : "");
	s->status = xstrdup(rec->state ? rec->state : "");
	s->status_name = xstrdup(st_def ? st_def->name : s->status);
	s->severity = field_of(rec, "severity") ? xstrdup(field_of(rec, "severity")) : NULL;
	s->section = rec->section ? xstrdup(rec->section) : NULL;
	s->found_ms = time_field(rec, "found_at");
	if (!s->found_ms)
		s->found_ms = rec->created_ms;
	s->changed_ms = rec->changed_ms;
	s->drill = field_true(rec, "drill");
	s->urgent = field_true(rec, "urgent");
	s->reportable = incident_reportable(p, rec);
	return summary_deadlines(st, p, s, rec, now_ms, err);
}

void incident_summary_release(struct incident_summary *s)
{
	free(s->title);
	free(s->status);
	free(s->status_name);
	free(s->severity);
	free(s->section);
	deadlines_release(s->deadlines, s->n_deadlines);
	memset(s, 0, sizeof(*s));
}

int incidents_list(struct store *st, const struct reader *rd, const struct profile *p,
                   const struct incident_filter *f, int64_t now_ms, struct incident_list *ret,
                   struct strbuf *err)
{
	static const struct incident_filter none = { 0 };
	struct record_page page = { 0 };
	int r;

	if (!f)
		f = &none;
	if (!p->incidents.reg)
		return 0;
	r = records_query(st, rd,
	                  &(struct record_query){ .register_id = p->incidents.reg->id,
	                                          .state = f->status,
	                                          .sort = "-id" },
	                  &page, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < page.list.nr && r == 0; i++) {
		const struct record *rec = &page.list.items[i];
		bool drill = field_true(rec, "drill");

		if ((drill && !f->drills && !f->drills_only) || (!drill && f->drills_only) ||
		    (f->open_only && rec->state && !strcmp(rec->state, "closed")))
			continue;
		if (f->limit && (int64_t)ret->nr >= f->limit)
			break;
		ALLOC_GROW(ret->items, ret->nr + 1, ret->alloc);
		r = incident_summarize(st, p, rec, now_ms, &ret->items[ret->nr++], err);
	}
	record_page_release(&page);
	if (r < 0)
		incident_list_release(ret);
	return r;
}

void incident_list_release(struct incident_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		incident_summary_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void incident_summary_json(const struct incident_summary *s, struct json_writer *w)
{
	jw_object_begin(w);
	jw_kv_int(w, "id", s->id);
	jw_kv_str(w, "title", s->title);
	jw_kv_str(w, "status", s->status);
	jw_kv_str(w, "status_name", s->status_name);
	jw_kv_str(w, "severity", s->severity);
	jw_kv_str(w, "section", s->section);
	jw_kv_time(w, "found_at", s->found_ms);
	jw_kv_bool(w, "drill", s->drill);
	jw_kv_bool(w, "urgent", s->urgent);
	jw_kv_bool(w, "reportable", s->reportable);
	jw_kv_bool(w, "overdue", s->overdue);
	jw_key(w, "deadlines");
	jw_array_begin(w);
	for (size_t i = 0; i < s->n_deadlines; i++)
		incident_deadline_json(&s->deadlines[i], w);
	jw_array_end(w);
	jw_object_end(w);
}
