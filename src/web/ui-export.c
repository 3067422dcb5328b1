/* ui-export: Excel and paper. A register's list as CSV (Japanese headers, UTF-8 with BOM or
 * CP932, what the reader may read and the filters show), and a request as a printable form
 * (申請・許可書) with its 決裁欄: who approved, when, and whether by 代決. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/export.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "web/access.h"
#include "web/http-internal.h"
#include "web/route.h"
#include "web/ui.h"

unsigned ui_csv_flags(const struct web_req *r)
{
	const char *enc = web_query(r, "encoding");

	return enc && !strcmp(enc, "cp932") ? (CSV_WRITE_CP932 | CSV_WRITE_FORMULA_GUARD)
	                                    : CSV_WRITE_DEFAULT;
}

void ui_csv_send(struct web_req *r, const char *file_id, const char *file_name,
                 struct csv_writer *w, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT, detail = STRBUF_INIT, disp = STRBUF_INIT;
	bool cp932 = w->flags & CSV_WRITE_CP932;
	size_t rows = w->rows ? w->rows - 1 : 0;

	if (csv_writer_finish(w, &err) < 0) {
		web_error(r, 400, err.buf);
		goto out;
	}
	strbuf_addf(&detail, "list=%s&rows=%zu", file_id, rows);
	if (cp932) /* (as the log search's: the 〓 counted in the entry and told the downloader) */
		strbuf_addf(&detail, "&cp932&substituted=%zu", w->substituted);
	web_audit(r, r->user->login, "records.export", detail.buf);
	/* The list's Japanese name for the file (RFC 6266 filename* in UTF-8), the id as fallback.
	 */
	strbuf_addf(&disp, "attachment; filename=\"%s.csv\"; filename*=UTF-8''", file_id);
	for (const unsigned char *s = (const unsigned char *)(file_name ? file_name : file_id); *s;
	     s++) {
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || strchr("-._~", *s))
			strbuf_addch(&disp, *s);
		else
			strbuf_addf(&disp, "%%%02X", *s);
	}
	strbuf_addstr(&disp, ".csv");
	ui_csv_reply(r, cp932, w->substituted, disp.buf, out);
out:
	strbuf_release(&err);
	strbuf_release(&detail);
	strbuf_release(&disp);
}

void ui_csv_reply(struct web_req *r, bool cp932, size_t substituted, const char *disposition,
                  const struct strbuf *body)
{
	if (cp932) { /* the 〓 told the downloader (the access-log entry counts them too) */
		char v[32];
		snprintf(v, sizeof(v), "%zu", substituted);
		web_header_add(r, "X-Mamori-Substituted", v);
	}
	r->status = 200;
	r->content_type_out = cp932 ? "text/csv; charset=Shift_JIS" : "text/csv; charset=utf-8";
	web_header_add(r, "Content-Disposition", disposition);
	strbuf_reset(&r->out);
	strbuf_add(&r->out, body->buf, body->len);
}

void ui_csv_links(struct web_req *r, const char *base)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	char sep = strchr(base, '?') ? '&' : '?';

	strbuf_addf(&url, "%s%cencoding=utf-8", base, sep);
	strbuf_addch(o, ' ');
	html_elem(o, "a", _("CSV for Excel"), "href", url.buf, "class", "button secondary",
	          HTML_END);
	strbuf_reset(&url);
	strbuf_addf(&url, "%s%cencoding=cp932", base, sep);
	strbuf_addch(o, ' ');
	html_elem(o, "a", _("CSV (Shift_JIS)"), "href", url.buf, "class", "button secondary",
	          HTML_END);
	ui_csv_note(r);
	strbuf_release(&url);
}

void ui_csv_note(struct web_req *r)
{
	/* said before the download, not after: Shift_JIS has no form for every character; once
	 * a page (a page with two lists has two pairs of buttons) */
	if (r->csv_noted)
		return;
	r->csv_noted = true;
	strbuf_addch(&r->out, ' ');
	html_elem(&r->out, "small",
	          _("Characters Shift_JIS lacks (such as 𠮷, é or emoji) become 〓 in its CSV; "
	            "the CSV for Excel (UTF-8) keeps them."),
	          "class", "csv-note", HTML_END);
}

