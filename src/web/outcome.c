/* outcome: running an act through the door from a page, and telling people what happened. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "web/outcome.h"
#include "web/ui.h"

int web_act(struct web_req *r, struct act_input *in, const struct web_params *fields,
            struct act_result *res, struct strbuf *err)
{
	struct act_attr *attrs = NULL;
	int ret;

	if (!web_door(r)) {
		error_set(err, "the data directory has no profile in force");
		return -EIO;
	}
	if (fields && fields->nr) {
		attrs = xcalloc(fields->nr, sizeof(*attrs));
		for (size_t i = 0; i < fields->nr; i++) {
			attrs[i].key = fields->items[i].name;
			attrs[i].value = fields->items[i].value;
		}
		in->fields = attrs;
		in->n_fields = fields->nr;
	}
	in->actor = r->user->login;
	in->ctx.via = r->api ? "api" : "web";
	in->ctx.remote = r->remote;
	ret = act_run(web_door(r), in, res, err);
	free(attrs);
	in->fields = NULL;
	in->n_fields = 0;
	return ret;
}

int web_act_status(int code)
{
	switch (code) {
	case -EINVAL:
		return 400;
	case -ENOENT:
		return 404;
	case -EEXIST:
	case -EBUSY: /* decided or changed by someone else meanwhile: read it again */
		return 409;
	case -EACCES:
	case -EPERM:
		return 403;
	default:
		return 503;
	}
}

void web_notice_from_query(struct web_req *r)
{
	const char *n = web_query(r, "notice");

	if (!n)
		return;
	if (!strcmp(n, "done"))
		page_notice(r, "ok", _("Done. The change is recorded in the ledger."));
	else if (!strcmp(n, "pending"))
		page_notice(
		    r, "ok",
		    _("Your request has been filed and waits for approval. The approvers see "
		      "it in their inbox."));
	else if (!strcmp(n, "approved"))
		page_notice(r, "ok", _("Approved. The approval is recorded in the ledger."));
	else if (!strcmp(n, "rejected"))
		page_notice(r, "ok", _("Rejected. The rejection is recorded in the ledger."));
	else if (!strcmp(n, "withdrawn"))
		page_notice(r, "ok", _("Withdrawn. The withdrawal is recorded in the ledger."));
	else if (!strcmp(n, "duty-done"))
		page_notice(r, "ok", _("Recorded as done. The record is in the ledger."));
	else if (!strcmp(n, "attached"))
		page_notice(r, "ok",
		            _("The file was added. Its SHA-256 is recorded in the ledger."));
	else if (!strcmp(n, "attach-too-big"))
		page_notice(r, "error", _("The file is larger than the ward accepts."));
	else if (!strcmp(n, "attach-kind"))
		page_notice(r, "error",
		            _("This kind of file is not kept: add a PDF, an Office document, an "
		              "image or a text file."));
	else if (!strcmp(n, "attach-bad"))
		page_notice(r, "error", _("The file is empty or its name cannot be used."));
	else if (!strcmp(n, "attach-refused"))
		page_notice(r, "error", _("You may not add files here."));
}

/* act_result.reason codes (core/act.h) → sentences for people, translated by the catalog. */
static const char *refusal_text(const char *reason)
{
	static const struct {
		const char *code, *text;
	} texts[] = {
		{ "self_approval",
		  N_("The applicant may not approve their own request: applicant and "
		     "approver must be different people.") },
		{ "not_approver",
		  N_("You are not one of the approvers this request is waiting for.") },
		{ "decided", N_("This request has already been decided.") },
		{ "expired", N_("This request has expired; the applicant must apply again.") },
		{ "inactive", N_("Your account is suspended or retired and can do nothing.") },
		{ "state", N_("This operation cannot be done in the record's current state.") },
		{ "denied", N_("The policy does not allow this operation.") },
		{ "missing_fields", N_("This operation must record more items; fill in every "
		                       "required item.") },
		{ "not_applicant", N_("Only the applicant may withdraw this request.") },
		{ "not_independent",
		  N_("The audit team must be independent of what it audits: someone on it belongs "
		     "to an audited section or holds a role over it or its systems.") },
		{ "not_named", N_("Only the people the audit names (its team) may do this.") },
		{ "missing_context",
		  N_("The decision depends on something the application does not say; answer "
		     "every question on the form.") },
	};

	for (size_t i = 0; reason && i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(texts[i].code, reason))
			return texts[i].text;
	return NULL;
}

void web_refusal(struct web_req *r, const struct act_result *res)
{
	struct strbuf *o = &r->out;

	html_open(o, "div", "class", "notice error", "role", "alert", HTML_END);
	html_elem(o, "strong", _("Refused:"), HTML_END);
	strbuf_addch(o, ' ');
	if (refusal_text(res->reason)) {
		/* The reason in the reader's language; the door's own words as the detail. */
		html_text(o, _(refusal_text(res->reason)));
		if (res->message && *res->message) {
			html_open(o, "div", "class", "detail", HTML_END);
			html_text(o, _("Details:"));
			strbuf_addch(o, ' ');
			html_text(o, res->message);
			html_close(o, "div");
		}
	} else {
		html_text(o, res->message ? res->message : _("the policy does not allow this."));
	}
	if (res->n_clauses) {
		html_open(o, "div", HTML_END);
		html_text(o, _("Clauses:"));
		for (size_t i = 0; i < res->n_clauses; i++) {
			strbuf_addch(o, ' ');
			ui_clause(r, res->clauses[i]);
		}
		html_close(o, "div");
	}
	html_close(o, "div");
}
