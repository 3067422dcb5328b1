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

/* Control characters (C0, DEL, C1 such as U+009B) and bidi controls in a cell would break the
 * layout or drive the terminal: each is shown as one '?'. Returns the bytes of the character at
 * p that is to be replaced, or 0. */
static size_t unsafe_at(const char *p)
{
	unsigned char c = (unsigned char)*p;
	uint32_t cp;
	int n;

	if (c < 0x20 || c == 0x7f)
		return 1;
	if (c < 0x80)
		return 0;
	n = utf8_decode(p, strnlen(p, 4), &cp);
	if (n <= 0)
		return 1;
	if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return (size_t)n;
	return 0;
}

static void add_cell(struct strbuf *out, const char *s)
{
	for (const char *p = s; *p;) {
		size_t n = unsafe_at(p);
		if (n) {
			strbuf_addch(out, '?');
			p += n;
		} else {
			uint32_t cp;
			int k = (unsigned char)*p < 0x80 ? 1 : utf8_decode(p, strnlen(p, 4), &cp);
			strbuf_add(out, p, (size_t)k);
			p += k;
		}
	}
}

/* Display width of a cell as add_cell prints it (each unsafe character becomes one '?'). */
static size_t cell_width(const char *s)
{
	size_t w = 0;

	for (const char *p = s; *p;) {
		size_t n = unsafe_at(p);
		if (n) {
			w++;
			p += n;
		} else {
			uint32_t cp;
			int k = utf8_decode(p, strnlen(p, 4), &cp);
			w += k > 0 ? (size_t)codepoint_width(cp) : 1;
			p += k > 0 ? k : 1;
		}
	}
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
