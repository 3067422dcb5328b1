/* cmd-incident: `mamori incident`: report a case, step it, act on it, take in and hand over its
 * evidence (core/incident.h); reading and the evidence export are in cmd-incident-read.c. */
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
#include "cli/incident.h"
#include "core/core.h"
#include "core/export-lists.h"
#include "core/incident.h"
#include "core/read.h"
#include "policy/policy.h"

int incident_parse_id(const char *s, int64_t *ret)
{
	if (parse_int64(s, 1, INT64_MAX, ret) < 0) {
		cli_error("'%s' is not an incident number", s);
		return -1;
	}
	return 0;
}

/* {"role","name","scope","scope_name"} for each role the act went to. */
static void routed_json(struct json_writer *w, const struct act_result *res)
{
	jw_key(w, "routed_to");
	jw_array_begin(w);
	for (size_t i = 0; i < res->n_notify; i++) {
		jw_object_begin(w);
		jw_kv_str(w, "role", res->notify[i].role);
		jw_kv_str(w, "scope", res->notify[i].scope);
		jw_kv_str(w, "name", res->notify[i].name);
		jw_kv_str(w, "scope_name", res->notify[i].scope_name);
		jw_object_end(w);
	}
	jw_array_end(w);
}

static void routed_text(struct strbuf *out, const struct act_result *res)
{
	for (size_t i = 0; i < res->n_notify; i++) {
		strbuf_addstr(out, i ? "、" : T_("; sent to "));
		if (res->notify[i].scope_name)
			strbuf_addf(out, "%s ", res->notify[i].scope_name);
		strbuf_addstr(out, res->notify[i].name);
	}
}

/* Prints an act's result; with json the door's object plus routed_to. */
static int print_result(const struct act_result *res, bool json, const char *done_text)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (json) {
		/* the door's object, then routed_to */
		struct strbuf act = STRBUF_INIT, routed = STRBUF_INIT;
		struct json_writer w;
		act_result_json(res, &act);
		jw_init(&w, &routed);
		jw_object_begin(&w);
		routed_json(&w, res);
		jw_object_end(&w);
		strbuf_add(&out, act.buf, act.len - 1);
		strbuf_addch(&out, ',');
		strbuf_addstr(&out, routed.buf + 1);
		strbuf_addch(&out, '\n');
		strbuf_release(&act);
		strbuf_release(&routed);
	} else {
		if (res->outcome == ACT_DONE && done_text)
			strbuf_addstr(&out, done_text);
		else
			cli_act_text(res, &out);
		if (res->outcome != ACT_REFUSED)
			routed_text(&out, res);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	strbuf_release(&out);
	return ret == EXIT_DONE ? cli_exit_for_outcome(res->outcome) : ret;
}

/*
 * Checks that the report has what it needs and gives it the --record ids as numbers (*ret,
 * owned by the caller); prints why not and returns -1.
 */
static int report_args(struct incident_report *in, const struct string_list *records, int64_t **ret)
{
	int64_t *ids;

	if (!in->actor || !in->title || !in->found_at) {
		cli_error("a report needs --title, --found-at and --as LOGIN");
		return -1;
	}
	ids = xcalloc((size_t)records->nr + 1, sizeof(*ids));
	for (int i = 0; i < records->nr; i++) {
		if (parse_int64(records->items[i], 1, INT64_MAX, &ids[i]) < 0) {
			cli_error("--record '%s' is not a record number", records->items[i]);
			free(ids);
			return -1;
		}
	}
	in->records = ids;
	in->n_records = (size_t)records->nr;
	*ret = ids;
	return 0;
}

/* Prints the report's outcome: with json its id, outcome, routed_to, clauses, ledger_index and
 * message; returns the exit code. */
