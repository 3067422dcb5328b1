/* cmd-logrules: `mamori log rules list|test`: the analysis rules in force, and trying them on a
 * file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/cli.h"
#include "cli/core-cli.h"
#include "ingest/event.h"
#include "monitor/monitor.h"
#include "policy/policy.h"

#define TEST_MAX_LINE (64 * 1024)

static const char *rule_kind(const struct sigma_rule *r)
{
	if (r->log_gap_ms)
		return "log_gap";
	if (r->correlation)
		return "correlation";
	if (r->user_status || r->level_at_least || r->outside_hours || r->no_admin_record)
		return "register";
	return "detection";
}

/*
 * The monitor for these commands: the data directory's profile, rules and registers when it
 * is a ward; else the shipped rules of --profile.
 */
static int open_monitor(struct cli_ctx *ctx, const char *profile, struct door **ret_door,
                        struct monitor **ret, bool *ret_registers)
{
	struct monitor_options mo = { .offset_ms = TOKYO_OFFSET_MS };
	struct strbuf err = STRBUF_INIT;
	struct door *d = NULL;
	int r;

	*ret_registers = false;
	if (!profile && door_open(ctx->dir, DOOR_READONLY, &d, &err) == 0) {
		mo.dir = ctx->dir;
		mo.profile = door_profile(d)->id;
		*ret_registers = true;
	} else if (!profile) {
		cli_error("%s; give --profile minato|shinjuku to use the shipped rules", err.buf);
		strbuf_release(&err);
		return EXIT_FAILED;
	} else {
		mo.profile = profile;
	}
	strbuf_reset(&err);
	r = monitor_open(&mo, ret, &err);
	if (r < 0) {
		cli_error("%s", err.buf);
		door_free(d);
		strbuf_release(&err);
		return EXIT_FAILED;
	}
	*ret_door = d;
	strbuf_release(&err);
	return EXIT_DONE;
}

static int rules_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori log rules list [--profile minato|shinjuku] [--json]",
		N_("the analysis rules in force: the profile's shipped rules and DIR/rules/*.yml"),
		NULL
	};
	const char *profile = NULL;
	bool json = false, registers;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &profile, "ID", "the shipped rules of this profile"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT;
	struct door *d = NULL;
	struct monitor *m = NULL;
	const struct sigma_set *set;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = open_monitor(ctx, profile, &d, &m, &registers);
	if (ret)
		return ret;
	set = monitor_rules(m);
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < set->nr; i++) {
			const struct sigma_rule *r = &set->rules[i];
			jw_object_begin(&w);
			jw_kv_str(&w, "id", r->id);
			jw_kv_str(&w, "title", r->title);
			jw_kv_str(&w, "level", r->level ? r->level : "medium");
			jw_kv_str(&w, "kind", rule_kind(r));
			jw_kv_bool(&w, "enabled", !r->disabled);
			jw_kv_str(&w, "status", r->status);
			jw_kv_str(&w, "description", r->description);
			jw_kv_str(&w, "file", r->file);
			jw_kv_int(&w, "line", r->line);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table tb;
		table_init(&tb, 5, (const char *[]){ "規則", "名前", "重要度", "種類", "状態" });
		for (size_t i = 0; i < set->nr; i++) {
			const struct sigma_rule *r = &set->rules[i];
			table_add(&tb,
			          (const char *[]){ r->id, r->title, r->level ? r->level : "medium",
			                            rule_kind(r), r->disabled ? "停止" : "有効" });
		}
		table_render(&tb, &out);
		table_release(&tb);
	}
	ret = cli_print(&out);
	strbuf_release(&out);
	monitor_free(m);
	door_free(d);
	return ret;
}

/* log rules test --json: one object an alert, with the lines that raised it. */
static void hits_json(struct strbuf *out, const struct monitor_hit *hits, size_t nhits)
{
	struct json_writer w;
	jw_init(&w, out);
	jw_array_begin(&w);
	for (size_t i = 0; i < nhits; i++) {
		struct strbuf t = STRBUF_INIT;
		jw_object_begin(&w);
		jw_kv_str(&w, "rule", hits[i].rule->id);
		jw_kv_str(&w, "title", hits[i].rule->title);
		jw_kv_str(&w, "level", hits[i].rule->level ? hits[i].rule->level : "medium");
		jw_kv_str(&w, "host", hits[i].host);
		jw_kv_str(&w, "key", hits[i].key);
		jw_kv_str(&w, "summary", hits[i].summary);
		time_format_rfc3339(&t, hits[i].time_ms);
		jw_kv_str(&w, "time", t.buf);
		jw_key(&w, "lines");
		jw_array_begin(&w);
		for (size_t k = 0; k < hits[i].n_lines; k++)
			jw_uint(&w, hits[i].lines[k]);
		jw_array_end(&w);
		jw_object_end(&w);
		strbuf_release(&t);
	}
	jw_array_end(&w);
	strbuf_addch(out, '\n');
}

