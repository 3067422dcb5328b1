/* act-identity: the door's credential acts beyond the password: the TOTP second factor and
 * API tokens. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/totp.h"
#include "base/cleanup.h"
#include "core/act-internal.h"
#include "store/query.h"

/* パスワード等の管理: the clauses a credential change cites, the first the profile knows. */
static const char *const credential_clauses[] = { "SHJ-5-3-6", "MIN-5-5-5-1", NULL };

/* The sealed secret's size: nonce (24) || MAC (16) || secret (auth/totp.h). */
#define SEALED_TOTP_BYTES (24 + 16 + TOTP_SECRET_BYTES)

static bool valid_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

static int load_target(struct act_state *s, struct org_user *u, struct strbuf *err)
{
	int r = org_user_get(s->door->st, s->in->target ? s->in->target : "", u, err);

	if (r < 0)
		return r;
	s->subject = xstrfmt("user/%s", u->login);
	s->target = xstrfmt("user:%s", u->login);
	act_add_known_clauses(s, credential_clauses);
	return 0;
}

static int run_sql(struct act_state *s, const char *sql, int64_t id, struct strbuf *err)
{
	struct query *q;
	int r = query_prepare(s->door->st, sql, &q, err);

	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	return query_run(q, err);
}

/* An enrolment's input: the sealed secret and the hashes of TOTP_RECOVERY_N recovery codes. */
static int totp_input_check(const struct act_input *in, struct strbuf *err)
{
	size_t n = 0;

	if (!in->blob || in->blob_len != SEALED_TOTP_BYTES) {
		error_set(err, "a TOTP enrolment needs the sealed secret (%d bytes)",
		          SEALED_TOTP_BYTES);
		return -EINVAL;
	}
	for (size_t i = 0; i < in->n_fields; i++) {
		if (strcmp(in->fields[i].key, "recovery") || !valid_hex64(in->fields[i].value)) {
			error_set(err, "a TOTP enrolment takes only 'recovery' fields, each the "
			               "hex SHA-256 of a recovery code");
			return -EINVAL;
		}
		n++;
	}
	if (n != TOTP_RECOVERY_N) {
		error_set(err, "a TOTP enrolment needs %d recovery codes, not %zu", TOTP_RECOVERY_N,
		          n);
		return -EINVAL;
	}
	return 0;
}

/*
 * A person sets up their authenticator: only for themselves (the secret lives on their
 * device), and only when they have none: a stolen password must not replace the device of
 * someone already enrolled (an administrator resets it first: ACT_TOTP_RESET).
 */
