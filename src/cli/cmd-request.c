/* cmd-request: `mamori request`: approval requests, who they wait for, approve and reject. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/export-lists.h"
#include "core/history.h"
#include "core/org.h"
#include "core/requests.h"
#include "policy/policy.h"

static void slot_label(struct strbuf *sb, struct door *d, const struct request_slot *x)
{
	const struct policy_role *pr = policy_role(door_profile(d), x->role);
	char *scope = org_scope_name(door_store(d), x->scope);

	if (scope)
		strbuf_addf(sb, "%s ", scope);
	strbuf_addstr(sb, pr ? pr->name : x->role);
	free(scope);
}

/* The "approvers" member: one object a slot, with who approved it and how. */
static void request_slots_json(struct json_writer *w, struct door *d, const struct request *q)
{
	jw_key(w, "approvers");
	jw_array_begin(w);
	for (size_t i = 0; i < q->n_slots; i++) {
		const struct request_slot *x = &q->slots[i];
		const struct policy_role *pr = policy_role(door_profile(d), x->role);
		char *scope_name = org_scope_name(door_store(d), x->scope);
		jw_object_begin(w);
		jw_kv_str(w, "role", x->role);
		jw_kv_str(w, "name", pr ? pr->name : x->role);
		jw_kv_str(w, "scope", x->scope);
		jw_kv_str(w, "scope_name", scope_name);
		if (x->routed_from)
			jw_kv_str(w, "routed_from", x->routed_from);
		if (x->needs_exception)
			jw_kv_bool(w, "needs_exception", true);
		jw_kv_str(w, "approved_by", x->approved_login);
		if (x->approved_by) {
			char *who = request_person_label(x->approved_name, x->approved_title);
			jw_kv_str(w, "approved_by_name", who);
			free(who);
		}
		if (x->acting_for)
			jw_kv_str(w, "acting_for", x->acting_for);
		if (x->approved_via) {
			jw_kv_str(w, "approved_via", x->approved_via);
			jw_kv_str(w, "approved_os_user", x->approved_os_user);
		}
		jw_object_end(w);
		free(scope_name);
	}
	jw_array_end(w);
}

static void request_json(struct json_writer *w, struct door *d, const struct request *q,
                         int64_t now)
{
	struct strbuf t = STRBUF_INIT;
	char *fields = json_dumps(q->fields, JSON_COMPACT | JSON_SORT_KEYS);
	char *context = json_dumps(q->context, JSON_COMPACT | JSON_SORT_KEYS);
	char *clauses = json_dumps(q->clauses, JSON_COMPACT);

	jw_kv_int(w, "id", q->id);
	jw_kv_str(w, "action", q->action);
	jw_key(w, "record");
	if (q->record_id)
		jw_int(w, q->record_id);
	else
		jw_null(w);
	jw_kv_str(w, "applicant", q->applicant_login);
	if (q->applicant_via) {
		jw_kv_str(w, "applicant_via", q->applicant_via);
		jw_kv_str(w, "applicant_os_user", q->applicant_os_user);
	}
	jw_kv_str(w, "state", request_state_at(q, now));
	jw_kv_str(w, "level", q->level);
	jw_kv_str(w, "section", q->section);
	jw_key(w, "fields");
	jw_raw(w, fields);
	jw_key(w, "context");
	jw_raw(w, context);
	jw_kv_str(w, "comment", q->comment);
	jw_key(w, "clauses");
	jw_raw(w, clauses);
	jw_kv_str(w, "profile", q->profile_sha256);
	time_format_rfc3339(&t, q->created_ms);
	jw_kv_str(w, "created", t.buf);
	strbuf_reset(&t);
	time_format_rfc3339(&t, q->expires_ms);
	jw_kv_str(w, "expires", t.buf);
	jw_kv_str(w, "decided_by", q->decided_login);
	{
		char *who = request_person_label(q->decided_name, q->decided_title);
		jw_kv_str(w, "decided_by_name", who);
		free(who);
	}
	strbuf_reset(&t);
	if (q->decided_ms)
		time_format_rfc3339(&t, q->decided_ms);
	jw_kv_str(w, "decided", q->decided_ms ? t.buf : NULL);
	jw_kv_str(w, "decision_comment", q->decision_comment);
	jw_kv_str(w, "closed_reason", q->closed_reason);
	request_slots_json(w, d, q);
	free(fields);
	free(context);
	free(clauses);
	strbuf_release(&t);
}

