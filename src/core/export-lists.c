/* export-lists: requests, take-outs, duties, incidents, users and risks as CSV rows with Japanese
 * headers, as people read them: names, not ids; times in Tokyo. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/timeutil.h"
#include "core/core.h"
#include "core/duties.h"
#include "core/export-lists.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/requests.h"
#include "core/risk.h"
#include "core/takeouts.h"
#include "policy/policy.h"

#define DAY_MS (24LL * 3600 * 1000)

static void header(struct csv_writer *w, const char *const *names, size_t n)
{
	csv_write_row(w, names, n);
}

static void cell(struct csv_writer *w, const char *v)
{
	csv_write_field(w, v ? v : "");
}

static void cell_int(struct csv_writer *w, int64_t v)
{
	char b[24];

	if (!v) {
		cell(w, "");
		return;
	}
	snprintf(b, sizeof(b), "%" PRId64, v);
	cell(w, b);
}

/* "2026-12-04 09:30" in Tokyo; empty for 0. */
static void cell_time(struct csv_writer *w, int64_t ms)
{
	struct strbuf t = STRBUF_INIT;

	if (ms)
		time_format_local(&t, ms, TOKYO_OFFSET_MS);
	cell(w, t.buf);
	strbuf_release(&t);
}

static void cell_date(struct csv_writer *w, int64_t ms)
{
	struct strbuf t = STRBUF_INIT;

	if (ms)
		core_format_local_date(&t, ms);
	cell(w, t.buf);
	strbuf_release(&t);
}

/* A scope ("section:zeimu", "org") or a section id by its name. */
static void cell_scope(struct csv_writer *w, struct store *st, const char *scope)
{
	char *n = scope ? org_scope_name(st, scope) : NULL;

	cell(w, n ? n : scope && !strcmp(scope, "org") ? "全庁" : scope);
	free(n);
}

static void cell_section(struct csv_writer *w, struct store *st, const char *section)
{
	char *s;

	if (!section) {
		cell(w, "");
		return;
	}
	s = xstrfmt("section:%s", section);
	cell_scope(w, st, s);
	free(s);
}

/* A login by the person's name (the login when unknown). */
static void cell_person(struct csv_writer *w, struct store *st, const char *login)
{
	struct org_user u = { 0 };

	if (login && org_user_get(st, login, &u, NULL) == 0)
		cell(w, u.name);
	else
		cell(w, login);
	org_user_release(&u);
}

static const char *request_state_name(const char *state)
{
	static const char *const names[][2] = {
		{ "pending", "承認待ち" }, { "approved", "承認" },    { "rejected", "却下" },
		{ "expired", "期限切れ" }, { "withdrawn", "取下げ" }, { "cancelled", "取消し" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i][0], state))
			return names[i][1];
	return state;
}

/* "税務課 セキュリティ責任者、…" for the approvers a request waits for or waited for. */
static void cell_slots(struct csv_writer *w, struct store *st, const struct profile *p,
                       const struct request *q)
{
	struct strbuf s = STRBUF_INIT;

	for (size_t k = 0; k < q->n_slots; k++) {
		const struct request_slot *x = &q->slots[k];
		const struct policy_role *pr = p ? policy_role(p, x->role) : NULL;
		char *scope = org_scope_name(st, x->scope);
		if (k)
			strbuf_addstr(&s, "、");
		if (scope)
			strbuf_addf(&s, "%s ", scope);
		strbuf_addstr(&s, pr && pr->name ? pr->name : x->role);
		free(scope);
	}
	cell(w, s.buf);
	strbuf_release(&s);
}

/* Who decided: the deciding person, or the approvers' names when approved by slots. */
static void cell_decider(struct csv_writer *w, const struct request *q)
{
	struct strbuf s = STRBUF_INIT;
	char *who = request_person_label(q->decided_name, q->decided_title);

	if (who) {
		strbuf_addstr(&s, who);
	} else {
		for (size_t k = 0; k < q->n_slots; k++) {
			char *by = request_person_label(q->slots[k].approved_name,
			                                q->slots[k].approved_title);
			if (!by)
				continue;
			if (s.len)
				strbuf_addstr(&s, "、");
			strbuf_addstr(&s, by);
			if (q->slots[k].acting_for)
				strbuf_addstr(&s, "（代決）");
			free(by);
		}
	}
	cell(w, s.buf);
	free(who);
	strbuf_release(&s);
}

