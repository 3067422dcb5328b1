/* cmd-fim: `mamori fim`: file integrity baselines, checks, acceptance and configuration checks. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/fmtargs.h"
#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/fim.h"
#include "fim/config.h"

/* Exit codes of fim check (docs/cli.md): the change status, as AIDE scripts expect. */
enum { FIM_EXIT_CLEAN = 0, FIM_EXIT_CHANGED = 1 };

#define THREADS_HELP N_("hashing threads (default: the configuration's num_workers, else 2)")

static void act_json(struct json_writer *w, const char *key, const struct act_result *r)
{
	struct strbuf sb = STRBUF_INIT;

	act_result_json(r, &sb);
	jw_key(w, key);
	jw_raw(w, sb.buf);
	strbuf_release(&sb);
}

static void say_diags(const struct fim_diags *d, struct strbuf *out);

/*
 * The configuration's warnings, and when it failed its errors, of fim init and fim check: in
 * Japanese each line as 'fim config check' says it, and how many errors; else the core's
 * English (the warnings, then err's lines). config NULL: the file of the first error.
 * Returns whether it said the errors.
 */
static bool say_config(const struct fim_diags *d, const struct strbuf *warnings, const char *config)
{
	struct strbuf out = STRBUF_INIT;

	if (!cli_lang_ja() || !d->nr) {
		fputs(warnings->buf, stderr);
		return false;
	}
	say_diags(d, &out);
	fputs(out.buf, stderr);
	strbuf_release(&out);
	if (!d->errors)
		return false;
	for (size_t i = 0; !config && i < d->nr; i++)
		if (d->items[i].error)
			config = d->items[i].file;
	cli_error(d->errors == 1 ? N_("'%s': %zu error") : N_("'%s': %zu errors"), config,
	          d->errors);
	return true;
}

/* An act that was not done (pending, refused): its outcome as a line or JSON; the exit code. */
static int act_not_done(const struct act_result *act, bool json)
{
	struct strbuf out = STRBUF_INIT;
	int ret;

	if (json)
		act_result_json(act, &out);
	else
		cli_act_text(act, &out);
	strbuf_addch(&out, '\n');
	ret = cli_print(&out);
	if (ret == EXIT_DONE)
		ret = cli_exit_for_outcome(act->outcome);
	strbuf_release(&out);
	return ret;
}

/* fim init --json: the configuration, the generation installed and its ledger entry. */
static void init_json(const struct fim_init_result *res, struct strbuf *out)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_int(&w, "config_id", res->config_id);
	jw_key(&w, "generation");
	jw_uint(&w, res->generation);
	jw_kv_str(&w, "sha256", res->sha256);
	jw_key(&w, "entries");
	jw_uint(&w, res->entries);
	jw_key(&w, "bytes");
	jw_uint(&w, res->bytes);
	jw_key(&w, "ledger_index");
	jw_uint(&w, res->ledger_index);
	if (res->acted)
		act_json(&w, "act", &res->act);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

