/* ui-locks: the login locks in force, why, and lifting one (the administrator's page). */
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/throttle.h"
#include "web/page.h"
#include "web/route.h"
#include "web/session.h"

static void locks_page(struct web_req *r, const char *ok, const char *error)
{
	struct strbuf *o = &r->out, err = STRBUF_INIT, why = STRBUF_INIT;
	struct throttle_lock *v = NULL;
	size_t nr = 0;

	page_begin(r, _("Login locks"), NAV_ADMIN);
	if (ok)
		page_notice(r, "ok", ok);
	if (error)
		page_notice(r, "error", error);
	html_elem(o, "p",
	          _("A login is locked for a while after repeated wrong passwords; a client "
	            "address is locked when many different logins fail from it. Lifting a lock "
	            "lets the next attempt be checked at once; it is recorded in the ledger."),
	          HTML_END);
	if (throttle_locks_list(r->st, time_now_ms(), &v, &nr, &err) < 0) {
		page_notice(r, "error", _("The locks cannot be read now."));
		web_log(r, "reading locks: %s", err.buf);
	} else if (!nr) {
		html_elem(o, "p", _("No login or address is locked now."), HTML_END);
	} else {
		html_open(o, "table", HTML_END);
		html_open(o, "tr", HTML_END);
		html_elem(o, "th", _("Locked"), HTML_END);
		html_elem(o, "th", _("Reason"), HTML_END);
		html_elem(o, "th", _("Last attempt"), HTML_END);
		html_elem(o, "th", _("Locked until"), HTML_END);
		html_elem(o, "th", "", HTML_END);
		html_close(o, "tr");
		for (size_t i = 0; i < nr; i++) {
			const char *shown = v[i].key;
			html_open(o, "tr", HTML_END);
			strbuf_reset(&why);
			if (v[i].address) {
				shown++;
				strbuf_addf(&why,
				            _("%lld different logins failed from this address"),
				            (long long)v[i].failures);
			} else {
				if (shown[0] == '?')
					shown++;
				strbuf_addf(&why, _("%lld wrong passwords in a row"),
				            (long long)v[i].failures);
			}
			html_open(o, "td", HTML_END);
			html_text(o, v[i].address ? _("Address") : _("Login ID"));
			html_text(o, " ");
			html_elem(o, "code", shown, HTML_END);
			html_close(o, "td");
			html_elem(o, "td", why.buf, HTML_END);
			html_open(o, "td", HTML_END);
			page_time(o, v[i].last_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			page_time(o, v[i].until_ms);
			html_close(o, "td");
			html_open(o, "td", HTML_END);
			page_form_begin(r, "/admin/locks/lift", "inline", false);
			html_void(o, "input", "type", "hidden", "name", "key", "value", v[i].key,
			          HTML_END);
			page_submit(r, _("Lift the lock"), NULL);
			page_form_end(r);
			html_close(o, "td");
			html_close(o, "tr");
		}
		html_close(o, "table");
	}
	page_end(r);
	throttle_locks_free(v, nr);
	strbuf_release(&err);
	strbuf_release(&why);
}

void ui_admin_locks(struct web_req *r)
{
	locks_page(r, NULL, NULL);
}

void ui_admin_locks_lift(struct web_req *r)
{
	const char *key = web_form(r, "key");
	struct strbuf err = STRBUF_INIT, d = STRBUF_INIT;

	if (!key || !*key || strlen(key) > 100) {
		r->status = 400;
		locks_page(r, NULL, _("No such lock."));
		goto out;
	}
	if (throttle_lock_lift(r->st, key, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	strbuf_addf(&d, "lock=%s", key);
	web_audit(r, r->user->login, "lock.lift", d.buf);
	locks_page(r, _("The lock is lifted."), NULL);
out:
	strbuf_release(&err);
	strbuf_release(&d);
}
