/* replay: past decisions under a draft profile, from the acts, requests and profile versions the
 * store keeps. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/decide-input.h"
#include "core/org.h"
#include "core/records.h"
#include "core/replay.h"
#include "store/query.h"

/* The profile versions met so far, loaded from the store once each. */
struct versions {
	struct profile **items;
	size_t nr;
};

static const struct profile *version(struct store *st, struct versions *v, const char *sha,
                                     struct strbuf *err)
{
	struct query *q = NULL;
	struct profile *p = NULL;
	int r;

	for (size_t i = 0; i < v->nr; i++)
		if (!strcmp(profile_sha256_hex(v->items[i]), sha))
			return v->items[i];
	r = query_prepare(st, "SELECT name, content FROM profiles WHERE sha256 = ?1 LIMIT 1", &q,
	                  err);
	if (r < 0)
		return NULL;
	query_bind_text(q, 1, sha);
	r = query_step(q, err);
	if (r > 0) {
		size_t len = 0;
		const void *data = query_blob(q, 1, &len);

		if (profile_load_buffer(query_text(q, 0), data, len, &p, err) < 0)
			p = NULL;
	}
	if (r > 0)
		query_done(q);
	if (!p)
		return NULL;
	v->items = xrealloc(v->items, (v->nr + 1) * sizeof(*v->items));
	v->items[v->nr++] = p;
	return p;
}

/* A decision as a short string: allow, deny, approval:ROLE@SCOPE[+ROLE@SCOPE...]. */
static void decision_text(const struct decision *d, struct strbuf *out)
{
	if (d->effect != EFFECT_APPROVAL) {
		strbuf_addstr(out, d->effect == EFFECT_ALLOW ? "allow" : "deny");
		return;
	}
	strbuf_addstr(out, "approval:");
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];

		strbuf_addf(out, "%s%s@", i ? "+" : "", a->role->id);
		if (a->scope == SCOPE_ORG || !a->scope_value)
			strbuf_addstr(out, "org");
		else
			strbuf_addf(out, "%s:%s", policy_scope_kind_name(a->scope), a->scope_value);
	}
}

static bool matches_outcome(const struct decision *d, const char *outcome)
{
	if (!outcome)
		return false;
	if (!strcmp(outcome, "done"))
		return d->effect == EFFECT_ALLOW;
	if (!strcmp(outcome, "pending"))
		return d->effect == EFFECT_APPROVAL;
	return d->effect == EFFECT_DENY;
}

/* What one act decided on: the subject and the resource, borrowed from the row and the store. */
struct replay_input {
	const char *action, *register_id, *level, *section, *system;
	int64_t record_id;
	json_t *fields, *context;
	struct org_user who;
	struct strv roles;
};

/* Decides in under p into out (a short string); "unknown action" when p has no such action. */
static void decide_one(const struct profile *p, struct replay_input *in, struct decision *d,
                       struct strbuf *out)
{
	struct decide_input di;

	if (!policy_action(p, in->action)) {
		strbuf_addstr(out, "unknown action");
		d->effect = EFFECT_NONE;
		return;
	}
	decide_input_init(&di, in->action);
	decide_input_subject(&di, in->who.login, (const char *const *)in->roles.items, in->roles.nr,
	                     in->who.section, in->who.employment);
	decide_input_resource(&di, in->register_id, in->record_id, NULL, in->level, in->section,
	                      in->system, in->fields);
	if (in->context)
		decide_input_context_json(&di, in->context);
	if (policy_decide(p, &di.q, d, NULL) < 0) {
		strbuf_addstr(out, "undecidable");
		d->effect = EFFECT_NONE;
	} else {
		decision_text(d, out);
	}
	decide_input_release(&di);
}

static json_t *json_or_empty(const char *s)
{
	json_t *v = s ? json_loads(s, 0, NULL) : NULL;

	if (v && json_is_object(v))
		return v;
	json_decref(v);
	return json_object();
}

/* The record's attributes now, under the act's values (an act without a request). */
static void record_attrs(struct store *st, const struct profile *p, struct replay_input *in,
                         struct record *rec)
{
	const struct policy_register *reg = policy_register(p, in->register_id);
	json_t *merged;

	if (in->record_id && record_get(st, in->record_id, rec, NULL) == 0) {
		merged = rec->fields ? json_deep_copy(rec->fields) : json_object();
		json_object_update(merged, in->fields);
		json_decref(in->fields);
		in->fields = merged;
		in->level = rec->level;
		in->section = rec->section;
		in->system = rec->system;
	}
	/* the act's own level and section fields, as the door reads them */
	for (unsigned i = 0; reg && i < reg->n_fields; i++) {
		const struct policy_field *f = &reg->fields[i];
		json_t *v = f->many ? NULL : json_object_get(in->fields, f->id);

		if (!v || !json_is_string(v))
			continue;
		if (f->type == FIELD_LEVEL)
			in->level = json_string_value(v);
		else if (f->type == FIELD_SECTION)
			in->section = json_string_value(v);
	}
}

