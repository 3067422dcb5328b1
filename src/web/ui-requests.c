/* ui-requests: the inbox of requests, one request, approving and rejecting it. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/org.h"
#include "core/records.h"
#include "core/requests.h"
#include "web/access.h"
#include "web/outcome.h"
#include "web/route.h"
#include "web/ui.h"

static void user_roles(const struct web_req *r, struct strv *v)
{
	for (size_t i = 0; i < r->user->n_roles; i++)
		strv_push(v, r->user->roles[i]);
}

static bool holds_role(const struct web_req *r, const char *role, const char *scope)
{
	struct strbuf rs = STRBUF_INIT;
	bool held = false;

	strbuf_addf(&rs, "%s@%s", role, scope);
	for (size_t k = 0; !held && k < r->user->n_roles; k++)
		held = !strcmp(r->user->roles[k], rs.buf);
	strbuf_release(&rs);
	return held;
}

/* The role the user may stand in for on a waiting slot as its deputy (代決), or NULL. */
static const char *deputy_for(const struct web_req *r, const struct request *q)
{
	for (size_t i = 0; r->profile && i < q->n_slots; i++) {
		const struct request_slot *x = &q->slots[i];
		const struct policy_role *pr = policy_role(r->profile, x->role);
		if (x->approved_by || !pr || !pr->deputy)
			continue;
		if (holds_role(r, pr->deputy->id, x->scope) || holds_role(r, pr->deputy->id, "org"))
			return x->role;
	}
	return NULL;
}

static bool holds_slot(const struct web_req *r, const struct request *q)
{
	for (size_t i = 0; i < q->n_slots; i++)
		if (holds_role(r, q->slots[i].role, q->slots[i].scope))
			return true;
	return false;
}

const char *ui_request_state_name(const char *state)
{
	if (!strcmp(state, "pending"))
		return _("waiting for approval");
	if (!strcmp(state, "approved"))
		return _("approved");
	if (!strcmp(state, "rejected"))
		return _("rejected");
	if (!strcmp(state, "expired"))
		return _("expired");
	if (!strcmp(state, "withdrawn"))
		return _("withdrawn");
	return _("cancelled");
}

/* Why the system cancelled a request (core/requests.h REQUEST_CLOSED_*), for people. */
static const char *closed_reason_text(const char *code)
{
	static const struct {
		const char *code, *text;
	} texts[] = {
		{ REQUEST_CLOSED_APPLICANT_RETIRED,
		  N_("The applicant has retired; their pending requests were cancelled.") },
		{ REQUEST_CLOSED_APPLICANT_INACTIVE, N_("The applicant is suspended or retired, so "
		                                        "the request could not be applied.") },
		{ REQUEST_CLOSED_RECORD_CHANGED,
		  N_("The record changed after the request was made, so the action no longer "
		     "applies.") },
		{ REQUEST_CLOSED_ACTION_REMOVED,
		  N_("The policy in force no longer has this action.") },
		{ REQUEST_CLOSED_DENIED_NOW,
		  N_("The policy in force no longer allows this action.") },
		{ REQUEST_CLOSED_DUPLICATE,
		  N_("Another record took the same number after the request was made; each record "
		     "needs its own.") },
	};

	for (size_t i = 0; code && i < ARRAY_SIZE(texts); i++)
		if (!strcmp(texts[i].code, code))
			return texts[i].text;
	return N_("Cancelled by the system.");
}

static void slot_text(struct web_req *r, const struct request_slot *s, struct strbuf *out)
{
	char *scope = org_scope_name(r->st, s->scope);

	if (scope) {
		strbuf_addstr(out, scope);
		strbuf_addch(out, ' ');
	}
	strbuf_addstr(out, ui_role_name(r, s->role));
	free(scope);
}

