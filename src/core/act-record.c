/* act-record: the door's record half: register actions, requests, approvals, rejections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/act-internal.h"
#include "core/decide-input.h"
#include "core/requests.h"
#include "policy/grants.h"
#include "store/query.h"
#include "store/store.h"

/* The applicant≠approver clause when the profile names none for the action (Minato 2(6)①). */
static const char *const sod_fallback_clauses[] = { "MIN-2-6-1", NULL };

/* What the door knows about the record an action concerns, old and new. */
struct target {
	const struct policy_register *reg;
	const struct policy_action *action;
	struct record rec; /* the record as stored; id 0 when the action creates it */
	json_t *reg_vals;  /* register fields given with the act */
	json_t *act_vals;  /* the action's own fields given with the act */
	json_t *merged;    /* the record's fields after the act */
	const char *level, *section, *system; /* the record's, after the act (borrowed) */
	char *system_owned;
};

static void target_release(struct target *t)
{
	record_release(&t->rec);
	json_decref(t->reg_vals);
	json_decref(t->act_vals);
	json_decref(t->merged);
	free(t->system_owned);
}

/* The record's state after the act: the action's `to`, else as it is (made: the initial). */
static const char *state_after(const struct target *t)
{
	if (t->action->to)
		return t->action->to->id;
	if (t->rec.id)
		return t->rec.state;
	return t->reg->initial ? t->reg->initial->id : t->reg->n_states ? t->reg->states[0].id : "";
}

static const struct policy_field *first_field_of_type(const struct policy_register *reg,
                                                      enum policy_field_type type)
{
	/* a many field (an audit's sections) is never the record's own */
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].type == type && !reg->fields[i].many)
			return &reg->fields[i];
	return NULL;
}

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;

	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static void field_list(struct strbuf *sb, const struct policy_register *reg,
                       const struct policy_action *a)
{
	bool first = true;

	for (unsigned i = 0; i < reg->n_fields; i++) {
		strbuf_addf(sb, "%s%s", first ? "" : ", ", reg->fields[i].id);
		first = false;
	}
	for (unsigned i = 0; a && i < a->n_fields; i++) {
		strbuf_addf(sb, "%s%s", first ? "" : ", ", a->fields[i].id);
		first = false;
	}
}

/* Sorts the act's fields into register and action values, each checked against its type. */
static int take_value(struct act_state *s, struct target *t, const char *key, const char *value,
                      struct strbuf *err)
{
	const struct policy_action *a = t->action;
	bool is_action = false;
	const struct policy_field *f =
	    record_find_field(t->reg, a->fields, a->n_fields, key, &is_action);
	json_t *into;
	int r;

	if (!f) {
		struct strbuf names = STRBUF_INIT;
		field_list(&names, t->reg, a);
		error_set(err, "'%s' has no field '%s' (fields: %s)", a->full_name, key,
		          names.len ? names.buf : "none");
		strbuf_release(&names);
		return -EINVAL;
	}
	into = is_action ? t->act_vals : t->reg_vals;
	if (json_object_get(into, f->id)) {
		error_set(err, "field '%s' is given twice", f->id);
		return -EINVAL;
	}
	r = record_check_value(s->door->st, s->p, f, value, err);
	if (r == 0 && f->type == FIELD_ENTRIES)
		r = record_check_entries(s->door->lg, f, value, err);
	if (r < 0)
		return r;
	if (f->type == FIELD_GRANTS) {
		/* kept as policy_grants_normalize writes it: one spelling per grant */
		struct strbuf norm = STRBUF_INIT;

		r = policy_grants_normalize(s->p, value, &norm, err);
		if (r == 0)
			json_object_set_new(into, f->id, json_string(norm.buf));
		strbuf_release(&norm);
		if (r < 0)
			return -EINVAL;
	} else {
		json_object_set_new(into, f->id, json_string(value));
	}
	/* An action field named like a register field records the register's value too
	 * (software.install records the licence the register keeps). */
	if (is_action && policy_register_field(t->reg, f->id))
		json_object_set(t->reg_vals, f->id, json_object_get(into, f->id));
	return 0;
}

static int take_values(struct act_state *s, struct target *t, const struct act_input *in,
                       struct strbuf *err)
{
	const struct policy_field *f;
	int r;

	for (size_t i = 0; i < in->n_fields; i++) {
		r = take_value(s, t, in->fields[i].key, in->fields[i].value, err);
		if (r < 0)
			return r;
	}
	/* --level and --section are shorthands for the register's level and section fields. */
	if (in->level) {
		f = first_field_of_type(t->reg, FIELD_LEVEL);
		if (!f) {
			error_set(err, "register '%s' has no level field", t->reg->id);
			return -EINVAL;
		}
		r = take_value(s, t, f->id, in->level, err);
		if (r < 0)
			return r;
	}
	if (in->section) {
		f = first_field_of_type(t->reg, FIELD_SECTION);
		if (!f) {
			error_set(err, "register '%s' has no section field", t->reg->id);
			return -EINVAL;
		}
		r = take_value(s, t, f->id, in->section, err);
		if (r < 0)
			return r;
	}
	if (in->system) {
		struct org_system sys = { 0 };
		r = org_system_get(s->door->st, in->system, &sys, err);
		org_system_release(&sys);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
		if (policy_register_field(t->reg, "system")) {
			r = take_value(s, t, "system", in->system, err);
			if (r < 0)
				return r;
		} else {
			t->system_owned = xstrdup(in->system);
		}
	}
	return 0;
}

