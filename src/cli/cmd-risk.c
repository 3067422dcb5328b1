/* cmd-risk: `mamori risk`: the profile's threats, assessing and accepting a risk, reading the
 * register (core/risk.h, docs/risk.md). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/core.h"
#include "core/export-lists.h"
#include "core/read.h"
#include "core/risk.h"
#include "policy/policy.h"

static int parse_id(const char *s, const char *what, int64_t *ret)
{
	if (parse_int64(s, 1, INT64_MAX, ret) < 0) {
		cli_error("'%s' is not a %s number", s, what);
		return -1;
	}
	return 0;
}

static int risk_threats(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori risk threats [--json]",
		                             N_("the threats the ward's text names (its profile)"),
		                             NULL };
	bool json = false;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT;
	const struct profile *p;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	p = door_profile(d);
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (unsigned i = 0; i < p->risk.n_threats; i++) {
			const struct policy_threat *t = &p->risk.threats[i];
			jw_object_begin(&w);
			jw_kv_str(&w, "id", t->id);
			jw_kv_str(&w, "name", t->name);
			jw_key(&w, "clauses");
			jw_array_begin(&w);
			for (unsigned k = 0; k < t->clauses.nr; k++)
				jw_string(&w, t->clauses.items[k]->id);
			jw_array_end(&w);
			jw_kv_str(&w, "ward_choice", t->ward_choice);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else if (!p->risk.n_threats) {
		strbuf_addf(&out, T_("profile '%s' names no threats\n"), p->id);
	} else {
		for (unsigned i = 0; i < p->risk.n_threats; i++) {
			const struct policy_threat *t = &p->risk.threats[i];
			strbuf_addf(&out, "%-14s %s", t->id, t->name);
			for (unsigned k = 0; k < t->clauses.nr; k++)
				strbuf_addf(&out, "%s%s", k ? ", " : "  (",
				            t->clauses.items[k]->id);
			strbuf_addstr(&out, t->clauses.nr ? ")\n" : "  (区の選択)\n");
		}
	}
	ret = cli_print(&out);
	door_free(d);
	strbuf_release(&out);
	return ret;
}

/* {"id","outcome","inherent","residual",...} or a line for people. */
static int print_assessed(const struct act_result *res, const struct risk_eval *e, bool json)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_object_begin(&w);
		jw_key(&w, "id");
		if (res->outcome == ACT_DONE)
			jw_int(&w, res->record_id);
		else
			jw_null(&w);
		jw_kv_str(&w, "outcome", act_outcome_name(res->outcome));
		jw_kv_int(&w, "inherent", e->inherent);
		jw_kv_int(&w, "residual", e->assessed);
		jw_kv_int(&w, "computed", e->residual);
		jw_key(&w, "clauses");
		jw_array_begin(&w);
		for (size_t i = 0; i < res->n_clauses; i++)
			jw_string(&w, res->clauses[i]);
		jw_array_end(&w);
		jw_kv_str(&w, "reason", res->reason);
		jw_kv_str(&w, "message", res->message);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else if (res->outcome == ACT_DONE) {
		strbuf_addf(
		    &out, "risk %" PRId64 " assessed: inherent %" PRId64 ", residual %" PRId64 "\n",
		    res->record_id, e->inherent, e->assessed);
	} else {
		cli_act_text(res, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	strbuf_release(&out);
	return ret == EXIT_DONE ? cli_exit_for_outcome(res->outcome) : ret;
}

static int risk_assess_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori risk assess RECORD --threat ID --likelihood N --impact N [--measure "
		"CLAUSE]... --as LOGIN [--json]",
		"mamori risk assess --section ID --threat ID --likelihood N --impact N "
		"[--measure CLAUSE]... --as LOGIN [--json]",
		N_("assesses a threat to a record, or to a whole section (--section); the residual "
		   "counts only the measures that work"),
		NULL
	};
	struct risk_input in = { 0 };
	struct string_list measures = { 0 };
	const char *procedure = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "section", &in.section, "ID",
		           "assess a risk of this whole section (instead of RECORD)"),
		OPT_STRING(0, "threat", &in.threat, "ID", "a threat of the profile (risk threats)"),
		OPT_INT(0, "likelihood", &in.likelihood, "N", "how likely, on the profile's scale",
		        1, 100),
		OPT_INT(0, "impact", &in.impact, "N", "how much harm, on the profile's scale", 1,
		        100),
		OPT_STRING_LIST(0, "measure", &measures, "CLAUSE",
		                "a clause of the standards that treats it (repeatable)"),
		OPT_STRING(0, "procedure", &procedure, "ID",
		           "the damage-minimising procedure (a document record)"),
		OPT_STRING(0, "treatment", &in.treatment, "T", "reduce, avoid, transfer or accept"),
		OPT_INT(0, "residual", &in.residual, "N",
		        "raise the residual risk above what the measures leave (needs --reason)", 1,
		        100),
		OPT_STRING(0, "reason", &in.reason, "TEXT", "why the residual is raised"),
		OPT_STRING(0, "comment", &in.comment, "TEXT", "a comment for the ledger"),
		OPT_STRING(0, "as", &in.actor, "LOGIN", "who assesses (required)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct act_result res = ACT_RESULT_INIT;
	struct risk_eval eval = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 1, &ret);
	if (n < 0)
		goto out;
	if ((n == 1) == (in.section != NULL)) {
		cli_error("give the record assessed (RECORD) or a whole section (--section ID), "
		          "one of the two");
		ret = EXIT_USAGE;
		goto out;
	}
	if ((n == 1 && parse_id(argv[0], "record", &in.target) < 0) ||
	    (procedure && parse_id(procedure, "document record", &in.procedure) < 0)) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (!in.actor || !in.threat || !in.likelihood || !in.impact) {
		cli_error("an assessment needs --threat, --likelihood, --impact and --as LOGIN");
		ret = EXIT_USAGE;
		goto out;
	}
	in.measures = (const char *const *)measures.items;
	in.n_measures = (size_t)measures.nr;
	cli_act_context(&in.ctx);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (risk_assess(d, &in, &res, &eval, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = print_assessed(&res, &eval, json);
out:
	risk_eval_release(&eval);
	act_result_release(&res);
	string_list_clear(&measures);
	door_free(d);
	strbuf_release(&err);
	return ret;
}

static int risk_accept_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori risk accept ID --as LOGIN [--comment TEXT] [--json]",
		N_("accepts the residual risk as its owner (the profile names who)"), NULL
	};
	const char *as = NULL, *comment = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "the owner who accepts (required)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "a comment for the ledger"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct act_context actx = { 0 };
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (parse_id(argv[0], "risk", &id) < 0)
		return EXIT_USAGE;
	if (!as) {
		cli_error("an acceptance needs --as LOGIN");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	cli_act_context(&actx);
	if (risk_accept(d, id, as, comment, &actx, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		act_result_json(&res, &out);
		strbuf_addch(&out, '\n');
	} else {
		if (res.outcome == ACT_DONE)
			strbuf_addf(&out, "risk %" PRId64 " accepted", id);
		else
			cli_act_text(&res, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(res.outcome);
out:
	act_result_release(&res);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* 評価済, 受容済 as the profile names the state; 要再評価 when the acceptance went stale. */
static const char *state_name(const struct profile *p, const struct risk *rk)
{
	const struct policy_state *st =
	    p->risk.reg && rk->state ? policy_register_state(p->risk.reg, rk->state) : NULL;

	if (rk->stale)
		return "要再評価";
	return st && st->name ? st->name : rk->state;
}

static void show_text(const struct profile *p, const struct risk *rk, struct strbuf *out)
{
	if (risk_of_section(rk))
		strbuf_addf(out, "リスク %" PRId64 ": %s（課等全体） — %s\n", rk->rec.id,
		            rk->section_name ? rk->section_name
		            : rk->section    ? rk->section
		                             : "?",
		            rk->threat ? rk->threat->name : rk->threat_id);
	else
		strbuf_addf(out, "リスク %" PRId64 ": %s #%" PRId64 " %s — %s\n", rk->rec.id,
		            rk->target_register ? rk->target_register : "?", rk->target,
		            rk->target_title ? rk->target_title : "",
		            rk->threat ? rk->threat->name : rk->threat_id);
	strbuf_addf(out,
	            "状態: %s  起こりやすさ %" PRId64 " × 影響 %" PRId64 " = 固有リスク %" PRId64
	            "  残留リスク %" PRId64 "（現在の対策では %" PRId64 "）%s%s\n",
	            state_name(p, rk), rk->likelihood, rk->impact, rk->inherent, rk->residual,
	            rk->now.residual, rk->band ? "  " : "", rk->band ? rk->band : "");
	if (rk->computed && rk->residual > rk->computed)
		strbuf_addf(out, "評価者が計算値 %" PRId64 " から引き上げ（理由: %s）\n",
		            rk->computed, rk->reason ? rk->reason : "");
	else if (rk->computed)
		strbuf_addf(out, "評価者が計算値 %" PRId64 " を確認\n", rk->computed);
	if (rk->treatment)
		strbuf_addf(out, "対応: %s\n", rk->treatment);
	for (size_t i = 0; i < rk->now.n_measures; i++) {
		const struct risk_measure *m = &rk->now.measures[i];
		strbuf_addf(out, "  対策 %-14s %-9s %s", m->clause->id,
		            policy_strength_name(m->strength),
		            m->counts                                ? "効いている"
		            : !strcmp(m->why_not, "duty_overdue")    ? "義務が期限切れ"
		            : !strcmp(m->why_not, "duty_never_done") ? "義務の実施記録なし"
		                                                     : "記載のみ");
		strbuf_addf(out,
		            "  行為 %" PRId64 " 件・拒否 %" PRId64 " 件・インシデント %" PRId64
		            " 件・監査の指摘 %" PRId64 " 件（未完了 %" PRId64 " 件）\n",
		            m->acts_done, m->acts_refused, m->incidents, m->findings,
		            m->findings_open);
	}
	if (rk->accepted_ms) {
		struct strbuf t = STRBUF_INIT;
		time_format_rfc3339_offset(&t, rk->accepted_ms, TOKYO_OFFSET_MS);
		strbuf_addf(out, "受容: %s（%s、残留リスク %" PRId64 "）%s\n",
		            rk->accepted_person ? rk->accepted_person : rk->accepted_by, t.buf,
		            rk->accepted_residual, rk->stale ? "  要再評価" : "");
		strbuf_release(&t);
	}
	for (size_t i = 0; i < rk->stale_why.nr; i++)
		strbuf_addf(out, "  変化: %s\n", rk->stale_why.items[i]);
	for (size_t i = 0; i < rk->n_tasks; i++) {
		const struct plan_task *t = &rk->tasks[i];
		strbuf_addf(out, "作業 %" PRId64 ": %s（担当 %s、期日 %s）%s\n", t->act_id, t->task,
		            t->assignee ? t->assignee : "—", t->due ? t->due : "—",
		            t->done      ? "完了"
		            : t->overdue ? "期限切れ"
		                         : "未了");
	}
}

static int risk_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori risk show ID [--as LOGIN] [--json]", NULL };
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "read as this person (the profile decides)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct risk rk = { 0 };
	struct reader *rd = NULL;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (parse_id(argv[0], "risk", &id) < 0)
		return EXIT_USAGE;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (cli_reader(d, as, &rd, &err) < 0 || risk_get(d, id, time_now_ms(), &rk, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (!read_record(rd, &rk.rec, NULL)) {
		cli_error("no risk %" PRId64 " that '%s' may read", id, as ? as : "");
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		risk_json(&rk, &w);
		strbuf_addch(&out, '\n');
	} else {
		show_text(door_profile(d), &rk, &out);
	}
	ret = cli_print(&out);
out:
	risk_release(&rk);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* The register as JSON (show's objects) or a table for people. */
static void print_list(const struct profile *p, const struct risk_list *l, bool json,
                       struct strbuf *out)
{
	struct json_writer w;
	struct table t;

	if (json) {
		jw_init(&w, out);
		jw_array_begin(&w);
	} else {
		table_init(
		    &t, 7,
		    (const char *[]){ "番号", "対象", "脅威", "課等", "固有", "残留", "状態" });
	}
	for (size_t i = 0; i < l->nr; i++) {
		const struct risk *rk = &l->items[i];
		char target[32], inh[24], res[24], id[24];

		if (json) {
			risk_json(rk, &w);
			continue;
		}
		if (risk_of_section(rk))
			snprintf(target, sizeof(target), "課等全体");
		else
			snprintf(target, sizeof(target), "#%" PRId64, rk->target);
		snprintf(inh, sizeof(inh), "%" PRId64, rk->inherent);
		snprintf(res, sizeof(res), "%" PRId64, rk->residual);
		snprintf(id, sizeof(id), "%" PRId64, rk->rec.id);
		table_add(&t, (const char *[]){ id, target, rk->threat_id,
		                                rk->section_name ? rk->section_name : rk->section,
		                                inh, res, state_name(p, rk) });
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(out, '\n');
	} else {
		table_render(&t, out);
		table_release(&t);
	}
}

static int risk_list_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori risk list [--section ID] [--clause CLAUSE] [--as LOGIN] "
		"[--json | --csv [--cp932] [-o FILE]]",
		N_("the risk register: what LOGIN may read (the whole ward without --as), newest "
		   "first"),
		NULL
	};
	struct risk_filter f = { 0 };
	const char *as = NULL;
	bool json = false;
	struct cli_csv co = { 0 };
	const struct option opts[] = {
		OPT_STRING(0, "section", &f.section, "ID", "only this section's risks"),
		OPT_STRING(0, "clause", &f.clause, "CLAUSE", "only the risks it is a measure of"),
		OPT_STRING(0, "as", &as, "LOGIN", "what this person may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_CSV(&co),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct risk_list l = { 0 };
	struct reader *rd = NULL;
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
	if (f.clause && !policy_clause(door_profile(d), f.clause)) {
		cli_error(
		    "'%s' is not a clause of profile '%s' (mamori policy coverage lists them)",
		    f.clause, door_profile(d)->id);
		ret = EXIT_FAILED;
		goto out;
	}
	if (cli_reader(d, as, &rd, &err) < 0 ||
	    risk_list_visible(d, door_store(d), rd, &f, time_now_ms(), &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (co.csv) {
		struct csv_writer cw;
		cli_csv_begin(&co, &cw, &out);
		export_risks_csv(door_store(d), door_profile(d), &l, &cw);
		ret = cli_csv_end(&co, &cw, &out);
		goto out;
	}
	print_list(door_profile(d), &l, json, &out);
	ret = cli_print(&out);
out:
	risk_list_release(&l);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* Prints an act's result as accept and the task commands do; returns the exit code. */
static int print_act(const struct act_result *res, bool json, const char *done_text)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (json) {
		act_result_json(res, &out);
	} else if (res->outcome == ACT_DONE) {
		strbuf_addstr(&out, done_text);
	} else {
		cli_act_text(res, &out);
	}
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	strbuf_release(&out);
	return ret == EXIT_DONE ? cli_exit_for_outcome(res->outcome) : ret;
}

static int risk_task_add_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori risk task add ID --task TEXT --assignee LOGIN --due YYYY-MM-DD --as LOGIN "
		"[--json]",
		N_("plans a task of the risk's treatment (the owner the profile names)"), NULL
	};
	const char *as = NULL, *task = NULL, *assignee = NULL, *due = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "task", &task, "TEXT", "what is to be done (required)"),
		OPT_STRING(0, "assignee", &assignee, "LOGIN", "who does it (required)"),
		OPT_STRING(0, "due", &due, "DATE", "by when, YYYY-MM-DD (required)"),
		OPT_STRING(0, "as", &as, "LOGIN", "who plans it (required)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct act_result res = ACT_RESULT_INIT;
	struct act_context actx = { 0 };
	struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (parse_id(argv[0], "risk", &id) < 0)
		return EXIT_USAGE;
	if (!as || !task || !assignee || !due) {
		cli_error("a task needs --task, --assignee, --due and --as LOGIN");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	cli_act_context(&actx);
	if (risk_task_add(d, id, as, task, assignee, due, &actx, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json && res.outcome == ACT_DONE) {
		/* the task's number is what `risk task done` takes */
		struct json_writer w;
		jw_init(&w, &text);
		jw_object_begin(&w);
		jw_kv_int(&w, "id", id);
		jw_kv_int(&w, "task", res.act_id);
		jw_kv_str(&w, "outcome", act_outcome_name(res.outcome));
		jw_object_end(&w);
		strbuf_addch(&text, '\n');
		ret = cli_print(&text);
		goto out;
	}
	strbuf_addf(&text, "task %" PRId64 " planned on risk %" PRId64, res.act_id, id);
	ret = print_act(&res, json, text.buf);
out:
	act_result_release(&res);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&text);
	return ret;
}

static int risk_task_done_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori risk task done ID TASK --as LOGIN [--json]",
		N_("records a task of the risk's treatment plan done (TASK: its number)"), NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "who records it (required)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct act_result res = ACT_RESULT_INIT;
	struct act_context actx = { 0 };
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id, task;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n < 0)
		return ret;
	if (parse_id(argv[0], "risk", &id) < 0 || parse_id(argv[1], "task", &task) < 0)
		return EXIT_USAGE;
	if (!as) {
		cli_error("recording a task done needs --as LOGIN");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	cli_act_context(&actx);
	if (risk_task_done(d, id, as, task, &actx, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = print_act(&res, json, "task done");
out:
	act_result_release(&res);
	door_free(d);
	strbuf_release(&err);
	return ret;
}

static int risk_task_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", risk_task_add_cmd, N_("plan a task: what, who, by when") },
		{ "done", risk_task_done_cmd, N_("record a task done") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "risk task", table, argc, argv);
}

int cmd_risk(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "threats", risk_threats, N_("the threats the ward's text names") },
		{ "assess", risk_assess_cmd,
		  N_("assess a threat to a record or a whole section (its owner)") },
		{ "accept", risk_accept_cmd,
		  N_("accept a residual risk (the owner the profile names)") },
		{ "show", risk_show, N_("a risk: measures, evidence, acceptance, staleness") },
		{ "list", risk_list_cmd, N_("the risk register") },
		{ "task", risk_task_cmd,
		  N_("the treatment plan: tasks with owners and due dates") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "risk", table, argc, argv);
}
