/* act-org: the door's organization half: sections, systems, users, roles, profile, duties. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/fmtargs.h"
#include "core/act-internal.h"
#include "core/requests.h"
#include "store/query.h"
#include "store/store.h"

/* Clauses cited by organization acts, the first the profile knows of each list. */
static const char *const user_clauses[] = { "MIN-5-5-3-3", "SHJ-5-3-1", NULL };
static const char *const suspend_clauses[] = { "MIN-5-5-6-2", "SHJ-6-4-3", NULL };
static const char *const password_clauses[] = { "SHJ-5-3-6", "MIN-5-5-5-1", NULL };
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

static void digest_text(const char *text, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)text, strlen(text));
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

/* ---- users --------------------------------------------------------------------------- */

static const char *password_clause(const struct profile *p)
{
	for (int i = 0; password_clauses[i]; i++)
		if (p && policy_clause(p, password_clauses[i]))
			return password_clauses[i];
	return NULL;
}

void act_password_release(struct act_password *pw)
{
	sodium_memzero(pw->hash, sizeof(pw->hash));
	free(pw->why);
	fmtargs_release(&pw->why_args);
	memset(pw, 0, sizeof(*pw));
}

/* The strength check's message id for why, its last captured error with the clause in
 * brackets after it ("password is too short: ... [MIN-5-5-5-1]"); NULL when it is not. */
static const char *check_message_id(const char *why, struct fmtargs *args)
{
	const char *tail = strrchr(why, '[');
	size_t n = tail && tail > why && tail[-1] == ' ' ? (size_t)(tail - 1 - why) : strlen(why);
	char *head = xstrndup(why, n);
	const char *fmt = error_captured(head, args);

	free(head);
	return fmt;
}

/*
 * Checks and hashes a new password before its act enters the door's batch: zxcvbn and
 * Argon2id take tens of milliseconds and must not hold the write transaction. A password
 * that breaks the rules becomes a refusal inside the door that cites the ward's clause
 * (SHJ-5-3-6, MIN-5-5-5-1); the password never appears anywhere.
 */
int act_password_prepare(struct door *d, const struct act_input *in, struct act_password *ret,
                         struct strbuf *err)
{
	struct password_policy pol = PASSWORD_POLICY_INIT(NULL);
	struct strbuf why = STRBUF_INIT;
	struct org_user u = { 0 };
	char *login = NULL, *name = NULL;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!in->secret || (in->kind != ACT_USER_ADD && in->kind != ACT_USER_PASSWD))
		return 0;
	/* Only what the door reads between batches: the profile in force, the user's name. */
	door_lead(d);
	pol.clause = password_clause(door_profile(d));
	if (in->kind == ACT_USER_PASSWD) {
		if (org_user_get(door_store(d), in->target ? in->target : "", &u, NULL) == 0) {
			login = xstrdup(u.login);
			name = xstrdup(u.name);
		}
		org_user_release(&u);
	} else {
		const char *n = act_field(in, "name");
		login = xstrdup(in->target ? in->target : "");
		name = n ? xstrdup(n) : NULL;
	}
	door_unlead(d);
	if (!login)
		return 0; /* no such user: the door says so */
	error_capture_begin();
	if (password_check(&pol, in->secret, login, name, NULL, &why) < 0) {
		ret->refused = true;
		ret->why = strbuf_detach(&why, NULL);
		ret->why_fmt = check_message_id(ret->why, &ret->why_args);
	}
	error_capture_end(NULL, NULL);
	if (!ret->refused) {
		r = password_hash(in->secret, ret->hash, err);
	}
	strbuf_release(&why);
	free(login);
	free(name);
	if (r < 0) {
		act_password_release(ret);
		return r;
	}
	ret->ready = true;
	return 0;
}

/* Takes the password prepared before the act: a refusal citing the clause, or its hash. */
static int hash_password(struct act_state *s, char hash[PASSWORD_HASH_SIZE], bool *refused,
                         struct strbuf *err)
{
	*refused = false;
	if (!s->pw || !s->pw->ready) {
		/* the user appeared between the check and the act: check again */
		error_set(err, "the new password was not checked before the act; try again");
		return -EAGAIN;
	}
	if (s->pw->refused) {
		act_refuse(s, "%s", s->pw->why);
		if (s->pw->why_fmt) { /* the check's own message id, for the reader's language */
			s->refuse_fmt = s->pw->why_fmt;
			fmtargs_release(&s->refuse_args);
			fmtargs_copy(&s->refuse_args, &s->pw->why_args);
		}
		act_add_known_clauses(s, password_clauses);
		*refused = true;
		return 0;
	}
	memcpy(hash, s->pw->hash, PASSWORD_HASH_SIZE);
	return 0;
}

