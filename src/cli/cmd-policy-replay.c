/* cmd-policy-replay: `mamori policy replay DRAFT`: a policy review's draft against the ledger's
 * past decisions (docs/audits.md): which of them it would decide differently. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
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
	jw_kv_str(w, "recorded", c->recorded);
	jw_kv_str(w, "before", c->before);
	jw_kv_str(w, "after", c->after);
	jw_object_end(w);
	strbuf_release(&t);
}

int cmd_policy_replay(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy replay DRAFT [--from DATE] [--to DATE] [--json]",
		"decides the past record acts again under DRAFT (a file or a shipped id) and lists "
		"those it would decide differently from the version that decided them",
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
	if (replay_profile(door_store(d), draft, from_ms, to_ms, &res, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (json) {
		struct json_writer w;

		jw_init(&w, &out);
		jw_object_begin(&w);
		jw_kv_str(&w, "draft", profile_sha256_hex(draft));
		jw_kv_int(&w, "replayed", (int64_t)res.replayed);
		jw_kv_int(&w, "not_reproduced", (int64_t)res.not_reproduced);
		jw_kv_int(&w, "changed", (int64_t)res.nr);
		jw_key(&w, "changes");
		jw_array_begin(&w);
		for (size_t i = 0; i < res.nr; i++)
			change_json(&w, &res.items[i]);
		jw_array_end(&w);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table tb;

		table_init(&tb, 6,
		           (const char *[]){ "行為", "日時", "者", "手続", "これまで", "案では" });
		tb.right_align = 1;
		for (size_t i = 0; i < res.nr; i++) {
			const struct replay_change *c = &res.items[i];
			struct strbuf t = STRBUF_INIT;
			char id[24];

			snprintf(id, sizeof(id), "%" PRId64, c->act_id);
			time_format_local(&t, c->at_ms, TOKYO_OFFSET_MS);
			table_add(&tb, (const char *[]){ id, t.buf, c->actor, c->action, c->before,
			                                 c->after });
			strbuf_release(&t);
		}
		table_render(&tb, &out);
		table_release(&tb);
		strbuf_addf(&out, "\n%zu 件の判断を再判定し、%zu 件が変わります。", res.replayed,
		            res.nr);
		if (res.not_reproduced)
			strbuf_addf(&out,
			            "（うち %zu 件は、判断した版でも記録と一致しません。入力の"
			            "一部が残っていないため）",
			            res.not_reproduced);
		strbuf_addch(&out, '\n');
	}
	ret = cli_print(&out);
out:
	replay_result_release(&res);
	profile_free(draft);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}
