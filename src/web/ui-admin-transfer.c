/* ui-admin-transfer: 人事異動 in the browser: upload one CSV, see every line as it will be
 * applied or with its error in the reader's language, then apply it through the door, all or
 * nothing (core/personnel.h). The previewed text travels back with the apply form, so what is
 * applied is what was shown; it is checked again before anything changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/org.h"
#include "core/personnel.h"
#include "web/http-internal.h"
#include "web/route.h"
#include "web/ui-admin.h"
#include "web/ui.h"

/* The previewed file as UTF-8 CSV fits one form field. */
#define TRANSFER_MAX_TEXT (WEB_MAX_VALUE - 1024)

/* "税務課 セキュリティ責任者" for role@scope. */
static void role_label(struct web_req *r, const char *rs, struct strbuf *out)
{
	const char *at = strchr(rs, '@');
	char *role = at ? xstrndup(rs, (size_t)(at - rs)) : xstrdup(rs);
	char *scope = at ? org_scope_name(r->st, at + 1) : NULL;

	if (scope)
		strbuf_addf(out, "%s ", scope);
	strbuf_addstr(out, ui_role_name(r, role));
	free(scope);
	free(role);
}

static void roles_cell(struct web_req *r, const struct strv *v)
{
	struct strbuf s = STRBUF_INIT;

	for (size_t i = 0; i < v->nr; i++) {
		if (i)
			strbuf_addstr(&s, _(", "));
		role_label(r, v->items[i], &s);
	}
	html_elem(&r->out, "td", s.buf, HTML_END);
	strbuf_release(&s);
}

static void move_cell(struct web_req *r, const struct personnel_line *l)
{
	struct strbuf s = STRBUF_INIT;
	char *from = l->from_section ? ui_section_name(r, l->from_section) : xstrdup("");
	char *to = l->section ? ui_section_name(r, l->section) : NULL;

	if (to)
		strbuf_addf(&s, "%s → %s", from, to);
	else
		strbuf_addstr(&s, from);
	html_elem(&r->out, "td", s.buf, HTML_END);
	free(from);
	free(to);
	strbuf_release(&s);
}

static void plan_row(struct web_req *r, const struct personnel_line *l)
{
	struct strbuf *o = &r->out;
	struct strbuf t = STRBUF_INIT;

	html_open(o, "tr", "class", l->error ? "overdue" : NULL, HTML_END);
	html_open(o, "td", "class", "num", HTML_END);
	html_textf(o, "%zu", l->line);
	html_close(o, "td");
	html_elem(o, "td", l->login, "class", "mono", HTML_END);
	html_elem(o, "td", l->name ? l->name : "", HTML_END);
	html_open(o, "td", HTML_END);
	if (l->date)
		page_ymd(o, l->date);
	html_close(o, "td");
	move_cell(r, l);
	html_elem(o, "td", l->title ? l->title : "", HTML_END);
	roles_cell(r, &l->end_roles);
	roles_cell(r, &l->start_roles);
	html_elem(o, "td", l->retire ? _("retires") : "", HTML_END);
	if (l->error)
		personnel_format(_(personnel_error_text(l->error)), l->arg, &t);
	html_elem(o, "td", l->error ? t.buf : _("OK"), "class", l->error ? "error" : NULL,
	          HTML_END);
	html_close(o, "tr");
	strbuf_release(&t);
}

static void plan_table(struct web_req *r, const struct personnel_plan *plan)
{
	struct strbuf *o = &r->out;
	static const char *const heads[] = {
		N_("Line"),       N_("Login ID"),  N_("Name"),         N_("Effective"),
		N_("Section"),    N_("New title"), N_("Roles ending"), N_("Roles starting"),
		N_("Retirement"), N_("Check"),
	};

	html_open(o, "table", "class", "transfer", HTML_END);
	html_open(o, "tr", HTML_END);
	for (size_t i = 0; i < ARRAY_SIZE(heads); i++)
		html_elem(o, "th", _(heads[i]), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < plan->nr; i++)
		plan_row(r, &plan->items[i]);
	html_close(o, "table");
}

static void upload_form(struct web_req *r)
{
	struct strbuf *o = &r->out;

	page_form_begin(r, "/admin/transfer", "card", true);
	html_elem(o, "h2", _("Upload the personnel changes"), HTML_END);
	html_open(o, "p", HTML_END);
	html_text(o, _("One line per person. Columns: ログインID, and any of 異動日 (the day it "
	               "takes effect), 新所属 (ID or name), 新職名, 終了する役割 and 開始する役割 "
	               "(several separated by spaces or 、), 退職. A role is written as"));
	strbuf_addch(o, ' ');
	html_elem(o, "code", "security_officer@section:zeimu", HTML_END);
	strbuf_addch(o, ' ');
	html_text(o, _("(role@section or system). Roles end on the day before the date and start "
	               "on it; a new section or title dated ahead takes effect on that day; a "
	               "retirement takes effect when applied, on the date or later. UTF-8 or "
	               "Shift_JIS as Excel saves it. Every line is checked and shown before "
	               "anything changes."));
	html_close(o, "p");
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("CSV file"), "for", "f-file", HTML_END);
	html_void(o, "input", "type", "file", "name", "file", "id", "f-file", "accept",
	          ".csv,text/csv", "required", "", HTML_END);
	html_close(o, "div");
	page_input(r, "date", "date", _("Date for lines without one (default today)"), NULL, false,
	           "off");
	page_submit(r, _("Check"), NULL);
	page_form_end(r);
}

void ui_admin_transfer(struct web_req *r)
{
	page_begin(r, _("Personnel changes"), NAV_ADMIN);
	ui_admin_nav(r);
	upload_form(r);
	page_end(r);
}