int act_grant_role(struct act_state *s, int64_t user_id, const char *role, const char *scope,
                   int64_t start_ms, int64_t end_ms, struct strbuf *err)
{
	struct query *q = query_get(s->door->st,
	                            "INSERT INTO role_assignments(user_id, role, scope,"
	                            " start_ms, end_ms, created_ms) VALUES (?,?,?,?,?,?)",
	                            err);

	if (!q)
		return -EIO;
	query_bind_int(q, 1, user_id);
	query_bind_text(q, 2, role);
	query_bind_text(q, 3, scope);
	query_bind_int(q, 4, start_ms);
	query_bind_int_or_null(q, 5, end_ms);
	query_bind_int(q, 6, s->now);
	return act_step_done(s, q, "granting the role", err);
}

/* An empty value means "not given" (a CSV cell left blank). */
const char *act_empty_null(const char *v)
{
	return v && *v ? v : NULL;
}

int act_check_title_email(const char *title, const char *email, struct strbuf *err)
{
	if (title && (!core_valid_text(title, CORE_MAX_NAME) || strchr(title, '\n'))) {
		error_set(err, "a title (%s) is one line of at most %d bytes", "職名",
		          CORE_MAX_NAME);
		return -EINVAL;
	}
	if (email && !core_valid_email(email)) {
		error_set(err, "'%s' is not an e-mail address (name@example.lg.jp)", email);
		return -EINVAL;
	}
	return 0;
}

/* A directory entry to log in as: one line of text; such a person has no password here. */
static int check_dn(const char *dn, const char *secret, struct strbuf *err)
{
	if (dn && (!core_valid_text(dn, CORE_MAX_DN) || strchr(dn, '\n'))) {
		error_set(err, "a directory DN is one line of at most %d bytes", CORE_MAX_DN);
		return -EINVAL;
	}
	if (dn && secret) {
		error_set(err, "a person who logs in through the directory has no password here");
		return -EINVAL;
	}
	return 0;
}

