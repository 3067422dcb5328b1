/* api-core: the JSON API over the organization, records, actions and requests (/api/v1). The
 * same authorization as the pages and the same door for every change. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "store/store.h"
#include "web/access.h"
#include "web/api.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui.h"

#define API_MAX_LIMIT 1000

void api_me(struct web_req *r)
{
	struct json_writer w;

	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_kv_str(&w, "login", r->user->login);
	jw_kv_str(&w, "name", r->user->name);
	jw_kv_str(&w, "section", r->user->section);
	jw_kv_str(&w, "employment", r->user->employment);
	jw_key(&w, "roles");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->user->n_roles; i++)
		jw_string(&w, r->user->roles[i]);
	jw_array_end(&w);
	jw_object_end(&w);
}

void api_sections(struct web_req *r)
{
	struct org_sections l = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct json_writer w;

	if (org_sections_list(r->st, &l, &err) < 0) {
		web_error(r, 503, err.buf);
		strbuf_release(&err);
		return;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "sections");
	jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "id", l.items[i].id);
		jw_kv_str(&w, "name", l.items[i].name);
		jw_kv_str(&w, "parent", l.items[i].parent);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	org_sections_release(&l);
	strbuf_release(&err);
}

void api_users(struct web_req *r)
{
	struct org_users l = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct json_writer w;

	if (org_users_list(r->st, web_query(r, "section"), web_query(r, "status"), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		strbuf_release(&err);
		return;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "users");
	jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++) {
		/* Like /admin/users: the whole staff list is the administrator's; anyone else
		 * sees only their own entry. */
		if (!r->user || (!r->user->admin && strcmp(l.items[i].login, r->user->login)))
			continue;
		jw_object_begin(&w);
		jw_kv_str(&w, "login", l.items[i].login);
		jw_kv_str(&w, "name", l.items[i].name);
		jw_kv_str(&w, "section", l.items[i].section);
		jw_kv_str(&w, "employment", l.items[i].employment);
		jw_kv_str(&w, "status", l.items[i].status);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	org_users_release(&l);
	strbuf_release(&err);
}

static void record_json(struct json_writer *w, const struct record *rec)
{
	char *fields =
	    json_dumps(rec->fields ? rec->fields : json_object(), JSON_COMPACT | JSON_SORT_KEYS);

	jw_object_begin(w);
	jw_kv_int(w, "id", rec->id);
	jw_kv_str(w, "register", rec->register_id);
	jw_kv_str(w, "state", rec->state);
	jw_kv_str(w, "level", rec->level);
	jw_kv_str(w, "section", rec->section);
	jw_kv_str(w, "system", rec->system);
	jw_key(w, "fields");
	jw_raw(w, fields ? fields : "{}");
	jw_kv_int(w, "version", rec->version);
	{
		struct strbuf t = STRBUF_INIT;
		time_format_rfc3339(&t, rec->created_ms);
		jw_kv_str(w, "created", t.buf);
		strbuf_reset(&t);
		time_format_rfc3339(&t, rec->changed_ms);
		jw_kv_str(w, "changed", t.buf);
		strbuf_release(&t);
	}
	jw_object_end(w);
	free(fields);
}

/*
 * One page of the records of a register the caller may read, in id order: the read decision
 * (core/read.h) comes before the filters, the limit and the offset, so they count only
 * records the caller may read.
 */
