/* record-order-internal: what record-order.c (the orders kept up to date) and
 * record-order-page.c (walks, pages and the lists' caches) share. */
#ifndef MAMORI_CORE_RECORD_ORDER_INTERNAL_H
#define MAMORI_CORE_RECORD_ORDER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/bitset.h"
#include "base/strbuf.h"
#include "core/record-order.h"

/* Beyond these the lists ask SQLite (record_order_page answers -E2BIG). */
#define ORDER_MAX_ID     (4 * 1024 * 1024) /* the attributes are an array by id */
#define ORDER_MAX_STRS   60000             /* distinct registers, levels, sections, states */
#define ORDER_MAX_UPDATE 4096              /* more records touched since: built again */
#define ORDER_SEARCHES   8                 /* searches kept */
#define MARK_STRIDE      256               /* a walk's mark every this many matches */
#define MARK_WALKS       256               /* walks (set, filters, order) whose marks are kept */

/* A record's sort and filter columns; strings as codes into record_order.strs, 0 for NULL. */
struct ord_attr {
	int64_t changed;
	uint16_t reg; /* 0: no record of this id */
	uint16_t level, section, state;
};

/* A search's matches at a version (reg NULL: free). */
struct ord_search {
	char *reg, *text;
	int64_t version;
	struct bitset ids;
};

/*
 * Where a walk's matches begin: pos[k] is the position (from the walk's start) of match
 * k * MARK_STRIDE of the walk of an order through a register with these filters and set, at
 * the orders' watermark and the set's version. A page at offset N starts at the mark below N
 * instead of walking every match before it (page 40 of a filtered list for a reader who sees
 * half the ward walked ~24,000 ids, in the list order: scattered reads of the attributes).
 */
struct ord_marks {
	bool used;
	int64_t watermark, set_version;
	uint64_t set_id; /* 0: no set */
	uint16_t reg, level, section, state;
	enum record_order_key key;
	bool desc;
	uint32_t *pos;
	size_t n_pos, alloc_pos;
};

struct record_order {
	atomic_int refs;
	pthread_mutex_t marks_lock;
	struct ord_marks marks[MARK_WALKS];
	unsigned next_marks; /* replaced round robin */
	pthread_mutex_t search_lock;
	struct ord_search searches[ORDER_SEARCHES];
	unsigned next_search; /* replaced round robin */
	pthread_rwlock_t lock;
	bool built;
	atomic_bool too_big; /* past ORDER_MAX_ID or ORDER_MAX_STRS: the lists ask SQLite */
	int64_t watermark;   /* the acts up to this id are reflected */

	/* interned strings by code (strs[0] unused: NULL) and each one's rank in byte order */
	char **strs;
	uint32_t *rank;
	size_t n_strs, alloc_strs;

	struct ord_attr *attrs; /* by id */
	size_t n_attrs;
	/* every record's id, sorted by (register code, key, id); n each */
	uint32_t *orders[RECORD_ORDER_KEYS];
	size_t n, alloc;

	/* the titles lists showed (record_order_title_put), by id, under the profile of that
	 * SHA-256; dropped when an act touches the record */
	char **titles;
	size_t n_titles;
	char *titles_profile;
};

struct cmp_ctx {
	const struct record_order *o;
	enum record_order_key key;
};

/* The code of s, or 0 when s is NULL or not interned. */
uint16_t order_str_find(const struct record_order *o, const char *s);
/* qsort_r's comparison of ids in the order of a struct cmp_ctx. */
int order_qsort_cmp(const void *a, const void *b, void *ctx);
struct store;
/* Holds o read-locked and up to date with every act committed on st so far. */
int order_begin(struct record_order *o, struct store *st, struct strbuf *err);

#endif
