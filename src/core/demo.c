/* demo: a realistic demo ward for any profile, built entirely through the door. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "core/act.h"
#include "core/core.h"
#include "core/decide-input.h"
#include "core/demo-internal.h"
#include "core/incident.h"
#include "core/org.h"
#include "core/records.h"
#include "core/requests.h"
#include "core/setup.h"
#include "policy/policy.h"

/*
 * The demo ward. Everything below is data; demo_build feeds it through the door as the
 * administrator and the demo staff would, so the ledger holds the whole history and every
 * decision the profile made while the ward was built.
 */
struct demo_section {
	const char *id, *name, *parent;
};
static const struct demo_section demo_sections[] = {
	{ "somubu", "総務部", NULL },
	{ "kuminbu", "区民部", NULL },
	{ "hokenfukushibu", "保健福祉部", NULL },
	{ "somu", "総務課", "somubu" },
	{ "johoseisaku", "情報政策課", "somubu" },
	{ "bosai", "防災課", "somubu" },
	{ "kumin", "区民課", "kuminbu" },
	{ "zeimu", "税務課", "kuminbu" },
	{ "hoken", "保険年金課", "kuminbu" },
	{ "fukushi", "福祉課", "hokenfukushibu" },
	{ "kodomo", "子ども家庭課", "hokenfukushibu" },
	{ "hokenjo", "保健所", "hokenfukushibu" },
	{ "kaikei", "会計室", NULL },
};

struct demo_system {
	const char *id, *name, *section;
};
static const struct demo_system demo_systems[] = {
	{ "lan", "庁内ネットワーク（主要なネットワーク）", "johoseisaku" },
	{ "groupware", "グループウェア・電子メール", "johoseisaku" },
	{ "jyuki", "住民記録システム", "kumin" },
	{ "zeimu-sys", "税務システム", "zeimu" },
	{ "kokuho", "国民健康保険システム", "hoken" },
	{ "fukushi-sys", "福祉総合システム", "fukushi" },
	{ "kenko", "健康管理システム", "hokenjo" },
};

/*
 * People. kind: H = 課長 (head of section), B = 部長, V = 副区長, S = staff,
 * P = 非常勤職員, C = 受託事業者 (contractor), D = 派遣労働者.
 */
struct demo_person {
	const char *login, *name, *section;
	char kind;
};
static const struct demo_person demo_people[] = {
	{ "fukukucho", "高橋 修", "somubu", 'V' },
	{ "somubucho", "伊藤 直樹", "somubu", 'B' },
	{ "kuminbucho", "山本 恵子", "kuminbu", 'B' },
	{ "fukushibucho", "中村 健一", "hokenfukushibu", 'B' },
	{ "somu-kacho", "小林 誠", "somu", 'H' },
	{ "somu-1", "加藤 美咲", "somu", 'S' },
	{ "somu-2", "吉田 大輔", "somu", 'S' },
	{ "joho-kacho", "渡辺 浩", "johoseisaku", 'H' },
	{ "joho-1", "山田 拓也", "johoseisaku", 'S' },
	{ "joho-2", "佐々木 彩", "johoseisaku", 'S' },
	{ "joho-3", "松本 翔", "johoseisaku", 'S' },
	{ "joho-itaku", "井上 正人", "johoseisaku", 'C' },
	{ "bosai-kacho", "木村 隆", "bosai", 'H' },
	{ "bosai-1", "林 由美", "bosai", 'S' },
	{ "kumin-kacho", "斎藤 裕子", "kumin", 'H' },
	{ "kumin-1", "清水 亮", "kumin", 'S' },
	{ "kumin-2", "山口 真由美", "kumin", 'S' },
	{ "kumin-p1", "森 和子", "kumin", 'P' },
	{ "zeimu-kacho", "池田 勝", "zeimu", 'H' },
	{ "zeimu-1", "橋本 聡", "zeimu", 'S' },
	{ "zeimu-2", "阿部 奈緒", "zeimu", 'S' },
	{ "zeimu-p1", "石川 紀子", "zeimu", 'P' },
	{ "hoken-kacho", "山下 博", "hoken", 'H' },
	{ "hoken-1", "中島 理恵", "hoken", 'S' },
	{ "hoken-2", "石井 悠", "hoken", 'S' },
	{ "hoken-haken", "小川 翼", "hoken", 'D' },
	{ "fukushi-kacho", "前田 昌子", "fukushi", 'H' },
	{ "fukushi-1", "岡田 慎也", "fukushi", 'S' },
	{ "fukushi-p1", "長谷川 早苗", "fukushi", 'P' },
	{ "kodomo-kacho", "藤田 敏行", "kodomo", 'H' },
	{ "kodomo-1", "後藤 千尋", "kodomo", 'S' },
	{ "kodomo-2", "近藤 陽介", "kodomo", 'S' },
	{ "hokenjo-kacho", "村上 純一", "hokenjo", 'H' },
	{ "hokenjo-1", "遠藤 明美", "hokenjo", 'S' },
	{ "hokenjo-2", "青木 俊介", "hokenjo", 'S' },
	{ "hokenjo-p1", "坂本 典子", "hokenjo", 'P' },
	{ "kaikei-kacho", "福田 茂", "kaikei", 'H' },
	{ "kaikei-1", "西村 麻衣", "kaikei", 'S' },
	{ "kanri-itaku", "太田 剛", "kumin", 'C' },
	{ "taishoku-1", "藤井 和夫", "somu", 'S' },
};

