/* csv: reading and writing the CSV files wards keep in Excel (UTF-8 with or without BOM, CP932). */
#ifndef MAMORI_BASE_CSV_H
#define MAMORI_BASE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * Reading. The whole file is parsed at once, so that an import can check
 * every row before it changes anything (all or nothing).
 *
 * Encoding: a UTF-8 BOM means UTF-8; otherwise text that is valid UTF-8 is
 * UTF-8; otherwise it is converted from CP932 (Shift_JIS as Excel writes it,
 * with the NEC and IBM extensions: ①, ㈱, 髙) with glibc iconv. A byte that is
 * not CP932 either is an error naming its line. A UTF-16 file (Excel's
 * "Unicode text") is refused with a hint.
 *
 * Syntax: RFC 4180. Fields are separated by ',', records end with CRLF, LF
 * or a lone CR (old Mac Excel). A field in double quotes may hold commas,
 * line breaks (CRLF in them becomes LF) and doubled quotes (""). A quote
 * inside an unquoted field, or text after a closing quote, is an error
 * rather than a guess. Empty lines and records whose fields are all empty
 * (Excel leaves ",,," where a row was cleared) are skipped.
 *
 * Every record knows the physical line (1-based, in the file) where it
 * starts, so callers can say "line 7: column 'section' is empty".
 * Error messages from csv_parse start with "line N: ".
 */

/* Limits on what a file may make us allocate; 0 means the default in brackets. */
struct csv_limits {
	size_t max_bytes;   /* whole file, before conversion [16 MiB] */
	size_t max_field;   /* bytes in one field, after conversion [64 KiB] */
	size_t max_columns; /* fields in one record [256] */
	size_t max_rows;    /* records, not counting the header [100000] */
};

enum csv_encoding {
	CSV_UTF8,
	CSV_UTF8_BOM,
	CSV_CP932,
};

enum {
	/* The first record names the columns; every record must have as many fields. */
	CSV_READ_HEADER = 1 << 0,
	/* Undo the writer's CSV_WRITE_FORMULA_GUARD: "'=SUM(A1)" reads as "=SUM(A1)". */
	CSV_READ_UNGUARD = 1 << 1,
};

struct csv_record {
	size_t line;         /* physical line where the record starts, 1-based */
	size_t nfields;      /* == csv.ncolumns when read with CSV_READ_HEADER */
	const char **fields; /* UTF-8, NUL-terminated, never NULL */
};

struct csv {
	enum csv_encoding encoding;
	size_t ncolumns;      /* with CSV_READ_HEADER, else 0 */
	const char **columns; /* header names, trimmed of spaces */
	size_t header_line;
	size_t nrecords;
	struct csv_record *records;
	/* private: the storage the pointers above point into */
	char *arena_;
	const char **fields_;
};

#define CSV_INIT                                                                                   \
	{                                                                                          \
		0                                                                                  \
	}

/*
 * Parses data[0..len) into csv (which must be CSV_INIT or released).
 * Returns 0; -EINVAL for malformed input, -EFBIG for a limit exceeded
 * (err says which line and what to do); limits may be NULL.
 * On failure csv is left empty.
 */
int csv_parse(struct csv *csv, const void *data, size_t len, unsigned flags,
              const struct csv_limits *limits, struct strbuf *err);
/* Reads path ("-" for stdin) and parses it; I/O errors are -errno with err set. */
int csv_read_file(struct csv *csv, const char *path, unsigned flags,
                  const struct csv_limits *limits, struct strbuf *err);
void csv_release(struct csv *csv);

/* Index of the column named name (exact match after trimming), or -1. */
int csv_column(const struct csv *csv, const char *name);
/* The field of column `name` in rec, or NULL when there is no such column. */
const char *csv_get(const struct csv *csv, const struct csv_record *rec, const char *name);
/* "UTF-8", "UTF-8 (BOM)", "CP932". */
const char *csv_encoding_name(enum csv_encoding enc);

/*
 * Writing: rows are built in memory in UTF-8 and converted at the end when
 * CP932 is asked for. Fields are quoted when they hold ',', '"', CR or LF
 * or begin or end with a space (or begin with U+FEFF); rows end with CRLF.
 */
enum {
	/* Start with a UTF-8 BOM so that Excel reads the file as UTF-8. */
	CSV_WRITE_BOM = 1 << 0,
	/* Convert to CP932 at csv_writer_finish (for old Excel); no BOM then. */
	CSV_WRITE_CP932 = 1 << 1,
	/*
	 * Prefix "'" to a field that starts with = + - @ TAB or CR and is not a
	 * number, or with full-width ＝ ＋ － ＠, so Excel does not run it as a formula
	 * (OWASP "CSV injection").
	 * Read such files back with CSV_READ_UNGUARD.
	 */
	CSV_WRITE_FORMULA_GUARD = 1 << 2,
};
#define CSV_WRITE_DEFAULT (CSV_WRITE_BOM | CSV_WRITE_FORMULA_GUARD)

struct csv_writer {
	struct strbuf *out;
	unsigned flags;
	size_t start; /* where this writer's output begins in out */
	size_t nfields_in_row;
	size_t rows;
	/* After csv_writer_finish with CP932: characters written as 〓 because CP932 has no
	 * form for them, and the first one's line and code point (for a warning). */
	size_t substituted, first_substituted_line;
	uint32_t first_substituted_cp;
};

void csv_writer_init(struct csv_writer *w, struct strbuf *out, unsigned flags);
void csv_write_field(struct csv_writer *w, const char *value);
void csv_write_row(struct csv_writer *w, const char *const *values, size_t n);
void csv_end_row(struct csv_writer *w);
/*
 * Ends a pending row and, with CSV_WRITE_CP932, converts the output. A character without a
 * CP932 form is written as 〓 and counted in w->substituted (the caller warns, naming
 * first_substituted_line and _cp). Returns 0, or -ENOSYS when iconv lacks CP932.
 */
int csv_writer_finish(struct csv_writer *w, struct strbuf *err);

#endif