void export_requests_csv(struct store *st, const struct profile *p, const struct request_list *l,
                         int64_t now_ms, struct csv_writer *w)
{
	static const char *const cols[] = { "番号",   "状態",       "行為",      "台帳",
		                            "記録",   "重要性分類", "課",        "申請者",
		                            "承認者", "決裁者",     "決裁日時",  "申請日時",
		                            "期限",   "理由",       "決裁の理由" };

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++) {
		const struct request *q = &l->items[i];
		const struct policy_action *a = p ? policy_action(p, q->action) : NULL;
		const struct policy_register *g = p ? policy_register(p, q->register_id) : NULL;
		char *title = request_record_title(st, p, q);
		cell_int(w, q->id);
		cell(w, request_state_name(request_state_at(q, now_ms)));
		cell(w, a && a->name ? a->name : q->action);
		cell(w, g && g->name ? g->name : q->register_id);
		cell(w, title);
		cell(w, q->level);
		cell_section(w, st, q->section);
		cell(w, q->applicant_name);
		cell_slots(w, st, p, q);
		cell_decider(w, q);
		cell_time(w, q->decided_ms);
		cell_time(w, q->created_ms);
		cell_time(w, q->expires_ms);
		cell(w, q->comment);
		cell(w, q->decision_comment);
		csv_end_row(w);
		free(title);
	}
}

void export_takeouts_csv(struct store *st, const struct profile *p, const struct takeout_list *l,
                         struct csv_writer *w)
{
	static const char *const cols[] = { "記録", "台帳",       "名称",       "重要性分類",
		                            "課",   "持出し日時", "持出した人", "持出し先",
		                            "目的", "持出者",     "保護措置",   "返却予定日",
		                            "状況", "申請" };

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++) {
		const struct takeout *x = &l->items[i];
		const struct policy_register *g = p ? policy_register(p, x->register_id) : NULL;
		cell_int(w, x->record_id);
		cell(w, g && g->name ? g->name : x->register_id);
		cell(w, x->title);
		cell(w, x->level);
		cell_section(w, st, x->section);
		cell_time(w, x->taken_ms);
		cell(w, x->taken_by_name ? x->taken_by_name : x->taken_by);
		cell(w, x->destination);
		cell(w, x->purpose);
		cell(w, x->carrier_name ? x->carrier_name : x->carrier);
		cell(w, x->protection);
		cell(w, x->due);
		cell(w, x->overdue ? "期限超過" : "持出し中");
		cell_int(w, x->request_id);
		csv_end_row(w);
	}
}

static void cell_owed(struct csv_writer *w, struct store *st, const struct duty_status *x)
{
	struct strbuf s = STRBUF_INIT;

	for (size_t i = 0; i < x->owed_by.nr; i++) {
		struct org_user u = { 0 };
		if (i)
			strbuf_addstr(&s, "、");
		strbuf_addstr(&s, org_user_get(st, x->owed_by.items[i], &u, NULL) == 0
		                      ? u.name
		                      : x->owed_by.items[i]);
		org_user_release(&u);
	}
	cell(w, s.buf);
	strbuf_release(&s);
}

static void cell_due_state(struct csv_writer *w, const struct duty_status *x, int64_t now)
{
	char b[64];

	if (x->due)
		snprintf(b, sizeof(b), "期限超過 %lld日",
		         (long long)((now - x->next_due_ms) / DAY_MS + 1));
	else if ((x->next_due_ms - now) / DAY_MS == 0)
		snprintf(b, sizeof(b), "今日まで");
	else
		snprintf(b, sizeof(b), "あと%lld日", (long long)((x->next_due_ms - now) / DAY_MS));
	cell(w, b);
}

