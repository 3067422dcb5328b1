/* access: object-level authorization of reads: who may see which record. */
#include <jansson.h>
#include <string.h>

#include "base/cleanup.h"
#include "core/org.h"
#include "core/records.h"
#include "core/requests.h"
#include "policy/policy.h"
#include "web/access.h"
#include "web/decide.h"
#include "web/session.h"
#include "web/ui.h"

/* Only the mamori_admin administrator sees every record without asking the policy; everyone
 * else, ward-wide roles included, sees what the policy's read action allows. */
static bool sees_everything(const struct web_req *r)
{
	return r->user && r->user->admin;
}

static const struct policy_action *read_action(const struct web_req *r, const char *reg)
{
	const struct policy_register *g = r->profile ? policy_register(r->profile, reg) : NULL;

	return g ? policy_register_action(g, "read") : NULL;
}

/* The decision for an attribute set, without a record. */
static bool visible_by_attrs(struct web_req *r, const char *reg, const char *level,
                             const char *section, const char *system, const struct record *rec)
{
	const struct policy_action *a = read_action(r, reg);
	struct strbuf scope = STRBUF_INIT;
	bool ok = false;

	if (a) {
		struct decide_input in = { 0 };
		struct decision d;
		web_decide_input(&in, r->user, a->full_name, rec, level, section, system);
		if (!rec)
			in.q.resource_type = reg;
		ok = policy_decide(r->profile, &in.q, &d, NULL) == 0 && d.effect == EFFECT_ALLOW;
		decide_input_release(&in);
		return ok;
	}
	if (section && r->user->section && !strcmp(section, r->user->section))
		return true;
	if (section) {
		strbuf_addf(&scope, "section:%s", section);
		for (size_t i = 0; !ok && i < r->user->n_roles; i++) {
			const char *at = strchr(r->user->roles[i], '@');
			ok = at && !strcmp(at + 1, scope.buf);
		}
	}
	if (!ok && system) {
		strbuf_reset(&scope);
		strbuf_addf(&scope, "system:%s", system);
		for (size_t i = 0; !ok && i < r->user->n_roles; i++) {
			const char *at = strchr(r->user->roles[i], '@');
			ok = at && !strcmp(at + 1, scope.buf);
		}
	}
	strbuf_release(&scope);
	return ok;
}

bool web_record_visible(struct web_req *r, const struct record *rec)
{
	if (!r->user)
		return false;
	if (sees_everything(r))
		return true;
	return visible_by_attrs(r, rec->register_id, rec->level, rec->section, rec->system, rec);
}

bool web_request_visible_to_reader(struct web_req *r, const struct request *q)
{
	struct record rec = { 0 };
	bool ok;

	if (!r->user)
		return false;
	if (r->user->admin)
		return true;
	if (!ui_ledger_reader(r) || !q->record_id ||
	    record_get(r->st, q->record_id, &rec, NULL) < 0)
		return false;
	ok = web_record_visible(r, &rec);
	record_release(&rec);
	return ok;
}

char *web_visible_keys(struct web_req *r, const char *register_id)
{
	struct org_sections secs = { 0 };
	json_t *arr;
	char *out;

	if (sees_everything(r))
		return NULL;
	arr = json_array();
	if (org_sections_list(r->st, &secs, NULL) == 0) {
		const struct profile *p = r->profile;
		/* Every level (and none) × every section (and none). */
		for (size_t s = 0; s <= secs.nr; s++) {
			const char *sec = s < secs.nr ? secs.items[s].id : NULL;
			for (unsigned l = 0; p && l <= p->n_levels; l++) {
				const char *lev = l < p->n_levels ? p->levels[l].id : NULL;
				if (visible_by_attrs(r, register_id, lev, sec, NULL, NULL)) {
					struct strbuf k = STRBUF_INIT;
					strbuf_addf(&k, "%s|%s", lev ? lev : "", sec ? sec : "");
					json_array_append_new(arr, json_string(k.buf));
					strbuf_release(&k);
				}
			}
		}
		org_sections_release(&secs);
	}
	out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return out;
}
