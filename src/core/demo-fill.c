/* demo-fill: the demo ward's values for fields: its 目録 of assets (what a ward's sections really
 * hold) and a value for each field a register or an action asks for (demo.c). */
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

const struct demo_asset *demo_asset(const struct policy_register *reg, unsigned n)
{
	return strcmp(reg->id, "asset") ? NULL : &demo_assets[n % ARRAY_SIZE(demo_assets)];
}

void demo_fill_put(struct demo_filled *f, const char *key, char *value)
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

const char *demo_fill_get(const struct demo_filled *f, const char *key)
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
void demo_fill_drop_later(struct demo_filled *f, const struct policy_register *reg)
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

void demo_fill_release(struct demo_filled *f)
{
	for (size_t i = 0; i < f->nr; i++)
		free(f->owned[i]);
	f->nr = 0;
}

/* Drops the optional enum values of fields fs: a value the demo chose that a rule refuses
 * (a Class I criterion on a Class II asset) is left out rather than the record. */
void demo_fill_drop_optional_enums(struct demo_filled *f, const struct policy_field *fs, unsigned n)
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

/* A level's value: a catalogue asset's own rank, else most protected a little more often. */
static const char *level_value(const struct profile *p, const struct policy_register *reg,
                               unsigned n)
{
	const struct demo_asset *da = demo_asset(reg, n);
	if (da) {
		unsigned rank = da->rank < p->n_levels ? da->rank : p->n_levels - 1;
		return p->levels[rank].id;
	}
	/* most protected a little more often than the rest, as in a real 目録 */
	return p->levels[(n * 7 + n / 3) % p->n_levels].id;
}

/* The person of a user field: the user_slot-th of a record names staff, the head, other staff. */
static const char *user_value(const char *section, unsigned n, unsigned user_slot)
{
	const char *who = user_slot == 0   ? demo_staff_of(section, n % 2)
	                  : user_slot == 1 ? demo_head_of(section)
	                                   : demo_staff_of(section, (n + 1) % 2);
	if (user_slot == 2 && who && !strcmp(who, demo_staff_of(section, n % 2)))
		who = demo_head_of(section);
	return who ? who : "somu-1";
}

/* A text field's value: the system, a catalogue title, a number, a label, a place, or the
 * field's name and n. */
static void text_value(const struct policy_register *reg, const struct policy_field *fd, unsigned n,
                       const char *section, const char *system, struct strbuf *sb)
{
	if (!strcmp(fd->id, "system")) {
		strbuf_addstr(sb, system);
	} else if (!strcmp(reg->id, "asset") && !strcmp(fd->id, "title")) {
		const struct demo_asset *da = demo_asset(reg, n);
		/* a second round of the catalogue is last year's edition */
		if (n < ARRAY_SIZE(demo_assets))
			strbuf_addstr(sb, da->title);
		else
			strbuf_addf(sb, "%s（前年度分）", da->title);
	} else if (!strcmp(fd->id, "asset_number")) {
		strbuf_addf(sb, "PC-%s-%04u", section, 100 + n);
	} else if (!strcmp(fd->id, "label")) {
		strbuf_addf(sb, "%s媒体-%02u", section, n + 1);
	} else if (!strcmp(fd->id, "location") || !strcmp(fd->id, "destination")) {
		strbuf_addf(sb, "本庁舎%u階 %s", 2 + n % 7,
		            n % 2 ? "施錠書庫" : "執務室キャビネット");
	} else {
		strbuf_addf(sb, "%s %u", fd->name ? fd->name : fd->id, n + 1);
	}
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
	case FIELD_LEVEL:
		strbuf_addstr(&sb, level_value(p, reg, n));
		break;
	case FIELD_SECTION:
		strbuf_addstr(&sb, section);
		break;
	case FIELD_SYSTEM:  /* only the audits name systems; the demo's audit names sections */
	case FIELD_CLAUSE:  /* a finding's clause: the demo records none */
	case FIELD_ENTRIES: /* nor a finding's evidence */
		strbuf_release(&sb);
		return NULL;
	case FIELD_USER:
		strbuf_addstr(&sb, user_value(section, n, user_slot));
		break;
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
		text_value(reg, fd, n, section, system, &sb);
		break;
	}
	return strbuf_detach(&sb, NULL);
}

void demo_fill_fields(struct demo *m, const struct policy_register *reg,
                      const struct policy_field *fields, unsigned nf, unsigned n,
                      const char *section, const char *system, struct demo_filled *out,
                      unsigned *user_slot)
{
	for (unsigned i = 0; i < nf; i++) {
		const struct policy_field *fd = &fields[i];
		char *v;
		if (demo_fill_get(out, fd->id))
			continue;
		if (fd->type == FIELD_REF && !fd->required && demo_next_rand(m) % 2)
			continue;
		v = value_for(m, reg, fd, n, section, system,
		              fd->type == FIELD_USER ? (*user_slot)++ : 0);
		if (v)
			demo_fill_put(out, fd->id, v);
	}
}