void export_duties_csv(struct store *st, const struct duty_list *l, int64_t now_ms,
                       struct csv_writer *w)
{
	static const char *const cols[] = { "義務",         "対象",       "担当",
		                            "義務を負う人", "最終実施日", "最終実施者",
		                            "次回期限",     "状況",       "条項" };

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++) {
		const struct duty_status *x = &l->items[i];
		const struct policy_duty *d = x->duty;
		struct strbuf c = STRBUF_INIT;
		cell(w, d->name ? d->name : d->id);
		cell_scope(w, st, x->scope);
		cell(w, d->role && d->role->name ? d->role->name : d->role ? d->role->id : NULL);
		cell_owed(w, st, x);
		cell_date(w, x->last_done_ms);
		cell_person(w, st, x->last_done_by);
		cell_date(w, x->next_due_ms);
		cell_due_state(w, x, now_ms);
		for (unsigned k = 0; k < d->clauses.nr; k++)
			strbuf_addf(&c, "%s%s", k ? " " : "", d->clauses.items[k]->id);
		cell(w, c.buf);
		csv_end_row(w);
		strbuf_release(&c);
	}
}

/* The first deadline not met, as "個人情報保護委員会への速報 2026-12-05 09:30". */
static void cell_next_deadline(struct csv_writer *w, const struct incident_summary *s)
{
	struct strbuf b = STRBUF_INIT;

	for (size_t k = 0; k < s->n_deadlines; k++) {
		const struct incident_deadline *dl = &s->deadlines[k];
		if (dl->done)
			continue;
		strbuf_addf(&b, "%s ", dl->def && dl->def->name ? dl->def->name : "");
		time_format_local(&b, dl->due_ms, TOKYO_OFFSET_MS);
		break;
	}
	cell(w, b.buf);
	strbuf_release(&b);
}

void export_incidents_csv(struct store *st, const struct incident_list *l, struct csv_writer *w)
{
	static const char *const cols[] = { "番号",     "件名",     "状況",    "重大度",
		                            "課",       "発見日時", "訓練",    "緊急",
		                            "報告対象", "期限超過", "次の期限" };

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++) {
		const struct incident_summary *s = &l->items[i];
		cell_int(w, s->id);
		cell(w, s->title);
		cell(w, s->status_name ? s->status_name : s->status);
		cell(w, s->severity);
		cell_section(w, st, s->section);
		cell_time(w, s->found_ms);
		cell(w, s->drill ? "訓練" : "");
		cell(w, s->urgent ? "緊急" : "");
		cell(w, s->reportable ? "報告対象" : "");
		cell(w, s->overdue ? "期限超過" : "");
		cell_next_deadline(w, s);
		csv_end_row(w);
	}
}

const char *export_user_status_name(const char *status)
{
	if (!status)
		return "";
	if (!strcmp(status, USER_ACTIVE))
		return "在職";
	if (!strcmp(status, USER_SUSPENDED))
		return "停止中";
	if (!strcmp(status, USER_RETIRED))
		return "退職";
	return status;
}

void export_users_csv(struct store *st, const struct org_users *l, struct csv_writer *w)
{
	static const char *const cols[] = { "ログイン", "氏名", "所属",           "所属名",
		                            "雇用形態", "職名", "メールアドレス", "状態" };

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++) {
		const struct org_user *u = &l->items[i];
		cell(w, u->login);
		cell(w, u->name);
		cell(w, u->section);
		cell_section(w, st, u->section);
		cell(w, u->employment);
		cell(w, u->title);
		cell(w, u->email);
		cell(w, export_user_status_name(u->status));
		csv_end_row(w);
	}
}

static void cell_count(struct csv_writer *w, size_t n)
{
	char b[24];

	snprintf(b, sizeof(b), "%zu", n);
	cell(w, b);
}

/* "MIN-3-3-3（起こりやすさ−2）、MIN-9-2-1（効かない：義務の期限超過）": each measure and what it is
 * worth now. */
static void cell_measures(struct csv_writer *w, const struct risk *rk)
{
	struct strbuf t = STRBUF_INIT;

	for (size_t i = 0; i < rk->now.n_measures; i++) {
		const struct risk_measure *m = &rk->now.measures[i];
		const char *why = !m->why_not                           ? NULL
		                  : !strcmp(m->why_not, "duty_overdue") ? "義務の期限超過"
		                  : !strcmp(m->why_not, "duty_never_done") ? "義務の実施記録なし"
		                                                           : "記載のみ";
		strbuf_addf(&t, "%s%s", i ? "、" : "", m->clause->id);
		if (why)
			strbuf_addf(&t, "（効かない：%s）", why);
		else
			strbuf_addf(&t, "（起こりやすさ−%" PRId64 "）", m->reduce);
	}
	cell(w, t.buf);
	strbuf_release(&t);
}

