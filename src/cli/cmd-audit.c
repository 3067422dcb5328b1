/* cmd-audit: `mamori audit`: audit plans with their team and scope, findings per clause, the
 * audited sections' responses, improvement plans with due dates and their follow-up
 * (docs/audits.md). Every change is an act of register `audit` or `finding` through the door;
 * show and list, which only read, are in cmd-audit-read.c. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "cli/audit.h"
#include "cli/core-cli.h"
#include "core/audits.h"
#include "policy/policy.h"

/* Joins a repeatable option's values (each may be a comma list) into one comma list. */
static void join_list(const struct string_list *l, struct strbuf *out)
{
	for (int i = 0; i < l->nr; i++) {
		const char *cur = l->items[i], *b;
		size_t n;

		while (policy_list_next(&cur, &b, &n)) {
			if (out->len)
				strbuf_addch(out, ',');
			strbuf_add(out, b, n);
		}
	}
}

/*
 * Runs one act and prints its outcome: with print_id the new record's id ({"id":N, then the
 * act's keys} with json), else the act's line or object. Returns the exit code.
 */
static int audit_act(struct door *d, struct act_input *in, const char *as, bool json, bool print_id)
{
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int ret;

	in->actor = as;
	cli_act_context(&in->ctx);
	if (!print_id)
		return cli_act(d, in, json, NULL);
	if (act_run(d, in, &res, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	if (json) {
		struct strbuf act = STRBUF_INIT;
		act_result_json(&res, &act);
		if (res.outcome == ACT_DONE)
			strbuf_addf(&out, "{\"id\":%" PRId64 ",", res.record_id);
		else
			strbuf_addstr(&out, "{\"id\":null,");
		strbuf_addstr(&out, act.buf + 1);
		strbuf_release(&act);
	} else if (res.outcome == ACT_DONE) {
		strbuf_addf(&out, "%" PRId64, res.record_id);
	} else {
		cli_act_text(&res, &out);
	}
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(res.outcome);
	act_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

static int need_as(const char *as)
{
	if (as)
		return 0;
	cli_error("say who acts: --as LOGIN");
	return -1;
}

/* What `audit plan` was given: the options, each repeatable list joined into one comma list. */
struct plan {
	const char *title, *as, *from, *until, *items, *registers, *records, *auditee;
	struct strbuf secs, syss, members, scope;
};

/* Checks what the plan must have; prints why not. */
static int plan_check(const struct plan *p)
{
	if (!p->title || !*p->title) {
		cli_error("name the audit: --title TEXT");
		return -1;
	}
	if (!p->secs.len && !p->syss.len) {
		cli_error("say what is audited: --section ID (or --system ID)");
		return -1;
	}
	if (!p->members.len) {
		cli_error("name the audit team: --team LOGIN[,LOGIN...]");
		return -1;
	}
	return need_as(p->as);
}

/* The plan's fields (at most 11) into f; returns how many. */
static size_t plan_fields(const struct plan *p, struct act_attr *f)
{
	size_t n = 0;

	f[n++] = (struct act_attr){ "title", p->title };
	f[n++] = (struct act_attr){ "auditor", p->members.buf };
	if (p->secs.len)
		f[n++] = (struct act_attr){ "auditee_section", p->secs.buf };
	if (p->syss.len)
		f[n++] = (struct act_attr){ "systems", p->syss.buf };
	if (p->from)
		f[n++] = (struct act_attr){ "period_from", p->from };
	if (p->until)
		f[n++] = (struct act_attr){ "period_until", p->until };
	if (p->items)
		f[n++] = (struct act_attr){ "items", p->items };
	if (p->scope.len)
		f[n++] = (struct act_attr){ "clauses", p->scope.buf };
	if (p->registers)
		f[n++] = (struct act_attr){ "target_registers", p->registers };
	if (p->records)
		f[n++] = (struct act_attr){ "targets", p->records };
	if (p->auditee)
		f[n++] = (struct act_attr){ "auditee", p->auditee };
	return n;
}

static int audit_plan(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori audit plan --title TEXT --section ID [--section ID]... [--system ID]... "
		"--team LOGIN[,LOGIN...] [--from DATE] [--until DATE] [--items TEXT] "
		"[--clause ID[,ID...]]... [--registers LIST] [--records LIST] --as LOGIN [--json]",
		N_("plans an audit (監査計画書): its scope, period and team; a team member from an "
		   "audited section, or holding a role over it or its systems, is refused"),
		NULL
	};
	struct plan p = { .secs = STRBUF_INIT,
		          .syss = STRBUF_INIT,
		          .members = STRBUF_INIT,
		          .scope = STRBUF_INIT };
	struct string_list sections = { 0 }, systems = { 0 }, team = { 0 }, clauses = { 0 };
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "title", &p.title, "TEXT", "the audit's name (監査の名称)"),
		OPT_STRING_LIST(0, "section", &sections, "ID", "an audited section (repeatable)"),
		OPT_STRING_LIST(0, "system", &systems, "ID", "an audited system (repeatable)"),
		OPT_STRING_LIST(0, "team", &team, "LOGIN[,LOGIN...]", "the audit team"),
		OPT_STRING(0, "from", &p.from, "DATE", "the audit period's first day (YYYY-MM-DD)"),
		OPT_STRING(0, "until", &p.until, "DATE", "the audit period's last day"),
		OPT_STRING(0, "items", &p.items, "TEXT", "what the audit checks (監査の実施事項)"),
		OPT_STRING_LIST(0, "clause", &clauses, "ID[,ID...]",
		                "a clause the audit covers (repeatable; MIN-3 covers MIN-3-4-1): "
		                "findings keep to them"),
		OPT_STRING(0, "registers", &p.registers, "LIST", "registers the team reads"),
		OPT_STRING(0, "records", &p.records, "LIST", "records the team reads (ids)"),
		OPT_STRING(0, "auditee", &p.auditee, "LOGIN",
		           "the person audited (監査を受ける者)"),
		OPT_STRING(0, "as", &p.as, "LOGIN", "who plans (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_attr f[13];
	struct act_input in = { .kind = ACT_RECORD, .register_id = AUDIT_REGISTER };
	struct door *d = NULL;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (k < 0)
		goto out;
	join_list(&sections, &p.secs);
	join_list(&systems, &p.syss);
	join_list(&team, &p.members);
	join_list(&clauses, &p.scope);
	ret = EXIT_USAGE;
	if (plan_check(&p) < 0)
		goto out;
	in.fields = f;
	in.n_fields = plan_fields(&p, f);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = audit_act(d, &in, p.as, json, true);
	door_free(d);
out:
	string_list_clear(&sections);
	string_list_clear(&systems);
	string_list_clear(&team);
	string_list_clear(&clauses);
	strbuf_release(&p.scope);
	strbuf_release(&p.secs);
	strbuf_release(&p.syss);
	strbuf_release(&p.members);
	return ret;
}

int audit_record_arg(struct door *d, const char *arg, const char *reg, struct record *ret)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id;

	if (parse_int64(arg, 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a record id", arg);
		return -1;
	}
	if (record_get(door_store(d), id, ret, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	if (reg && strcmp(ret->register_id, reg)) {
		cli_error("record %s is a '%s', not a '%s'", arg, ret->register_id, reg);
		record_release(ret);
		return -1;
	}
	return 0;
}

/*
 * The section a finding of audit (arg names it) concerns: section, which the audit must name,
 * else the audit's only section, else none (NULL). Prints why not and returns -1.
 */
static int finding_section(const struct record *audit, const char *arg, const char *section,
                           char **ret)
{
	const char *secs = record_field(audit, "auditee_section"), *cur = secs, *b;
	size_t len, cnt = 0;
	char *sec = NULL;

	while (secs && policy_list_next(&cur, &b, &len))
		if (!cnt++)
			sec = xstrndup(b, len);
	if (section && !policy_list_has(secs, section)) {
		cli_error("section '%s' is not audited by audit %s (sections: %s)", section, arg,
		          secs ? secs : "none");
		free(sec);
		return -1;
	}
	if (section || cnt != 1) {
		free(sec);
		sec = section ? xstrdup(section) : NULL;
	}
	*ret = sec;
	return 0;
}

static int finding_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori audit finding add AUDIT --clause CLAUSE --severity minor|major|critical "
		"--text TEXT [--section ID] [--attach FILE]... [--entry N]... --as LOGIN [--json]",
		N_("records a finding of the audit (team members only)"), NULL
	};
	const char *clause = NULL, *severity = NULL, *text = NULL, *section = NULL, *as = NULL;
	struct string_list attach = { 0 }, entries = { 0 };
	struct strbuf evidence = STRBUF_INIT;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "clause", &clause, "CLAUSE", "the clause it concerns (MIN-9-1-3)"),
		OPT_STRING(0, "severity", &severity, "S", "minor, major or critical"),
		OPT_STRING(0, "text", &text, "TEXT", "what was found"),
		OPT_STRING(0, "section", &section, "ID",
		           "the section it concerns (default: the audit's only section)"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE", "evidence kept with it"),
		OPT_STRING_LIST(
		    0, "entry", &entries, "N",
		    "a ledger entry (an act) it rests on, by number: linked as evidence"),
		OPT_STRING(0, "as", &as, "LOGIN", "who records it (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { .kind = ACT_RECORD,
		                .register_id = FINDING_REGISTER,
		                .action = FINDING_REGISTER ".add" };
	struct cli_files files = { 0 };
	struct record audit = { 0 };
	struct act_attr f[7];
	struct door *d = NULL;
	char *sec = NULL;
	size_t n = 0;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (!clause || !severity || !text) {
		cli_error("a finding needs --clause, --severity and --text");
		goto out;
	}
	if (need_as(as) < 0)
		goto out;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (audit_record_arg(d, argv[0], AUDIT_REGISTER, &audit) < 0 ||
	    finding_section(&audit, argv[0], section, &sec) < 0)
		goto out;
	f[n++] = (struct act_attr){ "audit", argv[0] };
	f[n++] = (struct act_attr){ "clause", clause };
	f[n++] = (struct act_attr){ "severity", severity };
	f[n++] = (struct act_attr){ "text", text };
	if (sec)
		f[n++] = (struct act_attr){ "section", sec };
	for (int i = 0; i < entries.nr; i++)
		strbuf_addf(&evidence, "%s%s", i ? "," : "", entries.items[i]);
	if (entries.nr)
		f[n++] = (struct act_attr){ "evidence", evidence.buf };
	in.fields = f;
	in.n_fields = n;
	if (cli_files_store(d, &attach, &files) < 0)
		goto out;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	ret = audit_act(d, &in, as, json, true);
out:
	cli_files_release(&files);
	record_release(&audit);
	door_free(d);
	free(sec);
	string_list_clear(&attach);
	string_list_clear(&entries);
	strbuf_release(&evidence);
	return ret;
}

/*
 * A step of an audit (conduct, report, evaluate, its improvement plan and its carrying out) or
 * of a finding's follow-up (respond, plan-improvement, follow-up, close). text_field NULL: the
 * action's first required text field (Minato's report is `report`, Shinjuku's `result`).
 */
struct step {
	const char *name, *reg, *action, *text_field;
	bool text, text_required, due;
	const char *summary;
	const char *review_field; /* --review N goes to it (a policy_review record), or NULL */
};

static const struct step steps[] = {
	{ "respond", FINDING_REGISTER, "finding.respond", "response", true, true, false,
	  N_("the audited section's response to a finding"), NULL },
	{ "plan-improvement", FINDING_REGISTER, "finding.plan_improvement", "improvement_plan",
	  true, true, true, N_("the improvement plan with its due date (改善計画)"), NULL },
	{ "follow-up", FINDING_REGISTER, "finding.follow_up", "follow_up", true, true, false,
	  N_("what the follow-up found (改善の確認)"), NULL },
	{ "close", FINDING_REGISTER, "finding.close", "follow_up", true, false, false,
	  N_("the improvement is done: the finding is closed"), NULL },
	{ "conduct", AUDIT_REGISTER, "audit.conduct", NULL, false, false, false,
	  N_("the audit is carried out (監査の実施)"), NULL },
	{ "report", AUDIT_REGISTER, "audit.report", NULL, true, true, false,
	  N_("the audit report (監査報告書; Shinjuku: the result reported to 情報化戦略本部)"),
	  NULL },
	{ "evaluate", AUDIT_REGISTER, "audit.evaluate", "evaluation", true, true, false,
	  N_("the CISO's evaluation of the report (評価・指摘)"), NULL },
	{ "receive", AUDIT_REGISTER, "audit.receive", "hq_use", true, true, false,
	  N_("情報化戦略本部 receives the result and records its use in the review (Shinjuku)"),
	  "review" },
	{ "plan-improvement", AUDIT_REGISTER, "audit.plan_improvement", "improvement_plan", true,
	  true, false, N_("the audit's improvement plan (改善計画書)"), NULL },
	{ "improve", AUDIT_REGISTER, "audit.improve", "done", true, true, false,
	  N_("the improvement plan carried out: the audit is closed (改善計画書の実施)"), NULL },
};

/* The step named name for a record of register reg (NULL: the first of that name). */
static const struct step *step_for(const char *name, const char *reg)
{
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++)
		if (!strcmp(name, steps[i].name) && (!reg || !strcmp(reg, steps[i].reg)))
			return &steps[i];
	return NULL;
}

/* The field the step's --text goes to, or NULL when the profile's action records none. */
static const char *step_text_field(const struct step *s, const struct policy_action *a)
{
	if (s->text_field)
		return s->text_field;
	for (unsigned i = 0; a && i < a->n_fields; i++)
		if (a->fields[i].required && a->fields[i].type == FIELD_TEXT)
			return a->fields[i].id;
	return NULL;
}

static void step_usage(const char *name, struct strbuf *use)
{
	const struct step *f = step_for(name, FINDING_REGISTER),
	                  *a = step_for(name, AUDIT_REGISTER);
	const struct step *s = f ? f : a;

	strbuf_addf(use, "mamori audit %s %s %s%s[--attach FILE]... --as LOGIN [--json]", name,
	            f && a ? "FINDING|AUDIT"
	            : f    ? "FINDING"
	                   : "AUDIT",
	            !s->text           ? ""
	            : s->text_required ? "--text TEXT "
	                               : "[--text TEXT] ",
	            s->due ? "[--due DATE] " : "");
	if (s->review_field)
		strbuf_addstr(use, " [--review REVIEW]");
}

/* Checks the options against the step; prints why not. */
static int step_options(const struct step *s, const char *text, const char *due, const char *review)
{
	if (review && !s->review_field) {
		cli_error("--review belongs to 'mamori audit receive'");
		return -1;
	}
	if (s->text_required && (!text || !*text)) {
		cli_error("say what to record: --text TEXT");
		return -1;
	}
	if (!s->text && text) {
		cli_error("'mamori audit %s' records no text", s->name);
		return -1;
	}
	if (s->due && !due) {
		cli_error("give the improvement's due date: --due YYYY-MM-DD");
		return -1;
	}
	if (!s->due && due) {
		cli_error("--due belongs to a finding's 'mamori audit plan-improvement'");
		return -1;
	}
	return 0;
}

/* The record arg names, an audit or a finding as the step may take. */
static int step_record(struct door *d, const char *arg, const char *name, struct record *ret,
                       const struct step **s)
{
	const struct step *f = step_for(name, FINDING_REGISTER),
	                  *a = step_for(name, AUDIT_REGISTER);

	if (!f || !a) {
		*s = f ? f : a;
		return audit_record_arg(d, arg, (*s)->reg, ret);
	}
	if (audit_record_arg(d, arg, NULL, ret) < 0)
		return -1;
	*s = step_for(name, ret->register_id);
	if (*s)
		return 0;
	cli_error("record %s is a '%s', neither an audit nor a finding", arg, ret->register_id);
	record_release(ret);
	return -1;
}

static int step_run(struct cli_ctx *ctx, int argc, const char **argv)
{
	const struct step *s = NULL;
	const char *name = argv[0], *text = NULL, *due = NULL, *review = NULL, *as = NULL, *field;
	struct string_list attach = { 0 };
	bool json = false;
	struct strbuf use = STRBUF_INIT;
	const char *usage[3] = { NULL, NULL, NULL };
	struct option opts[] = {
		OPT_STRING(0, "text", &text, "TEXT", "what to record"),
		OPT_STRING(0, "due", &due, "DATE", "a finding's improvement due date (YYYY-MM-DD)"),
		OPT_STRING(0, "review", &review, "REVIEW",
		           "the policy review (its record number) the result is deliberated in"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE", "evidence kept with it"),
		OPT_STRING(0, "as", &as, "LOGIN", "who acts (required)"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct act_input in = { .kind = ACT_RECORD };
	struct cli_files files = { 0 };
	struct record rec = { 0 };
	struct act_attr f[3];
	struct door *d = NULL;
	size_t n = 0;
	int k, ret;

	s = step_for(name, NULL);
	if (!s)
		return EXIT_USAGE;
	step_usage(name, &use);
	usage[0] = use.buf;
	usage[1] = s->summary;
	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		goto out;
	ret = EXIT_USAGE;
	if (need_as(as) < 0)
		goto out;
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (step_record(d, argv[0], name, &rec, &s) < 0)
		goto out;
	ret = EXIT_USAGE;
	if (step_options(s, text, due, review) < 0)
		goto out;
	ret = EXIT_FAILED;
	field = step_text_field(s, policy_action(door_profile(d), s->action));
	if (text && !field) {
		cli_error("this ward's %s records no text", s->action);
		goto out;
	}
	if (text)
		f[n++] = (struct act_attr){ field, text };
	if (due)
		f[n++] = (struct act_attr){ FINDING_DUE_FIELD, due };
	if (review)
		f[n++] = (struct act_attr){ s->review_field, review };
	in.record_id = rec.id;
	in.action = s->action;
	in.fields = f;
	in.n_fields = n;
	if (cli_files_store(d, &attach, &files) < 0)
		goto out;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	ret = audit_act(d, &in, as, json, false);
out:
	cli_files_release(&files);
	record_release(&rec);
	door_free(d);
	string_list_clear(&attach);
	strbuf_release(&use);
	return ret;
}

static int audit_finding(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", finding_add, N_("records a finding of an audit (team members only)") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "audit finding", table, argc, argv);
}

int cmd_audit(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "plan", audit_plan, N_("plans an audit: scope, period and an independent team") },
		{ "finding", audit_finding, N_("records findings per clause (add)") },
		{ "conduct", step_run, N_("the audit is carried out (監査の実施)") },
		{ "report", step_run, N_("the audit report to the CISO / CIO (監査報告書)") },
		{ "evaluate", step_run, N_("the CISO's evaluation of the report (評価・指摘)") },
		{ "receive", step_run,
		  N_("情報化戦略本部 receives the result and records its use in the review "
		     "(Shinjuku)") },
		{ "improve", step_run, N_("the audit's improvement plan carried out: closed") },
		{ "respond", step_run, N_("the audited section's response to a finding") },
		{ "plan-improvement", step_run,
		  N_("the improvement plan of a finding (with its due date) or of an audit") },
		{ "follow-up", step_run, N_("what the follow-up of an improvement found") },
		{ "close", step_run, N_("closes a finding once it is improved") },
		{ "show", audit_show, N_("an audit with its findings") },
		{ "list", audit_list, N_("the audits, with open and overdue findings") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "audit", table, argc, argv);
}