static int report_print(const struct act_result *res, bool json)
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
		routed_json(&w, res);
		jw_key(&w, "clauses");
		jw_array_begin(&w);
		for (size_t i = 0; i < res->n_clauses; i++)
			jw_string(&w, res->clauses[i]);
		jw_array_end(&w);
		jw_key(&w, "ledger_index");
		jw_uint(&w, res->ledger_index);
		jw_kv_str(&w, "message", res->message);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else if (res->outcome == ACT_DONE) {
		strbuf_addf(&out, T_("incident %lld reported"), (long long)res->record_id);
		routed_text(&out, res);
		strbuf_addch(&out, '\n');
	} else {
		cli_act_text(res, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(res->outcome);
	strbuf_release(&out);
	return ret;
}

static int incident_report_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident report --title TEXT --found-at TIME [--occurred-at TIME] "
		"[--record ID]... [--personal-data N] --as LOGIN [--json]",
		N_("reports what happened; it goes at once to the reporter's section's security "
		   "officer"),
		NULL
	};
	struct incident_report in = { 0 };
	struct string_list records = { 0 }, attach = { 0 };
	int64_t personal = -1;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "title", &in.title, "TEXT", "what happened, in one line (required)"),
		OPT_STRING(
		    0, "found-at", &in.found_at, "TIME",
		    "when it was found: 2026-11-22T10:30:00+09:00 or 2026-11-22T10:30 (JST)"),
		OPT_STRING(0, "occurred-at", &in.occurred_at, "TIME", "when it happened"),
		OPT_STRING_LIST(0, "record", &records, "ID", "a record involved (repeatable)"),
		OPT_INT(0, "personal-data", &personal, "N",
		        "roughly how many people's personal information is involved", 0, 100000000),
		OPT_BOOL(0, "sensitive", &in.sensitive, "要配慮個人情報 is involved"),
		OPT_BOOL(0, "financial", &in.financial, "financial damage may follow"),
		OPT_BOOL(0, "wrongful", &in.wrongful,
		         "it may have been done for a wrongful purpose"),
		OPT_BOOL(0, "urgent", &in.urgent,
		         "damage must be stopped at once: the report goes to the responders too"),
		OPT_BOOL(0, "drill", &in.drill, "an exercise (訓練), kept out of real statistics"),
		OPT_STRING(0, "place", &in.place, "TEXT", "where it happened"),
		OPT_STRING(0, "description", &in.description, "TEXT", "what is known"),
		OPT_STRING(0, "kind", &in.kind, "KIND", "the profile's kind (種別)"),
		OPT_STRING(0, "severity", &in.severity, "S", "the profile's severity (重大度)"),
		OPT_STRING(0, "system", &in.system, "ID", "the information system involved"),
		OPT_STRING_LIST(0, "attach", &attach, "FILE", "a file handed in (repeatable)"),
		OPT_STRING(0, "as", &in.actor, "LOGIN", "who reports (required)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	struct cli_files files = { 0 };
	int64_t *ids = NULL;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		goto out;
	if (report_args(&in, &records, &ids) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	in.personal_data = personal;
	cli_act_context(&in.ctx);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (cli_files_store(d, &attach, &files) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	in.attachments = files.items;
	in.n_attachments = files.nr;
	if (incident_report(d, &in, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = report_print(&res, json);
out:
	act_result_release(&res);
	cli_files_release(&files);
	door_free(d);
	free(ids);
	string_list_clear(&records);
	string_list_clear(&attach);
	strbuf_release(&err);
	return ret;
}

/* Options of the commands that act on a case. */
struct case_opts {
	const char *as, *comment;
	struct string_list fields, context, attach;
	bool json;
};
#define CASE_OPTIONS(o)                                                                            \
	OPT_STRING(0, "as", &(o).as, "LOGIN", "who acts (required)"),                              \
	    OPT_STRING(0, "comment", &(o).comment, "TEXT", "a comment kept with the act"),         \
	    OPT_STRING_LIST(0, "field", &(o).fields, "K=V", "what the act records (repeatable)"),  \
	    OPT_STRING_LIST(0, "context", &(o).context, "K=V", "policy context (repeatable)"),     \
	    OPT_BOOL(0, "json", &(o).json, "print the outcome as JSON")

static void case_opts_release(struct case_opts *o)
{
	string_list_clear(&o->fields);
	string_list_clear(&o->context);
	string_list_clear(&o->attach);
}

/* Runs action (full name) on case id with o's fields, context and files. */
static int case_act(struct cli_ctx *ctx, int64_t id, const char *status, const char *action,
                    struct case_opts *o, const struct act_attr *extra, size_t n_extra)
{
	struct cli_attrs fields = { 0 }, context = { 0 };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT;
	struct cli_files files = { 0 };
	struct act_attr *all = NULL;
	struct door *d = NULL;
	int ret, r;

	if (!o->as) {
		cli_error("say who acts: --as LOGIN");
		return EXIT_USAGE;
	}
	if (cli_attrs_parse(&o->fields, "--field", &fields) < 0 ||
	    cli_attrs_parse(&o->context, "--context", &context) < 0) {
		ret = EXIT_USAGE;
		goto out;
	}
	all = xcalloc(fields.nr + n_extra + 1, sizeof(*all));
	memcpy(all, fields.items, fields.nr * sizeof(*all));
	if (n_extra)
		memcpy(all + fields.nr, extra, n_extra * sizeof(*all));
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (cli_files_store(d, &o->attach, &files) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	if (status) {
		struct act_context c;
		cli_act_context(&c);
		c.attrs = context.items;
		c.n_attrs = context.nr;
		r = incident_step(d, id, status, o->as, all, fields.nr + n_extra, o->comment, &c,
		                  &res, &err);
	} else {
		struct act_input in = { .kind = ACT_RECORD };
		in.actor = o->as;
		in.action = action;
		in.record_id = id;
		in.fields = all;
		in.n_fields = fields.nr + n_extra;
		in.comment = o->comment;
		in.attachments = files.items;
		in.n_attachments = files.nr;
		cli_act_context(&in.ctx);
		in.ctx.attrs = context.items;
		in.ctx.n_attrs = context.nr;
		r = act_run(d, &in, &res, &err);
	}
	if (r < 0) {
		cli_error("%s", err.buf);
		ret = r == -EINVAL && status ? EXIT_USAGE : EXIT_FAILED;
		goto out;
	}
	ret = print_result(&res, o->json, NULL);
out:
	act_result_release(&res);
	cli_files_release(&files);
	door_free(d);
	free(all);
	cli_attrs_release(&fields);
	cli_attrs_release(&context);
	strbuf_release(&err);
	return ret;
}

static int incident_step_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident step ID STATUS --as LOGIN [--comment TEXT] [--field K=V]... "
		"[--json]",
		N_("STATUS: escalated, received, investigating, contained, recovered, monitoring, "
		   "prevention, closed"),
		NULL
	};
	struct case_opts o = { 0 };
	const struct option opts[] = { CASE_OPTIONS(o), OPT_END() };
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n >= 0)
		ret = incident_parse_id(argv[0], &id) < 0
		          ? EXIT_USAGE
		          : case_act(ctx, id, argv[1], NULL, &o, NULL, 0);
	case_opts_release(&o);
	return ret;
}

static int incident_act_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident act ID ACTION --as LOGIN [--field K=V]... [--comment TEXT] "
		"[--attach FILE]... [--json]",
		N_("any action of the case the profile lists: note, assign, classify, task_add, "
		   "task_done, link_record, evidence_handover, report_out, the containment actions "
		   "(cut_off, reconnect, suspend_account ...)"),
		NULL
	};
	struct case_opts o = { 0 };
	const struct option opts[] = {
		CASE_OPTIONS(o),
		OPT_STRING_LIST(0, "attach", &o.attach, "FILE", "a file kept with the act"),
		OPT_END(),
	};
	char *action = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n >= 0 && incident_parse_id(argv[0], &id) < 0)
		ret = EXIT_USAGE;
	else if (n >= 0) {
		action = strchr(argv[1], '.') ? xstrdup(argv[1]) : xstrfmt("incident.%s", argv[1]);
		ret = case_act(ctx, id, NULL, action, &o, NULL, 0);
	}
	free(action);
	case_opts_release(&o);
	return ret;
}

