/* records: reading the registers' records, and checking field values against the profile. */
#ifndef MAMORI_CORE_RECORDS_H
#define MAMORI_CORE_RECORDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct store;
struct profile;
struct policy_field;
struct policy_register;

/*
 * One record. fields is a JSON object of field id -> string value (owned reference). A brief
 * row (record_query.brief) has title set and fields NULL.
 */
struct record {
	int64_t id;
	char *register_id, *state, *level, *section, *system;
	json_t *fields;
	int64_t version;
	int64_t created_ms, changed_ms, created_by;
	char *title;
};
int record_get(struct store *st, int64_t id, struct record *ret, struct strbuf *err);
void record_release(struct record *r);
/* The value of field key, or NULL. The attributes level, section, system are fields too. */
const char *record_field(const struct record *r, const char *key);
/* A title for people: the register's first required text field, else its first text field
 * with a value, else "" (a brief row's title as that). */
const char *record_title(const struct profile *p, const struct record *r);

struct record_filter {
	const char *register_id; /* required */
	const char *level, *section, *state;
	int64_t limit; /* 0: no limit */
};
struct record_list {
	struct record *items;
	size_t nr, alloc;
};
int records_list(struct store *st, const struct record_filter *f, struct record_list *ret,
                 struct strbuf *err);
void record_list_release(struct record_list *l);

struct reader;

/*
 * A page of the records a reader may read (core/read.h), filtered, searched, sorted and
 * paged in SQL after the read decision, so the count, the search and the pages never see a
 * record the reader may not read.
 */
struct record_query {
	const char *register_id;             /* required */
	const char *level, *section, *state; /* NULL: any */
	const char *text;                    /* NULL: any; else a substring of a field's value */
	const char *sort;                    /* see records_sort_valid; NULL: "-id" */
	int64_t offset, limit;               /* limit 0: every match */
	bool count;                          /* also count every match into total */
	/*
	 * Brief rows, for a list that shows a record's id, title, level, section, state and
	 * changed_ms: each has title (record_title) and no fields, system, version or created_*;
	 * served from the orders in memory when they and the reader's visible set are at the
	 * snapshot's version (no row read, no fields parsed), else read as full rows.
	 */
	bool brief;
};
struct record_page {
	struct record_list list;
	int64_t total; /* with count; else -1 */
};
/* The sort orders: "id", "changed", "level", "section", "state", each also with '-'. */
bool records_sort_valid(const char *sort);
int records_query(struct store *st, const struct reader *rd, const struct record_query *q,
                  struct record_page *ret, struct strbuf *err);
void record_page_release(struct record_page *p);

/* How many records a reader may read, per register, section and level. */
struct record_count {
	char *register_id, *section, *level; /* section and level NULL when the record has none */
	int64_t n;
};
struct record_counts {
	struct record_count *items;
	size_t nr, alloc;
};
/* section NULL: every section. */
int records_count_visible(struct store *st, const struct reader *rd, const char *section,
                          struct record_counts *ret, struct strbuf *err);
void record_counts_release(struct record_counts *c);

/*
 * Checks one value for a field: its type (policy_field_check), its size, and that what it
 * names exists: a section, a user (by login), a record of the referred register.
 * Returns 0 or -EINVAL with a message naming the field.
 */
int record_check_value(struct store *st, const struct profile *p, const struct policy_field *f,
                       const char *value, struct strbuf *err);
/*
 * A FIELD_ENTRIES value (checked by record_check_value) names only entries the ledger holds:
 * 0, or -EINVAL with err saying which entry is not there yet, or -EIO.
 */
struct ledger;
int record_check_entries(struct ledger *lg, const struct policy_field *f, const char *value,
                         struct strbuf *err);

/*
 * The field of register r or of the action's own fields named key (by id, or by its
 * Japanese name: "搬送日時"); NULL when neither has one. *ret_is_action tells which.
 */
const struct policy_field *record_find_field(const struct policy_register *r,
                                             const struct policy_field *action_fields,
                                             unsigned n_action_fields, const char *key,
                                             bool *ret_is_action);

/* Canonical JSON of a record (keys sorted), for digests and display. */
char *record_canonical_json(const struct record *r);
char *record_canonical_json_parts(int64_t id, const char *register_id, const char *state,
                                  const char *level, const char *section, const char *system,
                                  json_t *fields, int64_t version);

#endif