/* The record after the act: stored fields with the new values over them. */
static void merge(struct act_state *s, struct target *t)
{
	const struct policy_field *f;

	t->merged = t->rec.fields ? json_deep_copy(t->rec.fields) : json_object();
	json_object_update(t->merged, t->reg_vals);
	f = first_field_of_type(t->reg, FIELD_LEVEL);
	t->level = f ? json_str(t->merged, f->id) : t->rec.level;
	f = first_field_of_type(t->reg, FIELD_SECTION);
	t->section = f ? json_str(t->merged, f->id) : t->rec.section;
	if (!t->section)
		t->section = t->rec.id ? t->rec.section : s->actor.section;
	t->system = json_str(t->merged, "system");
	if (!t->system)
		t->system = t->system_owned ? t->system_owned : t->rec.system;
}

/* ---- deciding ------------------------------------------------------------------------ */

/*
 * The act's policy context: acting_for names a role; a key the action requires or its rules
 * read must hold one of its values. Any other key — one the profile does not declare, or one
 * this action does not read — is accepted and ignored.
 */
static int check_context(struct act_state *s, const struct policy_action *a,
                         const struct act_attr *attrs, size_t n, struct strbuf *err)
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
static int decide_in(struct act_state *s, const struct org_user *subject, const struct strv *roles,
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

static int decide(struct act_state *s, const struct org_user *subject, const struct strv *roles,
                  struct target *t, json_t *ctx_json, struct decision *ret, struct strbuf *err)
{
	return decide_in(s, subject, roles, t, ctx_json, true, ret, NULL, err);
}

static void add_decision_clauses(struct act_state *s, const struct decision *d)
{
	unsigned it = 0;
	const struct policy_clause *c;

	while ((c = policy_decision_next_clause(d, &it)))
		act_add_clause(s, c->id);
	if (!s->clauses.nr && d->action)
		act_add_clauses(s, &d->action->clauses);
}

static void add_rule_ids(struct act_state *s, const struct decision *d)
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
static void refuse_deny(struct act_state *s, const struct decision *d, struct target *t)
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
	} else {
		act_refuse(s, "%s is not allowed: %s", t->action->full_name,
		           why ? why : policy_reason_text(d));
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
static int check_obligations(struct act_state *s, const struct decision *d, struct target *t,
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
static bool check_kept_levels(struct act_state *s, struct target *t)
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
static void check_distinct(struct act_state *s, struct target *t)
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

/* ---- applying ---------------------------------------------------------------------------- */

/*
 * Writes the change: a new record, or the record with its new fields and state. Version
 * +1 on every change, so a request knows whether the record moved since it was made.
 */
static int apply_change(struct act_state *s, struct target *t, int64_t creator, struct strbuf *err)
{
	struct store *st = s->door->st;
	const char *state = state_after(t); /* "" for a register without a lifecycle */
	char *fields = json_dumps(t->merged, JSON_COMPACT | JSON_SORT_KEYS);
	struct query *q;
	int rc, r;

	if (!t->rec.id) {
		q = query_get(st,
		              "INSERT INTO records(register, state, level, section, system,"
		              " fields, version, created_ms, created_by, changed_ms)"
		              " VALUES (?,?,?,?,?,?,1,?,?,?)",
		              err);
		if (!q) {
			free(fields);
			return -EIO;
		}
		query_bind_text(q, 1, t->reg->id);
		query_bind_text(q, 2, state);
		query_bind_text(q, 3, t->level);
		query_bind_text(q, 4, t->section);
		query_bind_text(q, 5, t->system);
		query_bind_text(q, 6, fields);
		query_bind_int(q, 7, s->now);
		query_bind_int_or_null(q, 8, creator);
		query_bind_int(q, 9, s->now);
	} else {
		q = query_get(st,
		              "UPDATE records SET state = ?, level = ?, section = ?, system = ?,"
		              " fields = ?, version = version + 1, changed_ms = ?"
		              " WHERE id = ? AND version = ?",
		              err);
		if (!q) {
			free(fields);
			return -EIO;
		}
		query_bind_text(q, 1, state);
		query_bind_text(q, 2, t->level);
		query_bind_text(q, 3, t->section);
		query_bind_text(q, 4, t->system);
		query_bind_text(q, 5, fields);
		query_bind_int(q, 6, s->now);
		query_bind_int(q, 7, t->rec.id);
		query_bind_int(q, 8, t->rec.version);
	}
	rc = query_step(q, err);
	query_done(q);
	free(fields);
	if (rc != 0)
		return rc;
	if (t->rec.id && query_changes(st) != 1) {
		/* The version moved under us: cannot happen inside the door's transaction. */
		error_set(err, "record %lld changed while being written; retry",
		          (long long)t->rec.id);
		return -EBUSY;
	}
	s->record_id = t->rec.id ? t->rec.id : query_last_id(st);
	r = act_sync_grants(s, t->reg, s->record_id, t->merged, err);
	if (r < 0)
		return r;
	if (t->rec.id) {
		act_digest_record(&t->rec, s->before);
		s->has_before = true;
	}
	/* The record as now stored, from what was written (no read back needed). */
	act_digest_record_parts(s->record_id, t->reg->id, state, t->level, t->section, t->system,
	                        t->merged, t->rec.id ? t->rec.version + 1 : 1, s->after);
	s->has_after = true;
	free(s->subject);
	s->subject = core_subject(t->reg->id, s->record_id);
	return 0;
}

/* ---- requests -------------------------------------------------------------------------- */

static int insert_request(struct act_state *s, struct target *t, int64_t *ret_id,
                          struct strbuf *err)
{
	struct store *st = s->door->st;
	json_t *given = json_deep_copy(t->reg_vals), *ctx = json_object(), *clauses = json_array();
	char *given_s, *ctx_s, *clauses_s;
	struct query *q;
	int rc;

	json_object_update(given, t->act_vals);
	for (size_t i = 0; i < s->in->ctx.n_attrs; i++)
		json_object_set_new(ctx, s->in->ctx.attrs[i].key,
		                    json_string(s->in->ctx.attrs[i].value));
	for (size_t i = 0; i < s->clauses.nr; i++)
		json_array_append_new(clauses, json_string(s->clauses.items[i]));
	given_s = json_dumps(given, JSON_COMPACT | JSON_SORT_KEYS);
	ctx_s = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
	clauses_s = json_dumps(clauses, JSON_COMPACT);
	json_decref(given);
	json_decref(ctx);
	json_decref(clauses);
	q = query_get(st,
	              "INSERT INTO requests(action, register, record_id, record_version,"
	              " applicant, level, section, system, fields, context, comment, state,"
	              " profile_sha256, clauses, created_ms, expires_ms)"
	              " VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',?,?,?,?)",
	              err);
	if (!q) {
		rc = -EIO;
		goto out;
	}
	query_bind_text(q, 1, t->action->full_name);
	query_bind_text(q, 2, t->reg->id);
	query_bind_int_or_null(q, 3, t->rec.id);
	query_bind_int_or_null(q, 4, t->rec.id ? t->rec.version : 0);
	query_bind_int(q, 5, s->actor.id);
	query_bind_text(q, 6, t->level);
	query_bind_text(q, 7, t->section);
	query_bind_text(q, 8, t->system);
	query_bind_text(q, 9, given_s);
	query_bind_text(q, 10, ctx_s);
	query_bind_text(q, 11, s->in->comment);
	query_bind_text(q, 12, s->p->sha256_hex);
	query_bind_text(q, 13, clauses_s);
	query_bind_int(q, 14, s->now);
	query_bind_int(q, 15,
	               s->now + (s->p->request_expire_seconds ? s->p->request_expire_seconds * 1000
	                                                      : DOOR_REQUEST_TTL_MS));
	rc = query_step(q, err);
	query_done(q);
	if (rc == 0)
		*ret_id = query_last_id(st);
out:
	free(given_s);
	free(ctx_s);
	free(clauses_s);
	if (rc != 0)
		return q ? rc : -EIO;
	return 0;
}

static int insert_slot(struct act_state *s, int64_t request_id, int seq, const char *role,
                       const char *scope, const char *routed_from, bool needs_exception,
                       struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "INSERT INTO request_approvers(request_id, seq, role, scope,"
	                            " routed_from, needs_exception) VALUES (?,?,?,?,?,?)",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_int(q, 1, request_id);
	query_bind_int(q, 2, seq);
	query_bind_text(q, 3, role);
	query_bind_text(q, 4, scope);
	query_bind_text(q, 5, routed_from);
	query_bind_int(q, 6, needs_exception);
	rc = query_step(q, err);
	query_done(q);
	return rc;
}

/* Holders of role@scope other than the applicant. */
static int others_holding(struct act_state *s, const char *role, const char *scope, size_t *ret,
                          struct strbuf *err)
{
	int64_t *ids = NULL;
	size_t nr = 0, n = 0;
	int r = org_holders(s->door->st, role, scope, s->now, &ids, &nr, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < nr; i++)
		n += ids[i] != s->actor.id;
	free(ids);
	*ret = n;
	return 0;
}

/*
 * Creates the request and its approvers. Separation of duties per person: when the
 * applicant is the only one who holds an approver role at that scope, the approval goes
 * where the profile's fallback says (another role), or the request is marked as needing
 * an exception. It is never approved by the applicant.
 */
static int create_request(struct act_state *s, const struct decision *d, struct target *t,
                          struct strbuf *err)
{
	struct strbuf label = STRBUF_INIT;
	json_t *routing = json_array();
	int64_t id = 0;
	int r;

	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];
		if (a->scope != SCOPE_ORG && !a->scope_value) {
			if (a->scope == SCOPE_SECTION)
				act_refuse(
				    s,
				    "%s needs the approval of a %s, but record names no section "
				    "to find one in",
				    t->action->full_name, a->role->name);
			else
				act_refuse(s,
				           "%s needs the approval of a %s, but record names no "
				           "information system to find one in",
				           t->action->full_name, a->role->name);
			add_decision_clauses(s, d);
			json_decref(routing);
			return 0;
		}
	}
	r = insert_request(s, t, &id, err);
	if (r < 0)
		goto out;
	s->request_id = id;
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];
		char *scope = act_approver_scope(a);
		const char *role = a->role->id;
		char *routed_from = NULL, *route_scope = NULL;
		bool needs_exception = false;
		size_t others = 0;

		r = others_holding(s, role, scope, &others, err);
		if (r == 0 && others == 0 && a->applicant_holds) {
			/* Only the applicant could approve: the profile says where it goes. */
			if (a->fallback.kind == FALLBACK_ROUTE && a->fallback.route) {
				const struct policy_role *to = a->fallback.route;
				routed_from = xstrfmt("%s@%s", role, scope);
				if (to->scope == SCOPE_ORG)
					route_scope = xstrdup("org");
				else
					route_scope = xstrdup(scope);
				role = to->id;
				r = others_holding(s, role, route_scope, &others, err);
				needs_exception = r == 0 && others == 0;
			} else {
				needs_exception = true;
			}
			json_array_append_new(
			    routing, json_sprintf("%s@%s: %s", a->role->id, scope,
			                          routed_from ? "routed" : "exception needed"));
		}
		if (r == 0)
			r = insert_slot(s, id, (int)i, role, route_scope ? route_scope : scope,
			                routed_from, needs_exception, err);
		if (r == 0)
			act_result_add_approver(s, role, route_scope ? route_scope : scope,
			                        routed_from, needs_exception, false);
		if (label.len)
			strbuf_addch(&label, ',');
		strbuf_addf(&label, "%s@%s", role, route_scope ? route_scope : scope);
		free(scope);
		free(route_scope);
		free(routed_from);
		if (r < 0)
			goto out;
	}
	s->outcome = ACT_PENDING;
	free(s->decision);
	s->decision = xstrfmt("approval:%s", label.buf);
	if (json_array_size(routing))
		json_object_set(s->info, "separation", routing);
	strbuf_reset(&s->message);
	strbuf_addf(&s->message, "request %lld waits for approval", (long long)id);
