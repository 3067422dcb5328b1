/* act-org: the door's organization half: sections, systems, the profile, duties, backups (users:
 * act-user.c; roles and moves: act-people.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/act-internal.h"
#include "store/query.h"
#include "store/store.h"

/* Clauses cited by organization acts, the first the profile knows of each list. */
static const char *const policy_clauses[] = { "MIN-10", "SHJ-7-4", NULL };
static const char *const backup_clauses[] = { "MIN-3-4-2", "SHJ-5-1-3", NULL };

const char *act_field(const struct act_input *in, const char *key)
{
	for (size_t i = 0; i < in->n_fields; i++)
		if (!strcmp(in->fields[i].key, key))
			return in->fields[i].value;
	return NULL;
}

void act_record_fields(struct act_state *s)
{
	json_decref(s->recorded);
	s->recorded = json_object();
	for (size_t i = 0; i < s->in->n_fields; i++)
		json_object_set_new(s->recorded, s->in->fields[i].key,
		                    json_string(s->in->fields[i].value));
}

int act_step_done(struct act_state *s, struct query *q, const char *what, struct strbuf *err)
{
	int r = query_run(q, err);

	if (r == -EEXIST)
		error_set(err, "%s: it already exists or refers to something missing", what);
	else if (r < 0) {
		char *why = strbuf_detach(err, NULL);
		error_set(err, "%s: %s", what, why);
		free(why);
	}
	return r;
}

/* ---- sections and systems ----------------------------------------------------------- */

static int section_add(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *name = act_field(in, "name"), *parent = act_field(in, "parent");
	struct org_section sec = { 0 };
	struct query *q;
	int r;

	if (!core_valid_id(in->target)) {
		error_set(
		    err,
		    "bad section id '%s': a lowercase letter, then lowercase letters, digits, "
		    "'_' or '-' (at most %d)",
		    in->target ? in->target : "", CORE_MAX_ID);
		return -EINVAL;
	}
	if (!core_valid_name(name, CORE_MAX_NAME)) {
		error_set(
		    err,
		    "section '%s' needs a name (--name): one line of at most %d bytes, without "
		    "invisible or direction-changing characters",
		    in->target, CORE_MAX_NAME);
		return -EINVAL;
	}
	if (parent) {
		r = org_section_get(s->door->st, parent, &sec, err);
		org_section_release(&sec);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
	}
	if (org_section_get(s->door->st, in->target, &sec, NULL) == 0) {
		org_section_release(&sec);
		error_set(err, "section '%s' exists already", in->target);
		return -EEXIST;
	}
	s->subject = xstrfmt("section/%s", in->target);
	s->target = xstrfmt("section:%s", in->target);
	if (act_require_admin(s, NULL))
		return 0;
	q = query_get(s->door->st,
	              "INSERT INTO sections(id, name, parent, created_ms) VALUES (?,?,?,?)", err);
	if (!q)
		return -EIO;
	query_bind_text(q, 1, in->target);
	query_bind_text(q, 2, name);
	query_bind_text(q, 3, parent);
	query_bind_int(q, 4, s->now);
	r = act_step_done(s, q, "adding the section", err);
	if (r == 0) {
		act_record_fields(s);
		strbuf_addf(&s->message, "section %s (%s) added", in->target, name);
	}
	return r;
}

static int system_add(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *name = act_field(in, "name"), *section = act_field(in, "section");
	struct org_section sec = { 0 };
	struct org_system sys = { 0 };
	struct query *q;
	int r;

	if (!core_valid_id(in->target)) {
		error_set(err,
		          "bad system id '%s': a lowercase letter, then lowercase letters, "
		          "digits, '_' or '-'",
		          in->target ? in->target : "");
		return -EINVAL;
	}
	if (!core_valid_name(name, CORE_MAX_NAME)) {
		error_set(err,
		          "system '%s' needs a name (--name): one line without invisible or "
		          "direction-changing characters",
		          in->target);
		return -EINVAL;
	}
	if (!section) {
		error_set(err, "system '%s' needs the section that installs it (--section)",
		          in->target);
		return -EINVAL;
	}
	r = org_section_get(s->door->st, section, &sec, err);
	org_section_release(&sec);
	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	if (org_system_get(s->door->st, in->target, &sys, NULL) == 0) {
		org_system_release(&sys);
		error_set(err, "system '%s' exists already", in->target);
		return -EEXIST;
	}
	s->subject = xstrfmt("system/%s", in->target);
	s->target = xstrfmt("system:%s", in->target);
	if (act_require_admin(s, NULL))
		return 0;
	q = query_get(s->door->st,
	              "INSERT INTO systems(id, name, section, created_ms) VALUES (?,?,?,?)", err);
	if (!q)
		return -EIO;
	query_bind_text(q, 1, in->target);
	query_bind_text(q, 2, name);
	query_bind_text(q, 3, section);
	query_bind_int(q, 4, s->now);
	r = act_step_done(s, q, "adding the system", err);
	if (r == 0) {
		act_record_fields(s);
		strbuf_addf(&s->message, "system %s (%s) added", in->target, name);
	}
	return r;
}

