/* cmd-inspection-show: reading self-inspections: one section's checklist with its answers, and
 * the roll-up across sections and clauses for the CISO office (text, JSON, CSV). With --as, only
 * what that person may read (the one read decision, core/read.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/parse.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "cli/core-cli.h"
#include "cli/inspection.h"
#include "core/inspections.h"
#include "core/org.h"
#include "core/read.h"

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

static const char *or_dash(const char *v)
{
	return v && *v ? v : "-";
}

static const char *state_name(const struct profile *p, const char *reg, const char *state)
{
	const struct policy_register *g = policy_register(p, reg);
	const struct policy_state *s = g && state ? policy_register_state(g, state) : NULL;

	return s && s->name ? s->name : or_dash(state);
}

static void logins_json(struct json_writer *w, const char *key, const struct strv *v)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < v->nr; i++)
		jw_string(w, v->items[i]);
	jw_array_end(w);
}

/*
 * One section's inspection: its counts and, where the profile keeps training and consent
 * records, the people not trained ("untrained") and part-time staff without consent
 * ("unconsented"), by login.
 */
static void section_json(struct json_writer *w, struct store *st, const struct inspection_rollup *r,
                         const struct profile *p, const struct inspection_section *s)
{
	struct strbuf scope = STRBUF_INIT;
	char *name;

	strbuf_addf(&scope, "section:%s", s->section ? s->section : "");
	name = org_scope_name(st, scope.buf);
	jw_kv_int(w, "id", s->rec->id);
	jw_kv_str(w, "round", s->round);
	jw_kv_str(w, "section", s->section);
	jw_kv_str(w, "section_name", name);
	jw_kv_str(w, "role", s->role);
	if (s->role)
		jw_kv_str(w, "role_name", inspection_role_name(p, s->role));
	jw_kv_str(w, "state", s->rec->state);
	jw_kv_str(w, "state_name", state_name(p, SELF_INSPECTION_REGISTER, s->rec->state));
	jw_kv_str(w, "due", s->due);
	jw_kv_bool(w, "overdue", s->overdue);
	jw_kv_int(w, "items", (int64_t)s->total);
	jw_kv_int(w, "conform", (int64_t)s->conform);
	jw_kv_int(w, "nonconform", (int64_t)s->nonconform);
	jw_kv_int(w, "na", (int64_t)s->na);
	jw_kv_int(w, "unanswered", (int64_t)s->unanswered);
	if (r->training)
		logins_json(w, "untrained", &s->untrained);
	if (r->consent)
		logins_json(w, "unconsented", &s->unconsented);
	free(name);
	strbuf_release(&scope);
}