/* Records to create per register (others get DEMO_OTHER each). */
struct demo_count {
	const char *reg;
	int n;
};
static const struct demo_count demo_counts[] = {
	{ "asset", 64 },    { "media", 22 },    { "iodata", 14 }, { "device", 20 },
	{ "software", 12 }, { "network", 3 },   { "system", 7 },  { "user", 6 },
	{ "area", 3 },      { "exception", 3 }, { "fim", 0 }, /* baselines are made by 'mamori fim'
	                                                         only, with real digests */
	{ "incident", 0 }, /* the demo's cases are told as stories (demo_incidents) */
};
#define DEMO_OTHER 3

uint32_t demo_next_rand(struct demo *m)
{
	/* xorshift32: a fixed seed makes the demo the same every time. */
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 17;
	m->rnd ^= m->rnd << 5;
	return m->rnd;
}

bool demo_has_role(const struct profile *p, const char *id)
{
	return policy_role(p, id) != NULL;
}

static const char *const *work_sections(size_t *ret_n)
{
	static const char *ids[ARRAY_SIZE(demo_sections)];
	static size_t n;

	if (!n)
		for (size_t i = 0; i < ARRAY_SIZE(demo_sections); i++)
			if (demo_sections[i].parent || !strcmp(demo_sections[i].id, "kaikei"))
				ids[n++] = demo_sections[i].id;
	*ret_n = n;
	return ids;
}

static int run(struct demo *m, struct act_input *in, struct act_result *res)
{
	int r;

	in->ctx = m->ctx;
	r = act_run(m->d, in, res, m->err);
	if (r < 0)
		return r;
	switch (res->outcome) {
	case ACT_DONE:
		m->done++;
		break;
	case ACT_PENDING:
		m->pending++;
		break;
	case ACT_REFUSED:
		m->refused++;
		break;
	}
	return 0;
}

/* An organization act by the administrator that must be done. */
int demo_admin_act(struct demo *m, enum act_kind kind, const char *target, const struct act_attr *f,
                   size_t nf, const char *secret)
{
	struct act_input in = { .kind = kind, .actor = "admin", .target = target };
	struct act_result res = ACT_RESULT_INIT;
	int r;

	in.fields = f;
	in.n_fields = nf;
	in.secret = secret;
	r = run(m, &in, &res);
	if (r == 0 && res.outcome != ACT_DONE) {
		error_set(m->err, "demo: %s %s was refused: %s", act_kind_action(kind), target,
		          res.message);
		r = -EPERM;
	}
	act_result_release(&res);
	return r;
}