void api_records(struct web_req *r)
{
	const char *reg = web_query(r, "register");
	struct strbuf err = STRBUF_INIT;
	struct json_writer w;
	struct record_page pg = { 0 };
	struct record_query q = { 0 };
	struct reader *rd;
	int64_t limit = 100, offset = 0;

	if (!reg || !r->profile || !policy_register(r->profile, reg)) {
		web_api_error(r, 400, "give ?register= with a register of the profile");
		goto out;
	}
	if ((web_query(r, "limit") &&
	     parse_int64(web_query(r, "limit"), 1, API_MAX_LIMIT, &limit) < 0) ||
	    (web_query(r, "offset") &&
	     parse_int64(web_query(r, "offset"), 0, INT64_MAX / 2, &offset) < 0)) {
		web_api_error(r, 400, "limit must be 1..1000 and offset a non-negative integer");
		goto out;
	}
	rd = web_reader(r);
	if (!rd) {
		web_error(r, 503, "no read rights");
		goto out;
	}
	q.register_id = reg;
	q.level = web_query(r, "level");
	q.section = web_query(r, "section");
	q.state = web_query(r, "state");
	q.sort = "id";
	q.limit = limit;
	q.offset = offset;
	if (records_query(r->st, rd, &q, &pg, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "records");
	jw_array_begin(&w);
	for (size_t i = 0; i < pg.list.nr; i++)
		record_json(&w, &pg.list.items[i]);
	jw_array_end(&w);
	jw_object_end(&w);
out:
	record_page_release(&pg);
	strbuf_release(&err);
}

static int visible_record(struct web_req *r, int64_t id, struct record *rec)
{
	struct strbuf err = STRBUF_INIT;
	int ret = id ? record_get(r->st, id, rec, &err) : -ENOENT;
	struct read_why why = { 0 };

	if (ret == 0 && !web_record_visible(r, rec, &why)) {
		web_audit(r, r->user->login, "access.refused", "record");
		web_log(r, "record %lld hidden from %s: %s", (long long)id, r->user->login,
		        why.detail);
		record_release(rec);
		ret = -ENOENT;
	}
	if (ret == -ENOENT)
		web_api_error(r, 404, "no such record");
	else if (ret < 0)
		web_error(r, 503, err.buf);
	strbuf_release(&err);
	return ret;
}

void api_record(struct web_req *r)
{
	struct record rec = { 0 };
	struct json_writer w;

	if (visible_record(r, ui_arg_id(r->args[0]), &rec) < 0)
		return;
	api_begin(r, &w, 200);
	record_json(&w, &rec);
	record_release(&rec);
}

/* Answers with the door's result: 200 done, 202 pending, 403 refused. */
static void act_answer(struct web_req *r, int ret, const struct act_result *res,
                       const struct strbuf *err)
{
	if (ret < 0) {
		int st = web_act_status(ret);
		if (st == 503)
			web_error(r, 503, err->buf);
		else
			web_api_error(r, st, err->buf);
		return;
	}
	web_json_begin(r);
	r->status = res->outcome == ACT_DONE ? 200 : res->outcome == ACT_PENDING ? 202 : 403;
	act_result_json(res, &r->out);
}

/* "fields" and "context" objects of a body; string values only. */
static int body_attrs(struct web_req *r, json_t *body, const char *key, struct web_params *out)
{
	json_t *o = json_object_get(body, key), *v;
	const char *k;
	struct strbuf msg = STRBUF_INIT;

	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		strbuf_addf(&msg, "'%s' must be an object of strings", key);
		goto bad;
	}
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v)) {
			strbuf_addf(&msg, "'%s.%s' must be a string", key, k);
			goto bad;
		}
		web_params_add(out, k, json_string_value(v));
	}
	return 0;
bad:
	web_api_error(r, 400, msg.buf);
	strbuf_release(&msg);
	return -EINVAL;
}

static void run_with_context(struct web_req *r, struct act_input *in, json_t *body,
                             const struct web_params *fields)
{
	struct web_params ctx = WEB_PARAMS_INIT;
	struct act_attr *attrs = NULL;
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	int ret;

	if (body_attrs(r, body, "context", &ctx) < 0)
		goto out;
	if (ctx.nr) {
		attrs = xcalloc(ctx.nr, sizeof(*attrs));
		for (size_t i = 0; i < ctx.nr; i++) {
			attrs[i].key = ctx.items[i].name;
			attrs[i].value = ctx.items[i].value;
		}
		in->ctx.attrs = attrs;
		in->ctx.n_attrs = ctx.nr;
	}
	ret = web_act(r, in, fields, &res, &err);
	act_answer(r, ret, &res, &err);
out:
	free(attrs);
	act_result_release(&res);
	web_params_release(&ctx);
	strbuf_release(&err);
}

