/* cmd-policy-replay: `mamori policy replay DRAFT`: a policy review's draft against the ledger's
 * past decisions (docs/audits.md): which of them it would decide differently. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/policy.h"
#include "core/core.h"
#include "core/replay.h"
#include "policy/policy.h"

#define DAY_MS (86400LL * 1000)

static int day_arg(const char *opt, const char *value, int64_t *ret)
{
	if (core_parse_local_date(value, ret) == 0)
		return 0;
	cli_error("%s '%s' is not a date: write YYYY-MM-DD", opt, value);
	return -1;
}

/* "MIN-3-3-3,MIN-3-3-4" as a JSON array */
static void clause_list(struct json_writer *w, const char *key, const char *list)
{
	const char *p = list ? list : "";

	jw_key(w, key);
	jw_array_begin(w);
	while (*p) {
		size_t n = strcspn(p, ",");

		jw_string_len(w, p, n);
		p += n + (p[n] == ',');
	}
	jw_array_end(w);
}

static void change_json(struct json_writer *w, const struct replay_change *c)
{
	struct strbuf t = STRBUF_INIT;

	time_format_rfc3339_offset(&t, c->at_ms, TOKYO_OFFSET_MS);
	jw_object_begin(w);
	jw_kv_int(w, "act", c->act_id);
	jw_kv_str(w, "time", t.buf);
	jw_kv_str(w, "actor", c->actor);
	jw_kv_str(w, "action", c->action);
	if (c->record_id)
		jw_kv_int(w, "record", c->record_id);
	if (c->request_id)
		jw_kv_int(w, "request", c->request_id);
	jw_kv_int(w, "ledger_index", (int64_t)c->ledger_index);
	jw_kv_str(w, "recorded", c->recorded);
	jw_kv_str(w, "then", c->then);
	jw_kv_str(w, "before", c->before);
	jw_kv_str(w, "after", c->after);
	clause_list(w, "before_clauses", c->before_clauses);
	clause_list(w, "after_clauses", c->after_clauses);
	jw_object_end(w);
	strbuf_release(&t);
}

/* The review clause by clause: {"clause", "changes": [...], "acts": [...]} each. */
static void clauses_json(struct json_writer *w, const struct replay_clause *v, size_t n)
{
	jw_key(w, "clauses");
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++) {
		jw_object_begin(w);
		jw_kv_str(w, "clause", v[i].id);
		clause_list(w, "changes", v[i].changes);
		jw_key(w, "acts");
		jw_array_begin(w);
		for (size_t k = 0; k < v[i].n_acts; k++)
			jw_int(w, v[i].acts[k]);
		jw_array_end(w);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* The same as a table: 条項, 条項の変更 (in Japanese), 変わる判断 (the acts). */
static void clauses_table(const struct replay_clause *v, size_t n, struct strbuf *out)
{
	static const char *const names[][2] = {
		{ "added", "追加" }, { "removed", "削除" },     { "cite", "出典" },
		{ "text", "内容" },  { "quote", "本文" },       { "law", "法令" },
		{ "kind", "区分" },  { "iso27001", "附属書A" },
	};
	struct table tb;

	table_init(&tb, 3, (const char *[]){ "条項", "条項の変更", "変わる判断（行為）" });
	for (size_t i = 0; i < n; i++) {
		struct strbuf c = STRBUF_INIT, a = STRBUF_INIT;

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strstr(v[i].changes, names[k][0])) /* no name is in another */
				strbuf_addf(&c, "%s%s", c.len ? "・" : "", names[k][1]);
		if (!c.len)
			strbuf_addstr(&c, "なし（判断だけが変わる）");
		for (size_t k = 0; k < v[i].n_acts; k++)
			strbuf_addf(&a, "%s%" PRId64, k ? " " : "", v[i].acts[k]);
		table_add(&tb, (const char *[]){ v[i].id, c.buf, a.len ? a.buf : "—" });
		strbuf_release(&c);
		strbuf_release(&a);
	}
	strbuf_addstr(out, "\n条項ごとの差分：\n");
	table_render(&tb, out);
	table_release(&tb);
}