static void request_table(struct web_req *r, const struct request_list *l, int64_t now)
{
	struct strbuf *o = &r->out;

	if (!l->nr) {
		html_elem(o, "p", _("None."), HTML_END);
		return;
	}
	html_open(o, "table", HTML_END);
	html_open(o, "tr", HTML_END);
	html_elem(o, "th", _("No."), "class", "num", "scope", "col", HTML_END);
	html_elem(o, "th", _("Action"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Record"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Level"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Applicant"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Approver"), "scope", "col", HTML_END);
	html_elem(o, "th", _("State"), "scope", "col", HTML_END);
	html_elem(o, "th", _("Filed"), "scope", "col", HTML_END);
	html_close(o, "tr");
	for (size_t i = 0; i < l->nr; i++) {
		const struct request *q = &l->items[i];
		struct strbuf url = STRBUF_INIT, who = STRBUF_INIT;
		char *title = request_record_title(r->st, r->profile, q);
		const char *state = request_state_at(q, now);
		char nb[24];
		snprintf(nb, sizeof(nb), "%" PRId64, q->id);
		strbuf_addf(&url, "/requests/%" PRId64, q->id);
		html_open(o, "tr", HTML_END);
		html_open(o, "td", "class", "num", HTML_END);
		page_link(o, url.buf, nb);
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		page_link(o, url.buf, ui_action_name(r, q->action));
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		html_text(o, ui_register_name(r, q->register_id));
		if (*title) {
			html_text(o, _(": "));
			html_text(o, title);
		}
		html_close(o, "td");
		html_open(o, "td", HTML_END);
		ui_level(r, q->level);
		html_close(o, "td");
		html_elem(o, "td", q->applicant_name, HTML_END);
		for (size_t k = 0; k < q->n_slots; k++) {
			if (k)
				strbuf_addstr(&who, _(", "));
			slot_text(r, &q->slots[k], &who);
		}
		html_elem(o, "td", who.buf, HTML_END);
		html_elem(o, "td", ui_request_state_name(state), "class", "state", HTML_END);
		html_open(o, "td", HTML_END);
		page_time(o, q->created_ms);
		html_close(o, "td");
		html_close(o, "tr");
		strbuf_release(&url);
		strbuf_release(&who);
		free(title);
	}
	html_close(o, "table");
}

void ui_requests(struct web_req *r)
{
	struct strbuf *o = &r->out;
	struct strbuf err = STRBUF_INIT;
	struct request_list mine = { 0 }, todo = { 0 };
	struct strv roles = STRV_INIT;
	int64_t now = time_now_ms();
	struct request_filter fm = { .applicant = r->user->id, .now_ms = now, .limit = 100 };
	struct request_filter ft = { .to_approve_roles = &roles,
		                     .profile = r->profile,
		                     .to_approve_user = r->user->id,
		                     .now_ms = now,
		                     .limit = 100 };

	user_roles(r, &roles);
	if (requests_list(r->st, &ft, &todo, &err) < 0 ||
	    requests_list(r->st, &fm, &mine, &err) < 0) {
		web_error(r, 503, err.buf);
		goto out;
	}
	page_begin(r, _("Requests"), NAV_REQUESTS);
	html_elem(o, "h2", _("Waiting for my approval"), "id", "to-approve", HTML_END);
	request_table(r, &todo, now);
	if (todo.nr) {
		html_open(o, "p", "class", "noprint", HTML_END);
		ui_csv_links(r, "/requests.csv?list=to-approve");
		html_close(o, "p");
	}
	html_elem(o, "h2", _("My requests"), "id", "mine", HTML_END);
	request_table(r, &mine, now);
	if (mine.nr) {
		html_open(o, "p", "class", "noprint", HTML_END);
		ui_csv_links(r, "/requests.csv?list=mine");
		html_close(o, "p");
	}
	page_end(r);
out:
	request_list_release(&todo);
	request_list_release(&mine);
	strv_release(&roles);
	strbuf_release(&err);
}