/* ---- the profile ---------------------------------------------------------------------- */

static int policy_apply(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *name = act_field(in, "name");
	struct profile *np = NULL;
	struct strbuf why = STRBUF_INIT;
	struct query *q;
	int r;

	if (!in->blob || !in->blob_len) {
		error_set(err, "no profile to apply");
		return -EINVAL;
	}
	r = profile_load_buffer(name ? name : "profile.yaml", in->blob, in->blob_len, &np, &why);
	if (r < 0) {
		error_set(err, "the profile does not load, nothing applied: %s", why.buf);
		strbuf_release(&why);
		return -EINVAL;
	}
	strbuf_release(&why);
	if (s->p && strcmp(s->p->id, np->id)) {
		error_set(err,
		          "profile '%s' is not this ward's profile '%s'; a data directory "
		          "runs one ward",
		          np->id, s->p->id);
		profile_free(np);
		return -EINVAL;
	}
	if (s->p && !strcmp(s->p->sha256_hex, np->sha256_hex)) {
		error_set(err, "this version of profile '%s' (%.12s) is in force already", np->id,
		          np->sha256_hex);
		profile_free(np);
		return -EEXIST;
	}
	s->subject = xstrfmt("profile/%s", np->id);
	s->target = xstrfmt("profile:%s", np->id);
	/* Clauses of the new profile: a policy review is judged by the text it brings in. */
	for (int i = 0; policy_clauses[i]; i++)
		if (policy_clause(np, policy_clauses[i]))
			act_add_clause(s, policy_clauses[i]);
	if (act_require_admin(s, policy_clauses)) {
		profile_free(np);
		return 0;
	}
	r = act_check_review(s, act_field(in, "review"), act_field(in, "emergency"), np, err);
	if (r < 0 || s->outcome == ACT_REFUSED) {
		profile_free(np);
		return r;
	}
	q = query_get(s->door->st,
	              "INSERT INTO profiles(profile_id, sha256, name, content, applied_ms,"
	              " applied_by) VALUES (?,?,?,?,?,?)",
	              err);
	if (!q) {
		profile_free(np);
		return -EIO;
	}
	query_bind_text(q, 1, np->id);
	query_bind_text(q, 2, np->sha256_hex);
	query_bind_text(q, 3, name ? name : "profile.yaml");
	query_bind_blob(q, 4, in->blob, in->blob_len);
	query_bind_int(q, 5, s->now);
	query_bind_text(q, 6, s->actor.login);
	r = act_step_done(s, q, "storing the profile", err);
	if (r < 0) {
		profile_free(np);
		return r;
	}
	if (s->p) {
		memcpy(s->before, s->p->sha256, 32);
		s->has_before = true;
	}
	memcpy(s->after, np->sha256, 32);
	s->has_after = true;
	json_object_set_new(s->info, "profile", json_string(np->sha256_hex));
	if (s->p)
		json_object_set_new(s->info, "replaces", json_string(s->p->sha256_hex));
	s->new_profile_seq = query_last_id(s->door->st);
	strbuf_addf(&s->message, "profile %s %.12s is in force", np->id, np->sha256_hex);
	s->new_profile = np;
	return 0;
}

/* ---- duties and backups ---------------------------------------------------------------- */

static bool valid_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* The scope a duty is fulfilled at: given, or the only one where the actor holds the role. */
static char *duty_scope(struct act_state *s, const struct policy_duty *duty, const char *given,
                        struct strbuf *err)
{
	size_t rl = strlen(duty->role->id);
	char *found = NULL;

	if (given)
		return xstrdup(given);
	if (duty->role->scope == SCOPE_ORG)
		return xstrdup("org");
	for (size_t i = 0; i < s->roles.nr; i++) {
		const char *r = s->roles.items[i];
		if (strncmp(r, duty->role->id, rl) || r[rl] != '@')
			continue;
		if (found) {
			free(found);
			error_set(err, "'%s' holds %s at several scopes: say which with --scope",
			          s->actor.login, duty->role->id);
			return NULL;
		}
		found = xstrdup(r + rl + 1);
	}
	if (!found)
		found = xstrdup(duty->role->scope == SCOPE_SECTION ? "section:?" : "system:?");
	return found;
}

/*
 * 実施日 (done_on, YYYY-MM-DD): the day it was done, as the evidence says; never a day still to
 * come. *ret: at noon in Tokyo that day, or now when it is today.
 */
