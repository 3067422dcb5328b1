/* load-internal: what the profile loader's files (load-*.c, profile.c) share while a load runs. */
#ifndef MAMORI_POLICY_LOAD_INTERNAL_H
#define MAMORI_POLICY_LOAD_INTERNAL_H

#include "policy/policy-internal.h"

/* What a load needs while it runs; the profile keeps only the model. */
struct loader {
	struct profile *p;
	struct profile_private *priv;
	struct arena *a;
	struct policy_diags *d;

	const char **clause_ids; /* candidates for suggestions */
	const char **role_ids, **level_ids, **register_ids, **action_names, **employment_ids,
	    **context_ids;

	struct policy_clause *clauses;
	struct policy_level *levels;
	struct policy_employment *employment;
	struct policy_context_key *context;
	struct policy_role *roles;
	struct policy_register *regs;
	struct policy_rule *rules;

	/* pass 2 of registers: ref fields name another register */
	unsigned n_actions; /* actions created so far: their index in profile->actions */

	struct pending_ref {
		struct policy_field *field;
		const struct ynode *to;
	} * refs;
	size_t n_refs, alloc_refs;
	/* actions' `actor_in`, resolved once every register is known */
	struct {
		struct policy_action *action;
		const struct ynode *x;
	} * actor_ins;
	size_t n_actor_ins, alloc_actor_ins;
	/* ref fields' `ref_states`, checked once every register is known */
	struct {
		const struct policy_field *field;
		const struct ynode *x;
	} * ref_states;
	size_t n_ref_states, alloc_ref_states;
	/* clause fields' `within: REF.CLAUSES`, resolved once every register is known */
	struct {
		struct policy_field *field;
		const struct ynode *x;
	} * withins;
	size_t n_withins, alloc_withins;
};

/* ---- helpers (load-util.c): each reports its own error at the node ----------------- */

void load_err(struct loader *L, const struct ynode *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* An id: a lowercase letter, then lowercase letters, digits, '_' or '-'; at most 64. */
bool load_is_ident(const char *s);
bool load_want(struct loader *L, const struct ynode *n, enum ynode_type t, const char *what);
/* A non-empty scalar, or NULL after an error. */
const char *load_str(struct loader *L, const struct ynode *n, const char *what);
int load_boolean(struct loader *L, const struct ynode *n, const char *what, bool *ret);
/* Every key of map is one of allowed (NULL-terminated); else an error with a suggestion. */
bool load_check_keys(struct loader *L, const struct ynode *map, const char *const *allowed,
                     const char *what);
bool load_require(struct loader *L, const struct ynode *map, const char *key, const char *what);
const char *load_opt_str(struct loader *L, const struct ynode *map, const char *key,
                         const char *what);
/* "unknown KIND 'NAME'" with the closest candidate suggested. */
void load_unknown(struct loader *L, const struct ynode *n, const char *kind, const char *name,
                  const char *const *cands, size_t nc);
/* A scalar or a list of scalars, as an array of strings in the arena. */
int load_str_list(struct loader *L, const struct ynode *n, const char *what, const char ***ret,
                  unsigned *ret_n, const struct ynode ***ret_nodes);
/* One clause id or a list of them, each in the catalog. */
void load_clause_list(struct loader *L, const struct ynode *n, struct policy_clauses *out);
/* `clause` or `clauses`: one id or a list, each in the catalog. */
void load_clause_refs(struct loader *L, const struct ynode *map, struct policy_clauses *out,
                      bool required, const char *what);
int load_duration(struct loader *L, const struct ynode *n, const char *what, int64_t *ret);
/* A role by id, or NULL after an "unknown role" error (load-org.c). */
const struct policy_role *load_role_ref(struct loader *L, const struct ynode *n, const char *id);

/* An action's `context`: the keys its requests must say (load-context.c). */
void load_action_context(struct loader *L, const struct ynode *x, struct policy_action *a);

/* ---- one loader per section of the profile, in the order load_root calls them ------- */

void load_identity(struct loader *L, const struct ynode *n);   /* load-org.c */
void load_clauses(struct loader *L, const struct ynode *n);    /* load-org.c */
void load_levels(struct loader *L, const struct ynode *n);     /* load-org.c */
void load_employment(struct loader *L, const struct ynode *n); /* load-org.c */
void load_context(struct loader *L, const struct ynode *n);    /* load-context.c */
void load_session(struct loader *L, const struct ynode *n);    /* load-context.c */
void load_roles(struct loader *L, const struct ynode *n);      /* load-org.c */
void load_registers(struct loader *L, const struct ynode *n);  /* load-registers.c */
void load_openings(struct loader *L, const struct ynode *n);   /* load-opens.c, by the above */
void load_rules(struct loader *L, const struct ynode *n);      /* load-rules.c */
void load_separation(struct loader *L, const struct ynode *n); /* load-separation.c */
void load_duties(struct loader *L, const struct ynode *n);     /* load-duties.c */
void load_retention(struct loader *L, const struct ynode *n);  /* load-duties.c */
void load_requests(struct loader *L, const struct ynode *n);   /* load-duties.c */
void load_incidents(struct loader *L, const struct ynode *n);  /* load-incidents.c */
void load_risk(struct loader *L, const struct ynode *n);       /* load-risk.c */

/* Each clause's `actor` (roles), once the roles are loaded (load-org.c). */
void load_clause_actors(struct loader *L, const struct ynode *n);

#endif
