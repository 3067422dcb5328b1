/* cmd-policy-review: `mamori policy review N`: a policy review case (register policy_review)
 * with what it weighs gathered from the ward's records over its period — audits and findings,
 * incidents, self-inspections and their nonconformities, coverage gaps — each figure with the
 * records behind it, and its attached draft replayed against the ledger (docs/audits.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/parse.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/policy.h"
#include "core/audits.h"
#include "core/core.h"
#include "core/read.h"
#include "core/replay.h"
#include "core/review.h"
#include "policy/policy.h"

static void day(struct strbuf *out, int64_t ms)
{
	core_format_local_date(out, ms);
}

static void ids_json(struct json_writer *w, const char *key, const struct record_list *l)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < l->nr; i++)
		jw_int(w, l->items[i].id);
	jw_array_end(w);
}

static void findings_json(struct json_writer *w, const struct review_inputs *in, int64_t now_ms)
{
	jw_key(w, "findings");
	jw_object_begin(w);
	jw_kv_int(w, "count", (int64_t)in->findings.nr);
	jw_kv_int(w, "open", (int64_t)in->findings_open);
	jw_kv_int(w, "overdue", (int64_t)in->findings_overdue);
	jw_key(w, "records");
	jw_array_begin(w);
	for (size_t i = 0; i < in->findings.nr; i++) {
		const struct record *f = &in->findings.items[i];

		jw_object_begin(w);
		jw_kv_int(w, "id", f->id);
		jw_kv_str(w, "audit", record_field(f, "audit"));
		jw_kv_str(w, "clause", record_field(f, "clause"));
		jw_kv_str(w, "severity", record_field(f, "severity"));
		jw_kv_str(w, "state", f->state);
		jw_kv_bool(w, "overdue", audit_finding_overdue(f, now_ms));
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

static void inputs_json(struct json_writer *w, const struct review_inputs *in, int64_t now_ms)
{
	jw_key(w, "audits");
	jw_object_begin(w);
	jw_kv_int(w, "count", (int64_t)in->audits.nr);
	ids_json(w, "records", &in->audits);
	jw_object_end(w);
	findings_json(w, in, now_ms);
	jw_key(w, "incidents");
	jw_object_begin(w);
	jw_kv_int(w, "count", (int64_t)in->incidents.nr);
	jw_kv_int(w, "open", (int64_t)in->incidents_open);
	jw_key(w, "records");
	jw_array_begin(w);
	for (size_t i = 0; i < in->incidents.nr; i++) {
		jw_object_begin(w);
		jw_kv_int(w, "id", in->incidents.items[i].id);
		jw_kv_str(w, "title", in->incidents.items[i].title);
		jw_kv_str(w, "status", in->incidents.items[i].status);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "inspections");
	jw_object_begin(w);
	jw_kv_int(w, "count", (int64_t)in->inspections);
	jw_kv_int(w, "signed", (int64_t)in->inspections_signed);
	jw_key(w, "records");
	jw_array_begin(w);
	for (size_t i = 0; i < in->rollup.n_sections; i++)
		if (in->in_period[i])
			jw_int(w, in->rollup.sections[i].rec->id);
	jw_array_end(w);
	jw_kv_int(w, "nonconform_count", (int64_t)in->n_nonconform);
	jw_key(w, "nonconform");
	jw_array_begin(w);
	for (size_t i = 0; i < in->n_nonconform; i++) {
		jw_object_begin(w);
		jw_kv_int(w, "inspection", in->nonconform[i].inspection);
		jw_kv_int(w, "answer", in->nonconform[i].answer);
		jw_kv_str(w, "section", in->nonconform[i].section);
		jw_kv_str(w, "clause", in->nonconform[i].clause);
		jw_kv_str(w, "role", in->nonconform[i].role);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
	jw_key(w, "gaps");
	jw_object_begin(w);
	jw_kv_int(w, "count", (int64_t)in->gaps);
	jw_key(w, "clauses");
	jw_array_begin(w);
	for (unsigned i = 0; i < in->coverage.nr; i++) {
		const struct policy_coverage_entry *e = &in->coverage.entries[i];

		if (!e->gap)
			continue;
		jw_object_begin(w);
		jw_kv_str(w, "clause", e->clause->id);
		jw_kv_str(w, "kind", policy_clause_kind_name(e->clause->kind));
		jw_kv_str(w, "strength", policy_strength_name(e->strength));
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/* "12, 15" */
static void ids_text(struct strbuf *out, const struct record_list *l)
{
	for (size_t i = 0; i < l->nr; i++)
		strbuf_addf(out, "%s%" PRId64, i ? ", " : "", l->items[i].id);
}

