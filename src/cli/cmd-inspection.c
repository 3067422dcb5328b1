/* cmd-inspection: `mamori inspection checklist` (the rounds' commands: cmd-inspection-round.c): a
 * self-inspection checklist generated from the profile (docs/audits.md): each clause only people
 * can carry out (kind H) as a question, each clause that must be recorded (kind R) as "show the
 * record", with the registers that keep it; every item cites its clause in the text's own words. */
#include <string.h>

#include "base/csv.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/inspection.h"
#include "core/inspections.h"
#include "core/org.h"
#include "policy/policy.h"

/* What --role, --section and --format asked for. */
struct checklist_args {
	const char *role, *section, *format;
	bool json, cp932;
};

/* One item's "why" (--role), "、"-joined. */
static void because_text(const struct inspection_role_item *ri, struct strbuf *out)
{
	for (size_t k = 0; ri && k < ri->n_because; k++) {
		if (k)
			strbuf_addstr(out, "、");
		inspection_because_text(&ri->because[k], out);
	}
}

static void item_json(struct json_writer *w, const struct inspection_item *it,
                      const struct inspection_role_item *ri)
{
	const struct policy_clause *c = it->clause;
	struct strbuf t = STRBUF_INIT;

	jw_object_begin(w);
	jw_kv_str(w, "clause", c->id);
	jw_kv_str(w, "cite", c->cite);
	jw_kv_str(w, "kind", policy_clause_kind_name(c->kind));
	jw_kv_str(w, "text", c->text);
	jw_kv_str(w, "quote", c->quote);
	jw_kv_str(w, "question", it->question);
	jw_kv_str(w, "registers", it->registers);
	if (ri) {
		jw_key(w, "because");
		jw_array_begin(w);
		for (size_t k = 0; k < ri->n_because; k++) {
			jw_object_begin(w);
			jw_kv_str(w, "why", inspection_why_name(ri->because[k].why));
			jw_kv_str(w, "id", ri->because[k].id);
			strbuf_reset(&t);
			inspection_because_text(&ri->because[k], &t);
			jw_kv_str(w, "text", t.buf);
			jw_object_end(w);
		}
		jw_array_end(w);
	}
	jw_object_end(w);
	strbuf_release(&t);
}

/*
 * --json: starts w on out and opens the items' array; a role's checklist is an object first
 * (the role, the section, who answers, whether it is the rest) whose "items" the array is.
 */
static void checklist_json_begin(struct json_writer *w, const struct checklist_args *a,
                                 const struct inspection_role_checklist *rc,
                                 const struct strv *holders, struct strbuf *out)
{
	jw_init(w, out);
	if (rc) {
		jw_object_begin(w);
		jw_kv_str(w, "role", rc->role->id);
		jw_kv_str(w, "role_name", rc->role->name);
		jw_kv_str(w, "section", a->section);
		if (holders) {
			jw_key(w, "holders");
			jw_array_begin(w);
			for (size_t i = 0; i < holders->nr; i++)
				jw_string(w, holders->items[i]);
			jw_array_end(w);
		}
		jw_kv_bool(w, "rest", rc->rest);
		jw_key(w, "items");
	}
	jw_array_begin(w);
}

/* The text's lines above a role's table: the role and its items; the section and who answers. */
static void role_head_text(const struct checklist_args *a,
                           const struct inspection_role_checklist *rc, const struct strv *holders,
                           struct strbuf *out)
{
	strbuf_addf(out, "役割：%s（%s）　項目：%zu\n", rc->role->name, rc->role->id, rc->nr);
	if (a->section && holders) {
		strbuf_addf(out, "課等：%s　答える者：", a->section);
		for (size_t i = 0; i < holders->nr; i++)
			strbuf_addf(out, "%s%s", i ? "、" : "", holders->items[i]);
		strbuf_addstr(out, holders->nr ? "\n" : "（いません）\n");
	}
}