static int grant(struct demo *m, const char *login, const char *role, const char *scope)
{
	struct strbuf rs = STRBUF_INIT;
	int r;

	if (!demo_has_role(m->p, role))
		return 0;
	strbuf_addf(&rs, "%s@%s", role, scope);
	{
		struct act_attr f[] = { { "role", rs.buf } };
		r = demo_admin_act(m, ACT_ROLE_GRANT, login, f, 1, NULL);
	}
	strbuf_release(&rs);
	return r;
}

static const char *employment_of(char kind)
{
	switch (kind) {
	case 'P':
		return "非常勤職員";
	case 'C':
		return "受託事業者";
	case 'D':
		return "派遣労働者";
	default:
		return "職員";
	}
}

static const char *head_of(const char *section)
{
	for (size_t i = 0; i < ARRAY_SIZE(demo_people); i++)
		if (demo_people[i].kind == 'H' && !strcmp(demo_people[i].section, section))
			return demo_people[i].login;
	return NULL;
}

static const char *staff_of(const char *section, unsigned n)
{
	unsigned seen = 0;

	for (size_t i = 0; i < ARRAY_SIZE(demo_people); i++)
		if (demo_people[i].kind == 'S' && !strcmp(demo_people[i].section, section) &&
		    strcmp(demo_people[i].login, "taishoku-1"))
			if (seen++ == n)
				return demo_people[i].login;
	return head_of(section);
}

/* ---- the organization -------------------------------------------------------------------- */

/* Demo people's addresses: a reserved domain (RFC 2606), so no mail leaves by mistake. */
#define DEMO_MAIL_DOMAIN "mamori-demo.example"

/* 職名 as offices write it: 税務課長, 総務部長, 副区長; staff have none in the demo. */
static char *demo_title(const struct demo_person *pp)
{
	if (pp->kind == 'V')
		return xstrdup("副区長");
	if (pp->kind != 'H' && pp->kind != 'B')
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(demo_sections); i++)
		if (!strcmp(demo_sections[i].id, pp->section))
			return xstrfmt("%s長", demo_sections[i].name);
	return NULL;
}

