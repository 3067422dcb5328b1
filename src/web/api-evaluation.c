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

void api_evaluation(struct web_req *r)
{
	json_t *body = api_body(r), *subject, *action, *resource, *props, *ctx;
	struct strbuf err = STRBUF_INIT, dj = STRBUF_INIT, sentence = STRBUF_INIT;
	struct decide_input in = { 0 };
	struct web_user *u = NULL;
	struct org_user ou = { 0 };
	struct record rec = { 0 };
	bool have_rec = false;
	struct decision d;
	struct json_writer w;
	const char *login, *aname, *rtype, *rid;
	int64_t rec_id = 0;
	char full_action[256];
	int bad = 0, rc;

	if (!body)
		return;
	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		goto out;
	}
	subject = json_object_get(body, "subject");
	action = json_object_get(body, "action");
	resource = json_object_get(body, "resource");
	ctx = json_object_get(body, "context");
	if (!json_is_object(subject) || !json_is_object(action) || !json_is_object(resource) ||
	    (ctx && !json_is_object(ctx) && !json_is_null(ctx))) {
		web_api_error(r, 400, "subject, action and resource must be objects (AuthZEN 1.0)");
		goto out;
	}
	login = api_str(subject, "id", &bad);
	aname = api_str(action, "name", &bad);
	rtype = api_str(resource, "type", &bad);
	rid = api_str(resource, "id", &bad);
	if (bad || !login || !aname) {
		web_api_error(r, 400, "subject.id and action.name must be strings");
		goto out;
	}
	/* A token speaks for its own user; only the administrator asks about others. */
	if (!r->user || (!r->user->admin && strcmp(login, r->user->login))) {
		if (r->user)
			web_audit(r, r->user->login, "access.refused", "evaluation");
		web_api_error(r, 403,
		              "subject.id must be the token's own user (only an administrator's "
		              "token may ask about others)");
		goto out;
	}
	rc = core_valid_login(login) ? org_user_get(r->st, login, &ou, &err) : -ENOENT;
	if (rc == -ENOENT) {
		web_api_error(r, 404, "subject.id is not a Mamori user");
		goto out;
	} else if (rc < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	rc = web_user_load(r->st, ou.id, &u, &err);
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
		goto out;
	} else if (rc < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	/* "copy" with resource.type "asset" and "asset.copy" both name asset.copy. */
	if (!strchr(aname, '.') && rtype)
		snprintf(full_action, sizeof(full_action), "%s.%s", rtype, aname);
	else
		snprintf(full_action, sizeof(full_action), "%s", aname);

	if (rid && rtype && policy_register(r->profile, rtype) &&
	    parse_int64(rid, 1, INT64_MAX, &rec_id) == 0) {
		/*
		 * resource.id names a Mamori record. Only a record the subject may read (and the
		 * token's user: the same person unless an administrator asks) is decided, with
		 * its own attributes. Any other answer is false, whether the record does not
		 * exist or may not be read, so nothing of it leaks, and nothing is ever decided
		 * on attributes the caller supplies for it.
		 */
		struct reader *rd = web_reader_for(r, u);
		struct read_why why = { 0 };
		rc = record_get(r->st, rec_id, &rec, &err);
		if (rc < 0 && rc != -ENOENT) {
			web_error(r, 503, err.buf);
			reader_unref(rd);
			goto out;
		}
		have_rec = rc == 0;
		if (!have_rec || !rd || !web_record_visible(r, &rec, &why) ||
		    !read_record(rd, &rec, &why)) {
			if (have_rec)
				web_log(r, "evaluation: record %lld hidden from %s: %s",
				        (long long)rec_id, u->login, why.detail);
			reader_unref(rd);
			not_readable(r);
			goto out;
		}
		reader_unref(rd);
		if (strcmp(rec.register_id, rtype)) {
			web_api_error(r, 400, "resource.type is not the record's register");
			goto out;
		}
	}
	props = json_object_get(resource, "properties");
	web_decide_input(&in, u, full_action, have_rec ? &rec : NULL,
	                 props ? api_str(props, "level", &bad) : NULL,
	                 props ? api_str(props, "section", &bad) : NULL,
	                 props ? api_str(props, "system", &bad) : NULL);
	if (have_rec)
		decide_input_grants(&in, r->profile, &rec);
	if (!have_rec)
		decide_input_outside(&in, rtype, rid, props ? api_str(props, "state", &bad) : NULL,
		                     in.q.level, in.q.section, in.q.system);
	if (bad) {
		web_api_error(r, 400,
		              "resource.properties level, section, system and state must be "
		              "strings");
		goto out;
	}
	decide_input_context_json(&in, ctx);
	rc = policy_decide(r->profile, &in.q, &d, &err);
	if (rc < 0) {
		web_api_error(r, rc == -ENOENT ? 404 : 400, err.buf);
		goto out;
	}
	policy_decision_json(&d, &in.q, &dj);
	web_decision_sentence(r, &d, &sentence);
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
		jw_kv_bool(&w, "decision", d.effect == EFFECT_ALLOW);
		jw_key(&w, "context");
		jw_raw(&w, ctx_text);
		jw_object_end(&w);
		free(ctx_text);
	}
out:
	decide_input_release(&in);
	if (have_rec)
		record_release(&rec);
	org_user_release(&ou);
	web_user_free(u);
	json_decref(body);
	strbuf_release(&sentence);
	strbuf_release(&dj);
	strbuf_release(&err);
}