/* Why an acceptance went stale, as people read it: "インシデント 12、対策 MIN-5-6-2". */
static void cell_stale(struct csv_writer *w, const struct risk *rk)
{
	struct strbuf t = STRBUF_INIT;

	for (size_t i = 0; i < rk->stale_why.nr; i++) {
		const char *s = rk->stale_why.items[i];
		if (i)
			strbuf_addstr(&t, "、");
		if (!strncmp(s, "incident:", 9))
			strbuf_addf(&t, "インシデント %s", s + 9);
		else if (!strncmp(s, "level:", 6))
			strbuf_addf(&t, "重要性分類の引上げ %s", s + 6);
		else if (!strncmp(s, "measure:", 8))
			strbuf_addf(&t, "効かなくなった対策 %s", s + 8);
		else
			strbuf_addstr(&t, "残留リスクの上昇");
	}
	cell(w, t.buf);
	strbuf_release(&t);
}

/* One risk rk as a row of the register's CSV (the columns of export_risks_csv). */
static void risk_row(struct store *st, const struct profile *p, const struct risk *rk,
                     struct csv_writer *w)
{
	const struct policy_register *tr =
	    rk->target_register ? policy_register(p, rk->target_register) : NULL;
	const struct policy_state *state =
	    p->risk.reg ? policy_register_state(p->risk.reg, rk->state) : NULL;
	const struct policy_level *lv = rk->target_level ? policy_level(p, rk->target_level) : NULL;
	size_t open = 0;

	for (size_t k = 0; k < rk->n_tasks; k++)
		open += !rk->tasks[k].done;
	cell_int(w, rk->rec.id);
	cell(w, rk->threat ? rk->threat->name : rk->threat_id);
	if (risk_of_section(rk)) {
		struct strbuf t = STRBUF_INIT;
		strbuf_addf(&t, "%s（課等全体）",
		            rk->section_name ? rk->section_name
		            : rk->section    ? rk->section
		                             : "");
		cell(w, "");
		cell(w, t.buf);
		strbuf_release(&t);
	} else {
		cell_int(w, rk->target);
		cell(w, rk->target_title ? rk->target_title : "（削除された記録）");
	}
	cell(w, tr ? tr->name : rk->target_register);
	cell(w, lv && lv->name ? lv->name : rk->target_level);
	cell_section(w, st, rk->section);
	cell_int(w, rk->likelihood);
	cell_int(w, rk->impact);
	cell_int(w, rk->inherent);
	cell_int(w, rk->residual);
	cell_int(w, rk->computed);
	cell_int(w, rk->now.residual);
	cell(w, rk->reason);
	cell(w, rk->treatment);
	cell(w, rk->band);
	cell(w, rk->stale ? "要再評価" : state && state->name ? state->name : rk->state);
	cell_measures(w, rk);
	cell_person(w, st, rk->accepted_by);
	cell_time(w, rk->accepted_ms);
	if (rk->accepted_ms)
		cell_int(w, rk->accepted_residual);
	else
		cell(w, "");
	cell_stale(w, rk);
	cell_count(w, open);
	cell_count(w, rk->n_overdue_tasks);
	csv_end_row(w);
}

void export_risks_csv(struct store *st, const struct profile *p, const struct risk_list *l,
                      struct csv_writer *w)
{
	static const char *const cols[] = {
		"番号",
		"脅威",
		"対象の記録",
		"対象",
		"台帳",
		"重要性分類",
		"課",
		"起こりやすさ",
		"影響",
		"固有リスク",
		"残留リスク",
		"評価時の計算値",
		"現在の計算値",
		"引き上げた理由",
		"対応",
		"受容の区分",
		"状態",
		"対策（条項）",
		"受容者",
		"受容日時",
		"受容した残留リスク",
		"要再評価の理由",
		"未完了の作業",
		"期限切れの作業",
	};

	header(w, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < l->nr; i++)
		risk_row(st, p, &l->items[i], w);
}