out:
	json_decref(routing);
	strbuf_release(&label);
	return r;
}

/* ---- the record act ------------------------------------------------------------------ */

/*
 * What an alert is about is public, unlike its values (sealed: a summary may name a person):
 * the rule and the ledger indexes of the matching entries go into the entry's public data,
 * so an auditor can follow an alert to its evidence in an export.
 */
static void system_public(struct act_state *s, struct target *t)
{
	const char *rule = json_str(t->reg_vals, "rule");
	const char *entries = json_str(t->reg_vals, "entries");
	json_t *arr;

	if (rule)
		json_object_set_new(s->info, "rule", json_string(rule));
	if (!entries)
		return;
	arr = json_array();
	while (*entries) {
		char *end;
		unsigned long long v = strtoull(entries, &end, 10);
		if (end == entries)
			break;
		json_array_append_new(arr, json_integer((json_int_t)v));
		entries = end + strspn(end, " ");
	}
	json_object_set_new(s->info, "entries", arr);
}

/*
 * Mamori's own act (a system actor: act.h). The door allows it itself: no person's role is
 * involved and the ward's rules, which are about people, are not asked. It creates a record
 * (an alert, the day's log analysis, an incident from an alert) or does an action on one (ties
 * an alert to an incident) from a state the action starts from; the action's own required
 * fields must be there, and the action's and register's clauses say why it is recorded.
 */
