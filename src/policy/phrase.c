/* phrase: a profile's rules, obligations and what carries a clause, each as one Japanese sentence.
 */
#include <string.h>

#include "base/cleanup.h"
#include "policy/phrase.h"
#include "policy/policy-internal.h"

static const char *at_phrase(const struct policy_role *r, enum policy_at at)
{
	if (r->scope == SCOPE_ORG)
		return "";
	switch (at) {
	case AT_RECORD:
		return r->scope == SCOPE_SECTION ? "（当該情報資産を所管する課等）"
		                                 : "（当該情報システム）";
	case AT_ACTOR:
		return "（申請者の所属課等）";
	case AT_ANY:
		return "（いずれかの課等・システム）";
	case AT_ORG:
		return "";
	}
	return "";
}

static void roles_phrase(struct strbuf *sb, const struct profile *p, uint64_t roles,
                         enum policy_at at)
{
	bool first = true;

	for (unsigned i = 0; i < p->n_roles; i++) {
		if (!((roles >> i) & 1))
			continue;
		if (!first)
			strbuf_addstr(sb, "又は");
		strbuf_addstr(sb, p->roles[i].name);
		strbuf_addstr(sb, at_phrase(&p->roles[i], at));
		first = false;
	}
}

/* The context conditions: "経路がインターネット". */
static void ctx_conds_phrase(struct strbuf *sb, const struct profile *p, const struct cond *c,
                             bool *any)
{
	for (unsigned i = 0; i < c->n_ctx; i++) {
		const struct policy_context_key *k = &p->context_keys[c->ctx[i].key];
		bool first = true;

		if (*any)
			strbuf_addstr(sb, "、");
		*any = true;
		strbuf_addf(sb, "%sが", k->name);
		for (unsigned v = 0; v < k->n_values; v++)
			if ((c->ctx[i].values >> v) & 1) {
				if (!first)
					strbuf_addstr(sb, "・");
				strbuf_addstr(sb, k->values[v]);
				first = false;
			}
	}
}

/* The record's field conditions: "「種別」が設計書", "「主要なネットワーク」に該当する". */
static void rec_conds_phrase(struct strbuf *sb, const struct cond *c,
                             const struct policy_register *reg, bool *any)
{
	for (unsigned i = 0; i < c->n_rec; i++) {
		const struct policy_field *f =
		    reg ? policy_register_field(reg, c->rec[i].field) : NULL;

		if (*any)
			strbuf_addstr(sb, "、");
		*any = true;
		if (f && f->type == FIELD_BOOL && c->rec[i].n_values == 1) {
			/* 「主要なネットワーク」である／でない */
			strbuf_addf(sb, "「%s」%s", f->name,
			            strcmp(c->rec[i].values[0], "true") ? "に該当しない"
			                                                : "に該当する");
			continue;
		}
		strbuf_addf(sb, "「%s」が", f ? f->name : c->rec[i].field);
		for (unsigned v = 0; v < c->rec[i].n_values; v++)
			strbuf_addf(sb, "%s%s", v ? "・" : "", c->rec[i].values[v]);
	}
}

static void cond_phrase(struct strbuf *sb, const struct profile *p, const struct cond *c,
                        const struct policy_register *reg)
{
	bool any = false;

#define SEP()                                                                                      \
	do {                                                                                       \
		if (any)                                                                           \
			strbuf_addstr(sb, "、");                                                   \
		any = true;                                                                        \
	} while (0)

	if (c->has_levels) {
		bool first = true;

		SEP();
		for (unsigned i = 0; i < p->n_levels; i++)
			if ((c->levels >> i) & 1) {
				if (!first)
					strbuf_addstr(sb, "・");
				strbuf_addstr(sb, p->levels[i].name);
				first = false;
			}
		strbuf_addstr(sb, "の情報");
	}
	if (c->has_roles) {
		SEP();
		strbuf_addstr(sb, "行為者が");
		roles_phrase(sb, p, c->roles, c->role_at);
	}
	if (c->has_employment) {
		bool first = true;

		SEP();
		strbuf_addstr(sb, "身分が");
		for (unsigned i = 0; i < p->n_employment; i++)
			if ((c->employment >> i) & 1) {
				if (!first)
					strbuf_addstr(sb, "・");
				strbuf_addstr(sb, p->employment[i].name);
				first = false;
			}
	}
	if (c->section != SECTION_ANY) {
		SEP();
		strbuf_addstr(sb, c->section == SECTION_SAME ? "行為者が所管課等の職員"
		                                             : "行為者が所管課等以外の職員");
	}
	ctx_conds_phrase(sb, p, c, &any);
	rec_conds_phrase(sb, c, reg, &any);
	if (c->has_states) {
		SEP();
		strbuf_addstr(sb, "状態が");
		for (unsigned v = 0; v < c->n_states; v++)
			strbuf_addf(sb, "%s%s", v ? "・" : "", c->states[v]);
	}
	if (!any)
		strbuf_addstr(sb, "常に");
#undef SEP
}

