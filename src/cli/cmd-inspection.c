/* cmd-inspection: `mamori inspection checklist` (the rounds' commands: cmd-inspection-round.c): a
 * self-inspection checklist generated from the profile (docs/audits.md): each clause only people
 * can carry out (kind H) as a question, each clause that must be recorded (kind R) as "show the
 * record", with the registers that keep it; every item cites its clause in the text's own words. */
#include <string.h>

#include "base/json.h"
#include "base/table.h"
#include "cli/core-cli.h"
#include "cli/inspection.h"
#include "core/inspections.h"
#include "policy/policy.h"

static int inspection_checklist(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection checklist [--profile minato|shinjuku|FILE] [--json]",
		N_("a self-inspection checklist from the profile: H clauses as questions, R "
		   "clauses "
		   "as "
		   "records to show"),
		NULL
	};
	const char *profile = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &profile, "P",
		           "the profile (default: the data directory's in force)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct inspection_checklist cl = { 0 };
	struct profile *loaded = NULL;
	const struct profile *p;
	struct door *d = NULL;
	struct json_writer w;
	struct table tb;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
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
	inspection_checklist_make(p, NULL, &cl);
	jw_init(&w, &out);
	table_init(&tb, 4, (const char *[]){ "条項", "出典", "区分", "点検項目" });
	if (json)
		jw_array_begin(&w);
	for (size_t i = 0; i < cl.nr; i++) {
		const struct inspection_item *it = &cl.items[i];
		const struct policy_clause *c = it->clause;

		if (json) {
			jw_object_begin(&w);
			jw_kv_str(&w, "clause", c->id);
			jw_kv_str(&w, "cite", c->cite);
			jw_kv_str(&w, "kind", policy_clause_kind_name(c->kind));
			jw_kv_str(&w, "text", c->text);
			jw_kv_str(&w, "quote", c->quote);
			jw_kv_str(&w, "question", it->question);
			jw_kv_str(&w, "registers", it->registers);
			jw_object_end(&w);
		} else {
			table_add(&tb, (const char *[]){ c->id, c->cite ? c->cite : "",
			                                 c->kind == CLAUSE_H ? "人の手" : "記録",
			                                 it->question });
		}
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		table_render(&tb, &out);
	}
	table_release(&tb);
	ret = cli_print(&out);
	inspection_checklist_release(&cl);
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
