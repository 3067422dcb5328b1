/* fim-check: fim check on the Mamori host: the walk compared with the baseline in force, the
 * report stored and ledgered, the alert, the duties. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/timeutil.h"
#include "core/alert.h"
#include "core/fim-internal.h"
#include "core/org.h"
#include "core/records.h"
#include "fim/config.h"

void fim_check_result_release(struct fim_check_result *r)
{
	for (size_t i = 0; i < r->nr_duties; i++) {
		free(r->duties[i].duty);
		free(r->duties[i].scope);
		act_result_release(&r->duties[i].act);
	}
	free(r->duties);
	strbuf_release(&r->json);
	strbuf_release(&r->text);
	strbuf_release(&r->warnings);
	fim_diags_release(&r->diags);
	memset(r, 0, sizeof(*r));
}

/* ---- check ---- */

static int find_config(struct door *d, const char *config, struct fim_config_row *ret,
                       struct strbuf *err)
{
	char *abs = NULL, node[FIM_NODE_MAX + 1];
	int r = fim_node(d, node, err);

	if (r < 0)
		return r;
	if (!config)
		return fim_config_only_local(d, node, ret, err);
	r = fim_absolute(config, &abs, err);
	if (r == 0) {
		r = fim_config_find_local(d, node, abs, ret, err);
		if (r == -ENOENT)
			error_set(err,
			          "'%s' has no baseline: run 'mamori fim init --config %s' first",
			          abs, config);
	}
	free(abs);
	return r;
}

/* The report as stored: {"config","host","generation","baseline_sha256","at","outcome",...}. */
static void report_json(const struct fim_config_row *c, int64_t at_ms, const char *outcome,
                        const struct fim_report *rep, const char *error, struct strbuf *out)
{
	struct strbuf t = STRBUF_INIT;
	struct json_writer w;

	time_format_rfc3339(&t, at_ms);
	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "config", c->path);
	jw_kv_str(&w, "host", c->host);
	if (c->node && c->node[0])
		jw_kv_str(&w, "node", c->node);
	jw_key(&w, "generation");
	jw_uint(&w, c->generation);
	jw_kv_str(&w, "baseline_sha256", c->baseline_sha256);
	jw_kv_str(&w, "at", t.buf);
	jw_kv_str(&w, "outcome", outcome);
	if (error)
		jw_kv_str(&w, "error", error);
	if (rep) {
		fim_report_json(rep, &w);
	} else {
		const char *keys[] = { "added", "removed", "changed", "problems" };
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
			jw_key(&w, keys[i]);
			jw_array_begin(&w);
			jw_array_end(&w);
		}
	}
	jw_object_end(&w);
	strbuf_release(&t);
}

static void summary(const struct fim_report *rep, int64_t id, struct strbuf *out)
{
	if (!rep)
		strbuf_addf(out, "基準ファイルが改ざんされている（検査結果 %" PRId64 "）", id);
	else if (!fim_report_changed(rep))
		strbuf_addf(out, "変更なし（検査結果 %" PRId64 "、%" PRIu64 "件を確認）", id,
		            rep->entries);
	else
		strbuf_addf(out,
		            "変更あり：追加%zu件・削除%zu件・変更%zu件（検査結果 %" PRId64 "）%s",
		            rep->added.nr, rep->removed.nr, rep->changed.nr, id,
		            rep->critical ? "、重要ファイルを含む" : "");
}

struct check_state {
	struct fim_config_row c;
	struct fim_config *cfg;
	struct fim_key *key;
	struct fim_duty_plan *plan;
	struct fim_report rep;
	struct strbuf path, tamper;
	bool tampered;
};

static int run_compare(struct door *d, const struct fim_check_input *in, struct check_state *s,
                       struct fim_check_result *ret, struct strbuf *err)
{
	struct fim_baseline_reader *base = NULL;
	int r = fim_open_baseline(d, &s->c, s->key, &s->path, &base, &s->tamper);

	if (r == -EBADMSG) {
		s->tampered = true;
		return 0;
	}
	if (r < 0) {
		error_set(err, "%s", s->tamper.buf);
		return r;
	}
	struct fim_scan_opts o = { .threads = in->threads };
	r = fim_compare(s->cfg, base, s->path.buf, &o, s->key, &s->rep, err);
	if (r == -EBADMSG) { /* the file changed under us while it was read */
		s->tampered = true;
		strbuf_addstr(&s->tamper, err->buf);
		r = 0;
	}
	fim_br_close(base);
	(void)ret;
	return r;
}

/*
 * A change, or a baseline that did not verify, raises an alert through the door as the
 * system actor 'fim' (register alert, Monitoring 1), with the report's ledger entry.
 * Incidents (issue 15) are not here yet: when they are, a change to a file the configuration
 * marks critical (severity critical below) is where one gets opened from this alert.
 */