/* The demo ward's sections, systems and people, each person with a password for logins. */
static int org_units(struct demo *m, struct table *logins)
{
	struct password_policy pol = PASSWORD_POLICY_INIT(NULL);
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(demo_sections) && r == 0; i++) {
		struct act_attr f[] = { { "name", demo_sections[i].name },
			                { "parent", demo_sections[i].parent } };
		r = demo_admin_act(m, ACT_SECTION_ADD, demo_sections[i].id, f,
		                   demo_sections[i].parent ? 2 : 1, NULL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(demo_systems) && r == 0; i++) {
		struct act_attr f[] = { { "name", demo_systems[i].name },
			                { "section", demo_systems[i].section } };
		r = demo_admin_act(m, ACT_SYSTEM_ADD, demo_systems[i].id, f, 2, NULL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(demo_people) && r == 0; i++) {
		const struct demo_person *pp = &demo_people[i];
		char pw[PASSWORD_GENERATED_SIZE];
		_cleanup_free_ char *title = demo_title(pp);
		_cleanup_free_ char *email = xstrfmt("%s@%s", pp->login, DEMO_MAIL_DOMAIN);
		struct act_attr f[] = { { "name", pp->name },
			                { "section", pp->section },
			                { "employment", employment_of(pp->kind) },
			                { "email", email },
			                { "title", title } };
		if (password_generate(&pol, pp->login, pp->name, pw) < 0) {
			error_set(m->err, "demo: cannot generate a password");
			return -EAGAIN;
		}
		r = demo_admin_act(m, ACT_USER_ADD, pp->login, f, title ? 5 : 4, pw);
		table_add(logins, (const char *[]){ pp->login, pp->name, pp->section,
		                                    employment_of(pp->kind), pw });
		sodium_memzero(pw, sizeof(pw));
	}
	return r;
}

/*
 * The ward's own roles, granted in this order after the sections' and systems': who (login),
 * which role, and where (scope: org, or section:ID).
 */
static const struct demo_grant {
	const char *login, *role, *scope;
} ward_roles[] = {
	{ "joho-kacho", "system_chief", "org" },
	{ "fukukucho", "ciso", "org" },
	{ "somubucho", "deputy_ciso", "org" },
	{ "fukukucho", "council", "org" },
	{ "somubucho", "council", "org" },
	{ "kuminbucho", "council", "org" },
	{ "joho-2", "csirt", "org" },
	{ "kaikei-1", "auditor", "org" },
	{ "fukukucho", "investigator", "org" },
	{ "fukukucho", "cio", "org" },
	{ "fukukucho", "strategy_hq", "org" },
	{ "somubucho", "strategy_hq", "org" },
	{ "somubucho", "general_security_officer", "org" },
	{ "joho-1", "network_manager", "org" },
	{ "somu-2", "contracts_office", "org" },
	/* 代決: the 税務課長's named deputy approves while the 課長 is away (a ward's choice). */
	{ "zeimu-2", "deputy_security_officer", "section:zeimu" },
};

/* The demo ward's roles: each 課長, the systems' managers and operators, the ward's roles. */
static int org_roles(struct demo *m)
{
	bool minato = demo_has_role(m->p, "system_chief");
	int r = 0;

	/* Every 課長 is the security officer of their section (MIN-2-5-1; SHJ
	 * 情報セキュリティ責任者). */
	for (size_t i = 0; i < ARRAY_SIZE(demo_people) && r == 0; i++) {
		struct strbuf scope = STRBUF_INIT;
		if (demo_people[i].kind == 'H') {
			strbuf_addf(&scope, "section:%s", demo_people[i].section);
			r = grant(m, demo_people[i].login, "security_officer", scope.buf);
		}
		strbuf_release(&scope);
	}
	/*
	 * System administrators. Minato: the head of the installing section (2(4)①); the
	 * 情報政策課長 for its systems, besides being システム統括管理者 (2(3)①) — three roles at
	 * once. Shinjuku names no holder: the demo gives each system to a staff member of the
	 * installing section, and network_manager to a 情報政策課 staff member.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(demo_systems) && r == 0; i++) {
		struct strbuf scope = STRBUF_INIT;
		strbuf_addf(&scope, "system:%s", demo_systems[i].id);
		r = grant(m,
		          minato ? head_of(demo_systems[i].section)
		                 : staff_of(demo_systems[i].section, 0),
		          "system_manager", scope.buf);
		if (r == 0)
			r = grant(m, staff_of(demo_systems[i].section, minato ? 0 : 1), "operator",
			          scope.buf);
		if (r == 0)
			r = grant(m, staff_of(demo_systems[i].section, minato ? 1 : 0), "operator",
			          scope.buf);
		strbuf_release(&scope);
	}
	for (size_t i = 0; i < ARRAY_SIZE(ward_roles) && r == 0; i++)
		r = grant(m, ward_roles[i].login, ward_roles[i].role, ward_roles[i].scope);
	/* Permitted entrants of the server room: a section or a system scope, as the profile says.
	 */
	if (r == 0 && demo_has_role(m->p, "area_entrant")) {
		const char *scope = policy_role(m->p, "area_entrant")->scope == SCOPE_SYSTEM
		                        ? "system:lan"
		                        : "section:johoseisaku";
		r = grant(m, "joho-3", "area_entrant", scope);
		if (r == 0)
			r = grant(m, "joho-1", "area_entrant", scope);
	}
	return r;
}

static int build_org(struct demo *m, struct table *logins)
{
	int r = org_units(m, logins);

	return r ? r : org_roles(m);
}

/* ---- values for fields ------------------------------------------------------------------- */

static const char *system_of(const char *section, unsigned n)
{
	const char *found[ARRAY_SIZE(demo_systems)];
	unsigned k = 0;

	for (size_t i = 0; i < ARRAY_SIZE(demo_systems); i++)
		if (!section || !strcmp(demo_systems[i].section, section))
			found[k++] = demo_systems[i].id;
	if (!k)
		return demo_systems[n % ARRAY_SIZE(demo_systems)].id;
	return found[n % k];
}

/* ---- choosing who acts --------------------------------------------------------------------- */

/*
 * Who would the profile let do this? Asks policy_decide (pure) for each candidate, so the
 * demo does not fill the ledger with refusals it could have foreseen: the first allowed,
 * else the first whose act needs approval.
 */
const char *demo_choose_actor(struct demo *m, const struct policy_action *a,
                              const struct record *rec, const char *level, const char *section,
                              const char *system, const struct demo_filled *vals,
                              bool *ret_approval)
{
	const char *cands[ARRAY_SIZE(demo_people) + 4];
	const char *approval = NULL;
	size_t nc = 0;
	int64_t now = time_now_ms();

	for (unsigned k = 0; k < 2; k++)
		cands[nc++] = staff_of(section, k);
	cands[nc++] = head_of(section);
	for (size_t i = 0; i < ARRAY_SIZE(demo_people); i++)
		if (strcmp(demo_people[i].login, "taishoku-1"))
			cands[nc++] = demo_people[i].login;
	for (size_t c = 0; c < nc; c++) {
		struct org_user u = { 0 };
		struct strv roles = STRV_INIT;
		struct decide_input in;
		struct decision dec;
		bool decided;
		int r;

		if (!cands[c] || org_user_get(m->st, cands[c], &u, NULL) < 0)
			continue;
		r = org_user_roles(m->st, u.id, now, &roles, NULL);
		decide_input_init(&in, a->full_name);
		decide_input_subject(&in, u.login, (const char *const *)roles.items, roles.nr,
		                     u.section, u.employment);
		decide_input_resource(&in, a->reg->id, rec ? rec->id : 0, rec ? rec->state : NULL,
		                      level, section, system, NULL);
		for (size_t i = 0; i < vals->nr; i++)
			decide_input_field_add(&in, vals->items[i].key, vals->items[i].value);
		decided = r == 0 && policy_decide(m->p, &in.q, &dec, NULL) == 0;
		decide_input_release(&in);
		if (decided) {
			if (dec.effect == EFFECT_ALLOW) {
				strv_release(&roles);
				org_user_release(&u);
				*ret_approval = false;
				return cands[c];
			}
			if (dec.effect == EFFECT_APPROVAL && !approval)
				approval = cands[c];
		}
		strv_release(&roles);
		org_user_release(&u);
	}
	*ret_approval = approval != NULL;
	return approval;
}

/* Decides the fate of a pending request: most are approved, some rejected, some left. */
static int settle(struct demo *m, int64_t request_id, const char *applicant)
{
	struct request q = { 0 };
	uint32_t dice = demo_next_rand(m) % 10;
	int r = 0;

	if (dice >= 8)
		return 0; /* left pending, for people to find in 'request list --to-approve' */
	r = request_get(m->st, request_id, &q, m->err);
	for (size_t i = 0; r == 0 && i < q.n_slots; i++) {
		int64_t *ids = NULL;
		size_t nr = 0;
		const char *approver = NULL;
		struct org_user u = { 0 };

		if (q.slots[i].needs_exception)
			break;
		r = org_holders(m->st, q.slots[i].role, q.slots[i].scope, time_now_ms(), &ids, &nr,
		                m->err);
		for (size_t k = 0; r == 0 && k < nr && !approver; k++) {
			if (ids[k] == q.applicant)
				continue;
			if (org_user_get_id(m->st, ids[k], &u, NULL) == 0)
				approver = u.login;
		}
		free(ids);
		if (approver) {
			struct act_input in = { .kind = dice == 7 ? ACT_REJECT : ACT_APPROVE,
				                .actor = approver,
				                .request_id = request_id };
			struct act_result res = ACT_RESULT_INIT;
			in.comment = dice == 7 ? "目的が不明確なため差し戻し" : "承認します";
			r = run(m, &in, &res);
			if (r == 0 && dice == 7)
				m->rejected++;
			else if (r == 0 && res.outcome != ACT_REFUSED)
				m->approved++;
			act_result_release(&res);
		}
		org_user_release(&u);
		if (dice == 7)
			break;
	}
	(void)applicant;
	request_release(&q);
	return r;
}

static int count_for(const struct policy_register *reg)
{
	for (size_t i = 0; i < ARRAY_SIZE(demo_counts); i++)
		if (!strcmp(demo_counts[i].reg, reg->id))
			return demo_counts[i].n;
	return DEMO_OTHER;
}

const struct policy_action *demo_create_action(const struct policy_register *reg)
{
	for (unsigned i = 0; i < reg->n_actions; i++)
		if (reg->actions[i]->create)
			return reg->actions[i];
	return NULL;
}

static bool needs_missing_ref(struct demo *m, const struct policy_register *reg)
{
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].type == FIELD_REF && reg->fields[i].required &&
		    (!reg->fields[i].ref || !m->nids[reg->fields[i].ref->index]))
			return true;
	return false;
}

