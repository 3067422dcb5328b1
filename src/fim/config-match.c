/* config-match: which paths a configuration selects, and which directories the walk enters. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "base/cleanup.h"
#include "fim/config-internal.h"

struct fim_matcher {
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

/* ---- matching ---- */

struct fim_matcher *fim_matcher_new(void)
{
	struct fim_matcher *m = xcalloc(1, sizeof(*m));

	m->md = pcre2_match_data_create(16, NULL);
	m->mc = pcre2_match_context_create(NULL);
	if (!m->md || !m->mc)
		abort();
	/* Bounds on backtracking: a pathological regex fails to match instead of hanging. */
	pcre2_set_match_limit(m->mc, 1000000);
	pcre2_set_depth_limit(m->mc, 10000);
	return m;
}

void fim_matcher_free(struct fim_matcher *m)
{
	if (!m)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mc);
	free(m);
}

/* True when node is path or one of its ancestors ("" is "/"). */
static bool node_covers(const struct fim_rule *r, const char *path, size_t len)
{
	if (r->node_len == 0)
		return true;
	if (r->node_len > len || memcmp(r->node, path, r->node_len))
		return false;
	return r->node_len == len || path[r->node_len] == '/';
}

/* The end of the match of r at the start of s, or -1. */
static long match_end(const struct fim_rule *r, struct fim_matcher *m, const char *s, size_t len)
{
	int rc = pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, 0, m->md, m->mc);

	if (rc < 0)
		return -1;
	return (long)pcre2_get_ovector_pointer(m->md)[1];
}

static bool rule_matches(const struct fim_rule *r, struct fim_matcher *m, const char *path,
                         size_t len, unsigned type)
{
	long end;

	if (r->types && !(r->types & (1u << type)))
		return false;
	end = match_end(r, m, path, len);
	if (r->kind != FIM_RULE_EQUALS)
		return end >= 0;
	/* Equals: the path itself, not what lies below the match ("=/foo" is /foo, /foobar). */
	if (end >= 0 && !memchr(path + end, '/', len - (size_t)end))
		return true;
	/* "=/foo/" also selects /foo itself. */
	if (type == FIM_TYPE_DIR && len + 1 < FIM_PATH_MAX) {
		char buf[FIM_PATH_MAX + 1];
		memcpy(buf, path, len);
		buf[len] = '/';
		end = match_end(r, m, buf, len + 1);
		return end == (long)len + 1;
	}
	return false;
}

const struct fim_rule *fim_config_select(const struct fim_config *c, struct fim_matcher *m,
                                         const char *path, size_t len, unsigned type)
{
	for (size_t i = 0; i < c->nr_rules; i++) {
		const struct fim_rule *r = &c->rules[i];
		if (!node_covers(r, path, len) || !rule_matches(r, m, path, len, type))
			continue;
		return r->kind == FIM_RULE_NEGATIVE || r->kind == FIM_RULE_PRUNE ? NULL : r;
	}
	return NULL;
}

bool fim_config_descend(const struct fim_config *c, struct fim_matcher *m, const char *path,
                        size_t len)
{
	char buf[FIM_PATH_MAX + 2];
	bool any = false;

	if (len + 1 >= FIM_PATH_MAX)
		return false;
	memcpy(buf, path, len);
	buf[len] = '/';
	for (size_t i = 0; i < c->nr_rules; i++) {
		const struct fim_rule *r = &c->rules[i];
		if (r->kind == FIM_RULE_PRUNE) {
			if (node_covers(r, path, len) &&
			    rule_matches(r, m, path, len, FIM_TYPE_DIR))
				return false;
			continue;
		}
		if (r->kind == FIM_RULE_NEGATIVE || any)
			continue;
		/* A rule whose node lies below path is reached through it. */
		if (r->node_len > len && !memcmp(r->node, path, len) && r->node[len] == '/') {
			any = true;
			continue;
		}
		int rc = pcre2_match(r->re, (PCRE2_SPTR)buf, len + 1, 0, PCRE2_PARTIAL_HARD, m->md,
		                     m->mc);
		if (rc >= 0 || rc == PCRE2_ERROR_PARTIAL)
			any = true;
	}
	return any;
}
