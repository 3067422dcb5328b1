/* fuzz-csv: the CSV reader never crashes, keeps its invariants, and what the writer writes reads
 * back the same. */
#include <stdint.h>
#include <string.h>

#include "base/csv.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static void check_invariants(const struct csv *csv, unsigned flags)
{
	size_t prev_line = csv->header_line;

	if (flags & CSV_READ_HEADER) {
		CHECK(csv->ncolumns >= 1 && csv->header_line >= 1);
		for (size_t k = 0; k < csv->ncolumns; k++) {
			CHECK(csv->columns[k][0] != '\0');
			CHECK(utf8_valid(csv->columns[k], strlen(csv->columns[k])));
			CHECK(csv_column(csv, csv->columns[k]) == (int)k);
		}
	} else {
		CHECK(csv->ncolumns == 0 && csv->columns == NULL);
	}
	for (size_t r = 0; r < csv->nrecords; r++) {
		const struct csv_record *rec = &csv->records[r];
		bool all_empty = true;
		CHECK(rec->line > prev_line);
		prev_line = rec->line;
		CHECK(rec->nfields >= 1);
		if (flags & CSV_READ_HEADER)
			CHECK(rec->nfields == csv->ncolumns);
		for (size_t k = 0; k < rec->nfields; k++) {
			const char *f = rec->fields[k];
			CHECK(f != NULL);
			CHECK(utf8_valid(f, strlen(f)));
			CHECK(strchr(f, '\r') == NULL);
			if (*f)
				all_empty = false;
		}
		CHECK(!all_empty);
	}
}

/* Writes csv out and reads it back with the same flags: the values must not change. */
static void check_roundtrip(const struct csv *csv, unsigned flags, const struct csv_limits *lim)
{
	/* Guarding adds a byte to a field and quoting makes the file longer. */
	struct csv_limits relaxed = *lim;
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	struct csv back = CSV_INIT;
	struct csv_writer w;
	unsigned wflags = (flags & CSV_READ_UNGUARD) ? CSV_WRITE_FORMULA_GUARD : 0;

	relaxed.max_field += 1;
	relaxed.max_bytes = 0;
	csv_writer_init(&w, &out, wflags);
	if (flags & CSV_READ_HEADER)
		csv_write_row(&w, csv->columns, csv->ncolumns);
	for (size_t r = 0; r < csv->nrecords; r++)
		csv_write_row(&w, csv->records[r].fields, csv->records[r].nfields);
	CHECK(csv_writer_finish(&w, &err) == 0);
	CHECK(csv_parse(&back, out.buf, out.len, flags, &relaxed, &err) == 0);
	CHECK(back.ncolumns == csv->ncolumns);
	for (size_t k = 0; k < csv->ncolumns; k++)
		CHECK(strcmp(back.columns[k], csv->columns[k]) == 0);
	CHECK(back.nrecords == csv->nrecords);
	for (size_t r = 0; r < csv->nrecords; r++) {
		CHECK(back.records[r].nfields == csv->records[r].nfields);
		for (size_t k = 0; k < csv->records[r].nfields; k++)
			CHECK(strcmp(back.records[r].fields[k], csv->records[r].fields[k]) == 0);
	}
	csv_release(&back);
	strbuf_release(&out);
	strbuf_release(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { 0, CSV_READ_HEADER, CSV_READ_HEADER | CSV_READ_UNGUARD };
	/* Small limits so that the fuzzer reaches every limit check. */
	static const struct csv_limits lim = {
		.max_bytes = 1 << 20, .max_field = 512, .max_columns = 32, .max_rows = 2000
	};
	struct strbuf err = STRBUF_INIT;

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct csv csv = CSV_INIT;
		int r = csv_parse(&csv, data, size, modes[m], &lim, &err);
		if (r < 0) {
			/* Every refusal explains itself, and leaves nothing behind. */
			CHECK(err.len > 0);
			CHECK(csv.records == NULL && csv.nrecords == 0);
			continue;
		}
		check_invariants(&csv, modes[m]);
		check_roundtrip(&csv, modes[m], &lim);
		csv_release(&csv);
	}
	strbuf_release(&err);
	return 0;
}