bool ui_request_visible(struct web_req *r, const struct request *q)
{
	return holds_slot(r, q) || deputy_for(r, q) || web_request_visible(r, q);
}

static int load_request(struct web_req *r, struct request *q)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id = ui_arg_id(r->args[0]);
	int ret;

	if (!id) {
		web_error(r, 404, "request ids are positive numbers");
		return -ENOENT;
	}
	ret = request_get(r->st, id, q, &err);
	if (ret == 0 && !ui_request_visible(r, q)) {
		web_audit(r, r->user->login, "access.refused", "request");
		request_release(q);
		ret = -ENOENT;
	}
	if (ret == -ENOENT)
		web_error(r, 404, "no such request, or not this user's");
	else if (ret < 0)
		web_error(r, 503, err.buf);
	strbuf_release(&err);
	return ret;
}

/* Who decided, when and why; or why the system closed it. */
static void decided(struct web_req *r, const struct request *q, const char *state)
{
	struct strbuf *o = &r->out;
	char *who;

	if (!strcmp(state, "pending"))
		return;
	if (!strcmp(state, "cancelled")) {
		html_elem(o, "dt", _("Cancelled"), HTML_END);
		html_open(o, "dd", HTML_END);
		if (q->decided_ms) {
			page_time(o, q->decided_ms);
			html_text(o, " — ");
		}
		html_text(o, _(closed_reason_text(q->closed_reason)));
		html_close(o, "dd");
		return;
	}
	if (!strcmp(state, "expired")) {
		html_elem(o, "dt", _("Expired"), HTML_END);
		html_open(o, "dd", HTML_END);
		page_time(o, q->decided_ms ? q->decided_ms : q->expires_ms);
		html_text(o, " — ");
		html_text(o, _("Nobody decided in time; apply again if it is still needed."));
		html_close(o, "dd");
		return;
	}
	who = request_person_label(q->decided_name, q->decided_title);
	html_elem(o, "dt",
	          !strcmp(state, "withdrawn")  ? _("Withdrawn by")
	          : !strcmp(state, "rejected") ? _("Rejected by")
	                                       : _("Approved by"),
	          HTML_END);
	html_open(o, "dd", "class", "decider", HTML_END);
	html_text(o, who ? who : "—");
	ui_channel_note(r, q->decided_via, q->decided_os_user);
	html_close(o, "dd");
	html_elem(o, "dt", _("Decided"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, q->decided_ms);
	html_close(o, "dd");
	html_elem(o, "dt", !strcmp(state, "withdrawn") ? _("Reason") : _("Reason given"), HTML_END);
	html_elem(o, "dd", q->decision_comment ? q->decision_comment : "—", HTML_END);
	free(who);
}

/* The applicant's own request: they may withdraw it (取下げ), never approve it. */
static void withdraw_panel(struct web_req *r, const struct request *q)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	html_elem(o, "h2", _("Withdraw"), HTML_END);
	html_elem(o, "p",
	          _("You applied for this request, so you cannot approve it. If it is no longer "
	            "needed, withdraw it: the approvers stop seeing it and the withdrawal is "
	            "recorded in the ledger."),
	          HTML_END);
	strbuf_addf(&url, "/requests/%" PRId64 "/withdraw", q->id);
	page_form_begin(r, url.buf, "card", false);
	page_comment(r, "f-withdraw-comment", _("Reason (optional)"), NULL, false);
	page_confirm(r, _("I understand that a withdrawn request cannot be approved any more."));
	page_submit(r, _("Withdraw the request"), "danger");
	page_form_end(r);
	strbuf_release(&url);
}

