/* ui-totp: the second login factor: enrolment by QR code, codes, recovery codes. */
#include <errno.h>
#include <qrencode.h>
#include <sodium.h>
#include <string.h>

#include "auth/totp.h"
#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/identity.h"
#include "core/org.h"
#include "core/throttle.h"
#include "web/page.h"
#include "web/route.h"
#include "web/session.h"

/*
 * The shared secret is kept sealed (XSalsa20-Poly1305) under a key derived from the server's
 * key (web_secret_key): on SQLite DIR/web.secret, so a copy of the database alone yields no
 * codes; on PostgreSQL the database's secret 'web', which every node shares (a copy of that
 * database with its secrets table does open them: docs/operations.md). Sealed: nonce || box.
 */
#define SEAL_LABEL   "mamori-totp-v1"
#define SEALED_BYTES (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + TOTP_SECRET_BYTES)

static void seal(const uint8_t secret[TOTP_SECRET_BYTES], struct strbuf *out)
{
	unsigned char key[crypto_secretbox_KEYBYTES], box[SEALED_BYTES];

	web_secret_key(SEAL_LABEL, key);
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, secret, TOTP_SECRET_BYTES, box,
	                      key);
	strbuf_add(out, box, sizeof(box));
	sodium_memzero(key, sizeof(key));
}

static int unseal(const struct strbuf *sealed, uint8_t secret[TOTP_SECRET_BYTES])
{
	unsigned char key[crypto_secretbox_KEYBYTES];
	const unsigned char *b = (const unsigned char *)sealed->buf;
	int r = -EPROTO;

	if (sealed->len != SEALED_BYTES)
		return -EPROTO;
	web_secret_key(SEAL_LABEL, key);
	if (crypto_secretbox_open_easy(secret, b + crypto_secretbox_NONCEBYTES,
	                               sealed->len - crypto_secretbox_NONCEBYTES, b, key) == 0)
		r = 0;
	sodium_memzero(key, sizeof(key));
	return r;
}

int ui_totp_stage(struct web_req *r, const struct org_user *u, const char **ret_stage,
                  struct strbuf *err)
{
	struct strv roles = STRV_INIT;
	int r2;

	*ret_stage = WEB_STAGE_FULL;
	r2 = identity_totp_enrolled(r->st, u->id, err);
	if (r2 < 0)
		return r2;
	if (r2 > 0) {
		/* Whoever set up an authenticator uses it, whatever their roles now. */
		*ret_stage = WEB_STAGE_TOTP;
		return 0;
	}
	r2 = org_user_roles(r->st, u->id, time_now_ms(), &roles, err);
	for (size_t i = 0; r2 == 0 && i < roles.nr; i++)
		if (web_totp_role_listed(r, roles.items[i]))
			*ret_stage = WEB_STAGE_ENROL;
	strv_release(&roles);
	return r2;
}

/* The QR code as inline SVG: one path of the dark modules, row runs as rectangles. */
static void qr_svg(struct strbuf *o, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	struct strbuf d = STRBUF_INIT_SECRET, vb = STRBUF_INIT;
	int w;

	if (!qr)
		return;
	w = qr->width;
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			int run = 0;
			while (x + run < w && (qr->data[y * w + x + run] & 1))
				run++;
			if (run) {
				strbuf_addf(&d, "M%d %dh%dv1h-%dz", x + 4, y + 4, run, run);
				x += run;
			} else {
				x++;
			}
		}
	}
	strbuf_addf(&vb, "0 0 %d %d", w + 8, w + 8);
	html_open(o, "svg", "xmlns", "http://www.w3.org/2000/svg", "viewBox", vb.buf, "width",
	          "240", "height", "240", "role", "img", "aria-label",
	          _("QR code for the authenticator app"), "class", "qr", HTML_END);
	html_void(o, "rect", "width", "100%", "height", "100%", "fill", "#fff", HTML_END);
	html_void(o, "path", "d", d.buf, "fill", "#000", HTML_END);
	html_close(o, "svg");
	sodium_memzero(qr->data, (size_t)w * (size_t)w);
	QRcode_free(qr);
	strbuf_release_secret(&d);
	strbuf_release(&vb);
}

static void code_form(struct web_req *r)
{
	struct strbuf *o = &r->out;

	page_form_begin(r, "/login/totp", NULL, false);
	page_input(r, "text", "code", _("Code from the authenticator app (6 digits)"), NULL, true,
	           "one-time-code");
	page_submit(r, _("Confirm"), NULL);
	page_form_end(r);
	page_form_begin(r, "/logout", "inline", false);
	page_submit(r, _("Cancel and log out"), "secondary");
	page_form_end(r);
	(void)o;
}

