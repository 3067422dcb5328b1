/* sigma: analysis rules in a documented subset of Sigma, with Mamori's register-aware extensions.
 */
#include <errno.h>
#include <libfyaml.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/parse.h"
#include "monitor/anyof.h"
#include "monitor/sigma-internal.h"
#include "monitor/sigma.h"

/* ---- loading ------------------------------------------------------------------------- */

/* The 1-based line of a node (libfyaml keeps positions on scalars: the first one inside). */
int sigma_node_line(struct fy_node *n)
{
	for (int depth = 0; n && depth < 64; depth++) {
		void *it = NULL;
		if (fy_node_get_type(n) == FYNT_SCALAR) {
			struct fy_token *t = fy_node_get_scalar_token(n);
			const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
			return m ? m->line + 1 : 0;
		}
		if (fy_node_get_type(n) == FYNT_MAPPING) {
			struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
		} else {
			n = fy_node_sequence_iterate(n, &it);
		}
	}
	return 0;
}

int sigma_lfail(struct loader *l, struct fy_node *n, const char *fmt, ...)
{
	int line = n ? sigma_node_line(n) : 0;
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	error_set(l->err, "%s:%d: %s", l->file, line ? line : l->line, msg.buf);
	strbuf_release(&msg);
	return -EINVAL;
}

const char *sigma_scalar(struct fy_node *n, size_t *len)
{
	size_t dummy;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return NULL;
	return fy_node_get_scalar(n, len ? len : &dummy);
}

char *sigma_scalar_dup(struct fy_node *n)
{
	size_t len;
	const char *s = sigma_scalar(n, &len);

	return s ? xstrndup(s, len) : NULL;
}

static int duration_ms(struct loader *l, struct fy_node *n, int64_t *ret)
{
	char *s = sigma_scalar_dup(n);
	int64_t secs;
	int r = s && parse_duration(s, &secs) == 0 && secs > 0 && secs <= 366LL * 86400 ? 0 : -1;

	free(s);
	if (r < 0)
		return sigma_lfail(l, n, "a duration such as 60s, 10m or 1h is needed");
	*ret = secs * 1000;
	return 0;
}

static int string_list(struct loader *l, struct fy_node *n, char ***ret, unsigned *ret_n)
{
	void *it = NULL;
	struct fy_node *item;

	if (sigma_scalar(n, NULL)) {
		*ret = xcalloc(1, sizeof(char *));
		(*ret)[0] = sigma_scalar_dup(n);
		*ret_n = 1;
		return 0;
	}
	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return sigma_lfail(l, n, "a list of names is needed");
	*ret = xcalloc((size_t)fy_node_sequence_item_count(n) + 1, sizeof(char *));
	*ret_n = 0;
	while ((item = fy_node_sequence_iterate(n, &it))) {
		if (!sigma_scalar(item, NULL))
			return sigma_lfail(l, item, "a name must be text");
		(*ret)[(*ret_n)++] = sigma_scalar_dup(item);
	}
	return 0;
}

