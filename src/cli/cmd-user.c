/* cmd-user: `mamori user`: staff, their status and passwords (`mamori role` is cmd-role.c). */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/role.h"
#include "core/export-lists.h"
#include "core/org.h"
#include "core/personnel.h"
#include "policy/policy.h"

static int user_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori user add LOGIN --name NAME --section ID [--employment TYPE] "
		"[--title TEXT] [--email ADDRESS] [--password-stdin] [--as LOGIN] [--json]",
		NULL
	};
	const char *name = NULL, *section = NULL, *employment = NULL, *as = NULL;
	const char *title = NULL, *email = NULL;
	bool pw_stdin = false, json = false;
	const struct option opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "display name (佐藤 花子)"),
		OPT_STRING(0, "section", &section, "ID", "the section they belong to"),
		OPT_STRING(0, "employment", &employment, "TYPE",
		           "職員 (default), 非常勤職員, 指定管理者, 受託事業者, 派遣労働者"),
		OPT_STRING(0, "title", &title, "TEXT", "職名, how decisions name them (税務課長)"),
		OPT_STRING(0, "email", &email, "ADDRESS", "where their notifications go"),
		OPT_BOOL(0, "password-stdin", &pw_stdin, "read the first password from stdin"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct strbuf pw = STRBUF_INIT_SECRET;
	struct act_attr fields[5];
	struct act_input in = { 0 };
	struct door *d = NULL;
	size_t nf = 0;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !name || !section) {
		if (n >= 0)
			cli_error("user add needs a LOGIN, --name and --section");
		return EXIT_USAGE;
	}
	if (pw_stdin && cli_read_secret(&pw) < 0) {
		cli_error("cannot read the password from stdin");
		strbuf_release_secret(&pw);
		return EXIT_FAILED;
	}
	fields[nf++] = (struct act_attr){ "name", name };
	fields[nf++] = (struct act_attr){ "section", section };
	if (employment)
		fields[nf++] = (struct act_attr){ "employment", employment };
	if (title)
		fields[nf++] = (struct act_attr){ "title", title };
	if (email)
		fields[nf++] = (struct act_attr){ "email", email };
	ret = cli_door_open(ctx, 0, &d);
	if (ret == EXIT_DONE) {
		in.kind = ACT_USER_ADD;
		in.actor = cli_admin_actor(as);
		in.target = argv[0];
		in.fields = fields;
		in.n_fields = nf;
		in.secret = pw_stdin ? pw.buf : NULL;
		cli_act_context(&in.ctx);
		ret = cli_act(d, &in, json, NULL);
		door_free(d);
	}
	strbuf_release_secret(&pw);
	return ret;
}

static void user_json(struct json_writer *w, const struct org_user *u)
{
	jw_kv_str(w, "login", u->login);
	jw_kv_str(w, "name", u->name);
	jw_kv_str(w, "section", u->section);
	jw_kv_str(w, "employment", u->employment);
	jw_kv_str(w, "title", u->title);
	jw_kv_str(w, "email", u->email);
	jw_kv_str(w, "status", u->status);
	jw_kv_bool(w, "must_change_password", u->must_change);
	if (u->directory_dn)
		jw_kv_str(w, "directory_dn", u->directory_dn);
}