static int done_on(const struct act_state *s, const char *day, int64_t *ret, struct strbuf *err)
{
	int64_t day_ms, today_ms;
	struct strbuf today = STRBUF_INIT;
	core_format_local_date(&today, s->now);
	core_parse_local_date(today.buf, &today_ms);
	strbuf_release(&today);
	if (core_parse_local_date(day, &day_ms) < 0) {
		error_set(err, "done_on '%s' is not a date (YYYY-MM-DD)", day);
		return -EINVAL;
	}
	if (day_ms > today_ms) {
		error_set(err, "done_on %s is in the future: record a duty once it has been done",
		          day);
		return -EINVAL;
	}
	*ret = day_ms == today_ms ? s->now : day_ms + 12LL * 3600 * 1000;
	return 0;
}

static int duty_done(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const struct policy_duty *duty =
	    s->p ? policy_duty(s->p, in->target ? in->target : "") : NULL;
	const char *evidence = act_field(in, "evidence"), *sha = act_field(in, "evidence_sha256");
	_cleanup_free_ char *scope = NULL;
	int64_t done_ms = s->now;
	struct query *q;
	int r;

	if (!duty) {
		error_set(err, "unknown duty '%s'; see 'mamori duty list'",
		          in->target ? in->target : "");
		return -ENOENT;
	}
	if (!core_valid_chars(evidence, CORE_MAX_COMMENT)) {
		error_set(err, "duty '%s' needs evidence (--evidence TEXT|FILE)", duty->id);
		return -EINVAL;
	}
	if (sha && !valid_hex64(sha)) {
		error_set(err, "evidence_sha256 must be 64 lowercase hex digits");
		return -EINVAL;
	}
	if (!s->actor.id) {
		error_set(err, "duties are fulfilled by people: give --as LOGIN");
		return -EINVAL;
	}
	if (act_field(in, "done_on") && done_on(s, act_field(in, "done_on"), &done_ms, err) < 0)
		return -EINVAL;
	scope = duty_scope(s, duty, act_field(in, "scope"), err);
	if (!scope)
		return -EINVAL;
	s->subject = xstrfmt("duty/%s", duty->id);
	s->target = xstrfmt("duty:%s@%s", duty->id, scope);
	act_add_clauses(s, &duty->clauses);
	act_record_fields(s);
	if (!act_actor_holds(s, duty->role->id, scope)) {
		act_refuse(s, "duty '%s' (%s) is owed by the %s at %s; '%s' does not hold it",
		           duty->id, duty->name ? duty->name : duty->id, duty->role->name, scope,
		           s->actor.login);
		return 0;
	}
	q = query_get(s->door->st,
	              "INSERT INTO duty_log(duty, scope, done_ms, done_by, evidence,"
	              " evidence_sha256) VALUES (?,?,?,?,?,?)",
	              err);
	if (!q)
		return -EIO;
	query_bind_text(q, 1, duty->id);
	query_bind_text(q, 2, scope);
	query_bind_int(q, 3, done_ms);
	query_bind_int(q, 4, s->actor.id);
	query_bind_text(q, 5, evidence);
	query_bind_text(q, 6, sha);
	r = act_step_done(s, q, "recording the duty", err);
	if (r == 0) {
		s->duty_log_id = query_last_id(s->door->st);
		if (sha)
			json_object_set_new(s->info, "evidence_sha256", json_string(sha));
		strbuf_addf(&s->message, "duty %s fulfilled at %s", duty->id, scope);
	}
	return r;
}

static int backup_record(struct act_state *s, struct strbuf *err)
{
	const char *file = act_field(s->in, "file"), *sha = act_field(s->in, "sha256");

	if (!file || !valid_hex64(sha)) {
		error_set(err, "a backup act needs the file and its sha256");
		return -EINVAL;
	}
	s->subject = xstrdup("backup");
	s->target = xstrfmt("backup:%s", file);
	act_record_fields(s);
	act_add_known_clauses(s, backup_clauses);
	if (act_require_admin(s, backup_clauses))
		return 0;
	json_object_set_new(s->info, "sha256", json_string(sha));
	strbuf_addf(&s->message, "backup '%s' taken", file);
	return 0;
}

int act_org(struct act_state *s, struct strbuf *err)
{
	s->kind_name = act_kind_action(s->in->kind);
	switch (s->in->kind) {
	case ACT_SECTION_ADD:
		return section_add(s, err);
	case ACT_SYSTEM_ADD:
		return system_add(s, err);
	case ACT_USER_ADD:
	case ACT_USER_SUSPEND:
	case ACT_USER_UPDATE:
	case ACT_USER_RETIRE:
	case ACT_USER_ACTIVATE:
	case ACT_USER_PASSWD:
		return act_user(s, err);
	case ACT_ROLE_GRANT:
	case ACT_ROLE_REVOKE:
	case ACT_USER_MOVE:
	case ACT_USER_MOVE_CANCEL:
		return act_people(s, err);
	case ACT_POLICY_APPLY:
		return policy_apply(s, err);
	case ACT_DUTY_DONE:
		return duty_done(s, err);
	case ACT_BACKUP:
		return backup_record(s, err);
	default:
		error_set(err, "unknown act kind %d", (int)s->in->kind);
		return -EINVAL;
	}
}
