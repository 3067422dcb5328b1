/* demo-internal: what the demo ward's files (demo.c, demo-org.c, demo-fill.c, demo-showcase.c,
 * demo-stories.c) share. */
#ifndef MAMORI_CORE_DEMO_INTERNAL_H
#define MAMORI_CORE_DEMO_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/act.h"
#include "core/records.h"
#include "policy/policy.h"

struct demo {
	struct door *d;
	const struct profile *p;
	struct store *st;
	struct strbuf *err;
	struct act_context ctx;
	uint32_t rnd;
	int done, pending, refused, approved, rejected, skipped;
	/* created record ids per register index */
	int64_t **ids;
	size_t *nids;
};

/* Runs one act through the door with the demo's context, counting its outcome. */
int demo_run(struct demo *m, struct act_input *in, struct act_result *res);
/* The demo's 課長 of a section, and its n-th staff member (never the retired one). */
const char *demo_head_of(const char *section);
const char *demo_staff_of(const char *section, unsigned n);

/*
 * Stories the demo ward tells beside its random history, so every page has something to
 * show: a take-out out now, one overdue and one brought back, a withdrawn request, files
 * attached, duties recorded (demo-stories.c).
 */
int demo_stories(struct demo *m);

/* demo.c: the demo's dice (a fixed seed: the same ward every time), whether the profile has a
 * role, an administrator's act, a register's creating action. */
struct demo_filled;
uint32_t demo_next_rand(struct demo *m);
bool demo_has_role(const struct profile *p, const char *id);
int demo_admin_act(struct demo *m, enum act_kind kind, const char *target, const struct act_attr *f,
                   size_t nf, const char *secret);
const struct policy_action *demo_create_action(const struct policy_register *reg);

/* demo-org.c: the ward's sections, systems and people made (each person's login and password
 * into logins) and their roles granted; the sections that hold records, a section's n-th
 * system (or any's), the n-th system and its section, how many of each; who the profile lets
 * act. */
struct table;
int demo_build_org(struct demo *m, struct table *logins);
const char *const *demo_work_sections(size_t *ret_n);
const char *demo_system_of(const char *section, unsigned n);
const char *demo_system_nth(unsigned n, const char **ret_section);
void demo_org_size(size_t *ret_sections, size_t *ret_systems, size_t *ret_people);
const char *demo_choose_actor(struct demo *m, const struct policy_action *a,
                              const struct record *rec, const char *level, const char *section,
                              const char *system, const struct demo_filled *vals,
                              bool *ret_approval);

/* demo-fill.c: the 目録's asset n of a register ("asset" only, else NULL), and the values of
 * the fields an act records (filled in order, owned, released by demo_fill_release). */
/*
 * The demo 目録: what a ward's sections really hold, each with its owner and how protected it
 * is (rank 0 = the most protected level of the profile, 1 the next, 2 the least; a profile with
 * fewer levels folds the ranks onto its last one: Shinjuku's Ⅰ/Ⅱ).
 */
struct demo_asset {
	const char *title, *section;
	unsigned rank;
};
struct demo_filled {
	struct act_attr items[96];
	char *owned[96];
	size_t nr;
};
const struct demo_asset *demo_asset(const struct policy_register *reg, unsigned n);
void demo_fill_put(struct demo_filled *f, const char *key, char *value);
const char *demo_fill_get(const struct demo_filled *f, const char *key);
void demo_fill_drop_later(struct demo_filled *f, const struct policy_register *reg);
void demo_fill_release(struct demo_filled *f);
void demo_fill_drop_optional_enums(struct demo_filled *f, const struct policy_field *fs,
                                   unsigned n);
void demo_fill_fields(struct demo *m, const struct policy_register *reg,
                      const struct policy_field *fields, unsigned nf, unsigned n,
                      const char *section, const char *system, struct demo_filled *out,
                      unsigned *user_slot);

/* demo-showcase.c: the audit and refusal showcases, and the incidents told as stories. */
int demo_showcase(struct demo *m);
int demo_incidents(struct demo *m);

#endif
