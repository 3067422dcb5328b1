/* records-internal: what records.c shares with records-query.c (core only). */
#ifndef MAMORI_CORE_RECORDS_INTERNAL_H
#define MAMORI_CORE_RECORDS_INTERNAL_H

#include <stdint.h>

#include "base/strbuf.h"
#include "core/records.h"

struct query;

#define RECORD_COLUMNS                                                                             \
	"id, register, state, level, section, system, fields, version, created_ms, "               \
	"changed_ms, coalesce(created_by, 0)"

/* A record from the columns of RECORD_COLUMNS of the row q stands on; -EPROTO when its fields
 * are unreadable. */
int record_from_row(struct query *s, struct record *ret, struct strbuf *err);

/*
 * The records noted in records_text_pending (schema/0029) moved into the trigram index
 * records_text, in the caller's transaction, when at least min are noted (the door: before
 * each batch's commit, RECORDS_TEXT_FOLD). Returns how many moved (0 below min, and on
 * PostgreSQL, whose triggers keep its index), or a negative errno with err. Searches take the
 * noted records as candidates too (records-query.c), so they find the same either way.
 */
#define RECORDS_TEXT_FOLD 64
struct store;
int records_text_fold(struct store *st, int64_t min, struct strbuf *err);

#endif