static void actions_phrase(struct strbuf *sb, const struct profile *p, const struct policy_rule *r)
{
	const struct policy_register *last = NULL;

	for (unsigned i = 0; i < p->n_actions; i++) {
		const struct policy_action *a = p->actions[i];

		if (!policy_rule_on(r, a))
			continue;
		if (a->reg != last) {
			if (last)
				strbuf_addstr(sb, "／");
			strbuf_addf(sb, "%s：", a->reg->name);
			last = a->reg;
		} else {
			strbuf_addstr(sb, "・");
		}
		strbuf_addstr(sb, a->name);
	}
}

static void role_ref_phrase(struct strbuf *sb, const struct policy_role_ref *ref)
{
	strbuf_addstr(sb, ref->role->name);
	strbuf_addstr(sb, at_phrase(ref->role, ref->at));
}

void policy_obligation_phrase(struct strbuf *sb, const struct policy_obligation *o)
{
	switch (o->kind) {
	case OBLIGATION_RECORD:
		strbuf_addstr(sb, "記録する事項：");
		for (unsigned i = 0; i < o->n_items; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "",
			            o->item_names ? o->item_names[i] : o->items[i]);
		break;
	case OBLIGATION_DISPOSE:
		strbuf_addstr(sb, "廃棄の方法：");
		for (unsigned i = 0; i < o->n_items; i++)
			strbuf_addf(sb, "%s%s", i ? "・" : "", o->items[i]);
		break;
	case OBLIGATION_WITNESS:
		strbuf_addstr(sb, "立会い：");
		role_ref_phrase(sb, &o->role);
		strbuf_addstr(sb, "（行為者以外の者）");
		break;
	case OBLIGATION_ENCRYPT:
		strbuf_addstr(sb, "暗号化すること");
		break;
	case OBLIGATION_MEASURES:
		strbuf_addstr(sb, "必要な措置：");
		for (unsigned i = 0; i < o->n_items; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "", o->items[i]);
		break;
	case OBLIGATION_NOTIFY:
		strbuf_addstr(sb, "報告・通知先：");
		role_ref_phrase(sb, &o->role);
		break;
	case OBLIGATION_NOTE:
		strbuf_addstr(sb, o->text);
		break;
	}
	for (unsigned i = 0; i < o->clauses.nr; i++)
		strbuf_addf(sb, "%s%s", i ? "・" : "（", o->clauses.items[i]->id);
	if (o->clauses.nr)
		strbuf_addstr(sb, "）");
}

void policy_rule_phrase(struct strbuf *sb, const struct profile *p, const struct policy_rule *r)
{
	const struct rule_priv *rp = &p->priv->rule_priv[r->index];
	const struct policy_register *reg = NULL;

	strbuf_addf(sb, "規則 %s：", r->id);
	actions_phrase(sb, p, r);
	strbuf_addstr(sb, " — ");
	for (unsigned i = 0; i < p->n_actions && !reg; i++)
		if (policy_rule_on(r, p->actions[i]))
			reg = p->actions[i]->reg;
	cond_phrase(sb, p, &rp->when, reg);
	if (rp->unless.present) {
		strbuf_addstr(sb, "（ただし ");
		cond_phrase(sb, p, &rp->unless, reg);
		strbuf_addstr(sb, " の場合を除く）");
	}
	switch (r->effect) {
	case EFFECT_ALLOW:
		strbuf_addstr(sb, " → 許可");
		break;
	case EFFECT_DENY:
		strbuf_addstr(sb, " → 禁止");
		break;
	case EFFECT_APPROVAL:
		strbuf_addstr(sb, " → 事前に");
		for (unsigned i = 0; i < r->n_approvers; i++) {
			if (i)
				strbuf_addstr(sb, "及び");
			role_ref_phrase(sb, &r->approvers[i]);
		}
		strbuf_addstr(sb, "の承認が必要");
		break;
	case EFFECT_NONE:
		strbuf_addstr(sb, " → 義務のみを課す");
		break;
	}
	for (unsigned i = 0; i < r->n_obligations; i++) {
		strbuf_addstr(sb, i ? "／" : "。義務：");
		policy_obligation_phrase(sb, &r->obligations[i]);
	}
	if (r->note)
		strbuf_addf(sb, "（%s）", r->note);
}

