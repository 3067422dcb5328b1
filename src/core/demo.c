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

/*
 * The demo 目録: what a ward's sections really hold, each with its owner and how protected it
 * is (rank 0 = the most protected level of the profile, 1 the next, 2 the least; a profile with
 * fewer levels folds the ranks onto its last one: Shinjuku's Ⅰ/Ⅱ).
 */
struct demo_asset {
	const char *title, *section;
	unsigned rank;
};
static const struct demo_asset demo_assets[] = {
	{ "住民基本台帳", "kumin", 0 },
	{ "戸籍の附票", "kumin", 0 },
	{ "印鑑登録原票", "kumin", 0 },
	{ "窓口受付簿", "kumin", 1 },
	{ "住民税課税台帳", "zeimu", 0 },
	{ "固定資産課税台帳", "zeimu", 0 },
	{ "滞納整理記録", "zeimu", 0 },
	{ "税務統計資料", "zeimu", 2 },
	{ "国民健康保険被保険者台帳", "hoken", 0 },
	{ "国民年金記録", "hoken", 0 },
	{ "保険料収納状況", "hoken", 1 },
	{ "生活保護ケース記録", "fukushi", 0 },
	{ "介護保険認定記録", "fukushi", 0 },
	{ "福祉施設一覧", "fukushi", 2 },
	{ "児童手当支給台帳", "kodomo", 0 },
	{ "保育所入所選考資料", "kodomo", 0 },
	{ "子育て講座案内", "kodomo", 2 },
	{ "健康診断結果", "hokenjo", 0 },
	{ "感染症発生届", "hokenjo", 0 },
	{ "食品衛生監視計画", "hokenjo", 1 },
	{ "職員名簿", "somu", 0 },
	{ "庁内会議録", "somu", 1 },
	{ "区報原稿", "somu", 2 },
	{ "システム設定情報", "johoseisaku", 0 },
	{ "ネットワーク構成図", "johoseisaku", 0 },
	{ "情報化推進計画", "johoseisaku", 2 },
	{ "避難行動要支援者名簿", "bosai", 0 },
	{ "災害対策本部運営要領", "bosai", 1 },
	{ "防災計画（公開版）", "bosai", 2 },
	{ "支払伝票", "kaikei", 0 },
	{ "契約台帳", "kaikei", 1 },
	{ "予算執行資料", "kaikei", 1 },
};

static const struct demo_asset *demo_asset(const struct policy_register *reg, unsigned n)
{
	return strcmp(reg->id, "asset") ? NULL : &demo_assets[n % ARRAY_SIZE(demo_assets)];
}

static uint32_t next_rand(struct demo *m)
{
	/* xorshift32: a fixed seed makes the demo the same every time. */
	m->rnd ^= m->rnd << 13;
	m->rnd ^= m->rnd >> 17;
	m->rnd ^= m->rnd << 5;
	return m->rnd;
}