/* log rules test's text: each alert and its lines, then how many messages and alerts. */
static void hits_text(struct strbuf *out, struct monitor *m, const struct monitor_hit *hits,
                      size_t nhits, bool registers)
{
	for (size_t i = 0; i < nhits; i++) {
		strbuf_addf(out, "%s (%s): %s\n  lines", hits[i].rule->id,
		            hits[i].rule->level ? hits[i].rule->level : "medium", hits[i].summary);
		for (size_t k = 0; k < hits[i].n_lines; k++)
			strbuf_addf(out, "%s%" PRIu64, k ? ", " : " ", hits[i].lines[k]);
		strbuf_addch(out, '\n');
	}
	strbuf_addf(out, "%" PRIu64 " messages, %zu alerts%s\n", monitor_messages(m), nhits,
	            registers ? ""
	                      : " (rules over the ward's registers need a data directory: "
	                        "none used)");
}

/*
 * Replays each line of fp through m as a message read from a file (a JSON object as one that
 * came over HTTP); a line past TEST_MAX_LINE is cut. The lines and payloads are wiped; errno
 * is left as reading left it.
 */
static void replay(struct monitor *m, FILE *fp, int64_t now)
{
	struct strbuf payload = STRBUF_INIT;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0;

	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct log_origin o = { .via = "file" };
		struct log_event ev;
		unsigned flags = 0;
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (len > TEST_MAX_LINE) {
			len = TEST_MAX_LINE;
			flags |= LOG_CUT;
		}
		if (line[0] == '{')
			o.via = "http";
		strbuf_reset(&payload);
		log_payload_build(&payload, &o, NULL, flags, line, (size_t)len);
		log_event_read(&ev, lineno, now, "file", payload.buf, payload.len, TOKYO_OFFSET_MS);
		monitor_set_line(m, lineno);
		monitor_event(m, &ev, false);
		log_event_release(&ev);
	}
	int e = errno; /* getline's, for the caller's "cannot read" */
	if (line)
		explicit_bzero(line, cap);
	free(line);
	strbuf_release_secret(&payload);
	errno = e;
}

static int rules_test(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori log rules test FILE [--profile minato|shinjuku] [--json]",
		N_("replays a log file (one message a line: syslog, or a JSON object) through the "
		   "rules "
		   "and prints which fire"),
		NULL
	};
	const char *profile = NULL;
	bool json = false, registers;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &profile, "ID", "the shipped rules of this profile"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf out = STRBUF_INIT;
	struct door *d = NULL;
	struct monitor *m = NULL;
	const struct monitor_hit *hits;
	size_t nhits = 0;
	FILE *fp;
	int64_t now = time_now_ms();
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	fp = strcmp(argv[0], "-") ? fopen(argv[0], "rb") : stdin;
	if (!fp) {
		cli_error("cannot open '%s': %m", argv[0]);
		return EXIT_FAILED;
	}
	ret = open_monitor(ctx, profile, &d, &m, &registers);
	if (ret)
		goto out;
	replay(m, fp, now);
	if (ferror(fp)) {
		cli_error("cannot read '%s': %m", argv[0]);
		ret = EXIT_FAILED;
		goto out;
	}
	hits = monitor_hits(m, &nhits);
	if (json)
		hits_json(&out, hits, nhits);
	else
		hits_text(&out, m, hits, nhits, registers);
	ret = cli_print(&out);
out:
	if (fp != stdin)
		(void)fclose(fp); /* read only */
	strbuf_release(&out);
	monitor_free(m);
	door_free(d);
	return ret;
}

int cmd_log_rules(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "list", rules_list, N_("the analysis rules in force") },
		{ "test", rules_test, N_("replay a log file through the rules: which fire") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "log rules", table, argc, argv);
}
