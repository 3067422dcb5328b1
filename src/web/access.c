/* access: the web's side of the one read decision (core/read.h): who may see which record. */
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/read.h"
#include "core/records.h"
#include "core/requests.h"
#include "web/access.h"
#include "web/ui.h"

struct reader *web_reader_for(struct web_req *r, const struct web_user *u)
{
	struct strbuf err = STRBUF_INIT;
	struct read_subject s = { 0 };
	struct reader *rd = NULL;

	if (!u || !r->profile)
		return NULL;
	s.user_id = u->id;
	s.login = u->login;
	s.section = u->section;
	s.employment = u->employment;
	s.roles = (const char *const *)u->roles;
	s.n_roles = u->n_roles;
	if (reader_cache_get(web_readers(r), r->st, r->profile, &s, time_now_ms(), &rd, &err) < 0) {
		web_log(r, "read rights of '%s': %s", u->login, err.buf);
		rd = NULL;
	}
	strbuf_release(&err);
	return rd;
}

struct reader *web_reader(struct web_req *r)
{
	if (!r->reader)
		r->reader = web_reader_for(r, r->user);
	return r->reader;
}

bool web_record_visible(struct web_req *r, const struct record *rec, struct read_why *why)
{
	struct reader *rd = web_reader(r);

	if (!rd) {
		if (why) {
			why->reason = "error";
			snprintf(why->detail, sizeof(why->detail), "no read rights could be made");
		}
		return false;
	}
	return read_record(rd, rec, why);
}

bool web_request_visible(struct web_req *r, const struct request *q)
{
	struct reader *rd = web_reader(r);

	return rd && read_request(rd, r->st, q);
}

void web_record_not_found(struct web_req *r, const char *log_reason)
{
	struct strbuf *o = &r->out;

	free(r->log_detail);
	r->log_detail = xstrdup(log_reason ? log_reason : "no such record");
	r->status = 404;
	page_begin(r, _("Record not found"), NAV_REGISTERS);
	html_elem(o, "p",
	          _("This record does not exist, or you are not allowed to see it. Records are "
	            "shown to the people the ward's standard allows to read them."),
	          HTML_END);
	html_open(o, "p", HTML_END);
	html_elem(o, "a", _("Back to the registers"), "href", "/registers", HTML_END);
	html_text(o, " ");
	html_elem(o, "a", _("Back to the start page"), "href", "/", HTML_END);
	html_close(o, "p");
	page_end(r);
}
