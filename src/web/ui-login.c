/* ui-login: logging in and out, changing one's password, the language switch, the stylesheet. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "auth/directory.h"
#include "auth/password.h"
#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/core.h"
#include "core/identity.h"
#include "core/org.h"
#include "core/throttle.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "web/page.h"
#include "web/clientcert.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/session.h"

extern const unsigned char web_css[];
extern const size_t web_css_len;

void ui_static_css(struct web_req *r)
{
	r->status = 200;
	r->content_type_out = "text/css; charset=utf-8";
	strbuf_add(&r->out, web_css, web_css_len);
}

static int audit_append(struct web_req *r, const char *actor, const char *action,
                        const char *detail, bool in_txn, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct ledger *lg;
	struct ledger_entry e = { 0 };
	uint64_t index;
	int ret;

	strbuf_addf(&data, "via=%s remote=%s", r->api ? "api" : "web", r->remote);
	if (detail)
		strbuf_addf(&data, " %s", detail);
	e.kind = ENTRY_LOGIN;
	e.time_ms = time_now_ms();
	e.actor = actor;
	e.action = action;
	e.data = (const uint8_t *)data.buf;
	e.data_len = data.len;
	if (r->profile)
		e.profile = r->profile->sha256;
	ret = web_thread_ledger(r, &lg, err);
	if (ret == 0)
		ret = in_txn ? ledger_append_txn(lg, &e, 1, &index, err)
		             : ledger_append(lg, &e, 1, &index, err);
	strbuf_release(&data);
	return ret;
}

void web_audit(struct web_req *r, const char *actor, const char *action, const char *detail)
{
	struct strbuf err = STRBUF_INIT;

	if (audit_append(r, actor, action, detail, false, &err) < 0)
		web_log(r, "cannot ledger %s of '%s': %s", action, actor, err.buf);
	strbuf_release(&err);
}

int web_audit_txn(struct web_req *r, const char *actor, const char *action, const char *detail,
                  struct strbuf *err)
{
	return audit_append(r, actor, action, detail, true, err);
}

/*
 * An unauthenticated failure (a wrong password, a locked login): counted in the store, and
 * ledgered at most once a minute per login and per address with the count since the last
 * entry (throttle_audit_step), so a client hammering the form cannot grow the ledger.
 */
void web_audit_failure(struct web_req *r, const char *actor, const char *action,
                       const char *login_key)
{
	struct strbuf err = STRBUF_INIT, lk = STRBUF_INIT, ak = STRBUF_INIT, d = STRBUF_INIT;
	const char *keys[2];
	int64_t counts[2];
	bool due = false;
	int ret;

	strbuf_addf(&lk, "L:%s", login_key);
	strbuf_addf(&ak, "A:%s", r->remote);
	keys[0] = lk.buf;
	keys[1] = ak.buf;
	ret = store_begin(r->st, &err);
	if (ret == 0)
		ret = throttle_audit_step(r->st, keys, time_now_ms(), &due, counts, &err);
	if (ret == 0 && due) {
		strbuf_addf(&d, "failures_login=%lld failures_address=%lld", (long long)counts[0],
		            (long long)counts[1]);
		ret = web_audit_txn(r, actor, action, d.buf, &err);
	}
	if (ret == 0)
		ret = store_commit(r->st, &err);
	else
		store_rollback(r->st);
	if (ret < 0)
		web_log(r, "cannot count %s of '%s': %s", action, actor, err.buf);
	strbuf_release(&err);
	strbuf_release(&lk);
	strbuf_release(&ak);
	strbuf_release(&d);
}

/* "next" must stay on this site: a local path, never "//host" or a scheme. */
static const char *safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' ||
	    !strcmp(next, "/login") || !html_url_safe(next))
		return "/";
	return next;
}