/* The list's table: one request a row, its approvers and what they did in the last column. */
static void request_list_table(struct door *d, const struct request_list *l, int64_t now,
                               struct strbuf *out)
{
	struct table t;
	table_init(&t, 6, (const char *[]){ "ID", "操作", "記録", "申請者", "状態", "承認者" });
	t.right_align = 1;
	for (size_t i = 0; i < l->nr; i++) {
		const struct request *q = &l->items[i];
		struct strbuf who = STRBUF_INIT;
		char id[24], rec[24];
		snprintf(id, sizeof(id), "%lld", (long long)q->id);
		snprintf(rec, sizeof(rec), "%lld", (long long)q->record_id);
		for (size_t k = 0; k < q->n_slots; k++) {
			if (who.len)
				strbuf_addstr(&who, "、");
			slot_label(&who, d, &q->slots[k]);
			if (q->slots[k].approved_by)
				strbuf_addf(&who, "(承認済: %s)", q->slots[k].approved_login);
		}
		table_add(&t, (const char *[]){
		                  id, q->action, q->record_id ? rec : "新規", q->applicant_login,
		                  cli_state_name(request_state_at(q, now)), who.buf });
		strbuf_release(&who);
	}
	table_render(&t, out);
	table_release(&t);
}

/* request list's output: --csv, --json or the table, printed; the exit status. */
static int request_list_print(struct door *d, const struct cli_csv *co, bool json,
                              const struct request_list *l, int64_t now)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (co->csv) {
		struct csv_writer w;
		cli_csv_begin(co, &w, &out);
		export_requests_csv(door_store(d), door_profile(d), l, now, &w);
		ret = cli_csv_end(co, &w, &out);
		strbuf_release(&out);
		return ret;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l->nr; i++) {
			jw_object_begin(&w);
			request_json(&w, d, &l->items[i], now);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		request_list_table(d, l, now, &out);
	}
	ret = cli_print(&out);
	strbuf_release(&out);
	return ret;
}

