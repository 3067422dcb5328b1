/* act-user: the door's acts on people's accounts: user.add, user.suspend, user.update,
 * user.retire, user.activate, user.passwd (a new password checked and hashed before the act). */
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

/* Clauses cited by the acts on accounts, the first the profile knows of each list. */
static const char *const user_clauses[] = { "MIN-5-5-3-3", "SHJ-5-3-1", NULL };
static const char *const suspend_clauses[] = { "MIN-5-5-6-2", "SHJ-6-4-3", NULL };
static const char *const password_clauses[] = { "SHJ-5-3-6", "MIN-5-5-5-1", NULL };

static void digest_text(const char *text, uint8_t out[32])
{
	crypto_hash_sha256(out, (const unsigned char *)text, strlen(text));
}

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

/* The new user's login (valid, not reserved), display name and employment type. */
static int check_new_login(const char *login, const char *name, const char *employment,
                           const char *employment_in, struct strbuf *err)
{
	if (!core_valid_login(login)) {
		error_set(err,
		          "bad login '%s': lowercase letters and digits, then also '.', '_' or '-' "
		          "(at most %d)",
		          login ? login : "", CORE_MAX_ID);
		return -EINVAL;
	}
	if (!strcmp(login, "mamori")) {
		error_set(err, "login 'mamori' is reserved for Mamori itself in the ledger");
		return -EINVAL;
	}
	if (!core_valid_name(name, CORE_MAX_NAME)) {
		error_set(err,
		          "user '%s' needs a display name (--name), one line of at most %d "
		          "bytes without invisible or direction-changing characters",
		          login, CORE_MAX_NAME);
		return -EINVAL;
	}
	if (!employment) {
		error_set(err, "unknown employment type '%s' (%s, or one the profile declares)",
		          employment_in, "職員, 非常勤職員, 指定管理者, 受託事業者, 派遣労働者");
		return -EINVAL;
	}
	return 0;
}

/* The section exists (an unknown one is -EINVAL), and no user has the login yet (-EEXIST). */
static int check_section_and_free(struct act_state *s, const char *section, const char *login,
                                  struct strbuf *err)
{
	struct org_user u = { 0 };
	int r;

	if (section) {
		struct org_section sec = { 0 };
		r = org_section_get(s->door->st, section, &sec, err);
		org_section_release(&sec);
		if (r < 0)
			return r == -ENOENT ? -EINVAL : r;
	}
	if (org_user_get(s->door->st, login, &u, NULL) == 0) {
		org_user_release(&u);
		error_set(err, "user '%s' exists already", login);
		return -EEXIST;
	}
	return 0;
}

/* What user add recorded (no password, only whether one was set) and its message. */
static void user_added(struct act_state *s, const char *name, const char *section,
                       const char *employment, const char *dn)
{
	json_t *rec = json_object();

	json_object_set_new(rec, "name", json_string(name));
	if (section)
		json_object_set_new(rec, "section", json_string(section));
	json_object_set_new(rec, "employment", json_string(employment));
	json_object_set_new(rec, "password", json_string(s->in->secret ? "set" : "none"));
	if (dn)
		json_object_set_new(rec, "directory_dn", json_string(dn));
	json_decref(s->recorded);
	s->recorded = rec;
	strbuf_addf(&s->message, "user %s (%s) added", s->in->target, name);
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
	bool refused = false;
	struct query *q;
	int64_t id;
	int r;

	r = check_new_login(in->target, name, employment, employment_in, err);
	if (r == 0)
		r = act_check_title_email(title, email, err);
	if (r == 0)
		r = check_dn(dn, in->secret, err);
	if (r < 0)
		return r;
	r = check_section_and_free(s, section, in->target, err);
	if (r < 0)
		return r;
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
	if (r == 0)
		user_added(s, name, section, employment, dn);
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

int act_user(struct act_state *s, struct strbuf *err)
{
	switch (s->in->kind) {
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
	default:
		error_set(err, "unknown act kind %d", (int)s->in->kind);
		return -EINVAL;
	}
}
