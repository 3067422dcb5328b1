/* api-incident: incidents over the JSON API: report one, list the cases the caller may read,
 * read one (core/incident.h; docs/api.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/incident.h"
#include "core/read.h"
#include "web/access.h"
#include "web/api.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

/* A boolean member: false when absent; -1 in *bad when present but not a boolean. */
static bool api_bool(json_t *obj, const char *key, int *bad)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return false;
	if (!json_is_boolean(v)) {
		*bad = -1;
		return false;
	}
	return json_is_true(v);
}

/* The report's answer: 201 with the new case's id, or 403 with the refusal; where it went, the
 * clauses, the ledger entry and the door's reason and message. */
static void report_answer(struct web_req *r, const struct act_result *res)
{
	struct json_writer w;

	api_begin(r, &w, res->outcome == ACT_DONE ? 201 : 403);
	jw_object_begin(&w);
	jw_key(&w, "id");
	if (res->outcome == ACT_DONE)
		jw_int(&w, res->record_id);
	else
		jw_null(&w);
	jw_kv_str(&w, "outcome", act_outcome_name(res->outcome));
	jw_key(&w, "routed_to");
	jw_array_begin(&w);
	for (size_t k = 0; k < res->n_notify; k++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "role", res->notify[k].role);
		jw_kv_str(&w, "scope", res->notify[k].scope);
		jw_kv_str(&w, "name", res->notify[k].name);
		jw_kv_str(&w, "scope_name", res->notify[k].scope_name);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	for (size_t k = 0; k < res->n_clauses; k++)
		jw_string(&w, res->clauses[k]);
	jw_array_end(&w);
	jw_key(&w, "ledger_index");
	jw_uint(&w, res->ledger_index);
	jw_kv_str(&w, "reason", res->reason);
	jw_kv_str(&w, "message", res->message);
	jw_object_end(&w);
}

void api_incident_report(struct web_req *r)
{
	json_t *body = api_body(r), *recs, *people, *v;
	struct incident_report in = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	int64_t *ids = NULL;
	size_t i;
	int bad = 0, ret;

	if (!body)
		return;
	if (!r->profile || !r->profile->incidents.reg) {
		web_api_error(r, 404, "the profile in force keeps no incidents");
		goto out;
	}
	in.title = api_str(body, "title", &bad);
	in.found_at = api_str(body, "found_at", &bad);
	in.occurred_at = api_str(body, "occurred_at", &bad);
	in.place = api_str(body, "place", &bad);
	in.description = api_str(body, "description", &bad);
	in.kind = api_str(body, "kind", &bad);
	in.severity = api_str(body, "severity", &bad);
	in.system = api_str(body, "system", &bad);
	in.sensitive = api_bool(body, "sensitive", &bad);
	in.financial = api_bool(body, "financial", &bad);
	in.wrongful = api_bool(body, "wrongful", &bad);
	in.urgent = api_bool(body, "urgent", &bad);
	in.drill = api_bool(body, "drill", &bad);
	in.personal_data = -1;
	people = json_object_get(body, "personal_data");
	if (people && !json_is_null(people)) {
		if (!json_is_integer(people) || json_integer_value(people) < 0 ||
		    json_integer_value(people) > INCIDENT_MAX_PEOPLE)
			bad = -1;
		else
			in.personal_data = json_integer_value(people);
	}
	recs = json_object_get(body, "records");
	if (recs && (!json_is_array(recs) || json_array_size(recs) > INCIDENT_MAX_RECORDS))
		bad = -1;
	ids = xcalloc((recs ? json_array_size(recs) : 0) + 1, sizeof(*ids));
	json_array_foreach(recs, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			bad = -1;
		else
			ids[in.n_records++] = json_integer_value(v);
	}
	if (bad || !in.title || !in.found_at) {
		web_api_error(
		    r, 400,
		    "give \"title\" and \"found_at\" (RFC 3339) as strings; \"records\" a "
		    "list of record numbers, \"personal_data\" a count, the flags "
		    "booleans");
		goto out;
	}
	in.records = ids;
	in.actor = r->user->login;
	in.ctx.via = "api";
	in.ctx.remote = r->remote;
	ret = web_door(r) ? incident_report(web_door(r), &in, &res, &err) : -EIO;
	if (ret < 0) {
		int status = web_act_status(ret);
		if (status == 503)
			web_error(r, 503, err.buf);
		else
			web_api_error(r, status, err.buf);
		goto out;
	}
	report_answer(r, &res);
out:
	free(ids);
	act_result_release(&res);
	strbuf_release(&err);
	json_decref(body);
}

void api_incidents(struct web_req *r)
{
	struct incident_list l = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct reader *rd = web_reader(r);
	struct json_writer w;
	const char *drills = web_query(r, "drills");
	struct incident_filter f = { .status = web_query(r, "status"),
		                     .drills = drills && !strcmp(drills, "include"),
		                     .drills_only = drills && !strcmp(drills, "only") };

	if (!r->profile || !r->profile->incidents.reg) {
		web_api_error(r, 404, "the profile in force keeps no incidents");
		return;
	}
	if (!rd || incidents_list(r->st, rd, r->profile, &f, time_now_ms(), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++)
		incident_summary_json(&l.items[i], &w);
	jw_array_end(&w);
out:
	incident_list_release(&l);
	strbuf_release(&err);
}

void api_incident(struct web_req *r)
{
	struct incident inc;
	struct strbuf err = STRBUF_INIT;
	struct ledger *lg = NULL;
	struct json_writer w;
	int64_t id = ui_arg_id(r->args[0]);
	int ret = -ENOENT;

	memset(&inc, 0, sizeof(inc));
	if (id && r->profile && r->profile->incidents.reg) {
		ret = web_thread_ledger(r, &lg, &err);
		if (ret == 0)
			ret = incident_get(r->st, lg, r->profile, id, time_now_ms(), &inc, &err);
	}
	/* one that is not visible answers like one that does not exist */
	if (ret == -ENOENT || (ret == 0 && !web_record_visible(r, &inc.rec, NULL))) {
		web_api_error(r, 404, "no such incident");
		goto out;
	} else if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	incident_json(&inc, &w);
out:
	incident_release(&inc);
	strbuf_release(&err);
}
