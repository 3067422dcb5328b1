/* act-record: the door's record half: register actions (the requests they open are
 * act-record-request.c). */
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

void target_release(struct target *t)
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

const char *json_str(json_t *o, const char *key)
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
void merge(struct act_state *s, struct target *t)
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

/* ---- applying ---------------------------------------------------------------------------- */

/*
 * Writes the change: a new record, or the record with its new fields and state. Version
 * +1 on every change, so a request knows whether the record moved since it was made.
 */
int apply_change(struct act_state *s, struct target *t, int64_t creator, struct strbuf *err)
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
 * A field as a message names it: its label and its id ("名称 (title)"), one argument, so that a
 * web page shows the label alone (web/outcome.c drops an argument's " (id)") and the CLI both
 * (its --field takes the id); the id alone when the profile gives no label.
 */
static void field_label(struct strbuf *sb, const struct policy_field *f)
{
	if (f->name && *f->name)
		strbuf_addf(sb, "%s (%s)", f->name, f->id);
	else
		strbuf_addstr(sb, f->id);
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
			struct strbuf label = STRBUF_INIT;
			field_label(&label, &a->fields[i]);
			error_set(err, "'%s' must record field '%s'", a->full_name, label.buf);
			strbuf_release(&label);
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

/* The target of an act on an existing record (in->record_id): the record, its register and the
 * action, which must be one of the register's that does not create; the version read. */
static int resolve_record(struct act_state *s, struct target *t, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const struct profile *p = s->p;
	int r;

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

static int resolve_target(struct act_state *s, struct target *t, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const struct profile *p = s->p;

	if (in->record_id)
		return resolve_record(s, t, err);
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
			struct strbuf label = STRBUF_INIT;
			field_label(&label, f);
			error_set(err, "register '%s' requires field '%s'", t->reg->id, label.buf);
			strbuf_release(&label);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A period the register's openings bound (an audit's 監査の期間: from, until) ends on or after
 * its first day: an audit whose period ended before it began would open nothing to its team.
 */
static int check_periods(const struct act_state *s, const struct target *t, struct strbuf *err)
{
	for (unsigned i = 0; i < s->p->n_openings; i++) {
		const struct policy_opening *o = &s->p->openings[i];
		const char *from, *until;

		if (o->reg != t->reg || !o->from || !o->until)
			continue;
		from = json_str(t->merged, o->from->id);
		until = json_str(t->merged, o->until->id);
		/* dates are checked YYYY-MM-DD: their order is the strings' */
		if (from && until && strcmp(until, from) < 0) {
			struct strbuf lu = STRBUF_INIT, lf = STRBUF_INIT;
			field_label(&lu, o->until); /* a page shows the labels, the CLI both */
			field_label(&lf, o->from);
			error_set(err,
			          "field '%s' %s is before field '%s' %s: a period ends on or "
			          "after its first day",
			          lu.buf, until, lf.buf, from);
			strbuf_release(&lu);
			strbuf_release(&lf);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The register's own rules, after the decision allowed or asked for approval: distinct people,
 * kept levels, reference bounds, unique values, independence, at-least counts, held roles and
 * actor_in, in that order, up to the first refusal (s->outcome). < 0 on an error.
 */
static int record_checks(struct act_state *s, struct target *t, struct strbuf *err)
{
	int r;

	check_distinct(s, t);
	if (s->outcome != ACT_REFUSED)
		check_kept_levels(s, t);
	if (s->outcome != ACT_REFUSED)
		act_check_ref_bounds(s, t->reg, t->merged, t->section);
	if (s->outcome == ACT_REFUSED)
		return 0;
	r = act_check_unique(s, t->reg, t->reg_vals, t->rec.id, err);
	if (r < 0 || s->outcome == ACT_REFUSED)
		return r;
	r = act_check_independent(s, t->reg, t->reg_vals, t->merged, err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_at_least(s, t->reg, &t->rec, state_after(t), t->reg_vals, t->merged,
		                       err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_holds(s, t->reg, t->reg_vals, err);
	if (r == 0 && s->outcome != ACT_REFUSED)
		r = act_check_actor_in(s, t->action, t->merged, t->act_vals, err);
	return r;
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
	if (!t.rec.id)
		r = check_required_register_fields(&t, err);
	if (r == 0)
		r = check_periods(s, &t, err);
	if (r < 0)
		goto out;
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
	r = record_checks(s, &t, err);
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