static int correlation(struct loader *l, struct fy_node *c, struct sigma_rule *r)
{
	struct fy_node *type = fy_node_mapping_lookup_by_string(c, "type", -1);
	struct fy_node *rules = fy_node_mapping_lookup_by_string(c, "rules", -1);
	struct fy_node *group = fy_node_mapping_lookup_by_string(c, "group-by", -1);
	struct fy_node *span = fy_node_mapping_lookup_by_string(c, "timespan", -1);
	struct fy_node *cond = fy_node_mapping_lookup_by_string(c, "condition", -1);
	struct fy_node *gen = fy_node_mapping_lookup_by_string(c, "generate", -1);
	static const char *const cmps[] = { "gte", "gt" };
	size_t len;
	const char *t = sigma_scalar(type, &len);
	bool found = false, value = false;

	if (fy_node_get_type(c) != FYNT_MAPPING)
		return sigma_lfail(l, c, "correlation must be a map");
	r->correlation = true;
	if (t && len == 11 && !memcmp(t, "value_count", 11))
		value = true;
	else if (!t || len != 11 || memcmp(t, "event_count", 11))
		return sigma_lfail(l, type ? type : c,
		                   "the correlation type is event_count or value_count");
	if (!rules || string_list(l, rules, &r->rules, &r->nrules) < 0 || r->nrules == 0)
		return rules ? -EINVAL : sigma_lfail(l, c, "correlation needs rules");
	if (group && string_list(l, group, &r->group_by, &r->ngroup) < 0)
		return -EINVAL;
	if (!span)
		return sigma_lfail(l, c, "correlation needs a timespan");
	if (duration_ms(l, span, &r->timespan_ms) < 0)
		return -EINVAL;
	if (!cond || fy_node_get_type(cond) != FYNT_MAPPING ||
	    fy_node_mapping_item_count(cond) != (value ? 2 : 1))
		return sigma_lfail(
		    l, cond ? cond : c,
		    value ? "value_count needs a condition such as {gte: 3, field: host}"
		          : "correlation needs a condition such as {gte: 5}");
	if (value) {
		struct fy_node *f = fy_node_mapping_lookup_by_string(cond, "field", -1);

		r->value_field = f ? sigma_scalar_dup(f) : NULL;
		if (!r->value_field || !*r->value_field)
			return sigma_lfail(l, f ? f : cond,
			                   "value_count counts the distinct values of a field: "
			                   "{gte: 3, field: host}");
	}
	for (unsigned i = 0; i < ARRAY_SIZE(cmps); i++) {
		struct fy_node *v = fy_node_mapping_lookup_by_string(cond, cmps[i], -1);
		char *s;
		if (!v)
			continue;
		s = sigma_scalar_dup(v);
		if (!s || parse_int64(s, 1, 1000000, &r->count) < 0) {
			free(s);
			return sigma_lfail(l, v, "the count must be a whole number");
		}
		free(s);
		r->cmp = (enum sigma_cmp)i;
		found = true;
	}
	if (!found)
		return sigma_lfail(l, cond,
		                   "the condition is gte or gt: an alert when the count reaches it "
		                   "(counts below a threshold are not supported)");
	if (gen) {
		const char *g = sigma_scalar(gen, &len);
		r->generate = g && len == 4 && !memcmp(g, "true", 4);
	}
	return 0;
}

