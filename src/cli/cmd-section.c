/* cmd-section: `mamori section` and `mamori system`: the ward's 課等 and information systems. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/org.h"
#include "core/records.h"

static int section_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori section add ID --name NAME [--parent ID] [--as LOGIN] [--json]", NULL
	};
	const char *name = NULL, *parent = NULL, *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "the section's name (税務課)"),
		OPT_STRING(0, "parent", &parent, "ID", "the 部 it belongs to"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct door *d = NULL;
	struct act_attr fields[2];
	struct act_input in = { 0 };
	size_t nf = 0;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !name) {
		if (n >= 0)
			cli_error("section add needs an ID and --name");
		return EXIT_USAGE;
	}
	fields[nf++] = (struct act_attr){ "name", name };
	if (parent)
		fields[nf++] = (struct act_attr){ "parent", parent };
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = ACT_SECTION_ADD;
	in.actor = cli_admin_actor(as);
	in.target = argv[0];
	in.fields = fields;
	in.n_fields = nf;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static int section_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori section list [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct org_sections l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (org_sections_list(door_store(d), &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			jw_object_begin(&w);
			jw_kv_str(&w, "id", l.items[i].id);
			jw_kv_str(&w, "name", l.items[i].name);
			jw_kv_str(&w, "parent", l.items[i].parent);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table t;
		table_init(&t, 3, (const char *[]){ "ID", "名称", "上位" });
		for (size_t i = 0; i < l.nr; i++)
			table_add(&t, (const char *[]){ l.items[i].id, l.items[i].name,
			                                l.items[i].parent });
		table_render(&t, &out);
		table_release(&t);
	}
	ret = cli_print(&out);
out:
	org_sections_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

/* section show --json: the section, its members, its roles (but staff) and its systems. */
static void section_show_json(struct strbuf *out, const struct org_section *sec,
                              const struct org_users *users, const struct org_assignments *roles,
                              const struct org_systems *systems, const char *scope)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "id", sec->id);
	jw_kv_str(&w, "name", sec->name);
	jw_kv_str(&w, "parent", sec->parent);
	jw_key(&w, "members");
	jw_array_begin(&w);
	for (size_t i = 0; i < users->nr; i++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "login", users->items[i].login);
		jw_kv_str(&w, "name", users->items[i].name);
		jw_kv_str(&w, "employment", users->items[i].employment);
		jw_kv_str(&w, "status", users->items[i].status);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "roles");
	jw_array_begin(&w);
	for (size_t i = 0; i < roles->nr; i++) {
		if (strcmp(roles->items[i].scope, scope) || !strcmp(roles->items[i].role, "staff"))
			continue;
		jw_object_begin(&w);
		jw_kv_str(&w, "role", roles->items[i].role);
		jw_kv_str(&w, "login", roles->items[i].login);
		jw_kv_str(&w, "name", roles->items[i].user_name);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_key(&w, "systems");
	jw_array_begin(&w);
	for (size_t i = 0; i < systems->nr; i++) {
		if (strcmp(systems->items[i].section, sec->id))
			continue;
		jw_object_begin(&w);
		jw_kv_str(&w, "id", systems->items[i].id);
		jw_kv_str(&w, "name", systems->items[i].name);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

/* section show without --json: the section as text, its members as a table. */
static void section_show_text(struct strbuf *out, const struct org_section *sec,
                              const struct org_users *users, const struct org_assignments *roles,
                              const struct org_systems *systems, const char *scope)
{
	struct table t;
	strbuf_addf(out, "%s %s%s%s%s\n\n", sec->id, sec->name, sec->parent ? " (上位: " : "",
	            sec->parent ? sec->parent : "", sec->parent ? ")" : "");
	strbuf_addstr(out, "役割:\n");
	for (size_t i = 0; i < roles->nr; i++)
		if (!strcmp(roles->items[i].scope, scope) && strcmp(roles->items[i].role, "staff"))
			strbuf_addf(out, "  %s  %s (%s)\n", roles->items[i].role,
			            roles->items[i].user_name, roles->items[i].login);
	strbuf_addstr(out, "\n情報システム:\n");
	for (size_t i = 0; i < systems->nr; i++)
		if (!strcmp(systems->items[i].section, sec->id))
			strbuf_addf(out, "  %s  %s\n", systems->items[i].id,
			            systems->items[i].name);
	strbuf_addstr(out, "\n所属:\n");
	table_init(&t, 4, (const char *[]){ "LOGIN", "氏名", "雇用形態", "状態" });
	for (size_t i = 0; i < users->nr; i++)
		table_add(&t,
		          (const char *[]){ users->items[i].login, users->items[i].name,
		                            users->items[i].employment, users->items[i].status });
	table_render(&t, out);
	table_release(&t);
}

static int section_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori section show ID [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct org_section sec = { 0 };
	struct org_users users = { 0 };
	struct org_assignments roles = { 0 };
	struct org_systems systems = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, scope = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	strbuf_addf(&scope, "section:%s", argv[0]);
	if (org_section_get(door_store(d), argv[0], &sec, &err) < 0 ||
	    org_users_list(door_store(d), argv[0], NULL, &users, &err) < 0 ||
	    org_assignments_list(door_store(d), NULL, NULL, true, time_now_ms(), &roles, &err) <
	        0 ||
	    org_systems_list(door_store(d), &systems, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json)
		section_show_json(&out, &sec, &users, &roles, &systems, scope.buf);
	else
		section_show_text(&out, &sec, &users, &roles, &systems, scope.buf);
	ret = cli_print(&out);
out:
	org_section_release(&sec);
	org_users_release(&users);
	org_assignments_release(&roles);
	org_systems_release(&systems);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&scope);
	door_free(d);
	return ret;
}

/* Column names accepted in a section CSV, English or Japanese as wards write them. */
static const char *const col_id[] = { "id", "ID", "課等ID", "コード", NULL };
static const char *const col_name[] = { "name", "名称", "課名", "課等名", NULL };
static const char *const col_parent[] = { "parent", "上位", "部", "部ID", NULL };

int cli_csv_column(const struct csv *csv, const char *const *names)
{
	for (int i = 0; names[i]; i++) {
		int c = csv_column(csv, names[i]);
		if (c >= 0)
			return c;
	}
	return -1;
}

static int section_import(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori section import FILE.csv [--as LOGIN]", NULL };
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
	int n, ret, cid, cname, cparent;
	size_t *order = NULL;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (csv_read_file(&csv, argv[0], CSV_READ_HEADER | CSV_READ_UNGUARD, NULL, &err) < 0) {
		cli_error("'%s': %s; nothing imported", argv[0], err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	cid = cli_csv_column(&csv, col_id);
	cname = cli_csv_column(&csv, col_name);
	cparent = cli_csv_column(&csv, col_parent);
	if (cid < 0 || cname < 0) {
		cli_error("'%s' line %zu: the header needs columns id and name (or ID, 名称); "
		          "nothing imported",
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
	fields = xcalloc(2 * csv.nrecords + 1, sizeof(*fields));
	res = xcalloc(csv.nrecords + 1, sizeof(*res));
	/* Departments (no parent) first, so sections can name a 部 defined in the same file. */
	order = xcalloc(csv.nrecords + 1, sizeof(*order));
	for (int pass = 0, k = 0; pass < 2; pass++)
		for (size_t i = 0; i < csv.nrecords; i++)
			if ((cparent < 0 || !*csv.records[i].fields[cparent]) == (pass == 0))
				order[k++] = i;
	for (size_t i = 0; i < csv.nrecords; i++) {
		const struct csv_record *rec = &csv.records[order[i]];
		const char *parent = cparent >= 0 ? rec->fields[cparent] : "";
		in[i].kind = ACT_SECTION_ADD;
		in[i].actor = cli_admin_actor(as);
		in[i].target = rec->fields[cid];
		fields[2 * i] = (struct act_attr){ "name", rec->fields[cname] };
		fields[2 * i + 1] = (struct act_attr){ "parent", parent };
		in[i].fields = &fields[2 * i];
		in[i].n_fields = *parent ? 2 : 1;
		cli_act_context(&in[i].ctx);
	}
	ret = cli_import_run(d, argv[0], &csv, order, in, res);
	if (ret == EXIT_DONE)
		printf(T_("imported %zu sections from '%s' (%s)\n"), csv.nrecords, argv[0],
		       csv_encoding_name(csv.encoding));
	free(order);
	free(in);
	free(fields);
	free(res);
	csv_release(&csv);
	strbuf_release(&err);
	door_free(d);
	return ret;
}

int cmd_section(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", section_add, N_("add a section (課等) or department (部)") },
		{ "list", section_list, N_("list the sections") },
		{ "show", section_show, N_("a section with its members, roles and systems") },
		{ "import", section_import,
		  N_("import sections from CSV (UTF-8 or CP932), all or none") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "section", table, argc, argv);
}

/* ---- systems -------------------------------------------------------------------------- */

static int system_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori system add ID --name NAME --section ID [--as LOGIN] [--json]", NULL
	};
	const char *name = NULL, *section = NULL, *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "name", &name, "NAME", "the system's name"),
		OPT_STRING(0, "section", &section, "ID", "the section that installs it"),
		OPT_STRING(0, "as", &as, "LOGIN", "administrator acting (default: admin)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct door *d = NULL;
	struct act_attr fields[2];
	struct act_input in = { 0 };
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n != 1 || !name || !section) {
		if (n >= 0)
			cli_error("system add needs an ID, --name and --section");
		return EXIT_USAGE;
	}
	fields[0] = (struct act_attr){ "name", name };
	fields[1] = (struct act_attr){ "section", section };
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.kind = ACT_SYSTEM_ADD;
	in.actor = cli_admin_actor(as);
	in.target = argv[0];
	in.fields = fields;
	in.n_fields = 2;
	cli_act_context(&in.ctx);
	ret = cli_act(d, &in, json, NULL);
	door_free(d);
	return ret;
}

static int system_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori system list [--json]", NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct org_systems l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (org_systems_list(door_store(d), &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++) {
			jw_object_begin(&w);
			jw_kv_str(&w, "id", l.items[i].id);
			jw_kv_str(&w, "name", l.items[i].name);
			jw_kv_str(&w, "section", l.items[i].section);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table t;
		table_init(&t, 3, (const char *[]){ "ID", "名称", "設置課" });
		for (size_t i = 0; i < l.nr; i++)
			table_add(&t, (const char *[]){ l.items[i].id, l.items[i].name,
			                                l.items[i].section });
		table_render(&t, &out);
		table_release(&t);
	}
	ret = cli_print(&out);
out:
	org_systems_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

int cmd_system(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", system_add, N_("add an information system (the scope of system roles)") },
		{ "list", system_list, N_("list the information systems") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "system", table, argc, argv);
}
