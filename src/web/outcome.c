/* outcome: running an act through the door from a page, and telling people what happened. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "policy/policy.h"
#include "web/outcome.h"
#include "web/ui.h"

static void error_in_language(struct web_req *r, int code, struct act_result *res,
                              struct strbuf *err);

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
	in->error_detail = true; /* every page releases the result */
	/* the token's identity not read again since the worker kept it: the door checks it */
	in->check_identity = r->identity_deferred;
	in->identity_stamp = r->identity_stamp;
	ret = act_run(web_door(r), in, res, err);
	/* a kept identity the door checked: the answer stands (else route_dispatch runs the call
	 * again; -EKEYEXPIRED: the stamp moved and nothing was done) */
	if (res->identity_checked)
		r->identity_verified = true;
	if (ret < 0 && !r->api && web_failed_for_good(r)) {
		/* for good, not "try again later": what happened and what to do */
		web_log(r, "act not taken: %s", err->buf);
		strbuf_reset(err);
		strbuf_addstr(err, _(web_failed_text));
	} else if (ret < 0 && !r->api) {
		error_in_language(r, ret, res, err);
	}
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

const char *web_refusal_reason(const char *reason)
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
		{ "out_of_scope",
		  N_("This clause is outside the scope the audit names: record findings on the "
		     "clauses it audits.") },
		{ "lacks_role",
		  N_("Someone named here does not hold the role the policy requires of them: an "
		     "audit team member must be an auditor, a person with the expertise.") },
		{ "not_named", N_("Only the people the audit names (its team) may do this.") },
		{ "duplicate", N_("This number is already used in this register: each record needs "
		                  "its own.") },
		{ "too_few", N_("This duty is held by at least two people together: name two at "
		                "first, and do not release all but one.") },
		{ "missing_context",
		  N_("The decision depends on something the application does not say; answer "
		     "every question on the form.") },
	};

	for (size_t i = 0; reason && i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(texts[i].code, reason))
			return texts[i].text;
	return NULL;
}

/* What names an id the door put into its message, kept until the page is written. */
struct detail_names {
	struct web_req *r;
	char *kept[8];
	size_t n_kept;
};

static const char *detail_keep(struct detail_names *dn, char *s)
{
	if (dn->n_kept == sizeof(dn->kept) / sizeof(dn->kept[0])) {
		free(s);
		return NULL;
	}
	return dn->kept[dn->n_kept++] = s;
}

static bool login_like(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr("._-", *s)))
			return false;
	return true;
}

/* Phrases the door and the policy engine put into refusals as arguments, for the catalogue. */
static const char *const detail_phrases[] __attribute__((unused)) = {
	N_("no rule allows this action for this request"),
	N_("the resource type is not the action's register"),
	N_("the action cannot start from the record's state"),
	N_("the request gives no level and the rules need one"),
	N_("the request leaves out context the action needs (see missing)"),
	N_("none"),
};

/* A request's states (core/requests.h), as the door names them in its refusals. */
static const char *const request_states[] = {
	"pending", "approved", "rejected", "expired", "withdrawn", "cancelled",
};

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_@:.-", c);
}

/*
 * A list the door wrote with each name followed by its id ("持出し先 (destination)、税務課
 * 課長 (section_head@section:zeimu)"): the names alone for a reader. NULL when there is none.
 */
static const char *without_ids(struct detail_names *dn, const char *arg)
{
	struct strbuf sb = STRBUF_INIT;
	bool changed = false;

	for (const char *p = arg; *p;) {
		const char *q = p + 2;

		if (p[0] == ' ' && p[1] == '(' && id_char(*q)) {
			while (id_char(*q))
				q++;
			/* the id is the name's last group: one another " (" follows is the label's
			 * own ("期限 (yyyy-mm-dd) (due)" is 期限 (yyyy-mm-dd)) */
			if (*q == ')' && strncmp(q + 1, " (", 2) != 0) {
				p = q + 1;
				changed = true;
				continue;
			}
		}
		strbuf_addch(&sb, *p++);
	}
	if (!changed) {
		strbuf_release(&sb);
		return NULL;
	}
	return detail_keep(dn, strbuf_detach(&sb, NULL));
}

/*
 * A name for an argument of the door's message that is an id: an action (asset.take_out), a
 * role or role@scope, a register, a state, a request or account status, a person's login.
 * NULL keeps the argument as it is (numbers, dates, names already).
 */
