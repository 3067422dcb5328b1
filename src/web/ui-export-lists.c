/* ui-export-lists: the lists besides registers as CSV for Excel, the same rows the pages show
 * (core/export-lists.h), chosen by core's read decision where the list holds records:
 * requests (mine or to approve), take-outs, duties, incidents, and the users for the
 * administrator. UTF-8 with BOM or CP932 (?encoding=cp932), formulas neutralised. */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/timeutil.h"
#include "base/utf8.h"
#include "core/duties.h"
#include "core/export-lists.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/read.h"
#include "core/requests.h"
#include "core/takeouts.h"
#include "web/access.h"
#include "web/http-internal.h"
#include "web/route.h"
#include "web/ui.h"

static bool query_is(const struct web_req *r, const char *key, const char *value)
{
	const char *v = web_query(r, key);

	return v && !strcmp(v, value);
}

void ui_requests_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct request_list l = { 0 };
	struct strv roles = STRV_INIT;
	int64_t now = time_now_ms();
	bool todo = query_is(r, "list", "to-approve");
	struct request_filter f = { .now_ms = now, .limit = 10000 };
	struct csv_writer w;

	if (todo) {
		for (size_t i = 0; i < r->user->n_roles; i++)
			strv_push(&roles, r->user->roles[i]);
		f.to_approve_roles = &roles;
		f.to_approve_user = r->user->id;
		f.profile = r->profile;
	} else {
		f.applicant = r->user->id;
	}
	if (requests_list(r->st, &f, &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_requests_csv(r->st, r->profile, &l, now, &w);
	ui_csv_send(r, todo ? "requests-to-approve" : "requests",
	            todo ? "承認待ちの申請" : "自分の申請", &w, &out);
out:
	request_list_release(&l);
	strv_release(&roles);
	strbuf_release(&err);
	strbuf_release(&out);
}

void ui_takeouts_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct takeout_list l = { 0 };
	struct takeout_filter f = { 0 };
	struct reader *rd = web_reader(r);
	const char *section = web_query(r, "section");
	struct csv_writer w;

	if (!r->profile || !rd) {
		web_error(r, 503, "no profile in force");
		return;
	}
	f.section = section && *section ? section : NULL;
	f.overdue_only = query_is(r, "overdue", "1");
	if (takeouts_list(r->st, r->profile, rd, &f, time_now_ms(), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_takeouts_csv(r->st, r->profile, &l, &w);
	ui_csv_send(r, "takeouts", "持出し中", &w, &out);
out:
	takeout_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}

/* Is x among the duties the page's table shows: mine (mine=1), a section's (section=ID), the
 * ward-wide ones (section=org), or every one? */
static bool duty_shown(const struct web_req *r, const struct duty_status *x)
{
	const char *section = web_query(r, "section");

	if (query_is(r, "mine", "1"))
		return strv_has(&x->owed_by, r->user->login);
	if (section && !strcmp(section, "org"))
		return !strcmp(x->scope, "org");
	if (section && *section)
		return x->section && !strcmp(x->section, section);
	return true;
}

void ui_duties_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct duty_list l = { 0 }, view = { 0 };
	int64_t now = time_now_ms();
	struct csv_writer w;

	if (!r->profile) {
		web_error(r, 503, "no profile in force");
		return;
	}
	/* On the worker's own connection: the door's belongs to its writer. */
	if (duties_compute_on(r->st, r->profile, now, &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	duty_list_sort_due(&l);
	/* A view of the shown ones: it borrows l's items and owns only its array. */
	view.items = xcalloc(l.nr + 1, sizeof(*view.items));
	for (size_t i = 0; i < l.nr; i++)
		if (duty_shown(r, &l.items[i]))
			view.items[view.nr++] = l.items[i];
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_duties_csv(r->st, &view, now, &w);
	ui_csv_send(r, "duties", "義務", &w, &out);
out:
	free(view.items);
	duty_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}

void ui_incidents_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct incident_list l = { 0 };
	struct reader *rd = web_reader(r);
	struct incident_filter f = { .drills_only = query_is(r, "drills", "1") };
	struct csv_writer w;

	if (!r->profile || !r->profile->incidents.reg) {
		web_error(r, 404, "the profile declares no incidents");
		return;
	}
	if (!rd || incidents_list(r->st, rd, r->profile, &f, time_now_ms(), &l, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_incidents_csv(r->st, &l, &w);
	ui_csv_send(r, "incidents", "事故等", &w, &out);
out:
	incident_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}

void ui_admin_users_csv(struct web_req *r)
{
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct org_users l = { 0 };
	struct org_user_query q = { .text = web_query(r, "q"),
		                    .section = web_query(r, "section"),
		                    .status = web_query(r, "status") };
	int64_t total = 0;
	struct csv_writer w;

	if (q.text && utf8_length(q.text) > ORG_USER_TEXT_MAX) {
		web_error(r, 400, "the search text is too long");
		return;
	}
	if (org_users_search(r->st, &q, &l, &total, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	csv_writer_init(&w, &out, ui_csv_flags(r));
	export_users_csv(r->st, &l, &w);
	ui_csv_send(r, "users", "職員等", &w, &out);
out:
	org_users_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
}