void api_record_create(struct web_req *r)
{
	json_t *body = api_body(r);
	struct web_params fields = WEB_PARAMS_INIT;
	struct act_input in = { .kind = ACT_RECORD };
	int bad = 0;

	if (!body)
		return;
	in.register_id = api_str(body, "register", &bad);
	in.action = api_str(body, "action", &bad);
	in.comment = api_str(body, "comment", &bad);
	if (bad || (!in.register_id && !in.action)) {
		web_api_error(r, 400, "give \"register\" (or a create \"action\") as a string");
		goto out;
	}
	/* "asset.register" belongs to register "asset": a body naming another register is a
	 * mistake to report, never a choice made silently for the client. */
	if (in.register_id && in.action) {
		size_t n = strlen(in.register_id);
		if (strncmp(in.action, in.register_id, n) || in.action[n] != '.') {
			struct strbuf m = STRBUF_INIT;
			strbuf_addf(&m, "\"action\" '%s' is not an action of \"register\" '%s'",
			            in.action, in.register_id);
			web_api_error(r, 400, m.buf);
			strbuf_release(&m);
			goto out;
		}
	}
	if (body_attrs(r, body, "fields", &fields) < 0)
		goto out;
	run_with_context(r, &in, body, &fields);
out:
	web_params_release(&fields);
	json_decref(body);
}

void api_record_act(struct web_req *r)
{
	json_t *body = api_body(r);
	struct web_params fields = WEB_PARAMS_INIT;
	struct act_input in = { .kind = ACT_RECORD };
	struct record rec = { 0 };
	json_t *ver;
	int bad = 0;

	if (!body)
		return;
	if (visible_record(r, ui_arg_id(r->args[0]), &rec) < 0)
		goto out_body;
	in.record_id = rec.id;
	in.action = api_str(body, "action", &bad);
	in.comment = api_str(body, "comment", &bad);
	ver = json_object_get(body, "version");
	if (ver && json_is_integer(ver))
		in.expect_version = json_integer_value(ver);
	else if (ver && !json_is_null(ver))
		bad = -1;
	if (bad || !in.action) {
		web_api_error(r, 400, "give \"action\" (register.action) as a string");
		goto out;
	}
	if (body_attrs(r, body, "fields", &fields) < 0)
		goto out;
	run_with_context(r, &in, body, &fields);
out:
	record_release(&rec);
	web_params_release(&fields);
out_body:
	json_decref(body);
}

static void request_json(struct web_req *r, struct json_writer *w, const struct request *q,
                         int64_t now)
{
	char *j;

	jw_object_begin(w);
	jw_kv_int(w, "id", q->id);
	jw_kv_str(w, "action", q->action);
	jw_kv_str(w, "register", q->register_id);
	if (q->record_id)
		jw_kv_int(w, "record", q->record_id);
	else {
		jw_key(w, "record");
		jw_null(w);
	}
	jw_kv_str(w, "applicant", q->applicant_login);
	jw_kv_str(w, "level", q->level);
	jw_kv_str(w, "section", q->section);
	jw_kv_str(w, "state", request_state_at(q, now));
	jw_kv_str(w, "comment", q->comment);
	j = json_dumps(q->fields ? q->fields : json_object(), JSON_COMPACT | JSON_SORT_KEYS);
	jw_key(w, "fields");
	jw_raw(w, j ? j : "{}");
	free(j);
	j = json_dumps(q->clauses ? q->clauses : json_array(), JSON_COMPACT);
	jw_key(w, "clauses");
	jw_raw(w, j ? j : "[]");
	free(j);
	jw_key(w, "approvers");
	jw_array_begin(w);
	for (size_t i = 0; i < q->n_slots; i++) {
		jw_object_begin(w);
		jw_kv_str(w, "role", q->slots[i].role);
		jw_kv_str(w, "name", ui_role_name(r, q->slots[i].role));
		jw_kv_str(w, "scope", q->slots[i].scope);
		jw_kv_str(w, "approved_by", q->slots[i].approved_login);
		if (q->slots[i].acting_for)
			jw_kv_str(w, "acting_for", q->slots[i].acting_for);
		jw_object_end(w);
	}
	jw_array_end(w);
	{
		struct strbuf t = STRBUF_INIT;
		char *who = request_person_label(q->decided_name, q->decided_title);
		time_format_rfc3339(&t, q->created_ms);
		jw_kv_str(w, "created", t.buf);
		strbuf_reset(&t);
		time_format_rfc3339(&t, q->expires_ms);
		jw_kv_str(w, "expires", t.buf);
		strbuf_reset(&t);
		if (q->decided_ms)
			time_format_rfc3339(&t, q->decided_ms);
		jw_kv_str(w, "decided", q->decided_ms ? t.buf : NULL);
		jw_kv_str(w, "decided_by", q->decided_login);
		jw_kv_str(w, "decided_by_name", who);
		jw_kv_str(w, "decision_comment", q->decision_comment);
		jw_kv_str(w, "closed_reason", q->closed_reason);
		free(who);
		strbuf_release(&t);
	}
	jw_object_end(w);
}