void ui_register_csv(struct web_req *r)
{
	const struct policy_register *g =
	    r->profile ? policy_register(r->profile, r->args[0]) : NULL;
	struct reader *rd = web_reader(r);
	struct record_query q = { 0 };
	struct record_page pg = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	bool ids = web_query(r, "headers") && !strcmp(web_query(r, "headers"), "ids");
	struct csv_writer w;

	if (!g) {
		web_error(r, 404, "no such register");
		return;
	}
	if (!rd) {
		web_error(r, 503, "no read rights");
		return;
	}
	q.register_id = g->id;
	q.level = web_query(r, "level");
	q.section = web_query(r, "section");
	q.state = web_query(r, "state");
	q.text = web_query(r, "q");
	q.sort = web_query(r, "sort") && records_sort_valid(web_query(r, "sort"))
	             ? web_query(r, "sort")
	             : "id";
	if (records_query(r->st, rd, &q, &pg, &err) < 0) {
		web_error(r, err.len ? 503 : 400, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_records_csv(g, &pg.list, ids, &w);
	ui_csv_send(r, g->id, g->name, &w, &out);
out:
	record_page_release(&pg);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* ---- the printable request form ------------------------------------------------------------ */

static void row(struct strbuf *o, const char *k, const char *v)
{
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", k, "scope", "row", HTML_END);
	html_elem(o, "td", v && *v ? v : "—", HTML_END);
	html_close(o, "tr");
}

static void fields_rows(struct web_req *r, const struct request *q)
{
	const struct policy_action *a = r->profile ? policy_action(r->profile, q->action) : NULL;
	const char *k;
	json_t *v;

	if (!json_is_object(q->fields))
		return;
	json_object_foreach(q->fields, k, v)
	{
		const struct policy_field *f = NULL;
		bool is_action;
		if (a)
			f = record_find_field(a->reg, a->fields, a->n_fields, k, &is_action);
		char *shown = ui_field_value(r, f, json_is_string(v) ? json_string_value(v) : NULL);
		row(&r->out, f && f->name ? f->name : k, shown);
		free(shown);
	}
}

static void approval_box(struct web_req *r, const struct request *q)
{
	struct strbuf *o = &r->out;
	char *applicant = request_person_label(q->applicant_name, q->applicant_title);

	html_elem(o, "h2", _("Approval (決裁欄)"), HTML_END);
	html_open(o, "table", "class", "kessai", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("Role"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Full name"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Date and time"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Remarks"), "scope", "col", HTML_END);
	html_close(o, "tr");
	html_open(o, "tr", HTML_END);
	html_elem(o, "td", _("Applicant"), HTML_END);
	html_elem(o, "td", applicant ? applicant : "—", HTML_END);
	html_open(o, "td", HTML_END);
	page_time(o, q->created_ms);
	html_close(o, "td");
	html_elem(o, "td", "", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct request_slot *s = &q->slots[i];
		char *scope = org_scope_name(r->st, s->scope);
		char *by = request_person_label(s->approved_name, s->approved_title);
		struct strbuf role = STRBUF_INIT;
		if (scope)
			strbuf_addf(&role, "%s ", scope);
		strbuf_addstr(&role, ui_role_name(r, s->role));
		html_open(o, "tr", HTML_END);
		html_elem(o, "td", role.buf, HTML_END);
		html_elem(o, "td", by ? by : "", HTML_END);
		html_open(o, "td", HTML_END);
		if (s->approved_by)
			page_time(o, s->approved_ms);
		html_close(o, "td");
		if (s->acting_for) {
			struct strbuf t = STRBUF_INIT;
			strbuf_addf(&t, _("代決 (for the %s)"), ui_role_name(r, s->acting_for));
			html_elem(o, "td", t.buf, HTML_END);
			strbuf_release(&t);
		} else {
			html_elem(o, "td", s->approved_by ? "" : _("waiting"), HTML_END);
		}
		html_close(o, "tr");
		strbuf_release(&role);
		free(scope);
		free(by);
	}
	html_close(o, "table");
	free(applicant);
}

void ui_request_print(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT, title = STRBUF_INIT, t = STRBUF_INIT;
	struct request q = { 0 };
	int64_t id = ui_arg_id(r->args[0]);
	const char *state;
	char *rt, *sec;

	if (!id || request_get(r->st, id, &q, &err) < 0 || !ui_request_visible(r, &q)) {
		if (id && q.id)
			web_audit(r, r->user->login, "access.refused", "request");
		web_error(r, 404, "no such request, or not this user's");
		goto out;
	}
	state = request_state_at(&q, time_now_ms());
	strbuf_addf(&title, _("%s: application and permission"), ui_action_name(r, q.action));
	page_begin(r, title.buf, NAV_REQUESTS);
	html_open(o, "p", "class", "noprint", HTML_END);
	html_text(o, _("Print this page with the browser's print command (Ctrl+P): the menus are "
	               "left out of the paper."));
	html_close(o, "p");
	html_open(o, "section", "class", "card form-sheet", HTML_END);
	html_open(o, "table", "class", "sheet", HTML_END);
	strbuf_addf(&t, "%" PRId64, q.id);
	row(o, _("Request No."), t.buf);
	row(o, _("State"), ui_request_state_name(state));
	row(o, _("Action"), ui_action_name(r, q.action));
	rt = request_record_title(r->st, r->profile, &q);
	row(o, _("Record"), rt);
	free(rt);
	row(o, _("Register"), ui_register_name(r, q.register_id));
	sec = ui_section_name(r, q.section);
	row(o, _("Section"), sec);
	free(sec);
	fields_rows(r, &q);
	row(o, _("Reason"), q.comment);
	if (q.decision_comment)
		row(o, _("Comment of the decision"), q.decision_comment);
	html_close(o, "table");
	approval_box(r, &q);
	html_close(o, "section");
	page_end(r);
out:
	request_release(&q);
	strbuf_release(&err);
	strbuf_release(&title);
	strbuf_release(&t);
}
