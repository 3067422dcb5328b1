/* demo-org: the demo ward's sections, systems and people, their roles, and who of them acts. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "auth/password.h"
#include "base/cleanup.h"
#include "base/table.h"
#include "base/timeutil.h"
#include "core/decide-input.h"
#include "core/demo-internal.h"
#include "core/org.h"
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

const char *const *demo_work_sections(size_t *ret_n)
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

int demo_build_org(struct demo *m, struct table *logins)
{
	int r = org_units(m, logins);

	return r ? r : org_roles(m);
}

/* ---- values for fields ------------------------------------------------------------------- */

const char *demo_system_of(const char *section, unsigned n)
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

const char *demo_system_nth(unsigned n, const char **ret_section)
{
	*ret_section = demo_systems[n % ARRAY_SIZE(demo_systems)].section;
	return demo_systems[n % ARRAY_SIZE(demo_systems)].id;
}

void demo_org_size(size_t *ret_sections, size_t *ret_systems, size_t *ret_people)
{
	*ret_sections = ARRAY_SIZE(demo_sections);
	*ret_systems = ARRAY_SIZE(demo_systems);
	*ret_people = ARRAY_SIZE(demo_people);
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

const char *demo_head_of(const char *section)
{
	return head_of(section);
}

const char *demo_staff_of(const char *section, unsigned n)
{
	return staff_of(section, n);
}
