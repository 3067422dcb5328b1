/* read-internal: what read.c (decisions, SQL, memo) and read-open.c (what opens records to a
 * reader: openings and access grants) share. */
#ifndef MAMORI_CORE_READ_INTERNAL_H
#define MAMORI_CORE_READ_INTERNAL_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "core/core.h"
#include "core/read-sql.h"
#include "core/read.h"
#include "policy/policy.h"

struct store;

/* The key part for "a value the profile does not list", and for another section or system. */
#define OTHER_VALUE "\x1e"
#define OTHER_SCOPE "*"
#define KEY_SEP     '\x1f'

/* One register as this reader sees it. */
struct read_reg {
	const struct policy_register *reg;
	const struct policy_action *read; /* NULL: nobody but the administrator reads it */
	bool all, none;                   /* every class allowed / none */
	struct strv keys;                 /* the allowed class keys, sorted */
	/* per slot, the field this register's read rules test there, or NULL */
	const struct policy_field *slot_field[READ_MAX_SLOTS];
};

/* A record opened to the reader one by one: by an opening naming it, or an access grant. */
struct read_opened_id {
	int64_t id;
	uint64_t bits; /* policy_opening.index bits */
};

struct reader {
	atomic_int refs;
	const struct profile *p;
	int64_t user_id;
	char *login, *section, *employment;
	struct strv roles;
	const char **role_ptrs;
	bool admin;
	char *key;
	int64_t valid_until;
	uint64_t stamp; /* read_stamp when made: what opens records has not changed since */
	/* Sections and systems the decisions can tell apart from any other one. */
	struct strv secs, systems;
	/* The tested fields, by id, in slot order (read-sql.h). */
	const char *slots[READ_MAX_SLOTS];
	unsigned n_slots;
	struct read_reg *regs; /* one per register of the profile */

	/* What opens records to this reader (read-open.c). */
	uint64_t *reg_opened; /* per register index: openings that open all its records */
	struct strv opened_secs;
	uint64_t *sec_opened; /* parallel to opened_secs: openings that open the section */
	struct strv opened_systems;
	uint64_t *sys_opened;       /* parallel to opened_systems: openings that open the system */
	struct read_opened_id *ids; /* sorted by id */
	size_t n_ids, alloc_ids;

	struct read_set *set; /* the visible set, made on first use (read-set.c) */
	/* the lists' orders shared by the readers of one reader_cache, or NULL (record-order.h) */
	struct record_order *order;
};

/*
 * Loads what opens records to rd at now: every opening of the profile whose record names rd
 * (or a role rd holds), within its period and states. Adds opened sections to rd->secs and lowers
 * rd->valid_until to the next start or end of an opening's period.
 */
int read_open_load(struct reader *rd, struct store *st, int64_t now_ms, struct strbuf *err);
void read_open_release(struct reader *rd);
/*
 * The openings that open a record of register g, of section and system (its `system`
 * attribute), with id (0: not one by one).
 */
uint64_t read_opened_bits(const struct reader *rd, const struct policy_register *g,
                          const char *section, const char *system, int64_t id);
/* Whether the record's own access grants (its register's grants field) name the reader. */
bool read_granted(const struct reader *rd, const struct policy_register *g, json_t *fields);
/* The opening ids of bits into out (POLICY_MAX_OPENINGS entries); returns how many. */
size_t read_opened_names(const struct reader *rd, uint64_t bits, const char **out);
/*
 * A number that changes whenever a record that can open other records changes (the registers
 * with openings): a memoised reader is made again then. Access grants open their own record
 * and are read with it.
 */
int read_stamp(struct store *st, const struct profile *p, uint64_t *ret, struct strbuf *err);

/*
 * The reader's visible set: a bitmap of the ids of every record it may read, made on first use
 * and brought up to date on every use with the records of the acts committed since (acts.id
 * only grows: the door's writers are serialised). *ret is read-locked until read_set_done;
 * *ret_version is the newest act it reflects (another worker may have brought it further than
 * the caller's snapshot).
 */
struct read_set;
int read_set_begin(const struct reader *rd, struct store *st, const struct bitset **ret,
                   int64_t *ret_version, struct strbuf *err);
void read_set_done(const struct reader *rd);
/* A number naming the reader's visible set, never another's. */
uint64_t read_set_serial(const struct reader *rd);
struct read_set *read_set_new(void);
void read_set_free(struct read_set *s);
/*
 * The reader's counts of every section as last made (records_count_visible), when no act was
 * committed since: 1 and a copy in *ret. 0: make them, then put them with the version got.
 */
struct record_counts;
int read_counts_memo_get(const struct reader *rd, struct store *st, struct record_counts *ret,
                         int64_t *ret_version, struct strbuf *err);
void read_counts_memo_put(const struct reader *rd, int64_t version, const struct record_counts *c);
/*
 * The same for the count of one list filter (records_query; key: the register and filter,
 * each part with its length): 1 and *ret when no act was committed since it was counted.
 */
#define READ_TOTALS 64
int read_total_memo_get(const struct reader *rd, struct store *st, const char *key, int64_t *ret,
                        int64_t *ret_version, struct strbuf *err);
void read_total_memo_put(const struct reader *rd, const char *key, int64_t version, int64_t n);
/* Whether records of register_id (NULL: any) may be opened by their own access grants. */
bool read_set_may_grant(const struct reader *rd, const char *register_id);

/*
 * The class decision for a record's values (read.c): exactly the decision compile made for
 * the class these values fall in. Not for records opened one by one or granted.
 */
bool read_class_allowed(const struct reader *rd, const struct read_reg *rr, const char *level,
                        const char *section, const char *system, const char *state, json_t *fields,
                        struct strbuf *scratch);
/* The grants field of a register, or NULL (read-open.c). */
const struct policy_field *read_grants_field(const struct policy_register *g);

/* The decision with explicit opened bits and grant (read.c). */
bool read_decide(const struct reader *rd, const char *register_id, int64_t record_id,
                 const char *level, const char *section, const char *system, const char *state,
                 json_t *fields, uint64_t opened, bool granted, struct read_why *why);

#endif
