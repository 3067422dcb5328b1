/* page: the frame every page shares (header, navigation, language switch) and form helpers. */
#include <stdio.h>
#include <string.h>

#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/core.h"
#include "policy/policy.h"
#include "web/page.h"
#include "web/ui.h"
#include "web/session.h"

struct nav_item {
	enum page_nav id;
	const char *href;
	const char *label; /* N_() */
	bool admin;
	bool (*shown)(struct web_req *r); /* NULL: for everyone */
};

static const struct nav_item nav_items[] = {
	{ NAV_HOME, "/", N_("Dashboard"), false, NULL },
	{ NAV_INBOX, "/inbox", N_("Inbox"), false, NULL },
	{ NAV_REGISTERS, "/registers", N_("Registers"), false, NULL },
	{ NAV_REQUESTS, "/requests", N_("Requests"), false, NULL },
	{ NAV_TAKEOUTS, "/takeouts", N_("Taken out"), false, NULL },
	{ NAV_DUTIES, "/duties", N_("Duties"), false, NULL },
	{ NAV_AUDITS, "/audits", N_("Audits"), false, NULL },
	{ NAV_INSPECTIONS, "/inspections", N_("Self-inspections"), false, NULL },
	{ NAV_RISKS, "/risks", N_("Risks"), false, NULL },
	{ NAV_INCIDENTS, "/incidents", N_("Incidents"), false, NULL },
	{ NAV_POLICY, "/policy", N_("Policy"), false, NULL },
	{ NAV_ALERTS, "/alerts", N_("Alerts"), false, ui_alerts_reader },
	{ NAV_LOGS, "/logs", N_("Logs"), false, ui_logs_reader },
	{ NAV_FIM, "/fim", N_("File integrity"), false, ui_fim_reader },
	{ NAV_LEDGER, "/ledger", N_("Ledger"), false, NULL },
	{ NAV_ADMIN, "/admin", N_("Administration"), true, NULL },
};

static void lang_switch(struct web_req *r)
{
	struct strbuf *o = &r->out;
	bool ja = r->lang == WEB_LANG_JA;

	page_form_begin(r, "/lang", "lang", false);
	html_void(o, "input", "type", "hidden", "name", "next", "value", r->path, HTML_END);
	html_void(o, "input", "type", "hidden", "name", "lang", "value", ja ? "en" : "ja",
	          HTML_END);
	/* Each language names itself, so a reader of the other one finds it. */
	html_elem(o, "button", ja ? "English" : "日本語", "type", "submit", "lang",
	          ja ? "en" : "ja", HTML_END);
	page_form_end(r);
}

void page_begin(struct web_req *r, const char *title, enum page_nav nav)
{
	struct strbuf *o = &r->out;
	struct strbuf full = STRBUF_INIT;

	web_csrf_prepare(r);
	r->status = r->status ? r->status : 200;
	r->content_type_out = "text/html; charset=utf-8";
	strbuf_reset(o);
	strbuf_addf(&full, "%s - %s", title, _("Mamori"));
	html_document_begin(o, i18n_lang_code(r->lang), full.buf, "/static/mamori.css");
	strbuf_release(&full);
	/* The first thing a keyboard or a screen reader meets: past the header and menus. */
	html_elem(o, "a", _("Skip to the main content"), "href", "#main", "class", "skip-link",
	          HTML_END);

	html_open(o, "header", "class", "top", HTML_END);
	html_open(o, "div", "class", "brand", HTML_END);
	html_elem(o, "a", _("Mamori"), "href", "/", "class", "logo", HTML_END);
	if (r->profile)
		html_elem(o, "span",
		          r->profile->municipality ? r->profile->municipality : r->profile->title,
		          "class", "ward", HTML_END);
	html_close(o, "div");
	if (r->user && !r->user->must_change) {
		html_open(o, "nav", "aria-label", _("Main"), HTML_END);
		html_open(o, "ul", HTML_END);
		for (size_t i = 0; i < sizeof(nav_items) / sizeof(nav_items[0]); i++) {
			const struct nav_item *n = &nav_items[i];
			if ((n->admin && !r->user->admin) || (n->shown && !n->shown(r)))
				continue;
			html_open(o, "li", HTML_END);
			html_elem(o, "a", _(n->label), "href", n->href, "aria-current",
			          n->id == nav ? "page" : NULL, HTML_END);
			html_close(o, "li");
		}
		html_close(o, "ul");
		html_close(o, "nav");
	}
	html_open(o, "div", "class", "who", HTML_END);
	lang_switch(r);
	if (r->user) {
		html_elem(o, "span", r->user->name, "class", "user", "title", r->user->login,
		          HTML_END);
		page_form_begin(r, "/logout", "logout", false);
		page_submit(r, _("Log out"), "link");
		page_form_end(r);
	}
	html_close(o, "div");
	html_close(o, "header");
	html_open(o, "main", "id", "main", "tabindex", "-1", HTML_END);
	html_elem(o, "h1", title, HTML_END);
}

