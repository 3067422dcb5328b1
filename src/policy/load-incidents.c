/* load-incidents: the `incidents` section: reportability under the law, deadlines, containment
 * and the alerts that open a case. */
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "policy/load-internal.h"

/* The field of the incident register named by scalar n, of type want; NULL after an error. */
static const struct policy_field *reg_field(struct loader *L, const struct policy_register *reg,
                                            const struct ynode *n, enum policy_field_type want,
                                            const char *what)
{
	const struct policy_field *f;

	if (!load_str(L, n, what))
		return NULL;
	f = policy_register_field(reg, n->str);
	if (!f) {
		const char *cands[64];
		unsigned nc = 0;

		for (unsigned i = 0; i < reg->n_fields && nc < ARRAY_SIZE(cands); i++)
			cands[nc++] = reg->fields[i].id;
		load_unknown(L, n, "field", n->str, cands, nc);
		return NULL;
	}
	if (f->type != want) {
		load_err(L, n, "%s '%s' is %s; it must be %s", what, f->id,
		         policy_field_type_name(f->type), policy_field_type_name(want));
		return NULL;
	}
	return f;
}

static const struct policy_action *reg_action(struct loader *L, const struct policy_register *reg,
                                              const struct ynode *n, const char *what)
{
	const struct policy_action *a;

	if (!load_str(L, n, what))
		return NULL;
	a = policy_register_action(reg, n->str);
	if (!a) {
		const char *cands[128];
		unsigned nc = 0;

		for (unsigned i = 0; i < reg->n_actions && nc < ARRAY_SIZE(cands); i++)
			cands[nc++] = reg->actions[i]->id;
		load_unknown(L, n, "action", n->str, cands, nc);
	}
	return a;
}

/* reportable: {any: [bool fields], more_than: {integer field: N}, clause} */
static void load_reportable(struct loader *L, const struct ynode *n, struct policy_incidents *in)
{
	static const char *const keys[] = { "any", "more_than", "clause", "clauses", NULL };
	const struct ynode *x;

	if (!load_want(L, n, Y_MAP, "'reportable'"))
		return;
	load_check_keys(L, n, keys, "'reportable'");
	if ((x = ymap_get(n, "any"))) {
		const char **ids;
		const struct ynode **nodes;
		unsigned cnt;

		if (load_str_list(L, x, "a field", &ids, &cnt, &nodes) == 0) {
			const struct policy_field **fs =
			    arena_array(L->a, cnt ? cnt : 1, sizeof(*fs));

			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_field *f =
				    reg_field(L, in->reg, nodes[i], FIELD_BOOL, "'any' field");
				if (f)
					fs[in->n_reportable_any++] = f;
			}
			in->reportable_any = fs;
		}
	}
	if ((x = ymap_get(n, "more_than")) && load_want(L, x, Y_MAP, "'more_than'")) {
		if (x->n != 1) {
			load_err(L, x, "'more_than' names one integer field and its count");
		} else {
			const struct ynode *k = x->kids[0], *v = x->kids[1];
			in->more_than_field =
			    reg_field(L, in->reg, k, FIELD_INTEGER, "'more_than' field");
			if (load_str(L, v, "a count")) {
				char *end;
				long long c = strtoll(v->str, &end, 10);
				if (end == v->str || *end || c < 0)
					load_err(L, v,
					         "'more_than' needs a count (0 or more), not '%s'",
					         v->str);
				else
					in->more_than = c;
			}
		}
	}
	if (!in->n_reportable_any && !in->more_than_field)
		load_err(L, n, "'reportable' needs 'any' or 'more_than'");
	load_clause_refs(L, n, &in->reportable_clauses, true, "'reportable'");
}

/* The action that marks a deadline met: report_out, whose enum field `deadline` names it. */
static void check_deadline_action(struct loader *L, const struct ynode *n,
                                  const struct policy_incidents *in)
{
	const struct policy_action *a = policy_register_action(in->reg, "report_out");
	const struct policy_field *f = a ? policy_action_field(a, "deadline") : NULL;

	if (!in->n_deadlines)
		return;
	if (!f || f->type != FIELD_ENUM) {
		load_err(L, n,
		         "deadlines are met by action '%s.report_out' with an enum field "
		         "'deadline' whose values are the deadlines' names",
		         in->reg->id);
		return;
	}
	for (unsigned i = 0; i < in->n_deadlines; i++) {
		bool ok = false;

		for (unsigned v = 0; v < f->n_values && !ok; v++)
			ok = !strcmp(f->values[v], in->deadlines[i].name);
		if (!ok)
			diag_add(L->d, DIAG_ERROR, in->deadlines[i].pos,
			         "deadline '%s': '%s' is not a value of field 'deadline' of "
			         "'%s.report_out'",
			         in->deadlines[i].id, in->deadlines[i].name, in->reg->id);
	}
}

