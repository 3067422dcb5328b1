/* cmd-policy: `mamori policy lint|decide|show|coverage`: check, ask and read a ward profile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/utf8.h"
#include "cli/cli.h"
#include "cli/core-cli.h"
#include "cli/policy.h"
#include "core/coverage.h"
#include "policy/policy.h"
#include "policy/show.h"

/* A request line longer than this is refused (the line is still consumed). */
#define DECIDE_MAX_LINE (1 << 20)

/* Loads a profile named by path or shipped id; prints the error. */
static struct profile *load_profile(const char *name)
{
	struct strbuf err = STRBUF_INIT;
	struct profile *p = NULL;

	if (profile_load_named(name, &p, &err) < 0) {
		cli_error("%s", err.buf);
		p = NULL;
	}
	strbuf_release(&err);
	return p;
}

/* ---- lint ------------------------------------------------------------------------------ */

static int policy_lint(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy lint FILE|ID",
		N_("checks a profile: references, rules that never apply "
		   "or conflict, uncarried clauses"),
		NULL
	};
	const struct option opts[] = { OPT_END() };
	struct strbuf data = STRBUF_INIT, out = STRBUF_INIT;
	struct coverage_watches watches = { 0 };
	struct policy_diags d = { .watches = coverage_watches_fn, .watches_ctx = &watches };
	struct profile *p = NULL;
	const char *file, *label;
	int n, r, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n != 1) {
		cli_error("policy lint needs one profile file");
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	file = argv[0];
	label = file;
	r = -ENOENT;
	if (strchr(file, '/') || strstr(file, ".y")) {
		r = strbuf_read_file(&data, file, POLICY_MAX_FILE_SIZE + 1);
		if (r < 0) {
			cli_error("cannot read profile '%s': %s", file, strerror(-r));
			strbuf_release(&data);
			return EXIT_FAILED;
		}
	} else {
		for (unsigned i = 0; i < policy_builtins_nr; i++)
			if (!strcmp(policy_builtins[i].id, file)) {
				strbuf_add(&data, policy_builtins[i].data, policy_builtins[i].len);
				label = policy_builtins[i].file;
				r = 0;
			}
		if (r < 0) {
			r = strbuf_read_file(&data, file, POLICY_MAX_FILE_SIZE + 1);
			if (r < 0) {
				cli_error("cannot read profile '%s': %s", file, strerror(-r));
				strbuf_release(&data);
				return EXIT_FAILED;
			}
		}
	}
	r = profile_lint_buffer(label, data.buf, data.len, &d, &p);
	coverage_watches_release(&watches);
	policy_diags_format(&d, label, &out);
	if (r == 0) {
		struct policy_coverage cov;

		strbuf_addf(&out,
		            "%s: ok: profile '%s', %u clauses, %u rules, %u registers, %u "
		            "warnings; sha256 %s\n",
		            label, p->id, p->n_clauses, p->n_rules, p->n_registers, d.warnings,
		            p->sha256_hex);
		/* what the profile chose where the text is silent, for a reviewer to read */
		policy_coverage_compute(p, &cov);
		strbuf_addf(&out,
		            "%s: %u choices where the text is silent (区の選択, ward_choice); "
		            "'mamori policy coverage --profile %s' lists them\n",
		            label, cov.n_choices, file);
		policy_coverage_release(&cov);
	} else
		strbuf_addf(&out, T_("%s: %u errors, %u warnings\n"), label, d.errors, d.warnings);
	ret = cli_print(&out);
	if (ret == EXIT_DONE && r < 0)
		ret = EXIT_FAILED;
	profile_free(p);
	policy_diags_release(&d);
	strbuf_release(&data);
	strbuf_release(&out);
	return ret;
}

/* ---- decide ------------------------------------------------------------------------------ */

