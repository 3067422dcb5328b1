/* export: a register's records as CSV for Excel, one writer for `mamori record export` and the
 * web's download: Japanese headers (the profile's field names) or the ids, UTF-8 with BOM or
 * CP932, formulas neutralised (base/csv.h). */
#ifndef MAMORI_CORE_EXPORT_H
#define MAMORI_CORE_EXPORT_H

#include <stdbool.h>

struct csv_writer;
struct policy_register;
struct profile;
struct record_list;

/* The number and state columns: "番号", "状態" (Japanese headers) or "id", "state" (--ids). */
#define EXPORT_ID_NAME    "番号"
#define EXPORT_STATE_NAME "状態"

/*
 * Writes the header row and one row per record of l: the record's number, its state (the
 * profile's name for it with Japanese headers, the id with ids) and each field of reg. With
 * ids the headers are the field ids ("title"); else the fields' names ("名称"), which `record
 * import` reads back as well.
 */
void export_records_csv(const struct policy_register *reg, const struct record_list *l, bool ids,
                        struct csv_writer *w);

/* Is a CSV column one that import ignores (the number and the state, in either form)? */
bool export_column_ignored(const char *name);

#endif
