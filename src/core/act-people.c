/* act-people: the door's acts on who holds what where: roles granted and ended (now or on a
 * date), and people moved between sections (人事異動). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "core/act-internal.h"
#include "core/personnel.h"
#include "store/query.h"
#include "store/store.h"

static const char *const role_clauses[] = { "MIN-2-6-1", NULL };
static const char *const user_clauses[] = { "MIN-5-5-3-3", "SHJ-5-3-1", NULL };

/* ---- roles --------------------------------------------------------------------------- */

static int parse_period(const struct act_input *in, int64_t now, int64_t *ret_start,
                        int64_t *ret_end, struct strbuf *err)
{
	const char *from = act_field(in, "from"), *until = act_field(in, "until");

	*ret_start = now;
	*ret_end = 0;
	if (from && core_parse_local_date(from, ret_start) < 0) {
		error_set(err, "bad start date '%s': write YYYY-MM-DD", from);
		return -EINVAL;
	}
	if (until) {
		if (core_parse_local_date(until, ret_end) < 0) {
			error_set(err, "bad end date '%s': write YYYY-MM-DD", until);
			return -EINVAL;
		}
		*ret_end += 24LL * 3600 * 1000; /* the end date is the last day held */
		if (*ret_end <= *ret_start) {
			error_set(err, "the end date %s is before the start", until);
			return -EINVAL;
		}
	}
	return 0;
}

static int role_grant(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	_cleanup_free_ char *role = NULL, *scope = NULL;
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	const struct policy_role *pr;
	int64_t start, end;
	int r;

	r = org_user_get(s->door->st, in->target ? in->target : "", &u, err);
	if (r == 0)
		r = org_parse_role_scope(s->door->st, s->p, act_field(in, "role"), &role, &scope,
		                         err);
	if (r == 0)
		r = parse_period(in, s->now, &start, &end, err);
	if (r == 0)
		r = org_user_roles(s->door->st, u.id, s->now, &roles, err);
	if (r < 0)
		goto out;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_record_fields(s);
	if (strcmp(u.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s; roles go to active users", u.login, u.status);
		r = -EINVAL;
		goto out;
	}
	if (org_roles_hold(&roles, role, scope) && start <= s->now) {
		error_set(err, "'%s' holds %s@%s already", u.login, role, scope);
		r = -EEXIST;
		goto out;
	}
	pr = s->p ? policy_role(s->p, role) : NULL;
	if (pr)
		act_add_clauses(s, &pr->clauses);
	if (act_require_admin(s, NULL))
		goto out;
	/* Roles one person may not hold together (separation: exclusive_roles). */
	for (size_t i = 0; pr && i < roles.nr; i++) {
		const struct policy_separation *sep = NULL;
		const char *at = strchr(roles.items[i], '@');
		const struct policy_role *other =
		    at ? policy_role_n(s->p, roles.items[i], (size_t)(at - roles.items[i])) : NULL;
		if (other && other != pr && policy_roles_exclusive(s->p, pr, other, &sep)) {
			act_refuse(s, "'%s' holds %s (%s); one person may not also hold %s (%s)",
			           u.login, other->id, other->name, pr->id, pr->name);
			if (sep)
				act_add_clauses(s, &sep->clauses);
			else
				act_add_known_clauses(s, role_clauses);
			goto out;
		}
	}
	r = act_grant_role(s, u.id, role, scope, start, end, err);
	if (r == 0)
		strbuf_addf(&s->message, "%s now holds %s@%s", u.login, role, scope);
out:
	strv_release(&roles);
	org_user_release(&u);
	return r;
}

static int revoke_now(struct act_state *s, int64_t user_id, const char *role, const char *scope,
                      struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE role_assignments SET revoked_ms = ?1 WHERE user_id = ?2"
	                            " AND role = ?3 AND scope = ?4 AND revoked_ms IS NULL"
	                            " AND (end_ms IS NULL OR end_ms > ?1)",
	                            err);

	if (!q)
		return -EIO;
	query_bind_int(q, 1, s->now);
	query_bind_int(q, 2, user_id);
	query_bind_text(q, 3, role);
	query_bind_text(q, 4, scope);
	return act_step_done(s, q, "revoking the role", err);
}

/*
 * Ends the holding on a date (人事異動: 3月31日 the last day held): the assignments in force or
 * to come end at end_ms (exclusive), unless they end sooner; one that would only start at or
 * after end_ms is revoked, as it will never be held.
 */
