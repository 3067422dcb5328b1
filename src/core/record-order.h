/* record-order: every record's place in each list order, kept in memory and up to date with the
 * act log, so a list page skips to its offset without reading the table (core only). */
#ifndef MAMORI_CORE_RECORD_ORDER_H
#define MAMORI_CORE_RECORD_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

struct bitset;
struct store;

/*
 * The orders of the lists (core/records.c's record_sorts): by id, changed_ms, level, section or
 * state, each ending with id; a descending order is the ascending one read backwards.
 * Shared by the threads of a server (locked inside) through reader_cache, for one database.
 */
struct record_order;

struct record_order *record_order_new(void);
struct record_order *record_order_ref(struct record_order *o);
void record_order_unref(struct record_order *o);

enum record_order_key {
	RECORD_ORDER_ID,
	RECORD_ORDER_CHANGED,
	RECORD_ORDER_LEVEL,
	RECORD_ORDER_SECTION,
	RECORD_ORDER_STATE,
	RECORD_ORDER_KEYS
};

/* What a list asks: a register, equality filters (NULL: any), an order, a window. */
struct record_order_query {
	const char *register_id;
	const char *level, *section, *state;
	enum record_order_key key;
	bool desc;
	int64_t offset, limit;       /* limit <= 0: none */
	bool count;                  /* also count every match (ret_total) */
	const struct bitset *search; /* only these ids (a search's matches), or NULL */
	/* the set's name and version (read_set_serial, read_sql.set_version): where a walk's
	 * pages begin is kept for the next walks of the same set, filters and order */
	uint64_t set_id;
	int64_t set_version;
};

/*
 * The ids of the window of q among the records in set (NULL: every record), as the store holds
 * them after every act committed so far on st: brought up to date first. *ret_ids is
 * allocated (free it); *ret_total is set when q->count. Returns 0, or -errno.
 */
int record_order_page(struct record_order *o, struct store *st, const struct record_order_query *q,
                      const struct bitset *set, int64_t **ret_ids, size_t *ret_n,
                      int64_t *ret_total, struct strbuf *err);

/* The newest act committed on st: the version of everything kept here. */
int record_order_version(struct store *st, int64_t *ret, struct strbuf *err);
/*
 * The ids of a register's records whose fields contain text, as a search found them at
 * version, kept for the next searches (a search does not depend on who reads): the last
 * eight. _get copies them into ret (an empty bitset) and returns true when kept.
 */
/*
 * Brief rows of ids for a list (record_query.brief, core/records.h) as the orders hold them,
 * when they reflect exactly the acts up to version (the caller's snapshot): id, register,
 * level, section, state and changed_ms into ret[i] (zeroed first), and the title kept by
 * record_order_title_put under the profile profile_sha, or NULL when none is kept yet. false,
 * with nothing set, when the orders are at another version: the caller reads the store.
 */
struct record;
bool record_order_rows(struct record_order *o, int64_t version, const char *profile_sha,
                       const int64_t *ids, size_t n, struct record *ret);
/*
 * Keeps the title of record id (record_title under the profile profile_sha, of the record as
 * read at version) for the next lists, until an act touches the record; nothing when the
 * orders are at another version than version.
 */
void record_order_title_put(struct record_order *o, int64_t version, const char *profile_sha,
                            int64_t id, const char *title);
bool record_order_search_get(struct record_order *o, int64_t version, const char *register_id,
                             const char *text, struct bitset *ret);
void record_order_search_put(struct record_order *o, int64_t version, const char *register_id,
                             const char *text, const struct bitset *ids);

#endif