int replay_profile(struct store *st, const struct profile *draft, int64_t from_ms, int64_t to_ms,
                   struct replay_result *ret, struct strbuf *err)
{
	struct versions v = { 0 };
	struct query *q = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = query_prepare(
	    st,
	    "SELECT a.id, a.at_ms, a.actor, a.action, a.record_id, a.request_id, a.outcome,"
	    " a.fields, a.profile_sha256, q.register, q.level, q.section, q.system, q.fields,"
	    " q.context, q.applicant, q.record_id, a.kind"
	    " FROM acts a LEFT JOIN requests q ON q.id = a.request_id"
	    " WHERE a.kind IN ('record.create', 'record.action') AND a.actor IS NOT NULL"
	    " AND a.at_ms >= ?1 AND a.at_ms < ?2 ORDER BY a.id",
	    &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, from_ms);
	query_bind_int(q, 2, to_ms);
	while ((r = query_step(q, err)) > 0) {
		struct replay_input in = { 0 };
		struct strbuf before = STRBUF_INIT, after = STRBUF_INIT, verr = STRBUF_INIT;
		struct decision d_old, d_new;
		struct record rec = { 0 };
		const struct profile *old = version(st, &v, query_text(q, 8), &verr);
		const char *outcome = query_text(q, 6);
		bool from_request = !query_is_null(q, 9);

		in.action = query_text(q, 3);
		in.register_id = from_request ? query_text(q, 9) : NULL;
		if (!in.register_id && in.action) {
			const struct policy_action *a = old ? policy_action(old, in.action) : NULL;
			in.register_id = a ? a->reg->id : NULL;
		}
		if (!old || !in.action || !in.register_id ||
		    org_user_get_id(st, query_int(q, from_request ? 15 : 2), &in.who, NULL) < 0) {
			/* a version or a person the store no longer has: nothing to replay */
			strbuf_release(&verr);
			continue;
		}
		org_user_roles(st, in.who.id, query_int(q, 1), &in.roles, NULL);
		if (from_request) {
			in.record_id = query_is_null(q, 16) ? 0 : query_int(q, 16);
			in.level = query_text(q, 10);
			in.section = query_text(q, 11);
			in.system = query_text(q, 12);
			in.fields = json_or_empty(query_text(q, 13));
			in.context = json_or_empty(query_text(q, 14));
		} else {
			in.record_id =
			    query_is_null(q, 4) || !strcmp(query_text(q, 17), "record.create")
			        ? 0
			        : query_int(q, 4);
			in.fields = json_or_empty(query_text(q, 7));
			record_attrs(st, old, &in, &rec);
		}
		decide_one(old, &in, &d_old, &before);
		decide_one(draft, &in, &d_new, &after);
		ret->replayed++;
		/* an act that asked for approval is recorded pending; its request was decided later
		 */
		if (!matches_outcome(&d_old, from_request ? "pending" : outcome))
			ret->not_reproduced++;
		if (strcmp(before.buf, after.buf)) {
			struct replay_change *c;

			ret->items = xrealloc(ret->items, (ret->nr + 1) * sizeof(*ret->items));
			c = &ret->items[ret->nr++];
			memset(c, 0, sizeof(*c));
			c->act_id = query_int(q, 0);
			c->at_ms = query_int(q, 1);
			c->request_id = query_is_null(q, 5) ? 0 : query_int(q, 5);
			c->record_id = query_is_null(q, 4) ? 0 : query_int(q, 4);
			c->actor = xstrdup(in.who.login);
			c->action = xstrdup(in.action);
			c->recorded = xstrdup(outcome ? outcome : "");
			c->before = strbuf_detach(&before, NULL);
			c->after = strbuf_detach(&after, NULL);
		}
		record_release(&rec);
		json_decref(in.fields);
		json_decref(in.context);
		strv_release(&in.roles);
		org_user_release(&in.who);
		strbuf_release(&before);
		strbuf_release(&after);
		strbuf_release(&verr);
	}
	for (size_t i = 0; i < v.nr; i++)
		profile_free(v.items[i]);
	free(v.items);
	if (r < 0) {
		replay_result_release(ret);
		return r;
	}
	return 0;
}

void replay_result_release(struct replay_result *r)
{
	for (size_t i = 0; i < r->nr; i++) {
		free(r->items[i].actor);
		free(r->items[i].action);
		free(r->items[i].recorded);
		free(r->items[i].before);
		free(r->items[i].after);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}
