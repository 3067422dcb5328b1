/* replay: past decisions under a draft profile, from the requests the door sealed beside each
 * act's ledger entry and the profile versions the store keeps. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act.h"
#include "core/replay.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
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

/* The clauses the door cites for a decision: its rules', else its action's (act-record.c). */
static void decision_clauses(const struct decision *d, struct strbuf *out)
{
	const struct policy_clause *c;
	unsigned it = 0;

	while ((c = policy_decision_next_clause(d, &it)))
		strbuf_addf(out, "%s%s", out->len ? "," : "", c->id);
	for (unsigned i = 0; !out->len && d->action && i < d->action->clauses.nr; i++)
		strbuf_addf(out, "%s%s", i ? "," : "", d->action->clauses.items[i]->id);
}

/* Decides q under p: the decision's text and clauses; "unknown action" when p lacks it. */
static void decide_one(const struct profile *p, const struct decide_request *q, struct strbuf *text,
                       struct strbuf *clauses)
{
	struct decision d;

	if (!p || !policy_action(p, q->action)) {
		strbuf_addstr(text, "unknown action");
		return;
	}
	if (policy_decide(p, q, &d, NULL) < 0) {
		strbuf_addstr(text, "undecidable");
		return;
	}
	decision_text(&d, text);
	decision_clauses(&d, clauses);
}

/* The request sealed beside entry index, parsed into req; 0 when the ledger holds none. */
static int sealed_request(struct ledger *lg, uint64_t index, struct decide_request *req,
                          struct policy_request_storage *rs, struct strbuf *err)
{
	uint8_t salt[ENTRY_SALT_SIZE];
	struct strbuf payload = STRBUF_INIT, perr = STRBUF_INIT;
	bool erased = false;
	json_t *root, *request;
	char *line;
	int r;

	r = ledger_sealed_payload(lg, index, salt, &payload, &erased, err);
	if (r <= 0) {
		strbuf_release_secret(&payload);
		return r;
	}
	root = json_loadb(payload.buf, payload.len, 0, NULL);
	strbuf_release_secret(&payload);
	request = json_object_get(root, "request");
	if (!json_is_object(request)) {
		json_decref(root);
		return 0;
	}
	line = json_dumps(request, JSON_COMPACT);
	json_decref(root);
	r = line ? policy_request_parse(line, strlen(line), req, rs, &perr) : -ENOMEM;
	free(line);
	strbuf_release(&perr);
	/* a request the door wrote always parses; one that does not is not replayed */
	return r < 0 ? 0 : 1;
}

static void add_change(struct replay_result *ret, struct query *q, struct strbuf *then,
                       struct strbuf *before, struct strbuf *after, struct strbuf *bc,
                       struct strbuf *ac)
{
	struct replay_change *c;

	ret->items = xrealloc(ret->items, (ret->nr + 1) * sizeof(*ret->items));
	c = &ret->items[ret->nr++];
	memset(c, 0, sizeof(*c));
	c->act_id = query_int(q, 0);
	c->at_ms = query_int(q, 1);
	c->actor = query_strdup(q, 2);
	c->action = query_strdup(q, 3);
	c->record_id = query_is_null(q, 4) ? 0 : query_int(q, 4);
	c->request_id = query_is_null(q, 5) ? 0 : query_int(q, 5);
	c->recorded = query_strdup(q, 6);
	c->ledger_index = (uint64_t)query_int(q, 8);
	c->then = strbuf_detach(then, NULL);
	c->before = strbuf_detach(before, NULL);
	c->after = strbuf_detach(after, NULL);
	c->before_clauses = strbuf_detach(bc, NULL);
	c->after_clauses = strbuf_detach(ac, NULL);
}

int replay_profile(struct door *d, const struct profile *draft, int64_t from_ms, int64_t to_ms,
                   struct replay_result *ret, struct strbuf *err)
{
	return replay_profile_in(door_store(d), door_ledger(d), door_profile(d), draft, from_ms,
	                         to_ms, ret, err);
}

