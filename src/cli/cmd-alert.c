/* cmd-alert: `mamori alert`: the alerts Mamori's log analysis and file integrity raised. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "core/alert.h"
#include "policy/policy.h"

/* The profile's Japanese name of a state of register `alert`, or the id. */
static const char *state_name(struct door *d, const char *state)
{
	const struct profile *p = door_profile(d);
	const struct policy_register *g = p ? policy_register(p, ALERT_REGISTER) : NULL;
	const struct policy_state *s = g && state ? policy_register_state(g, state) : NULL;

	return s && s->name ? s->name : state ? state : "";
}

static int alert_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori alert list [--state open|acknowledged|closed] [--rule ID] [--limit N] "
		"[--json]",
		N_("the alerts raised by the log analysis and file integrity checks, newest first"),
		NULL
	};
	const char *state = NULL, *rule = NULL;
	int64_t limit = 0;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "state", &state, "STATE", "only alerts in this state"),
		OPT_STRING(0, "rule", &rule, "ID", "only alerts of this rule"),
		OPT_INT(0, "limit", &limit, "N", "at most N alerts (default: all)", 1, 1000000),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct alert_filter f = { 0 };
	struct alert_list l = { 0 };
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct door *d = NULL;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	f.state = state;
	f.rule = rule;
	f.limit = limit;
	if (alerts_list(door_store(d), &f, &l, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_array_begin(&w);
		for (size_t i = 0; i < l.nr; i++)
			alert_json(&l.items[i], &w);
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		struct table tb;
		table_init(&tb, 7,
		           (const char *[]){ "番号", "検知日時", "重要度", "規則", "ホスト", "状態",
		                             "概要" });
		for (size_t i = 0; i < l.nr; i++) {
			const struct alert *a = &l.items[i];
			struct strbuf id = STRBUF_INIT, when = STRBUF_INIT;
			strbuf_addf(&id, "%lld", (long long)a->id);
			cli_time(&when, a->time_ms);
			table_add(&tb, (const char *[]){
			                   id.buf, when.buf, a->severity ? a->severity : "",
			                   a->rule ? a->rule : "", a->host ? a->host : "-",
			                   state_name(d, a->state), a->summary ? a->summary : "" });
			strbuf_release(&id);
			strbuf_release(&when);
		}
		table_render(&tb, &out);
		table_release(&tb);
	}
	ret = cli_print(&out);
out:
	alert_list_release(&l);
	strbuf_release(&err);
	strbuf_release(&out);
	door_free(d);
	return ret;
}

int cmd_alert(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "list", alert_list, N_("alerts raised by the log analysis and file integrity") },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "alert", table, argc, argv);
}