/* The whole checklist (cl) or a role's (rc): JSON, CSV or a table, into out. */
static int checklist_print(const struct checklist_args *a, const struct inspection_checklist *cl,
                           const struct inspection_role_checklist *rc, const struct strv *holders,
                           struct strbuf *out)
{
	size_t n = rc ? rc->nr : cl->nr;
	bool csv = !a->json && a->format && !strcmp(a->format, "csv");
	struct strbuf why = STRBUF_INIT, err = STRBUF_INIT;
	struct json_writer w;
	struct csv_writer cw;
	struct table tb;
	int ret = 0;

	if (a->json)
		checklist_json_begin(&w, a, rc, holders, out);
	if (csv) {
		csv_writer_init(&cw, out,
		                (a->cp932 ? CSV_WRITE_CP932 : CSV_WRITE_BOM) |
		                    CSV_WRITE_FORMULA_GUARD);
		csv_write_row(
		    &cw,
		    (const char *[]){ "役割", "課等", "条項", "出典", "区分", "点検項目", "根拠" },
		    7);
	}
	table_init(&tb, rc ? 5 : 4, (const char *[]){ "条項", "出典", "区分", "点検項目", "根拠" });
	for (size_t i = 0; i < n; i++) {
		const struct inspection_role_item *ri = rc ? &rc->items[i] : NULL;
		const struct inspection_item *it = ri ? ri->item : &cl->items[i];
		const struct policy_clause *c = it->clause;
		const char *kind = c->kind == CLAUSE_H ? "人の手" : "記録";

		strbuf_reset(&why);
		because_text(ri, &why);
		if (a->json)
			item_json(&w, it, ri);
		else if (csv)
			csv_write_row(&cw,
			              (const char *[]){ rc ? rc->role->name : "",
			                                a->section ? a->section : "", c->id,
			                                c->cite ? c->cite : "", kind, it->question,
			                                why.buf },
			              7);
		else
			table_add(&tb, (const char *[]){ c->id, c->cite ? c->cite : "", kind,
			                                 it->question, why.buf });
	}
	if (a->json) {
		jw_array_end(&w);
		if (rc)
			jw_object_end(&w);
		strbuf_addch(out, '\n');
	} else if (csv) {
		ret = csv_writer_finish(&cw, &err);
		if (ret < 0)
			cli_error("%s", err.buf);
		else if (cw.substituted)
			cli_warn("%zu characters have no CP932 form and were written as 〓",
			         cw.substituted);
	} else {
		if (rc)
			role_head_text(a, rc, holders, out);
		table_render(&tb, out);
	}
	table_release(&tb);
	strbuf_release(&why);
	strbuf_release(&err);
	return ret;
}

/* Checks the options; fills a->json from --format. */
static int checklist_check(struct checklist_args *a, const char *profile)
{
	if (a->format && strcmp(a->format, "text") && strcmp(a->format, "csv") &&
	    strcmp(a->format, "json")) {
		cli_error("'%s' is not a format: say --format text, csv or json", a->format);
		return EXIT_USAGE;
	}
	if (a->json && a->format && strcmp(a->format, "json")) {
		cli_error("--json and --format %s disagree: say one", a->format);
		return EXIT_USAGE;
	}
	if (a->cp932 && !(a->format && !strcmp(a->format, "csv"))) {
		cli_error("--cp932 is for --format csv");
		return EXIT_USAGE;
	}
	if (a->section && !a->role) {
		cli_error("--section names where a role answers: say --role ROLE too");
		return EXIT_USAGE;
	}
	if (a->section && profile) {
		cli_error("--section reads the ward's sections and people: leave out --profile");
		return EXIT_USAGE;
	}
	a->json = a->json || (a->format && !strcmp(a->format, "json"));
	return 0;
}

