/* act-audit: the door's checks for who may audit what: the people an `independent` constraint
 * names hold no place in the sections and systems it names (MIN-9-1-3), and an action with
 * `actor_in` is done only by the people its referenced record names (an audit's team). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/utf8.h"
#include "core/act-internal.h"

static const char *json_str(json_t *o, const char *key)
{
	json_t *v = o ? json_object_get(o, key) : NULL;

	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

/* Each item of a list value into l (unique). */
static void list_items(const char *value, struct strv *l)
{
	const char *cur = value, *b;
	size_t n;

	while (value && policy_list_next(&cur, &b, &n)) {
		char *item = xstrndup(b, n);
		strv_push_unique(l, item);
		free(item);
	}
}

/* Whether section sec is one of secs or lies under one of them (a 課 of an audited 部). */
static int within(struct store *st, const char *sec, const struct strv *secs, bool *ret,
                  struct strbuf *err)
{
	char *cur = sec ? xstrdup(sec) : NULL;
	int depth = 0, r = 0;

	*ret = false;
	while (cur && depth++ < 32 && !*ret) {
		struct org_section s = { 0 };

		if (strv_has(secs, cur)) {
			*ret = true;
			break;
		}
		r = org_section_get(st, cur, &s, err);
		free(cur);
		cur = NULL;
		if (r == -ENOENT) {
			strbuf_reset(err);
			r = 0;
		} else if (r == 0 && s.parent) {
			cur = xstrdup(s.parent);
		}
		org_section_release(&s);
		if (r < 0)
			break;
	}
	free(cur);
	return r;
}

/* Whether section sec is above one of secs (a role over a 部 is over its 課). */
static int above(struct store *st, const char *sec, const struct strv *secs, bool *ret,
                 struct strbuf *err)
{
	struct strv one = STRV_INIT;
	int r = 0;

	*ret = false;
	strv_push(&one, sec);
	for (size_t i = 0; i < secs->nr && !*ret && r == 0; i++)
		r = within(st, secs->items[i], &one, ret, err);
	strv_release(&one);
	return r;
}

/* Why person (login) is not independent of secs/systems, into why (empty when they are). */
static int person_ties(struct act_state *s, const char *login, const struct strv *secs,
                       const struct strv *systems, struct strbuf *why, struct strbuf *err)
{
	struct store *st = s->door->st;
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	bool hit = false;
	int r;

	r = org_user_get(st, login, &u, err);
	if (r < 0)
		goto out;
	r = within(st, u.section, secs, &hit, err);
	if (r < 0)
		goto out;
	if (hit) {
		struct strbuf scope = STRBUF_INIT;
		char *name;

		strbuf_addf(&scope, "section:%s", u.section);
		name = org_scope_name(st, scope.buf);
		strbuf_addf(why, "%s belongs to %s, which the audit covers", login,
		            name ? name : u.section);
		free(name);
		strbuf_release(&scope);
		goto out;
	}
	r = org_user_roles(st, u.id, s->now, &roles, err);
	for (size_t i = 0; r == 0 && i < roles.nr && !hit; i++) {
		const char *at = strchr(roles.items[i], '@');
		const char *scope = at ? at + 1 : "";

		if (!strncmp(scope, "section:", 8)) {
			r = within(st, scope + 8, secs, &hit, err);
			if (r == 0 && !hit)
				r = above(st, scope + 8, secs, &hit, err);
		} else if (!strncmp(scope, "system:", 7)) {
			struct org_system sys = { 0 };

			hit = strv_has(systems, scope + 7);
			if (!hit && org_system_get(st, scope + 7, &sys, NULL) == 0 && sys.section)
				r = within(st, sys.section, secs, &hit, err);
			org_system_release(&sys);
		}
		if (hit) {
			char *name = org_scope_name(st, scope);
			strbuf_addf(why, "%s holds %.*s over %s, which the audit covers", login,
			            (int)(at - roles.items[i]), roles.items[i],
			            name ? name : scope);
			free(name);
		}
	}
out:
	strv_release(&roles);
	org_user_release(&u);
	return r;
}