static void login_page(struct web_req *r, const char *login, const char *error)
{
	struct strbuf *o = &r->out;
	const char *next = web_query(r, "next");

	if (!next)
		next = web_form(r, "next");
	page_begin(r, _("Log in"), NAV_NONE);
	html_open(o, "section", "class", "card login", HTML_END);
	if (error)
		page_notice(r, "error", error);
	page_form_begin(r, "/login", NULL, false);
	html_void(o, "input", "type", "hidden", "name", "next", "value", safe_next(next), HTML_END);
	page_input(r, "text", "login", _("Login ID"), login, true, "username");
	page_input(r, "password", "password", _("Password"), NULL, true, "current-password");
	page_submit(r, _("Log in"), NULL);
	page_form_end(r);
	if (web_iccard_enabled(r)) {
		/* the card's certificate travels with the TLS connection: nothing to type */
		page_form_begin(r, "/login/card", NULL, false);
		html_void(o, "input", "type", "hidden", "name", "next", "value", safe_next(next),
		          HTML_END);
		page_submit(r, _("Log in with your IC card"), NULL);
		page_form_end(r);
	}
	html_close(o, "section");
	page_end(r);
}

void ui_login_form(struct web_req *r)
{
	if (r->user) {
		web_redirect(r, safe_next(web_query(r, "next")));
		return;
	}
	if (r->pending_user_id) {
		web_redirect(r, "/login/totp");
		return;
	}
	login_page(r, NULL, NULL);
}

/* A hash to verify against when the login does not exist, so both cost the same time. */
static char dummy[PASSWORD_HASH_SIZE];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
	char pw[PASSWORD_GENERATED_SIZE];
	struct password_policy pol = PASSWORD_POLICY_INIT(PASSWORD_CLAUSE_MINATO);

	if (password_generate(&pol, "x", NULL, pw) == 0)
		password_hash(pw, dummy, NULL);
	sodium_memzero(pw, sizeof(pw));
}

/*
 * The password of a person linked to the directory, checked by binding as them: 1 right, 0
 * wrong; -1 when the directory cannot answer (the page says so, 503, and nobody logs in).
 */
static int directory_check(struct web_req *r, const struct org_user *u, const char *password)
{
	const struct dir_conf *dc = web_directory(r);
	struct strbuf err = STRBUF_INIT;
	enum dir_outcome o = DIR_UNAVAILABLE;

	if (dc)
		o = dir_authenticate(dc, u->login, password, u->directory_dn, NULL, &err);
	else
		strbuf_addstr(&err, "linked to a directory, but mamori.conf has no [ldap] url");
	if (o != DIR_OK)
		web_log(r, "login of '%s' through the directory: %s", u->login, err.buf);
	strbuf_release(&err);
	if (o != DIR_UNAVAILABLE)
		return o == DIR_OK;
	web_audit_failure(r, u->login, "login.directory_unavailable", u->login);
	r->status = 503;
	login_page(r, u->login,
	           _("The directory (LDAP) that checks your password cannot be reached, so "
	             "nobody can log in with it now. Try again in a few minutes; if it goes on, "
	             "tell the system administrator."));
	return -1;
}

/*
 * Whether password is that of u (NULL: a login that does not exist): 1 right, 0 wrong; -1
 * when the directory cannot answer (directory_check answered r). Someone who is not active,
 * or has no password, is wrong; a login that is none costs the same time as one that is.
 */
static int password_right(struct web_req *r, const struct org_user *u, const char *password,
                          struct strbuf *err)
{
	char *hash = NULL;
	int ok = 0;

	/* Linked to the directory: its bind decides, and nothing else does (no password is kept
	 * here, so a directory that is down is no way around it). */
	if (u && !strcmp(u->status, USER_ACTIVE) && u->directory_dn)
		return directory_check(r, u, password);
	if (u && !strcmp(u->status, USER_ACTIVE) &&
	    org_user_password_hash(r->st, u->login, &hash, err) == 0 && hash) {
		ok = password_verify(hash, password);
	} else {
		pthread_once(&dummy_once, dummy_make);
		if (dummy[0])
			(void)password_verify(dummy, password);
	}
	free(hash);
	return ok;
}