static void decide_panel(struct web_req *r, const struct request *q)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;
	const char *deputy = holds_slot(r, q) ? NULL : deputy_for(r, q);

	html_elem(o, "h2", _("Decide"), HTML_END);
	if (deputy) {
		struct strbuf t = STRBUF_INIT;
		strbuf_addf(&t, _("You decide as the deputy of the %s (代決, acting_for=%s)."),
		            ui_role_name(r, deputy), deputy);
		page_notice(r, "warn", t.buf);
		strbuf_release(&t);
	}
	html_open(o, "div", "class", "grid", HTML_END);
	strbuf_addf(&url, "/requests/%" PRId64 "/approve", q->id);
	page_form_begin(r, url.buf, "card", false);
	if (deputy)
		html_void(o, "input", "type", "hidden", "name", "acting_for", "value", deputy,
		          HTML_END);
	page_comment(r, "f-approve-comment", _("Comment"), NULL, false);
	page_submit(r, deputy ? _("Approve as deputy") : _("Approve"), NULL);
	page_form_end(r);
	strbuf_reset(&url);
	strbuf_addf(&url, "/requests/%" PRId64 "/reject", q->id);
	page_form_begin(r, url.buf, "card", false);
	if (deputy)
		html_void(o, "input", "type", "hidden", "name", "acting_for", "value", deputy,
		          HTML_END);
	page_comment(r, "f-reject-comment", _("Reason for rejecting (required)"), NULL, true);
	page_submit(r, _("Reject"), "danger");
	page_form_end(r);
	html_close(o, "div");
	strbuf_release(&url);
}

/* The request's record: a link to it, or "a new record" and its title; and its level. */
static void request_record(struct web_req *r, const struct request *q)
{
	struct strbuf *o = &r->out;
	struct strbuf url = STRBUF_INIT;

	html_open(o, "dd", HTML_END);
	{
		char *rt = request_record_title(r->st, r->profile, q);
		if (q->record_id) {
			strbuf_addf(&url, "/records/%" PRId64, q->record_id);
			page_link(o, url.buf, *rt ? rt : ui_register_name(r, q->register_id));
			html_textf(o, " (%s #%" PRId64 ")", ui_register_name(r, q->register_id),
			           q->record_id);
		} else {
			html_text(o, _("a new record"));
			if (*rt) {
				html_text(o, _(": "));
				html_text(o, rt);
			}
		}
		free(rt);
	}
	strbuf_addch(o, ' ');
	ui_level(r, q->level);
	html_close(o, "dd");
	strbuf_release(&url);
}

/* The fields the applicant filled in, by the names the action gives them. */
static void request_fields(struct web_req *r, const struct request *q)
{
	struct strbuf *o = &r->out;
	const struct policy_action *a = r->profile ? policy_action(r->profile, q->action) : NULL;
	const char *k;
	json_t *v;

	json_object_foreach(q->fields, k, v)
	{
		const struct policy_field *f = NULL;
		bool is_action;
		if (a)
			f = record_find_field(a->reg, a->fields, a->n_fields, k, &is_action);
		html_elem(o, "dt", f && f->name ? f->name : k, HTML_END);
		{
			char *shown =
			    ui_field_value(r, f, json_is_string(v) ? json_string_value(v) : NULL);
			html_elem(o, "dd", shown, HTML_END);
			free(shown);
		}
	}
}

/* The request's card: its state, applicant, action, record, fields, clauses, dates and the
 * decision. */
