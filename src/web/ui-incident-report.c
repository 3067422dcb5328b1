/* ui-incident-report: reporting an incident in one minute: what, where, when it happened and was
 * found, the records and system involved, personal information and roughly how many people. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/read.h"
#include "core/records.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

/* Records offered to link: the ones the reporter may read, of their own section first. */
#define REPORT_RECORDS_PER_REGISTER 100

static void text_field(struct web_req *r, const char *name, const char *label, const char *hint,
                       bool required)
{
	struct strbuf *o = &r->out;
	char id[40];

	snprintf(id, sizeof(id), "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_open(o, "label", "for", id, HTML_END);
	html_text(o, label);
	if (required)
		html_elem(o, "span", " *", "class", "req", "aria-hidden", "true", HTML_END);
	html_close(o, "label");
	html_void(o, "input", "type", "text", "id", id, "name", name, "maxlength", "200", "value",
	          web_form(r, name) ? web_form(r, name) : "", required ? "required" : "data-opt",
	          "", HTML_END);
	if (hint)
		html_elem(o, "p", hint, "class", "hint", HTML_END);
	html_close(o, "div");
}

static void time_field(struct web_req *r, const char *name, const char *label, bool required,
                       bool now)
{
	struct strbuf *o = &r->out;
	struct strbuf value = STRBUF_INIT;
	char id[40];

	snprintf(id, sizeof(id), "f-%s", name);
	if (web_form(r, name))
		strbuf_addstr(&value, web_form(r, name));
	else if (now) {
		/* the ward's local time, to the minute, as a datetime-local input wants it */
		time_format_rfc3339_offset(&value, time_now_ms(), TOKYO_OFFSET_MS);
		strbuf_setlen(&value, 16);
	}
	html_open(o, "div", "class", "field", HTML_END);
	html_open(o, "label", "for", id, HTML_END);
	html_text(o, label);
	if (required)
		html_elem(o, "span", " *", "class", "req", "aria-hidden", "true", HTML_END);
	html_close(o, "label");
	html_void(o, "input", "type", "datetime-local", "id", id, "name", name, "value", value.buf,
	          required ? "required" : "data-opt", "", HTML_END);
	html_close(o, "div");
	strbuf_release(&value);
}

static void check_field(struct web_req *r, const char *name, const char *label)
{
	struct strbuf *o = &r->out;
	char id[40];

	snprintf(id, sizeof(id), "f-%s", name);
	html_open(o, "div", "class", "field check", HTML_END);
	html_void(o, "input", "type", "checkbox", "id", id, "name", name, "value", "1",
	          web_form(r, name) ? "checked" : "data-off", "", HTML_END);
	html_elem(o, "label", label, "for", id, HTML_END);
	html_close(o, "div");
}

/* A select of the values of an enum field of the incident register, with "not known". */
static void enum_field(struct web_req *r, const char *name, const char *label)
{
	const struct policy_field *f = policy_register_field(r->profile->incidents.reg, name);
	struct strbuf *o = &r->out;
	const char *chosen = web_form(r, name);
	char id[40];

	if (!f || f->type != FIELD_ENUM)
		return;
	snprintf(id, sizeof(id), "f-%s", name);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", label, "for", id, HTML_END);
	html_open(o, "select", "id", id, "name", name, HTML_END);
	html_elem(o, "option", _("not known yet"), "value", "", HTML_END);
	for (unsigned i = 0; i < f->n_values; i++)
		html_elem(o, "option", f->values[i], "value", f->values[i],
		          chosen && !strcmp(chosen, f->values[i]) ? "selected" : "data-v", "",
		          HTML_END);
	html_close(o, "select");
	html_close(o, "div");
}

static void system_field(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct org_systems l = { 0 };
	const char *chosen = web_form(r, "system");

	if (org_systems_list(r->st, &l, &err) < 0) {
		web_log(r, "systems: %s", err.buf);
		strbuf_release(&err);
		return;
	}
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Information system involved"), "for", "f-system", HTML_END);
	html_open(o, "select", "id", "f-system", "name", "system", HTML_END);
	html_elem(o, "option", _("none, or not known"), "value", "", HTML_END);
	for (size_t i = 0; i < l.nr; i++)
		html_elem(o, "option", l.items[i].name, "value", l.items[i].id,
		          chosen && !strcmp(chosen, l.items[i].id) ? "selected" : "data-v", "",
		          HTML_END);
	html_close(o, "select");
	html_close(o, "div");
	org_systems_release(&l);
	strbuf_release(&err);
}

/* The records the reporter may read, by register (the one read decision), to pick from. */
static void records_field(struct web_req *r)
{
	const struct profile *p = r->profile;
	struct reader *rd = web_reader(r);
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;

	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Records involved (pick any)"), "for", "f-records", HTML_END);
	html_open(o, "select", "id", "f-records", "name", "records", "multiple", "", "size", "6",
	          HTML_END);
	for (unsigned i = 0; rd && i < p->n_registers; i++) {
		const struct policy_register *g = &p->registers[i];
		struct record_page page = { 0 };

		if (g == p->incidents.reg || !strcmp(g->id, "alert") ||
		    !strcmp(g->id, "access_log") || !strcmp(g->id, "log_analysis"))
			continue;
		if (records_query(r->st, rd,
		                  &(struct record_query){ .register_id = g->id,
		                                          .section = r->user->section,
		                                          .limit = REPORT_RECORDS_PER_REGISTER },
		                  &page, &err) < 0) {
			web_log(r, "records: %s", err.buf);
			strbuf_reset(&err);
			continue;
		}
		if (page.list.nr) {
			html_open(o, "optgroup", "label", g->name, HTML_END);
			for (size_t k = 0; k < page.list.nr; k++) {
				const struct record *rec = &page.list.items[k];
				struct strbuf label = STRBUF_INIT;
				char v[24];
				snprintf(v, sizeof(v), "%" PRId64, rec->id);
				strbuf_addf(&label, "#%" PRId64 " %s", rec->id,
				            record_title(p, rec));
				html_elem(o, "option", label.buf, "value", v, HTML_END);
				strbuf_release(&label);
			}
			html_close(o, "optgroup");
		}
		record_page_release(&page);
	}
	html_close(o, "select");
	html_elem(o, "p", _("Only records you may read are listed (your section's first)."),
	          "class", "hint", HTML_END);
	html_close(o, "div");
	strbuf_release(&err);
}

static void report_form(struct web_req *r, const char *error, const struct act_result *refused)
{
	struct strbuf *o = &r->out;

	page_begin(r, _("Report an incident"), NAV_INCIDENTS);
	if (error)
		page_notice(r, "error", error);
	if (refused)
		web_refusal(r, refused);
	html_elem(o, "p",
	          _("What happened, where, when it happened and when you found it. The report "
	            "goes at once to your section's security officer."),
	          HTML_END);
	page_form_begin(r, "/incidents/new", "card", false);
	text_field(r, "title", _("What happened (one line)"), NULL, true);
	time_field(r, "found_at", _("When you found it"), true, true);
	time_field(r, "occurred_at", _("When it happened (if known)"), false, false);
	text_field(r, "place", _("Where"), NULL, false);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("What is known"), "for", "f-description", HTML_END);
	html_open(o, "textarea", "id", "f-description", "name", "description", "maxlength", "4000",
	          HTML_END);
	html_text(o, web_form(r, "description"));
	html_close(o, "textarea");
	html_close(o, "div");
	enum_field(r, "kind", _("Kind"));
	system_field(r);
	records_field(r);
	html_open(o, "fieldset", HTML_END);
	html_elem(o, "legend", _("Personal information"), HTML_END);
	html_open(o, "div", "class", "field", HTML_END);
	html_elem(o, "label", _("Roughly how many people (leave empty if none)"), "for",
	          "f-personal_data", HTML_END);
	html_void(o, "input", "type", "number", "id", "f-personal_data", "name", "personal_data",
	          "min", "0", "max", "100000000", "value",
	          web_form(r, "personal_data") ? web_form(r, "personal_data") : "", HTML_END);
	html_close(o, "div");
	check_field(r, "sensitive",
	            _("Special care-required personal information (要配慮個人情報)"));
	check_field(r, "financial", _("Financial damage may follow"));
	check_field(r, "wrongful", _("It may have been done for a wrongful purpose"));
	html_close(o, "fieldset");
	check_field(r, "urgent",
	            _("Urgent: damage must be stopped at once (the responders are told too)"));
	check_field(r, "drill", _("This is a drill (訓練)"));
	page_submit(r, _("Report"), NULL);
	page_form_end(r);
	page_end(r);
}

