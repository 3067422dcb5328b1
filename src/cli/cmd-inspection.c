/* cmd-inspection: `mamori inspection checklist`: a self-inspection checklist generated from the
 * profile (docs/audits.md): each clause only people can carry out (kind H) as a question, each
 * clause that must be recorded (kind R) as "show the record", with the registers that keep it;
 * every item cites its clause in the text's own words. */
#include <string.h>

#include "base/json.h"
#include "base/table.h"
#include "cli/core-cli.h"
#include "policy/policy.h"

/* The registers whose records carry a clause (its register and action carriers), "、"-joined. */
static void carrying_registers(const struct profile *p, const struct policy_coverage_entry *e,
                               struct strbuf *out)
{
	const struct policy_register *seen[16];
	unsigned n = 0;

	for (unsigned i = 0; i < e->nr && n < 16; i++) {
		const struct policy_register *g = NULL;
		bool dup = false;

		if (e->carriers[i].kind == CARRIER_REGISTER)
			g = e->carriers[i].obj;
		else if (e->carriers[i].kind == CARRIER_ACTION)
			g = ((const struct policy_action *)e->carriers[i].obj)->reg;
		else if (e->carriers[i].kind == CARRIER_FIELD && e->carriers[i].name) {
			/* "field register.field" or "field register.action.field" */
			const char *name = strchr(e->carriers[i].name, ' ');
			char id[128];
			size_t len;

			name = name ? name + 1 : e->carriers[i].name;
			len = strcspn(name, ".");
			if (len < sizeof(id) && name[len] == '.') {
				memcpy(id, name, len);
				id[len] = 0;
				g = policy_register(p, id);
			}
		}
		if (!g)
			continue;
		for (unsigned k = 0; k < n; k++)
			dup = dup || seen[k] == g;
		if (dup)
			continue;
		seen[n++] = g;
		strbuf_addf(out, "%s%s", out->len ? "、" : "", g->name ? g->name : g->id);
	}
}

static int inspection_checklist(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const char *const usage[] = {
		"mamori inspection checklist [--profile minato|shinjuku|FILE] [--json]",
		"a self-inspection checklist from the profile: H clauses as questions, R clauses "
		"as "
		"records to show",
		NULL
	};
	const char *profile = NULL;
	bool json = false;
	const struct option opts[] = {
		OPT_STRING(0, "profile", &profile, "P",
		           "the profile (default: the data directory's in force)"),
		OPT_BOOL(0, "json", &json, "print JSON"),
		OPT_END(),
	};
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT, regs = STRBUF_INIT, q = STRBUF_INIT;
	struct policy_coverage cov = { 0 };
	struct profile *loaded = NULL;
	const struct profile *p;
	struct door *d = NULL;
	struct json_writer w;
	struct table tb;
	int n, ret;

	n = parse_options_count(argc, argv, opts, usage, 0, 0, &ret);
	if (n < 0)
		return ret;
	if (profile) {
		if (profile_load_named(profile, &loaded, &err) < 0) {
			cli_error("%s", err.buf);
			strbuf_release(&err);
			return EXIT_FAILED;
		}
		p = loaded;
	} else {
		ret = cli_door_open(ctx, DOOR_READONLY, &d);
		if (ret)
			return ret;
		p = door_profile(d);
	}
	policy_coverage_compute(p, &cov);
	jw_init(&w, &out);
	table_init(&tb, 4, (const char *[]){ "条項", "出典", "区分", "点検項目" });
	if (json)
		jw_array_begin(&w);
	for (unsigned i = 0; i < p->n_clauses; i++) {
		const struct policy_clause *c = &p->clauses[i];

		if (c->kind != CLAUSE_H && c->kind != CLAUSE_R)
			continue;
		strbuf_reset(&q);
		strbuf_reset(&regs);
		if (c->kind == CLAUSE_H) {
			strbuf_addf(&q, "「%s」を行っていますか。", c->text ? c->text : c->id);
		} else {
			for (unsigned k = 0; k < cov.nr; k++)
				if (cov.entries[k].clause == c)
					carrying_registers(p, &cov.entries[k], &regs);
			strbuf_addf(&q, "「%s」の記録を示してください", c->text ? c->text : c->id);
			if (regs.len)
				strbuf_addf(&q, "（%s）", regs.buf);
			strbuf_addstr(&q, "。");
		}
		if (json) {
			jw_object_begin(&w);
			jw_kv_str(&w, "clause", c->id);
			jw_kv_str(&w, "cite", c->cite);
			jw_kv_str(&w, "kind", policy_clause_kind_name(c->kind));
			jw_kv_str(&w, "text", c->text);
			jw_kv_str(&w, "question", q.buf);
			jw_kv_str(&w, "registers", regs.len ? regs.buf : NULL);
			jw_object_end(&w);
		} else {
			table_add(&tb, (const char *[]){ c->id, c->cite ? c->cite : "",
			                                 c->kind == CLAUSE_H ? "人の手" : "記録",
			                                 q.buf });
		}
	}
	if (json) {
		jw_array_end(&w);
		strbuf_addch(&out, '\n');
	} else {
		table_render(&tb, &out);
	}
	table_release(&tb);
	ret = cli_print(&out);
	policy_coverage_release(&cov);
	profile_free(loaded);
	door_free(d);
	strbuf_release(&err);
	strbuf_release(&out);
	strbuf_release(&regs);
	strbuf_release(&q);
	return ret;
}

int cmd_inspection(struct cli_ctx *ctx, int argc, const char **argv)
{
	static const struct command table[] = {
		{ "checklist", inspection_checklist,
		  "a self-inspection checklist from the profile (H: questions, R: records)" },
		{ NULL, NULL, NULL },
	};

	return cli_run_subcommand(ctx, "inspection", table, argc, argv);
}
