/* cmd-audit-read: `mamori audit show|list`: an audit with its findings, and the list of audits
 * with their open and overdue findings, as a table or JSON (docs/audits.md). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/json.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/audit.h"
#include "cli/core-cli.h"
#include "core/audits.h"
#include "core/read.h"
#include "policy/policy.h"

static void record_json(struct json_writer *w, const struct record *r, int64_t now)
{
	char *fields = json_dumps(r->fields, JSON_COMPACT | JSON_SORT_KEYS);
	struct strbuf t = STRBUF_INIT;

	jw_kv_int(w, "id", r->id);
	jw_kv_str(w, "state", r->state);
	jw_kv_str(w, "section", r->section);
	jw_key(w, "fields");
	jw_raw(w, fields ? fields : "{}");
	time_format_rfc3339(&t, r->created_ms);
	jw_kv_str(w, "created", t.buf);
	if (!strcmp(r->register_id, FINDING_REGISTER))
		jw_kv_bool(w, "overdue", audit_finding_overdue(r, now));
	strbuf_release(&t);
	free(fields);
}

static const char *field_or_dash(const struct record *r, const char *key)
{
	const char *v = record_field(r, key);
	return v && *v ? v : "-";
}

/* The profile's Japanese name of a record's state (報告済), or its id. */
static const char *state_name(const struct profile *p, const char *reg, const char *state)
{
	const struct policy_register *g = policy_register(p, reg);
	const struct policy_state *s = g && state ? policy_register_state(g, state) : NULL;

	return s && s->name ? s->name : state;
}

/* The texts the audit's own steps recorded (report, evaluation ...), under the profile's names. */
static void audit_step_texts(const struct profile *p, const struct record *a, struct strbuf *out)
{
	static const char *const keys[] = { "report",     "result",           "hq_use",
		                            "evaluation", "improvement_plan", "done" };
	const struct policy_register *g = policy_register(p, AUDIT_REGISTER);

	for (size_t i = 0; g && i < ARRAY_SIZE(keys); i++) {
		const struct policy_field *f = policy_register_field(g, keys[i]);
		const char *v = record_field(a, keys[i]);

		if (f && v && *v)
			strbuf_addf(out, "%s：%s\n", f->name ? f->name : f->id, v);
	}
}

/* The findings table, for show. */
static void findings_table(const struct profile *p, const struct record_list *l, int64_t now,
                           struct strbuf *out)
{
	struct table tb;

	table_init(&tb, 7,
	           (const char *[]){ "指摘", "条項", "重要度", "状況", "改善の期限", "内容",
	                             "証跡（台帳）" });
	tb.right_align = 1;
	for (size_t i = 0; i < l->nr; i++) {
		const struct record *r = &l->items[i];
		char id[24];
		snprintf(id, sizeof(id), "%" PRId64, r->id);
		table_add(&tb, (const char *[]){
		                   id, field_or_dash(r, "clause"), field_or_dash(r, "severity"),
		                   audit_finding_overdue(r, now)
		                       ? "期限超過"
		                       : state_name(p, FINDING_REGISTER, r->state),
		                   field_or_dash(r, FINDING_DUE_FIELD), field_or_dash(r, "text"),
		                   field_or_dash(r, "evidence") });
	}
	table_render(&tb, out);
	table_release(&tb);
}

