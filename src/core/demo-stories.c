/* demo-stories: what the demo ward shows beside its random history: a take-out cycle (out now,
 * overdue, brought back), a withdrawn request, risks with a treatment plan. Every step goes
 * through the door. */
#include <errno.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/demo-internal.h"
#include "core/records.h"
#include "core/risk.h"
#include "policy/policy.h"
#include "store/query.h"

#define DAY_MS (24LL * 3600 * 1000)

/* What a person would write in a take-out's text fields, by field id. */
static const char *text_for(const char *id)
{
	static const struct {
		const char *id, *value;
	} texts[] = {
		{ "destination", "区民センター（出張窓口）" },
		{ "purpose", "出張窓口での相談対応" },
		{ "content", "相談対応に必要な資料" },
		{ "method", "施錠できるケースに入れて職員が携行" },
		{ "management", "持出者が常時携行し、窓口終了後に持ち帰る" },
		{ "protection", "暗号化USBメモリ・施錠ケース" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		if (!strcmp(texts[i].id, id))
			return texts[i].value;
	return "出張窓口のため";
}

/* The first record of register in section whose state the action may start from. */
static int find_record(struct demo *m, const struct policy_action *a, const char *section,
                       int64_t skip, int64_t *ret)
{
	struct query *q;
	int r;

	*ret = 0;
	r = query_prepare(m->st,
	                  "SELECT id, state FROM records WHERE register = ? AND section = ?"
	                  " AND id != ? ORDER BY id",
	                  &q, m->err);
	if (r < 0)
		return r;
	query_bind_text(q, 1, a->reg->id);
	query_bind_text(q, 2, section);
	query_bind_int(q, 3, skip);
	while ((r = query_step(q, m->err)) > 0) {
		const struct policy_state *s = policy_register_state(a->reg, query_text(q, 1));
		if (!a->from || (s && (a->from >> s->index) & 1)) {
			*ret = query_int(q, 0);
			query_done(q);
			return 0;
		}
	}
	return r;
}

/* The take-out's fields as the applicant fills them in (at most 16). */
static void fill(const struct policy_action *a, const char *who, const char *due,
                 struct act_attr *f, size_t *nf)
{
	for (unsigned i = 0; i < a->n_fields && *nf < 16; i++) {
		const struct policy_field *fd = &a->fields[i];
		if (fd->due)
			f[(*nf)++] = (struct act_attr){ fd->id, due };
		else if (fd->type == FIELD_USER)
			f[(*nf)++] = (struct act_attr){ fd->id, who };
		else if (fd->type == FIELD_TEXT)
			f[(*nf)++] = (struct act_attr){ fd->id, text_for(fd->id) };
	}
}

/* Runs an act that may wait for approval; the section head approves it. */
static int act_approved(struct demo *m, struct act_input *in, const char *section)
{
	struct act_result res = ACT_RESULT_INIT;
	int r = demo_run(m, in, &res);

	if (r == 0 && res.outcome == ACT_PENDING) {
		struct act_input ap = { .kind = ACT_APPROVE,
			                .actor = demo_head_of(section),
			                .request_id = res.request_id,
			                .comment =
			                    "持出しを許可します。期限までに返却してください" };
		struct act_result ar = ACT_RESULT_INIT;
		r = demo_run(m, &ap, &ar);
		if (r == 0 && ar.outcome == ACT_DONE)
			m->approved++;
		act_result_release(&ar);
	}
	act_result_release(&res);
	return r;
}

/* One take-out of a record of section, due back days_due from today (negative: overdue). */
static int take_out(struct demo *m, const struct policy_action *a, const char *section,
                    int days_due, bool bring_back, int64_t *ret_id)
{
	struct strbuf due = STRBUF_INIT;
	struct act_attr f[16];
	struct act_input in = { .kind = ACT_RECORD };
	const char *who = demo_staff_of(section, 0);
	size_t nf = 0;
	int64_t id = 0;
	int r;

	r = find_record(m, a, section, ret_id ? *ret_id : 0, &id);
	if (r < 0 || !id || !who)
		goto out;
	core_format_local_date(&due, time_now_ms() + days_due * DAY_MS);
	fill(a, who, due.buf, f, &nf);
	in.actor = who;
	in.record_id = id;
	in.action = a->full_name;
	in.fields = f;
	in.n_fields = nf;
	if (days_due < 0)
		in.comment = "出張窓口の実施後、持出しの記録を事後に登録したもの";
	r = act_approved(m, &in, section);
	if (r == 0 && bring_back) {
		const struct policy_action *back = policy_register_action(a->reg, "bring_back");
		struct act_input bi = { .kind = ACT_RECORD,
			                .actor = who,
			                .record_id = id,
			                .comment = "窓口終了後に持ち帰り、保管場所に戻した" };
		if (back) {
			bi.action = back->full_name;
			r = act_approved(m, &bi, section);
		}
	}
	if (ret_id)
		*ret_id = id;
out:
	strbuf_release(&due);
	return r;
}

/* The take-out cycle: one out now, one overdue, one brought back. */
static int takeout_story(struct demo *m)
{
	const struct policy_action *a = policy_action(m->p, "asset.take_out");
	int64_t id = 0;
	int r;

	if (!a)
		return 0;
	r = take_out(m, a, "zeimu", 5, false, &id);
	if (r == 0)
		r = take_out(m, a, "kumin", -2, false, NULL);
	if (r == 0)
		r = take_out(m, a, "hoken", 1, true, NULL);
	return r;
}

/* A take-out request made by mistake and withdrawn by its applicant (取下げ). */
static int withdraw_story(struct demo *m)
{
	const struct policy_action *a = policy_action(m->p, "asset.take_out");
	const char *who = demo_staff_of("fukushi", 0);
	struct strbuf due = STRBUF_INIT;
	struct act_attr f[16];
	struct act_input in = { .kind = ACT_RECORD };
	struct act_result res = ACT_RESULT_INIT;
	size_t nf = 0;
	int64_t id = 0;
	int r;

	if (!a || !who)
		return 0;
	r = find_record(m, a, "fukushi", 0, &id);
	if (r < 0 || !id)
		return r;
	core_format_local_date(&due, time_now_ms() + 3 * DAY_MS);
	fill(a, who, due.buf, f, &nf);
	in.actor = who;
	in.record_id = id;
	in.action = a->full_name;
	in.fields = f;
	in.n_fields = nf;
	r = demo_run(m, &in, &res);
	if (r == 0 && res.outcome == ACT_PENDING) {
		struct act_input w = { .kind = ACT_WITHDRAW,
			               .actor = who,
			               .request_id = res.request_id,
			               .comment = "日程が変更になったため取り下げます" };
		struct act_result wr = ACT_RESULT_INIT;
		r = demo_run(m, &w, &wr);
		act_result_release(&wr);
	}
	act_result_release(&res);
	strbuf_release(&due);
	return r;
}

/* One assessment by the section's 課長 through core/risk (Mamori computes the values). */
static int assess(struct demo *m, int64_t target, const char *section, const char *threat,
                  int64_t likelihood, int64_t impact, int64_t *ret)
{
	static const char *const candidates[] = { "MIN-3-3-3", "MIN-9-2-1", "SHJ-2-2",
		                                  "SHJ-5-1-2" };
	const char *measures[ARRAY_SIZE(candidates)];
	struct risk_input in = { .actor = demo_head_of(section),
		                 .target = target,
		                 .threat = threat,
		                 .likelihood = likelihood,
		                 .impact = impact,
		                 .treatment = "reduce",
		                 .ctx = m->ctx };
	struct act_result res = ACT_RESULT_INIT;
	struct risk_eval eval = { 0 };
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(candidates); i++)
		if (policy_clause(m->p, candidates[i]))
			measures[in.n_measures++] = candidates[i];
	in.measures = measures;
	*ret = 0;
	r = risk_assess(m->d, &in, &res, &eval, m->err);
	if (r == 0 && res.outcome == ACT_DONE)
		*ret = res.record_id;
	risk_eval_release(&eval);
	act_result_release(&res);
	return r;
}

/*
 * Risks: two threats to an asset of 税務課 and of 区民課, assessed by the 課長; the one within
 * the threshold accepted, the other left for the organisation's owner; a treatment plan with a
 * task due soon and one overdue.
 */
static int risk_story(struct demo *m)
{
	static const char *const sections[] = { "zeimu", "kumin" };
	const struct policy_action *a = policy_action(m->p, "asset.read");
	int r = 0;

	if (!a || !m->p->risk.reg || m->p->risk.n_threats < 2)
		return 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(sections); i++) {
		const char *head = demo_head_of(sections[i]),
		           *staff = demo_staff_of(sections[i], 0);
		struct strbuf due = STRBUF_INIT;
		struct act_result res = ACT_RESULT_INIT;
		int64_t target = 0, low = 0, high = 0;

		r = find_record(m, a, sections[i], 0, &target);
		if (r < 0 || !target || !head || !staff)
			break;
		r = assess(m, target, sections[i], m->p->risk.threats[0].id, 3, 4, &low);
		if (r == 0)
			r = assess(m, target, sections[i], m->p->risk.threats[1].id, 5, 5, &high);
		if (r == 0 && low)
			r = risk_accept(m->d, low, head, "対策の実施を確認した", &m->ctx, &res,
			                m->err);
		act_result_release(&res);
		if (r == 0 && high) {
			res = (struct act_result)ACT_RESULT_INIT;
			core_format_local_date(&due, time_now_ms() + (i ? 14 : -3) * DAY_MS);
			r = risk_task_add(m->d, high, head, "誤操作を防ぐ入力確認の手順を整える",
			                  staff, due.buf, &m->ctx, &res, m->err);
			act_result_release(&res);
		}
		strbuf_release(&due);
	}
	return r;
}

int demo_stories(struct demo *m)
{
	int r = takeout_story(m);

	if (r == 0)
		r = withdraw_story(m);
	if (r == 0)
		r = risk_story(m);
	return r;
}