static int user_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori user list [--section ID] [--status "
		                             "active|suspended|retired] [--json | --csv "
		                             "[--cp932] [-o FILE]]",
		                             NULL };
	const char *section = NULL, *status = NULL;
	bool json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "section", &section, "ID", "only this section"),
		OPT_STRING(0, "status", &status, "STATUS", "only this status"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct org_users l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if ((ret = cli_csv_usage(&co)))
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (org_users_list(door_store(d), section, status, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (co.csv) {
		struct csv_writer w;
		cli_csv_begin(&co, &w, &out);
		export_users_csv(door_store(d), &l, &w);
		ret = cli_csv_end(&co, &w, &out);
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			jw_object_begin(&w);
			user_json(&w, &l.items[i]);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table t;
		table_init(&t, 5, (const char *[]){ "LOGIN", "氏名", "所属", "雇用形態", "状態" });
		for (size_t i = 0; i < l.nr; i++)
			table_add(&t, (const char *[]){ l.items[i].login, l.items[i].name,
			                                l.items[i].section, l.items[i].employment,
			                                cli_state_name(l.items[i].status) });
		table_render(&t, &out);
		table_release(&t);
	}
	ret = cli_print(&out);
out:
	org_users_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

/* user show --json: the user, a move dated ahead (or null) and the roles with their periods. */
static void user_show_json(struct strbuf *out, const struct org_user *u,
                           const struct personnel_move *move, const struct org_assignments *roles,
                           int64_t now)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_object_begin(&w);
	user_json(&w, u);
	jw_key(&w, "scheduled_move");
	if (move->on) {
		jw_object_begin(&w);
		jw_kv_str(&w, "section", move->section);
		jw_kv_str(&w, "title", move->title);
		jw_kv_str(&w, "on", move->on);
		jw_object_end(&w);
	} else {
		jw_null(&w);
	}
	jw_key(&w, "roles");
	jw_array_begin(&w);
	for (size_t i = 0; i < roles->nr; i++) {
		const struct org_assignment *a = &roles->items[i];
		jw_object_begin(&w);
		jw_kv_str(&w, "role", a->role);
		jw_kv_str(&w, "scope", a->scope);
		role_period_json(&w, a, now);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

/* user show without --json: the user as text, a role's name from the profile when it has one. */
static void user_show_text(struct strbuf *out, const struct profile *prof, const struct org_user *u,
                           const struct personnel_move *move, const struct org_assignments *roles,
                           int64_t now)
{
	struct strbuf p = STRBUF_INIT;
	strbuf_addf(out, "%s  %s\n所属: %s\n雇用形態: %s\n状態: %s%s\n", u->login, u->name,
	            u->section ? u->section : "-", u->employment, cli_state_name(u->status),
	            u->must_change ? " (次回ログイン時にパスワード変更)" : "");
	if (move->on)
		strbuf_addf(out, "異動予定: %s → %s (%s)%s%s\n", u->section ? u->section : "-",
		            move->section, move->on, move->title ? " 職名 " : "",
		            move->title ? move->title : "");
	strbuf_addstr(out, "\n役割:\n");
	for (size_t i = 0; i < roles->nr; i++) {
		const struct org_assignment *a = &roles->items[i];
		const struct policy_role *pr = prof ? policy_role(prof, a->role) : NULL;
		strbuf_reset(&p);
		role_period(&p, a);
		strbuf_addf(out, "  %s@%s  %s  %s%s\n", a->role, a->scope, pr ? pr->name : a->role,
		            p.buf,
		            a->revoked_ms                    ? " (解除済)"
		            : !org_assignment_active(a, now) ? " (期間外)"
		                                             : "");
	}
	strbuf_release(&p);
}

static int user_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori user show LOGIN [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct org_user u = { 0 };
	struct org_assignments roles = { 0 };
	struct personnel_move move = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (org_user_get(door_store(d), argv[0], &u, &err) < 0 ||
	    org_assignments_list(door_store(d), argv[0], NULL, false, now, &roles, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (personnel_scheduled_get(door_store(d), u.id, &move, &err) == -ENOENT)
		strbuf_reset(&err);
	if (err.len) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json)
		user_show_json(&out, &u, &move, &roles, now);
	else
		user_show_text(&out, door_profile(d), &u, &move, &roles, now);
	ret = cli_print(&out);
out:
	personnel_move_release(&move);
	org_user_release(&u);
	org_assignments_release(&roles);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int user_simple(struct cli_ctx *ctx, int argc, const char **argv, enum act_kind kind,
                       const char *verb)
{
	const char *as = NULL;
	bool json = false;
	struct strbuf u = STRBUF_INIT;
	const char *usage[] = { NULL, NULL };
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { 0 };
	struct door *d = NULL;
	int n, ret;

	strbuf_addf(&u, "mamori user %s LOGIN [--as LOGIN] [--json]", verb);
	usage[0] = u.buf;
	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	strbuf_release(&u);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = kind;
	in.actor = cli_admin_actor(as);
	in.target = argv[0];
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static int user_suspend(struct cli_ctx *ctx, int argc, const char **argv)
{
	return user_simple(ctx, argc, argv, ACT_USER_SUSPEND, "suspend");
}

static int user_retire(struct cli_ctx *ctx, int argc, const char **argv)
{
	return user_simple(ctx, argc, argv, ACT_USER_RETIRE, "retire");
}

static int user_activate(struct cli_ctx *ctx, int argc, const char **argv)
{
	return user_simple(ctx, argc, argv, ACT_USER_ACTIVATE, "activate");
}

static int user_totp_reset(struct cli_ctx *ctx, int argc, const char **argv)
{
	return user_simple(ctx, argc, argv, ACT_TOTP_RESET, "totp-reset");
}

static int user_passwd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori user passwd LOGIN (--password-stdin | --generate) [--as LOGIN] [--json]",
		NULL
	};
	const char *as = NULL;
	bool pw_stdin = false, generate = false, json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "password-stdin", &pw_stdin, "read the new password from stdin"),
		OPT_BOOL(0, "generate", &generate,
		         "generate a temporary password, print it once (must be changed)"),
		OPT_STRING(0, "as", &as, "LOGIN", "who changes it: the user, or an administrator"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct strbuf pw = STRBUF_INIT_SECRET;
	char gen[PASSWORD_GENERATED_SIZE] = "";
	struct act_input in = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || pw_stdin == generate) {
		if (n >= 0)
			cli_error(
			    "user passwd needs a LOGIN and one of --password-stdin, --generate");
		return EXIT_USAGE;
	}
	if (pw_stdin && cli_read_secret(&pw) < 0) {
		cli_error("cannot read the password from stdin");
		strbuf_release_secret(&pw);
		return EXIT_FAILED;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret == EXIT_DONE) {
		struct password_policy pol = PASSWORD_POLICY_INIT(NULL);
		struct act_attr must = { "must_change", "1" };
		if (generate && password_generate(&pol, argv[0], NULL, gen) < 0) {
			cli_error("cannot generate a password; retry");
			ret = EXIT_FAILED;
		} else {
			in.kind = ACT_USER_PASSWD;
			in.actor = as ? as : argv[0];
			in.target = argv[0];
			in.secret = generate ? gen : pw.buf;
			if (generate) {
				in.fields = &must;
				in.n_fields = 1;
			}
			cli_act_context(&in.ctx);
			ret = cli_act(d, &in, json, &res);
			if (generate && res.outcome == ACT_DONE && !json)
				printf(T_("temporary password for %s (shown once; change it at the "
				          "next login): %s\n"),
				       argv[0], gen);
			act_result_release(&res);
		}
		door_free(d);
	}
	sodium_memzero(gen, sizeof(gen));
	strbuf_release_secret(&pw);
	return ret;
}

static int user_set(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori user set LOGIN [--name NAME] [--title TEXT] [--email ADDRESS] [--as LOGIN] "
		"[--json]",
		NULL
	};
	const char *name = NULL, *title = NULL, *email = NULL, *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "display name"),
		OPT_STRING(0, "title", &title, "TEXT", "職名 (税務課長); \"\" clears it"),
		OPT_STRING(0, "email", &email, "ADDRESS", "notifications; \"\" clears it"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_attr fields[3];
	struct act_input in = { 0 };
	struct door *d = NULL;
	size_t nf = 0;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || (!name && !title && !email)) {
		if (n >= 0)
			cli_error("user set needs a LOGIN and --name, --title or --email");
		return EXIT_USAGE;
	}
	if (name)
		fields[nf++] = (struct act_attr){ "name", name };
	if (title)
		fields[nf++] = (struct act_attr){ "title", title };
	if (email)
		fields[nf++] = (struct act_attr){ "email", email };
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = ACT_USER_UPDATE;
	in.actor = cli_admin_actor(as);
	in.target = argv[0];
	in.fields = fields;
	in.n_fields = nf;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static const char *const col_login[] = { "login", "ログイン", "ログインID", "ID", NULL };
static const char *const col_name[] = { "name", "氏名", "名前", NULL };
static const char *const col_section[] = { "section", "所属", "課", "課等ID", NULL };
static const char *const col_employment[] = { "employment", "雇用形態", "職員区分", NULL };
static const char *const col_title[] = { "title", "職名", "役職", NULL };
static const char *const col_email[] = { "email", "メールアドレス", "メール", "e-mail", NULL };

static int user_import(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori user import FILE.csv [--as LOGIN]", NULL };
	const char *as = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_END(),
	};
	struct csv csv = CSV_INIT;
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	struct act_input *in = NULL;
	struct act_attr *fields = NULL;
	struct act_result *res = NULL;
	int n, ret, cl, cn, cs, ce, ct, cm;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (csv_read_file(&csv, argv[0], CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) < 0) {
		cli_error("'%s': %s; nothing imported", argv[0], err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	cl = cli_csv_column(&csv, col_login);
	cn = cli_csv_column(&csv, col_name);
	cs = cli_csv_column(&csv, col_section);
	ce = cli_csv_column(&csv, col_employment);
	ct = cli_csv_column(&csv, col_title);
	cm = cli_csv_column(&csv, col_email);
	if (cl < 0 || cn < 0 || cs < 0) {
		cli_error("'%s' line %zu: the header needs columns login, name and section (or "
		          "ログイン, 氏名, 所属); nothing imported",
		          argv[0], csv.header_line);
		csv_release(&csv);
		return EXIT_FAILED;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret) {
		csv_release(&csv);
		return ret;
	}
	in = xcalloc(csv.nrecords + 1, sizeof(*in));
	fields = xcalloc(5 * csv.nrecords + 1, sizeof(*fields));
	res = xcalloc(csv.nrecords + 1, sizeof(*res));
	for (size_t i = 0; i < csv.nrecords; i++) {
		const struct csv_record *rec = &csv.records[i];
		struct act_attr *f = &fields[5 * i];
		size_t nf = 0;
		f[nf++] = (struct act_attr){ "name", rec->fields[cn] };
		f[nf++] = (struct act_attr){ "section", rec->fields[cs] };
		if (ce >= 0 && *rec->fields[ce])
			f[nf++] = (struct act_attr){ "employment", rec->fields[ce] };
		if (ct >= 0 && *rec->fields[ct])
			f[nf++] = (struct act_attr){ "title", rec->fields[ct] };
		if (cm >= 0 && *rec->fields[cm])
			f[nf++] = (struct act_attr){ "email", rec->fields[cm] };
		in[i].kind = ACT_USER_ADD;
		in[i].actor = cli_admin_actor(as);
		in[i].target = rec->fields[cl];
		in[i].fields = f;
		in[i].n_fields = nf;
		cli_act_context(&in[i].ctx);
	}
	ret = cli_import_run(d, argv[0], &csv, NULL, in, res);
	if (ret == EXIT_DONE)
		printf(
		    T_("imported %zu users from '%s' (%s); set their passwords with 'mamori user "
		       "passwd LOGIN --generate'\n"),
		    csv.nrecords, argv[0], csv_encoding_name(csv.encoding));
	free(in);
	free(fields);
	free(res);
	csv_release(&csv);
	strbuf_release(&err);
	door_free(d);
	return ret;
}

int cmd_user(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", user_add, N_("add a person (職員, 非常勤職員, 受託事業者 ...)") },
		{ "list", user_list, N_("list people") },
		{ "show", user_show, N_("a person with their roles") },
		{ "set", user_set, N_("change a name, title (職名) or e-mail address") },
		{ "suspend", user_suspend,
		  N_("suspend at once: they can do nothing (MIN-5-5-6-2)") },
		{ "activate", user_activate, N_("lift a suspension") },
		{ "retire", user_retire, N_("retire: roles end, the account stays as history") },
		{ "passwd", user_passwd,
		  N_("set a password (Argon2id; strength rules of the ward)") },
		{ "totp-reset", user_totp_reset,
		  N_("remove a person's authenticator (lost device): they set it up again") },
		{ "import", user_import,
		  N_("import people from CSV (UTF-8 or CP932), all or none") },
		{ "sync", cmd_user_sync,
		  N_("follow the ward's LDAP / Active Directory: add, link, grant, revoke, "
		     "suspend") },
		{ "transfer", cmd_user_transfer,
		  N_("人事異動 from CSV: sections, 職名, roles ended and started on a date, all or "
		     "none") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "user", table, argc, argv);
}