static int user_add(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *name = act_field(in, "name"), *section = act_field(in, "section");
	const char *employment_in = act_field(in, "employment");
	const char *employment =
	    org_employment_resolve(s->p, employment_in ? employment_in : "職員");
	const char *must_change = act_field(in, "must_change");
	const char *title = act_empty_null(act_field(in, "title")),
	           *email = act_empty_null(act_field(in, "email"));
	const char *dn = act_empty_null(act_field(in, "directory_dn"));
	const struct policy_role *staff = s->p ? policy_role(s->p, "staff") : NULL;
	char hash[PASSWORD_HASH_SIZE] = "";
	struct org_user u = { 0 };
	bool refused = false;
	struct query *q;
	int64_t id;
	int r;

	if (!core_valid_login(in->target)) {
		error_set(err,
		          "bad login '%s': lowercase letters and digits, then also '.', '_' or '-' "
		          "(at most %d)",
		          in->target ? in->target : "", CORE_MAX_ID);
		return -EINVAL;
	}
	if (!strcmp(in->target, "mamori")) {
		error_set(err, "login 'mamori' is reserved for Mamori itself in the ledger");
		return -EINVAL;
	}
	if (!core_valid_name(name, CORE_MAX_NAME)) {
		error_set(err,
		          "user '%s' needs a display name (--name), one line of at most %d "
		          "bytes without invisible or direction-changing characters",
		          in->target, CORE_MAX_NAME);
		return -EINVAL;
	}
	if (!employment) {
		error_set(err, "unknown employment type '%s' (%s, or one the profile declares)",
		          employment_in, "職員, 非常勤職員, 指定管理者, 受託事業者, 派遣労働者");
		return -EINVAL;
	}
	r = act_check_title_email(title, email, err);
	if (r == 0)
		r = check_dn(dn, in->secret, err);
	if (r < 0)
		return r;
	if (section) {
		struct org_section sec = { 0 };
		r = org_section_get(s->door->st, section, &sec, err);
		org_section_release(&sec);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
	}
	if (org_user_get(s->door->st, in->target, &u, NULL) == 0) {
		org_user_release(&u);
		error_set(err, "user '%s' exists already", in->target);
		return -EEXIST;
	}
	s->subject = xstrfmt("user/%s", in->target);
	s->target = xstrfmt("user:%s", in->target);
	act_add_known_clauses(s, user_clauses);
	if (act_require_admin(s, user_clauses))
		return 0;
	if (in->secret) {
		r = hash_password(s, hash, &refused, err);
		if (r < 0 || refused)
			return r;
	}
	q = query_get(s->door->st,
	              "INSERT INTO users(login, name, section, employment, status,"
	              " password_hash, must_change, created_ms, changed_ms, title, email,"
	              " directory_dn) VALUES (?,?,?,?,'active',?,?,?,?,?,?,?)",
	              err);
	if (!q) {
		sodium_memzero(hash, sizeof(hash));
		return -EIO;
	}
	query_bind_text(q, 1, in->target);
	query_bind_text(q, 2, name);
	query_bind_text(q, 3, section);
	query_bind_text(q, 4, employment);
	query_bind_text(q, 5, hash[0] ? hash : NULL);
	query_bind_int(q, 6, must_change && !strcmp(must_change, "1"));
	query_bind_int(q, 7, s->now);
	query_bind_int(q, 8, s->now);
	query_bind_text(q, 9, title);
	query_bind_text(q, 10, email);
	query_bind_text(q, 11, dn);
	r = act_step_done(s, q, "adding the user", err);
	sodium_memzero(hash, sizeof(hash));
	if (r < 0)
		return r;
	id = query_last_id(s->door->st);
	/* Everyone of the ward is 職員等 of their section (MIN-BP-3): the profile's staff role. */
	if (staff && staff->scope == SCOPE_SECTION && section) {
		char *scope = xstrfmt("section:%s", section);
		r = act_grant_role(s, id, "staff", scope, s->now, 0, err);
		json_object_set_new(s->info, "granted", json_sprintf("staff@%s", scope));
		free(scope);
	}
	if (r == 0) {
		json_t *rec = json_object();
		json_object_set_new(rec, "name", json_string(name));
		if (section)
			json_object_set_new(rec, "section", json_string(section));
		json_object_set_new(rec, "employment", json_string(employment));
		json_object_set_new(rec, "password", json_string(in->secret ? "set" : "none"));
		if (dn)
			json_object_set_new(rec, "directory_dn", json_string(dn));
		json_decref(s->recorded);
		s->recorded = rec;
		strbuf_addf(&s->message, "user %s (%s) added", in->target, name);
	}
	return r;
}

int act_count_active_admins(struct act_state *s, int64_t *ret, struct strbuf *err)
{
	return org_count_holders(s->door->st, ROLE_MAMORI_ADMIN, s->now, ret, err);
}

static int user_status(struct act_state *s, const char *to, struct strbuf *err)
{
	struct org_user u = { 0 };
	const char *const *clauses = !strcmp(to, USER_ACTIVE) ? NULL : suspend_clauses;
	struct query *q;
	int r;

	r = org_user_get(s->door->st, s->in->target ? s->in->target : "", &u, err);
	if (r < 0)
		return r;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	if (!strcmp(u.status, to)) {
		error_set(err, "user '%s' is %s already", u.login, to);
		r = -EINVAL;
		goto out;
	}
	if (!strcmp(u.status, USER_RETIRED)) {
		error_set(err, "user '%s' has retired; add a new account instead", u.login);
		r = -EINVAL;
		goto out;
	}
	if (strcmp(to, USER_ACTIVE)) {
		struct strv roles = STRV_INIT;
		int64_t admins = 0;
		r = org_user_roles(s->door->st, u.id, s->now, &roles, err);
		if (r == 0)
			r = act_count_active_admins(s, &admins, err);
		if (r == 0 && admins == 1 && org_roles_hold(&roles, ROLE_MAMORI_ADMIN, "org")) {
			error_set(err,
			          "'%s' is the last Mamori administrator; grant %s@org to "
			          "someone else first",
			          u.login, ROLE_MAMORI_ADMIN);
			r = -EINVAL;
		}
		strv_release(&roles);
		if (r < 0)
			goto out;
	}
	act_add_known_clauses(s, clauses);
	if (act_require_admin(s, clauses))
		goto out;
	q = query_get(s->door->st, "UPDATE users SET status = ?, changed_ms = ? WHERE id = ?", err);
	if (!q) {
		r = -EIO;
		goto out;
	}
	query_bind_text(q, 1, to);
	query_bind_int(q, 2, s->now);
	query_bind_int(q, 3, u.id);
	r = act_step_done(s, q, "changing the user's status", err);
	if (r == 0 && !strcmp(to, USER_RETIRED)) {
		/* A retired person holds no role any more. */
		q = query_get(s->door->st,
		              "UPDATE role_assignments SET revoked_ms = ? WHERE user_id = ?"
		              " AND revoked_ms IS NULL",
		              err);
		if (!q) {
			r = -EIO;
			goto out;
		}
		query_bind_int(q, 1, s->now);
		query_bind_int(q, 2, u.id);
		r = act_step_done(s, q, "revoking the retired user's roles", err);
		/* Nobody may approve what a retired person asked for: their pending requests are
		 * cancelled, with the reason, in the same act. */
		if (r == 0)
			r = act_cancel_requests_of(s, u.id, REQUEST_CLOSED_APPLICANT_RETIRED, err);
		if (r == 0)
			r = act_cancel_moves_of(s, u.id, err);
	}
	if (r == 0) {
		digest_text(u.status, s->before);
		digest_text(to, s->after);
		s->has_before = s->has_after = true;
		json_object_set_new(s->info, "status", json_sprintf("%s -> %s", u.status, to));
		strbuf_addf(&s->message, "user %s is now %s", u.login, to);
	}
out:
	org_user_release(&u);
	return r;
}

