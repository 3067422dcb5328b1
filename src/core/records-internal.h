/* records-internal: what records.c shares with records-query.c (core only). */
#ifndef MAMORI_CORE_RECORDS_INTERNAL_H
#define MAMORI_CORE_RECORDS_INTERNAL_H

#include "base/strbuf.h"
#include "core/records.h"

struct query;

#define RECORD_COLUMNS                                                                             \
	"id, register, state, level, section, system, fields, version, created_ms, "               \
	"changed_ms, coalesce(created_by, 0)"

/* A record from the columns of RECORD_COLUMNS of the row q stands on; -EPROTO when its fields
 * are unreadable. */
int record_from_row(struct query *s, struct record *ret, struct strbuf *err);

#endif