static int system_act(struct act_state *s, struct target *t, struct strbuf *err)
{
	const struct policy_action *a = t->action;
	int r;

	if (a->create != !t->rec.id) {
		error_set(err, "'%s' %s", a->full_name,
		          a->create ? "creates a record" : "acts on an existing record");
		return -EINVAL;
	}
	if (t->rec.id && a->from) {
		const struct policy_state *st = policy_register_state(t->reg, t->rec.state);
		if (!st || !(a->from & (1ULL << st->index))) {
			error_set(err, "'%s' cannot start from state '%s' of record %lld",
			          a->full_name, t->rec.state, (long long)t->rec.id);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < a->n_fields; i++) {
		if (a->fields[i].required && !json_str(t->act_vals, a->fields[i].id)) {
			error_set(err, "'%s' must record field '%s'", a->full_name,
			          a->fields[i].id);
			return -EINVAL;
		}
	}
	act_add_clauses(s, &a->clauses);
	if (!s->clauses.nr)
		act_add_clauses(s, &t->reg->clauses);
	json_object_set_new(s->info, "system_actor", json_string(s->system_actor));
	system_public(s, t);
	r = apply_change(s, t, 0, err);
	if (r == 0) {
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "%s done by Mamori (%s): record %lld", a->full_name,
		            s->system_actor, (long long)s->record_id);
	}
	return r;
}

/*
 * An incident's containment that suspends a person (the profile's incidents.containment with
 * `suspends`): the person is suspended by the action and reinstated by its undo in the same
 * act, so the account stops at once, and the act that did it is the case's.
 */
static int containment_effect(struct act_state *s, struct target *t, struct strbuf *err)
{
	const struct policy_incidents *in = &s->p->incidents;

	if (t->reg != in->reg)
		return 0;
	for (unsigned i = 0; i < in->n_containment; i++) {
		const struct policy_containment *c = &in->containment[i];
		const char *who;

		if (!c->suspends || (t->action != c->action && t->action != c->undo))
			continue;
		who = json_str(t->act_vals, c->suspends->id);
		if (!who)
			return 0;
		json_object_set_new(
		    s->info, "account",
		    json_string(t->action == c->action ? "suspended" : "reinstated"));
		return act_user_status_effect(
		    s, who, t->action == c->action ? USER_SUSPENDED : USER_ACTIVE, err);
	}
	return 0;
}