static int incident_note_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori incident note ID TEXT --as LOGIN [--json]",
		                             N_("adds a note to the timeline"), NULL };
	struct case_opts o = { 0 };
	const struct option opts[] = { CASE_OPTIONS(o), OPT_END() };
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n >= 0 && incident_parse_id(argv[0], &id) < 0)
		ret = EXIT_USAGE;
	else if (n >= 0) {
		struct act_attr note = { "note", argv[1] };
		ret = case_act(ctx, id, NULL, "incident.note", &o, &note, 1);
	}
	case_opts_release(&o);
	return ret;
}

/* ---- evidence ------------------------------------------------------------------------- */

/* evidence add --json: the case, the act's outcome and, when done, the file taken in (file). */
static void evidence_json(int64_t id, const struct act_result *res,
                          const struct act_attachment *file, struct strbuf *out)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_int(&w, "id", id);
	jw_kv_str(&w, "outcome", act_outcome_name(res->outcome));
	if (res->outcome == ACT_DONE) {
		jw_key(&w, "evidence");
		jw_object_begin(&w);
		jw_kv_str(&w, "name", file->name);
		jw_kv_str(&w, "sha256", file->sha256);
		jw_kv_int(&w, "size", file->size);
		jw_key(&w, "ledger_index");
		jw_uint(&w, res->ledger_index);
		jw_object_end(&w);
	}
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	for (size_t i = 0; i < res->n_clauses; i++)
		jw_string(&w, res->clauses[i]);
	jw_array_end(&w);
	jw_key(&w, "ledger_index");
	jw_uint(&w, res->ledger_index);
	jw_kv_str(&w, "message", res->message);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