void page_end(struct web_req *r)
{
	struct strbuf *o = &r->out;

	html_close(o, "main");
	html_open(o, "footer", HTML_END);
	html_text(o, _("Mamori: the ward's information security standards, run as software."));
	if (r->profile) {
		strbuf_addch(o, ' ');
		html_open(o, "span", "class", "profile", HTML_END);
		html_textf(o, "%s %s", r->profile->title ? r->profile->title : r->profile->id,
		           r->profile->source_revision ? r->profile->source_revision : "");
		html_close(o, "span");
	}
	html_close(o, "footer");
	html_document_end(o);
}

void page_form_begin(struct web_req *r, const char *action, const char *cls, bool multipart)
{
	web_csrf_prepare(r);
	html_open(&r->out, "form", "method", "post", "action", action, "class", cls, "enctype",
	          multipart ? "multipart/form-data" : NULL, HTML_END);
	html_void(&r->out, "input", "type", "hidden", "name", "csrf", "value", r->csrf, HTML_END);
}

void page_form_end(struct web_req *r)
{
	html_close(&r->out, "form");
}

void page_input(struct web_req *r, const char *type, const char *name, const char *label,
                const char *value, bool required, const char *autocomplete)
{
	struct strbuf *o = &r->out;
	struct strbuf id = STRBUF_INIT;

	strbuf_addf(&id, "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id.buf, HTML_END);
	html_void(o, "input", "type", type, "id", id.buf, "name", name, "value", value, "required",
	          required ? "" : NULL, "autocomplete", autocomplete, HTML_END);
	html_close(o, "div");
	strbuf_release(&id);
}

void page_comment(struct web_req *r, const char *id, const char *label, const char *value,
                  bool required)
{
	struct strbuf *o = &r->out;
	struct strbuf hint = STRBUF_INIT;
	char max[16];

	snprintf(max, sizeof(max), "%d", CORE_MAX_COMMENT);
	strbuf_addf(&hint, "%s-limit", id);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id, HTML_END);
	html_open(o, "textarea", "name", "comment", "id", id, "required", required ? "" : NULL,
	          "maxlength", max, "aria-describedby", hint.buf, HTML_END);
	html_text(o, value);
	html_close(o, "textarea");
	html_open(o, "div", "class", "hint", "id", hint.buf, HTML_END);
	html_textf(o, _("Up to %d characters."), CORE_MAX_COMMENT);
	html_close(o, "div");
	html_close(o, "div");
	strbuf_release(&hint);
}

const char *web_comment(const struct web_req *r, bool *ret_too_long)
{
	const char *c = web_form(r, "comment");

	*ret_too_long = false;
	if (!c || utf8_blank(c))
		return NULL;
	if (utf8_length(c) > CORE_MAX_COMMENT) {
		*ret_too_long = true;
		return NULL;
	}
	return c;
}