/* Opens the door read-only and, with as, the reader for as. */
static int open_read(struct cli_ctx *ctx, const char *as, struct door **d, struct reader **rd)
{
	struct strbuf err = STRBUF_INIT;
	int ret = cli_door_open(ctx, DOOR_READONLY, d);

	if (ret)
		return ret;
	if (as &&
	    reader_for_login(door_store(*d), door_profile(*d), as, time_now_ms(), rd, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
	}
	strbuf_release(&err);
	return ret;
}

int audit_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori audit show AUDIT [--as LOGIN] [--json]",
		N_("an audit with its findings; with --as, only if LOGIN may read them"), NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only what LOGIN may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct record a = { 0 };
	struct record_list fl = { 0 };
	struct reader *rd = NULL;
	struct door *d = NULL;
	int64_t now = time_now_ms();
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		return ret;
	ret = open_read(ctx, as, &d, &rd);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (audit_record_arg(d, argv[0], AUDIT_REGISTER, &a) < 0)
		goto out;
	if (rd && !read_record(rd, &a, NULL)) {
		cli_error("%s may not read audit %s", as, argv[0]);
		goto out;
	}
	if (audit_findings(door_store(d), rd, a.id, &fl, &err) < 0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (json) {
		struct json_writer w;
		jw_init(&w, &out);
		jw_object_begin(&w);
		record_json(&w, &a, now);
		jw_key(&w, "findings");
		jw_array_begin(&w);
		for (size_t i = 0; i < fl.nr; i++) {
			jw_object_begin(&w);
			record_json(&w, &fl.items[i], now);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_object_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		strbuf_addf(&out, "監査 %" PRId64 "：%s（%s）\n", a.id, field_or_dash(&a, "title"),
		            state_name(door_profile(d), AUDIT_REGISTER, a.state));
		strbuf_addf(&out, "監査チーム：%s\n", field_or_dash(&a, "auditor"));
		strbuf_addf(&out, "監査を受ける課等：%s\n", field_or_dash(&a, "auditee_section"));
		strbuf_addf(&out, "情報システム：%s\n", field_or_dash(&a, "systems"));
		strbuf_addf(&out, "対象の条項：%s\n", field_or_dash(&a, "clauses"));
		strbuf_addf(&out, "期間：%s ～ %s\n", field_or_dash(&a, "period_from"),
		            field_or_dash(&a, "period_until"));
		audit_step_texts(door_profile(d), &a, &out);
		strbuf_addch(&out, '\n');
		findings_table(door_profile(d), &fl, now, &out);
	}
	ret = cli_print(&out);
out:
	record_list_release(&fl);
	record_release(&a);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* How many of the findings fl are audit id's: in all, not closed, and overdue. */
struct finding_counts {
	int64_t total, open, overdue;
};

static struct finding_counts finding_counts(const struct record_list *fl, int64_t id, int64_t now)
{
	struct finding_counts c = { 0 };

	for (size_t j = 0; j < fl->nr; j++) {
		const char *x = record_field(&fl->items[j], FINDING_AUDIT_FIELD);
		if (!x || strtoll(x, NULL, 10) != id)
			continue;
		c.total++;
		c.open += strcmp(fl->items[j].state, "closed") != 0;
		c.overdue += audit_finding_overdue(&fl->items[j], now);
	}
	return c;
}

/* The audit a with its counts c as a row of list's table. */
static void audit_row(struct table *tb, const struct profile *p, const struct record *a,
                      const struct finding_counts *c)
{
	char id[24], o[24], od[24];

	snprintf(id, sizeof(id), "%" PRId64, a->id);
	snprintf(o, sizeof(o), "%" PRId64, c->open);
	snprintf(od, sizeof(od), "%" PRId64, c->overdue);
	table_add(tb, (const char *[]){ id, field_or_dash(a, "title"),
	                                state_name(p, AUDIT_REGISTER, a->state),
	                                field_or_dash(a, "auditee_section"), o, od });
}

int audit_list(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori audit list [--as LOGIN] [--json]",
		N_("the audits, with how many findings each has open and overdue"), NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only what LOGIN may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct record_list al = { 0 }, fl = { 0 };
	struct reader *rd = NULL;
	struct door *d = NULL;
	struct json_writer w;
	struct table tb;
	int64_t now = time_now_ms();
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (k < 0)
		return ret;
	ret = open_read(ctx, as, &d, &rd);
	if (ret)
		goto out;
	if (audit_records(door_store(d), rd, AUDIT_REGISTER, &al, &err) < 0 ||
	    audit_records(door_store(d), rd, FINDING_REGISTER, &fl, &err) < 0) {
		cli_error("%s", err.buf);
		ret = EXIT_FAILED;
		goto out;
	}
	jw_init(&w, &out);
	table_init(&tb, 6,
	           (const char *[]){ "監査", "名称", "状況", "監査を受ける課等", "未完了の指摘",
	                             "期限超過" });
	tb.right_align = 1;
	if (json)
		jw_array_begin(&w);
	for (size_t i = 0; i < al.nr; i++) {
		const struct record *a = &al.items[i];
		struct finding_counts c = finding_counts(&fl, a->id, now);

		if (json) {
			jw_object_begin(&w);
			record_json(&w, a, now);
			jw_kv_int(&w, "findings", c.total);
			jw_kv_int(&w, "open", c.open);
			jw_kv_int(&w, "overdue", c.overdue);
			jw_object_end(&w);
			continue;
		}
		audit_row(&tb, door_profile(d), a, &c);
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		table_render(&tb, &out);
	}
	table_release(&tb);
	ret = cli_print(&out);
out:
	record_list_release(&al);
	record_list_release(&fl);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}