/* Whether the demo creates records of register reg with its create action a. */
static bool demo_creates(const struct demo *m, const struct policy_register *reg,
                         const struct policy_action *a)
{
	/* findings are their audit team's (actor_in); an audit's team must be independent of
	 * what it audits: the one audit the demo shows is showcase_openings'. A risk's values are
	 * Mamori's (core/risk.h): the demo does not write them by hand. */
	if (!a || a->actor_in_ref || reg == m->p->risk.reg)
		return false;
	/* a self-inspection's answers belong to its section's open inspection (same_section,
	 * ref_states): they follow a round, which the demo does not answer */
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].same_section || reg->fields[i].n_ref_states)
			return false;
	/* a policy review names a draft version of the profile: the demo drafts none */
	if (!strcmp(reg->id, "policy_review"))
		return false;
	for (unsigned i = 0; i < m->p->n_separation; i++)
		if (m->p->separation[i].kind == SEP_INDEPENDENT && m->p->separation[i].n_fields &&
		    m->p->separation[i].field_regs[0] == reg)
			return false;
	return true;
}

static int create_records(struct demo *m, const struct policy_register *reg)
{
	const struct policy_action *a = demo_create_action(reg);
	const struct policy_field *level_f = NULL, *section_f = NULL;
	size_t nsec;
	const char *const *secs = work_sections(&nsec);
	int want = count_for(reg), r = 0;

	if (!demo_creates(m, reg, a))
		return 0;
	for (unsigned i = 0; i < reg->n_fields; i++) {
		if (reg->fields[i].type == FIELD_LEVEL && !level_f)
			level_f = &reg->fields[i];
		if (reg->fields[i].type == FIELD_SECTION && !section_f)
			section_f = &reg->fields[i];
	}
	for (int n = 0; n < want && r == 0; n++) {
		const char *section = secs[(unsigned)(n * 7 + reg->index) % nsec];
		const char *system = system_of(section, (unsigned)n);
		struct demo_filled vals = { 0 };
		unsigned slot = 0;
		bool approval = false;
		const char *actor;
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;

		if (!strcmp(reg->id, "system") || !strcmp(reg->id, "network")) {
			section = demo_systems[(unsigned)n % ARRAY_SIZE(demo_systems)].section;
			system = demo_systems[(unsigned)n % ARRAY_SIZE(demo_systems)].id;
		} else if (demo_asset(reg, (unsigned)n)) {
			section = demo_asset(reg, (unsigned)n)->section;
			system = system_of(section, (unsigned)n);
		}
		demo_fill_fields(m, reg, reg->fields, reg->n_fields, (unsigned)n, section, system,
		                 &vals, &slot);
		demo_fill_fields(m, reg, a->fields, a->n_fields, (unsigned)n, section, system,
		                 &vals, &slot);
		actor = demo_choose_actor(m, a, NULL,
		                          level_f ? demo_fill_get(&vals, level_f->id) : NULL,
		                          section_f ? demo_fill_get(&vals, section_f->id) : section,
		                          system, &vals, &approval);
		if (!actor) {
			demo_fill_drop_optional_enums(&vals, reg->fields, reg->n_fields);
			actor = demo_choose_actor(
			    m, a, NULL, level_f ? demo_fill_get(&vals, level_f->id) : NULL,
			    section_f ? demo_fill_get(&vals, section_f->id) : section, system,
			    &vals, &approval);
		}
		if (!actor) {
			m->skipped++;
			demo_fill_release(&vals);
			continue;
		}
		in.actor = actor;
		in.action = a->full_name;
		in.fields = vals.items;
		in.n_fields = vals.nr;
		if (!policy_register_field(reg, "system"))
			in.system = system;
		r = run(m, &in, &res);
		if (r == 0 && res.outcome == ACT_DONE) {
			m->ids[reg->index] = xreallocarray(
			    m->ids[reg->index], m->nids[reg->index] + 1, sizeof(int64_t));
			m->ids[reg->index][m->nids[reg->index]++] = res.record_id;
		} else if (r == 0 && res.outcome == ACT_PENDING) {
			r = settle(m, res.request_id, actor);
		}
		act_result_release(&res);
		demo_fill_release(&vals);
	}
	return r;
}