static void decision_text(const struct decision *d, struct strbuf *out)
{
	const struct policy_clause *c;
	unsigned it = 0;
	bool first = true;

	strbuf_addstr(out, policy_effect_name(d->effect));
	for (unsigned i = 0; i < d->n_approvers; i++) {
		const struct policy_approver *a = &d->approvers[i];

		strbuf_addf(out, " %s %s@%s", i ? "+" : "by", a->role->id,
		            policy_scope_kind_name(a->scope));
		if (a->scope_value)
			strbuf_addf(out, ":%s", a->scope_value);
	}
	strbuf_addstr(out, "  clauses=");
	while ((c = policy_decision_next_clause(d, &it))) {
		strbuf_addf(out, "%s%s", first ? "" : ",", c->id);
		first = false;
	}
	if (first)
		strbuf_addstr(out, "-");
	strbuf_addstr(out, "  rules=");
	first = true;
	for (unsigned i = 0; i < 64; i++)
		if ((d->rules >> i) & 1) {
			strbuf_addf(out, "%s%s", first ? "" : ",", policy_decision_rule(d, i)->id);
			first = false;
		}
	if (first)
		strbuf_addstr(out, "-");
	if (policy_reason_text(d))
		strbuf_addf(out, "  (%s)", policy_reason_text(d));
}

/*
 * One request line decided: its decision into out, as JSON or text. A negative errno, with err
 * saying why, for a line that is not a request that can be decided.
 */
static int decide_line(const struct profile *p, const struct strbuf *line, bool json,
                       struct strbuf *out, struct strbuf *err)
{
	struct decide_request req;
	struct policy_request_storage st;
	struct decision d;
	int r;

	if (line->len > DECIDE_MAX_LINE) {
		error_set(err, "the request is longer than %d bytes", DECIDE_MAX_LINE);
		r = -EINVAL;
	} else if (!utf8_valid(line->buf, line->len)) {
		error_set(err, "the request is not valid UTF-8");
		r = -EINVAL;
	} else {
		r = policy_request_parse(line->buf, line->len, &req, &st, err);
		if (r == 0) {
			r = policy_decide(p, &req, &d, err);
			if (r == 0 && json)
				policy_decision_json(&d, &req, out);
			else if (r == 0)
				decision_text(&d, out);
			policy_request_storage_release(&st);
		}
	}
	return r;
}

/* The answer to a line that could not be decided: its line number and why. */
static void line_error(struct strbuf *out, const char *why, unsigned long lineno, bool json)
{
	if (json) {
		struct json_writer w;

		jw_init(&w, out);
		jw_object_begin(&w);
		jw_kv_str(&w, "error", why);
		jw_kv_int(&w, "line", (int64_t)lineno);
		jw_object_end(&w);
	} else {
		strbuf_addf(out, "error: line %lu: %s", lineno, why);
	}
}