static void load_deadline(struct loader *L, const struct ynode *v, struct policy_incidents *in,
                          struct policy_incident_deadline *dl)
{
	static const char *const keys[] = { "id",     "name",    "when", "within",      "longer",
		                            "clause", "clauses", "note", "ward_choice", NULL };
	const struct ynode *x;

	dl->pos = v->pos;
	load_check_keys(L, v, keys, "a deadline");
	dl->id = load_opt_str(L, v, "id", "a deadline");
	dl->name = load_opt_str(L, v, "name", "a deadline");
	if (!dl->id || !dl->name) {
		load_err(L, v, "a deadline needs 'id' and 'name'");
		return;
	}
	if (!load_is_ident(dl->id))
		load_err(L, ymap_get(v, "id"), "deadline id '%s' must be an identifier", dl->id);
	dl->note = load_opt_str(L, v, "note", "a deadline");
	dl->ward_choice = load_opt_str(L, v, "ward_choice", "a deadline");
	x = ymap_get(v, "when");
	if (!x || !load_str(L, x, "'when'")) {
		if (!x)
			load_err(L, v, "deadline '%s' needs 'when' (reportable or always)", dl->id);
	} else if (!strcmp(x->str, "reportable")) {
		dl->reportable_only = true;
		if (!in->n_reportable_any && !in->more_than_field)
			load_err(L, x, "'when: reportable' needs the section's 'reportable'");
	} else if (strcmp(x->str, "always")) {
		load_err(L, x, "'when' is 'reportable' or 'always', not '%s'", x->str);
	}
	if (load_require(L, v, "within", "a deadline"))
		load_duration(L, ymap_get(v, "within"), "'within'", &dl->within_seconds);
	if ((x = ymap_get(v, "longer")) && load_want(L, x, Y_MAP, "'longer'")) {
		static const char *const lkeys[] = { "if", "within", NULL };
		load_check_keys(L, x, lkeys, "'longer'");
		if (load_require(L, x, "if", "'longer'") &&
		    load_require(L, x, "within", "'longer'")) {
			dl->longer_if =
			    reg_field(L, in->reg, ymap_get(x, "if"), FIELD_BOOL, "'if' field");
			if (load_duration(L, ymap_get(x, "within"), "'within'",
			                  &dl->longer_seconds) == 0 &&
			    dl->longer_seconds <= dl->within_seconds)
				load_err(L, ymap_get(x, "within"),
				         "the longer period must be longer than 'within'");
		}
	}
	load_clause_refs(L, v, &dl->clauses, true, "a deadline");
}

static void load_deadlines(struct loader *L, const struct ynode *n, struct policy_incidents *in)
{
	struct policy_incident_deadline *dls;

	if (!load_want(L, n, Y_SEQ, "'deadlines'"))
		return;
	dls = arena_array(L->a, n->n ? n->n : 1, sizeof(*dls));
	for (unsigned i = 0; i < n->n; i++) {
		struct policy_incident_deadline *dl = &dls[in->n_deadlines];
		bool dup = false;

		if (!load_want(L, n->kids[i], Y_MAP, "a deadline"))
			continue;
		load_deadline(L, n->kids[i], in, dl);
		if (!dl->id || !dl->name)
			continue;
		for (unsigned k = 0; k < in->n_deadlines && !dup; k++)
			dup = !strcmp(dls[k].id, dl->id) || !strcmp(dls[k].name, dl->name);
		if (dup) {
			load_err(L, n->kids[i], "deadline '%s' is listed twice", dl->id);
			continue;
		}
		in->n_deadlines++;
	}
	in->deadlines = dls;
	check_deadline_action(L, n, in);
}

static void load_containment(struct loader *L, const struct ynode *n, struct policy_incidents *in)
{
	static const char *const keys[] = { "action", "undo", "suspends", NULL };
	struct policy_containment *cs;

	if (!load_want(L, n, Y_SEQ, "'containment'"))
		return;
	cs = arena_array(L->a, n->n ? n->n : 1, sizeof(*cs));
	for (unsigned i = 0; i < n->n; i++) {
		const struct ynode *v = n->kids[i], *x;
		struct policy_containment *c = &cs[in->n_containment];

		if (!load_want(L, v, Y_MAP, "a containment entry"))
			continue;
		load_check_keys(L, v, keys, "a containment entry");
		c->pos = v->pos;
		if (!load_require(L, v, "action", "a containment entry"))
			continue;
		c->action = reg_action(L, in->reg, ymap_get(v, "action"), "'action'");
		if (!c->action)
			continue;
		if (c->action->create)
			load_err(L, ymap_get(v, "action"),
			         "a containment action acts on a case; "
			         "'%s' creates one",
			         c->action->full_name);
		if ((x = ymap_get(v, "undo")))
			c->undo = reg_action(L, in->reg, x, "'undo'");
		if ((x = ymap_get(v, "suspends")) && load_str(L, x, "'suspends'")) {
			c->suspends = policy_action_field(c->action, x->str);
			if (!c->suspends || c->suspends->type != FIELD_USER) {
				load_err(L, x, "'suspends' names a user field of action '%s'",
				         c->action->full_name);
				c->suspends = NULL;
			} else if (c->undo && !policy_action_field(c->undo, x->str)) {
				load_err(L, x,
				         "action '%s' (the undo) needs the user field '%s' too",
				         c->undo->full_name, x->str);
			}
		}
		in->n_containment++;
	}
	in->containment = cs;
}