static int end_on(struct act_state *s, int64_t user_id, const char *role, const char *scope,
                  int64_t end_ms, struct strbuf *err)
{
	struct query *q =
	    query_get(s->door->st,
	              "UPDATE role_assignments SET end_ms = CASE WHEN start_ms >= ?1 THEN end_ms"
	              " ELSE min(coalesce(end_ms, ?1), ?1) END,"
	              " revoked_ms = CASE WHEN start_ms >= ?1 THEN ?5 ELSE revoked_ms END"
	              " WHERE user_id = ?2 AND role = ?3 AND scope = ?4 AND revoked_ms IS NULL"
	              " AND (end_ms IS NULL OR end_ms > ?5)",
	              err);

	if (!q)
		return -EIO;
	query_bind_int(q, 1, end_ms);
	query_bind_int(q, 2, user_id);
	query_bind_text(q, 3, role);
	query_bind_text(q, 4, scope);
	query_bind_int(q, 5, s->now);
	return act_step_done(s, q, "ending the role", err);
}

static int role_revoke(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	_cleanup_free_ char *role = NULL, *scope = NULL;
	const char *until = act_field(in, "until");
	struct org_user u = { 0 };
	int64_t admins = 0, end = 0;
	int r;

	r = org_user_get(s->door->st, in->target ? in->target : "", &u, err);
	if (r == 0)
		r = org_parse_role_scope(s->door->st, s->p, act_field(in, "role"), &role, &scope,
		                         err);
	if (r < 0)
		goto out;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_record_fields(s);
	if (!strcmp(role, ROLE_MAMORI_ADMIN)) {
		r = act_count_active_admins(s, &admins, err);
		if (r < 0)
			goto out;
		if (admins <= 1) {
			error_set(err,
			          "'%s' is the last Mamori administrator; grant %s@org to "
			          "someone else first",
			          u.login, ROLE_MAMORI_ADMIN);
			r = -EINVAL;
			goto out;
		}
	}
	if (until && core_parse_local_date(until, &end) == 0)
		end += 24LL * 3600 * 1000; /* the date is the last day held */
	if (until && end <= s->now) {
		error_set(err,
		          "bad end date '%s': write YYYY-MM-DD, today or later (the last day held)",
		          until);
		r = -EINVAL;
		goto out;
	}
	if (act_require_admin(s, NULL))
		goto out;
	r = until ? end_on(s, u.id, role, scope, end, err) : revoke_now(s, u.id, role, scope, err);
	if (r == 0 && query_changes(s->door->st) == 0) {
		error_set(err, "'%s' does not hold %s@%s", u.login, role, scope);
		r = -ENOENT;
	}
	if (r == 0 && until)
		strbuf_addf(&s->message, "%s holds %s@%s until %s", u.login, role, scope, until);
	else if (r == 0)
		strbuf_addf(&s->message, "%s no longer holds %s@%s", u.login, role, scope);
out:
	org_user_release(&u);
	return r;
}

/* ---- 人事異動: moving a person to another section ------------------------------------------ */

/*
 * Everyone is 職員等 of their own section (the profile's section-scoped staff role, granted
 * when the person was added): the old section's ends now, the new one's starts now.
 */
static int move_staff_role(struct act_state *s, const struct org_user *u, const char *to,
                           struct strbuf *err)
{
	const struct policy_role *staff = s->p ? policy_role(s->p, "staff") : NULL;
	_cleanup_free_ char *old = NULL, *scope = NULL;
	struct strv roles = STRV_INIT;
	int r;

	if (!staff || staff->scope != SCOPE_SECTION)
		return 0;
	old = xstrfmt("section:%s", u->section);
	scope = xstrfmt("section:%s", to);
	r = revoke_now(s, u->id, "staff", old, err);
	if (r == 0)
		r = org_user_roles(s->door->st, u->id, s->now, &roles, err);
	if (r == 0 && !org_roles_hold(&roles, "staff", scope))
		r = act_grant_role(s, u->id, "staff", scope, s->now, 0, err);
	if (r == 0)
		json_object_set_new(s->info, "staff", json_sprintf("staff@%s", scope));
	strv_release(&roles);
	return r;
}

/* ---- 人事異動 --------------------------------------------------------------------------- */

/* A move dated ahead, as user_moves keeps it until its day. */
struct scheduled_move {
	int64_t id;
	char *login, *section, *title, *effective, *state;
	int64_t effective_ms;
};

static void scheduled_move_release(struct scheduled_move *m)
{
	free(m->login);
	free(m->section);
	free(m->title);
	free(m->effective);
	free(m->state);
}

static int scheduled_move_get(struct act_state *s, const char *id_text, struct scheduled_move *ret,
                              struct strbuf *err)
{
	struct query *q;
	int64_t id;
	int r;

