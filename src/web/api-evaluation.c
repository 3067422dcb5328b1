/* api-evaluation: POST /access/v1/evaluation, the OpenID AuthZEN Authorization API 1.0
 * evaluation endpoint: "may this user do this to that?" for the ward's other systems. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "web/access.h"
#include "web/api.h"
#include "web/decide.h"
#include "web/route.h"
#include "web/session.h"
#include "web/ui.h"

/*
 * The subject is a Mamori user named by subject.id (its login): their roles, section and
 * employment come from Mamori, never from the caller. The resource is either a Mamori
 * record (resource.id a record number and resource.type its register) or something held
 * elsewhere, described by resource.properties (level, section, system, state) with
 * resource.type naming the register it is like ("asset" for a file). context members are
 * the policy context (channel, device ...). decision is true only for "allow"; an action
 * needing approval is false, with the approvers in context.
 */
/* The answer for a record that does not exist or that the subject may not read. */
static void not_readable(struct web_req *r)
{
	struct json_writer w;

	api_begin(r, &w, 200);
	jw_object_begin(&w);
	jw_kv_bool(&w, "decision", false);
	jw_key(&w, "context");
	jw_object_begin(&w);
	jw_kv_str(&w, "effect", "deny");
	jw_kv_str(&w, "reason", "no record the subject may read has this id");
	jw_object_end(&w);
	jw_object_end(&w);
}

/* An evaluation request: what it asks, and the subject and record found for it. */
struct eval {
	json_t *subject, *action, *resource, *ctx;
	const char *login, *aname, *rtype, *rid;
	int bad; /* a member that must be a string is not (api_str) */
	struct org_user ou;
	struct web_user *u;
	struct record rec; /* resource.id's record, when have_rec */
	bool have_rec;
	char full_action[256];
};

/* The request's subject, action, resource and context, and whether the token may ask about
 * the subject. 0, or -1 when answered. */
static int eval_parse(struct web_req *r, json_t *body, struct eval *ev)
{
	ev->subject = json_object_get(body, "subject");
	ev->action = json_object_get(body, "action");
	ev->resource = json_object_get(body, "resource");
	ev->ctx = json_object_get(body, "context");
	if (!json_is_object(ev->subject) || !json_is_object(ev->action) ||
	    !json_is_object(ev->resource) ||
	    (ev->ctx && !json_is_object(ev->ctx) && !json_is_null(ev->ctx))) {
		web_api_error(r, 400, "subject, action and resource must be objects (AuthZEN 1.0)");
		return -1;
	}
	ev->login = api_str(ev->subject, "id", &ev->bad);
	ev->aname = api_str(ev->action, "name", &ev->bad);
	ev->rtype = api_str(ev->resource, "type", &ev->bad);
	ev->rid = api_str(ev->resource, "id", &ev->bad);
	if (ev->bad || !ev->login || !ev->aname) {
		web_api_error(r, 400, "subject.id and action.name must be strings");
		return -1;
	}
	/* A token speaks for its own user; only the administrator asks about others. */
	if (!r->user || (!r->user->admin && strcmp(ev->login, r->user->login))) {
		if (r->user)
			web_audit(r, r->user->login, "access.refused", "evaluation");
		web_api_error(r, 403,
		              "subject.id must be the token's own user (only an administrator's "
		              "token may ask about others)");
		return -1;
	}
	return 0;
}

/* The subject as a Mamori user (ev->ou, ev->u). 0, or -1 when answered (an inactive subject
 * is denied here). */
static int eval_subject(struct web_req *r, struct eval *ev, struct strbuf *err)
{
	int rc =
	    core_valid_login(ev->login) ? org_user_get(r->st, ev->login, &ev->ou, err) : -ENOENT;

	if (rc == -ENOENT) {
		web_api_error(r, 404, "subject.id is not a Mamori user");
		return -1;
	} else if (rc < 0) {
		web_error(r, 503, err->buf);
		return -1;
	}
	rc = web_user_load(r->st, ev->ou.id, &ev->u, err);
	if (rc == -EPERM) {
		/* A suspended or retired person may do nothing (MIN-5-5-6-2). */
		struct json_writer w2;
		api_begin(r, &w2, 200);
		jw_object_begin(&w2);
		jw_kv_bool(&w2, "decision", false);
		jw_key(&w2, "context");
		jw_object_begin(&w2);
		jw_kv_str(&w2, "effect", "deny");
		jw_kv_str(&w2, "reason", "the subject's account is not active");
		jw_object_end(&w2);
		jw_object_end(&w2);
		return -1;
	} else if (rc < 0) {
		web_error(r, 503, err->buf);
		return -1;
	}
	return 0;
}

/* When resource.id names a record of a register: the record (ev->rec), if the subject may
 * read it. 0, or -1 when answered. */