static int parse_days(struct loader *l, struct fy_node *n, unsigned *ret)
{
	static const char *const names[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	char **days = NULL;
	unsigned nd = 0;
	int r = string_list(l, n, &days, &nd);

	*ret = 0;
	for (unsigned i = 0; r == 0 && i < nd; i++) {
		unsigned k;
		for (k = 0; k < 7 && strcmp(days[i], names[k]); k++)
			;
		if (k == 7)
			r = sigma_lfail(l, n, "days are sun, mon, tue, wed, thu, fri, sat");
		else
			*ret |= 1u << k;
	}
	for (unsigned i = 0; i < nd; i++)
		free(days[i]);
	free(days);
	return r;
}

static int hhmm(struct loader *l, struct fy_node *n, int *ret)
{
	size_t len;
	const char *s = sigma_scalar(n, &len);

	if (!s || len != 5 || s[2] != ':' || s[0] < '0' || s[0] > '2' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9' ||
	    (s[0] - '0') * 10 + (s[1] - '0') > 24)
		return sigma_lfail(l, n, "a time of day is written HH:MM, such as \"08:30\"");
	*ret = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
	return 0;
}

static int mamori_ext(struct loader *l, struct fy_node *m, struct sigma_rule *r)
{
	void *it = NULL;
	struct fy_node_pair *p;

	if (fy_node_get_type(m) != FYNT_MAPPING)
		return sigma_lfail(l, m, "mamori must be a map");
	while ((p = fy_node_mapping_iterate(m, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);
		size_t len;
		const char *key = sigma_scalar(k, &len);
		char *s;
		if (!key)
			return sigma_lfail(l, k, "a key must be text");
		if (len == 11 && !memcmp(key, "user_status", 11)) {
			char **st = NULL;
			unsigned ns = 0;
			int rr = string_list(l, v, &st, &ns);
			for (unsigned i = 0; rr == 0 && i < ns; i++) {
				if (!strcmp(st[i], "retired"))
					r->user_status |= SIGMA_USER_RETIRED;
				else if (!strcmp(st[i], "suspended"))
					r->user_status |= SIGMA_USER_SUSPENDED;
				else
					rr = sigma_lfail(l, v,
					                 "user_status is retired or suspended");
			}
			for (unsigned i = 0; i < ns; i++)
				free(st[i]);
			free(st);
			if (rr < 0)
				return rr;
		} else if (len == 14 && !memcmp(key, "level_at_least", 14)) {
			r->level_at_least = sigma_scalar_dup(v);
			if (!r->level_at_least)
				return sigma_lfail(l, v,
				                   "level_at_least names a level of the profile");
		} else if (len == 13 && !memcmp(key, "outside_hours", 13)) {
			struct fy_node *days = fy_node_mapping_lookup_by_string(v, "days", -1);
			struct fy_node *from = fy_node_mapping_lookup_by_string(v, "from", -1);
			struct fy_node *to = fy_node_mapping_lookup_by_string(v, "to", -1);
			if (fy_node_get_type(v) != FYNT_MAPPING || !days || !from || !to)
				return sigma_lfail(
				    l, v, "outside_hours is {days: [...], from: HH:MM, to: HH:MM}");
			r->outside_hours = xcalloc(1, sizeof(*r->outside_hours));
			if (parse_days(l, days, &r->outside_hours->days) < 0 ||
			    hhmm(l, from, &r->outside_hours->from_min) < 0 ||
			    hhmm(l, to, &r->outside_hours->to_min) < 0)
				return -EINVAL;
		} else if (len == 15 && !memcmp(key, "no_admin_record", 15)) {
			s = sigma_scalar_dup(v);
			r->no_admin_record = s && !strcmp(s, "true");
			free(s);
		} else if (len == 7 && !memcmp(key, "log_gap", 7)) {
			if (duration_ms(l, v, &r->log_gap_ms) < 0)
				return -EINVAL;
		} else {
			return sigma_lfail(
			    l, k,
			    "unknown key '%.*s' under mamori (user_status, level_at_least, "
			    "outside_hours, no_admin_record, log_gap)",
			    (int)len, key);
		}
	}
	return 0;
}

static bool valid_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		      s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

static void rule_release(struct sigma_rule *r);

/*
 * tags: kept as Sigma has them; those of the form mamori.CLAUSE-ID name the clauses of the
 * ward's text the rule watches for (policy coverage counts them as monitored).
 */
static int rule_tags(struct loader *l, struct fy_node *tags, struct sigma_rule *r)
{
	static const char prefix[] = "mamori.";
	void *it = NULL;
	struct fy_node *t;

	if (!tags)
		return 0;
	if (fy_node_get_type(tags) != FYNT_SEQUENCE)
		return sigma_lfail(l, tags, "rule '%s': tags is a list ([mamori.MIN-5-5-7-3, ...])",
		                   r->id);
	while ((t = fy_node_sequence_iterate(tags, &it))) {
		size_t len;
		const char *s = sigma_scalar(t, &len);

		if (!s)
			return sigma_lfail(l, t, "rule '%s': a tag is a word, not a list or a map",
			                   r->id);
		if (len <= sizeof(prefix) - 1 || memcmp(s, prefix, sizeof(prefix) - 1))
			continue;
		if (len - (sizeof(prefix) - 1) > 64)
			return sigma_lfail(l, t, "rule '%s': a clause id is at most 64 bytes",
			                   r->id);
		ALLOC_GROW(r->clauses, r->nclauses, r->alloc_clauses);
		r->clauses[r->nclauses++] =
		    xstrndup(s + sizeof(prefix) - 1, len - (sizeof(prefix) - 1));
	}
	return 0;
}

static int rule_from_doc(struct loader *l, struct fy_node *root, struct sigma_rule *r)
{
	static const char *const known[] = {
		"title",  "id",         "status",      "description", "level",    "logsource",
		"tags",   "references", "author",      "date",        "modified", "falsepositives",
		"fields", "detection",  "correlation", "mamori",      "related",  "license",
		"name",   "taxonomy",   NULL,
	};
	void *it = NULL;
	struct fy_node_pair *p;
	struct fy_node *det, *corr, *mam;

	memset(r, 0, sizeof(*r));
	if (!root || fy_node_get_type(root) != FYNT_MAPPING)
		return sigma_lfail(l, root, "a rule is a map (title, id, detection ...)");
	r->line = sigma_node_line(root);
	l->line = r->line;
	while ((p = fy_node_mapping_iterate(root, &it))) {
		size_t len;
		const char *k = sigma_scalar(fy_node_pair_key(p), &len);
		bool ok = false;
		for (unsigned i = 0; k && known[i]; i++)
			ok = ok || (strlen(known[i]) == len && !memcmp(known[i], k, len));
		if (!ok)
			return sigma_lfail(l, fy_node_pair_key(p), "unknown key '%.*s' in a rule",
			                   k ? (int)len : 0, k ? k : "");
	}
	r->id = sigma_scalar_dup(fy_node_mapping_lookup_by_string(root, "id", -1));
	r->title = sigma_scalar_dup(fy_node_mapping_lookup_by_string(root, "title", -1));
	r->description =
	    sigma_scalar_dup(fy_node_mapping_lookup_by_string(root, "description", -1));
	r->level = sigma_scalar_dup(fy_node_mapping_lookup_by_string(root, "level", -1));
	r->status = sigma_scalar_dup(fy_node_mapping_lookup_by_string(root, "status", -1));
	r->file = xstrdup(l->file);
	if (!valid_id(r->id))
		return sigma_lfail(
		    l, root, "a rule needs an id of letters, digits, '-' and '_' (at most 64)");
	if (!r->title)
		return sigma_lfail(l, root, "rule '%s' needs a title", r->id);
	if (r->level && !sigma_level_name(r->level))
		return sigma_lfail(l, fy_node_mapping_lookup_by_string(root, "level", -1),
		                   "level is informational, low, medium, high or critical");
	r->disabled =
	    r->status && (!strcmp(r->status, "deprecated") || !strcmp(r->status, "unsupported"));
	det = fy_node_mapping_lookup_by_string(root, "detection", -1);
	corr = fy_node_mapping_lookup_by_string(root, "correlation", -1);
	mam = fy_node_mapping_lookup_by_string(root, "mamori", -1);
	if (rule_tags(l, fy_node_mapping_lookup_by_string(root, "tags", -1), r) < 0)
		return -EINVAL;
	if (det && corr)
		return sigma_lfail(l, root, "rule '%s': detection or correlation, not both", r->id);
	if (det && sigma_detection(l, det, r) < 0)
		return -EINVAL;
	if (corr && correlation(l, corr, r) < 0)
		return -EINVAL;
	if (mam && mamori_ext(l, mam, r) < 0)
		return -EINVAL;
	if (!det && !corr && !r->log_gap_ms)
		return sigma_lfail(
		    l, root, "rule '%s' needs detection, correlation or mamori: log_gap", r->id);
	if (r->log_gap_ms && (det || corr))
		return sigma_lfail(l, root, "rule '%s': log_gap stands alone", r->id);
	return 0;
}

int sigma_load(struct sigma_set *set, const char *file, const char *data, size_t len,
               struct strbuf *err)
{
	struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_DISABLE_RECYCLING };
	struct loader l = { .file = file, .err = err };
	struct fy_parser *fyp = fy_parser_create(&cfg);
	struct fy_document *doc;
	struct sigma_set add = { 0 };
	int r = 0;

	if (!fyp || fy_parser_set_string(fyp, data, len) != 0) {
		fy_parser_destroy(fyp);
		error_set(err, "%s: cannot read it as YAML", file);
		return -EINVAL;
	}
	while (r == 0 && (doc = fy_parse_load_document(fyp))) {
		struct fy_node *root = fy_document_root(doc);
		if (root) {
			ALLOC_GROW(add.rules, add.nr + 1, add.alloc);
			r = rule_from_doc(&l, root, &add.rules[add.nr]);
			add.nr++;
			for (size_t i = 0; r == 0 && i + 1 < add.nr; i++)
				if (!strcmp(add.rules[i].id, add.rules[add.nr - 1].id))
					r = sigma_lfail(&l, root,
					                "rule id '%s' is used twice in this file",
					                add.rules[i].id);
		}
		fy_parse_document_destroy(fyp, doc);
	}
	if (r == 0 && fy_parser_get_stream_error(fyp)) {
		error_set(err, "%s: not valid YAML", file);
		r = -EINVAL;
	}
	fy_parser_destroy(fyp);
	if (r < 0) {
		sigma_set_release(&add);
		return r;
	}
	for (size_t i = 0; i < add.nr; i++) {
		size_t k;
		for (k = 0; k < set->nr && strcmp(set->rules[k].id, add.rules[i].id); k++)
			;
		if (k < set->nr) {
			rule_release(&set->rules[k]);
			set->rules[k] = add.rules[i];
		} else {
			ALLOC_GROW(set->rules, set->nr + 1, set->alloc);
			set->rules[set->nr++] = add.rules[i];
		}
	}
	free(add.rules);
	sigma_prefilter_free(set); /* its rules moved or went: sigma_link builds it again */
	return 0;
}

int sigma_link(struct sigma_set *set, struct strbuf *err)
{
	for (size_t i = 0; i < set->nr; i++)
		set->rules[i].referenced = false;
	for (size_t i = 0; i < set->nr; i++) {
		struct sigma_rule *r = &set->rules[i];
		if (!r->correlation)
			continue;
		free(r->rule_idx);
		r->rule_idx = xcalloc(r->nrules, sizeof(*r->rule_idx));
		for (unsigned k = 0; k < r->nrules; k++) {
			size_t j;
			for (j = 0; j < set->nr && strcmp(set->rules[j].id, r->rules[k]); j++)
				;
			if (j < set->nr && set->rules[j].disabled && !set->rules[j].correlation) {
				/* It counts a rule the ward stopped: it is stopped with it. */
				r->disabled = true;
				r->rule_idx[k] = (unsigned)j;
				continue;
			}
			if (j == set->nr || set->rules[j].correlation || !set->rules[j].cond) {
				error_set(
				    err,
				    "%s:%d: correlation '%s' counts rule '%s', which is not a "
				    "detection rule here",
				    r->file, r->line, r->id, r->rules[k]);
				return -EINVAL;
			}
			r->rule_idx[k] = (unsigned)j;
		}
	}
	/* Only a running correlation keeps its counted rules from alerting themselves. */
	for (size_t i = 0; i < set->nr; i++) {
		const struct sigma_rule *r = &set->rules[i];

		for (unsigned k = 0;
		     r->correlation && !r->generate && !r->disabled && k < r->nrules; k++)
			set->rules[r->rule_idx[k]].referenced = true;
	}
	sigma_prefilter_build(set);
	return 0;
}

static void rule_release(struct sigma_rule *r)
{
	for (unsigned i = 0; i < r->nsels; i++) {
		struct sigma_sel *s = &r->sels[i];
		for (unsigned m = 0; m < s->nmaps; m++) {
			for (unsigned c = 0; s->maps[m] && c < s->nconds[m]; c++) {
				for (unsigned v = 0; v < s->maps[m][c].nv; v++)
					sigma_value_release(&s->maps[m][c].v[v]);
				free(s->maps[m][c].v);
				free(s->maps[m][c].field);
				anyof_free(s->maps[m][c].any);
			}
			free(s->maps[m]);
		}
		for (unsigned k = 0; k < s->nkw; k++)
			sigma_value_release(&s->keywords[k]);
		anyof_free(s->kw_any);
		free(s->keywords);
		free(s->maps);
		free(s->nconds);
		free(s->name);
	}
	free(r->sels);
	sigma_expr_free(r->cond);
	for (unsigned i = 0; i < r->nrules; i++)
		free(r->rules[i]);
	free(r->rules);
	free(r->rule_idx);
	for (unsigned i = 0; i < r->ngroup; i++)
		free(r->group_by[i]);
	free(r->group_by);
	free(r->value_field);
	free(r->outside_hours);
	free(r->level_at_least);
	for (unsigned i = 0; i < r->nclauses; i++)
		free(r->clauses[i]);
	free(r->clauses);
	free(r->id);
	free(r->title);
	free(r->description);
	free(r->level);
	free(r->status);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

void sigma_set_release(struct sigma_set *set)
{
	for (size_t i = 0; i < set->nr; i++)
		rule_release(&set->rules[i]);
	sigma_prefilter_free(set);
	free(set->rules);
	memset(set, 0, sizeof(*set));
}

const char *sigma_level_name(const char *level)
{
	static const char *const levels[] = { "informational", "low", "medium", "high",
		                              "critical" };

	for (size_t i = 0; level && i < ARRAY_SIZE(levels); i++)
		if (!strcmp(level, levels[i]))
			return levels[i];
	return NULL;
}
