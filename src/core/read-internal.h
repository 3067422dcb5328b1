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
	struct strv keys;                 /* the allowed class keys */
};

/* A record opened to the reader one by one: by an opening naming it, or an access grant. */
struct read_opened_id {
	int64_t id;
	uint64_t bits; /* policy_opening.index bits */
	bool granted;  /* the record's grants field names the reader */
	bool ok;       /* the decision, made once the reader is compiled */
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
	uint64_t *sec_opened;       /* parallel to opened_secs: openings that open the section */
	struct read_opened_id *ids; /* sorted by id */
	size_t n_ids, alloc_ids;
};

/*
 * Loads what opens records to rd at now: every opening of the profile whose record names rd
 * (or a role rd holds), within its period and states, and every record whose access grants
 * name rd. Adds opened sections to rd->secs and lowers rd->valid_until to the next start or
 * end of an opening's period.
 */
int read_open_load(struct reader *rd, struct store *st, int64_t now_ms, struct strbuf *err);
/* Decides the records opened one by one (after compile): their ok flags. */
int read_open_decide(struct reader *rd, struct store *st, struct strbuf *err);
void read_open_release(struct reader *rd);
/* The openings that open a record of register g, of section, with id (0: not one by one). */
uint64_t read_opened_bits(const struct reader *rd, const struct policy_register *g,
                          const char *section, int64_t id, bool *ret_granted);
/* The opening ids of bits into out (POLICY_MAX_OPENINGS entries); returns how many. */
size_t read_opened_names(const struct reader *rd, uint64_t bits, const char **out);
/*
 * A number that changes whenever a record that can open records changes (the registers with
 * openings or an access grants field): a memoised reader is made again then.
 */
int read_stamp(struct store *st, const struct profile *p, uint64_t *ret, struct strbuf *err);

/* The decision with explicit opened bits and grant (read.c). */
bool read_decide(const struct reader *rd, const char *register_id, int64_t record_id,
                 const char *level, const char *section, const char *system, const char *state,
                 json_t *fields, uint64_t opened, bool granted, struct read_why *why);

#endif