/* inspection show --json: the section's inspection and each item with its answer. */
static void inspection_show_json(struct strbuf *out, struct door *d,
                                 const struct inspection_rollup *r,
                                 const struct inspection_section *s,
                                 const struct inspection_item **items, size_t n, int64_t id)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	section_json(&w, door_store(d), r, door_profile(d), s);
	jw_kv_str(&w, "signoff_note", record_field(s->rec, "signoff_note"));
	jw_key(&w, "answers");
	jw_array_begin(&w);
	for (size_t i = 0; i < n; i++) {
		const struct record *a = inspection_answer_for(r, id, items[i]->clause->id);

		jw_object_begin(&w);
		jw_kv_str(&w, "clause", items[i]->clause->id);
		jw_kv_str(&w, "cite", items[i]->clause->cite);
		jw_kv_str(&w, "question", items[i]->question);
		jw_kv_str(&w, "result", a ? record_field(a, "result") : NULL);
		jw_kv_str(&w, "note", a ? record_field(a, "note") : NULL);
		jw_kv_str(&w, "evidence", a ? record_field(a, "evidence") : NULL);
		if (a)
			jw_kv_int(&w, "answer", a->id);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

/* inspection show without --json: the counts, then a table of the items and their answers. */
static void inspection_show_text(struct strbuf *out, const struct profile *p,
                                 const struct inspection_rollup *r,
                                 const struct inspection_section *s,
                                 const struct inspection_item **items, size_t n, int64_t id)
{
	struct table tb;

	strbuf_addf(out, "自己点検 %" PRId64 "：%s %s（%s）期限 %s%s\n", id, or_dash(s->round),
	            or_dash(s->section), state_name(p, SELF_INSPECTION_REGISTER, s->rec->state),
	            or_dash(s->due), s->overdue ? "（期限超過）" : "");
	if (s->role)
		strbuf_addf(out, "役割：%s（%s）\n", inspection_role_name(p, s->role), s->role);
	strbuf_addf(out, "適合 %zu、不適合 %zu、該当なし %zu、未回答 %zu（%zu 項目）\n\n",
	            s->conform, s->nonconform, s->na, s->unanswered, s->total);
	table_init(&tb, 5, (const char *[]){ "条項", "出典", "結果", "所見", "点検項目" });
	for (size_t i = 0; i < n; i++) {
		const struct record *a = inspection_answer_for(r, id, items[i]->clause->id);
		const char *res = a ? record_field(a, "result") : NULL;

		table_add(&tb,
		          (const char *[]){ items[i]->clause->id, or_dash(items[i]->clause->cite),
		                            res ? res : "未回答",
		                            or_dash(a ? record_field(a, "note") : NULL),
		                            items[i]->question });
	}
	table_render(&tb, out);
	table_release(&tb);
}

int inspection_show(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection show INSPECTION [--as LOGIN] [--json]",
		N_("a section's self-inspection: each item with its answer"), NULL
	};
	const char *as = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "LOGIN", "only if LOGIN may read it"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct inspection_rollup r = { 0 };
	const struct inspection_section *s;
	const struct inspection_item **items = NULL;
	struct reader *rd = NULL;
	struct door *d = NULL;
	size_t n = 0;
	int64_t id;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 1, 1, &ret);
	if (k < 0)
		return ret;
	if (parse_int64(argv[0], 1, INT64_MAX, &id) < 0) {
		cli_error("'%s' is not a self-inspection id", argv[0]);
		return EXIT_USAGE;
	}
	ret = open_read(ctx, as, &d, &rd);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (inspection_rollup(door_store(d), rd, door_profile(d), NULL, time_now_ms(), &r, &err) <
	    0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (!(s = inspection_section_for(&r, id))) {
		cli_error(as ? N_("no self-inspection %s that %s may read")
		             : N_("no self-inspection %s"),
		          argv[0], as);
		goto out;
	}
	inspection_items_of(&r.checklist, s->rec, &items, &n);
	if (json)
		inspection_show_json(&out, d, &r, s, items, n, id);
	else
		inspection_show_text(&out, door_profile(d), &r, s, items, n, id);
	ret = cli_print(&out);
out:
	free(items);
	inspection_rollup_release(&r);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}

/* "  研修を受けていない者（MIN-4-2-1）：zeimu-1, zeimu-2" per section, when any. */
static void people_lines(const char *what, const struct policy_clauses *c, const struct strv *v,
                         struct strbuf *out)
{
	if (!v->nr)
		return;
	strbuf_addf(out, "  %s（%s）：", what, c->nr ? c->items[0]->id : "-");
	for (size_t i = 0; i < v->nr; i++)
		strbuf_addf(out, "%s%s", i ? ", " : "", v->items[i]);
	strbuf_addch(out, '\n');
}

/* The training and consent registers' part of the roll-up, per section. */
static void people_text(const struct inspection_rollup *r, struct strbuf *out)
{
	if (!r->training && !r->consent)
		return;
	strbuf_addstr(out, "研修・同意：\n");
	for (size_t i = 0; i < r->n_sections; i++) {
		const struct inspection_section *s = &r->sections[i];

		strbuf_addf(
		    out, "%s（%s）：研修を受けていない者 %zu人、同意のない非常勤職員 %zu人\n",
		    or_dash(s->section), or_dash(s->round), s->untrained.nr, s->unconsented.nr);
		if (r->training)
			people_lines(r->training->name, &r->training->clauses, &s->untrained, out);
		if (r->consent)
			people_lines(r->consent->name, &r->consent->clauses, &s->unconsented, out);
	}
	strbuf_addch(out, '\n');
}

