/* ui-duties: the periodic duties in the browser: mine and a section's, with due dates as
 * offices write them, overdue first; recording one as done with evidence or a file. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/attach.h"
#include "core/core.h"
#include "core/duties.h"
#include "core/org.h"
#include "web/http-internal.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

#define DAY_MS (24LL * 3600 * 1000)
/* Duties due within this many days show on the dashboard. */
#define DUTY_SOON_DAYS 30

static bool owes(const struct web_req *r, const struct duty_status *x)
{
	return strv_has(&x->owed_by, r->user->login);
}

/* "税務課", "国民健康保険システム", "全庁" for a scope. Owned. */
static char *scope_label(struct web_req *r, const char *scope)
{
	char *n = org_scope_name(r->st, scope);

	return n ? n : xstrdup(_("whole ward"));
}

/* The people who owe it, by name. */
static void owed_names(struct web_req *r, const struct duty_status *x, struct strbuf *out)
{
	for (size_t i = 0; i < x->owed_by.nr; i++) {
		struct org_user u = { 0 };
		if (i)
			strbuf_addstr(out, _(", "));
		if (org_user_get(r->st, x->owed_by.items[i], &u, NULL) == 0)
			strbuf_addstr(out, u.name);
		else
			strbuf_addstr(out, x->owed_by.items[i]);
		org_user_release(&u);
	}
}

/* 期限超過 N日 / あと N日 / 今日まで. */
static void due_state(struct web_req *r, const struct duty_status *x, int64_t now)
{
	struct strbuf *o = &r->out;
	struct strbuf s = STRBUF_INIT;

	if (x->due) {
		strbuf_addf(&s, _("%lld days overdue"),
		            (long long)((now - x->next_due_ms) / DAY_MS + 1));
		html_elem(o, "strong", s.buf, "class", "overdue", HTML_END);
	} else if ((x->next_due_ms - now) / DAY_MS == 0) {
		html_elem(o, "strong", _("due today"), HTML_END);
	} else {
		strbuf_addf(&s, _("in %lld days"), (long long)((x->next_due_ms - now) / DAY_MS));
		html_text(o, s.buf);
	}
	strbuf_release(&s);
}