static int request_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori request list [--mine | --to-approve] --as "
		                             "LOGIN [--state S] [--json | --csv "
		                             "[--cp932] [-o FILE]]",
		                             NULL };
	const char *as = NULL, *state = NULL;
	bool mine = false, to_approve = false, json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_BOOL(0, "mine", &mine, "the requests LOGIN made"),
		OPT_BOOL(0, "to-approve", &to_approve, "the requests LOGIN may approve now"),
		OPT_STRING(0, "as", &as, "LOGIN", "whose view"),
		OPT_STRING(0, "state", &state, "S",
		           "pending, approved, rejected, expired, cancelled, withdrawn"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct request_filter f = { 0 };
	struct request_list l = { 0 };
	struct org_user u = { 0 };
	struct strv roles = STRV_INIT;
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 0 || (mine && to_approve) || ((mine || to_approve) && !as)) {
		if (n >= 0)
			cli_error(
			    "--mine and --to-approve need --as LOGIN, and exclude each other");
		return EXIT_USAGE;
	}
	if ((ret = cli_csv_usage(&co)))
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	f.now_ms = time_now_ms();
	f.state = state;
	if (as && (org_user_get(door_store(d), as, &u, &err) < 0 ||
	           org_user_roles(door_store(d), u.id, f.now_ms, &roles, &err) < 0)) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (mine)
		f.applicant = u.id;
	if (to_approve) {
		f.to_approve_roles = &roles;
		f.to_approve_user = u.id;
		f.profile = door_profile(d);
	}
	if (requests_list(door_store(d), &f, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = request_list_print(d, &co, json, &l, f.now_ms);
out:
	request_list_release(&l);
	org_user_release(&u);
	strv_release(&roles);
	strbuf_release(&err);
	door_free(d);
	return ret;
}

/* request show without --json: the request, its fields, approvers and clauses. */
static void request_text(struct strbuf *out, struct door *d, const struct request *q, int64_t now)
{
	const char *k;
	json_t *v;
	size_t i;
	if (q->record_id)
		strbuf_addf(out, T_("request %lld: %s on record %lld"), (long long)q->id, q->action,
		            (long long)q->record_id);
	else
		strbuf_addf(out, T_("request %lld: %s"), (long long)q->id, q->action);
	strbuf_addf(out, "\n申請者: %s (%s)\n状態: %s\n期限: ", q->applicant_name,
	            q->applicant_login, cli_state_name(request_state_at(q, now)));
	cli_time(out, q->expires_ms);
	strbuf_addstr(out, "\n");
	json_object_foreach(q->fields, k, v)
	{
		if (json_is_string(v))
			strbuf_addf(out, "%s: %s\n", k, json_string_value(v));
	}
	if (q->comment)
		strbuf_addf(out, T_("comment: %s\n"), q->comment);
	strbuf_addstr(out, "承認者:\n");
	for (size_t s = 0; s < q->n_slots; s++) {
		strbuf_addstr(out, "  ");
		slot_label(out, d, &q->slots[s]);
		strbuf_addf(out, " (%s@%s)", q->slots[s].role, q->slots[s].scope);
		if (q->slots[s].routed_from)
			strbuf_addf(out, " ← %s", q->slots[s].routed_from);
		if (q->slots[s].needs_exception)
			strbuf_addstr(out, " 例外措置が必要");
		strbuf_addf(out, "  %s\n",
		            q->slots[s].approved_login ? q->slots[s].approved_login : "未承認");
	}
	strbuf_addstr(out, "条項:");
	json_array_foreach(q->clauses, i, v)
	{
		strbuf_addf(out, " %s", json_string_value(v));
	}
	strbuf_addstr(out, "\n");
}

static int request_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori request show N [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct request q = { 0 };
	struct history h = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id, now = time_now_ms();
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		if (n >= 0)
			cli_error("request show needs a request number");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (request_get(door_store(d), id, &q, &err) < 0 ||
	    history_for_request(d, id, &h, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_object_begin(&w);
		request_json(&w, d, &q, now);
		jw_key(&w, "history");
		cli_history_json(&w, &h);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		request_text(&out, d, &q, now);
	}
	ret = cli_print(&out);
out:
	request_release(&q);
	history_release(&h);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int request_decide(struct cli_ctx *ctx, int argc, const char **argv, bool approve)
{
	static const char *const usage_a[] = {
		"mamori request approve N --as LOGIN [--comment TEXT] [--context acting_for=ROLE] "
		"[--attach FILE]... [--json]",
		NULL
	};
	static const char *const usage_r[] = {
		"mamori request reject N --as LOGIN --comment TEXT [--attach FILE]... [--json]",
		NULL
	};
	const char *as = NULL, *comment = NULL;
	struct string_list context = { 0 }, attach = { 0 };
	struct cli_files files = { 0 };
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "the approver (required)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "a comment (required to reject)"),
		OPT_STRING_LIST(0, "context", &context, "K=V",
		                "acting_for=ROLE: a deputy standing in (MIN-2-2-2)"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE", "a file kept with the decision"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct cli_attrs attrs = { 0 };
	struct act_input in = { 0 };
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options(argc, argv, opts, approve ? usage_a : usage_r);
	if (n == PARSE_OPT_HELP) {
		string_list_clear(&context);
		string_list_clear(&attach);
		return EXIT_DONE;
	}
	if (n != 1 || !as || parse_int64(argv[0], 1, INT64_MAX, &id) < 0 ||
	    (!approve && !comment)) {
		if (n >= 0)
			cli_error("request %s needs a request number and --as LOGIN%s",
			          approve ? "approve" : "reject", approve ? "" : " and --comment");
		string_list_clear(&context);
		string_list_clear(&attach);
		return EXIT_USAGE;
	}
	if (cli_attrs_parse(&context, "--context", &attrs) < 0) {
		string_list_clear(&context);
		string_list_clear(&attach);
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret == EXIT_DONE && cli_files_store(d, &attach, &files) < 0) {
		ret = EXIT_FAILED;
		door_free(d);
	} else if (ret == EXIT_DONE) {
		in.attachments = files.items;
		in.n_attachments = files.nr;
		in.kind = approve ? ACT_APPROVE : ACT_REJECT;
		in.actor = as;
		in.request_id = id;
		in.comment = comment;
		cli_act_context(&in.ctx);
		in.ctx.attrs = attrs.items;
		in.ctx.n_attrs = attrs.nr;
		ret = cli_act(d, &in, json, NULL);
		door_free(d);
	}
	cli_attrs_release(&attrs);
	cli_files_release(&files);
	string_list_clear(&context);
	string_list_clear(&attach);
	return ret;
}

static int request_withdraw(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori request withdraw N --as LOGIN [--comment TEXT] [--json]", NULL
	};
	const char *as = NULL, *comment = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "the applicant (required)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "why (optional)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { 0 };
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !as || parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		if (n >= 0)
			cli_error("request withdraw needs a request number and --as LOGIN");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = ACT_WITHDRAW;
	in.actor = as;
	in.request_id = id;
	in.comment = comment;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static int request_approve(struct cli_ctx *ctx, int argc, const char **argv)
{
	return request_decide(ctx, argc, argv, true);
}

static int request_reject(struct cli_ctx *ctx, int argc, const char **argv)
{
	return request_decide(ctx, argc, argv, false);
}

int cmd_request(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "list", request_list, N_("requests: all, --mine, or --to-approve") },
		{ "show", request_show, N_("one request with its approvers and history") },
		{ "approve", request_approve, N_("approve; when all have, the action is done") },
		{ "reject", request_reject, N_("reject, with a reason") },
		{ "withdraw", request_withdraw,
		  N_("the applicant takes back a pending request (取下げ)") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "request", table, argc, argv);
}