void ui_incident_new_form(struct web_req *r)
{
	if (!r->profile || !r->profile->incidents.reg) {
		web_error(r, 404, "the profile declares no incidents");
		return;
	}
	report_form(r, NULL, NULL);
}

static const char *opt(const struct web_req *r, const char *name)
{
	const char *v = web_form(r, name);

	return v && *v ? v : NULL;
}

/* The records picked on the form as ids (*n of them; ids has room for every field): 0, else -1
 * with the form shown again (400). */
static int records_picked(struct web_req *r, int64_t *ids, size_t *n)
{
	for (size_t i = 0; i < r->form.nr; i++) {
		if (strcmp(r->form.items[i].name, "records"))
			continue;
		if (*n >= INCIDENT_MAX_RECORDS ||
		    parse_int64(r->form.items[i].value, 1, INT64_MAX, &ids[*n]) < 0) {
			r->status = 400;
			report_form(r, _("The records picked are not valid."), NULL);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* What is wrong with the report's times (found, and occurred if given), or NULL. */
static const char *times_wrong(const struct incident_report *in)
{
	int64_t found = 0, occurred = 0, now = time_now_ms();
	const char *why = NULL;

	if (incident_parse_time(in->found_at, &found) < 0)
		why = _("When you found it is not a date and time.");
	else if (found > now + 5 * 60 * 1000)
		why = _("When you found it is in the future.");
	else if (in->occurred_at && incident_parse_time(in->occurred_at, &occurred) < 0)
		why = _("When it happened is not a date and time.");
	else if (in->occurred_at && occurred > found)
		why = _("It cannot have happened after you found it.");
	return why;
}

void ui_incident_new_post(struct web_req *r)
{
	struct incident_report in = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	int64_t *ids = NULL;
	const char *why;
	size_t n = 0;
	int ret;

	if (!r->profile || !r->profile->incidents.reg) {
		web_error(r, 404, "the profile declares no incidents");
		return;
	}
	ids = xcalloc(r->form.nr + 1, sizeof(*ids));
	if (records_picked(r, ids, &n) < 0)
		goto out;
	in.actor = r->user->login;
	in.title = opt(r, "title");
	in.found_at = opt(r, "found_at");
	in.occurred_at = opt(r, "occurred_at");
	in.place = opt(r, "place");
	in.description = opt(r, "description");
	in.kind = opt(r, "kind");
	in.system = opt(r, "system");
	in.records = ids;
	in.n_records = n;
	in.personal_data = -1;
	if (opt(r, "personal_data") &&
	    parse_int64(opt(r, "personal_data"), 0, INCIDENT_MAX_PEOPLE, &in.personal_data) < 0) {
		r->status = 400;
		report_form(r, _("The number of people must be a whole number."), NULL);
		goto out;
	}
	in.sensitive = opt(r, "sensitive") != NULL;
	in.financial = opt(r, "financial") != NULL;
	in.wrongful = opt(r, "wrongful") != NULL;
	in.urgent = opt(r, "urgent") != NULL;
	in.drill = opt(r, "drill") != NULL;
	in.ctx.via = "web";
	in.ctx.remote = r->remote;
	/* what a person can fix, said in their language before the door is asked */
	why = !in.title || !in.found_at ? _("Say what happened and when you found it.")
	                                : times_wrong(&in);
	if (why) {
		r->status = 400;
		report_form(r, why, NULL);
		goto out;
	}
	ret = web_door(r) ? incident_report(web_door(r), &in, &res, &err) : -EIO;
	if (ret < 0) {
		r->status = web_act_status(ret);
		web_log(r, "incident report: %s", err.buf);
		if (r->status == 503)
			web_error(r, 503, err.buf);
		else
			report_form(r,
			            ret == -ENOENT
			                ? _("A record picked no longer exists or is not yours to "
			                    "read.")
			                : _("The report could not be recorded as given: check the "
			                    "values and try again."),
			            NULL);
		goto out;
	}
	if (res.outcome != ACT_DONE) {
		r->status = 403;
		report_form(r, NULL, &res);
		goto out;
	}
	strbuf_addf(&url, "/incidents/%" PRId64 "?notice=reported", res.record_id);
	web_redirect(r, url.buf);
out:
	free(ids);
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&url);
}