static int eval_record(struct web_req *r, struct eval *ev, struct strbuf *err)
{
	int64_t rec_id = 0;
	int rc;

	if (!(ev->rid && ev->rtype && policy_register(r->profile, ev->rtype) &&
	      parse_int64(ev->rid, 1, INT64_MAX, &rec_id) == 0))
		return 0;
	/*
	 * resource.id names a Mamori record. Only a record the subject may read (and the token's
	 * user: the same person unless an administrator asks) is decided, with its own
	 * attributes. Any other answer is false, whether the record does not exist or may not be
	 * read, so nothing of it leaks, and nothing is ever decided on attributes the caller
	 * supplies for it.
	 */
	struct reader *rd = web_reader_for(r, ev->u);
	struct read_why why = { 0 };
	rc = record_get(r->st, rec_id, &ev->rec, err);
	if (rc < 0 && rc != -ENOENT) {
		web_error(r, 503, err->buf);
		reader_unref(rd);
		return -1;
	}
	ev->have_rec = rc == 0;
	if (!ev->have_rec || !rd || !web_record_visible(r, &ev->rec, &why) ||
	    !read_record(rd, &ev->rec, &why)) {
		if (ev->have_rec)
			web_log(r, "evaluation: record %lld hidden from %s: %s", (long long)rec_id,
			        ev->u->login, why.detail);
		reader_unref(rd);
		not_readable(r);
		return -1;
	}
	reader_unref(rd);
	if (strcmp(ev->rec.register_id, ev->rtype)) {
		web_api_error(r, 400, "resource.type is not the record's register");
		return -1;
	}
	return 0;
}

/* The answer: decision, and the policy's decision as context (effect, message ...). */
static void eval_answer(struct web_req *r, const struct decision *d, const struct decide_request *q)
{
	struct strbuf dj = STRBUF_INIT, sentence = STRBUF_INIT;
	struct json_writer w;

	policy_decision_json(d, q, &dj);
	web_decision_sentence(r, d, &sentence);
	{
		json_t *inner = json_loads(dj.buf, 0, NULL);
		char *ctx_text;
		if (!inner) {
			web_error(r, 500, "policy_decision_json wrote invalid JSON");
			goto out;
		}
		json_object_set(inner, "effect", json_object_get(inner, "decision"));
		json_object_del(inner, "decision");
		json_object_set_new(inner, "message", json_string(sentence.buf));
		ctx_text = json_dumps(inner, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(inner);
		api_begin(r, &w, 200);
		jw_object_begin(&w);
		jw_kv_bool(&w, "decision", d->effect == EFFECT_ALLOW);
		jw_key(&w, "context");
		jw_raw(&w, ctx_text);
		jw_object_end(&w);
		free(ctx_text);
	}
out:
	strbuf_release(&sentence);
	strbuf_release(&dj);
}

void api_evaluation(struct web_req *r)
{
	json_t *body = api_body(r), *props;
	struct strbuf err = STRBUF_INIT;
	struct decide_input in = { 0 };
	struct eval ev = { 0 };
	struct decision d;
	int rc;

	if (!body)
		return;
	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		goto out;
	}
	if (eval_parse(r, body, &ev) < 0 || eval_subject(r, &ev, &err) < 0)
		goto out;
	/* "copy" with resource.type "asset" and "asset.copy" both name asset.copy. */
	if (!strchr(ev.aname, '.') && ev.rtype)
		snprintf(ev.full_action, sizeof(ev.full_action), "%s.%s", ev.rtype, ev.aname);
	else
		snprintf(ev.full_action, sizeof(ev.full_action), "%s", ev.aname);
	if (eval_record(r, &ev, &err) < 0)
		goto out;
	props = json_object_get(ev.resource, "properties");
	web_decide_input(&in, ev.u, ev.full_action, ev.have_rec ? &ev.rec : NULL,
	                 props ? api_str(props, "level", &ev.bad) : NULL,
	                 props ? api_str(props, "section", &ev.bad) : NULL,
	                 props ? api_str(props, "system", &ev.bad) : NULL);
	if (ev.have_rec)
		decide_input_grants(&in, r->profile, &ev.rec);
	if (!ev.have_rec)
		decide_input_outside(&in, ev.rtype, ev.rid,
		                     props ? api_str(props, "state", &ev.bad) : NULL, in.q.level,
		                     in.q.section, in.q.system);
	if (ev.bad) {
		web_api_error(r, 400,
		              "resource.properties level, section, system and state must be "
		              "strings");
		goto out;
	}
	decide_input_context_json(&in, ev.ctx);
	rc = policy_decide(r->profile, &in.q, &d, &err);
	if (rc < 0) {
		web_api_error(r, rc == -ENOENT ? 404 : 400, err.buf);
		goto out;
	}
	eval_answer(r, &d, &in.q);
out:
	decide_input_release(&in);
	if (ev.have_rec)
		record_release(&ev.rec);
	org_user_release(&ev.ou);
	web_user_free(ev.u);
	json_decref(body);
	strbuf_release(&err);
}