static void request_props(struct web_req *r, const struct request *q, const char *state)
{
	struct strbuf *o = &r->out;

	html_open(o, "section", "class", "card", HTML_END);
	html_open(o, "dl", "class", "props", HTML_END);
	html_elem(o, "dt", _("State"), HTML_END);
	html_elem(o, "dd", ui_request_state_name(state), HTML_END);
	html_elem(o, "dt", _("Applicant"), HTML_END);
	html_open(o, "dd", "title", q->applicant_login, HTML_END);
	html_text(o, q->applicant_name);
	ui_channel_note(r, q->applicant_via, q->applicant_os_user);
	html_close(o, "dd");
	html_elem(o, "dt", _("Action"), HTML_END);
	html_elem(o, "dd", ui_action_name(r, q->action), HTML_END);
	html_elem(o, "dt", _("Record"), HTML_END);
	request_record(r, q);
	{
		char *sec = ui_section_name(r, q->section);
		html_elem(o, "dt", _("Section"), HTML_END);
		html_elem(o, "dd", sec, HTML_END);
		free(sec);
	}
	html_elem(o, "dt", _("Reason"), HTML_END);
	html_elem(o, "dd", q->comment ? q->comment : "—", HTML_END);
	if (json_is_object(q->fields) && json_object_size(q->fields))
		request_fields(r, q);
	html_elem(o, "dt", _("Clauses"), HTML_END);
	html_open(o, "dd", HTML_END);
	for (size_t i = 0; json_is_array(q->clauses) && i < json_array_size(q->clauses); i++) {
		const char *c = json_string_value(json_array_get(q->clauses, i));
		if (c) {
			ui_clause(r, c);
			strbuf_addch(o, ' ');
		}
	}
	html_close(o, "dd");
	html_elem(o, "dt", _("Filed"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, q->created_ms);
	html_close(o, "dd");
	html_elem(o, "dt", _("Expires"), HTML_END);
	html_open(o, "dd", HTML_END);
	page_time(o, q->expires_ms);
	html_close(o, "dd");
	decided(r, q, state);
	html_close(o, "dl");
	html_close(o, "section");
}

/* One approver's line: who, approved by whom and when (or waiting), where it was routed
 * from, whether an exception record is needed. */
static void approver_item(struct web_req *r, const struct request_slot *s)
{
	struct strbuf *o = &r->out;
	struct strbuf who = STRBUF_INIT;

	slot_text(r, s, &who);
	html_open(o, "li", HTML_END);
	html_text(o, who.buf);
	html_text(o, " — ");
	if (s->approved_by) {
		char *by = request_person_label(s->approved_name, s->approved_title);
		html_textf(o, _("approved by %s"), by ? by : "?");
		ui_channel_note(r, s->approved_via, s->approved_os_user);
		strbuf_addch(o, ' ');
		page_time(o, s->approved_ms);
		if (s->acting_for) {
			strbuf_addch(o, ' ');
			html_elem(o, "span", _("(approved as deputy: 代決)"), "class", "tag",
			          HTML_END);
		}
		free(by);
	} else {
		html_text(o, _("waiting"));
	}
	if (s->routed_from) {
		html_text(o, " ");
		/* "security_officer@section:zeimu": the role and the place, by name */
		char *role = xstrdup(s->routed_from), *at = strchr(role, '@');
		char *place = at ? org_scope_name(r->st, at + 1) : NULL;
		struct strbuf from = STRBUF_INIT;
		if (at)
			*at = '\0';
		if (place)
			strbuf_addf(&from, "%s ", place);
		strbuf_addstr(&from, ui_role_name(r, role));
		html_textf(o, _("(routed from %s by the separation of duties rule)"), from.buf);
		strbuf_release(&from);
		free(place);
		free(role);
	}
	if (s->needs_exception)
		html_text(o, _(" (an exception record is needed)"));
	html_close(o, "li");
	strbuf_release(&who);
}

static void request_page(struct web_req *r, const struct request *q, const char *error,
                         const struct act_result *refused)
{
	struct strbuf *o = &r->out;
	struct strbuf title = STRBUF_INIT, url = STRBUF_INIT;
	int64_t now = time_now_ms();
	const char *state = request_state_at(q, now);

	strbuf_addf(&title, _("Request %lld: %s"), (long long)q->id, ui_action_name(r, q->action));
	page_begin(r, title.buf, NAV_REQUESTS);
	web_notice_from_query(r);
	if (error)
		page_notice(r, "error", error);
	if (refused)
		web_refusal(r, refused);
	request_props(r, q, state);

	strbuf_addf(&url, "/requests/%" PRId64 "/print", q->id);
	html_open(o, "p", "class", "noprint", HTML_END);
	page_link(o, url.buf, _("Printable form (申請・許可書) with the approval box"));
	html_close(o, "p");
	html_elem(o, "h2", _("Approvers"), HTML_END);
	html_open(o, "ul", HTML_END);
	for (size_t i = 0; i < q->n_slots; i++)
		approver_item(r, &q->slots[i]);
	html_close(o, "ul");

	{
		char owner[40];
		snprintf(owner, sizeof(owner), "request:%" PRId64, q->id);
		ui_attachments(r, owner, q->applicant == r->user->id || holds_slot(r, q));
	}
	if (!strcmp(state, "pending") && q->applicant == r->user->id)
		withdraw_panel(r, q);
	else if (!strcmp(state, "pending") && (holds_slot(r, q) || deputy_for(r, q)))
		decide_panel(r, q);
	page_end(r);
	strbuf_release(&title);
	strbuf_release(&url);
}

void ui_request(struct web_req *r)
{
	struct request q = { 0 };

	if (load_request(r, &q) < 0)
		return;
	request_page(r, &q, NULL, NULL);
	request_release(&q);
}

static void decide_post(struct web_req *r, enum act_kind kind)
{
	struct request q = { 0 };
	struct strbuf err = STRBUF_INIT, url = STRBUF_INIT;
	struct act_result res = ACT_RESULT_INIT;
	struct act_input in = { .kind = kind };
	bool too_long;
	const char *comment = web_comment(r, &too_long);
	const char *acting_for = web_form(r, "acting_for");
	struct act_attr ctx_attr;
	int ret;

	if (load_request(r, &q) < 0)
		return;
	in.request_id = q.id;
	in.comment = comment;
	if (too_long) {
		page_comment_too_long(r, &err);
		r->status = 400;
		request_page(r, &q, err.buf, NULL);
		goto out;
	}
	if (acting_for && *acting_for) {
		ctx_attr.key = "acting_for";
		ctx_attr.value = acting_for;
		in.ctx.attrs = &ctx_attr;
		in.ctx.n_attrs = 1;
	}
	if (kind == ACT_WITHDRAW && !web_confirmed(r)) {
		r->status = 400;
		request_page(r, &q, _("Tick the box to confirm the withdrawal."), NULL);
		goto out;
	}
	if (kind == ACT_REJECT && !in.comment) {
		r->status = 400;
		request_page(r, &q, _("Say why you reject the request."), NULL);
		goto out;
	}
	ret = web_act(r, &in, NULL, &res, &err);
	if (ret < 0) {
		r->status = web_act_status(ret);
		if (r->status == 503)
			web_error(r, 503, err.buf);
		else
			request_page(r, &q, err.buf, NULL);
		goto out;
	}
	if (res.outcome == ACT_REFUSED) {
		/* A refusal (self-approval, wrong approver, expired) is shown with its clause. */
		request_release(&q);
		memset(&q, 0, sizeof(q));
		if (request_get(r->st, in.request_id, &q, &err) < 0) {
			web_error(r, 503, err.buf);
			goto out;
		}
		r->status = 403;
		request_page(r, &q, NULL, &res);
		goto out;
	}
	strbuf_addf(&url, "/requests/%" PRId64 "?notice=%s", q.id,
	            kind == ACT_APPROVE  ? "approved"
	            : kind == ACT_REJECT ? "rejected"
	                                 : "withdrawn");
	web_redirect(r, url.buf);
out:
	act_result_release(&res);
	request_release(&q);
	strbuf_release(&err);
	strbuf_release(&url);
}

void ui_request_approve(struct web_req *r)
{
	decide_post(r, ACT_APPROVE);
}

void ui_request_reject(struct web_req *r)
{
	decide_post(r, ACT_REJECT);
}

void ui_request_withdraw(struct web_req *r)
{
	decide_post(r, ACT_WITHDRAW);
}