/* The role's holders at a->section (which must exist), into ret. */
static int checklist_holders(struct door *d, const struct checklist_args *a,
                             const struct policy_role *role, struct strv *ret)
{
	struct strbuf err = STRBUF_INIT;
	struct org_section sec = { 0 };
	int r = org_section_get(door_store(d), a->section, &sec, &err);

	if (r == 0)
		r = inspection_role_holders(door_store(d), role, a->section, time_now_ms(), ret,
		                            &err);
	if (r < 0)
		cli_error("%s", err.buf);
	org_section_release(&sec);
	strbuf_release(&err);
	return r;
}

static int inspection_checklist(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection checklist [--role ROLE [--section ID]] [--profile "
		"minato|shinjuku|FILE] [--json | --format text|csv|json [--cp932]]",
		N_("a self-inspection checklist from the profile: H clauses as questions, R "
		   "clauses as records to show; with --role, the items that role's holder answers "
		   "and why"),
		NULL
	};
	struct checklist_args a = { 0 };
	const char *profile = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &profile, "P",
		           "the profile (default: the data directory's in force)"),
		OPT_STRING(0, "role", &a.role, "ROLE", "the items this role's holder answers"),
		OPT_STRING(0, "section", &a.section, "ID",
		           "with --role: the section, to name who holds the role there"),
		OPT_STRING(0, "format", &a.format, "F", "text (default), csv or json"),
		OPT_BOOL(0, "json", &a.json, "print JSON (as --format json)"),
		OPT_BOOL(0, "cp932", &a.cp932, "with --format csv: CP932 for older Excel"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct inspection_checklist cl = { 0 };
	struct inspection_role_checklist rc = { 0 };
	struct strv holders = STRV_INIT;
	const struct policy_role *role = NULL;
	struct profile *loaded = NULL;
	const struct profile *p;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if ((ret = checklist_check(&a, profile)))
		return ret;
	if (profile) {
		if (profile_load_named(profile, &loaded, &err) < 0) {
			cli_error("%s", err.buf);
			strbuf_release(&err);
			return EXIT_FAILED;
		}
		p = loaded;
	} else {
		ret = cli_door_open(ctx, DOOR_READONLY, &d);
		if (ret)
			return ret;
		p = door_profile(d);
	}
	ret = EXIT_FAILED;
	if (a.role && !(role = policy_role(p, a.role))) {
		struct strbuf ids = STRBUF_INIT;

		for (unsigned i = 0; i < p->n_roles; i++)
			strbuf_addf(&ids, "%s%s", i ? ", " : "", p->roles[i].id);
		cli_error("'%s' is not a role of the profile; its roles: %s", a.role, ids.buf);
		strbuf_release(&ids);
		goto out;
	}
	if (a.section && checklist_holders(d, &a, role, &holders) < 0)
		goto out;
	inspection_checklist_make(p, NULL, &cl);
	if (role)
		inspection_role_checklist_make(p, &cl, role, &rc);
	if (checklist_print(&a, &cl, role ? &rc : NULL, a.section ? &holders : NULL, &out) < 0)
		goto out;
	ret = a.format && !strcmp(a.format, "csv") ? cli_print_bytes(&out) : cli_print(&out);
out:
	inspection_role_checklist_release(&rc);
	inspection_checklist_release(&cl);
	strv_release(&holders);
	profile_free(loaded);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

int cmd_inspection(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "checklist", inspection_checklist,
		  N_("a self-inspection checklist from the profile (H: questions, R: records)") },
		{ "open", inspection_open, N_("opens a round: one self-inspection per section") },
		{ "answer", inspection_answer, N_("answers an item: 適合, 不適合 or 該当なし") },
		{ "submit", inspection_submit, N_("the section hands its answers in") },
		{ "sign-off", inspection_sign_off, N_("the section head confirms the answers") },
		{ "send-back", inspection_send_back,
		  N_("the section head returns them to be redone") },
		{ "raise", inspection_raise, N_("a nonconformity becomes a finding to improve") },
		{ "show", inspection_show,
		  N_("one section's inspection: each item and its answer") },
		{ "rollup", inspection_rollup_cmd,
		  N_("the roll-up across sections and clauses (text, JSON or CSV)") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "inspection", table, argc, argv);
}
