/* act-result: the door's answer: outcome and action names, the result as text and JSON. */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "core/act-internal.h"

const char *act_outcome_name(enum act_outcome o)
{
	switch (o) {
	case ACT_DONE:
		return "done";
	case ACT_PENDING:
		return "pending";
	case ACT_REFUSED:
		return "refused";
	}
	return "?";
}

const char *act_kind_action(enum act_kind k)
{
	switch (k) {
	case ACT_RECORD:
		return "record.act";
	case ACT_APPROVE:
		return "request.approve";
	case ACT_REJECT:
		return "request.reject";
	case ACT_WITHDRAW:
		return "request.withdraw";
	case ACT_USER_UPDATE:
		return "user.update";
	case ACT_ATTACH:
		return "attachment.add";
	case ACT_TOTP_ENROL:
		return "user.totp_enrol";
	case ACT_TOTP_RESET:
		return "user.totp_reset";
	case ACT_TOKEN_ISSUE:
		return "api_token.issue";
	case ACT_TOKEN_REVOKE:
		return "api_token.revoke";
	case ACT_USER_MOVE:
		return "user.move";
	case ACT_USER_MOVE_CANCEL:
		return "user.move_cancel";
	case ACT_SECTION_ADD:
		return "section.add";
	case ACT_SYSTEM_ADD:
		return "system.add";
	case ACT_USER_ADD:
		return "user.add";
	case ACT_USER_SUSPEND:
		return "user.suspend";
	case ACT_USER_RETIRE:
		return "user.retire";
	case ACT_USER_ACTIVATE:
		return "user.activate";
	case ACT_USER_PASSWD:
		return "user.passwd";
	case ACT_ROLE_GRANT:
		return "role.grant";
	case ACT_ROLE_REVOKE:
		return "role.revoke";
	case ACT_POLICY_APPLY:
		return "policy.apply";
	case ACT_DUTY_DONE:
		return "duty.done";
	case ACT_BACKUP:
		return "backup.create";
	}
	return "?";
}

void act_result_release(struct act_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_approvers; i++) {
		free(r->approvers[i].role);
		free(r->approvers[i].name);
		free(r->approvers[i].scope);
		free(r->approvers[i].scope_name);
		free(r->approvers[i].routed_from);
	}
	free(r->approvers);
	for (size_t i = 0; i < r->n_notify; i++) {
		free(r->notify[i].role);
		free(r->notify[i].name);
		free(r->notify[i].scope);
		free(r->notify[i].scope_name);
	}
	free(r->notify);
	for (size_t i = 0; i < r->n_clauses; i++)
		free(r->clauses[i]);
	free(r->clauses);
	free(r->profile_sha256);
	free(r->message);
	fmtargs_release(&r->detail_args);
	memset(r, 0, sizeof(*r));
}

static void approver_label(struct strbuf *sb, const struct act_approver *a)
{
	if (a->scope_name)
		strbuf_addf(sb, "%s ", a->scope_name);
	strbuf_addstr(sb, a->name);
}

void act_result_text(const struct act_result *r, struct strbuf *out)
{
	bool first = true;

	switch (r->outcome) {
	case ACT_DONE:
		strbuf_addstr(out, "done");
		break;
	case ACT_PENDING:
		strbuf_addf(out, "pending: request %lld (承認者: ", (long long)r->request_id);
		for (size_t i = 0; i < r->n_approvers; i++) {
			const struct act_approver *a = &r->approvers[i];
			if (a->approved)
				continue;
			if (!first)
				strbuf_addstr(out, "、");
			first = false;
			approver_label(out, a);
			if (a->routed_from)
				strbuf_addf(out, " ← %s", a->routed_from);
			if (a->needs_exception)
				strbuf_addstr(out, "・例外措置が必要");
		}
		strbuf_addch(out, ')');
		break;
	case ACT_REFUSED:
		strbuf_addf(out, "refused: %s", r->message ? r->message : "");
		if (r->n_clauses) {
			strbuf_addstr(out, " [");
			for (size_t i = 0; i < r->n_clauses; i++)
				strbuf_addf(out, "%s%s", i ? " " : "", r->clauses[i]);
			strbuf_addch(out, ']');
		}
		break;
	}
}

void act_result_json(const struct act_result *r, struct strbuf *out)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "outcome", act_outcome_name(r->outcome));
	jw_key(&w, "request");
	if (r->request_id)
		jw_int(&w, r->request_id);
	else
		jw_null(&w);
	jw_key(&w, "record");
	if (r->record_id)
		jw_int(&w, r->record_id);
	else
		jw_null(&w);
	jw_key(&w, "approvers");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->n_approvers; i++) {
		const struct act_approver *a = &r->approvers[i];
		jw_object_begin(&w);
		jw_kv_str(&w, "role", a->role);
		jw_kv_str(&w, "name", a->name);
		jw_kv_str(&w, "scope", a->scope);
		jw_kv_str(&w, "scope_name", a->scope_name);
		if (a->routed_from)
			jw_kv_str(&w, "routed_from", a->routed_from);
		if (a->needs_exception)
			jw_kv_bool(&w, "needs_exception", true);
		jw_kv_bool(&w, "approved", a->approved);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->n_clauses; i++)
		jw_string(&w, r->clauses[i]);
	jw_array_end(&w);
	jw_key(&w, "ledger_index");
	jw_uint(&w, r->ledger_index);
	jw_kv_str(&w, "profile", r->profile_sha256);
	jw_kv_str(&w, "message", r->message);
	if (r->reason)
		jw_kv_str(&w, "reason", r->reason);
	jw_object_end(&w);
}