/* The login page again after a wrong login ID or password (401), saying the wait if any. */
static void login_wrong(struct web_req *r, const char *login, int64_t wait)
{
	struct strbuf msg = STRBUF_INIT;

	strbuf_addstr(&msg, _("The login ID or password is wrong."));
	if (wait > 0) {
		strbuf_addch(&msg, ' ');
		strbuf_addf(&msg,
		            _("Too many failed attempts. Wait %lld seconds before trying "
		              "again."),
		            (long long)((wait + 999) / 1000));
	}
	r->status = 401;
	login_page(r, login, msg.buf);
	strbuf_release(&msg);
}

void ui_login_post(struct web_req *r)
{
	const char *login = web_form(r, "login"), *password = web_form(r, "password");
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct org_user u = { 0 };
	const char *stage = WEB_STAGE_FULL;
	int64_t now = time_now_ms(), wait = 0, failures = 0;
	bool known = false;
	int ret;

	if (!login || !password || !*login || !*password) {
		r->status = 400;
		login_page(r, login, _("Enter your login ID and password."));
		goto out;
	}
	if (strlen(login) > CORE_MAX_ID || strlen(password) > PASSWORD_MAX_BYTES) {
		r->status = 400;
		login_page(r, NULL, _("The login ID or password is wrong."));
		goto out;
	}
	known = core_valid_login(login) && org_user_get(r->st, login, &u, &err) == 0;
	strbuf_reset(&err);
	/* Reserved (and counted as a failure) before the slow verification, atomically. */
	ret = throttle_reserve(r->st, known ? u.login : login, known, r->remote, now, &wait,
	                       &failures, &err);
	if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (ret > 0) {
		web_audit_failure(r, known ? u.login : "-", "login.locked", known ? u.login : "?");
		r->status = 429;
		strbuf_addf(&msg,
		            _("Too many failed attempts. Wait %lld seconds before trying again."),
		            (long long)((wait + 999) / 1000));
		login_page(r, login, msg.buf);
		goto out;
	}
	ret = password_right(r, known ? &u : NULL, password, &err);
	if (ret < 0)
		goto out;
	if (!ret) {
		web_audit_failure(r, known ? u.login : "-", "login.fail", known ? u.login : "?");
		login_wrong(r, login, wait);
		goto out;
	}
	/* The second factor, when the person has one or a role of theirs needs one: the session
	 * waits for it (web/session.h stages); the throttle is kept until the code is right. */
	if (ui_totp_stage(r, &u, &stage, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (strcmp(stage, WEB_STAGE_FULL)) {
		if (web_session_start_stage(r, u.id, stage, &err) < 0) {
			web_error(r, 503, err.buf);
			goto out;
		}
		web_redirect(r, "/login/totp");
		goto out;
	}
	/* One session per person: a new login ends the others (a stolen cookie stops working
	 * when its owner logs in again). */
	if (throttle_ok(r->st, u.login, r->remote, &err) < 0 ||
	    web_sessions_end_user(r->st, u.id, NULL, &err) < 0 ||
	    web_session_start(r, u.id, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	web_audit(r, u.login, "login.ok", NULL);
	web_redirect(r, u.must_change ? "/password" : safe_next(web_form(r, "next")));
out:
	org_user_release(&u);
	strbuf_release(&err);
	strbuf_release(&msg);
}

/*
 * The IC card on this connection (a client certificate the card CA signed, verified by TLS):
 * its subject's CN is the login and its serial the card's card_id in the iccard register; the
 * card must be the holder's and active (a card reported lost is 利用停止 and opens nothing).
 * The second factor applies as after a password; the session stays bound to the card.
 */
void ui_login_card_post(struct web_req *r)
{
	char login[CORE_MAX_ID + 1], serial[WEB_CARD_SERIAL_MAX];
	struct strbuf why = STRBUF_INIT, err = STRBUF_INIT;
	struct org_user u = { 0 };
	const char *stage = WEB_STAGE_FULL;
	int ret = 0;

	if (!web_iccard_enabled(r)) {
		web_error(r, 404, "IC card login is not set up ([iccard] ca_file)");
		goto out;
	}
	if (web_client_cert(r, login, sizeof(login), serial, &why) == 1 &&
	    core_valid_login(login) && org_user_get(r->st, login, &u, NULL) == 0 &&
	    !strcmp(u.status, USER_ACTIVE))
		ret = identity_iccard_check(r->st, u.login, serial, &why, &err);
	if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (ret == 0) {
		web_log(r, "IC card login refused: %s",
		        why.len ? why.buf : "unknown or inactive person");
		web_audit_failure(r, u.login ? u.login : "-", "login.card_fail",
		                  u.login ? u.login : "?");
		r->status = 401;
		login_page(
		    r, NULL,
		    _("Your IC card cannot log you in: it is not set in the card reader, not "
		      "registered to you, or it was reported lost or returned. Ask the "
		      "system manager."));
		goto out;
	}
	if (ui_totp_stage(r, &u, &stage, &err) < 0 ||
	    (!strcmp(stage, WEB_STAGE_FULL) &&
	     web_sessions_end_user(r->st, u.id, NULL, &err) < 0) ||
	    web_session_start_card(r, u.id, stage, serial, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (strcmp(stage, WEB_STAGE_FULL)) {
		web_redirect(r, "/login/totp");
		goto out;
	}
	web_audit(r, u.login, "login.ok", "method=iccard");
	web_redirect(r, safe_next(web_form(r, "next")));
out:
	org_user_release(&u);
	strbuf_release(&why);
	strbuf_release(&err);
}

void ui_logout_post(struct web_req *r)
{
	/* Also a session still waiting for its second factor (the route is public). */
	if (r->user)
		web_audit(r, r->user->login, "logout", NULL);
	web_session_end(r);
	web_redirect(r, "/login");
}

void ui_lang_post(struct web_req *r)
{
	int lang = i18n_lang_parse(web_form(r, "lang"));
	struct strbuf c = STRBUF_INIT;

	if (lang < 0) {
		web_error(r, 400, "unknown language");
		return;
	}
	strbuf_addf(&c, "%s=%s", WEB_COOKIE_LANG, i18n_lang_code((enum web_lang)lang));
	web_cookie_attrs(r, &c);
	strbuf_addstr(&c, "; Max-Age=31536000");
	web_header_add(r, "Set-Cookie", c.buf);
	strbuf_release(&c);
	web_redirect(r, safe_next(web_form(r, "next")));
}

static void password_page(struct web_req *r, const char *error, const char *ok)
{
	struct strbuf *o = &r->out;

	page_begin(r, _("Change password"), NAV_NONE);
	html_open(o, "section", "class", "card login", HTML_END);
	if (r->user->must_change && !ok)
		page_notice(r, "warn",
		            _("Please choose your own password before you go on. It must have at "
		              "least 12 characters, be hard to guess, and not contain your login "
		              "ID or name."));
	if (error)
		page_notice(r, "error", error);
	if (ok)
		page_notice(r, "ok", ok);
	page_form_begin(r, "/password", NULL, false);
	page_input(r, "password", "current", _("Current password"), NULL, true, "current-password");
	page_input(r, "password", "new", _("New password"), NULL, true, "new-password");
	page_input(r, "password", "again", _("New password again"), NULL, true, "new-password");
	page_submit(r, _("Change password"), NULL);
	page_form_end(r);
	html_close(o, "section");
	page_end(r);
}

/* A person linked to the directory changes their password there, never here. */
static bool directory_linked(struct web_req *r)
{
	struct org_user u = { 0 };
	bool linked = org_user_get(r->st, r->user->login, &u, NULL) == 0 && u.directory_dn;

	org_user_release(&u);
	if (linked) {
		page_begin(r, _("Change password"), NAV_NONE);
		page_notice(r, "warn",
		            _("Your password is kept by the ward's directory (LDAP / Active "
		              "Directory): change it there, as you do for your PC."));
		page_end(r);
	}
	return linked;
}

void ui_password_form(struct web_req *r)
{
	if (directory_linked(r))
		return;
	password_page(r, NULL, NULL);
}

/*
 * The current password is guessed no faster here than at the login form: false when the
 * change may go on (the attempt is counted), else true with r answered (429, or 503).
 */
static bool password_throttled(struct web_req *r, struct strbuf *err)
{
	int64_t wait = 0;
	int ret = throttle_reserve(r->st, r->user->login, true, r->remote, time_now_ms(), &wait,
	                           NULL, err);

	if (ret < 0) {
		web_error(r, 503, err->buf);
		return true;
	}
	if (ret > 0) {
		struct strbuf msg = STRBUF_INIT;
		web_audit_failure(r, r->user->login, "password.locked", r->user->login);
		r->status = 429;
		strbuf_addf(&msg,
		            _("Too many failed attempts. Wait %lld seconds before trying again."),
		            (long long)((wait + 999) / 1000));
		password_page(r, msg.buf, NULL);
		strbuf_release(&msg);
		return true;
	}
	return false;
}

/*
 * Whether cur is not the person's current password: true with r answered (400, or the
 * session ended after WEB_PASSWORD_TRIES wrong ones), false when it is.
 */
static bool current_wrong(struct web_req *r, const char *cur, struct strbuf *err)
{
	char *hash = NULL;
	int64_t tries = 0;
	bool right = org_user_password_hash(r->st, r->user->login, &hash, err) >= 0 && hash &&
	             password_verify(hash, cur);

	free(hash);
	if (right)
		return false;
	web_audit_failure(r, r->user->login, "password.fail", r->user->login);
	if (web_session_password_failed(r, &tries, err) < 0 || tries >= WEB_PASSWORD_TRIES) {
		/* Whoever holds this session does not know the password: it ends. */
		web_audit(r, r->user->login, "logout.password_guessing", NULL);
		web_session_end(r);
		web_redirect(r, "/login");
		return true;
	}
	r->status = 400;
	password_page(r, _("The current password is wrong."), NULL);
	return true;
}

/* The page again when the door did not change the password (res, err), saying why. */
static void password_refused(struct web_req *r, const struct act_result *res,
                             const struct strbuf *err)
{
	/* The door says why the new password is refused (too short, with the limit in
	 * characters; containing the login or the name; too easy to guess), citing the
	 * clause: in the reader's language, the English in the server's log. */
	char *why = web_refusal_text(r, res, _("The password cannot be changed now."));

	web_log(r, "password change refused: %s",
	        err->len       ? err->buf
	        : res->message ? res->message
	                       : "");
	r->status = res->outcome == ACT_REFUSED ? 403 : 400;
	password_page(r, why, NULL);
	free(why);
}

void ui_password_post(struct web_req *r)
{
	const char *cur = web_form(r, "current"), *nw = web_form(r, "new"),
	           *again = web_form(r, "again");
	struct strbuf err = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	const struct act_attr fields[] = { { "must_change", "0" } };
	struct act_input in = { .kind = ACT_USER_PASSWD,
		                .actor = r->user->login,
		                .target = r->user->login,
		                .fields = fields,
		                .n_fields = 1,
		                .ctx = { .via = "web", .remote = r->remote } };

	if (directory_linked(r)) {
		r->status = 400;
		goto out;
	}
	if (!cur || !nw || !again || !*nw) {
		r->status = 400;
		password_page(r, _("Fill in every field."), NULL);
		goto out;
	}
	if (password_throttled(r, &err) || current_wrong(r, cur, &err))
		goto out;
	if (throttle_ok(r->st, r->user->login, r->remote, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (strcmp(nw, again)) {
		r->status = 400;
		password_page(r, _("The two new passwords differ."), NULL);
		goto out;
	}
	if (!strcmp(nw, cur)) {
		r->status = 400;
		password_page(r, _("The new password must differ from the current one."), NULL);
		goto out;
	}
	if (!web_door(r)) {
		web_error(r, 503, "no door: the data directory has no profile");
		goto out;
	}
	in.secret = nw;
	in.error_detail = true; /* the result is released whatever act_run returns */
	if (act_run(web_door(r), &in, &res, &err) < 0 || res.outcome != ACT_DONE) {
		password_refused(r, &res, &err);
		goto out;
	}
	/* Other sessions of this person end; this one goes on with a new token. */
	if (web_sessions_end_user(r->st, r->user->id, NULL, &err) < 0 ||
	    web_session_start(r, r->user->id, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	r->user->must_change = false;
	password_page(r, NULL, _("Your password has been changed."));
out:
	act_result_release(&res);
	strbuf_release(&err);
}
