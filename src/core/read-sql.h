/* read-sql: the read decision as an SQL predicate, for the core's own queries (core only). */
#ifndef MAMORI_CORE_READ_SQL_H
#define MAMORI_CORE_READ_SQL_H

#include <stdbool.h>

#include "base/strbuf.h"

struct reader;
struct query;
struct store;
struct bitset;

/* At most this many different record fields may be tested by the read rules of a profile. */
#define READ_MAX_SLOTS 4

/*
 * The predicate over the columns of `records` (unqualified): true for the records the reader
 * may read. ?41 is 1 when the reader reads every record of the register(s) asked for (the
 * planner then folds the predicate away); ?42 is the reader's visible set (core/read-set.c),
 * a bitmap of record ids kept up to date with every committed act, tested by the store's
 * mamori_in_set. A query numbers its own parameters from ?1 below ?41.
 */
#define READ_PARAM_FIRST 41
#define READ_VISIBLE_SQL "(?41 OR mamori_in_set(?42, id))"

/* The bindings of READ_VISIBLE_SQL for one reader and one register (or every register). */
struct read_sql {
	bool all;  /* every record: the predicate is true */
	bool none; /* no record at all: a query need not run */
	const struct reader *rd;
	const struct bitset *set;   /* held (read-locked) until read_sql_release */
	int64_t set_version;        /* the newest act set reflects (core/read-internal.h) */
	struct record_order *order; /* the lists' orders in memory, or NULL (core/record-order.h) */
};

/*
 * register_id NULL: every register. Brings the reader's visible set up to date (on st) and
 * holds it until read_sql_release; a query using it is stepped to its end in between.
 */
int read_sql_init(const struct reader *rd, struct store *st, const char *register_id,
                  struct read_sql *ret, struct strbuf *err);
void read_sql_bind(struct query *q, const struct read_sql *rs);
void read_sql_release(struct read_sql *rs);

#endif