	if (parse_int64(id_text, 1, INT64_MAX, &id) < 0) {
		error_set(err, "'%s' is not the number of a scheduled move", id_text);
		return -EINVAL;
	}
	q = query_get(s->door->st,
	              "SELECT u.login, m.section, m.title, m.effective, m.effective_ms, m.state"
	              " FROM user_moves m JOIN users u ON u.id = m.user_id WHERE m.id = ?1",
	              err);
	if (!q)
		return -EIO;
	query_bind_int(q, 1, id);
	r = query_step(q, err);
	if (r == 0) {
		error_set(err, "there is no scheduled move %lld", (long long)id);
		return -ENOENT;
	}
	if (r < 0)
		return r;
	ret->id = id;
	ret->login = query_strdup(q, 0);
	ret->section = query_strdup(q, 1);
	ret->title = query_strdup(q, 2);
	ret->effective = query_strdup(q, 3);
	ret->effective_ms = query_int(q, 4);
	ret->state = query_strdup(q, 5);
	query_done(q);
	if (strcmp(ret->state, "scheduled")) {
		error_set(err, "the move %lld is %s, not scheduled", (long long)id, ret->state);
		return -EINVAL;
	}
	if (ret->effective_ms > s->now) {
		error_set(err, "the move %lld takes effect on %s, not before", (long long)id,
		          ret->effective);
		return -EINVAL;
	}
	return 0;
}

/* Cancels the person's scheduled moves (what: for the error); how many, or < 0. */
static int64_t cancel_scheduled(struct act_state *s, int64_t user_id, const char *what,
                                struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "UPDATE user_moves SET state = 'cancelled', closed_ms = ?1"
	                            " WHERE user_id = ?2 AND state = 'scheduled'",
	                            err);
	int r;

	if (!q)
		return -EIO;
	query_bind_int(q, 1, s->now);
	query_bind_int(q, 2, user_id);
	r = act_step_done(s, q, what, err);
	return r < 0 ? r : query_changes(s->door->st);
}