int act_check_independent(struct act_state *s, const struct policy_register *reg, json_t *given,
                          json_t *merged, struct strbuf *err)
{
	const struct profile *p = s->p;
	int r = 0;

	for (unsigned i = 0; i < p->n_separation && s->outcome != ACT_REFUSED && r == 0; i++) {
		const struct policy_separation *sep = &p->separation[i];
		struct strv people = STRV_INIT, secs = STRV_INIT, systems = STRV_INIT;
		struct strbuf why = STRBUF_INIT;
		bool touched = false;

		if (sep->kind != SEP_INDEPENDENT || !sep->n_fields || sep->field_regs[0] != reg)
			continue;
		/* checked when the act names the people or the scope, not on every later step */
		for (unsigned k = 0; k < sep->n_fields; k++)
			touched = touched || json_object_get(given, sep->fields[k]->id);
		for (unsigned k = 0; k < sep->n_of; k++)
			touched = touched || json_object_get(given, sep->of[k]->id);
		if (!touched)
			continue;
		for (unsigned k = 0; k < sep->n_fields; k++)
			list_items(json_str(merged, sep->fields[k]->id), &people);
		for (unsigned k = 0; k < sep->n_of; k++)
			list_items(json_str(merged, sep->of[k]->id),
			           sep->of[k]->type == FIELD_SYSTEM ? &systems : &secs);
		for (size_t k = 0; k < people.nr && !why.len && r == 0; k++)
			r = person_ties(s, people.items[k], &secs, &systems, &why, err);
		if (r == 0 && why.len) {
			act_refuse(s, "%s: the auditors must be independent of the audited (%s)",
			           why.buf, sep->id);
			act_add_clauses(s, &sep->clauses);
			s->reason = "not_independent";
		}
		strbuf_release(&why);
		strv_release(&people);
		strv_release(&secs);
		strv_release(&systems);
	}
	return r;
}

/* Whether login holds role (or a role including it) at any scope now. */
static int person_holds(struct act_state *s, const char *login, const struct policy_role *role,
                        bool *ret, struct strbuf *err)
{
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	int r;

	*ret = false;
	r = org_user_get(s->door->st, login, &u, err);
	if (r == 0)
		r = org_user_roles(s->door->st, u.id, s->now, &roles, err);
	for (size_t i = 0; r == 0 && i < roles.nr && !*ret; i++) {
		const char *at = strchr(roles.items[i], '@');
		const struct policy_role *held =
		    policy_role_n(s->p, roles.items[i],
		                  at ? (size_t)(at - roles.items[i]) : strlen(roles.items[i]));

		*ret = held && ((held->implied >> role->index) & 1);
	}
	strv_release(&roles);
	org_user_release(&u);
	return r;
}

int act_check_holds(struct act_state *s, const struct policy_register *reg, json_t *given,
                    struct strbuf *err)
{
	int r = 0;

	for (unsigned i = 0; i < reg->n_fields && s->outcome != ACT_REFUSED && r == 0; i++) {
		const struct policy_field *f = &reg->fields[i];
		struct strv people = STRV_INIT;

		if (!f->holds || !json_object_get(given, f->id))
			continue;
		list_items(json_str(given, f->id), &people);
		for (size_t k = 0; k < people.nr && r == 0; k++) {
			bool holds = false;

			r = person_holds(s, people.items[k], f->holds, &holds, err);
			if (r < 0 || holds)
				continue;
			act_refuse(s, "%s does not hold %s (%s), which %s (%s) requires",
			           people.items[k], f->holds->name, f->holds->id, f->name, f->id);
			act_add_clauses(s, &f->holds->clauses);
			s->reason = "lacks_role";
			break;
		}
		strv_release(&people);
	}
	return r;
}