static int resolve_target(struct act_state *s, struct target *t, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const struct profile *p = s->p;
	int r;

	if (in->record_id) {
		r = record_get(s->door->st, in->record_id, &t->rec, err);
		if (r < 0)
			return r;
		t->reg = policy_register(p, t->rec.register_id);
		if (!t->reg) {
			error_set(err,
			          "record %lld is in register '%s', which the profile in force "
			          "no longer declares",
			          (long long)in->record_id, t->rec.register_id);
			return -EINVAL;
		}
		if (!in->action) {
			error_set(err, "an action is needed (register.action)");
			return -EINVAL;
		}
		t->action = policy_action(p, in->action);
		if (!t->action && !strchr(in->action, '.'))
			t->action = policy_register_action(t->reg, in->action);
		if (!t->action) {
			error_set(err,
			          "unknown action '%s'; the actions of '%s' are listed by "
			          "'mamori policy show'",
			          in->action, t->reg->id);
			return -ENOENT;
		}
		if (t->action->reg != t->reg) {
			error_set(err, "'%s' is not an action of register '%s' (record %lld)",
			          t->action->full_name, t->reg->id, (long long)in->record_id);
			return -EINVAL;
		}
		if (t->action->create) {
			error_set(err, "'%s' creates a record; use 'mamori record add %s'",
			          t->action->full_name, t->reg->id);
			return -EINVAL;
		}
		if (in->expect_version && in->expect_version != t->rec.version) {
			error_set(err,
			          "record %lld changed since you read it (version %lld, now "
			          "%lld); read it again",
			          (long long)in->record_id, (long long)in->expect_version,
			          (long long)t->rec.version);
			return -ESTALE;
		}
		return 0;
	}
	if (in->action) {
		t->action = policy_action(p, in->action);
		if (!t->action) {
			error_set(err, "unknown action '%s'", in->action);
			return -ENOENT;
		}
		t->reg = t->action->reg;
		if (!t->action->create) {
			error_set(err, "'%s' acts on an existing record: give the record id",
			          t->action->full_name);
			return -EINVAL;
		}
		return 0;
	}
	t->reg = in->register_id ? policy_register(p, in->register_id) : NULL;
	if (!t->reg) {
		error_set(err,
		          "unknown register '%s'; the registers are listed by 'mamori policy "
		          "show'",
		          in->register_id ? in->register_id : "");
		return -ENOENT;
	}
	for (unsigned i = 0; i < t->reg->n_actions && !t->action; i++)
		if (t->reg->actions[i]->create)
			t->action = t->reg->actions[i];
	if (!t->action) {
		error_set(err, "register '%s' has no action that creates a record", t->reg->id);
		return -EINVAL;
	}
	return 0;
}

static int check_required_register_fields(struct target *t, struct strbuf *err)
{
	for (unsigned i = 0; i < t->reg->n_fields; i++) {
		const struct policy_field *f = &t->reg->fields[i];
		if (f->required && !json_str(t->merged, f->id)) {
			error_set(err, "register '%s' requires field '%s' (%s)", t->reg->id, f->id,
			          f->name ? f->name : f->id);
			return -EINVAL;
		}
	}
	return 0;
}

