/* cmd-role: `mamori role`: role assignments role@scope, granted and revoked through the door with
 * their periods, and the list of who holds which role where. */
#include <string.h>

#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/role.h"
#include "core/core.h"
#include "core/org.h"
#include "policy/policy.h"

void role_period(struct strbuf *sb, const struct org_assignment *a)
{
	core_format_local_date(sb, a->start_ms);
	strbuf_addstr(sb, "〜");
	if (a->end_ms)
		core_format_local_date(sb, a->end_ms - 24LL * 3600 * 1000);
}

void role_period_json(struct json_writer *w, const struct org_assignment *a, int64_t now)
{
	struct strbuf p = STRBUF_INIT;

	core_format_local_date(&p, a->start_ms);
	jw_kv_str(w, "from", p.buf);
	strbuf_reset(&p);
	if (a->end_ms)
		core_format_local_date(&p, a->end_ms - 24LL * 3600 * 1000);
	jw_kv_str(w, "until", a->end_ms ? p.buf : NULL);
	jw_kv_bool(w, "active", org_assignment_active(a, now));
	strbuf_release(&p);
}

static int role_change(struct cli_ctx *ctx, int argc, const char **argv, bool grant)
{
	static const char *const usage_grant[] = {
		"mamori role grant LOGIN ROLE@SCOPE [--from DATE] [--until DATE] [--as LOGIN] "
		"[--json]",
		NULL
	};
	static const char *const usage_revoke[] = {
		"mamori role revoke LOGIN ROLE@SCOPE [--until DATE] [--as LOGIN] [--json]", NULL
	};
	const char *as = NULL, *from = NULL, *until = NULL;
	bool json = false;
	const struct option opts_grant[] = {
		OPT_STRING(0, "from", &from, "DATE", "first day held (YYYY-MM-DD; default today)"),
		OPT_STRING(0, "until", &until, "DATE", "last day held (YYYY-MM-DD; default open)"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	const struct option opts_revoke[] = {
		OPT_STRING(0, "until", &until, "DATE",
		           "last day held (YYYY-MM-DD, today or later; default: ends now)"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_attr fields[3];
	struct act_input in = { 0 };
	struct door *d = NULL;
	size_t nf = 0;
	int n, ret;

	n = parse_options(argc, argv, grant ? opts_grant : opts_revoke,
	                  grant ? usage_grant : usage_revoke);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 2) {
		if (n >= 0)
			cli_error("role %s needs LOGIN and ROLE@SCOPE", grant ? "grant" : "revoke");
		return EXIT_USAGE;
	}
	fields[nf++] = (struct act_attr){ "role", argv[1] };
	if (from)
		fields[nf++] = (struct act_attr){ "from", from };
	if (until)
		fields[nf++] = (struct act_attr){ "until", until };
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = grant ? ACT_ROLE_GRANT : ACT_ROLE_REVOKE;
	in.actor = cli_admin_actor(as);
	in.target = argv[0];
	in.fields = fields;
	in.n_fields = nf;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static int role_grant(struct cli_ctx *ctx, int argc, const char **argv)
{
	return role_change(ctx, argc, argv, true);
}

static int role_revoke(struct cli_ctx *ctx, int argc, const char **argv)
{
	return role_change(ctx, argc, argv, false);
}

/* role list's table: one assignment a row, its period and whether it was revoked. */
static void role_list_table(struct strbuf *out, const struct profile *prof,
                            const struct org_assignments *l)
{
	struct strbuf p = STRBUF_INIT;
	struct table t;
	table_init(&t, 5, (const char *[]){ "LOGIN", "氏名", "ROLE@SCOPE", "役割", "期間" });
	for (size_t i = 0; i < l->nr; i++) {
		const struct org_assignment *a = &l->items[i];
		const struct policy_role *pr = prof ? policy_role(prof, a->role) : NULL;
		struct strbuf rs = STRBUF_INIT;
		strbuf_addf(&rs, "%s@%s", a->role, a->scope);
		strbuf_reset(&p);
		role_period(&p, a);
		if (a->revoked_ms)
			strbuf_addstr(&p, " (解除済)");
		table_add(&t, (const char *[]){ a->login, a->user_name, rs.buf,
		                                pr ? pr->name : a->role, p.buf });
		strbuf_release(&rs);
	}
	table_render(&t, out);
	table_release(&t);
	strbuf_release(&p);
}

static int role_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori role list [LOGIN] [--role ROLE] [--all] [--json]", NULL
	};
	const char *role = NULL;
	bool all = false, json = false;
	const struct option opts[] = {
		OPT_STRING(0, "role", &role, "ROLE", "only this role"),
		OPT_BOOL(0, "all", &all, "also revoked, ended and future assignments"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct org_assignments l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n > 1)
		return EXIT_USAGE;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (org_assignments_list(door_store(d), n ? argv[0] : NULL, role, !all, now, &l, &err) <
	    0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			const struct org_assignment *a = &l.items[i];
			jw_object_begin(&w);
			jw_kv_str(&w, "login", a->login);
			jw_kv_str(&w, "name", a->user_name);
			jw_kv_str(&w, "role", a->role);
			jw_kv_str(&w, "scope", a->scope);
			role_period_json(&w, a, now);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		role_list_table(&out, door_profile(d), &l);
	}
	ret = cli_print(&out);
out:
	org_assignments_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

int cmd_role(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "grant", role_grant, N_("give a person a role at a scope (role@scope)") },
		{ "revoke", role_revoke, N_("end a role assignment now (or after --until DATE)") },
		{ "list", role_list, N_("who holds which role where") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "role", table, argc, argv);
}