void api_requests(struct web_req *r)
{
	struct strv roles = STRV_INIT;
	struct request_list l = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct json_writer w;
	int64_t now = time_now_ms();
	struct request_filter f = { .now_ms = now, .limit = 200 };

	for (size_t i = 0; i < r->user->n_roles; i++)
		strv_push(&roles, r->user->roles[i]);
	if (web_query(r, "to_approve")) {
		f.to_approve_roles = &roles;
		f.to_approve_user = r->user->id;
	} else {
		f.applicant = r->user->id; /* default: mine */
	}
	f.state = web_query(r, "state");
	if (requests_list(r->st, &f, &l, &err) < 0) {
		web_api_error(r, 400, err.buf);
		goto out;
	}
	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_key(&w, "requests");
	jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++)
		request_json(r, &w, &l.items[i], now);
	jw_array_end(&w);
	jw_object_end(&w);
out:
	request_list_release(&l);
	strv_release(&roles);
	strbuf_release(&err);
}

static int load_request(struct web_req *r, struct request *q)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id = ui_arg_id(r->args[0]);
	int ret = id ? request_get(r->st, id, q, &err) : -ENOENT;

	if (ret == 0 && !web_request_visible(r, q)) {
		bool held = false;
		for (size_t i = 0; !held && i < q->n_slots; i++)
			held = web_user_has_role(r->user, q->slots[i].role, q->slots[i].scope);
		if (!held) {
			/* Refused reads are ledgered as the web pages ledger them. */
			web_audit(r, r->user->login, "access.refused", "request");
			request_release(q);
			ret = -ENOENT;
		}
	}
	if (ret == -ENOENT)
		web_api_error(r, 404, "no such request, or not yours to see");
	else if (ret < 0)
		web_error(r, 503, err.buf);
	strbuf_release(&err);
	return ret;
}

void api_request(struct web_req *r)
{
	struct request q = { 0 };
	struct json_writer w;

	if (load_request(r, &q) < 0)
		return;
	api_begin(r, &w, 200);
	request_json(r, &w, &q, time_now_ms());
	request_release(&q);
}

static void decide_request(struct web_req *r, enum act_kind kind)
{
	json_t *body = r->body.len ? api_body(r) : json_object();
	struct act_input in = { .kind = kind };
	struct request q = { 0 };
	int bad = 0;

	if (!body)
		return;
	if (load_request(r, &q) < 0)
		goto out;
	in.request_id = q.id;
	in.comment = api_str(body, "comment", &bad);
	if (bad) {
		web_api_error(r, 400, "\"comment\" must be a string");
		goto out;
	}
	run_with_context(r, &in, body, NULL);
out:
	request_release(&q);
	json_decref(body);
}

void api_request_approve(struct web_req *r)
{
	decide_request(r, ACT_APPROVE);
}

void api_request_reject(struct web_req *r)
{
	decide_request(r, ACT_REJECT);
}

void api_request_withdraw(struct web_req *r)
{
	decide_request(r, ACT_WITHDRAW);
}