int act_check_actor_in(struct act_state *s, const struct policy_action *a, json_t *merged,
                       json_t *act_vals, struct strbuf *err)
{
	const char *ref = NULL;
	struct record rec = { 0 };
	int64_t id;
	int r;

	if (!a->actor_in_ref)
		return 0;
	ref = json_str(act_vals, a->actor_in_ref->id);
	if (!ref)
		ref = json_str(merged, a->actor_in_ref->id);
	id = ref ? strtoll(ref, NULL, 10) : 0;
	r = id > 0 ? record_get(s->door->st, id, &rec, err) : -ENOENT;
	if (r == -ENOENT) {
		strbuf_reset(err);
		act_refuse(s, "%s names no %s (%s): only the people it names may do it",
		           a->full_name, a->actor_in_ref->ref->name, a->actor_in_ref->name);
		act_add_clauses(s, &a->clauses);
		s->reason = "not_named";
		return 0;
	}
	if (r < 0)
		return r;
	if (!s->actor.login ||
	    !policy_list_has(json_str(rec.fields, a->actor_in_users->id), s->actor.login)) {
		act_refuse(s, "only the %s of %s %lld may do %s", a->actor_in_users->name,
		           a->actor_in_ref->ref->name, (long long)id, a->full_name);
		act_add_clauses(s, &a->clauses);
		s->reason = "not_named";
	}
	record_release(&rec);
	return 0;
}

/* Whether clause lies within one of the clauses of list (itself, or under it: MIN-3 holds
 * MIN-3-4-1). */
static bool clause_within(const char *clause, const char *list)
{
	const char *cur = list, *b;
	size_t n;

	while (policy_list_next(&cur, &b, &n))
		if (!strncmp(clause, b, n) && (clause[n] == '\0' || clause[n] == '-'))
			return true;
	return false;
}

/* A clause field with `within`: the clause lies in the scope the referenced record names. */
static void check_within(struct act_state *s, const struct policy_field *f, json_t *merged)
{
	const char *v = json_str(merged, f->id), *ref = json_str(merged, f->within_ref->id);
	const char *scope;
	struct record other = { 0 };
	int64_t id;

	if (!v || !ref || parse_int64(ref, 1, INT64_MAX, &id) < 0 ||
	    record_get(s->door->st, id, &other, NULL) < 0)
		return;
	scope = record_field(&other, f->within->id);
	if (scope && !utf8_blank(scope) && !clause_within(v, scope)) {
		act_refuse(s, "%s: %s is outside the scope of record %lld, whose %s names only %s",
		           f->name ? f->name : f->id, v, (long long)id,
		           f->within->name ? f->within->name : f->within->id, scope);
		s->reason = "out_of_scope";
		act_add_clauses(s, &f->within->clauses);
	}
	record_release(&other);
}

/*
 * Ref fields with same_section or ref_states: the record belongs to the section of the record it
 * names, and that record is in one of the named states (a self-inspection's answers: its
 * section's, while it is open). Returns whether the act was refused.
 */
bool act_check_ref_bounds(struct act_state *s, const struct policy_register *reg, json_t *merged,
                          const char *section)
{
	for (unsigned i = 0; i < reg->n_fields && s->outcome != ACT_REFUSED; i++) {
		const struct policy_field *f = &reg->fields[i];
		const char *v = f->same_section || f->n_ref_states ? json_str(merged, f->id) : NULL;
		const char *name = f->name ? f->name : f->id;
		struct record other = { 0 };
		bool in_state = !f->n_ref_states;
		int64_t id;

		if (f->within_ref) {
			check_within(s, f, merged);
			continue;
		}
		if (!v || parse_int64(v, 1, INT64_MAX, &id) < 0 ||
		    record_get(s->door->st, id, &other, NULL) < 0)
			continue;
		for (unsigned k = 0; k < f->n_ref_states && !in_state; k++)
			in_state = other.state && !strcmp(other.state, f->ref_states[k]);
		if (f->same_section &&
		    (!other.section || !section || strcmp(other.section, section))) {
			act_refuse(s,
			           "%s: record %lld belongs to section %s; this record must be of "
			           "that section, not %s",
			           name, (long long)id, other.section ? other.section : "none",
			           section ? section : "none");
			s->reason = "denied";
			act_add_clauses(s, &f->clauses);
		} else if (!in_state) {
			const struct policy_state *st =
			    f->ref ? policy_register_state(f->ref, other.state) : NULL;
			struct strbuf states = STRBUF_INIT;

			/* the states by their names: 「計画、実施済、報告済、改善中」 */
			for (unsigned k = 0; k < f->n_ref_states; k++) {
				const struct policy_state *rs =
				    f->ref ? policy_register_state(f->ref, f->ref_states[k]) : NULL;
				strbuf_addf(&states, "%s%s", k ? "、" : "",
				            rs && rs->name ? rs->name : f->ref_states[k]);
			}
			act_refuse(s, "%s: record %lld is %s; this can be done only while it is %s",
			           name, (long long)id, st && st->name ? st->name : other.state,
			           states.buf);
			strbuf_release(&states);
			s->reason = "denied";
			act_add_clauses(s, &f->clauses);
		}
		record_release(&other);
	}
	return s->outcome == ACT_REFUSED;
}