/* The roll-up by role, when a round was opened for roles. */
static void roles_text(const struct inspection_rollup *r, const struct profile *p,
                       struct strbuf *out)
{
	struct table tb;

	if (r->n_roles < 2 && !(r->n_roles == 1 && r->roles[0].role))
		return;
	table_init(&tb, 9,
	           (const char *[]){ "役割", "点検", "確認済", "期限超過", "適合", "不適合",
	                             "該当なし", "未回答", "役割のid" });
	tb.right_align = 1;
	for (size_t i = 0; i < r->n_roles; i++) {
		const struct inspection_role_row *ro = &r->roles[i];
		char v[7][24];

		snprintf(v[0], sizeof(v[0]), "%zu", ro->inspections);
		snprintf(v[1], sizeof(v[1]), "%zu", ro->signed_off);
		snprintf(v[2], sizeof(v[2]), "%zu", ro->overdue);
		snprintf(v[3], sizeof(v[3]), "%zu", ro->conform);
		snprintf(v[4], sizeof(v[4]), "%zu", ro->nonconform);
		snprintf(v[5], sizeof(v[5]), "%zu", ro->na);
		snprintf(v[6], sizeof(v[6]), "%zu", ro->unanswered);
		table_add(&tb, (const char *[]){
		                   ro->role ? inspection_role_name(p, ro->role) : "全項目", v[0],
		                   v[1], v[2], v[3], v[4], v[5], v[6], or_dash(ro->role) });
	}
	strbuf_addstr(out, "役割ごと：\n");
	table_render(&tb, out);
	table_release(&tb);
	strbuf_addch(out, '\n');
}

static void rollup_text(const struct inspection_rollup *r, const struct profile *p,
                        struct strbuf *out)
{
	struct table tb;

	table_init(&tb, 11,
	           (const char *[]){ "点検", "点検の回", "課等", "状態", "期限", "適合", "不適合",
	                             "該当なし", "未回答", "項目", "役割" });
	tb.right_align = 1;
	for (size_t i = 0; i < r->n_sections; i++) {
		const struct inspection_section *s = &r->sections[i];
		char id[24], c[4][24], total[24];

		snprintf(id, sizeof(id), "%" PRId64, s->rec->id);
		snprintf(c[0], sizeof(c[0]), "%zu", s->conform);
		snprintf(c[1], sizeof(c[1]), "%zu", s->nonconform);
		snprintf(c[2], sizeof(c[2]), "%zu", s->na);
		snprintf(c[3], sizeof(c[3]), "%zu", s->unanswered);
		snprintf(total, sizeof(total), "%zu", s->total);
		table_add(&tb,
		          (const char *[]){
		              id, or_dash(s->round), or_dash(s->section),
		              s->overdue ? "期限超過"
		                         : state_name(p, SELF_INSPECTION_REGISTER, s->rec->state),
		              or_dash(s->due), c[0], c[1], c[2], c[3], total,
		              s->role ? inspection_role_name(p, s->role) : "全項目" });
	}
	table_render(&tb, out);
	table_release(&tb);
	strbuf_addf(out, "\n期限超過の課等：%zu\n\n", r->overdue);
	roles_text(r, p, out);
	people_text(r, out);
	table_init(&tb, 5, (const char *[]){ "条項", "適合", "不適合", "該当なし", "未回答" });
	for (size_t i = 0; i < r->n_clauses; i++) {
		const struct inspection_clause_row *c = &r->clauses[i];
		char v[4][24];

		if (!c->conform && !c->nonconform && !c->na)
			continue; /* nobody answered it yet: the section rows count it */
		snprintf(v[0], sizeof(v[0]), "%zu", c->conform);
		snprintf(v[1], sizeof(v[1]), "%zu", c->nonconform);
		snprintf(v[2], sizeof(v[2]), "%zu", c->na);
		snprintf(v[3], sizeof(v[3]), "%zu", c->unanswered);
		table_add(&tb, (const char *[]){ c->clause->id, v[0], v[1], v[2], v[3] });
	}
	table_render(&tb, out);
	table_release(&tb);
}