static int totp_enrol(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	struct org_user u = { 0 };
	struct query *q;
	int r;

	if ((r = totp_input_check(in, err)) < 0 || (r = load_target(s, &u, err)) < 0)
		return r;
	if (!s->actor.id || strcmp(s->actor.login, u.login)) {
		act_refuse(s, "only '%s' can set up their own authenticator", u.login);
		goto out;
	}
	r = query_prepare(s->door->st, "SELECT count(*) FROM user_totp WHERE user_id = ?", &q, err);
	if (r < 0)
		goto out;
	query_bind_int(q, 1, u.id);
	{
		int64_t have = 0;
		if ((r = query_one_int(q, &have, err)) < 0)
			goto out;
		if (have) {
			act_refuse(s,
			           "'%s' has an authenticator already; an administrator resets it "
			           "first (mamori user totp-reset)",
			           u.login);
			goto out;
		}
	}
	r = query_prepare(s->door->st,
	                  "INSERT INTO user_totp(user_id, secret, enrolled_ms) VALUES (?, ?, ?)",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_int(q, 1, u.id);
	query_bind_blob(q, 2, in->blob, in->blob_len);
	query_bind_int(q, 3, s->now);
	if ((r = query_run(q, err)) < 0)
		goto out;
	for (size_t i = 0; i < in->n_fields; i++) {
		r = query_prepare(s->door->st,
		                  "INSERT INTO user_recovery_codes(user_id, code_sha256) "
		                  "VALUES (?, ?)",
		                  &q, err);
		if (r < 0)
			goto out;
		query_bind_int(q, 1, u.id);
		query_bind_text(q, 2, in->fields[i].value);
		if ((r = query_run(q, err)) < 0) {
			if (r == -EEXIST)
				error_set(err, "the recovery codes must differ from each other");
			goto out;
		}
	}
	/* Earlier login state of this person (a reset device) no longer means anything. */
	if ((r = run_sql(s, "DELETE FROM totp_recovery_used WHERE user_id = ?", u.id, err)) < 0 ||
	    (r = run_sql(s, "DELETE FROM totp_state WHERE user_id = ?", u.id, err)) < 0)
		goto out;
	json_object_set_new(s->info, "recovery_codes", json_integer(TOTP_RECOVERY_N));
	strbuf_addf(&s->message, "%s set up an authenticator (TOTP)", u.login);
out:
	org_user_release(&u);
	return r;
}

/* An administrator removes a person's authenticator (a lost phone): they enrol again at
 * their next login. */
static int totp_reset(struct act_state *s, struct strbuf *err)
{
	struct org_user u = { 0 };
	int r;

	if ((r = load_target(s, &u, err)) < 0)
		return r;
	if (act_require_admin(s, credential_clauses))
		goto out;
	if ((r = run_sql(s, "DELETE FROM user_recovery_codes WHERE user_id = ?", u.id, err)) < 0 ||
	    (r = run_sql(s, "DELETE FROM user_totp WHERE user_id = ?", u.id, err)) < 0)
		goto out;
	if (query_changes(s->door->st) == 0) {
		error_set(err, "'%s' has no authenticator to reset", u.login);
		r = -ENOENT;
		goto out;
	}
	if ((r = run_sql(s, "DELETE FROM totp_recovery_used WHERE user_id = ?", u.id, err)) < 0 ||
	    (r = run_sql(s, "DELETE FROM totp_state WHERE user_id = ?", u.id, err)) < 0)
		goto out;
	strbuf_addf(&s->message, "the authenticator of %s was reset", u.login);
out:
	org_user_release(&u);
	return r;
}

/* ---- API tokens ---------------------------------------------------------------------- */

/* What a token may do (api_tokens.scope): the JSON API with its person's rights, only
 * sending logs (POST /api/v1/logs), or a file integrity agent's results and logs. The web's
 * token form offers the same list (web/ui-admin.c token_scopes). */
static bool token_scope_known(const char *scope)
{
	return scope &&
	       (!strcmp(scope, "api") || !strcmp(scope, "logs") || !strcmp(scope, "agent"));
}

static const char *field_of(const struct act_input *in, const char *key)
{
	for (size_t i = 0; i < in->n_fields; i++)
		if (!strcmp(in->fields[i].key, key))
			return in->fields[i].value;
	return NULL;
}

/*
 * An administrator issues a token carrying an active person's rights. The token itself never
 * reaches the door: only its digest (blob), stored and never ledgered; the ledger keeps the
 * token's number, for whom, its purpose and scope.
 */
static int token_issue(struct act_state *s, struct strbuf *err)
{
	const struct act_input *in = s->in;
	const char *label = field_of(in, "label"), *scope = field_of(in, "scope");
	char digest[65];
	struct org_user u = { 0 };
	struct query *q;
	int r;

	if (!scope)
		scope = "api";
	if (!label || !*label || strlen(label) > 200 || !core_valid_name(label, 200)) {
		error_set(err,
		          "an API token needs a purpose (label): one line of at most 200 bytes");
		return -EINVAL;
	}
	if (!token_scope_known(scope)) {
		error_set(err, "unknown token scope '%s' (api, logs or agent)", scope);
		return -EINVAL;
	}
	for (size_t i = 0; i < in->n_fields; i++)
		if (strcmp(in->fields[i].key, "label") && strcmp(in->fields[i].key, "scope")) {
			error_set(err,
			          "an API token takes only the fields label and scope, not '%s'",
			          in->fields[i].key);
			return -EINVAL;
		}
	if (!in->blob || in->blob_len != 64) {
		error_set(err, "an API token needs its digest (64 hex digits)");
		return -EINVAL;
	}
	memcpy(digest, in->blob, 64);
	digest[64] = '\0';
	if (!valid_hex64(digest)) {
		error_set(err, "an API token needs its digest (64 hex digits)");
		return -EINVAL;
	}
	if ((r = load_target(s, &u, err)) < 0)
		return r;
	if (act_require_admin(s, credential_clauses))
		goto out;
	if (strcmp(u.status, USER_ACTIVE)) {
		error_set(err, "'%s' is not active: a token would carry no rights", u.login);
		r = -EINVAL;
		goto out;
	}
	r = query_prepare(s->door->st,
	                  "INSERT INTO api_tokens(user_id, label, token_sha256, created_ms, "
	                  "created_by, scope) VALUES (?, ?, ?, ?, ?, ?)",
	                  &q, err);
	if (r < 0)
		goto out;
	query_bind_int(q, 1, u.id);
	query_bind_text(q, 2, label);
	query_bind_text(q, 3, digest);
	query_bind_int(q, 4, s->now);
	query_bind_int(q, 5, s->actor.id);
	query_bind_text(q, 6, scope);
	if ((r = query_run(q, err)) < 0)
		goto out;
	s->token_id = query_last_id(s->door->st);
	json_object_set_new(s->info, "token", json_integer(s->token_id));
	json_object_set_new(s->info, "scope", json_string(scope));
	json_decref(s->recorded);
	s->recorded = json_pack("{ss}", "label", label);
	strbuf_addf(&s->message, "API token %lld issued for %s (%s)", (long long)s->token_id,
	            u.login, scope);
out:
	sodium_memzero(digest, sizeof(digest));
	org_user_release(&u);
	return r;
}

/* An administrator revokes a live token: calls with it are refused from then on. */
static int token_revoke(struct act_state *s, struct strbuf *err)
{
	const char *t = s->in->target ? s->in->target : "";
	char *end = NULL;
	long long id = strtoll(t, &end, 10);
	struct query *q;
	int64_t live = 0;
	int r;

	if (!*t || *end || id <= 0) {
		error_set(err, "'%s' is not a token number", t);
		return -EINVAL;
	}
	s->subject = xstrfmt("api_token/%lld", id);
	s->target = xstrfmt("api_token:%lld", id);
	act_add_known_clauses(s, credential_clauses);
	if (act_require_admin(s, credential_clauses))
		return 0;
	r = query_prepare(s->door->st,
	                  "SELECT count(*) FROM api_tokens WHERE id = ? AND revoked_ms IS NULL", &q,
	                  err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, id);
	if ((r = query_one_int(q, &live, err)) < 0)
		return r;
	if (!live) {
		error_set(err, "no live API token number %lld", id);
		return -ENOENT;
	}
	r = query_prepare(s->door->st,
	                  "UPDATE api_tokens SET revoked_ms = ?, revoked_by = ? WHERE id = ?", &q,
	                  err);
	if (r < 0)
		return r;
	query_bind_int(q, 1, s->now);
	query_bind_int(q, 2, s->actor.id);
	query_bind_int(q, 3, id);
	if ((r = query_run(q, err)) < 0)
		return r;
	json_object_set_new(s->info, "token", json_integer(id));
	strbuf_addf(&s->message, "API token %lld revoked", id);
	return 0;
}

int act_identity(struct act_state *s, struct strbuf *err)
{
	s->kind_name = act_kind_action(s->in->kind);
	switch (s->in->kind) {
	case ACT_TOTP_ENROL:
		return totp_enrol(s, err);
	case ACT_TOTP_RESET:
		return totp_reset(s, err);
	case ACT_TOKEN_ISSUE:
		return token_issue(s, err);
	case ACT_TOKEN_REVOKE:
		return token_revoke(s, err);
	default:
		error_set(err, "unknown act kind %d", (int)s->in->kind);
		return -EINVAL;
	}
}