int replay_profile_in(struct store *st, struct ledger *lg, const struct profile *current,
                      const struct profile *draft, int64_t from_ms, int64_t to_ms,
                      struct replay_result *ret, struct strbuf *err)
{
	struct versions v = { 0 };
	struct query *q = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = query_prepare(st,
	                  "SELECT a.id, a.at_ms, u.login, a.action, a.record_id, a.request_id,"
	                  " a.outcome, a.profile_sha256, a.ledger_index"
	                  " FROM acts a JOIN users u ON u.id = a.actor"
	                  " WHERE a.kind IN ('record.create', 'record.action')"
	                  " AND a.ledger_index IS NOT NULL AND a.at_ms >= ?1 AND a.at_ms < ?2"
	                  " ORDER BY a.id",
	                  &q, err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, from_ms);
	query_bind_int(q, 2, to_ms);
	while ((r = query_step(q, err)) > 0) {
		struct strbuf then = STRBUF_INIT, before = STRBUF_INIT, after = STRBUF_INIT;
		struct strbuf bc = STRBUF_INIT, ac = STRBUF_INIT;
		struct strbuf vb = STRBUF_INIT, verr = STRBUF_INIT;
		struct policy_request_storage rs = { 0 };
		struct decide_request req;
		int got = sealed_request(lg, (uint64_t)query_int(q, 8), &req, &rs, err);

		if (got < 0) {
			r = got;
			query_done(q);
			break;
		}
		if (!got) {
			ret->without_request++;
			continue;
		}
		ret->replayed++;
		decide_one(version(st, &v, query_text(q, 7), &verr), &req, &then, &vb);
		decide_one(current, &req, &before, &bc);
		decide_one(draft, &req, &after, &ac);
		if (strcmp(before.buf, after.buf) || strcmp(bc.buf, ac.buf))
			add_change(ret, q, &then, &before, &after, &bc, &ac);
		policy_request_storage_release(&rs);
		strbuf_release(&then);
		strbuf_release(&before);
		strbuf_release(&after);
		strbuf_release(&bc);
		strbuf_release(&ac);
		strbuf_release(&vb);
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
		free(r->items[i].then);
		free(r->items[i].before);
		free(r->items[i].after);
		free(r->items[i].before_clauses);
		free(r->items[i].after_clauses);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* What differs between clause a and b (either NULL: added or removed), comma-separated. */
static void clause_changes(const struct policy_clause *a, const struct policy_clause *b,
                           struct strbuf *out)
{
	bool annex = a && b && a->n_annex == b->n_annex;

	if (!a || !b) {
		strbuf_addstr(out, a ? "removed" : "added");
		return;
	}
	for (unsigned k = 0; annex && k < a->n_annex; k++)
		annex = !strcmp(a->annex[k], b->annex[k]);
	if (!same_str(a->cite, b->cite))
		strbuf_addf(out, "%scite", out->len ? "," : "");
	if (!same_str(a->text, b->text))
		strbuf_addf(out, "%stext", out->len ? "," : "");
	if (!same_str(a->quote, b->quote))
		strbuf_addf(out, "%squote", out->len ? "," : "");
	if (!same_str(a->law, b->law))
		strbuf_addf(out, "%slaw", out->len ? "," : "");
	if (a->kind != b->kind)
		strbuf_addf(out, "%skind", out->len ? "," : "");
	if (!annex)
		strbuf_addf(out, "%siso27001", out->len ? "," : "");
}

/* Whether id is one of the comma-separated list's. */
static bool in_list(const char *list, const char *id)
{
	size_t n = strlen(id);

	for (const char *p = list ? list : ""; *p;) {
		size_t k = strcspn(p, ",");

		if (k == n && !strncmp(p, id, n))
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

static void clause_add(const struct policy_clause *a, const struct policy_clause *b,
                       const struct replay_result *r, struct replay_clause **v, size_t *n,
                       size_t *alloc)
{
	const char *id = a ? a->id : b->id;
	struct strbuf ch = STRBUF_INIT;
	struct replay_clause *x;

	clause_changes(a, b, &ch);
	ALLOC_GROW(*v, *n, *alloc);
	x = &(*v)[*n];
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < r->nr; i++)
		if (in_list(r->items[i].before_clauses, id) ||
		    in_list(r->items[i].after_clauses, id)) {
			x->acts = xrealloc(x->acts, (x->n_acts + 1) * sizeof(*x->acts));
			x->acts[x->n_acts++] = r->items[i].act_id;
		}
	if (!ch.len && !x->n_acts) {
		strbuf_release(&ch);
		return;
	}
	x->id = xstrdup(id);
	x->changes = strbuf_detach(&ch, NULL);
	(*n)++;
}

void replay_clauses(const struct profile *current, const struct profile *draft,
                    const struct replay_result *r, struct replay_clause **ret, size_t *ret_n)
{
	size_t alloc = 0;

	*ret = NULL;
	*ret_n = 0;
	for (unsigned i = 0; current && i < current->n_clauses; i++)
		clause_add(&current->clauses[i], policy_clause(draft, current->clauses[i].id), r,
		           ret, ret_n, &alloc);
	for (unsigned i = 0; i < draft->n_clauses; i++)
		if (!current || !policy_clause(current, draft->clauses[i].id))
			clause_add(NULL, &draft->clauses[i], r, ret, ret_n, &alloc);
}

void replay_clauses_release(struct replay_clause *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].changes);
		free(v[i].acts);
	}
	free(v);
}