static void field_phrase(struct strbuf *sb, const char *owner, const struct policy_field *f)
{
	strbuf_addf(sb, "記録項目 %s「%s」（%s%s）", owner, f->name,
	            policy_field_type_name(f->type), f->required ? "・必須" : "");
}

static void duration_phrase(struct strbuf *sb, int64_t s)
{
	if (s % (365 * 86400) == 0)
		strbuf_addf(sb, "%lld年", (long long)(s / (365 * 86400)));
	else if (s % (7 * 86400) == 0)
		strbuf_addf(sb, "%lld週", (long long)(s / (7 * 86400)));
	else if (s % 86400 == 0)
		strbuf_addf(sb, "%lld日", (long long)(s / 86400));
	else if (s % 3600 == 0)
		strbuf_addf(sb, "%lld時間", (long long)(s / 3600));
	else
		strbuf_addf(sb, "%lld秒", (long long)s);
}

/* A duty: who, how often, what evidence fulfils it. */
static void duty_phrase(struct strbuf *sb, const struct policy_duty *d)
{
	strbuf_addf(sb, "定期業務「%s」：%s が ", d->name, d->role->name);
	duration_phrase(sb, d->every_seconds);
	strbuf_addf(sb, "ごとに実施、証跡は「%s：%s」", d->evidence->reg->name, d->evidence->name);
	for (unsigned i = 0; i < d->n_evidence_values; i++) {
		const struct policy_evidence_value *ev = &d->evidence_values[i];

		strbuf_addf(sb, "%s%s＝", i ? "、" : "（", ev->field->name);
		for (unsigned k = 0; k < ev->n_values; k++)
			strbuf_addf(sb, "%s%s", k ? "又は" : "", ev->values[k]);
	}
	if (d->n_evidence_values)
		strbuf_addstr(sb, "）");
	if (d->evidence_at_record)
		strbuf_addf(sb, "（%sが担当する記録のもの）", d->role->name);
	if (d->note)
		strbuf_addf(sb, "（%s）", d->note);
}

/* A separation constraint, by its kind. */
static void separation_phrase(struct strbuf *sb, const struct policy_separation *s)
{
	strbuf_addf(sb, "職務の分離「%s」：", s->id);
	switch (s->kind) {
	case SEP_APPLICANT_NOT_APPROVER:
		strbuf_addstr(sb, "申請者と承認者は同一人としない");
		break;
	case SEP_DISTINCT_PERSONS:
		strbuf_addstr(sb, "次の者は別人とする：");
		for (unsigned i = 0; i < s->n_fields; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "", s->fields[i]->name);
		break;
	case SEP_EXCLUSIVE_ROLES:
		strbuf_addstr(sb, "次の役割は兼ねない：");
		for (unsigned i = 0; i < s->n_roles; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "", s->roles[i]->name);
		break;
	case SEP_INDEPENDENT:
		for (unsigned i = 0; i < s->n_fields; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "", s->fields[i]->name);
		strbuf_addstr(sb, "は、次に属さず、その役割も持たない：");
		for (unsigned i = 0; i < s->n_of; i++)
			strbuf_addf(sb, "%s%s", i ? "、" : "", s->of[i]->name);
		break;
	case SEP_AT_LEAST:
		strbuf_addf(sb, "%sは%lld人以上とする（", s->fields[0]->name, (long long)s->count);
		for (unsigned i = 0; i < s->n_of; i++)
			strbuf_addf(sb, "%s%s", i ? "・" : "", s->of[i]->name);
		strbuf_addstr(sb, "ごと");
		if (s->only) {
			strbuf_addf(sb, "。%sが", s->only->name);
			for (unsigned i = 0; i < s->n_only_values; i++)
				strbuf_addf(sb, "%s%s", i ? "・" : "", s->only_values[i]);
			strbuf_addstr(sb, "のもの");
		}
		strbuf_addstr(sb, "）");
		break;
	}
	if (s->note)
		strbuf_addf(sb, "（%s）", s->note);
}