static void duty_table(struct web_req *r, const struct duty_list *l, bool mine, const char *section)
{
	struct strbuf *o = &r->out;
	int64_t now = time_now_ms();
	unsigned shown = 0;

	html_open(o, "table", "class", "duties", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Duty"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Where"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Owed by"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Last done"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Next due"), "scope", "col", HTML_END);
	html_elem(o, "th", _("State"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Record"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct duty_status *x = &l->items[i];
		struct strbuf who = STRBUF_INIT, url = STRBUF_INIT, next = STRBUF_INIT;
		char *where;
		if (mine && !owes(r, x))
			continue;
		if (!mine && section &&
		    (strcmp(section, "org") ? !x->section || strcmp(x->section, section)
		                            : strcmp(x->scope, "org")))
			continue;
		where = scope_label(r, x->scope);
		owed_names(r, x, &who);
		html_open(o, "tr", "class", x->due ? "overdue" : NULL, HTML_END);
		html_open(o, "td", HTML_END);
		html_text(o, x->duty->name ? x->duty->name : x->duty->id);
		html_open(o, "div", "class", "cite", HTML_END);
		for (unsigned k = 0; k < x->duty->clauses.nr && k < 3; k++) {
			ui_clause(r, x->duty->clauses.items[k]->id);
			strbuf_addch(o, ' ');
		}
		html_close(o, "div");
		html_close(o, "td");
		html_elem(o, "td", where, HTML_END);
		html_elem(o, "td", who.len ? who.buf : "—", "class", "nowrap", HTML_END);
		html_open(o, "td", HTML_END);
		if (x->last_done_ms) {
			page_date(o, x->last_done_ms);
			if (x->last_done_by) {
				struct org_user u = { 0 };
				if (org_user_get(r->st, x->last_done_by, &u, NULL) == 0) {
					strbuf_addch(o, ' ');
					html_text(o, u.name);
				}
				org_user_release(&u);
			}
		} else {
			html_text(o, _("never done"));
		}
		ui_fim_duty_result(r, x);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		core_format_local_date(&next, x->next_due_ms);
		page_ymd(o, next.buf);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		due_state(r, x, now);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		if (owes(r, x)) {
			strbuf_addstr(&url, "/duties/done");
			html_url_query(&url, "duty", x->duty->id);
			html_url_query(&url, "scope", x->scope);
			page_link(o, url.buf, _("Record as done"));
		}
		html_close(o, "td");
		html_close(o, "tr");
		free(where);
		strbuf_release(&who);
		strbuf_release(&url);
		strbuf_release(&next);
		shown++;
	}
	html_close(o, "table");
	if (!shown)
		html_elem(o, "p", _("None."), HTML_END);
}

void ui_duties(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct duty_list l = { 0 };
	struct org_sections secs = { 0 };
	const char *section = web_query(r, "section");

	if (!web_door(r)) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (!section || !*section)
		section = r->user->section ? r->user->section : "org";
	if (duties_compute_on(r->st, r->profile, time_now_ms(), &l, &err) < 0 ||
	    org_sections_list(r->st, &secs, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	duty_list_sort_due(&l);
	page_begin(r, _("Duties"), NAV_DUTIES);
	web_notice_from_query(r);
	html_elem(o, "p",
	          _("The periodic duties the standards require (checks, backups, trainings, "
	            "reviews): who owes them where, when each is next due. Overdue ones come "
	            "first."),
	          "class", "cite", HTML_END);
	html_elem(o, "h2", _("My duties"), "id", "mine", HTML_END);
	duty_table(r, &l, true, NULL);
	html_open(o, "p", "class", "noprint", HTML_END);
	ui_csv_links(r, "/duties.csv?mine=1");
	html_close(o, "p");
	html_elem(o, "h2", _("Duties by section"), "id", "section", HTML_END);
	html_open(o, "form", "method", "get", "action", "/duties", "class", "filters", HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Section"), "for", "f-section", HTML_END);
	html_open(o, "select", "id", "f-section", "name", "section", HTML_END);
	html_elem(o, "option", _("whole ward"), "value", "org", "selected",
	          !strcmp(section, "org") ? "" : NULL, HTML_END);
	for (size_t i = 0; i < secs.nr; i++)
		html_elem(o, "option", secs.items[i].name, "value", secs.items[i].id, "selected",
		          !strcmp(section, secs.items[i].id) ? "" : NULL, HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	page_submit(r, _("Show"), "secondary");
	html_close(o, "form");
	duty_table(r, &l, false, section);
	{
		struct strbuf base = STRBUF_INIT;
		strbuf_addstr(&base, "/duties.csv");
		html_url_query(&base, "section", section);
		html_open(o, "p", "class", "noprint", HTML_END);
		ui_csv_links(r, base.buf);
		html_close(o, "p");
		strbuf_release(&base);
	}
	page_end(r);
out:
	duty_list_release(&l);
	org_sections_release(&secs);
	strbuf_release(&err);
}

/* The duty at scope the form names, if the user owes it; else NULL (and a 404 answered). */
static const struct duty_status *owed_duty(struct web_req *r, const struct duty_list *l,
                                           const char *duty, const char *scope)
{
	for (size_t i = 0; duty && scope && i < l->nr; i++)
		if (!strcmp(l->items[i].duty->id, duty) && !strcmp(l->items[i].scope, scope) &&
		    owes(r, &l->items[i]))
			return &l->items[i];
	web_error(r, 404, "no such duty owed by this user there");
	return NULL;
}

static void done_form(struct web_req *r, const struct duty_status *x, const char *error,
                      const struct act_result *refused)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, today = STRBUF_INIT, hint = STRBUF_INIT;
	const char *ev = web_form(r, "evidence"), *done_on = web_form(r, "done_on");
	char *where = scope_label(r, x->scope);

	strbuf_addf(&title, _("Record as done: %s"), x->duty->name ? x->duty->name : x->duty->id);
	page_begin(r, title.buf, NAV_DUTIES);
	if (error)
		page_notice(r, "error", error);
	if (refused)
		web_refusal(r, refused);
	html_open(o, "section", "class", "card", HTML_END);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("Where"), HTML_END);
	html_elem(o, "dd", where, HTML_END);
	html_elem(o, "dt", _("Clauses"), HTML_END);
	html_open(o, "dd", HTML_END);
	for (unsigned k = 0; k < x->duty->clauses.nr; k++) {
		ui_clause(r, x->duty->clauses.items[k]->id);
		strbuf_addch(o, ' ');
	}
	html_close(o, "dd");
	html_close(o, "dl");
	html_close(o, "section");
	core_format_local_date(&today, time_now_ms());
	page_form_begin(r, "/duties/done", "card", true);
	html_void(o, "input", "type", "hidden", "name", "duty", "value", x->duty->id, HTML_END);
	html_void(o, "input", "type", "hidden", "name", "scope", "value", x->scope, HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Done on"), "for", "f-done-on", HTML_END);
	html_void(o, "input", "type", "date", "id", "f-done-on", "name", "done_on", "value",
	          done_on && *done_on ? done_on : today.buf, "max", today.buf, "required", "",
	          "aria-describedby", "f-done-on-hint", HTML_END);
	html_elem(o, "p", _("Not after today: record a duty once it has been done."), "id",
	          "f-done-on-hint", "class", "hint", HTML_END);
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("What was done (evidence)"), "for", "f-evidence", HTML_END);
	html_open(o, "textarea", "id", "f-evidence", "name", "evidence", "maxlength", "2000",
	          "aria-describedby", "f-evidence-hint", HTML_END);
	html_text(o, ev);
	html_close(o, "textarea");
	strbuf_addf(&hint,
	            _("Up to %d characters. Write what was checked and found, or attach the "
	              "record below (or both)."),
	            2000);
	html_elem(o, "p", hint.buf, "id", "f-evidence-hint", "class", "hint", HTML_END);
	html_close(o, "div");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Evidence file (optional)"), "for", "f-file", HTML_END);
	html_void(o, "input", "type", "file", "id", "f-file", "name", "file", HTML_END);
	html_close(o, "div");
	page_submit(r, _("Record as done"), NULL);
	page_form_end(r);
	page_end(r);
	free(where);
	strbuf_release(&title);
	strbuf_release(&today);
	strbuf_release(&hint);
}

void ui_duty_done_form(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT;
	struct duty_list l = { 0 };
	const struct duty_status *x;

	if (!web_door(r)) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (duties_compute_on(r->st, r->profile, time_now_ms(), &l, &err) < 0)
		web_error(r, 503, err.buf);
	else if ((x = owed_duty(r, &l, web_query(r, "duty"), web_query(r, "scope"))))
		done_form(r, x, NULL, NULL);
	duty_list_release(&l);
	strbuf_release(&err);
}

/* Text people typed, without the spaces around it: whitespace only is empty. */
static char *trimmed(const char *s)
{
	size_t b = 0, e = s ? strlen(s) : 0;

	while (b < e && strchr(" \t\r\n\f\v", s[b]))
		b++;
	/* the ideographic space U+3000 (E3 80 80) counts as space too */
	while (b + 3 <= e && !memcmp(s + b, "\xe3\x80\x80", 3))
		b += 3;
	while (e > b && strchr(" \t\r\n\f\v", s[e - 1]))
		e--;
	while (e >= b + 3 && !memcmp(s + e - 3, "\xe3\x80\x80", 3))
		e -= 3;
	return e > b ? xstrndup(s + b, e - b) : NULL;
}

/*
 * Keeps the form's evidence file as an attachment (*blob) under its name (*base): 0, else -1
 * with r answered (the form again with why, 400; or 503).
 */
static int evidence_file(struct web_req *r, const struct duty_status *x,
                         const struct web_part *file, struct attach_blob *blob, const char **base,
                         struct strbuf *err)
{
	int ret;

	if (!attach_valid_name(file->filename, base)) {
		r->status = 400;
		done_form(r, x, _("The file is empty or its name cannot be used."), NULL);
		return -1;
	}
	ret = attach_put(r->st, door_dir(web_door(r)), *base, file->data, file->len,
	                 r->server->upload_max, blob, err);
	if (ret == -EFBIG || ret == -EMEDIUMTYPE || ret == -EINVAL) {
		r->status = 400;
		done_form(r, x,
		          ret == -EFBIG ? _("The file is larger than the ward accepts.")
		          : ret == -EMEDIUMTYPE
		              ? _("This kind of file is not kept: add a PDF, an Office "
		                  "document, an image or a text file.")
		              : _("The file is empty or its name cannot be used."),
		          NULL);
		return -1;
	} else if (ret < 0) {
		web_error(r, 503, err->buf);
		return -1;
	}
	return 0;
}

void ui_duty_done_post(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct duty_list l = { 0 };
	const struct duty_status *x;
	const struct web_part *file = web_parts_get(&r->parts, "file");
	_cleanup_free_ char *evidence = trimmed(web_form(r, "evidence"));
	const char *done_on = web_form(r, "done_on");
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = ACT_DUTY_DONE };
	struct act_attachment att;
	struct attach_blob blob;
	struct act_attr f[4];
	size_t nf = 0;
	const char *base = NULL;
	int ret;

	if (!web_door(r)) {
		web_error(r, 503, "no profile in force");
		return;
	}
	if (duties_compute_on(r->st, r->profile, time_now_ms(), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	x = owed_duty(r, &l, web_form(r, "duty"), web_form(r, "scope"));
	if (!x)
		goto out;
	if (file && file->filename && file->len) {
		if (evidence_file(r, x, file, &blob, &base, &err) < 0)
			goto out;
		att = (struct act_attachment){ .sha256 = blob.sha256,
			                       .size = blob.size,
			                       .name = base,
			                       .media_type = blob.media_type };
		in.attachments = &att;
		in.n_attachments = 1;
		f[nf++] = (struct act_attr){ "evidence_sha256", blob.sha256 };
	}
	if (!evidence && !base) {
		r->status = 400;
		done_form(r, x, _("Write what was done, or attach the evidence file."), NULL);
		goto out;
	}
	f[nf++] = (struct act_attr){ "evidence", evidence ? evidence : base };
	f[nf++] = (struct act_attr){ "scope", x->scope };
	if (done_on && *done_on)
		f[nf++] = (struct act_attr){ "done_on", done_on };
	in.target = x->duty->id;
	in.fields = f;
	in.n_fields = nf;
	ret = web_act(r, &in, NULL, &res, &err);
	if (ret < 0) {
		r->status = web_act_status(ret);
		if (r->status == 503)
			web_error(r, 503, err.buf);
		else
			done_form(r, x,
			          ret == -EINVAL && strstr(err.buf, "future")
			              ? _("The day it was done cannot be after today.")
			              : err.buf,
			          NULL);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		r->status = 403;
		done_form(r, x, NULL, &res);
		goto out;
	}
	web_redirect(r, "/duties?notice=duty-done");
out:
	act_result_release(&res);
	duty_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_duties_card(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct duty_list l = { 0 };
	int64_t now = time_now_ms();
	unsigned shown = 0;

	html_open(o, "section", "class", "card", "aria-labelledby", "duties-h", HTML_END);
	html_elem(o, "h2", _("Duties due"), "id", "duties-h", HTML_END);
	if (!r->profile || duties_compute_on(r->st, r->profile, now, &l, &err) < 0) {
		if (err.len)
			web_log(r, "%s", err.buf);
		html_elem(o, "p", _("None."), HTML_END);
		goto out;
	}
	duty_list_sort_due(&l);
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < l.nr; i++) {
		const struct duty_status *x = &l.items[i];
		struct strbuf next = STRBUF_INIT;
		char *where;
		if (!owes(r, x) || x->next_due_ms > now + DUTY_SOON_DAYS * DAY_MS)
			continue;
		where = scope_label(r, x->scope);
		html_open(o, "li", "class", x->due ? "overdue" : NULL, HTML_END);
		html_text(o, x->duty->name ? x->duty->name : x->duty->id);
		html_textf(o, _(" (%s)"), where);
		html_text(o, " — ");
		core_format_local_date(&next, x->next_due_ms);
		page_ymd(o, next.buf);
		strbuf_addch(o, ' ');
		due_state(r, x, now);
		html_close(o, "li");
		free(where);
		strbuf_release(&next);
		shown++;
	}
	html_close(o, "ul");
	if (!shown)
		html_elem(o, "p", _("Nothing due in the next 30 days."), HTML_END);
	html_open(o, "p", HTML_END);
	page_link(o, "/duties", _("All duties"));
	html_close(o, "p");
out:
	html_close(o, "section");
	duty_list_release(&l);
	strbuf_release(&err);
}
