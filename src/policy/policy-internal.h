/* policy-internal: what the loader (profile.c, load-*.c), lint.c, compile.c and decide.c share. */
#ifndef MAMORI_POLICY_INTERNAL_H
#define MAMORI_POLICY_INTERNAL_H

#include <stdarg.h>

#include "policy/policy.h"

/* ---- arena: every object of a profile lives in one, freed at once ---------- */

struct arena_block;
struct arena {
	struct arena_block *head;
};
/* Zeroed, 16-byte aligned. Out of memory aborts, like xmalloc. */
void *arena_alloc(struct arena *a, size_t n) __attribute__((returns_nonnull));
void *arena_array(struct arena *a, size_t nmemb, size_t size) __attribute__((returns_nonnull));
char *arena_strndup(struct arena *a, const char *s, size_t n) __attribute__((returns_nonnull));
void arena_release(struct arena *a);

/* ---- string table: open addressing, fixed size, keys borrowed ------------- */

struct stable_slot {
	const char *key;
	uint32_t len, hash;
	const void *val;
};
struct stable {
	struct stable_slot *slots;
	uint32_t mask, nr;
};
void stable_init(struct stable *t, struct arena *a, size_t expected);
/* Returns the value already stored under key (and stores nothing), else NULL. */
const void *stable_put(struct stable *t, const char *key, size_t len, const void *val);
const void *stable_get(const struct stable *t, const char *key, size_t len);

/* ---- YAML, as a small tree with positions (ytree.c) ------------------------ */

enum ynode_type {
	Y_SCALAR,
	Y_MAP,
	Y_SEQ,
};

struct ynode {
	enum ynode_type type;
	struct policy_pos pos;
	const char *str; /* Y_SCALAR: NUL-terminated */
	size_t len;
	bool plain; /* Y_SCALAR: written without quotes */
	/* Y_MAP: kids[2i] is a key (scalar), kids[2i+1] its value; n counts pairs. Y_SEQ: items. */
	struct ynode **kids;
	unsigned n;
};

/* Parses data into a tree in arena a; returns NULL after adding diagnostics. */
struct ynode *ytree_parse(struct arena *a, const char *data, size_t len, struct policy_diags *d);
struct ynode *ymap_get(const struct ynode *map, const char *key);
const char *ynode_type_name(const struct ynode *n);

/* ---- diagnostics ------------------------------------------------------------- */

void diag_add(struct policy_diags *d, enum policy_severity s, struct policy_pos pos,
              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_vadd(struct policy_diags *d, enum policy_severity s, struct policy_pos pos,
               const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* Sorts diagnostics by position (stable), errors and warnings interleaved. */
void diag_sort(struct policy_diags *d);
/* The candidate closest to word by edit distance, if close enough; else NULL. */
const char *suggest(const char *word, const char *const *candidates, size_t n);
/* Appends " (did you mean 'x'?)" when a close candidate exists. */
void suggest_append(struct strbuf *sb, const char *word, const char *const *candidates, size_t n);

/* ---- compiled conditions (load-rules.c fills, decide.c evaluates) ---------------- */

struct cond_ctx {
	unsigned key; /* index in profile->context_keys */
	uint64_t values;
};

/* A record condition as written: resolved per register when compiling. */
struct cond_rec_raw {
	const char *field;
	const char **values;
	unsigned n_values;
	struct policy_pos pos;
};

struct cond_rec {
	const struct policy_field *field;
	uint64_t values; /* enum: bit per value index; bool: bit 0 false, bit 1 true */
};

struct cond {
	bool present;
	bool has_levels, has_roles, has_employment, has_states, has_opened;
	uint64_t opened; /* bit per opening (policy_opening.index): any of them */
	uint64_t levels; /* bit per level index */
	uint64_t roles;  /* bit per role index: any of them */
	enum policy_at role_at;
	uint64_t employment;
	enum policy_section_rel section;
	const char **states; /* names; resolved per register */
	unsigned n_states;
	struct cond_ctx *ctx;
	unsigned n_ctx;
	struct cond_rec_raw *rec;
	unsigned n_rec;
	struct policy_pos pos;
	struct policy_pos level_pos, roles_pos;
};

struct rule_priv {
	struct cond when, unless;
};

/* A rule compiled for one action (its register's fields and states resolved). */
struct crule {
	const struct policy_rule *rule;
	const struct cond *when, *unless;
	struct cond_rec *rec_when, *rec_unless;
	unsigned n_rec_when, n_rec_unless;
	uint64_t states_when, states_unless; /* 0 with has_states = none can match */
};

struct caction {
	struct crule *rules;
	unsigned n;
	uint64_t allow, approval, deny, none; /* rule bits by effect */
	uint64_t ctx_read;                    /* context keys its rules' conditions read */
	const struct policy_separation *sep;  /* applicant≠approver constraint */
	struct policy_obligation required;    /* the action's required fields */
	bool has_required;
};

struct profile_private {
	struct arena arena;
	struct stable clauses, levels, roles, employment, context, registers, actions, rules,
	    duties, separation;
	struct rule_priv *rule_priv; /* per rule */
	struct caction *cactions;    /* per action */
	char *owned_data;            /* a copy of the file, when loading needs it */
};

/* profile.c → compile.c: build the indexes of every action; diagnostics for limits. */
void policy_compile(struct profile *p, struct policy_diags *d);
/* lint.c: checks that need the whole model (rules, coverage, reachability). */
void policy_lint_model(const struct profile *p, struct policy_diags *d);

#endif