int act_user_status_effect(struct act_state *s, const char *login, const char *to,
                           struct strbuf *err)
{
	struct org_user u = { 0 };
	struct query *q;
	int r = org_user_get(s->door->st, login, &u, err);

	if (r < 0)
		return r == -ENOENT ? -EINVAL : r;
	if (!strcmp(u.status, to))
		goto out;
	if (!strcmp(u.status, USER_RETIRED)) {
		if (!strcmp(to, USER_ACTIVE))
			act_refuse(s, "user '%s' has retired: there is no account to reinstate",
			           u.login);
		else
			act_refuse(s, "user '%s' has retired: there is no account to suspend",
			           u.login);
		goto out;
	}
	if (strcmp(to, USER_ACTIVE)) {
		struct strv roles = STRV_INIT;
		int64_t admins = 0;
		r = org_user_roles(s->door->st, u.id, s->now, &roles, err);
		if (r == 0)
			r = act_count_active_admins(s, &admins, err);
		if (r == 0 && admins == 1 && org_roles_hold(&roles, ROLE_MAMORI_ADMIN, "org"))
			act_refuse(s,
			           "'%s' is the last Mamori administrator and cannot be suspended",
			           u.login);
		strv_release(&roles);
		if (r < 0 || s->outcome == ACT_REFUSED)
			goto out;
	}
	q = query_get(s->door->st, "UPDATE users SET status = ?, changed_ms = ? WHERE id = ?", err);
	if (!q) {
		r = -EIO;
		goto out;
	}
	query_bind_text(q, 1, to);
	query_bind_int(q, 2, s->now);
	query_bind_int(q, 3, u.id);
	r = act_step_done(s, q, "changing the user's status", err);
	if (r == 0) {
		free(s->target);
		s->target = xstrfmt("user:%s", u.login);
		strbuf_addf(&s->message, "; user %s is now %s", u.login, to);
	}
out:
	org_user_release(&u);
	return r;
}

/*
 * Changes a person's display name, title (職名) or e-mail address: fields name, title, email;
 * an empty title or email clears it. Administrators only.
 */
