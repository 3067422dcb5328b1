/* act-record-check: the door's record half: deciding an act and checking its obligations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/act-record-internal.h"
#include "core/decide-input.h"
#include "core/requests.h"
#include "policy/grants.h"
#include "store/query.h"
#include "store/store.h"

/* ---- deciding ------------------------------------------------------------------------ */

/*
 * The act's policy context: acting_for names a role; a key the action requires or its rules
 * read must hold one of its values. Any other key — one the profile does not declare, or one
 * this action does not read — is accepted and ignored.
 */
int check_context(struct act_state *s, const struct policy_action *a, const struct act_attr *attrs,
                  size_t n, struct strbuf *err)
{
	uint64_t needed = a->context_required | policy_action_context_read(s->p, a);

	for (size_t i = 0; i < n; i++) {
		const struct policy_context_key *k;
		bool ok = false;

		if (!strcmp(attrs[i].key, "acting_for")) {
			if (!policy_role(s->p, attrs[i].value)) {
				error_set(err, "context acting_for=%s: no such role",
				          attrs[i].value);
				return -EINVAL;
			}
			continue;
		}
		k = policy_context_key(s->p, attrs[i].key);
		if (!k || !((needed >> k->index) & 1))
			continue;
		for (unsigned v = 0; v < k->n_values; v++)
			ok = ok || !strcmp(k->values[v], attrs[i].value);
		if (!ok) {
			struct strbuf vals = STRBUF_INIT;

			for (unsigned v = 0; v < k->n_values; v++)
				strbuf_addf(&vals, "%s%s", v ? ", " : "", k->values[v]);
			error_set(err,
			          "context %s=%s: not one of the values the profile allows (%s)",
			          attrs[i].key, attrs[i].value, vals.buf);
			strbuf_release(&vals);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Decides action for subject (login, roles, section, employment) on the target. The
 * policy context comes from ctx (an act) or ctx_json (a stored request).
 */
int decide_in(struct act_state *s, const struct org_user *subject, const struct strv *roles,
              struct target *t, json_t *ctx_json, bool with_state, struct decision *ret,
              json_t **ret_request, struct strbuf *err)
{
	struct decide_input in;
	int r;

	decide_input_init(&in, t->action->full_name);
	decide_input_subject(&in, subject->login, (const char *const *)roles->items, roles->nr,
	                     subject->section, subject->employment);
	decide_input_resource(&in, t->reg->id, t->rec.id,
	                      t->rec.id && with_state ? t->rec.state : NULL, t->level, t->section,
	                      t->system, t->merged);
	/* the grants as stored before this act (MIN-3-3-1, SHJ-2-4-2-ア) */
	if (t->rec.id)
		decide_input_grants(&in, s->p, &t->rec);
	if (ctx_json)
		decide_input_context_json(&in, ctx_json);
	else
		for (size_t i = 0; i < s->in->ctx.n_attrs; i++)
			decide_input_context_add(&in, s->in->ctx.attrs[i].key,
			                         s->in->ctx.attrs[i].value);
	r = policy_decide(s->p, &in.q, ret, err);
	if (r == 0 && ret_request)
		*ret_request = decide_request_json(&in.q);
	decide_input_release(&in);
	return r;
}

int decide(struct act_state *s, const struct org_user *subject, const struct strv *roles,
           struct target *t, json_t *ctx_json, struct decision *ret, struct strbuf *err)
{
	return decide_in(s, subject, roles, t, ctx_json, true, ret, NULL, err);
}

void add_decision_clauses(struct act_state *s, const struct decision *d)
{
	unsigned it = 0;
	const struct policy_clause *c;

	while ((c = policy_decision_next_clause(d, &it)))
		act_add_clause(s, c->id);
	if (!s->clauses.nr && d->action)
		act_add_clauses(s, &d->action->clauses);
}

void add_rule_ids(struct act_state *s, const struct decision *d)
{
	json_t *rules = json_array();

	for (unsigned i = 0; i < 64; i++) {
		const struct policy_rule *r;
		if (!((d->rules >> i) & 1))
			continue;
		r = policy_decision_rule(d, i);
		if (r)
			json_array_append_new(rules, json_string(r->id));
	}
	json_object_set_new(s->info, "rules", rules);
}

/*
 * The request did not say what the action's rules need: nothing is decided on a guess. The
 * message names each key with its values, as --context takes them.
 */
static void refuse_missing(struct act_state *s, const struct decision *d, struct target *t)
{
	struct strbuf keys = STRBUF_INIT;

	for (unsigned k = 0; k < s->p->n_context_keys; k++) {
		const struct policy_context_key *c = &s->p->context_keys[k];

		if (!((d->missing >> k) & 1))
			continue;
		strbuf_addf(&keys, "%s%s (%s: ", keys.len ? "; " : "", c->id, c->name);
		for (unsigned v = 0; v < c->n_values; v++)
			strbuf_addf(&keys, "%s%s", v ? ", " : "", c->values[v]);
		strbuf_addch(&keys, ')');
	}
	act_refuse(s, "%s cannot be decided without: %s; say it with --context KEY=VALUE",
	           t->action->full_name, keys.buf);
	s->reason = "missing_context";
	act_add_clauses(s, &t->action->clauses);
	strbuf_release(&keys);
}

/*
 * Why a deny: the rule's note, or the engine's reason. When the record is in a state the action
 * cannot start from, the person is asked about first: someone the profile would never let do
 * the action hears that, with the clause, whatever state the record is in (an incident closed
 * by someone who may never close one); only a person who may do it hears about the state.
 */
void refuse_deny(struct act_state *s, const struct decision *d, struct target *t)
{
	const char *why = NULL;
	struct decision stateless;
	struct strbuf ignored = STRBUF_INIT;

	if (d->reason == REASON_STATE && !s->system_actor &&
	    decide_in(s, &s->actor, &s->roles, t, NULL, false, &stateless, NULL, &ignored) == 0 &&
	    stateless.effect == EFFECT_DENY && !stateless.missing)
		d = &stateless;
	strbuf_release(&ignored);

	for (unsigned i = 0; i < 64 && !why; i++) {
		const struct policy_rule *r;
		if (!((d->rules >> i) & 1))
			continue;
		r = policy_decision_rule(d, i);
		if (r && r->note)
			why = r->note;
	}
	if (d->reason == REASON_MISSING_CONTEXT) {
		refuse_missing(s, d, t);
		return;
	}
	if (d->reason == REASON_STATE) {
		act_refuse(s, "'%s' cannot start from state '%s' of record %lld",
		           t->action->full_name, t->rec.state, (long long)t->rec.id);
		s->reason = "state";
	} else if (why || policy_reason_text(d)) {
		act_refuse(s, "%s is not allowed: %s", t->action->full_name,
		           why ? why : policy_reason_text(d));
		s->reason = "denied";
	} else { /* a deny rule without a note (REASON_RULES has no text of its own) */
		act_refuse(s, "%s is not allowed: the profile's rules deny it",
		           t->action->full_name);
		s->reason = "denied";
	}
	add_decision_clauses(s, d);
}

/* ---- obligations and separation of duties -------------------------------------------- */

static const char *value_of(struct target *t, const char *id)
{
	const char *v = json_str(t->act_vals, id);

	return v ? v : json_str(t->merged, id);
}

static const char *obligation_label(const struct policy_obligation *o, unsigned k, struct target *t)
{
	const struct policy_field *f;

	if (o->item_names && o->item_names[k])
		return o->item_names[k];
	f = policy_action_field(t->action, o->items[k]);
	if (!f)
		f = policy_register_field(t->reg, o->items[k]);
	return f && f->name ? f->name : o->items[k];
}

/* The field recording a disposal method: the action's enum field whose values include one
 * of the allowed methods, else one named "method". */
static const struct policy_field *method_field(struct target *t, const struct policy_obligation *o)
{
	for (unsigned i = 0; i < t->action->n_fields; i++) {
		const struct policy_field *f = &t->action->fields[i];
		if (f->type != FIELD_ENUM)
			continue;
		for (unsigned v = 0; v < f->n_values; v++)
			for (unsigned k = 0; k < o->n_items; k++)
				if (!strcmp(f->values[v], o->items[k]))
					return f;
	}
	if (policy_action_field(t->action, "method"))
		return policy_action_field(t->action, "method");
	return policy_register_field(t->reg, "method");
}

/* The user field naming the witness or escort who attends (立会者, 同行者). */
static bool witness_like(const struct policy_field *f)
{
	return f->type == FIELD_USER &&
	       (strstr(f->id, "witness") || strstr(f->id, "escort") || strstr(f->id, "attend"));
}

static const struct policy_field *witness_field(struct target *t)
{
	for (unsigned i = 0; i < t->action->n_fields; i++)
		if (witness_like(&t->action->fields[i]))
			return &t->action->fields[i];
	for (unsigned i = 0; i < t->reg->n_fields; i++)
		if (witness_like(&t->reg->fields[i]))
			return &t->reg->fields[i];
	return NULL;
}

static char *role_scope_for(const struct policy_role_ref *ref, struct target *t,
                            const struct org_user *actor)
{
	struct strbuf sb = STRBUF_INIT;

	switch (ref->role->scope) {
	case SCOPE_ORG:
		strbuf_addstr(&sb, "org");
		break;
	case SCOPE_SECTION:
		strbuf_addf(&sb, "section:%s",
		            ref->at == AT_ACTOR ? (actor->section ? actor->section : "")
		                                : (t->section ? t->section : ""));
		break;
	case SCOPE_SYSTEM:
		strbuf_addf(&sb, "system:%s", t->system ? t->system : "");
		break;
	}
	return strbuf_detach(&sb, NULL);
}

static int check_witness(struct act_state *s, struct target *t, const struct policy_obligation *o,
                         struct strbuf *err)
{
	const struct policy_field *wf = witness_field(t);
	const char *who = wf ? value_of(t, wf->id) : NULL;
	const char *role_name = o->role.role ? o->role.role->name : "";
	struct org_user w = { 0 };
	struct strv roles = STRV_INIT;
	int r;

	if (!who) {
		act_refuse(s,
		           "%s needs a witness (%s) other than the person doing it; record one "
		           "with --field %s=LOGIN",
		           t->action->full_name, role_name, wf ? wf->id : "witness");
		act_add_clauses(s, &o->clauses);
		return 0;
	}
	if (s->actor.login && !strcmp(who, s->actor.login)) {
		act_refuse(s, "the witness of %s must be someone other than the person doing it",
		           t->action->full_name);
		act_add_clauses(s, &o->clauses);
		return 0;
	}
	r = org_user_get(s->door->st, who, &w, err);
	if (r == 0 && o->role.role) {
		r = org_user_roles(s->door->st, w.id, s->now, &roles, err);
		if (r == 0) {
			bool holds = false;
			if (o->role.at == AT_ANY) {
				size_t rl = strlen(o->role.role->id);
				for (size_t i = 0; i < roles.nr && !holds; i++)
					holds = !strncmp(roles.items[i], o->role.role->id, rl) &&
					        roles.items[i][rl] == '@';
			} else {
				char *scope = role_scope_for(&o->role, t, &s->actor);
				holds = org_roles_hold(&roles, o->role.role->id, scope);
				free(scope);
			}
			if (!holds || strcmp(w.status, USER_ACTIVE)) {
				act_refuse(s, "witness '%s' is not an active %s", who, role_name);
				act_add_clauses(s, &o->clauses);
			}
		}
	}
	org_user_release(&w);
	strv_release(&roles);
	return r == -ENOENT ? -EINVAL : r;
}

/* Who must be told (act_result.notify), each role@scope once. */
static void add_notify(struct act_state *s, const char *role, const char *scope)
{
	size_t i;
	json_t *v;

	if (!s->notify)
		s->notify = json_array();
	json_array_foreach(s->notify, i, v)
	{
		if (!strcmp(json_string_value(json_array_get(v, 0)), role) &&
		    !strcmp(json_string_value(json_array_get(v, 1)), scope))
			return;
	}
	json_array_append_new(s->notify, json_pack("[ss]", role, scope));
}

/*
 * Obligations of an allow or approval decision that can be checked now: fields to record,
 * the disposal method, the witness. Others (encryption, measures, notification, notes) are
 * written into the act's public details for people and auditors.
 */
int check_obligations(struct act_state *s, const struct decision *d, struct target *t,
                      struct strbuf *err)
{
	const struct policy_obligation *o;
	json_t *notes = json_array();
	unsigned it = 0;
	int r = 0;

	while (s->outcome != ACT_REFUSED && (o = policy_decision_next_obligation(d, &it))) {
		switch (o->kind) {
		case OBLIGATION_RECORD: {
			struct strbuf missing = STRBUF_INIT;
			for (unsigned k = 0; k < o->n_items; k++)
				if (!value_of(t, o->items[k]))
					strbuf_addf(&missing, "%s%s (%s)", missing.len ? ", " : "",
					            obligation_label(o, k, t), o->items[k]);
			if (missing.len) {
				act_refuse(s, "%s must record %s", t->action->full_name,
				           missing.buf);
				s->reason = "missing_fields";
				act_add_clauses(s, &o->clauses);
				if (!o->clauses.nr)
					act_add_clauses(s, &t->action->clauses);
			}
			strbuf_release(&missing);
			break;
		}
		case OBLIGATION_DISPOSE: {
			const struct policy_field *mf = method_field(t, o);
			const char *m = mf ? value_of(t, mf->id) : NULL;
			bool ok = false;
			for (unsigned k = 0; m && k < o->n_items; k++)
				ok = ok || !strcmp(m, o->items[k]);
			if (!ok) {
				struct strbuf list = STRBUF_INIT;
				for (unsigned k = 0; k < o->n_items; k++)
					strbuf_addf(&list, "%s%s", k ? "、" : "", o->items[k]);
				if (m)
					act_refuse(
					    s,
					    "%s needs a disposal method ('%s' is not allowed): "
					    "%s",
					    t->action->full_name, m, list.buf);
				else
					act_refuse(s, "%s needs a disposal method: %s",
					           t->action->full_name, list.buf);
				act_add_clauses(s, &o->clauses);
				strbuf_release(&list);
			}
			break;
		}
		case OBLIGATION_WITNESS:
			r = check_witness(s, t, o, err);
			break;
		case OBLIGATION_ENCRYPT:
			json_array_append_new(notes, json_string("encrypt"));
			break;
		case OBLIGATION_MEASURES:
			for (unsigned k = 0; k < o->n_items; k++)
				json_array_append_new(notes, json_string(o->items[k]));
			break;
		case OBLIGATION_NOTIFY:
			if (o->role.role) {
				char *scope = role_scope_for(&o->role, t, &s->actor);
				json_array_append_new(
				    notes, json_sprintf("notify %s@%s", o->role.role->id, scope));
				add_notify(s, o->role.role->id, scope);
				free(scope);
			}
			break;
		case OBLIGATION_NOTE:
			if (o->text)
				json_array_append_new(notes, json_string(o->text));
			break;
		}
		if (r < 0)
			break;
	}
	if (json_array_size(notes))
		json_object_set(s->info, "obligations", notes);
	json_decref(notes);
	return r;
}

/*
 * A ref field with keeps_level: the record is at least as protected as the record it names
 * (a copy is kept as its original, MIN-3-4-1). Returns whether the act was refused.
 */
bool check_kept_levels(struct act_state *s, struct target *t)
{
	for (unsigned i = 0; i < t->reg->n_fields; i++) {
		const struct policy_field *f = &t->reg->fields[i];
		const char *v = f->keeps_level ? json_str(t->merged, f->id) : NULL;
		const struct policy_level *mine = t->level ? policy_level(s->p, t->level) : NULL;
		const struct policy_level *theirs;
		struct record orig = { 0 };
		int64_t id;

		if (!v || parse_int64(v, 1, INT64_MAX, &id) < 0 ||
		    record_get(s->door->st, id, &orig, NULL) < 0)
			continue;
		theirs = orig.level ? policy_level(s->p, orig.level) : NULL;
		if (theirs && (!mine || mine->rank > theirs->rank)) {
			act_refuse(
			    s,
			    "%s: record %lld is of level %s; this record must be kept at that "
			    "level or a more protected one, not %s",
			    f->name ? f->name : f->id, (long long)id, theirs->name,
			    mine ? mine->name : "none");
			s->reason = "denied";
			act_add_clauses(s, &f->clauses);
			record_release(&orig);
			return true;
		}
		record_release(&orig);
	}
	return false;
}

/* distinct_persons constraints: the listed user fields of one record name different people
 * (a `many` field names several: each of them counts). */
void check_distinct(struct act_state *s, struct target *t)
{
	const struct profile *p = s->p;

	for (unsigned i = 0; i < p->n_separation && s->outcome != ACT_REFUSED; i++) {
		const struct policy_separation *sep = &p->separation[i];
		struct strv seen = STRV_INIT;
		const char *seen_name[64];

		if (sep->kind != SEP_DISTINCT_PERSONS)
			continue;
		for (unsigned k = 0; k < sep->n_fields && s->outcome != ACT_REFUSED; k++) {
			const char *v, *cur, *b;
			const char *name =
			    sep->fields[k]->name ? sep->fields[k]->name : sep->fields[k]->id;
			struct strv mine = STRV_INIT;
			size_t n;

			if (sep->field_regs[k] != t->reg || !(v = value_of(t, sep->fields[k]->id)))
				continue;
			for (cur = v; policy_list_next(&cur, &b, &n);) {
				char *item = xstrndup(b, n);
				strv_push_unique(&mine, item);
				free(item);
			}
			for (size_t m = 0; m < mine.nr && s->outcome != ACT_REFUSED; m++)
				for (size_t j = 0; j < seen.nr; j++)
					if (!strcmp(seen.items[j], mine.items[m])) {
						act_refuse(
						    s,
						    "%s and %s must be different people ('%s' "
						    "is both)",
						    seen_name[j], name, mine.items[m]);
						act_add_clauses(s, &sep->clauses);
						break;
					}
			for (size_t m = 0; m < mine.nr && seen.nr < 64; m++) {
				seen_name[seen.nr] = name;
				strv_push(&seen, mine.items[m]);
			}
			strv_release(&mine);
		}
		strv_release(&seen);
	}
}
