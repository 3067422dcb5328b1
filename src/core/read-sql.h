/* read-sql: the read decision as an SQL predicate, for the core's own queries (core only). */
#ifndef MAMORI_CORE_READ_SQL_H
#define MAMORI_CORE_READ_SQL_H

#include <stdbool.h>

#include "base/strbuf.h"

struct reader;
struct query;

/* At most this many different record fields may be tested by the read rules of a profile. */
#define READ_MAX_SLOTS 4

/*
 * How the predicate works. The policy's read decision for a record depends only on its
 * register, level, section, system, state, the enum/bool fields the read rules test, and
 * what opens it to the reader (core/read.c). Sections and systems matter only as "this one"
 * for those the reader holds a role at or belongs to, and as "another" for the rest; a tested
 * field matters as one of its values, absent, or "another value". So every record falls into
 * one class of a small space the reader enumerates once, deciding each class with
 * policy_decide: the allowed classes are bound as a JSON array. The predicate computes a
 * row's class key from its columns exactly as read.c does and looks it up. Records opened one
 * by one (a grant naming the reader) are decided one by one and bound as two id lists (all of
 * them, those allowed). A reader who sees every record of the register(s) asked for gets a
 * constant true.
 *
 * Columns of `records`, unqualified. Its parameters are numbered READ_PARAM_FIRST and up
 * (?41 ... ?58), so a query numbers its own from ?1 below them and binds these with
 * read_sql_bind. Key parts are separated by U+001F; U+001E stands for "a value the profile
 * does not list".
 */
#define READ_PARAM_FIRST 41
/* clang-format off */
#define READ_SLOT_SQL(r, p, v)                                                                     \
	"CASE WHEN register IN (SELECT value FROM json_each(?" r ")) THEN "                        \
	"CASE WHEN json_extract(fields, ?" p ") IS NULL THEN '' "                                  \
	"WHEN register || char(31) || json_extract(fields, ?" p ") IN "                            \
	"(SELECT value FROM json_each(?" v ")) THEN json_extract(fields, ?" p ") "                 \
	"ELSE char(30) END ELSE '' END"
#define READ_VISIBLE_SQL                                                                           \
	"(?41 OR CASE WHEN id IN (SELECT value FROM json_each(?45)) "                              \
	"THEN id IN (SELECT value FROM json_each(?46)) ELSE "                                      \
	"(register || char(31) || coalesce(level, '') || char(31) || "                             \
	"CASE WHEN section IS NULL THEN '' "                                                       \
	"WHEN section IN (SELECT value FROM json_each(?43)) THEN section ELSE '*' END "            \
	"|| char(31) || "                                                                          \
	"CASE WHEN system IS NULL THEN '' "                                                        \
	"WHEN system IN (SELECT value FROM json_each(?44)) THEN system ELSE '*' END "              \
	"|| char(31) || state || char(31) || "                                                     \
	READ_SLOT_SQL("47", "51", "55") " || char(31) || "                                         \
	READ_SLOT_SQL("48", "52", "56") " || char(31) || "                                         \
	READ_SLOT_SQL("49", "53", "57") " || char(31) || "                                         \
	READ_SLOT_SQL("50", "54", "58") ") "                                                       \
	"IN (SELECT value FROM json_each(?42)) END)"
/* clang-format on */

/* The bindings of READ_VISIBLE_SQL for one reader and one register (or every register). */
struct read_sql {
	bool all;  /* every record: the predicate is true */
	bool none; /* no record at all: a query need not run */
	char *keys, *secs, *systems, *ids, *ids_ok;
	char *slot_regs[READ_MAX_SLOTS], *slot_paths[READ_MAX_SLOTS], *slot_vals[READ_MAX_SLOTS];
};

/* register_id NULL: every register. */
int read_sql_init(const struct reader *rd, const char *register_id, struct read_sql *ret,
                  struct strbuf *err);
/* Binds ?41 ... ?58 of a statement using READ_VISIBLE_SQL; the strings must outlive the steps. */
void read_sql_bind(struct query *q, const struct read_sql *rs);
void read_sql_release(struct read_sql *q);

#endif