static const char *detail_name(void *ctx, const char *arg)
{
	struct detail_names *dn = ctx;
	struct web_req *r = dn->r;
	const struct profile *p = r->profile;
	const char *at = strchr(arg, '@');
	struct org_user u = { 0 };
	const char *ret = NULL;

	if (!p || !*arg)
		return NULL;
	if (strchr(arg, '.') && strcmp(ui_action_name(r, arg), arg))
		return ui_action_name(r, arg); /* the profile's actions and the door's own */
	if (!strcmp(arg, "org"))
		return _("the whole ward");
	if (!strncmp(arg, "section:", 8) || !strncmp(arg, "system:", 7)) {
		char *scope = org_scope_name(r->st, arg);
		return scope ? detail_keep(dn, scope) : NULL;
	}
	if (policy_duty(p, arg) && policy_duty(p, arg)->name)
		return policy_duty(p, arg)->name;
	if (at && at != arg) {
		char *role = xstrndup(arg, (size_t)(at - arg));
		char *scope = org_scope_name(r->st, at + 1);
		struct strbuf sb = STRBUF_INIT;

		strbuf_addstr(&sb, ui_role_name(r, role));
		if (scope)
			strbuf_addf(&sb, "（%s）", scope);
		free(role);
		free(scope);
		return detail_keep(dn, strbuf_detach(&sb, NULL));
	}
	if (policy_role(p, arg) || !strcmp(arg, "mamori_admin"))
		return ui_role_name(r, arg);
	if (policy_register(p, arg))
		return ui_register_name(r, arg);
	if (!strcmp(arg, "active") || !strcmp(arg, "suspended") || !strcmp(arg, "retired"))
		return _(arg);
	for (size_t i = 0; i < sizeof(request_states) / sizeof(request_states[0]); i++)
		if (!strcmp(arg, request_states[i]))
			return ui_request_state_name(arg);
	for (unsigned i = 0; i < p->n_registers; i++) {
		const struct policy_state *st = policy_register_state(&p->registers[i], arg);
		if (st && st->name)
			return st->name;
	}
	if (login_like(arg) && org_user_get(r->st, arg, &u, NULL) == 0 && u.name)
		ret = detail_keep(dn, xstrdup(u.name));
	org_user_release(&u);
	if (ret)
		return ret;
	if (_(arg) != arg) /* a phrase of the door's own (detail_phrases) */
		return _(arg);
	return without_ids(dn, arg);
}

/*
 * The door's own account of the refusal, said in the reader's language: its message id
 * translated by the catalogue, with names for ids. NULL when the catalogue lacks it (the
 * reason alone is shown then, never an English sentence on a Japanese page).
 */
static char *refusal_detail(struct web_req *r, const struct act_result *res)
{
	struct detail_names dn = { .r = r };
	struct strbuf sb = STRBUF_INIT;
	const char *fmt;

	if (!res->detail_fmt)
		return NULL;
	fmt = _(res->detail_fmt);
	if (r->lang == WEB_LANG_JA && fmt == res->detail_fmt) {
		web_log(r, "%s without a translation: %s",
		        res->outcome == ACT_REFUSED ? "refusal" : "error", res->detail_fmt);
		return NULL;
	}
	fmtargs_render(&sb, fmt, &res->detail_args, detail_name, &dn);
	for (size_t i = 0; i < dn.n_kept; i++)
		free(dn.kept[i]);
	return strbuf_detach(&sb, NULL);
}

char *web_refusal_text(struct web_req *r, const struct act_result *res, const char *fallback)
{
	char *detail = refusal_detail(r, res);
	const char *reason = web_refusal_reason(res->reason);

	if (detail && *detail)
		return detail;
	free(detail);
	return xstrdup(reason ? _(reason) : fallback);
}

void web_refusal(struct web_req *r, const struct act_result *res)
{
	struct strbuf *o = &r->out;
	char *detail = refusal_detail(r, res);

	html_open(o, "div", "class", "notice error", "role", "alert", HTML_END);
	html_elem(o, "strong", _("Refused:"), HTML_END);
	strbuf_addch(o, ' ');
	if (web_refusal_reason(res->reason)) {
		/* The reason in the reader's language; the door's own account as the detail. */
		html_text(o, _(web_refusal_reason(res->reason)));
		if (detail && *detail) {
			html_open(o, "div", "class", "detail", HTML_END);
			html_text(o, _("Details:"));
			strbuf_addch(o, ' ');
			html_text(o, detail);
			html_close(o, "div");
		}
	} else {
		html_text(o, detail ? detail : _("the policy does not allow this."));
	}
	free(detail);
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

/*
 * An act the door did not take (bad input, a record gone, a change meanwhile) said in the
 * reader's language: the door's message id translated, with names for ids; else, on a
 * Japanese page, what kind of error it was (the English message goes to the server log).
 */
static void error_in_language(struct web_req *r, int code, struct act_result *res,
                              struct strbuf *err)
{
	char *detail;
	const char *kind;

	if (r->lang != WEB_LANG_JA)
		return;
	detail = refusal_detail(r, res);
	if (detail && *detail) {
		strbuf_reset(err);
		strbuf_addstr(err, detail);
		free(detail);
		return;
	}
	free(detail);
	web_log(r, "act not taken: %s", err->buf);
	switch (code) {
	case -EINVAL:
		kind = N_("The input was not accepted: check each item and try again.");
		break;
	case -ENOENT:
		kind = N_("What this refers to does not exist (any more).");
		break;
	case -EEXIST:
		kind = N_("This exists already.");
		break;
	case -EBUSY:
		kind = N_("Someone changed this meanwhile: read it again and retry.");
		break;
	default:
		kind = N_("Mamori could not do this just now: try again later, or tell the "
		          "system's administrator.");
		break;
	}
	strbuf_reset(err);
	strbuf_addstr(err, _(kind));
}

void web_refusal_page(struct web_req *r, const struct act_result *res, const char *title,
                      enum page_nav nav, const char *back, const char *back_label)
{
	r->status = 403;
	page_begin(r, title, nav);
	web_refusal(r, res);
	html_open(&r->out, "p", HTML_END);
	page_link(&r->out, back, back_label);
	html_close(&r->out, "p");
	page_end(r);
}