static bool has_role(const struct profile *p, const char *id)
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
static int admin_act(struct demo *m, enum act_kind kind, const char *target,
                     const struct act_attr *f, size_t nf, const char *secret)
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

	if (!has_role(m->p, role))
		return 0;
	strbuf_addf(&rs, "%s@%s", role, scope);
	{
		struct act_attr f[] = { { "role", rs.buf } };
		r = admin_act(m, ACT_ROLE_GRANT, login, f, 1, NULL);
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

static int build_org(struct demo *m, struct table *logins)
{
	struct password_policy pol = PASSWORD_POLICY_INIT(NULL);
	bool minato = has_role(m->p, "system_chief");
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(demo_sections) && r == 0; i++) {
		struct act_attr f[] = { { "name", demo_sections[i].name },
			                { "parent", demo_sections[i].parent } };
		r = admin_act(m, ACT_SECTION_ADD, demo_sections[i].id, f,
		              demo_sections[i].parent ? 2 : 1, NULL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(demo_systems) && r == 0; i++) {
		struct act_attr f[] = { { "name", demo_systems[i].name },
			                { "section", demo_systems[i].section } };
		r = admin_act(m, ACT_SYSTEM_ADD, demo_systems[i].id, f, 2, NULL);
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
		r = admin_act(m, ACT_USER_ADD, pp->login, f, title ? 5 : 4, pw);
		table_add(logins, (const char *[]){ pp->login, pp->name, pp->section,
		                                    employment_of(pp->kind), pw });
		sodium_memzero(pw, sizeof(pw));
	}
	if (r < 0)
		return r;

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
	if (r == 0)
		r = grant(m, "joho-kacho", "system_chief", "org");
	if (r == 0)
		r = grant(m, "fukukucho", "ciso", "org");
	if (r == 0)
		r = grant(m, "somubucho", "deputy_ciso", "org");
	if (r == 0)
		r = grant(m, "fukukucho", "council", "org");
	if (r == 0)
		r = grant(m, "somubucho", "council", "org");
	if (r == 0)
		r = grant(m, "kuminbucho", "council", "org");
	if (r == 0)
		r = grant(m, "joho-2", "csirt", "org");
	if (r == 0)
		r = grant(m, "kaikei-1", "auditor", "org");
	if (r == 0)
		r = grant(m, "fukukucho", "investigator", "org");
	if (r == 0)
		r = grant(m, "fukukucho", "cio", "org");
	if (r == 0)
		r = grant(m, "fukukucho", "strategy_hq", "org");
	if (r == 0)
		r = grant(m, "somubucho", "strategy_hq", "org");
	if (r == 0)
		r = grant(m, "somubucho", "general_security_officer", "org");
	if (r == 0)
		r = grant(m, "joho-1", "network_manager", "org");
	if (r == 0)
		r = grant(m, "somu-2", "contracts_office", "org");
	/* 代決: the 税務課長's named deputy approves while the 課長 is away (a ward's choice). */
	if (r == 0)
		r = grant(m, "zeimu-2", "deputy_security_officer", "section:zeimu");
	/* Permitted entrants of the server room: a section or a system scope, as the profile says.
	 */
	if (r == 0 && has_role(m->p, "area_entrant")) {
		const char *scope = policy_role(m->p, "area_entrant")->scope == SCOPE_SYSTEM
		                        ? "system:lan"
		                        : "section:johoseisaku";
		r = grant(m, "joho-3", "area_entrant", scope);
		if (r == 0)
			r = grant(m, "joho-1", "area_entrant", scope);
	}
	return r;
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

struct filled {
	struct act_attr items[96];
	char *owned[96];
	size_t nr;
};

static void fill_put(struct filled *f, const char *key, char *value)
{
	if (f->nr >= ARRAY_SIZE(f->items)) {
		free(value);
		return;
	}
	f->owned[f->nr] = value;
	f->items[f->nr].key = key;
	f->items[f->nr].value = value;
	f->nr++;
}

static const char *fill_get(const struct filled *f, const char *key)
{
	for (size_t i = 0; i < f->nr; i++)
		if (!strcmp(f->items[i].key, key))
			return f->items[i].value;
	return NULL;
}

/* Whether a non-creating action of reg records field key (an audit's report is its own act's). */
static bool later_field(const struct policy_register *reg, const char *key)
{
	for (unsigned i = 0; i < reg->n_actions; i++)
		for (unsigned k = 0; !reg->actions[i]->create && k < reg->actions[i]->n_fields; k++)
			if (!strcmp(reg->actions[i]->fields[k].id, key))
				return true;
	return false;
}

/* Drops the values a later action of reg records: a new record does not have them yet. */
static void fill_drop_later(struct filled *f, const struct policy_register *reg)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nr; i++) {
		if (later_field(reg, f->items[i].key)) {
			free(f->owned[i]);
			continue;
		}
		f->owned[n] = f->owned[i];
		f->items[n++] = f->items[i];
	}
	f->nr = n;
}

static void fill_release(struct filled *f)
{
	for (size_t i = 0; i < f->nr; i++)
		free(f->owned[i]);
	f->nr = 0;
}

/* Drops the optional enum values of fields fs: a value the demo chose that a rule refuses
 * (a Class I criterion on a Class II asset) is left out rather than the record. */
static void fill_drop_optional_enums(struct filled *f, const struct policy_field *fs, unsigned n)
{
	size_t keep = 0;

	for (size_t i = 0; i < f->nr; i++) {
		bool drop = false;

		for (unsigned k = 0; k < n && !drop; k++)
			drop = fs[k].type == FIELD_ENUM && !fs[k].required &&
			       !strcmp(fs[k].id, f->items[i].key);
		if (drop) {
			free(f->owned[i]);
			continue;
		}
		f->owned[keep] = f->owned[i];
		f->items[keep++] = f->items[i];
	}
	f->nr = keep;
}