int act_record(struct act_state *s, struct strbuf *err)
{
	struct target t = { 0 };
	struct decision d;
	int r;

	if (!s->p) {
		error_set(err, "no profile in force");
		return -ENOENT;
	}
	if (!s->actor.id && !s->system_actor) {
		error_set(err, "records are changed by people: give --as LOGIN");
		return -EINVAL;
	}
	t.reg_vals = json_object();
	t.act_vals = json_object();
	r = resolve_target(s, &t, err);
	if (r == 0 && t.reg == s->p->risk.reg && !s->in->risk_computed) {
		error_set(err,
		          "a risk's values are computed by Mamori: use 'mamori risk assess' or "
		          "'mamori risk accept' (docs/risk.md)");
		r = -EPERM;
	}
	if (r == 0)
		r = check_context(s, t.action, s->in->ctx.attrs, s->in->ctx.n_attrs, err);
	if (r == 0)
		r = take_values(s, &t, s->in, err);
	if (r < 0)
		goto out;
	merge(s, &t);
	if (!t.rec.id) {
		r = check_required_register_fields(&t, err);
		if (r < 0)
			goto out;
	}
	s->kind_name = t.rec.id ? "record.action" : "record.create";
	s->action = xstrdup(t.action->full_name);
	s->record_id = t.rec.id;
	s->subject = t.rec.id ? core_subject(t.reg->id, t.rec.id) : core_subject(t.reg->id, 0);
	s->recorded = json_deep_copy(t.reg_vals);
	json_object_update(s->recorded, t.act_vals);

	if (s->system_actor) {
		r = system_act(s, &t, err);
		goto out;
	}
	/* the request as decided is sealed beside the entry: a draft profile replays it exactly */
	r = decide_in(s, &s->actor, &s->roles, &t, NULL, true, &d, &s->request, err);
	if (r < 0)
		goto out;
	add_rule_ids(s, &d);
	if (d.effect == EFFECT_DENY) {
		refuse_deny(s, &d, &t);
		goto out;
	}
	add_decision_clauses(s, &d);
	r = check_obligations(s, &d, &t, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	check_distinct(s, &t);
	if (s->outcome != ACT_REFUSED)
		check_kept_levels(s, &t);
	if (s->outcome != ACT_REFUSED)
		act_check_ref_bounds(s, t.reg, t.merged, t.section);
	if (s->outcome == ACT_REFUSED)
		goto out;
	r = act_check_unique(s, t.reg, t.reg_vals, t.rec.id, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	r = act_check_independent(s, t.reg, t.reg_vals, t.merged, err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_at_least(s, t.reg, &t.rec, state_after(&t), t.reg_vals, t.merged,
		                       err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_holds(s, t.reg, t.reg_vals, err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_actor_in(s, t.action, t.merged, t.act_vals, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (d.effect == EFFECT_APPROVAL) {
		r = create_request(s, &d, &t, err);
		goto out;
	}
	r = apply_change(s, &t, s->actor.id, err);
	if (r == 0) {
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "%s done on record %lld", t.action->full_name,
		            (long long)s->record_id);
		r = containment_effect(s, &t, err);
	}
out:
	target_release(&t);
	return r;
}

/* ---- approvals ----------------------------------------------------------------------- */

static void request_clauses(struct act_state *s, const struct request *q)
{
	size_t i;
	json_t *v;

	json_array_foreach(q->clauses, i, v)
	{
		if (json_is_string(v))
			act_add_clause(s, json_string_value(v));
	}
}

static void separation_clauses(struct act_state *s, const char *action)
{
	const struct policy_action *a = policy_action(s->p, action);
	const struct policy_separation *sep = a ? policy_separation_for_action(s->p, a) : NULL;

	if (sep)
		act_add_clauses(s, &sep->clauses);
	else
		act_add_known_clauses(s, sod_fallback_clauses);
}

static const char *acting_for(const struct act_state *s)
{
	for (size_t i = 0; i < s->in->ctx.n_attrs; i++)
		if (!strcmp(s->in->ctx.attrs[i].key, "acting_for"))
			return s->in->ctx.attrs[i].value;
	return NULL;
}

/*
 * Does the actor hold the slot's role, or stand in for it as the profile's deputy (代決,
 * MIN-2-2-2: context acting_for=ROLE)? *ret_deputy tells which, when given.
 */
static bool holds_slot_as(const struct act_state *s, const struct request_slot *x, bool *ret_deputy)
{
	const char *af = acting_for(s);
	const struct policy_role *r;
	bool deputy;

	if (ret_deputy)
		*ret_deputy = false;
	if (act_actor_holds(s, x->role, x->scope))
		return true;
	if (!af || strcmp(af, x->role) || !(r = policy_role(s->p, x->role)) || !r->deputy)
		return false;
	deputy =
	    act_actor_holds(s, r->deputy->id, x->scope) || act_actor_holds(s, r->deputy->id, "org");
	if (ret_deputy)
		*ret_deputy = deputy;
	return deputy;
}

static bool holds_slot(const struct act_state *s, const struct request_slot *x)
{
	return holds_slot_as(s, x, NULL);
}

/* Common checks of approve and reject: returns the request, or refuses. */
static int open_request(struct act_state *s, struct request *q, struct strbuf *err)
{
	struct strbuf when = STRBUF_INIT;
	int r;

	r = request_get(s->door->st, s->in->request_id, q, err);
	if (r < 0)
		return r;
	s->request_id = q->id;
	s->record_id = q->record_id;
	s->action = xstrdup(q->action);
	s->subject = core_subject(q->register_id, q->record_id);
	request_clauses(s, q);
	if (strcmp(q->state, "pending")) {
		act_refuse(s, "request %lld is already %s", (long long)q->id, q->state);
		s->reason = "decided";
		return 0;
	}
	if (s->now >= q->expires_ms) {
		time_format_local(&when, q->expires_ms, TOKYO_OFFSET_MS);
		act_refuse(s, "request %lld expired at %s; the applicant must ask again",
		           (long long)q->id, when.buf);
		s->reason = "expired";
		strbuf_release(&when);
		s->close_request_id = q->id;
		s->close_request_state = "expired";
		return 0;
	}
	return 0;
}

static void slots_to_result(struct act_state *s, const struct request *q, int just_approved)
{
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct request_slot *x = &q->slots[i];
		act_result_add_approver(s, x->role, x->scope, x->routed_from, x->needs_exception,
		                        x->approved_by || x->seq == just_approved);
	}
}

static int set_request_state(struct act_state *s, int64_t id, const char *state, int64_t decided_by,
                             const char *comment, const char *closed_reason, struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE requests SET state = ?, decided_ms = ?,"
	                            " decided_by = ?, decision_comment = ?, closed_reason = ?"
	                            " WHERE id = ? AND state = 'pending'",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_text(q, 1, state);
	query_bind_int(q, 2, s->now);
	query_bind_int_or_null(q, 3, decided_by);
	query_bind_text(q, 4, comment);
	query_bind_text(q, 5, closed_reason);
	query_bind_int(q, 6, id);
	rc = query_step(q, err);
	query_done(q);
	if (rc != 0)
		return rc;
	if (query_changes(s->door->st) != 1) {
		error_set(err, "request %lld was decided by someone else meanwhile; read it again",
		          (long long)id);
		return -EBUSY;
	}
	return 0;
}

int act_close_request(struct act_state *s, struct strbuf *err)
{
	return set_request_state(s, s->close_request_id, s->close_request_state, 0, NULL,
	                         s->close_request_reason, err);
}

/* Rebuilds the target of a request from what it stored, for applying it. */
static int request_target(struct act_state *s, const struct request *q, struct target *t,
                          struct strbuf *err)
{
	const char *k;
	json_t *v;
	int r;

	t->reg_vals = json_object();
	t->act_vals = json_object();
	t->action = policy_action(s->p, q->action);
	t->reg = t->action ? t->action->reg : NULL;
	if (!t->action) {
		act_refuse(s,
		           "the profile in force no longer has action '%s'; request %lld "
		           "cannot be applied",
		           q->action, (long long)q->id);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_ACTION_REMOVED;
		return 0;
	}
	if (q->record_id) {
		r = record_get(s->door->st, q->record_id, &t->rec, err);
		if (r < 0)
			return r;
	}
	json_object_foreach(q->fields, k, v)
	{
		bool is_action = false;
		const struct policy_field *f = record_find_field(
		    t->reg, t->action->fields, t->action->n_fields, k, &is_action);
		if (f && json_is_string(v)) {
			json_object_set(is_action ? t->act_vals : t->reg_vals, f->id, v);
			if (is_action && policy_register_field(t->reg, f->id))
				json_object_set(t->reg_vals, f->id, v);
		}
	}
	if (q->system && !policy_register_field(t->reg, "system"))
		t->system_owned = xstrdup(q->system);
	return 0;
}

/* Every approver has approved: run the action for the applicant, as approved. */
static int apply_request(struct act_state *s, const struct request *q, struct strbuf *err)
{
	struct target t = { 0 };
	struct org_user applicant = { 0 };
	struct strv roles = STRV_INIT;
	struct decision d;
	int r;

	r = request_target(s, q, &t, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	merge(s, &t);
	if (t.rec.id && t.rec.version != q->record_version) {
		uint64_t bit = 0;
		const struct policy_state *cur = policy_register_state(t.reg, t.rec.state);
		if (cur)
			bit = 1ULL << cur->index;
		if (t.action->from && !(t.action->from & bit)) {
			act_refuse(s,
			           "record %lld changed since request %lld was made (now '%s'); "
			           "the request is cancelled",
			           (long long)t.rec.id, (long long)q->id, t.rec.state);
			s->close_request_id = q->id;
			s->close_request_state = "cancelled";
			s->close_request_reason = REQUEST_CLOSED_RECORD_CHANGED;
			goto out;
		}
	}
	/* The policy may have changed since: decide again, for the applicant, now. */
	r = org_user_get_id(s->door->st, q->applicant, &applicant, err);
	if (r == 0)
		r = org_user_roles(s->door->st, applicant.id, s->now, &roles, err);
	if (r < 0)
		goto out;
	if (strcmp(applicant.status, USER_ACTIVE)) {
		act_refuse(s, "applicant '%s' is %s; request %lld is cancelled", applicant.login,
		           applicant.status, (long long)q->id);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_APPLICANT_INACTIVE;
		goto out;
	}
	r = decide(s, &applicant, &roles, &t, q->context, &d, err);
	if (r < 0)
		goto out;
	if (d.effect == EFFECT_DENY) {
		refuse_deny(s, &d, &t);
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_DENIED_NOW;
		goto out;
	}
	/* Another record may have taken a `unique` value (a 管理番号) since the request was
	 * made: two pending requests for one number are not both applied. */
	r = act_check_unique(s, t.reg, t.reg_vals, t.rec.id, err);
	if (r < 0)
		goto out;
	if (s->outcome == ACT_REFUSED) {
		s->close_request_id = q->id;
		s->close_request_state = "cancelled";
		s->close_request_reason = REQUEST_CLOSED_DUPLICATE;
		goto out;
	}
	json_decref(s->recorded);
	s->recorded = json_deep_copy(t.reg_vals);
	json_object_update(s->recorded, t.act_vals);
	r = apply_change(s, &t, q->applicant, err);
out:
	org_user_release(&applicant);
	strv_release(&roles);
	target_release(&t);
	return r;
}

int act_approve(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	const struct request_slot *slot = NULL;
	bool approved_other = false, deputy = false;
	size_t waiting = 0;
	struct query *st;
	int r, rc;

	s->kind_name = "request.approve";
	if (!s->actor.id) {
		error_set(err, "approvals are made by people: give --as LOGIN");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant == s->actor.id) {
		const struct policy_action *qa = policy_action(s->p, q.action);

		/* Only a ward whose text forbids 兼務 hears of it (Minato 2(6)①); elsewhere an
		 * approval is by its nature someone else's, and the approval's clause says so. */
		if (qa && policy_separation_for_action(s->p, qa))
			act_refuse(
			    s,
			    "'%s' applied for request %lld and may not approve it: applicant "
			    "and approver must be different people (申請者と承認者の兼務禁止)",
			    s->actor.login, (long long)q.id);
		else
			act_refuse(
			    s,
			    "'%s' applied for request %lld and may not approve it: an approval "
			    "is given by someone other than the applicant",
			    s->actor.login, (long long)q.id);
		s->reason = "self_approval";
		/* The separation clause first: it is why; the request's clauses follow. */
		strv_release(&s->clauses);
		separation_clauses(s, q.action);
		request_clauses(s, &q);
		goto out;
	}
	for (size_t i = 0; i < q.n_slots; i++)
		approved_other = approved_other || q.slots[i].approved_by == s->actor.id;
	/* Prefer a slot the actor holds in their own right over one they would stand in for. */
	for (size_t i = 0; i < q.n_slots && !slot; i++)
		if (!q.slots[i].approved_by && !approved_other &&
		    holds_slot_as(s, &q.slots[i], &deputy) && !deputy)
			slot = &q.slots[i];
	for (size_t i = 0; i < q.n_slots && !slot; i++)
		if (!q.slots[i].approved_by && !approved_other && holds_slot(s, &q.slots[i]))
			slot = &q.slots[i];
	if (slot)
		holds_slot_as(s, slot, &deputy);
	if (!slot) {
		struct strbuf want = STRBUF_INIT;
		for (size_t i = 0; i < q.n_slots; i++) {
			char *name;
			const struct policy_role *pr;
			if (q.slots[i].approved_by)
				continue;
			name = org_scope_name(s->door->st, q.slots[i].scope);
			pr = policy_role(s->p, q.slots[i].role);
			strbuf_addf(&want, "%s%s%s%s (%s@%s)", want.len ? "、" : "",
			            name ? name : "", name ? " " : "",
			            pr ? pr->name : q.slots[i].role, q.slots[i].role,
			            q.slots[i].scope);
			free(name);
		}
		if (approved_other)
			act_refuse(s,
			           "'%s' has already approved request %lld; the remaining "
			           "approvals need other people: %s",
			           s->actor.login, (long long)q.id, want.buf);
		else
			act_refuse(s, "'%s' cannot approve request %lld: it waits for %s",
			           s->actor.login, (long long)q.id, want.buf);
		s->reason = "not_approver";
		strbuf_release(&want);
		goto out;
	}
	st = query_get(s->door->st,
	               "UPDATE request_approvers SET approved_by = ?, approved_ms = ?,"
	               " acting_for = ? WHERE request_id = ? AND seq = ?"
	               " AND approved_by IS NULL",
	               err);
	if (!st) {
		r = -EIO;
		goto out;
	}
	query_bind_int(st, 1, s->actor.id);
	query_bind_int(st, 2, s->now);
	query_bind_text(st, 3, deputy ? slot->role : NULL);
	query_bind_int(st, 4, q.id);
	query_bind_int(st, 5, slot->seq);
	rc = query_step(st, err);
	query_done(st);
	if (rc != 0) {
		r = rc;
		goto out;
	}
	free(s->decision);
	s->decision = xstrfmt("approve:%s@%s", slot->role, slot->scope);
	if (deputy)
		json_object_set_new(s->info, "acting_for", json_string(slot->role));
	slots_to_result(s, &q, slot->seq);
	for (size_t i = 0; i < q.n_slots; i++)
		waiting += !q.slots[i].approved_by && &q.slots[i] != slot;
	if (waiting) {
		s->outcome = ACT_PENDING;
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "approval recorded; request %lld still waits for %zu more",
		            (long long)q.id, waiting);
		goto out;
	}
	r = apply_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	r = set_request_state(s, q.id, "approved", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld approved; %s done on record %lld",
		            (long long)q.id, q.action, (long long)s->record_id);
	}
out:
	request_release(&q);
	return r;
}

int act_reject(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	bool holds = false;
	int r;

	s->kind_name = "request.reject";
	if (!s->actor.id) {
		error_set(err, "rejections are made by people: give --as LOGIN");
		return -EINVAL;
	}
	if (!s->in->comment || !*s->in->comment) {
		error_set(err, "a rejection needs a reason: give --comment TEXT");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant == s->actor.id) {
		act_refuse(s, "'%s' applied for request %lld; only an approver may reject it",
		           s->actor.login, (long long)q.id);
		separation_clauses(s, q.action);
		goto out;
	}
	for (size_t i = 0; i < q.n_slots && !holds; i++)
		holds = !q.slots[i].approved_by && holds_slot(s, &q.slots[i]);
	if (!holds) {
		act_refuse(s, "'%s' is not an approver request %lld waits for", s->actor.login,
		           (long long)q.id);
		goto out;
	}
	r = set_request_state(s, q.id, "rejected", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		free(s->decision);
		s->decision = xstrdup("reject");
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld rejected", (long long)q.id);
		slots_to_result(s, &q, -1);
	}
out:
	request_release(&q);
	return r;
}

/*
 * 取下げ: the applicant takes back a pending request (made by mistake, no longer needed). Only
 * the applicant may; a request already decided, or expired, stays as it is (an expired one is
 * closed as expired). The request's clauses are the act's: the entry says what was withdrawn.
 */
int act_withdraw(struct act_state *s, struct strbuf *err)
{
	struct request q = { 0 };
	int r;

	s->kind_name = "request.withdraw";
	if (!s->actor.id) {
		error_set(err, "requests are withdrawn by their applicant: give --as LOGIN");
		return -EINVAL;
	}
	r = open_request(s, &q, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		goto out;
	if (q.applicant != s->actor.id) {
		act_refuse(s,
		           "'%s' did not apply for request %lld; only its applicant '%s' may "
		           "withdraw it",
		           s->actor.login, (long long)q.id, q.applicant_login);
		s->reason = "not_applicant";
		request_clauses(s, &q);
		goto out;
	}
	r = set_request_state(s, q.id, "withdrawn", s->actor.id, s->in->comment, NULL, err);
	if (r == 0) {
		free(s->decision);
		s->decision = xstrdup("withdraw");
		strbuf_reset(&s->message);
		strbuf_addf(&s->message, "request %lld withdrawn", (long long)q.id);
		slots_to_result(s, &q, -1);
	}
out:
	request_release(&q);
	return r;
}

int act_cancel_requests_of(struct act_state *s, int64_t user_id, const char *reason,
                           struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE requests SET state = 'cancelled', decided_ms = ?,"
	                            " closed_reason = ? WHERE applicant = ?"
	                            " AND state = 'pending'",
	                            err);
	int rc;

	if (!q)
		return -EIO;
	query_bind_int(q, 1, s->now);
	query_bind_text(q, 2, reason);
	query_bind_int(q, 3, user_id);
	rc = query_step(q, err);
	query_done(q);
	if (rc != 0)
		return rc;
	if (query_changes(s->door->st) > 0)
		json_object_set_new(s->info, "cancelled_requests",
		                    json_integer(query_changes(s->door->st)));
	return 0;
}