void page_comment_too_long(const struct web_req *r, struct strbuf *out)
{
	const char *c = web_form(r, "comment");

	strbuf_addf(out, _("The comment has %zu characters; it may have at most %d."),
	            c ? utf8_length(c) : 0, CORE_MAX_COMMENT);
}

void page_submit(struct web_req *r, const char *label, const char *cls)
{
	html_elem(&r->out, "button", label, "type", "submit", "class", cls, HTML_END);
}

void page_confirm(struct web_req *r, const char *label)
{
	struct strbuf *o = &r->out;

	html_open(o, "div", "class", "field confirm", HTML_END);
	html_void(o, "input", "type", "checkbox", "id", "f-confirm", "name", "confirm", "value",
	          "1", "required", "", HTML_END);
	html_elem(o, "label", label, "for", "f-confirm", HTML_END);
	html_close(o, "div");
}

bool web_confirmed(const struct web_req *r)
{
	const char *c = web_form(r, "confirm");

	return c && !strcmp(c, "1");
}

void page_notice(struct web_req *r, const char *kind, const char *text)
{
	struct strbuf cls = STRBUF_INIT;

	strbuf_addf(&cls, "notice %s", kind);
	html_elem(&r->out, "p", text, "class", cls.buf, "role",
	          strcmp(kind, "error") ? "status" : "alert", HTML_END);
	strbuf_release(&cls);
}

void page_time(struct strbuf *out, int64_t ms)
{
	/* one buffer for both texts (lists show a time on every row) */
	struct strbuf tmp = STRBUF_INIT;

	time_format_rfc3339(&tmp, ms);
	html_open(out, "time", "datetime", tmp.buf, HTML_END);
	strbuf_reset(&tmp);
	if (i18n_lang() == WEB_LANG_JA) {
		time_format_wareki(&tmp, ms, TOKYO_OFFSET_MS);
		strbuf_addch(&tmp, ' ');
		time_format_clock(&tmp, ms, TOKYO_OFFSET_MS);
	} else {
		time_format_local(&tmp, ms, TOKYO_OFFSET_MS);
		strbuf_addstr(&tmp, " JST");
	}
	html_text(out, tmp.buf);
	html_close(out, "time");
	strbuf_release(&tmp);
}

void page_date(struct strbuf *out, int64_t ms)
{
	struct strbuf iso = STRBUF_INIT, shown = STRBUF_INIT;

	time_format_rfc3339(&iso, ms);
	if (i18n_lang() == WEB_LANG_JA) {
		time_format_wareki(&shown, ms, TOKYO_OFFSET_MS);
	} else {
		time_format_local(&shown, ms, TOKYO_OFFSET_MS);
		strbuf_setlen(&shown, shown.len > 10 ? 10 : shown.len);
	}
	html_open(out, "time", "datetime", iso.buf, HTML_END);
	html_text(out, shown.buf);
	html_close(out, "time");
	strbuf_release(&iso);
	strbuf_release(&shown);
}

void page_ymd(struct strbuf *out, const char *ymd)
{
	struct strbuf shown = STRBUF_INIT;
	int64_t ms;

	if (!ymd || strlen(ymd) != 10 || core_parse_local_date(ymd, &ms) < 0) {
		html_text(out, ymd ? ymd : "—");
		return;
	}
	if (i18n_lang() == WEB_LANG_JA)
		time_format_wareki(&shown, ms, TOKYO_OFFSET_MS);
	else
		strbuf_addstr(&shown, ymd);
	html_open(out, "time", "datetime", ymd, HTML_END);
	html_text(out, shown.buf);
	html_close(out, "time");
	if (i18n_lang() == WEB_LANG_JA) {
		html_open(out, "span", "class", "iso", HTML_END);
		html_textf(out, " (%s)", ymd);
		html_close(out, "span");
	}
	strbuf_release(&shown);
}

void page_link(struct strbuf *out, const char *url, const char *text)
{
	html_elem(out, "a", text, "href", url, HTML_END);
}