static void roles_json(struct json_writer *w, const struct inspection_rollup *r)
{
	jw_key(w, "roles");
	jw_array_begin(w);
	for (size_t i = 0; i < r->n_roles; i++) {
		const struct inspection_role_row *ro = &r->roles[i];

		jw_object_begin(w);
		jw_kv_str(w, "role", ro->role);
		if (ro->role)
			jw_kv_str(w, "role_name", inspection_role_name(r->profile, ro->role));
		jw_kv_int(w, "inspections", (int64_t)ro->inspections);
		jw_kv_int(w, "signed", (int64_t)ro->signed_off);
		jw_kv_int(w, "overdue", (int64_t)ro->overdue);
		jw_kv_int(w, "conform", (int64_t)ro->conform);
		jw_kv_int(w, "nonconform", (int64_t)ro->nonconform);
		jw_kv_int(w, "na", (int64_t)ro->na);
		jw_kv_int(w, "unanswered", (int64_t)ro->unanswered);
		jw_object_end(w);
	}
	jw_array_end(w);
}

/* inspection rollup --json: the sections, the roles and the clauses. */
static void rollup_json(struct strbuf *out, struct door *d, const struct inspection_rollup *r,
                        const char *round)
{
	struct json_writer w;

	jw_init(&w, out);
	jw_object_begin(&w);
	jw_kv_str(&w, "round", round);
	jw_kv_int(&w, "overdue", (int64_t)r->overdue);
	jw_key(&w, "sections");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->n_sections; i++) {
		jw_object_begin(&w);
		section_json(&w, door_store(d), r, door_profile(d), &r->sections[i]);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	roles_json(&w, r);
	jw_key(&w, "clauses");
	jw_array_begin(&w);
	for (size_t i = 0; i < r->n_clauses; i++) {
		const struct inspection_clause_row *c = &r->clauses[i];

		jw_object_begin(&w);
		jw_kv_str(&w, "clause", c->clause->id);
		jw_kv_int(&w, "conform", (int64_t)c->conform);
		jw_kv_int(&w, "nonconform", (int64_t)c->nonconform);
		jw_kv_int(&w, "na", (int64_t)c->na);
		jw_kv_int(&w, "unanswered", (int64_t)c->unanswered);
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	strbuf_addch(out, '\n');
}

int inspection_rollup_cmd(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection rollup [--round TEXT] [--as LOGIN] [--json | --csv [--cp932]]",
		N_("the roll-up of self-inspections by section and by clause; overdue sections"),
		NULL
	};
	const char *round = NULL, *as = NULL;
	bool json = false, csv = false, cp932 = false;
	const struct option opts[] = {
		OPT_STRING(0, "round", &round, "TEXT", "one round (default: every round)"),
		OPT_STRING(0, "as", &as, "LOGIN", "only what LOGIN may read"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_BOOL(0, "csv", &csv, "print CSV: one row per section and item (UTF-8 BOM)"),
		OPT_BOOL(0, "cp932", &cp932, "with --csv: CP932 for older Excel"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct inspection_rollup r = { 0 };
	struct reader *rd = NULL;
	struct door *d = NULL;
	int k, ret;

	k = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (k < 0)
		return ret;
	if ((json && csv) || (cp932 && !csv)) {
		cli_error(cp932 && !csv ? "--cp932 is for --csv" : "say --json or --csv, not both");
		return EXIT_USAGE;
	}
	ret = open_read(ctx, as, &d, &rd);
	if (ret)
		goto out;
	ret = EXIT_FAILED;
	if (inspection_rollup(door_store(d), rd, door_profile(d), round, time_now_ms(), &r, &err) <
	    0) {
		cli_error("%s", err.buf);
		goto out;
	}
	if (csv) {
		size_t substituted = 0;

		if (inspection_rollup_csv(&r, cp932, &out, &substituted, &err) < 0) {
			cli_error("%s", err.buf);
			goto out;
		}
		if (substituted)
			cli_warn("%zu characters have no CP932 form and were written as 〓",
			         substituted);
		ret = cli_print_bytes(&out);
		goto out;
	}
	if (json)
		rollup_json(&out, d, &r, round);
	else
		rollup_text(&r, door_profile(d), &out);
	ret = cli_print(&out);
out:
	inspection_rollup_release(&r);
	reader_unref(rd);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	return ret;
}
