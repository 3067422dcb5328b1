/* sigma: analysis rules in a documented subset of Sigma, with Mamori's register-aware extensions.
 */
#ifndef MAMORI_MONITOR_SIGMA_H
#define MAMORI_MONITOR_SIGMA_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * The subset (docs/logs.md, "The rule format", has the whole of it):
 *   title, id (required), status, description, level, logsource, tags, references,
 *   author, date, modified, falsepositives, fields                    kept, not matched;
 *   tags mamori.CLAUSE-ID name the clauses the rule watches for (policy coverage)
 *   detection: named selections and `condition`
 *     a selection is a map (every field condition holds) or a list of maps (any holds),
 *     or a list of keywords (any is in the message)
 *     a field condition is `field` or `field|modifier...` with a value or a list (any;
 *     with the `all` modifier: every); modifiers contains, startswith, endswith, re
 *     (POSIX extended), all; plain values may use * and ? wildcards; matching is
 *     case-insensitive (ASCII) except for re; a null value holds when the field is empty
 *   condition: selection names, and, or, not, parentheses, `1 of NAME*`, `all of NAME*`,
 *     `1 of them`, `all of them`
 *   correlation: {type: event_count, rules: [ids], group-by: [fields], timespan: 60s,
 *     condition: {gte: N}} (or gt), and `generate`; or type value_count with
 *     condition: {gte: N, field: F}: N distinct values of field F in the window (a
 *     program found on N hosts)
 *   mamori: register-aware conditions evaluated after detection (see struct below)
 */

enum sigma_op { SIGMA_EQ, SIGMA_CONTAINS, SIGMA_STARTS, SIGMA_ENDS, SIGMA_RE };

struct sigma_value {
	char *s; /* lowercased for all but SIGMA_RE; NULL: the null value */
	size_t n;
	bool glob; /* has * or ? */
	regex_t *re;
};

struct anyof;
struct sigma_cond {
	char *field;
	const char *key; /* field, interned: every condition on one field shares the address */
	enum sigma_op op;
	bool all; /* every value must match */
	struct sigma_value *v;
	unsigned nv;
	struct anyof *any; /* `contains` a list of values: all of them in one pass, or NULL */
};

/* A selection: any of its maps, each map all of its conditions; or keywords. */
struct sigma_sel {
	char *name;
	struct sigma_cond **maps;
	unsigned *nconds;
	unsigned nmaps;
	struct sigma_value *keywords;
	unsigned nkw;
	struct anyof *kw_any; /* the keywords in one pass (none with wildcards), or NULL */
};

enum sigma_expr_op { EX_SEL, EX_AND, EX_OR, EX_NOT, EX_ONE_OF, EX_ALL_OF };
struct sigma_expr {
	enum sigma_expr_op op;
	unsigned sel;  /* EX_SEL */
	char *pattern; /* EX_ONE_OF, EX_ALL_OF: a name with an optional trailing '*'; NULL: them */
	struct sigma_expr *a, *b;
};

enum sigma_cmp { CMP_GTE, CMP_GT };

/* Days of the week as bits: bit 0 Sunday ... bit 6 Saturday. */
struct sigma_hours {
	unsigned days; /* working days */
	int from_min;  /* minutes after midnight, ward's time */
	int to_min;
};

enum sigma_user_status {
	SIGMA_USER_RETIRED = 1 << 0,
	SIGMA_USER_SUSPENDED = 1 << 1,
};

struct sigma_rule {
	char *id, *title, *description, *level, *status;
	char *file; /* where it was read: "policies/rules/minato.yml", "DIR/rules/x.yml" */
	int line;
	bool disabled;  /* status deprecated or unsupported: kept, never run */
	char **clauses; /* its tags mamori.ID: the clauses it watches for ("MIN-5-5-7-3") */
	unsigned nclauses, alloc_clauses;
	/* detection */
	struct sigma_sel *sels;
	unsigned nsels;
	struct sigma_expr *cond;
	/* a field condition the rule cannot match without (`failure: {event: auth_failure}` in
	 * `failure and not local`): tested first, so a message it rules out costs one test */
	const struct sigma_cond *guard;
	/* the set's prefilter (sigma_link) when it can rule the rule out, and its slot there */
	const struct sigma_prefilter *pre;
	unsigned pre_slot;
	bool referenced; /* a correlation counts its matches */
	/* correlation (event_count) */
	bool correlation;
	char **rules;
	unsigned nrules;
	unsigned *rule_idx; /* resolved */
	char **group_by;
	unsigned ngroup;
	int64_t timespan_ms;
	enum sigma_cmp cmp;
	int64_t count;
	char *value_field; /* value_count: the count is of this field's distinct values */
	bool generate;     /* the rules it counts also alert themselves */
	/*
	 * mamori: extensions over the ward's registers, all that are set must hold:
	 *   user_status: [retired, suspended]   the message's user is a Mamori user in that state
	 *   level_at_least: "3"                  the host is a registered device (register
	 *                                        device, field hostname) of at least that level
	 *   outside_hours: {days: [mon..fri], from: "08:30", to: "18:15"}   the message's time,
	 *                                        in the ward's time, is outside those hours
	 *   no_admin_record: true                no granted record of register admin names the
	 *                                        user for the host (or the host's system)
	 *   log_gap: 1h                          (alone) a host that has sent has been silent
	 *                                        this long
	 */
	unsigned user_status;
	char *level_at_least;
	struct sigma_hours *outside_hours;
	bool no_admin_record;
	int64_t log_gap_ms;
};