/*
 * A value for field fd of record number n of a register: realistic where the field is a
 * well-known one, typed otherwise. user_slot picks different people for different user
 * fields (auditor ≠ auditee, person ≠ escort).
 */
static char *value_for(struct demo *m, const struct policy_register *reg,
                       const struct policy_field *fd, unsigned n, const char *section,
                       const char *system, unsigned user_slot)
{
	const struct profile *p = m->p;
	struct strbuf sb = STRBUF_INIT;

	switch (fd->type) {
	case FIELD_LEVEL: {
		const struct demo_asset *da = demo_asset(reg, n);
		if (da) {
			unsigned rank = da->rank < p->n_levels ? da->rank : p->n_levels - 1;
			strbuf_addstr(&sb, p->levels[rank].id);
			break;
		}
		/* most protected a little more often than the rest, as in a real 目録 */
		strbuf_addstr(&sb, p->levels[(n * 7 + n / 3) % p->n_levels].id);
		break;
	}
	case FIELD_SECTION:
		strbuf_addstr(&sb, section);
		break;
	case FIELD_SYSTEM:  /* only the audits name systems; the demo's audit names sections */
	case FIELD_CLAUSE:  /* a finding's clause: the demo records none */
	case FIELD_ENTRIES: /* nor a finding's evidence */
		strbuf_release(&sb);
		return NULL;
	case FIELD_USER: {
		const char *who = user_slot == 0   ? staff_of(section, n % 2)
		                  : user_slot == 1 ? head_of(section)
		                                   : staff_of(section, (n + 1) % 2);
		if (user_slot == 2 && who && !strcmp(who, staff_of(section, n % 2)))
			who = head_of(section);
		strbuf_addstr(&sb, who ? who : "somu-1");
		break;
	}
	case FIELD_DATE:
		/* A date something is due by lies ahead (返却予定日); others are past. */
		if (fd->due)
			core_format_local_date(&sb,
			                       time_now_ms() + (int64_t)(7 + n % 21) * 86400000LL);
		else
			core_format_local_date(&sb,
			                       time_now_ms() - (int64_t)(n % 300) * 86400000LL);
		break;
	case FIELD_DATETIME:
		time_format_rfc3339(&sb, time_now_ms() - (int64_t)(n % 72) * 3600000LL);
		break;
	case FIELD_ENUM:
		strbuf_addstr(&sb, fd->n_values ? fd->values[n % fd->n_values] : "");
		break;
	case FIELD_BOOL:
		if (strstr(fd->id, "private") || !strcmp(fd->id, "processes_pi"))
			strbuf_addstr(&sb, "false");
		else if (!strcmp(fd->id, "main"))
			strbuf_addstr(&sb, n == 0 ? "true" : "false");
		else
			strbuf_addstr(&sb, "true");
		break;
	case FIELD_INTEGER:
		strbuf_addf(&sb, "%u", 1 + n % 5);
		break;
	case FIELD_REF: {
		const struct policy_register *to = fd->ref;
		/* an original (keeps_level) is named by copies the demo does not make */
		if (!to || !m->nids[to->index] || fd->keeps_level) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "%lld", (long long)m->ids[to->index][n % m->nids[to->index]]);
		break;
	}
	case FIELD_SET:
		/* every item (a contract states all its clause lists) */
		for (unsigned i = 0; i < fd->n_values; i++)
			strbuf_addf(&sb, "%s%s", i ? "," : "", fd->values[i]);
		break;
	case FIELD_GRANTS:
		/* the managing section alone, unless an officer grants more */
		if (!fd->required) {
			strbuf_release(&sb);
			return NULL;
		}
		strbuf_addf(&sb, "section:%s", section);
		break;
	case FIELD_TEXT:
	default:
		if (!strcmp(fd->id, "system")) {
			strbuf_addstr(&sb, system);
		} else if (!strcmp(reg->id, "asset") && !strcmp(fd->id, "title")) {
			const struct demo_asset *da = demo_asset(reg, n);
			/* a second round of the catalogue is last year's edition */
			if (n < ARRAY_SIZE(demo_assets))
				strbuf_addstr(&sb, da->title);
			else
				strbuf_addf(&sb, "%s（前年度分）", da->title);
		} else if (!strcmp(fd->id, "asset_number")) {
			strbuf_addf(&sb, "PC-%s-%04u", section, 100 + n);
		} else if (!strcmp(fd->id, "label")) {
			strbuf_addf(&sb, "%s媒体-%02u", section, n + 1);
		} else if (!strcmp(fd->id, "location") || !strcmp(fd->id, "destination")) {
			strbuf_addf(&sb, "本庁舎%u階 %s", 2 + n % 7,
			            n % 2 ? "施錠書庫" : "執務室キャビネット");
		} else {
			strbuf_addf(&sb, "%s %u", fd->name ? fd->name : fd->id, n + 1);
		}
		break;
	}
	return strbuf_detach(&sb, NULL);
}