static void inputs_text(struct strbuf *out, const struct review_inputs *in, int64_t now_ms)
{
	strbuf_addf(out, "監査 %zu件：", in->audits.nr);
	ids_text(out, &in->audits);
	strbuf_addf(out, "\n指摘事項 %zu件（未完了 %zu、改善の期限超過 %zu）\n", in->findings.nr,
	            in->findings_open, in->findings_overdue);
	for (size_t i = 0; i < in->findings.nr; i++) {
		const struct record *f = &in->findings.items[i];
		const char *c = record_field(f, "clause"), *sev = record_field(f, "severity");

		strbuf_addf(out, "  %" PRId64 " %s %s %s%s\n", f->id, c ? c : "-", sev ? sev : "-",
		            f->state ? f->state : "-",
		            audit_finding_overdue(f, now_ms) ? " 期限超過" : "");
	}
	strbuf_addf(out, "インシデント %zu件（未終結 %zu）\n", in->incidents.nr,
	            in->incidents_open);
	for (size_t i = 0; i < in->incidents.nr; i++)
		strbuf_addf(out, "  %" PRId64 " %s（%s）\n", in->incidents.items[i].id,
		            in->incidents.items[i].title ? in->incidents.items[i].title : "",
		            in->incidents.items[i].status_name ? in->incidents.items[i].status_name
		                                               : "-");
	strbuf_addf(out, "自己点検 %zu件（確認済 %zu）、不適合 %zu\n", in->inspections,
	            in->inspections_signed, in->n_nonconform);
	for (size_t i = 0; i < in->n_nonconform; i++)
		strbuf_addf(out, "  点検 %" PRId64 " %s %s（回答 %" PRId64 "）\n",
		            in->nonconform[i].inspection,
		            in->nonconform[i].section ? in->nonconform[i].section : "-",
		            in->nonconform[i].clause, in->nonconform[i].answer);
	strbuf_addf(out, "担保の不足 %zu条項：", in->gaps);
	for (unsigned i = 0, n = 0; i < in->coverage.nr; i++)
		if (in->coverage.entries[i].gap)
			strbuf_addf(out, "%s%s", n++ ? ", " : "",
			            in->coverage.entries[i].clause->id);
	strbuf_addch(out, '\n');
}

/* The review record N; prints why not and returns -1. */
static int review_arg(struct door *d, const char *arg, struct record *ret)
{
	struct strbuf err = STRBUF_INIT;
	int64_t id;
	int r = -1;

	if (parse_int64(arg, 1, INT64_MAX, &id) < 0)
		cli_error("'%s' is not a review id", arg);
	else if (record_get(door_store(d), id, ret, &err) < 0)
		cli_error("%s", err.buf);
	else if (strcmp(ret->register_id, REVIEW_REGISTER))
		cli_error("record %s is a '%s', not a policy review", arg, ret->register_id);
	else
		r = 0;
	if (r < 0)
		record_release(ret);
	strbuf_release(&err);
	return r;
}

/* With --as, the reader for as (*ret), who must be able to read the case (arg names it); said
 * when not, -1. */