int fim_alert(struct door *d, const struct fim_config_row *c, int64_t report_id,
              uint64_t report_index, bool tampered, bool critical, const char *summary,
              int64_t at_ms, int64_t *ret_alert, struct strbuf *err)
{
	struct strbuf text = STRBUF_INIT;
	uint64_t alert_index;
	int r;

	strbuf_addf(&text, "%s：%s %s（検査結果 %" PRId64 "）",
	            tampered ? "改ざん検知の基準ファイルが改ざんされている"
	                     : "ファイルの変更を検知",
	            c->host, c->path, report_id);
	if (!tampered)
		strbuf_addf(&text, "　%s", summary);
	struct alert_input a = {
		.source = ACT_SYSTEM_FIM,
		.rule = tampered ? "fim-baseline-tampered" : "fim-changed",
		/* 緊急 opens an incident (incidents.detect); a plain change does not */
		.severity = tampered || critical ? "critical" : "medium",
		.time_ms = at_ms,
		.host = c->host,
		.system = c->system,
		.summary = text.buf,
		.entries = &report_index,
		.n_entries = 1,
	};
	r = alert_raise(d, &a, ret_alert, &alert_index, err);
	if (r == -ENOENT) { /* a profile without the alert register: the report stays the signal */
		strbuf_reset(err);
		*ret_alert = 0;
		r = 0;
	}
	strbuf_release(&text);
	return r;
}

int fim_check(struct door *d, const struct fim_check_input *in, struct fim_check_result *ret,
              struct strbuf *err)
{
	struct check_state s = { 0 };
	int64_t at = time_now_ms();
	struct strbuf sum = STRBUF_INIT;
	int r;

	memset(ret, 0, sizeof(*ret));
	strbuf_init(&ret->json, 0);
	strbuf_init(&ret->text, 0);
	strbuf_init(&ret->warnings, 0);
	strbuf_init(&s.path, 0);
	strbuf_init(&s.tamper, 0);
	r = find_config(d, in->config, &s.c, err);
	if (r == 0)
		r = fim_load_config(s.c.path, &s.cfg, &ret->warnings, &ret->diags, err);
	if (r == 0 && in->actor)
		r = fim_duty_plan(d, in->actor, in->scope, s.c.system, &s.plan, err);
	if (r == 0)
		r = fim_door_key(d, &s.key, err);
	if (r == 0)
		r = run_compare(d, in, &s, ret, err);
	if (r < 0)
		goto out;
	ret->outcome = s.tampered ? "tampered" : fim_report_changed(&s.rep) ? "changed" : "clean";
	ret->changed = strcmp(ret->outcome, "clean") != 0;
	report_json(&s.c, at, ret->outcome, s.tampered ? NULL : &s.rep,
	            s.tampered ? s.tamper.buf : NULL, &ret->json);
	struct fim_report_in ri = {
		.config_id = s.c.id,
		.generation = s.c.generation,
		.baseline_sha256 = s.c.baseline_sha256,
		.at_ms = at,
		.by_login = in->actor,
		.via = "cli",
		.outcome = ret->outcome,
		.host = s.c.host,
		.path = s.c.path,
		.added = s.rep.added.nr,
		.removed = s.rep.removed.nr,
		.changed = s.rep.changed.nr,
		.problems = s.rep.problem_count,
		.entries = s.rep.entries,
		.critical = s.rep.critical,
		.json = ret->json.buf,
		.delta = s.tampered ? NULL : s.rep.delta.buf,
		.delta_len = s.tampered ? 0 : s.rep.delta.len,
	};
	r = fim_store_report(d, &ri, &ret->report_id, &ret->ledger_index, ret->result_sha256, err);
	if (r < 0)
		goto out;
	if (s.tampered)
		strbuf_addf(&ret->text, "tampered: %s\n", s.tamper.buf);
	else
		fim_report_text(&s.rep, &ret->text);
	summary(s.tampered ? NULL : &s.rep, ret->report_id, &sum);
	if (ret->changed) {
		struct strbuf what = STRBUF_INIT; /* the alert names the report itself */
		if (!s.tampered)
			strbuf_addf(&what, "追加%zu件・削除%zu件・変更%zu件%s", s.rep.added.nr,
			            s.rep.removed.nr, s.rep.changed.nr,
			            s.rep.critical ? "、重要ファイルを含む" : "");
		r = fim_alert(d, &s.c, ret->report_id, ret->ledger_index, s.tampered,
		              s.rep.critical, what.buf, at, &ret->alert_id, err);
		strbuf_release(&what);
	}
	if (r == 0 && s.plan)
		r = fim_duty_record(d, s.plan, ret->report_id, sum.buf, &in->ctx, ret, err);
out:
	strbuf_release(&sum);
	strbuf_release(&s.path);
	strbuf_release(&s.tamper);
	fim_report_release(&s.rep);
	fim_duty_plan_free(s.plan);
	fim_key_free(s.key);
	fim_config_free(s.cfg);
	fim_config_row_release(&s.c);
	return r;
}