static void fill_fields(struct demo *m, const struct policy_register *reg,
                        const struct policy_field *fields, unsigned nf, unsigned n,
                        const char *section, const char *system, struct filled *out,
                        unsigned *user_slot)
{
	for (unsigned i = 0; i < nf; i++) {
		const struct policy_field *fd = &fields[i];
		char *v;
		if (fill_get(out, fd->id))
			continue;
		if (fd->type == FIELD_REF && !fd->required && next_rand(m) % 2)
			continue;
		v = value_for(m, reg, fd, n, section, system,
		              fd->type == FIELD_USER ? (*user_slot)++ : 0);
		if (v)
			fill_put(out, fd->id, v);
	}
}

/* ---- choosing who acts --------------------------------------------------------------------- */

/*
 * Who would the profile let do this? Asks policy_decide (pure) for each candidate, so the
 * demo does not fill the ledger with refusals it could have foreseen: the first allowed,
 * else the first whose act needs approval.
 */
static const char *choose_actor(struct demo *m, const struct policy_action *a,
                                const struct record *rec, const char *level, const char *section,
                                const char *system, const struct filled *vals, bool *ret_approval)
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
	uint32_t dice = next_rand(m) % 10;
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

static const struct policy_action *create_action(const struct policy_register *reg)
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