/* detect: {severity: [values of alert.severity], within, notify: [roles], clause} */
static void load_detect(struct loader *L, const struct ynode *n, struct policy_incidents *in)
{
	static const char *const keys[] = { "severity", "within",      "notify", "clause",
		                            "clauses",  "ward_choice", NULL };
	const struct policy_register *alert = policy_register(L->p, "alert");
	const struct policy_field *sev = alert ? policy_register_field(alert, "severity") : NULL;
	const struct ynode *x;
	const struct ynode **nodes;

	if (!load_want(L, n, Y_MAP, "'detect'"))
		return;
	load_check_keys(L, n, keys, "'detect'");
	in->detect_pos = n->pos;
	if (!alert || !sev) {
		load_err(L, n, "'detect' needs a register 'alert' with a field 'severity'");
		return;
	}
	if (load_require(L, n, "severity", "'detect'") &&
	    load_str_list(L, ymap_get(n, "severity"), "a severity", &in->detect_severities,
	                  &in->n_detect_severities, &nodes) == 0)
		for (unsigned i = 0; i < in->n_detect_severities; i++) {
			bool ok = false;
			for (unsigned v = 0; v < sev->n_values && !ok; v++)
				ok = !strcmp(sev->values[v], in->detect_severities[i]);
			if (!ok)
				load_unknown(L, nodes[i], "severity", in->detect_severities[i],
				             sev->values, sev->n_values);
		}
	if (load_require(L, n, "within", "'detect'"))
		load_duration(L, ymap_get(n, "within"), "'within'", &in->detect_within_seconds);
	if ((x = ymap_get(n, "notify"))) {
		const char **ids;
		unsigned cnt;

		if (load_str_list(L, x, "a role", &ids, &cnt, &nodes) == 0) {
			const struct policy_role **rs =
			    arena_array(L->a, cnt ? cnt : 1, sizeof(*rs));
			for (unsigned i = 0; i < cnt; i++) {
				const struct policy_role *r = load_role_ref(L, nodes[i], ids[i]);
				if (r)
					rs[in->n_detect_notify++] = r;
			}
			in->detect_notify = rs;
		}
	}
	in->detect_ward_choice = load_opt_str(L, n, "ward_choice", "'detect'");
	load_clause_refs(L, n, &in->detect_clauses, true, "'detect'");
	if (!policy_register_action(in->reg, "detect"))
		load_err(L, n, "'detect' needs action '%s.detect' (creates a case for Mamori)",
		         in->reg->id);
}

void load_incidents(struct loader *L, const struct ynode *n)
{
	static const char *const keys[] = { "register",    "reportable", "deadlines",
		                            "containment", "detect",     NULL };
	struct policy_incidents *in = &L->p->incidents;
	const struct ynode *x;

	if (!n || !load_want(L, n, Y_MAP, "'incidents'"))
		return;
	load_check_keys(L, n, keys, "'incidents'");
	in->pos = n->pos;
	if (!load_require(L, n, "register", "'incidents'"))
		return;
	x = ymap_get(n, "register");
	if (!load_str(L, x, "'register'"))
		return;
	in->reg = stable_get(&L->priv->registers, x->str, x->len);
	if (!in->reg) {
		load_unknown(L, x, "register", x->str, L->register_ids, L->p->n_registers);
		return;
	}
	/* what every case has (core/incident.h): a title, when it was found */
	if (!policy_register_field(in->reg, "title") ||
	    policy_register_field(in->reg, "title")->type != FIELD_TEXT)
		load_err(L, x, "register '%s' needs a text field 'title' for its cases", x->str);
	if (!policy_register_field(in->reg, "found_at") ||
	    policy_register_field(in->reg, "found_at")->type != FIELD_DATETIME)
		load_err(L, x,
		         "register '%s' needs a datetime field 'found_at' (when it was found)",
		         x->str);
	if ((x = ymap_get(n, "reportable")))
		load_reportable(L, x, in);
	if ((x = ymap_get(n, "deadlines")))
		load_deadlines(L, x, in);
	if ((x = ymap_get(n, "containment")))
		load_containment(L, x, in);
	if ((x = ymap_get(n, "detect")))
		load_detect(L, x, in);
}
