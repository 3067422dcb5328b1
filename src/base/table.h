/* table: aligned text tables for people, measured in display width (全角 = 2 columns). */
#ifndef MAMORI_BASE_TABLE_H
#define MAMORI_BASE_TABLE_H

#include <stddef.h>

#include "base/strbuf.h"

#define TABLE_MAX_COLUMNS 16

/*
 * Usage:
 *   struct table t;
 *   table_init(&t, 3, (const char *[]){ "ID", "名称", "課" });
 *   table_add(&t, (const char *[]){ "a1", "住民票", "区民課" });
 *   table_render(&t, &out);   // header, rule, rows; columns padded by display width
 *   table_release(&t);
 * Cells are copied; NULL cells print as "-". The last column is not padded.
 */
struct table {
	size_t ncols;
	char **cells; /* row-major, (nrows + 1) * ncols, row 0 is the header */
	size_t nrows, alloc;
	unsigned right_align; /* bit per column: right-align (numbers) */
};

void table_init(struct table *t, size_t ncols, const char *const *header);
void table_add(struct table *t, const char *const *row);
void table_render(const struct table *t, struct strbuf *out);
void table_release(struct table *t);

#endif