/* An action and what it records. */
static void action_phrase(struct strbuf *sb, const struct policy_action *a)
{
	strbuf_addf(sb, "手続「%s：%s」（%s）", a->reg->name, a->name, a->full_name);
	if (a->n_fields) {
		strbuf_addstr(sb, " 記録する事項：");
		for (unsigned i = 0; i < a->n_fields; i++)
			strbuf_addf(sb, "%s%s%s", i ? "、" : "", a->fields[i].name,
			            a->fields[i].required ? "（必須）" : "");
	}
}

/* A role, who holds it and its deputy. */
static void role_phrase(struct strbuf *sb, const struct policy_role *r)
{
	strbuf_addf(sb, "役割「%s」", r->name);
	if (r->holder)
		strbuf_addf(sb, "：%s", r->holder);
	if (r->deputy)
		strbuf_addf(sb, "（事故あるときは%sが代理）", r->deputy->name);
}

/* How long a register is kept. */
static void retention_phrase(struct strbuf *sb, const struct policy_retention *r)
{
	strbuf_addf(sb, "保存期間「%s」：", r->reg->name);
	duration_phrase(sb, r->keep_seconds);
	if (r->note)
		strbuf_addf(sb, "（%s）", r->note);
}

/* A deadline of the incidents section. */
static void deadline_phrase(struct strbuf *sb, const struct policy_incident_deadline *dl)
{
	strbuf_addf(sb, "期限「%s」：発見から", dl->name);
	duration_phrase(sb, dl->within_seconds);
	if (dl->longer_if) {
		strbuf_addf(sb, "（%sの場合は",
		            dl->longer_if->name ? dl->longer_if->name : dl->longer_if->id);
		duration_phrase(sb, dl->longer_seconds);
		strbuf_addstr(sb, "）");
	}
	if (dl->reportable_only)
		strbuf_addstr(sb, "。法令上の報告対象の事態に限る");
}

void policy_carrier_phrase(struct strbuf *sb, const struct profile *p,
                           const struct policy_carrier *c)
{
	switch (c->kind) {
	case CARRIER_RULE:
		policy_rule_phrase(sb, p, c->obj);
		break;
	case CARRIER_REGISTER: {
		const struct policy_register *r = c->obj;

		strbuf_addf(sb, "記録簿「%s」（%s）", r->name, r->id);
		break;
	}
	case CARRIER_FIELD: {
		const char *dot = strchr(c->name, ' ');
		const struct policy_field *f = c->obj;

		field_phrase(sb, dot ? dot + 1 : c->name, f);
		break;
	}
	case CARRIER_ACTION:
		action_phrase(sb, c->obj);
		break;
	case CARRIER_DUTY:
		duty_phrase(sb, c->obj);
		break;
	case CARRIER_SEPARATION:
		separation_phrase(sb, c->obj);
		break;
	case CARRIER_ROLE:
		role_phrase(sb, c->obj);
		break;
	case CARRIER_LEVEL: {
		const struct policy_level *l = c->obj;

		strbuf_addf(sb, "分類「%s」", l->name);
		if (l->definition)
			strbuf_addf(sb, "：%s", l->definition);
		break;
	}
	case CARRIER_VALUE: {
		const struct policy_field *f = c->obj;
		const char *eq = strrchr(c->name, '=');

		strbuf_addf(sb, "項目「%s」の値「%s」", f->name, eq ? eq + 1 : "");
		if (f->type == FIELD_SET && f->all_values)
			strbuf_addstr(sb, "（すべての値を必須とする）");
		break;
	}
	case CARRIER_RETENTION:
		retention_phrase(sb, c->obj);
		break;
	case CARRIER_DEADLINE:
		deadline_phrase(sb, c->obj);
		break;
	case CARRIER_INCIDENTS:
		strbuf_addstr(sb, strstr(c->name, "detect")
		                      ? "警告からのインシデントの自動起票"
		                      : "報告対象の事態の判定（個人情報保護法施行規則第43条）");
		break;
	case CARRIER_THREAT:
		strbuf_addf(sb, "リスクの評価の脅威「%s」（脅威ごとにリスクを評価し記録する）",
		            ((const struct policy_threat *)c->obj)->name);
		break;
	case CARRIER_LOG_RULE:
	case CARRIER_FIM: {
		const char *sp = strchr(c->name, ' ');

		strbuf_addf(sb, "%s「%s」",
		            c->kind == CARRIER_FIM ? "改ざん検知" : "ログ分析の規則",
		            sp ? sp + 1 : c->name);
		break;
	}
	}
}