void cli_replay_json(struct json_writer *w, const struct profile *current,
                     const struct profile *draft, const struct replay_result *res,
                     const struct replay_clause *cl, size_t ncl)
{
	jw_kv_str(w, "draft", profile_sha256_hex(draft));
	jw_kv_int(w, "replayed", (int64_t)res->replayed);
	if (current)
		jw_kv_str(w, "profile", profile_sha256_hex(current));
	jw_kv_int(w, "without_request", (int64_t)res->without_request);
	jw_kv_int(w, "changed", (int64_t)res->nr);
	jw_key(w, "changes");
	jw_array_begin(w);
	for (size_t i = 0; i < res->nr; i++)
		change_json(w, &res->items[i]);
	jw_array_end(w);
	clauses_json(w, cl, ncl);
}

void cli_replay_text(const struct replay_result *res, const struct replay_clause *cl, size_t ncl,
                     struct strbuf *out)
{
	struct table tb;

	table_init(&tb, 6,
	           (const char *[]){ "行為", "日時", "者", "手続", "現行の判断（条項）",
	                             "案の判断（条項）" });
	tb.right_align = 1;
	for (size_t i = 0; i < res->nr; i++) {
		const struct replay_change *c = &res->items[i];
		struct strbuf t = STRBUF_INIT, b = STRBUF_INIT, a = STRBUF_INIT;
		char id[24];

		snprintf(id, sizeof(id), "%" PRId64, c->act_id);
		cli_time(&t, c->at_ms);
		strbuf_addf(&b, "%s（%s）", c->before, c->before_clauses);
		strbuf_addf(&a, "%s（%s）", c->after, c->after_clauses);
		table_add(&tb, (const char *[]){ id, t.buf, c->actor, c->action, b.buf, a.buf });
		strbuf_release(&t);
		strbuf_release(&b);
		strbuf_release(&a);
	}
	table_render(&tb, out);
	table_release(&tb);
	strbuf_addf(out, "\n%zu 件の判断を再判定し、%zu 件が変わります。", res->replayed, res->nr);
	if (res->without_request)
		strbuf_addf(out,
		            "（ほかに %zu 件の行為は、判断の入力が台帳に残っていないため"
		            "再判定していません）",
		            res->without_request);
	strbuf_addch(out, '\n');
	if (ncl)
		clauses_table(cl, ncl, out);
}

int cmd_policy_replay(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy replay DRAFT [--from DATE] [--to DATE] [--json]",
		N_("decides the requests of the past record acts (sealed in the ledger) again "
		   "under "
		   "DRAFT (a file or a shipped id) and lists those it decides differently from the "
		   "profile in force: outcome, approvers or clauses"),
		NULL
	};
	const char *from = NULL, *to = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "from", &from, "DATE", "the first day (default: the beginning)"),
		OPT_STRING(0, "to", &to, "DATE", "the last day (default: today)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct replay_result res = { 0 };
	struct replay_clause *cl = NULL;
	size_t ncl = 0;
	struct profile *draft = NULL;
	struct door *d = NULL;
	int64_t from_ms = INT64_MIN / 4, to_ms = INT64_MAX / 4;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	if ((from && day_arg("--from", from, &from_ms) < 0) ||
	    (to && day_arg("--to", to, &to_ms) < 0))
		return EXIT_USAGE;
	if (to)
		to_ms += DAY_MS;
	if (profile_load_named(argv[0], &draft, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (door_profile(d) && strcmp(door_profile(d)->id, draft->id)) {
		cli_error("the draft is profile '%s'; the ward's is '%s'", draft->id,
		          door_profile(d)->id);
		goto out;
	}
	if (replay_profile(d, draft, from_ms, to_ms, &res, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	replay_clauses(door_profile(d), draft, &res, &cl, &ncl);
	if (json) {
		struct json_writer w;

		jw_init(&w, &out);
		jw_object_begin(&w);
		cli_replay_json(&w, door_profile(d), draft, &res, cl, ncl);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		cli_replay_text(&res, cl, ncl, &out);
	}
	ret = cli_print(&out);
out:
	replay_clauses_release(cl, ncl);
	replay_result_release(&res);
	profile_free(draft);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}