static int create_records(struct demo *m, const struct policy_register *reg)
{
	const struct policy_action *a = create_action(reg);
	const struct policy_field *level_f = NULL, *section_f = NULL;
	size_t nsec;
	const char *const *secs = work_sections(&nsec);
	int want = count_for(reg), r = 0;

	/* findings are their audit team's (actor_in); an audit's team must be independent of
	 * what it audits: the one audit the demo shows is showcase_openings'. A risk's values are
	 * Mamori's (core/risk.h): the demo does not write them by hand. */
	if (!a || a->actor_in_ref || reg == m->p->risk.reg)
		return 0;
	/* a self-inspection's answers belong to its section's open inspection (same_section,
	 * ref_states): they follow a round, which the demo does not answer */
	for (unsigned i = 0; i < reg->n_fields; i++)
		if (reg->fields[i].same_section || reg->fields[i].n_ref_states)
			return 0;
	/* a policy review names a draft version of the profile: the demo drafts none */
	if (!strcmp(reg->id, "policy_review"))
		return 0;
	for (unsigned i = 0; i < m->p->n_separation; i++)
		if (m->p->separation[i].kind == SEP_INDEPENDENT && m->p->separation[i].n_fields &&
		    m->p->separation[i].field_regs[0] == reg)
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
		struct filled vals = { 0 };
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
		fill_fields(m, reg, reg->fields, reg->n_fields, (unsigned)n, section, system, &vals,
		            &slot);
		fill_fields(m, reg, a->fields, a->n_fields, (unsigned)n, section, system, &vals,
		            &slot);
		actor = choose_actor(m, a, NULL, level_f ? fill_get(&vals, level_f->id) : NULL,
		                     section_f ? fill_get(&vals, section_f->id) : section, system,
		                     &vals, &approval);
		if (!actor) {
			fill_drop_optional_enums(&vals, reg->fields, reg->n_fields);
			actor =
			    choose_actor(m, a, NULL, level_f ? fill_get(&vals, level_f->id) : NULL,
			                 section_f ? fill_get(&vals, section_f->id) : section,
			                 system, &vals, &approval);
		}
		if (!actor) {
			m->skipped++;
			fill_release(&vals);
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
		fill_release(&vals);
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
		unsigned pick = (unsigned)(next_rand(m) % (n_acts ? n_acts : 1));
		struct filled vals = { 0 };
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
		fill_fields(m, reg, a->fields, a->n_fields, (unsigned)k,
		            rec.section ? rec.section : "somu",
		            rec.system ? rec.system : system_of(rec.section, 0), &vals, &slot);
		actor = choose_actor(m, a, &rec, rec.level, rec.section ? rec.section : "somu",
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
		fill_release(&vals);
		record_release(&rec);
	}
	return r;
}

/* Moments worth finding in the ledger: a self-approval refused, a suspended user's attempt. */
/* The first n records of register reg in section, as "12, 15" (for an audit or incident). */
static void ids_in_section(struct demo *m, const struct policy_register *reg, const char *section,
                           unsigned n, struct strbuf *out)
{
	for (size_t i = 0; i < m->nids[reg->index] && n; i++) {
		struct record rec = { 0 };
		if (record_get(m->st, m->ids[reg->index][i], &rec, NULL) < 0)
			continue;
		if (rec.section && !strcmp(rec.section, section)) {
			strbuf_addf(out, "%s%lld", out->len ? ", " : "", (long long)rec.id);
			n--;
		}
		record_release(&rec);
	}
}

/*
 * What opens records to people, shown: for each opening of the profile, one record that opens
 * something. An audit assigned to the demo's auditor (会計室) naming two 税務課 assets for the
 * next sixty days, planned by the auditor; an incident of 税務課 linking one asset, reported
 * on to whoever the opening names (the CSIRT, Shinjuku's ネットワーク管理者).
 */
/* The audit's team records one finding on the audit's own first clause (register finding). */
static int showcase_finding(struct demo *m, const struct policy_register *audit, int64_t id)
{
	const struct policy_action *add = policy_action(m->p, "finding.add");
	struct act_input in = { .kind = ACT_RECORD, .actor = "kaikei-1" };
	struct act_result res = ACT_RESULT_INIT;
	char ids[24];
	int r;

	if (!add || add->actor_in_ref == NULL || !audit->clauses.nr)
		return 0;
	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	in.action = add->full_name;
	in.fields = (const struct act_attr[]){ { "audit", ids },
		                               { "clause", audit->clauses.items[0]->id },
		                               { "severity", "minor" },
		                               { "text", "監査の実施事項の記録が一部不足している" },
		                               { "section", "zeimu" } };
	in.n_fields = 5;
	r = run(m, &in, &res);
	act_result_release(&res);
	return r;
}

static int showcase_openings(struct demo *m)
{
	const struct policy_register *assets = &m->p->registers[0];
	int r = 0;

	for (unsigned i = 0; i < m->p->n_openings && r == 0; i++) {
		const struct policy_opening *o = &m->p->openings[i];
		const struct policy_action *create = create_action(o->reg);
		struct strbuf ids = STRBUF_INIT, from = STRBUF_INIT, until = STRBUF_INIT;
		struct filled vals = { 0 };
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;
		unsigned slot = 0;
		bool approval = false;

		/* the incident register's opening is shown by the demo's cases (demo_incidents) */
		if (!create || (o->to_field && !has_role(m->p, "auditor")) ||
		    o->reg == m->p->incidents.reg)
			continue;
		ids_in_section(m, assets, "zeimu", o->to_field ? 2 : 1, &ids);
		if (o->n_records && ids.len)
			fill_put(&vals, o->records[0]->id, xstrdup(ids.buf));
		if (o->to_field) {
			fill_put(&vals, o->to_field->id, xstrdup("kaikei-1"));
			if (policy_register_field(o->reg, "title"))
				fill_put(&vals, "title", xstrdup("税務課の情報セキュリティ監査"));
			if (policy_register_field(o->reg, "auditee"))
				fill_put(&vals, "auditee", xstrdup("zeimu-kacho"));
		}
		if (o->from) {
			core_format_local_date(&from, time_now_ms());
			fill_put(&vals, o->from->id, xstrdup(from.buf));
		}
		if (o->until) {
			core_format_local_date(&until, time_now_ms() + 60 * 86400 * 1000LL);
			fill_put(&vals, o->until->id, xstrdup(until.buf));
		}
		for (unsigned k = 0; k < o->reg->n_fields; k++)
			if (o->reg->fields[k].type == FIELD_SECTION &&
			    !fill_get(&vals, o->reg->fields[k].id))
				fill_put(&vals, o->reg->fields[k].id, xstrdup("zeimu"));
		fill_fields(m, o->reg, o->reg->fields, o->reg->n_fields, 0, "zeimu", "zeimu-sys",
		            &vals, &slot);
		fill_fields(m, o->reg, create->fields, create->n_fields, 0, "zeimu", "zeimu-sys",
		            &vals, &slot);
		fill_drop_later(&vals, o->reg);
		in.actor = o->to_field ? "kaikei-1"
		                       : choose_actor(m, create, NULL, NULL, "zeimu", "zeimu-sys",
		                                      &vals, &approval);
		in.action = create->full_name;
		in.fields = vals.items;
		in.n_fields = vals.nr;
		if (in.actor)
			r = run(m, &in, &res);
		if (r == 0 && o->to_field && res.outcome == ACT_DONE)
			r = showcase_finding(m, o->reg, res.record_id);
		/* an incident: on to the state in which it opens what it links */
		for (unsigned step = 0; r == 0 && o->states && res.outcome == ACT_DONE && step < 3;
		     step++) {
			struct record rec = { 0 };
			const struct policy_action *next = NULL;
			const struct policy_state *st;
			struct act_input in2 = { .kind = ACT_RECORD };
			struct act_result res2 = ACT_RESULT_INIT;
			struct filled none = { 0 };

			if (record_get(m->st, res.record_id, &rec, NULL) < 0)
				break;
			st = policy_register_state(o->reg, rec.state);
			for (unsigned k = 0; st && k < o->reg->n_actions && !next; k++) {
				const struct policy_action *c = o->reg->actions[k];
				if (c->to && !c->n_fields && ((o->states >> c->to->index) & 1) &&
				    (!c->from || ((c->from >> st->index) & 1)))
					next = c;
			}
			if (st && ((o->states >> st->index) & 1))
				next = NULL; /* there already */
			in2.actor = next ? choose_actor(m, next, &rec, rec.level, rec.section,
			                                rec.system, &none, &approval)
			                 : NULL;
			in2.action = next ? next->full_name : NULL;
			in2.record_id = rec.id;
			if (in2.actor)
				r = run(m, &in2, &res2);
			act_result_release(&res2);
			record_release(&rec);
			if (!in2.actor)
				break;
		}
		act_result_release(&res);
		fill_release(&vals);
		strbuf_release(&ids);
		strbuf_release(&from);
		strbuf_release(&until);
	}
	return r;
}

static int showcase(struct demo *m)
{
	struct request_list l = { 0 };
	struct request_filter f = { .state = "pending", .now_ms = time_now_ms() };
	int r;

	r = requests_list(m->st, &f, &l, m->err);
	if (r == 0 && l.nr) {
		struct act_input in = { .kind = ACT_APPROVE,
			                .actor = l.items[0].applicant_login,
			                .request_id = l.items[0].id };
		struct act_result res = ACT_RESULT_INIT;
		r = run(m, &in, &res);
		act_result_release(&res);
	}
	request_list_release(&l);
	if (r == 0)
		r = showcase_openings(m);
	if (r == 0)
		r = admin_act(m, ACT_USER_RETIRE, "taishoku-1", NULL, 0, NULL);
	if (r == 0 && m->nids[0]) {
		struct act_input in = { .kind = ACT_RECORD,
			                .actor = "taishoku-1",
			                .record_id = m->ids[0][0],
			                .action = NULL };
		struct act_result res = ACT_RESULT_INIT;
		const struct policy_register *reg = &m->p->registers[0];
		for (unsigned i = 0; i < reg->n_actions && !in.action; i++)
			if (!reg->actions[i]->create)
				in.action = reg->actions[i]->full_name;
		if (in.action)
			r = run(m, &in, &res);
		act_result_release(&res);
	}
	return r;
}

/* One step of a demo case; a refusal or an error stops the demo (the profile changed). */
static int demo_step(struct demo *m, int64_t id, const char *status, const char *actor,
                     const struct act_attr *f, size_t n)
{
	struct act_result res = ACT_RESULT_INIT;
	int r = incident_step(m->d, id, status, actor, f, n, NULL, &m->ctx, &res, m->err);

	if (r == 0 && res.outcome == ACT_REFUSED) {
		error_set(m->err, "demo: incident %lld %s by %s: %s", (long long)id, status, actor,
		          res.message);
		r = -EPROTO;
	}
	if (r == 0)
		m->done++;
	act_result_release(&res);
	return r;
}

static int demo_report(struct demo *m, const struct incident_report *in, int64_t *ret_id)
{
	struct act_result res = ACT_RESULT_INIT;
	int r = incident_report(m->d, in, &res, m->err);

	if (r == 0 && res.outcome != ACT_DONE) {
		error_set(m->err, "demo: the report '%s' was not done: %s", in->title, res.message);
		r = -EPROTO;
	}
	if (r == 0) {
		*ret_id = res.record_id;
		m->done++;
	}
	act_result_release(&res);
	return r;
}

/*
 * Incidents as a ward would have them (docs/incidents.md): a misdirected notice with 150
 * people's data the CSIRT (Shinjuku: the network manager) has received, its 速報 due tomorrow;
 * an urgent virus report just made; and, in Minato, a drill the CISO closed.
 */
static int demo_incidents(struct demo *m)
{
	bool minato = has_role(m->p, "csirt");
	const char *responder = minato ? "joho-2" : "joho-1";
	struct strbuf found = STRBUF_INIT, found2 = STRBUF_INIT;
	struct incident_report in = { .actor = "zeimu-1", .personal_data = 150, .ctx = m->ctx };
	int64_t id = 0, asset = 0;
	int r;

	if (!m->p->incidents.reg)
		return 0;
	time_format_rfc3339_offset(&found, time_now_ms() - 2 * 86400000LL, TOKYO_OFFSET_MS);
	in.title = "住民税の通知書を別の住所に送付した";
	in.found_at = found.buf;
	/* the records it involves: one 税務課 asset, which the case then opens to the CSIRT */
	for (size_t i = 0; i < m->nids[0] && !in.n_records; i++) {
		struct record rec = { 0 };
		if (record_get(m->st, m->ids[0][i], &rec, NULL) == 0 && rec.section &&
		    !strcmp(rec.section, "zeimu")) {
			asset = rec.id;
			in.records = &asset;
			in.n_records = 1;
		}
		record_release(&rec);
	}
	in.place = "税務課";
	in.description = "窓口で区民から申し出。発送リストの住所の取り違えの疑い。";
	r = demo_report(m, &in, &id);
	if (r == 0)
		r = demo_step(m, id, "escalated", "zeimu-kacho", NULL, 0);
	if (r == 0)
		r = demo_step(m, id, "received", responder, NULL, 0);
	if (r == 0) {
		struct incident_report u = {
			.actor = "kumin-1", .personal_data = -1, .urgent = true, .ctx = m->ctx
		};
		time_format_rfc3339_offset(&found2, time_now_ms() - 3600000LL, TOKYO_OFFSET_MS);
		u.title = "窓口端末でウイルス対策ソフトが警告を出した";
		u.found_at = found2.buf;
		u.system = "jyuki";
		r = demo_report(m, &u, &id);
	}
	if (r == 0 && minato) {
		static const char *const steps[][2] = { { "escalated", "joho-kacho" },
			                                { "received", "joho-2" },
			                                { "recovered", "joho-2" },
			                                { "prevention", "joho-2" },
			                                { "closed", "fukukucho" } };
		struct incident_report d = {
			.actor = "joho-3", .personal_data = -1, .drill = true, .ctx = m->ctx
		};
		d.title = "標的型攻撃メールの対応訓練";
		d.found_at = found.buf;
		r = demo_report(m, &d, &id);
		/* the drill's review: what went wrong and what is done about it (5(9)④) */
		static const struct act_attr review[] = { { "cause", "不審なメールの報告が遅れた" },
			                                  { "prevention", "報告手順の再周知" } };
		for (size_t i = 0; r == 0 && i < ARRAY_SIZE(steps); i++) {
			bool prevent = !strcmp(steps[i][0], "prevention");

			r = demo_step(m, id, steps[i][0], steps[i][1], prevent ? review : NULL,
			              prevent ? ARRAY_SIZE(review) : 0);
		}
	}
	strbuf_release(&found);
	strbuf_release(&found2);
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
		r = showcase(&m);
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