static int may_read(struct door *d, const char *as, int64_t now, const struct record *rec,
                    const char *arg, struct reader **ret)
{
	struct strbuf err = STRBUF_INIT;

	if (as && reader_for_login(door_store(d), door_profile(d), as, now, ret, &err) < 0) {
		cli_error("%s", err.buf);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	if (*ret && !read_record(*ret, rec, NULL)) {
		cli_error("%s may not read policy review %s", as, arg);
		return -1;
	}
	return 0;
}

/* What policy review shows of a case. */
struct review_view {
	const struct record *rec;
	const char *from, *to; /* the period's first and last days */
	const struct review_inputs *in;
	int64_t now;
	const struct profile *draft; /* the attached draft, or NULL (derr says why) */
	const struct replay_result *res;
	const struct replay_clause *cl;
	size_t ncl;
	const char *derr;
};

/* The case as JSON: the review, its period, its inputs and the draft's replay (or why not). */
static void review_json(const struct profile *current, const struct review_view *v,
                        struct strbuf *out)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_int(&w, "review", v->rec->id);
	jw_kv_str(&w, "title", record_field(v->rec, "title"));
	jw_kv_str(&w, "state", v->rec->state);
	jw_kv_str(&w, "draft", record_field(v->rec, "draft"));
	jw_kv_str(&w, "from", v->from);
	jw_kv_str(&w, "to", v->to);
	inputs_json(&w, v->in, v->now);
	jw_key(&w, "replay");
	if (v->draft) {
		jw_object_begin(&w);
		cli_replay_json(&w, current, v->draft, v->res, v->cl, v->ncl);
		jw_object_end(&w);
	} else {
		jw_null(&w);
		jw_kv_str(&w, "replay_error", v->derr);
	}
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

/* The same as text for people. */
static void review_text(const struct review_view *v, struct strbuf *out)
{
	const struct record *rec = v->rec;

	strbuf_addf(out, "見直し %" PRId64 "「%s」（%s）期間 %s〜%s\n案の版 %s\n\n", rec->id,
	            record_field(rec, "title") ? record_field(rec, "title") : "",
	            rec->state ? rec->state : "-", v->from, v->to,
	            record_field(rec, "draft") ? record_field(rec, "draft") : "-");
	strbuf_addstr(out, "見直しの材料：\n");
	inputs_text(out, v->in, v->now);
	strbuf_addstr(out, "\n案で過去の判断をし直した結果：\n");
	if (v->draft)
		cli_replay_text(v->res, v->cl, v->ncl, out);
	else
		strbuf_addf(out, "%s\n", v->derr);
}

int cmd_policy_review(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori policy review N [--as LOGIN] [--json]",
		N_("a policy review case with its inputs gathered from the ward's records (audits, "
		   "findings, incidents, self-inspections, coverage gaps) and its attached draft "
		   "replayed against the ledger"),
		NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only what LOGIN may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, derr = STRBUF_INIT;
	struct strbuf from = STRBUF_INIT, to = STRBUF_INIT;
	struct review_inputs in = { 0 };
	struct replay_result res = { 0 };
	struct replay_clause *cl = NULL;
	struct record rec = { 0 };
	struct profile *draft = NULL;
	struct reader *rd = NULL;
	struct door *d = NULL;
	int64_t now = time_now_ms(), from_ms, to_ms;
	size_t ncl = 0;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (n < 0)
		return ret;
	ret = cli_door_open(ctx, DOOR_READONLY, &d);
	if (ret)
		return ret;
	ret = EXIT_FAILED;
	if (review_arg(d, argv[0], &rec) < 0)
		goto out;
	if (may_read(d, as, now, &rec, argv[0], &rd) < 0)
		goto out;
	review_period(door_store(d), &rec, now, &from_ms, &to_ms);
	if (review_inputs(door_store(d), door_dir(d), rd, door_profile(d), from_ms, to_ms, now, &in,
	                  &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (review_draft(door_store(d), door_dir(d), &rec, &draft, &derr) == 0) {
		if (replay_profile(d, draft, from_ms, to_ms, &res, &err) < 0) {
			cli_error("%s", err.buf);
			goto out;
		}
		replay_clauses(door_profile(d), draft, &res, &cl, &ncl);
	}
	day(&from, from_ms);
	day(&to, to_ms - 1);
	{
		const struct review_view v = { &rec,  from.buf, to.buf, &in, now,
			                       draft, &res,     cl,     ncl, derr.buf };
		if (json)
			review_json(door_profile(d), &v, &out);
		else
			review_text(&v, &out);
	}
	ret = cli_print(&out);
out:
	replay_clauses_release(cl, ncl);
	replay_result_release(&res);
	profile_free(draft);
	review_inputs_release(&in);
	record_release(&rec);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&derr);
	strbuf_release(&out);
	strbuf_release(&from);
	strbuf_release(&to);
	return ret;
}