static int fim_init_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori fim init --config FILE [--as LOGIN] [--system ID] [--json]",
		N_("walks and hashes what FILE (AIDE's syntax) selects and stores a signed "
		   "baseline; "
		   "again, with --as, a new generation"),
		NULL
	};
	const char *config = NULL, *as = NULL, *system = NULL;
	int64_t threads = -1;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "config", &config, "FILE", "the configuration (aide.conf syntax)"),
		OPT_STRING(
		    0, "as", &as, "LOGIN",
		    "who authorises it (required for a new generation: fim.register/accept)"),
		OPT_STRING(0, "system", &system, "ID",
		           "the information system the files belong to"),
		OPT_INT(0, "threads", &threads, "N", THREADS_HELP, 0, 64),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct fim_init_result res = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct fim_init_input in = { 0 };
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (!config) {
		cli_error("fim init needs --config FILE");
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	in.config = config;
	in.actor = as;
	in.system = system;
	in.threads = (int)threads;
	cli_act_context(&in.ctx);
	/* The walk begins now and goes on while the door opens (the profile's load). */
	in.early = fim_init_early_start(&in);
	ret = cli_door_open(ctx, 0, &d);
	if (ret) {
		fim_init_early_abort(in.early);
		return ret;
	}
	if (fim_init(d, &in, &res, &err) < 0) {
		if (!say_config(&res.diags, &res.warnings, config))
			cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	say_config(&res.diags, &res.warnings, config);
	if (res.acted && res.act.outcome != ACT_DONE) {
		ret = act_not_done(&res.act, json);
		goto out;
	}
	if (json) {
		init_json(&res, &out);
	} else {
		strbuf_addf(&out,
		            T_("baseline generation %" PRIu64 ": %" PRIu64 " entries, sha256 %s "
		               "(ledger entry %" PRIu64 ")\n"),
		            res.generation, res.entries, res.sha256, res.ledger_index);
	}
	ret = cli_print(&out);
out:
	fim_init_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

/* A check's outcome (an id: clean, changed, tampered) as the person's language says it. */
static const char *outcome_text(const char *outcome)
{
	if (!strcmp(outcome, "clean"))
		return T_("clean");
	if (!strcmp(outcome, "changed"))
		return T_("changed");
	if (!strcmp(outcome, "tampered"))
		return T_("tampered");
	return outcome;
}

static void check_output(const struct fim_check_result *res, bool json, struct strbuf *out)
{
	if (json) {
		struct fim_report_row row = { .id = res->report_id,
			                      .report = (char *)(uintptr_t)res->json.buf,
			                      .ledger_index = res->ledger_index };
		memcpy(row.result_sha256, res->result_sha256, 65);
		struct strbuf body = STRBUF_INIT;
		fim_report_row_json(&row, &body);
		/* the duties the check fulfilled, before the closing brace */
		strbuf_setlen(&body, body.len - 1);
		if (res->alert_id)
			strbuf_addf(&body, ",\"alert\":%" PRId64, res->alert_id);
		else
			strbuf_addstr(&body, ",\"alert\":null");
		strbuf_addstr(&body, ",\"duties\":[");
		for (size_t i = 0; i < res->nr_duties; i++) {
			struct strbuf a = STRBUF_INIT;
			struct json_writer w;
			act_result_json(&res->duties[i].act, &a);
			jw_init(&w, &body);
			if (i)
				strbuf_addch(&body, ',');
			jw_object_begin(&w);
			jw_kv_str(&w, "duty", res->duties[i].duty);
			jw_kv_str(&w, "scope", res->duties[i].scope);
			jw_key(&w, "act");
			jw_raw(&w, a.buf);
			jw_object_end(&w);
			strbuf_release(&a);
		}
		strbuf_addstr(&body, "]}\n");
		strbuf_add(out, body.buf, body.len);
		strbuf_release(&body);
		return;
	}
	strbuf_add(out, res->text.buf, res->text.len);
	strbuf_addf(out, T_("report %" PRId64 ": %s (ledger entry %" PRIu64 ")\n"), res->report_id,
	            outcome_text(res->outcome), res->ledger_index);
	if (res->alert_id)
		strbuf_addf(out, T_("alert %" PRId64 " raised (see 'mamori alert list')\n"),
		            res->alert_id);
	for (size_t i = 0; i < res->nr_duties; i++) {
		strbuf_addf(out, T_("duty %s at %s: "), res->duties[i].duty, res->duties[i].scope);
		cli_act_text(&res->duties[i].act, out);
		strbuf_addch(out, '\n');
	}
}

static int fim_check_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori fim check [--config FILE] [--as LOGIN] [--scope SCOPE] [--json]",
		N_("compares with the baseline; exit 0: nothing changed, 1: something did, 2: "
		   "usage"),
		NULL
	};
	const char *config = NULL, *as = NULL, *scope = NULL;
	int64_t threads = -1;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "config", &config, "FILE",
		           "which configuration (when there are several)"),
		OPT_STRING(0, "as", &as, "LOGIN",
		           "who checks: fulfils the tamper-check duty (MIN-5-6-2, SHJ-5-7-3)"),
		OPT_STRING(
		    0, "scope", &scope, "SCOPE",
		    "only the duty at this scope (system:ID); default: every scope of LOGIN's"),
		OPT_INT(0, "threads", &threads, "N", THREADS_HELP, 0, 64),
		OPT_BOOL(0, "json", &json, "print the report as JSON"),
		OPT_END(),
	};
	struct fim_check_result res = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct fim_check_input in = { 0 };
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (scope && !as) {
		cli_error("--scope says where a duty is fulfilled: give --as LOGIN too");
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	in.config = config;
	in.actor = as;
	in.scope = scope;
	in.threads = (int)threads;
	cli_act_context(&in.ctx);
	int r = fim_check(d, &in, &res, &err);
	bool said = say_config(&res.diags, &res.warnings, config);
	if (r < 0 && !res.report_id) {
		if (!said)
			cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	check_output(&res, json, &out);
	ret = cli_print(&out);
	if (r < 0)
		cli_error("the check is stored as report %" PRId64
		          ", but the duty was not recorded: %s",
		          res.report_id, err.buf);
	if (ret == EXIT_DONE)
		ret = res.changed ? FIM_EXIT_CHANGED : FIM_EXIT_CLEAN;
out:
	fim_check_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int fim_accept_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori fim accept REPORT_ID --as LOGIN [--comment TEXT] [--json]",
		N_("accepts a check's changes into a new baseline generation, through the door"),
		NULL
	};
	const char *as = NULL, *comment = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "who accepts (required; the profile decides)"),
		OPT_STRING(0, "comment", &comment, "TEXT", "why the changes are right"),
		OPT_BOOL(0, "json", &json, "print the outcome as JSON"),
		OPT_END(),
	};
	struct fim_accept_result res = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct act_context actx;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (!as) {
		cli_error("fim accept needs --as LOGIN: who accepts the changes");
		return EXIT_USAGE;
	}
	if (parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a report number (see 'mamori fim check')", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, 0, &d);
	if (ret)
		return ret;
	cli_act_context(&actx);
	if (fim_accept(d, id, as, comment, &actx, &res, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_object_begin(&w);
		jw_kv_int(&w, "report", id);
		jw_key(&w, "generation");
		jw_uint(&w, res.generation);
		jw_kv_str(&w, "sha256", res.sha256);
		jw_kv_bool(&w, "installed", res.installed);
		if (res.acted)
			act_json(&w, "act", &res.act);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else if (res.installed && !res.sha256[0]) {
		strbuf_addf(&out,
		            T_("accepted: report %" PRId64 " becomes generation %" PRIu64
		               ", made by its agent from its own delta when it next reports\n"),
		            id, res.generation);
	} else if (res.installed) {
		strbuf_addf(&out,
		            T_("accepted: report %" PRId64 " is baseline generation %" PRIu64
		               " (sha256 %s)\n"),
		            id, res.generation, res.sha256);
	} else {
		cli_act_text(&res.act, &out);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
	if (ret == EXIT_DONE && res.acted)
		ret = cli_exit_for_outcome(res.act.outcome);
out:
	fim_accept_result_release(&res);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int fim_show_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori fim show REPORT_ID",
		                             N_("prints a stored report as JSON"), NULL };
	const struct option opts[] = { OPT_END() };
	struct fim_report_row row = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int64_t id;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if (parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a report number", argv[0]);
		return EXIT_USAGE;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (fim_report_get(d, id, &row, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else {
		fim_report_row_json(&row, &out);
		strbuf_addch(&out, '\n');
		ret = cli_print(&out);
	}
	fim_report_row_release(&row);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int fim_list_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori fim list [--json]",
		N_("configurations with a baseline, and their generation"), NULL
	};
	bool json = false;
	const struct option opts[] = { OPT_BOOL(0, "json", &json, "print JSON"), OPT_END() };
	struct fim_config_rows l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (fim_configs_list(d, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	struct json_writer w;
	jw_init(&w, &out);
	if (json)
		jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++) {
		const struct fim_config_row *c = &l.items[i];
		if (!json) {
			/* a node's own configuration: local@NODE (several servers on PostgreSQL) */
			strbuf_addf(&out,
			            "%" PRId64 "  %s%s%s  %s  generation %" PRIu64 "  %" PRIu64
			            " entries  %s\n",
			            c->id, c->host, c->node[0] ? "@" : "", c->node, c->path,
			            c->generation, c->entries, c->system ? c->system : "-");
			continue;
		}
		jw_object_begin(&w);
		jw_kv_int(&w, "id", c->id);
		jw_kv_str(&w, "host", c->host);
		jw_kv_str(&w, "node", c->node);
		jw_kv_str(&w, "config", c->path);
		jw_kv_str(&w, "system", c->system);
		jw_key(&w, "generation");
		jw_uint(&w, c->generation);
		jw_kv_str(&w, "sha256", c->baseline_sha256);
		jw_key(&w, "entries");
		jw_uint(&w, c->entries);
		jw_object_end(&w);
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
out:
	fim_config_rows_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

static int fim_agents_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori fim agents [--json]",
		N_("the agents that report here: host, version, last contact"), NULL
	};
	bool json = false;
	const struct option opts[] = { OPT_BOOL(0, "json", &json, "print JSON"), OPT_END() };
	struct fim_agent_rows l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, t = STRBUF_INIT;
	struct door *d = NULL;
	struct json_writer w;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	if (fim_agents_list(d, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	jw_init(&w, &out);
	if (json)
		jw_array_begin(&w);
	for (size_t i = 0; i < l.nr; i++) {
		const struct fim_agent_row *a = &l.items[i];
		strbuf_reset(&t);
		time_format_rfc3339(&t, a->last_ms);
		if (!json) {
			strbuf_addf(
			    &out, "%s  %s  %s  last %s  every %" PRId64 " s  gaps %" PRId64 "%s\n",
			    a->host, a->id, a->version, t.buf, a->interval_s, a->gaps,
			    a->silent ? "  SILENT" : "");
			continue;
		}
		jw_object_begin(&w);
		jw_kv_str(&w, "id", a->id);
		jw_kv_str(&w, "host", a->host);
		jw_kv_str(&w, "version", a->version);
		jw_kv_str(&w, "login", a->login);
		jw_kv_int(&w, "interval", a->interval_s);
		jw_kv_str(&w, "last_contact", t.buf);
		jw_kv_int(&w, "last_seq", a->last_seq);
		jw_kv_int(&w, "gaps", a->gaps);
		jw_kv_bool(&w, "silent", a->silent);
		jw_object_end(&w);
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
out:
	fim_agent_rows_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&t);
	door_free(d);
	return ret;
}

/* "FILE:LINE: error: message" for each, in the CLI's language (fim_diags_format's English). */
static void say_diags(const struct fim_diags *d, struct strbuf *out)
{
	if (!cli_lang_ja()) {
		fim_diags_format(d, out);
		return;
	}
	for (size_t i = 0; i < d->nr; i++) {
		const struct fim_diag *g = &d->items[i];

		strbuf_addf(out, "%s:%u: %s: ", g->file, g->line,
		            g->error ? T_("error") : T_("warning"));
		if (g->fmt && T_(g->fmt) != g->fmt)
			fmtargs_render(out, T_(g->fmt), &g->args, NULL, NULL);
		else
			strbuf_addstr(out, g->message);
		strbuf_addch(out, '\n');
	}
}

/* `fim config check FILE`: every error and warning with file:line; exit 1 on errors. */
static int fim_config_check_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = { "mamori fim config check FILE",
		                             N_("checks a configuration (AIDE's aide.conf syntax); "
		                                "errors and warnings with file:line"),
		                             NULL };
	const struct option opts[] = { OPT_END() };
	struct fim_diags diags = { 0 };
	struct fim_config *c = NULL;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	int n, ret, r;

	(void)ctx;
	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	r = fim_config_load(argv[0], 0, &c, &diags, &err);
	say_diags(&diags, &out);
	fputs(out.buf, stderr);
	if (r < 0) {
		if (!diags.nr)
			cli_error("%s", err.buf);
		else
			cli_error(diags.errors == 1 ? N_("'%s': %zu error")
			                            : N_("'%s': %zu errors"),
			          argv[0], diags.errors);
		ret = EXIT_FAILED;
	} else {
		strbuf_reset(&out);
		strbuf_addf(&out,
		            diags.nr == 1 ? T_("%s: ok: %zu rules, %zu groups, %zu warning\n")
		                          : T_("%s: ok: %zu rules, %zu groups, %zu warnings\n"),
		            argv[0], c->nr_rules, c->nr_groups, diags.nr);
		ret = cli_print(&out);
	}
	fim_config_free(c);
	fim_diags_release(&diags);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

static int fim_config_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "check", fim_config_check_cmd,
		  N_("check a configuration file, errors by file:line") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "fim config", table, argc, argv);
}

int cmd_fim(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "init", fim_init_cmd, N_("make a signed baseline (a new generation with --as)") },
		{ "check", fim_check_cmd,
		  N_("compare with the baseline; exit 1 when something changed") },
		{ "accept", fim_accept_cmd, N_("accept a check's changes into a new generation") },
		{ "show", fim_show_cmd, N_("print a stored report") },
		{ "list", fim_list_cmd, N_("configurations with a baseline") },
		{ "agents", fim_agents_cmd,
		  N_("the agents that report here and their last contact") },
		{ "config", fim_config_cmd, N_("check a configuration file") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "fim", table, argc, argv);
}