/* A new version without a review: only as a stated emergency, when the ward has a review case. */
static int check_unreviewed(struct act_state *s, const struct policy_action *decide,
                            const char *emergency, struct strbuf *err)
{
	if (!decide)
		return 0;
	if (!emergency) {
		act_refuse(
		    s, "a new version of the profile is put in force by a decided policy review: "
		       "give --review N (docs/audits.md), or --emergency REASON for an urgent "
		       "change that a review then confirms");
		s->reason = "denied";
		act_add_clauses(s, &decide->clauses);
		return 0;
	}
	if (!core_valid_name(emergency, CORE_MAX_COMMENT)) {
		error_set(err,
		          "--emergency needs the reason: one line of at most %d bytes without "
		          "invisible or direction-changing characters",
		          CORE_MAX_COMMENT);
		return -EINVAL;
	}
	act_add_clauses(s, &decide->clauses);
	json_object_set_new(s->info, "emergency", json_string(emergency));
	return 0;
}

int act_check_review(struct act_state *s, const char *review, const char *emergency,
                     const struct profile *np, struct strbuf *err)
{
	const struct policy_action *decide =
	    s->p ? policy_action(s->p, "policy_review.decide") : NULL;
	struct record rec = { 0 };
	const char *draft, *from;
	int64_t id, from_ms;
	int r;

	if (review && emergency) {
		error_set(err, "give either --review N or --emergency REASON, not both");
		return -EINVAL;
	}
	if (!review)
		return check_unreviewed(s, decide, emergency, err);
	if (!decide || parse_int64(review, 1, INT64_MAX, &id) < 0) {
		error_set(err, "'%s' is not a policy review of this ward's profile", review);
		return -EINVAL;
	}
	r = record_get(s->door->st, id, &rec, err);
	if (r < 0)
		return r;
	if (strcmp(rec.register_id, "policy_review")) {
		error_set(err, "record %s is a '%s', not a policy review", review, rec.register_id);
		record_release(&rec);
		return -EINVAL;
	}
	act_add_clauses(s, &decide->clauses);
	draft = record_field(&rec, "draft");
	from = record_field(&rec, "effective_from");
	if (!rec.state || strcmp(rec.state, "decided"))
		act_refuse(s, "policy review %s is not decided yet: it is '%s'", review,
		           rec.state ? rec.state : "?");
	else if (!draft || strcasecmp(draft, np->sha256_hex))
		act_refuse(s, "policy review %s decided version %.12s, not %.12s", review,
		           draft ? draft : "none", np->sha256_hex);
	else if (!from || core_parse_local_date(from, &from_ms) < 0 || s->now < from_ms)
		act_refuse(s, "policy review %s puts the version in force from %s, not before",
		           review, from ? from : "no date");
	if (s->outcome == ACT_REFUSED)
		s->reason = "denied";
	record_release(&rec);
	return 0;
}