/* Some actions on the records: copies, take-outs, transports, disposals ... */
static int act_on_records(struct demo *m, const struct policy_register *reg)
{
	int r = 0;

	for (size_t k = 0; k < m->nids[reg->index] && r == 0; k += 2) {
		struct record rec = { 0 };
		const struct policy_action *a = NULL;
		/* read is not an act people take on the demo's records: it does not count either */
		unsigned n_acts = reg->n_actions - (policy_register_action(reg, "read") ? 1 : 0);
		unsigned pick = (unsigned)(demo_next_rand(m) % (n_acts ? n_acts : 1));
		struct demo_filled vals = { 0 };
		unsigned slot = 0;
		bool approval = false;
		const char *actor;
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;

		r = record_get(m->st, m->ids[reg->index][k], &rec, m->err);
		if (r < 0)
			break;
		/* an action that starts from the record's state, not a creation, not a read */
		for (unsigned t = 0; t < n_acts && !a; t++) {
			const struct policy_action *c = NULL;
			const struct policy_state *s = policy_register_state(reg, rec.state);
			for (unsigned i = 0, j = 0; i < reg->n_actions && !c; i++) {
				if (strcmp(reg->actions[i]->id, "read") &&
				    j++ == (pick + t) % n_acts)
					c = reg->actions[i];
			}
			if (!c || c->create)
				continue;
			if (c->from && (!s || !(c->from & (1ULL << s->index))))
				continue;
			a = c;
		}
		if (!a) {
			record_release(&rec);
			continue;
		}
		demo_fill_fields(m, reg, a->fields, a->n_fields, (unsigned)k,
		                 rec.section ? rec.section : "somu",
		                 rec.system ? rec.system : system_of(rec.section, 0), &vals, &slot);
		actor = demo_choose_actor(m, a, &rec, rec.level, rec.section ? rec.section : "somu",
		                          rec.system, &vals, &approval);
		if (actor) {
			in.actor = actor;
			in.record_id = rec.id;
			in.action = a->full_name;
			in.fields = vals.items;
			in.n_fields = vals.nr;
			r = run(m, &in, &res);
			if (r == 0 && res.outcome == ACT_PENDING)
				r = settle(m, res.request_id, actor);
		}
		act_result_release(&res);
		demo_fill_release(&vals);
		record_release(&rec);
	}
	return r;
}