/*
 * Parses text (the CSV) into plan; on a file that cannot be read shows why on the page and
 * returns -1. The page has begun.
 */
static int read_plan(struct web_req *r, const char *data, size_t len, const char *date,
                     struct csv *csv, struct personnel_plan *plan)
{
	struct strbuf err = STRBUF_INIT, msg = STRBUF_INIT;
	char *why;
	int ret = 0;

	error_capture_begin(); /* the reason said in the reader's language */
	if (csv_parse(csv, data, len, CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) < 0 ||
	    personnel_parse(r->st, r->profile, csv, date, time_now_ms(), plan, &err) < 0)
		ret = -1;
	why = ui_admin_capture_end(r, ret < 0 ? &err : NULL);
	if (ret < 0) {
		r->status = 400;
		strbuf_addf(&msg, _("The file cannot be read: %s. Nothing was changed."), why);
		page_notice(r, "error", msg.buf);
	}
	free(why);
	strbuf_release(&err);
	strbuf_release(&msg);
	return ret;
}

/* The apply form: the checked file as UTF-8 CSV text, the date, and a confirmation. */
static void apply_form(struct web_req *r, const struct csv *csv, const char *date)
{
	struct strbuf *o = &r->out;
	struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
	struct csv_writer w;

	csv_writer_init(&w, &text, 0);
	csv_write_row(&w, csv->columns, csv->ncolumns);
	for (size_t i = 0; i < csv->nrecords; i++)
		csv_write_row(&w, csv->records[i].fields, csv->records[i].nfields);
	if (csv_writer_finish(&w, &err) < 0 || text.len > TRANSFER_MAX_TEXT) {
		page_notice(
		    r, "error",
		    _("The file is too large to apply in the browser: split it, or apply it "
		      "with 'mamori user transfer'."));
		goto out;
	}
	page_form_begin(r, "/admin/transfer/apply", "card", false);
	html_open(o, "textarea", "name", "csv", "hidden", "", "aria-hidden", "true", HTML_END);
	html_text(o, text.buf);
	html_close(o, "textarea");
	if (date && *date)
		html_void(o, "input", "type", "hidden", "name", "date", "value", date, HTML_END);
	page_confirm(r, _("Apply these changes (each is recorded in the ledger)"));
	page_submit(r, _("Apply"), "danger");
	page_form_end(r);
out:
	strbuf_release(&text);
	strbuf_release(&err);
}

void ui_admin_transfer_post(struct web_req *r)
{
	const struct web_part *file = web_parts_get(&r->parts, "file");
	const char *date = web_form(r, "date");
	struct csv csv = CSV_INIT;
	struct personnel_plan plan = { 0 };
	struct strbuf msg = STRBUF_INIT;

	if (!file) {
		web_error(r, 400, "no file uploaded");
		goto out;
	}
	page_begin(r, _("Personnel changes"), NAV_ADMIN);
	ui_admin_nav(r);
	if (read_plan(r, file->data, file->len, date, &csv, &plan) == 0) {
		if (plan.n_errors) {
			r->status = 400;
			strbuf_addf(&msg,
			            _("%zu of %zu lines have errors. Nothing was changed: "
			              "correct the file and upload it again."),
			            plan.n_errors, plan.nr);
			page_notice(r, "error", msg.buf);
		} else {
			strbuf_addf(&msg,
			            _("All %zu lines can be applied. Check them, then apply."),
			            plan.nr);
			page_notice(r, "ok", msg.buf);
		}
		plan_table(r, &plan);
		if (!plan.n_errors)
			apply_form(r, &csv, date);
	}
	upload_form(r);
	page_end(r);
out:
	personnel_plan_release(&plan);
	csv_release(&csv);
	strbuf_release(&msg);
}

void ui_admin_transfer_apply(struct web_req *r)
{
	const char *text = web_form(r, "csv"), *date = web_form(r, "date");
	struct csv csv = CSV_INIT;
	struct personnel_plan plan = { 0 };
	struct strbuf msg = STRBUF_INIT, why = STRBUF_INIT, err = STRBUF_INIT;
	struct act_context c = { .via = "web", .remote = r->remote };
	size_t acts = 0, line = 0;
	int ret;

	if (!text || !web_door(r)) {
		web_error(r, 400, "no file to apply");
		return;
	}
	if (!web_confirmed(r)) {
		web_error(r, 400, "tick the confirmation to apply");
		return;
	}
	page_begin(r, _("Personnel changes"), NAV_ADMIN);
	ui_admin_nav(r);
	if (read_plan(r, text, strlen(text), date, &csv, &plan) < 0)
		goto form;
	if (plan.n_errors) { /* something changed since the preview */
		r->status = 409;
		page_notice(r, "error",
		            _("Since the check, the organization changed and some lines no longer "
		              "fit. Nothing was changed."));
		plan_table(r, &plan);
		goto form;
	}
	ret = personnel_apply(web_door(r), &plan, r->user->login, &c, &acts, &line, &why, &err);
	if (ret < 0) {
		r->status = ret == -ECANCELED ? 403 : 400;
		strbuf_addf(&msg, _("Line %zu: %s. Nothing was changed."), line,
		            ret == -ECANCELED ? why.buf : err.buf);
		page_notice(r, "error", msg.buf);
		plan_table(r, &plan);
		goto form;
	}
	strbuf_addf(&msg, _("Applied: %zu lines, %zu changes, each recorded in the ledger."),
	            plan.nr, acts);
	page_notice(r, "ok", msg.buf);
	plan_table(r, &plan);
form:
	upload_form(r);
	page_end(r);
	personnel_plan_release(&plan);
	csv_release(&csv);
	strbuf_release(&msg);
	strbuf_release(&why);
	strbuf_release(&err);
}