/* The enrolment part of the page: the QR code and the key of the secret being set up. */
static int enrol_part(struct web_req *r, struct strbuf *err)
{
	struct strbuf *o = &r->out;
	struct strbuf sealed = STRBUF_INIT_SECRET, b32 = STRBUF_INIT_SECRET,
	              uri = STRBUF_INIT_SECRET;
	struct org_user u = { 0 };
	uint8_t secret[TOTP_SECRET_BYTES];
	int ret;

	ret = org_user_get_id(r->st, r->pending_user_id, &u, err);
	if (ret == 0)
		ret = web_session_pending_secret(r, &sealed, false, err);
	if (ret < 0)
		goto out;
	/* Drawn once per waiting session, so reloading the page shows the same code. */
	if (!sealed.len || unseal(&sealed, secret) < 0) {
		totp_secret_new(secret);
		strbuf_reset(&sealed);
		seal(secret, &sealed);
		if ((ret = web_session_pending_secret(r, &sealed, true, err)) < 0)
			goto out;
	}
	if ((ret = totp_secret_base32(secret, &b32)) < 0) {
		error_set(err, "cannot write the secret in base32");
		goto out;
	}
	totp_uri(&uri, web_totp_issuer(r), u.login, b32.buf);
	web_out_secret(r);
	html_elem(o, "p",
	          _("Your role needs a second factor. Scan this QR code with an authenticator app "
	            "(or type the key below), then enter the code it shows."),
	          HTML_END);
	qr_svg(o, uri.buf);
	html_open(o, "p", HTML_END);
	html_text(o, _("Key: "));
	html_elem(o, "code", b32.buf, "class", "totp-key", HTML_END);
	html_close(o, "p");
out:
	sodium_memzero(secret, sizeof(secret));
	strbuf_release_secret(&sealed);
	strbuf_release_secret(&b32);
	strbuf_release_secret(&uri);
	org_user_release(&u);
	return ret;
}

static void totp_page(struct web_req *r, const char *error)
{
	struct strbuf *o = &r->out, err = STRBUF_INIT;

	page_begin(r, _("Second factor"), NAV_NONE);
	html_open(o, "section", "class", "card login", HTML_END);
	if (error)
		page_notice(r, "error", error);
	if (!strcmp(r->pending_stage, WEB_STAGE_TOTP)) {
		html_elem(
		    o, "p",
		    _("Enter the 6-digit code your authenticator app shows for Mamori. If you "
		      "lost the device, enter one of your recovery codes instead."),
		    HTML_END);
	} else if (enrol_part(r, &err) < 0) {
		page_notice(r, "error", _("The second factor cannot be set up now."));
		web_log(r, "totp enrolment: %s", err.buf);
	}
	code_form(r);
	html_close(o, "section");
	page_end(r);
	strbuf_release(&err);
}

void ui_totp_form(struct web_req *r)
{
	if (r->user) {
		web_redirect(r, "/");
		return;
	}
	if (!r->pending_user_id) {
		web_redirect(r, "/login");
		return;
	}
	totp_page(r, NULL);
}

static void recovery_page(struct web_req *r, char codes[TOTP_RECOVERY_N][TOTP_RECOVERY_SIZE],
                          bool must_change)
{
	struct strbuf *o = &r->out;

	web_out_secret(r);
	page_begin(r, _("Recovery codes"), NAV_NONE);
	html_open(o, "section", "class", "card login", HTML_END);
	page_notice(r, "ok", _("The second factor is set up."));
	html_elem(o, "p",
	          _("Keep these recovery codes on paper in a safe place. Each logs you in once "
	            "without the app. They are shown only now."),
	          HTML_END);
	html_open(o, "ol", "class", "recovery-codes", HTML_END);
	for (int i = 0; i < TOTP_RECOVERY_N; i++)
		html_elem(o, "li", codes[i], HTML_END);
	html_close(o, "ol");
	html_open(o, "p", HTML_END);
	html_elem(o, "a", _("Continue"), "href", must_change ? "/password" : "/", HTML_END);
	html_close(o, "p");
	html_close(o, "section");
	page_end(r);
}

/* Digits as typed: spaces people put between groups do not matter. */
static void digits_of(const char *code, char out[16])
{
	size_t n = 0;

	for (const char *p = code ? code : ""; *p && n < 15; p++)
		if (*p != ' ')
			out[n++] = *p;
	out[n] = '\0';
}

/* The enrolment: the code proves the app holds the secret; the door keeps it. */
static int enrol_confirm(struct web_req *r, const struct org_user *u, const char *digits,
                         char codes[TOTP_RECOVERY_N][TOTP_RECOVERY_SIZE], struct strbuf *err)
{
	struct strbuf sealed = STRBUF_INIT_SECRET;
	uint8_t secret[TOTP_SECRET_BYTES];
	char hex[TOTP_RECOVERY_N][65];
	struct act_attr fields[TOTP_RECOVERY_N];
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_TOTP_ENROL,
		                .actor = u->login,
		                .target = u->login,
		                .fields = fields,
		                .n_fields = TOTP_RECOVERY_N,
		                .ctx = { .via = "web", .remote = r->remote } };
	int64_t step = 0;
	int ret;

	ret = web_session_pending_secret(r, &sealed, false, err);
	if (ret < 0)
		goto out;
	if (!sealed.len || unseal(&sealed, secret) < 0) {
		ret = -EACCES; /* no secret was shown in this session */
		goto out;
	}
	ret = totp_verify(secret, digits, time_now_ms() / 1000, 0, &step);
	if (ret < 0) {
		ret = -EACCES;
		goto out;
	}
	for (int i = 0; i < TOTP_RECOVERY_N; i++) {
		totp_recovery_new(codes[i]);
		totp_recovery_digest(codes[i], hex[i]);
		fields[i] = (struct act_attr){ "recovery", hex[i] };
	}
	in.blob = sealed.buf;
	in.blob_len = sealed.len;
	if (!web_door(r)) {
		error_set(err, "no door: the data directory has no profile");
		ret = -EIO;
		goto out;
	}
	ret = act_run(web_door(r), &in, &res, err);
	if (ret == 0 && res.outcome != ACT_DONE) {
		error_set(err, "%s", res.message ? res.message : "refused");
		ret = -EPERM;
	}
	/* The code that confirmed the enrolment cannot log in a second time. */
	if (ret == 0)
		ret = identity_totp_step(r->st, u->id, step, err);