static int evidence_add(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident evidence add ID FILE --as LOGIN [--comment TEXT] [--json]",
		N_("takes a file in as evidence: stored by its SHA-256, which the ledger records"),
		NULL
	};
	struct case_opts o = { 0 };
	const struct option opts[] = { CASE_OPTIONS(o), OPT_END() };
	struct act_result res = ACT_RESULT_INIT;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct act_input in = { .kind = ACT_RECORD };
	struct cli_files files = { 0 };
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n < 0)
		goto out;
	if (incident_parse_id(argv[0], &id) < 0 || !o.as) {
		if (!o.as)
			cli_error("say who takes it in: --as LOGIN");
		ret = EXIT_USAGE;
		goto out;
	}
	string_list_append(&o.attach, argv[1]);
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		goto out;
	if (cli_files_store(d, &o.attach, &files) < 0) {
		ret = EXIT_FAILED;
		goto out;
	}
	in.actor = o.as;
	in.action = "incident.evidence_add";
	in.record_id = id;
	in.comment = o.comment;
	in.attachments = files.items;
	in.n_attachments = files.nr;
	cli_act_context(&in.ctx);
	if (act_run(d, &in, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (o.json) {
		evidence_json(id, &res, files.items, &out);
	} else if (res.outcome == ACT_DONE) {
		strbuf_addf(&out,
		            T_("evidence '%s' taken in: sha256 %s, ledger entry %" PRIu64 "\n"),
		            files.items[0].name, files.items[0].sha256, res.ledger_index);
	} else {
		cli_act_text(&res, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(res.outcome);
out:
	act_result_release(&res);
	cli_files_release(&files);
	door_free(d);
	case_opts_release(&o);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

static int evidence_handover(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori incident evidence handover ID SHA256 --to WHO --reason TEXT --as LOGIN "
		"[--json]",
		N_("records who received a piece of evidence, when and why (chain of custody)"),
		NULL
	};
	struct case_opts o = { 0 };
	const char *to = NULL, *reason = NULL;
	const struct option opts[] = {
		CASE_OPTIONS(o),
		OPT_STRING(0, "to", &to, "WHO", "who received it (a login, or 新宿警察署 ...)"),
		OPT_STRING(0, "reason", &reason, "TEXT", "why it was handed over"),
		OPT_END(),
	};
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 2, 2, &ret);
	if (n >= 0 && (incident_parse_id(argv[0], &id) < 0 || !to || !reason)) {
		if (!to || !reason)
			cli_error("a hand-over needs --to WHO and --reason TEXT");
		ret = EXIT_USAGE;
	} else if (n >= 0) {
		struct act_attr f[3] = { { "evidence", argv[1] },
			                 { "receiver", to },
			                 { "reason", reason } };
		ret = case_act(ctx, id, NULL, "incident.evidence_handover", &o, f, 3);
	}
	case_opts_release(&o);
	return ret;
}

static int incident_evidence(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "add", evidence_add, N_("take a file in as evidence (SHA-256 in the ledger)") },
		{ "handover", evidence_handover, N_("record a hand-over of a piece of evidence") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "incident evidence", table, argc, argv);
}

int cmd_incident(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "report", incident_report_cmd,
		  N_("report what happened (to the section's officer)") },
		{ "step", incident_step_cmd, N_("step a case to its next status") },
		{ "act", incident_act_cmd, N_("do an action on a case (containment, tasks ...)") },
		{ "note", incident_note_cmd, N_("add a note to a case's timeline") },
		{ "evidence", incident_evidence, N_("take in or hand over evidence") },
		{ "show", incident_show, N_("a case: timeline, deadlines, evidence, containment") },
		{ "list", incident_list_cmd, N_("the cases") },
		{ "export", incident_export_cmd,
		  N_("export a case's evidence for a court or the police") },
		{ "verify-export", incident_verify_cmd, N_("check an evidence export") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "incident", table, argc, argv);
}