int demo_build(struct door *d, struct strbuf *out, struct strbuf *err)
{
	return demo_build_say(d, out, NULL, err);
}

/* English when there is no say. */
static const char *__attribute__((format_arg(2))) said(setup_say_fn say, const char *msgid)
{
	return say ? say(msgid) : msgid;
}

int demo_build_say(struct door *d, struct strbuf *out, setup_say_fn say, struct strbuf *err)
{
	struct demo m = { 0 };
	struct table logins;
	int r;

	m.d = d;
	m.p = door_profile(d);
	m.st = door_store(d);
	m.err = err;
	m.rnd = 0x6d616d6f; /* "mamo" */
	m.ctx.via = "init";
	m.ctx.os_user = "demo";
	m.ids = xcalloc(m.p->n_registers + 1, sizeof(*m.ids));
	m.nids = xcalloc(m.p->n_registers + 1, sizeof(*m.nids));
	table_init(&logins, 5,
	           (const char *[]){ "LOGIN", "氏名", "所属", "雇用形態", said(say, "PASSWORD") });

	r = build_org(&m, &logins);
	/* Registers whose records others refer to first. */
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (unsigned i = 0; i < m.p->n_registers && r == 0; i++)
			if (needs_missing_ref(&m, &m.p->registers[i]) == (pass == 1) && !m.nids[i])
				r = create_records(&m, &m.p->registers[i]);
	for (unsigned i = 0; i < m.p->n_registers && r == 0; i++)
		r = act_on_records(&m, &m.p->registers[i]);
	if (r == 0)
		r = demo_showcase(&m);
	if (r == 0)
		r = demo_stories(&m);
	if (r == 0)
		r = demo_incidents(&m);
	if (r == 0) {
		size_t total = 0;
		for (unsigned i = 0; i < m.p->n_registers; i++)
			total += m.nids[i];
		strbuf_addf(
		    out,
		    said(say, "\ndemo ward: %zu sections, %zu systems, %zu people, %zu records; "
		              "acts: %d done, %d pending, %d refused (%d approved, %d rejected)\n"
		              "demo logins (passwords shown once):\n"),
		    ARRAY_SIZE(demo_sections), ARRAY_SIZE(demo_systems), ARRAY_SIZE(demo_people),
		    total, m.done, m.pending, m.refused, m.approved, m.rejected);
		table_render(&logins, out);
		strbuf_addstr(out,
		              said(say, "\ntry: mamori request list --to-approve --as zeimu-kacho\n"
		                        "     mamori record list asset --section zeimu\n"
		                        "     mamori ledger verify\n"));
	}
	for (unsigned i = 0; i < m.p->n_registers; i++)
		free(m.ids[i]);
	free(m.ids);
	free(m.nids);
	/* The table held the passwords: wipe its cells before freeing. */
	for (size_t i = 0; i < logins.nrows * logins.ncols; i++)
		if (logins.cells[i])
			sodium_memzero(logins.cells[i], strlen(logins.cells[i]));
	table_release(&logins);
	return r;
}

/* ---- for the stories (demo-stories.c) ------------------------------------------------------ */

int demo_run(struct demo *m, struct act_input *in, struct act_result *res)
{
	return run(m, in, res);
}

const char *demo_head_of(const char *section)
{
	return head_of(section);
}

const char *demo_staff_of(const char *section, unsigned n)
{
	return staff_of(section, n);
}