out:
	sodium_memzero(secret, sizeof(secret));
	sodium_memzero(hex, sizeof(hex));
	strbuf_release_secret(&sealed);
	act_result_release(&res);
	return ret;
}

/* A code (or a recovery code) of an enrolled person. ret_how: "totp" or "recovery". */
static int code_check(struct web_req *r, const struct org_user *u, const char *typed,
                      const char *digits, const char **ret_how, struct strbuf *err)
{
	struct strbuf sealed = STRBUF_INIT_SECRET;
	uint8_t secret[TOTP_SECRET_BYTES];
	char hex[65];
	int64_t last = 0, step = 0, left = 0;
	int ret;

	ret = identity_totp_get(r->st, u->id, &sealed, &last, err);
	if (ret <= 0) {
		if (ret == 0)
			error_set(err, "'%s' has no authenticator any more", u->login);
		ret = ret < 0 ? ret : -ENOENT;
		goto out;
	}
	if (unseal(&sealed, secret) < 0) {
		error_set(err,
		          "the stored TOTP secret of '%s' does not open with this server's key "
		          "(%s, or the database's secret 'web')",
		          u->login, WEB_SECRET_FILE);
		ret = -EPROTO;
		goto out;
	}
	ret = totp_verify(secret, digits, time_now_ms() / 1000, last, &step);
	if (ret == 0)
		ret = identity_totp_step(r->st, u->id, step, err);
	if (ret == 0) {
		*ret_how = "totp";
		goto out;
	}
	if (ret != -EACCES && ret != -EINVAL)
		goto out;
	ret = -EACCES;
	if (totp_recovery_digest(typed, hex) == 0) {
		ret = identity_recovery_use(r->st, u->id, hex, time_now_ms(), &left, err);
		if (ret == 0)
			*ret_how = "recovery";
	}
out:
	sodium_memzero(secret, sizeof(secret));
	strbuf_release_secret(&sealed);
	return ret;
}

void ui_totp_post(struct web_req *r)
{
	const char *code = web_form(r, "code"), *how = "totp";
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	struct org_user u = { 0 };
	char codes[TOTP_RECOVERY_N][TOTP_RECOVERY_SIZE], digits[16];
	int64_t wait = 0;
	bool enrol;
	int ret;

	if (r->user) {
		web_redirect(r, "/");
		return;
	}
	if (!r->pending_user_id) {
		web_redirect(r, "/login");
		return;
	}
	if (!code || strlen(code) > 64) {
		r->status = 400;
		totp_page(r, _("Enter the code."));
		return;
	}
	enrol = !strcmp(r->pending_stage, WEB_STAGE_ENROL);
	if (org_user_get_id(r->st, r->pending_user_id, &u, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	/* Codes are guessed no faster than passwords: the same throttle, by login. */
	ret = throttle_reserve(r->st, u.login, true, r->remote, time_now_ms(), &wait, NULL, &err);
	if (ret < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	if (ret > 0) {
		web_audit_failure(r, u.login, "login.totp_locked", u.login);
		r->status = 429;
		strbuf_addf(&msg,
		            _("Too many failed attempts. Wait %lld seconds before trying again."),
		            (long long)((wait + 999) / 1000));
		totp_page(r, msg.buf);
		goto out;
	}
	digits_of(code, digits);
	ret = enrol ? enrol_confirm(r, &u, digits, codes, &err)
	            : code_check(r, &u, code, digits, &how, &err);
	if (ret == -EACCES) {
		web_audit_failure(r, u.login, "login.totp_fail", u.login);
		r->status = 401;
		totp_page(r, _("The code is wrong or was used already. Wait for the next code."));
		goto out;
	}
	if (ret < 0 || throttle_ok(r->st, u.login, r->remote, &err) < 0 ||
	    web_session_promote(r, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&msg, "second_factor=%s", how);
	web_audit(r, u.login, "login.ok", msg.buf);
	if (enrol)
		recovery_page(r, codes, u.must_change);
	else
		web_redirect(r, u.must_change ? "/password" : "/");
out:
	sodium_memzero(codes, sizeof(codes));
	org_user_release(&u);
	strbuf_release(&err);
	strbuf_release(&msg);
}
