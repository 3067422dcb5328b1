/* table: aligned text tables for people, measured in display width (全角 = 2 columns). */
#include <assert.h>
#include <stdbool.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/table.h"
#include "base/utf8.h"

static void add_row(struct table *t, const char *const *row)
{
	size_t need = (t->nrows + 1) * t->ncols;

	if (need > t->alloc) {
		t->alloc = need * 2;
		t->cells = xreallocarray(t->cells, t->alloc, sizeof(*t->cells));
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->nrows * t->ncols + c] = xstrdup(row[c] ? row[c] : "-");
	t->nrows++;
}

void table_init(struct table *t, size_t ncols, const char *const *header)
{
	assert(ncols > 0 && ncols <= TABLE_MAX_COLUMNS);
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	add_row(t, header);
}

void table_add(struct table *t, const char *const *row)
{
	add_row(t, row);
}

/* Control characters in a cell would break the layout (or the terminal): show them as '?'. */
static void add_cell(struct strbuf *out, const char *s)
{
	for (const char *p = s; *p; p++)
		strbuf_addch(out, (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
}

/* Display width of a cell as add_cell prints it (control characters become one '?'). */
static size_t cell_width(const char *s)
{
	size_t w = utf8_strwidth(s);

	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			w++;
	return w;
}

void table_render(const struct table *t, struct strbuf *out)
{
	size_t width[TABLE_MAX_COLUMNS] = { 0 };

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = cell_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			size_t w = cell_width(cell);
			bool last = c + 1 == t->ncols;
			if (c)
				strbuf_addstr(out, "  ");
			if (t->right_align & (1u << c))
				for (size_t i = w; i < width[c]; i++)
					strbuf_addch(out, ' ');
			add_cell(out, cell);
			if (!(t->right_align & (1u << c)) && !last)
				for (size_t i = w; i < width[c]; i++)
					strbuf_addch(out, ' ');
		}
		strbuf_addch(out, '\n');
		if (r == 0) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					strbuf_addstr(out, "  ");
				for (size_t i = 0; i < width[c]; i++)
					strbuf_addch(out, '-');
			}
			strbuf_addch(out, '\n');
		}
	}
}

void table_release(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