/* Keeps a move dated ahead for its day; a later one replaces what was scheduled before. */
static int move_schedule(struct act_state *s, const struct org_user *u, const char *section,
                         const char *title, const char *day, int64_t day_ms, struct strbuf *err)
{
	int64_t replaced = cancel_scheduled(s, u->id, "replacing the scheduled move", err);
	struct query *q;
	int r;

	if (replaced < 0)
		return (int)replaced;
	if (replaced > 0)
		json_object_set_new(s->info, "replaced_scheduled", json_true());
	q = query_get(s->door->st,
	              "INSERT INTO user_moves(user_id, section, title, effective, effective_ms,"
	              " actor, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	              err);
	if (!q)
		return -EIO;
	query_bind_int(q, 1, u->id);
	query_bind_text(q, 2, section);
	query_bind_text(q, 3, title);
	query_bind_text(q, 4, day);
	query_bind_int(q, 5, day_ms);
	query_bind_int(q, 6, s->actor.id);
	query_bind_int(q, 7, s->now);
	r = act_step_done(s, q, "scheduling the move", err);
	if (r < 0)
		return r;
	json_object_set_new(s->info, "scheduled", json_string(day));
	strbuf_addf(&s->message, "%s moves to %s on %s", u->login, section, day);
	return 0;
}

static int move_now(struct act_state *s, const struct org_user *u, const char *section,
                    const char *title, int64_t scheduled, struct strbuf *err)
{
	struct query *q =
	    query_get(s->door->st,
	              "UPDATE users SET section = ?1,"
	              " title = CASE WHEN ?2 IS NULL THEN title ELSE nullif(?2, '') END,"
	              " changed_ms = ?3 WHERE id = ?4",
	              err);
	int r;

	if (!q)
		return -EIO;
	query_bind_text(q, 1, section);
	query_bind_text(q, 2, title);
	query_bind_int(q, 3, s->now);
	query_bind_int(q, 4, u->id);
	r = act_step_done(s, q, "moving the user", err);
	if (r == 0 && u->section && strcmp(u->section, section))
		r = move_staff_role(s, u, section, err);
	if (r == 0 && scheduled) {
		q = query_get(s->door->st,
		              "UPDATE user_moves SET state = 'done', closed_ms = ?1 WHERE id = ?2",
		              err);
		if (!q)
			return -EIO;
		query_bind_int(q, 1, s->now);
		query_bind_int(q, 2, scheduled);
		r = act_step_done(s, q, "closing the scheduled move", err);
		json_object_set_new(s->info, "scheduled_move", json_integer(scheduled));
	}
	if (r == 0)
		strbuf_addf(&s->message, "%s moved to %s", u->login, section);
	return r;
}

/*
 * 人事異動: the person's section (and 職名) now; or, with from a later day, on that day (kept
 * in user_moves); or, with scheduled, the move kept for a day that has come (personnel.h
 * personnel_run_due).
 */
static int user_move(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *section = act_field(in, "section"), *title = act_field(in, "title");
	const char *from = act_field(in, "from"), *scheduled = act_field(in, "scheduled");
	struct scheduled_move sm = { 0 };
	struct org_section sec = { 0 };
	struct org_user u = { 0 };
	int64_t from_ms = 0;
	int r = 0;

	if (scheduled) {
		r = scheduled_move_get(s, scheduled, &sm, err);
		if (r < 0)
			goto out;
		section = sm.section;
		title = sm.title;
		from = NULL;
	}
	r = org_user_get(s->door->st, sm.login ? sm.login : in->target ? in->target : "", &u, err);
	if (r < 0)
		goto out;
	if (!section || !*section) {
		error_set(err, "a move needs the new section");
		r = -EINVAL;
		goto out;
	}
	if (from && core_parse_local_date(from, &from_ms) < 0) {
		error_set(err, "bad date of the move '%s': write YYYY-MM-DD", from);
		r = -EINVAL;
		goto out;
	}
	r = org_section_get(s->door->st, section, &sec, err);
	if (r == 0)
		r = act_check_title_email(act_empty_null(title), NULL, err);
	if (r < 0)
		goto out;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_record_fields(s);
	if (u.section)
		json_object_set_new(s->recorded, "from_section", json_string(u.section));
	act_add_known_clauses(s, user_clauses);
	if (strcmp(u.status, USER_ACTIVE)) {
		error_set(err, "user '%s' is %s; only active people move", u.login, u.status);
		r = -EINVAL;
		goto out;
	}
	if (act_require_admin(s, user_clauses))
		goto out;
	if (from_ms > s->now)
		r = move_schedule(s, &u, sec.id, title, from, from_ms, err);
	else
		r = move_now(s, &u, sec.id, title, sm.id, err);
out:
	scheduled_move_release(&sm);
	org_section_release(&sec);
	org_user_release(&u);
	return r;
}

/* A move dated ahead called off (the users page, `mamori user transfer --cancel`). */
static int move_cancel(struct act_state *s, struct strbuf *err)
{
	struct personnel_move m = { 0 };
	struct org_user u = { 0 };
	int64_t n;
	int r = org_user_get(s->door->st, s->in->target ? s->in->target : "", &u, err);

	if (r < 0)
		return r;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_add_known_clauses(s, user_clauses);
	r = personnel_scheduled_get(s->door->st, u.id, &m, err);
	if (r == -ENOENT)
		error_set(err, "'%s' has no move dated ahead to cancel", u.login);
	if (r < 0 || act_require_admin(s, user_clauses))
		goto out;
	act_record_fields(s);
	json_object_set_new(s->recorded, "section", json_string(m.section));
	if (m.title)
		json_object_set_new(s->recorded, "title", json_string(m.title));
	json_object_set_new(s->recorded, "from", json_string(m.on));
	n = cancel_scheduled(s, u.id, "cancelling the scheduled move", err);
	if (n < 0) {
		r = (int)n;
		goto out;
	}
	json_object_set_new(s->info, "cancelled_moves", json_integer(n));
	strbuf_addf(&s->message, "the move of %s to %s on %s is cancelled", u.login, m.section,
	            m.on);
out:
	personnel_move_release(&m);
	org_user_release(&u);
	return r;
}

int act_cancel_moves_of(struct act_state *s, int64_t user_id, struct strbuf *err)
{
	int64_t n = cancel_scheduled(s, user_id, "cancelling the scheduled move", err);

	if (n < 0)
		return (int)n;
	if (n > 0)
		json_object_set_new(s->info, "cancelled_moves", json_integer(n));
	return 0;
}

int act_people(struct act_state *s, struct strbuf *err)
{
	switch (s->in->kind) {
	case ACT_ROLE_GRANT:
		return role_grant(s, err);
	case ACT_ROLE_REVOKE:
		return role_revoke(s, err);
	case ACT_USER_MOVE:
		return user_move(s, err);
	case ACT_USER_MOVE_CANCEL:
		return move_cancel(s, err);
	default:
		error_set(err, "unknown act kind %d", (int)s->in->kind);
		return -EINVAL;
	}
}