static int policy_decide_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy decide --profile FILE|ID [--json] < requests.jsonl",
		N_("decides AuthZEN requests, one JSON object per line, one decision per line"),
		NULL
	};
	const char *profile_name = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING('p', "profile", &profile_name, "FILE|ID",
		           "the profile: a file or minato, shinjuku"),
		OPT_BOOL(0, "json", &json, "write each decision as one JSON object"),
		OPT_END(),
	};
	struct strbuf line = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct profile *p;
	unsigned long lineno = 0, errors = 0;
	int n, ret = EXIT_DONE;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n != 0 || !profile_name) {
		cli_error(n ? N_("policy decide reads requests from stdin and takes no arguments")
		            : N_("policy decide needs --profile FILE|ID"));
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	if (!(p = load_profile(profile_name)))
		return EXIT_FAILED;

	while (strbuf_getline(&line, stdin) != EOF) {
		lineno++;
		strbuf_reset(&out);
		strbuf_reset(&err);
		if (line.len == 0 || strspn(line.buf, " \t") == line.len)
			continue;
		if (decide_line(p, &line, json, &out, &err) < 0) {
			errors++;
			line_error(&out, err.buf, lineno, json);
		}
		strbuf_addch(&out, '\n');
		if (fwrite(out.buf, 1, out.len, stdout) != out.len) {
			cli_error("cannot write the decisions: %s", strerror(errno));
			ret = EXIT_FAILED;
			break;
		}
	}
	if (fflush(stdout) != 0) {
		cli_error("cannot write the decisions: %s", strerror(errno));
		ret = EXIT_FAILED;
	}
	if (ret == EXIT_DONE && errors) {
		cli_error("%lu of %lu lines were not requests that could be decided", errors,
		          lineno);
		ret = EXIT_FAILED;
	}
	profile_free(p);
	strbuf_release(&line);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* ---- show ------------------------------------------------------------------------------ */

static int policy_show_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy show --profile FILE|ID [--clause ID] [--format text|md|html]",
		N_("the policy as staff read it: each clause with the rules, records and duties "
		   "that "
		   "carry it"),
		NULL
	};
	const char *profile_name = NULL, *clause = NULL, *format = "text";
	const struct option opts[] = {
		OPT_STRING('p', "profile", &profile_name, "FILE|ID",
		           "the profile: a file or minato, shinjuku"),
		OPT_STRING(0, "clause", &clause, "ID", "show only this clause (MIN-3-3-3)"),
		OPT_STRING(0, "format", &format, "FORMAT", "text (default), md or html"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	enum policy_show_format fmt;
	struct profile *p;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n != 0 || !profile_name) {
		cli_error(n ? N_("policy show takes no arguments")
		            : N_("policy show needs --profile FILE|ID"));
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	if (!strcmp(format, "text")) {
		fmt = SHOW_TEXT;
	} else if (!strcmp(format, "md")) {
		fmt = SHOW_MD;
	} else if (!strcmp(format, "html")) {
		fmt = SHOW_HTML;
	} else {
		cli_error("unknown format '%s'; use text, md or html", format);
		return EXIT_USAGE;
	}
	if (!(p = load_profile(profile_name)))
		return EXIT_FAILED;
	if (policy_show(p, clause, fmt, &out, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	} else {
		ret = cli_print(&out);
	}
	profile_free(p);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

/* ---- coverage ------------------------------------------------------------------------------ */

static const enum policy_clause_kind coverage_kinds[] = { CLAUSE_E, CLAUSE_R, CLAUSE_M };

static void coverage_clause_json(struct json_writer *w, const struct policy_coverage_entry *e)
{
	jw_object_begin(w);
	jw_kv_str(w, "id", e->clause->id);
	jw_kv_str(w, "kind", policy_clause_kind_name(e->clause->kind));
	jw_kv_str(w, "cite", e->clause->cite);
	jw_kv_str(w, "text", e->clause->text);
	jw_kv_str(w, "strength", policy_strength_name(e->strength));
	jw_kv_bool(w, "gap", e->gap);
	jw_key(w, "carriers");
	jw_array_begin(w);
	for (unsigned k = 0; k < e->nr; k++) {
		const char *sp = strchr(e->carriers[k].name, ' ');

		jw_object_begin(w);
		jw_kv_str(w, "kind", policy_carrier_kind_name(e->carriers[k].kind));
		jw_kv_str(w, "name", sp ? sp + 1 : e->carriers[k].name);
		jw_kv_str(w, "strength", policy_strength_name(e->carriers[k].strength));
		if (e->carriers[k].unkept)
			jw_kv_bool(w, "unkept", true);
		jw_object_end(w);
	}
	jw_array_end(w);
	if (e->unkept)
		jw_kv_bool(w, "unkept", true);
	if (e->clause->reason)
		jw_kv_str(w, "reason", e->clause->reason);
	jw_object_end(w);
}

static void coverage_json(const struct profile *p, const struct policy_coverage *cov,
                          unsigned total, struct strbuf *out)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_key(&w, "profile");
	jw_object_begin(&w);
	jw_kv_str(&w, "id", p->id);
	jw_kv_str(&w, "sha256", p->sha256_hex);
	jw_object_end(&w);
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	for (unsigned i = 0; i < cov->nr; i++)
		if (cov->entries[i].clause->kind != CLAUSE_H)
			coverage_clause_json(&w, &cov->entries[i]);
	jw_array_end(&w);
	jw_key(&w, "summary");
	jw_object_begin(&w);
	for (size_t k = 0; k < ARRAY_SIZE(coverage_kinds); k++) {
		unsigned gaps = 0;

		jw_key(&w, policy_clause_kind_name(coverage_kinds[k]));
		jw_object_begin(&w);
		for (int s = STRENGTH_ENFORCED; s >= STRENGTH_NONE; s--) {
			jw_kv_int(&w, policy_strength_name((enum policy_strength)s),
			          cov->counts[coverage_kinds[k]][s]);
			if ((enum policy_strength)s < policy_strength_needed(coverage_kinds[k]))
				gaps += cov->counts[coverage_kinds[k]][s];
		}
		jw_kv_int(&w, "gaps", gaps);
		jw_kv_int(&w, "watched", cov->watched[coverage_kinds[k]]);
		jw_object_end(&w);
	}
	jw_object_end(&w);
	jw_key(&w, "totals");
	jw_object_begin(&w);
	jw_kv_int(&w, "clauses", total);
	jw_kv_int(&w, "carried", total - cov->gaps);
	jw_kv_int(&w, "gaps", cov->gaps);
	jw_kv_int(&w, "with_reason", cov->with_reason);
	jw_kv_int(&w, "uncarried", cov->uncarried);
	jw_object_end(&w);
	jw_key(&w, "ward_choices");
	jw_array_begin(&w);
	for (unsigned i = 0; i < cov->n_choices; i++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "what", cov->choices[i].what);
		jw_kv_str(&w, "reason", cov->choices[i].reason);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

static void coverage_text_clauses(const struct policy_coverage *cov, struct strbuf *out)
{
	size_t w = 0;

	for (unsigned i = 0; i < cov->nr; i++)
		if (cov->entries[i].clause->kind != CLAUSE_H &&
		    strlen(cov->entries[i].clause->id) > w)
			w = strlen(cov->entries[i].clause->id);
	for (unsigned i = 0; i < cov->nr; i++) {
		const struct policy_coverage_entry *e = &cov->entries[i];

		if (e->clause->kind == CLAUSE_H)
			continue;
		strbuf_add_padded(out, e->clause->id, w);
		strbuf_addf(out, "  %s  %s%-8s  ", policy_clause_kind_name(e->clause->kind),
		            e->gap ? "GAP " : "", policy_strength_name(e->strength));
		for (unsigned k = 0; k < e->nr; k++)
			strbuf_addf(out, "%s%s (%s)", k ? ", " : "", e->carriers[k].name,
			            policy_strength_name(e->carriers[k].strength));
		if (e->unkept)
			strbuf_addstr(out,
			              T_("; (the fields that cite it are optional and read by no "
			                 "rule: what lets the record happen does not keep them)"));
		if (e->clause->reason)
			strbuf_addf(out, "%s(reason: %s)", e->nr ? "; " : "", e->clause->reason);
		else if (!e->nr)
			strbuf_addstr(out, "UNCARRIED");
		strbuf_addch(out, '\n');
	}
}

static void coverage_text(const struct profile *p, const struct policy_coverage *cov,
                          unsigned total, struct strbuf *out)
{
	coverage_text_clauses(cov, out);
	strbuf_addf(out,
	            T_("%s: %u E/R/M clauses: %u carried, %u gaps (%u with a reason, %u carried "
	               "by nothing without one)\n"),
	            p->id, total, total - cov->gaps, cov->gaps, cov->with_reason, cov->uncarried);
	strbuf_addstr(out, "     enforced  recorded  monitored  noted  none  watched\n");
	for (size_t k = 0; k < ARRAY_SIZE(coverage_kinds); k++) {
		const unsigned *c = cov->counts[coverage_kinds[k]];

		strbuf_addf(out, "  %s  %8u  %8u  %9u  %5u  %4u  %7u\n",
		            policy_clause_kind_name(coverage_kinds[k]), c[STRENGTH_ENFORCED],
		            c[STRENGTH_RECORDED], c[STRENGTH_MONITORED], c[STRENGTH_NOTED],
		            c[STRENGTH_NONE], cov->watched[coverage_kinds[k]]);
	}
	strbuf_addstr(out, T_("(watched: also watched by a log rule or file-integrity check "
	                      "that runs here)\n"));
	strbuf_addf(out, T_("ward choices (区の選択): %u\n"), cov->n_choices);
	for (unsigned i = 0; i < cov->n_choices; i++)
		strbuf_addf(out, "  %s: %s\n", cov->choices[i].what, cov->choices[i].reason);
}

static int policy_coverage_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy coverage [--profile FILE|ID] [--json]",
		N_("for each E, R and M clause: what carries it and how strongly (enforced, "
		   "recorded, "
		   "monitored, noted); the gaps; the ward's choices. Without --profile: the data "
		   "directory's profile in force, with its log rules and file-integrity checks"),
		NULL
	};
	const char *profile_name = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING('p', "profile", &profile_name, "FILE|ID",
		           "the profile alone (a file or minato, shinjuku) with its shipped log "
		           "rules"),
		OPT_BOOL(0, "json", &json, "write one JSON object"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct policy_coverage cov;
	struct profile *loaded = NULL;
	const struct profile *p;
	struct door *d = NULL;
	unsigned total = 0;
	int n, ret;

	n = parse_options(argc, argv, opts, usage);
	if (n == PARSE_OPT_HELP)
		return EXIT_DONE;
	if (n < 0)
		return EXIT_USAGE;
	if (n != 0) {
		cli_error("policy coverage takes no arguments");
		print_usage(usage, opts, true);
		return EXIT_USAGE;
	}
	if (profile_name) {
		if (!(loaded = load_profile(profile_name)))
			return EXIT_FAILED;
		p = loaded;
	} else {
		ret = cli_door_open(ctx, DOOR_READONLY, &d);
		if (ret)
			return ret;
		if (!(p = door_profile(d))) {
			cli_error("no profile in force in %s: run 'mamori policy apply' or give "
			          "--profile",
			          ctx->dir);
			door_free(d);
			return EXIT_FAILED;
		}
	}
	if (coverage_compute(p, d ? door_dir(d) : NULL, d ? door_store(d) : NULL, &cov, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		profile_free(loaded);
		door_free(d);
		return EXIT_FAILED;
	}
	for (unsigned i = 0; i < cov.nr; i++)
		total += cov.entries[i].clause->kind != CLAUSE_H;
	if (json)
		coverage_json(p, &cov, total, &out);
	else
		coverage_text(p, &cov, total, &out);
	for (unsigned i = 0; i < cov.n_unknown; i++)
		cli_warn("%s", cov.unknown[i]);
	ret = cli_print(&out);
	if (ret == EXIT_DONE && cov.uncarried)
		ret = EXIT_FAILED;
	policy_coverage_release(&cov);
	profile_free(loaded);
	door_free(d);
	strbuf_release(&out);
	strbuf_release(&err);
	return ret;
}

int cmd_policy(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "lint", policy_lint, N_("check a profile file and report every problem") },
		{ "decide", policy_decide_cmd,
		  N_("decide AuthZEN requests read as JSON lines on stdin") },
		{ "show", policy_show_cmd,
		  N_("the policy as staff read it (text, Markdown or HTML)") },
		{ "coverage", policy_coverage_cmd,
		  N_("what carries each E/R/M clause of the text, and how strongly") },
		{ "apply", cmd_policy_apply,
		  N_("make a new profile version the one in force (a review)") },
		{ "replay", cmd_policy_replay,
		  N_("which past decisions a draft profile would decide differently") },
		{ "review", cmd_policy_review,
		  N_("a policy review case: its inputs from the ward's records, its draft "
		     "replayed") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "policy", table, argc, argv);
}