static int user_update(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *name = act_field(in, "name"), *title = act_field(in, "title");
	const char *email = act_field(in, "email"), *dn = act_field(in, "directory_dn");
	struct org_user u = { 0 };
	struct query *q;
	int r;

	r = org_user_get(s->door->st, in->target ? in->target : "", &u, err);
	if (r < 0)
		return r;
	if (!name && !title && !email && !dn) {
		error_set(err,
		          "nothing to change: give a name, title, e-mail address or directory DN");
		r = -EINVAL;
		goto out;
	}
	if (name && !core_valid_name(name, CORE_MAX_NAME)) {
		error_set(err,
		          "a display name is one line of at most %d bytes without invisible or "
		          "direction-changing characters",
		          CORE_MAX_NAME);
		r = -EINVAL;
		goto out;
	}
	r = act_check_title_email(act_empty_null(title), act_empty_null(email), err);
	if (r == 0)
		r = check_dn(act_empty_null(dn), NULL, err);
	if (r < 0)
		goto out;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_record_fields(s);
	act_add_known_clauses(s, user_clauses);
	if (act_require_admin(s, user_clauses))
		goto out;
	q = query_get(s->door->st,
	              "UPDATE users SET name = coalesce(?1, name),"
	              " title = CASE WHEN ?2 IS NULL THEN title ELSE nullif(?2, '') END,"
	              " email = CASE WHEN ?3 IS NULL THEN email ELSE nullif(?3, '') END,"
	              " directory_dn = CASE WHEN ?6 IS NULL THEN directory_dn"
	              " ELSE nullif(?6, '') END,"
	              /* linked to the directory: the local password goes (no fallback) */
	              " password_hash = CASE WHEN nullif(?6, '') IS NULL THEN password_hash"
	              " ELSE NULL END,"
	              " must_change = CASE WHEN nullif(?6, '') IS NULL THEN must_change"
	              " ELSE 0 END,"
	              " changed_ms = ?4 WHERE id = ?5",
	              err);
	if (!q) {
		r = -EIO;
		goto out;
	}
	query_bind_text(q, 1, name);
	query_bind_text(q, 2, title);
	query_bind_text(q, 3, email);
	query_bind_int(q, 4, s->now);
	query_bind_int(q, 5, u.id);
	query_bind_text(q, 6, dn);
	r = act_step_done(s, q, "changing the user", err);
	if (r == 0)
		strbuf_addf(&s->message, "user %s changed", u.login);
out:
	org_user_release(&u);
	return r;
}

static int user_passwd(struct act_state *s, struct strbuf *err)
{
	struct org_user u = { 0 };
	char hash[PASSWORD_HASH_SIZE] = "";
	const char *must_change = act_field(s->in, "must_change");
	bool refused = false, self;
	struct query *q;
	int r;

	if (!s->in->secret) {
		error_set(err, "a new password is needed");
		return -EINVAL;
	}
	r = org_user_get(s->door->st, s->in->target ? s->in->target : "", &u, err);
	if (r < 0)
		return r;
	s->subject = xstrfmt("user/%s", u.login);
	s->target = xstrfmt("user:%s", u.login);
	act_add_known_clauses(s, password_clauses);
	self = s->actor.id == u.id;
	if (!self && act_require_admin(s, password_clauses))
		goto out;
	r = hash_password(s, hash, &refused, err);
	if (r < 0 || refused)
		goto out;
	q = query_get(s->door->st,
	              "UPDATE users SET password_hash = ?, must_change = ?, changed_ms = ?"
	              " WHERE id = ?",
	              err);
	if (!q) {
		r = -EIO;
		goto out;
	}
	query_bind_text(q, 1, hash);
	/* Someone else's new password is temporary: it must be changed at the next login. */
	query_bind_int(q, 2, must_change ? !strcmp(must_change, "1") : !self);
	query_bind_int(q, 3, s->now);
	query_bind_int(q, 4, u.id);
	r = act_step_done(s, q, "changing the password", err);
	if (r == 0)
		strbuf_addf(&s->message, "password of %s changed", u.login);
out:
	sodium_memzero(hash, sizeof(hash));
	org_user_release(&u);
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
	if (act_field(in, "done_on")) {
		/* 実施日: the day it was done, as the evidence says; never a day still to come. */
		int64_t day_ms, today_ms;
		struct strbuf today = STRBUF_INIT;
		core_format_local_date(&today, s->now);
		core_parse_local_date(today.buf, &today_ms);
		strbuf_release(&today);
		if (core_parse_local_date(act_field(in, "done_on"), &day_ms) < 0) {
			error_set(err, "done_on '%s' is not a date (YYYY-MM-DD)",
			          act_field(in, "done_on"));
			return -EINVAL;
		}
		if (day_ms > today_ms) {
			error_set(
			    err, "done_on %s is in the future: record a duty once it has been done",
			    act_field(in, "done_on"));
			return -EINVAL;
		}
		/* Done that day: at noon in Tokyo, or now when it is today. */
		done_ms = day_ms == today_ms ? s->now : day_ms + 12LL * 3600 * 1000;
	}
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
		return user_add(s, err);
	case ACT_USER_SUSPEND:
		return user_status(s, USER_SUSPENDED, err);
	case ACT_USER_UPDATE:
		return user_update(s, err);
	case ACT_USER_RETIRE:
		return user_status(s, USER_RETIRED, err);
	case ACT_USER_ACTIVATE:
		return user_status(s, USER_ACTIVE, err);
	case ACT_USER_PASSWD:
		return user_passwd(s, err);
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
