/* demo-showcase: moments the demo ward shows on purpose beside its random history: an audit
 * of 税務課 with a finding, a self-approval refused, a retired person's attempt, and the
 * incidents told as stories from report to close (demo.c). */
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
	r = demo_run(m, &in, &res);
	act_result_release(&res);
	return r;
}

/*
 * One step of an opening's record (id) towards a state in which it opens what it links
 * (o->states): 0 taken, or < 0; 1 when there is none to take (there already, no action, nobody
 * may take it, the record unreadable).
 */
static int opening_step(struct demo *m, const struct policy_opening *o, int64_t id, bool *approval)
{
	struct record rec = { 0 };
	const struct policy_action *next = NULL;
	const struct policy_state *st;
	struct act_input in2 = { .kind = ACT_RECORD };
	struct act_result res2 = ACT_RESULT_INIT;
	struct demo_filled none = { 0 };
	int r = 0;

	if (record_get(m->st, id, &rec, NULL) < 0)
		return 1;
	st = policy_register_state(o->reg, rec.state);
	for (unsigned k = 0; st && k < o->reg->n_actions && !next; k++) {
		const struct policy_action *c = o->reg->actions[k];
		if (c->to && !c->n_fields && ((o->states >> c->to->index) & 1) &&
		    (!c->from || ((c->from >> st->index) & 1)))
			next = c;
	}
	if (st && ((o->states >> st->index) & 1))
		next = NULL; /* there already */
	in2.actor = next ? demo_choose_actor(m, next, &rec, rec.level, rec.section, rec.system,
	                                     &none, approval)
	                 : NULL;
	in2.action = next ? next->full_name : NULL;
	in2.record_id = rec.id;
	if (in2.actor)
		r = demo_run(m, &in2, &res2);
	act_result_release(&res2);
	record_release(&rec);
	return in2.actor ? r : 1;
}

static int showcase_openings(struct demo *m)
{
	const struct policy_register *assets = &m->p->registers[0];
	int r = 0;

	for (unsigned i = 0; i < m->p->n_openings && r == 0; i++) {
		const struct policy_opening *o = &m->p->openings[i];
		const struct policy_action *create = demo_create_action(o->reg);
		struct strbuf ids = STRBUF_INIT, from = STRBUF_INIT, until = STRBUF_INIT;
		struct demo_filled vals = { 0 };
		struct act_input in = { .kind = ACT_RECORD };
		struct act_result res = ACT_RESULT_INIT;
		unsigned slot = 0;
		bool approval = false;

		/* the incident register's opening is shown by the demo's cases (demo_incidents) */
		if (!create || (o->to_field && !demo_has_role(m->p, "auditor")) ||
		    o->reg == m->p->incidents.reg)
			continue;
		ids_in_section(m, assets, "zeimu", o->to_field ? 2 : 1, &ids);
		if (o->n_records && ids.len)
			demo_fill_put(&vals, o->records[0]->id, xstrdup(ids.buf));
		if (o->to_field) {
			demo_fill_put(&vals, o->to_field->id, xstrdup("kaikei-1"));
			if (policy_register_field(o->reg, "title"))
				demo_fill_put(&vals, "title",
				              xstrdup("税務課の情報セキュリティ監査"));
			if (policy_register_field(o->reg, "auditee"))
				demo_fill_put(&vals, "auditee", xstrdup("zeimu-kacho"));
		}
		if (o->from) {
			core_format_local_date(&from, time_now_ms());
			demo_fill_put(&vals, o->from->id, xstrdup(from.buf));
		}
		if (o->until) {
			core_format_local_date(&until, time_now_ms() + 60 * 86400 * 1000LL);
			demo_fill_put(&vals, o->until->id, xstrdup(until.buf));
		}
		for (unsigned k = 0; k < o->reg->n_fields; k++)
			if (o->reg->fields[k].type == FIELD_SECTION &&
			    !demo_fill_get(&vals, o->reg->fields[k].id))
				demo_fill_put(&vals, o->reg->fields[k].id, xstrdup("zeimu"));
		demo_fill_fields(m, o->reg, o->reg->fields, o->reg->n_fields, 0, "zeimu",
		                 "zeimu-sys", &vals, &slot);
		demo_fill_fields(m, o->reg, create->fields, create->n_fields, 0, "zeimu",
		                 "zeimu-sys", &vals, &slot);
		demo_fill_drop_later(&vals, o->reg);
		in.actor = o->to_field ? "kaikei-1"
		                       : demo_choose_actor(m, create, NULL, NULL, "zeimu",
		                                           "zeimu-sys", &vals, &approval);
		in.action = create->full_name;
		in.fields = vals.items;
		in.n_fields = vals.nr;
		if (in.actor)
			r = demo_run(m, &in, &res);
		if (r == 0 && o->to_field && res.outcome == ACT_DONE)
			r = showcase_finding(m, o->reg, res.record_id);
		/* an incident: on to the state in which it opens what it links */
		for (unsigned step = 0; r == 0 && o->states && res.outcome == ACT_DONE && step < 3;
		     step++) {
			int rs = opening_step(m, o, res.record_id, &approval);
			if (rs > 0)
				break;
			r = rs;
		}
		act_result_release(&res);
		demo_fill_release(&vals);
		strbuf_release(&ids);
		strbuf_release(&from);
		strbuf_release(&until);
	}
	return r;
}

int demo_showcase(struct demo *m)
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
		r = demo_run(m, &in, &res);
		act_result_release(&res);
	}
	request_list_release(&l);
	if (r == 0)
		r = showcase_openings(m);
	if (r == 0)
		r = demo_admin_act(m, ACT_USER_RETIRE, "taishoku-1", NULL, 0, NULL);
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
			r = demo_run(m, &in, &res);
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
int demo_incidents(struct demo *m)
{
	bool minato = demo_has_role(m->p, "csirt");
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