struct sigma_prefilter;
struct sigma_set {
	struct sigma_rule *rules;
	size_t nr, alloc;
	struct sigma_prefilter *pre; /* built by sigma_link, dropped by sigma_load */
};

/*
 * Reads every YAML document of data (a rules file) into set; a rule whose id is already
 * there replaces it (the data directory's rules override the shipped ones). Returns 0, or
 * -EINVAL with err as "FILE:LINE: message" for the first mistake (nothing of the file is
 * added then).
 */
int sigma_load(struct sigma_set *set, const char *file, const char *data, size_t len,
               struct strbuf *err);
/*
 * Resolves correlations' rule references; -EINVAL with err for an unknown one or one that is
 * not a detection rule. A correlation that counts a stopped rule (deprecated, unsupported) is
 * stopped too: it could never fire, and a ward may stop a rule with a stub of any kind.
 */
int sigma_link(struct sigma_set *set, struct strbuf *err);
void sigma_set_release(struct sigma_set *set);
/*
 * The prefilter (built by sigma_link, on by default): for each detection rule whose every
 * branch needs an exact field value or a contained text (`event: auth_failure`; `app: [clamd,
 * ...]` or `EventID: [1006, 1116]` or `message|contains: [...]` in the branches of an `or`),
 * the message's fields are compared with all such values once (every contained text of a
 * field in one pass), and sigma_match_cached says no without evaluating them to the rules the
 * message cannot match. A rule with `not` around what it needs, keywords, or a branch of only
 * startswith, endswith, re, wildcards or null is always evaluated. It changes no decision:
 * tests turn it off to prove so (test-sigma.c, prefilter_same).
 */
void sigma_set_prefilter(struct sigma_set *set, bool on);

/*
 * A message's field as text for matching: returns the value (into buf when it must be
 * built) or NULL when the message has no such field. A value not built in buf must stay as
 * it is while the message is matched (until sigma_cache_reset): the cache keeps a pointer to
 * it, not a copy.
 */
typedef const char *(*sigma_field_fn)(const void *ctx, const char *field, struct strbuf *buf,
                                      size_t *ret_len);

/* Does the rule's detection hold for the message? (Correlations: never.) */
bool sigma_match(const struct sigma_rule *r, sigma_field_fn field, const void *ctx);
/*
 * The same with the message's fields fetched and lowercased once for all the rules matched
 * against it: call sigma_cache_reset before each new message (ctx). A cache belongs to one
 * thread at a time; it holds parts of messages and wipes them.
 */
struct sigma_cache;
struct sigma_cache *sigma_cache_new(void);
void sigma_cache_reset(struct sigma_cache *c);
void sigma_cache_free(struct sigma_cache *c);
bool sigma_match_cached(const struct sigma_rule *r, sigma_field_fn field, const void *ctx,
                        struct sigma_cache *cache);
/*
 * The detection rules in force the message may match, as indexes into set->rules, ascending
 * (*ret: the cache's or the set's, valid until the cache's next reset): all but those the
 * prefilter rules out (all of them when it is off or the set was not linked). A rule left
 * out is one sigma_match_cached says no to: a caller loops over these only, and touches no
 * other rule for a message that can match none (test-sigma.c, prefilter_same).
 */
size_t sigma_candidates(const struct sigma_set *set, sigma_field_fn field, const void *ctx,
                        struct sigma_cache *cache, const unsigned **ret);
/* false when the prefilter (on) rules r out for the message: sigma_match_cached then says no
 * without evaluating it. */
bool sigma_candidate(const struct sigma_rule *r, sigma_field_fn field, const void *ctx,
                     struct sigma_cache *cache);

/* "critical" ... "informational" as Sigma writes them; NULL for anything else. */
const char *sigma_level_name(const char *level);

#endif
