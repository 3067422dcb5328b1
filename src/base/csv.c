/* csv: reading and writing the CSV files wards keep in Excel (UTF-8 with or without BOM, CP932). */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "base/csv.h"
#include "base/utf8.h"

#define DEFAULT_MAX_BYTES   (16u * 1024 * 1024)
#define DEFAULT_MAX_FIELD   (64u * 1024)
#define DEFAULT_MAX_COLUMNS 256u
#define DEFAULT_MAX_ROWS    100000u

static const char guard_chars[] = "=+-@\t\r";
/* Their full-width forms ＝＋－＠, which Excel with a Japanese IME also takes as a formula. */
static const char *const guard_wide[] = { "\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d",
	                                  "\xef\xbc\xa0" };

const char *csv_encoding_name(enum csv_encoding enc)
{
	switch (enc) {
	case CSV_UTF8:
		return "UTF-8";
	case CSV_UTF8_BOM:
		return "UTF-8 (BOM)";
	case CSV_CP932:
		return "CP932";
	}
	return "unknown";
}

/* The physical line (1-based) of byte off: CRLF, LF and a lone CR each end a line. */
static size_t line_at(const char *s, size_t off)
{
	size_t line = 1;

	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= off || s[i + 1] != '\n')))
			line++;
	}
	return line;
}

/*
 * Converts in[0..len) with iconv into out. Returns 0, -EILSEQ or -EINVAL
 * (an invalid or incomplete sequence at *ret_bad), or -ENOSYS when glibc
 * lacks the conversion.
 */
static int convert(const char *to, const char *from, const char *in, size_t len, struct strbuf *out,
                   size_t *ret_bad)
{
	iconv_t cd = iconv_open(to, from);
	char *inp = (char *)(uintptr_t)in; /* iconv's prototype is not const-correct */
	size_t inleft = len;
	int r = 0;

	if (cd == (iconv_t)-1)
		return -ENOSYS;
	strbuf_grow(out, len + len / 2 + 16);
	while (inleft > 0) {
		char *outp = out->buf + out->len;
		size_t outleft = out->alloc - out->len - 1;
		size_t rc = iconv(cd, &inp, &inleft, &outp, &outleft);
		int e = errno;

		strbuf_setlen(out, (size_t)(outp - out->buf));
		if (rc != (size_t)-1)
			break;
		if (e == E2BIG) {
			strbuf_grow(out, inleft * 2 + 16);
			continue;
		}
		*ret_bad = len - inleft;
		r = e == EINVAL ? -EINVAL : -EILSEQ;
		break;
	}
	iconv_close(cd);
	return r;
}

/*
 * A file that is almost all good UTF-8 with a few bad bytes is damaged
 * UTF-8, not CP932: converting it would import mojibake silently.
 */
static bool looks_like_damaged_utf8(const char *s, size_t len, size_t *ret_first_bad)
{
	size_t good = 0, bad = 0, first_bad = len;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0) {
			if (first_bad == len)
				first_bad = i;
			bad++;
			i++;
		} else {
			good++;
			i += (size_t)n;
		}
	}
	*ret_first_bad = first_bad;
	return good >= 8 && good > 4 * bad;
}

/* Position of the first byte of s[0..len) that is not part of valid UTF-8. */
static size_t first_invalid_utf8(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		int n = utf8_decode(s + i, len - i, &cp);
		if (n < 0)
			return i;
		i += (size_t)n;
	}
	return len;
}

/* Decodes data into text (UTF-8); sets csv->encoding. */
static int decode(struct csv *csv, const char *data, size_t len, struct strbuf *text,
                  struct strbuf *err)
{
	size_t bad;

	if (len >= 2 && ((data[0] == '\xff' && data[1] == '\xfe') ||
	                 (data[0] == '\xfe' && data[1] == '\xff'))) {
		error_set(err, "line 1: the file is UTF-16 (Excel's 'Unicode text'); save it as "
		               "'CSV UTF-8 (comma delimited)' instead");
		return -EINVAL;
	}
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		csv->encoding = CSV_UTF8_BOM;
		bad = first_invalid_utf8(data + 3, len - 3);
		if (bad < len - 3) {
			error_set(err,
			          "line %zu: byte 0x%02x is not valid UTF-8 although the file "
			          "starts with a UTF-8 byte order mark; save the file again as "
			          "'CSV UTF-8'",
			          line_at(data, bad + 3), (unsigned char)data[bad + 3]);
			return -EINVAL;
		}
		strbuf_add(text, data + 3, len - 3);
		return 0;
	}
	if (utf8_valid(data, len)) {
		csv->encoding = CSV_UTF8;
		strbuf_add(text, data, len);
		return 0;
	}
	if (looks_like_damaged_utf8(data, len, &bad)) {
		error_set(err,
		          "line %zu: byte 0x%02x is not valid UTF-8 in a file that is otherwise "
		          "UTF-8; fix or save the file again as 'CSV UTF-8'",
		          line_at(data, bad), (unsigned char)data[bad]);
		return -EINVAL;
	}
	csv->encoding = CSV_CP932;
	switch (convert("UTF-8", "CP932", data, len, text, &bad)) {
	case 0:
		return 0;
	case -ENOSYS:
		error_set(err, "cannot convert from CP932: iconv lacks it (install glibc's gconv "
		               "modules)");
		return -ENOSYS;
	default:
		error_set(err,
		          "line %zu: byte 0x%02x is neither UTF-8 nor CP932 (Shift_JIS); save the "
		          "file as 'CSV UTF-8' and try again",
		          line_at(data, bad), (unsigned char)data[bad]);
		return -EINVAL;
	}
}

static bool is_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!(*s >= '0' && *s <= '9'))
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/*
 * Whether the writer puts a "'" in front of s. Guarding "'=x" as well keeps
 * the guard reversible: the reader strips one "'" exactly when the rest is
 * something the writer would have guarded.
 */
static bool needs_guard(const char *s)
{
	if (*s && strchr(guard_chars, *s))
		return !is_number(s);
	for (size_t i = 0; i < sizeof(guard_wide) / sizeof(guard_wide[0]); i++)
		if (!strncmp(s, guard_wide[i], 3))
			return true;
	if (*s == '\'')
		return needs_guard(s + 1);
	return false;
}

/* A record while parsing: its fields are offs[first .. first + nfields). */
struct prec {
	size_t line, first, nfields;
};

/* Parser state: fields are appended NUL-terminated to arena, their offsets to offs. */
struct parser {
	const char *s;
	size_t n, i, line;
	unsigned flags;
	struct csv_limits lim;
	struct strbuf arena;
	size_t *offs;
	size_t noffs, aoffs;
	struct prec *recs;
	size_t nrecs, arecs;
	size_t header_fields;
	bool have_header;
	struct strbuf *err;
};

static int field_too_long(struct parser *p, size_t field_no)
{
	error_set(p->err,
	          "line %zu: field %zu is longer than %zu bytes; shorten it or split the file",
	          p->line, field_no, p->lim.max_field);
	return -EFBIG;
}

/* Reads one field at p->i into the arena; stops at ',', a line end or the end. */
static int read_field(struct parser *p, size_t field_no)
{
	size_t start = p->arena.len;

	if (p->i < p->n && p->s[p->i] == '"') {
		size_t open_line = p->line;
		p->i++;
		for (;;) {
			char c;
			if (p->i >= p->n) {
				error_set(p->err,
				          "line %zu: the quoted field %zu is not closed; add the "
				          "closing '\"' (a quote inside a field must be doubled)",
				          open_line, field_no);
				return -EINVAL;
			}
			c = p->s[p->i];
			if (c == '"') {
				if (p->i + 1 < p->n && p->s[p->i + 1] == '"') {
					strbuf_addch(&p->arena, '"');
					p->i += 2;
				} else {
					p->i++;
					break;
				}
			} else if (c == '\r' || c == '\n') {
				/* CRLF, LF and a lone CR inside quotes all become LF. */
				if (c == '\r' && p->i + 1 < p->n && p->s[p->i + 1] == '\n')
					p->i++;
				p->i++;
				p->line++;
				strbuf_addch(&p->arena, '\n');
			} else {
				size_t run = p->i;
				while (run < p->n && p->s[run] != '"' && p->s[run] != '\r' &&
				       p->s[run] != '\n')
					run++;
				strbuf_add(&p->arena, p->s + p->i, run - p->i);
				p->i = run;
			}
			if (p->arena.len - start > p->lim.max_field)
				return field_too_long(p, field_no);
		}
		if (p->i < p->n && p->s[p->i] != ',' && p->s[p->i] != '\r' && p->s[p->i] != '\n') {
			error_set(p->err,
			          "line %zu: text after the closing quote of field %zu; a quote "
			          "inside a field must be doubled (\"\")",
			          p->line, field_no);
			return -EINVAL;
		}
	} else {
		size_t run = p->i;
		while (run < p->n && p->s[run] != ',' && p->s[run] != '\r' && p->s[run] != '\n') {
			if (p->s[run] == '"') {
				error_set(
				    p->err,
				    "line %zu: a quote in the middle of field %zu; enclose the "
				    "field in quotes and double the quote (\"\")",
				    p->line, field_no);
				return -EINVAL;
			}
			run++;
		}
		if (run - p->i > p->lim.max_field)
			return field_too_long(p, field_no);
		strbuf_add(&p->arena, p->s + p->i, run - p->i);
		p->i = run;
	}
	if ((p->flags & CSV_READ_UNGUARD) && p->arena.len - start >= 2 &&
	    p->arena.buf[start] == '\'') {
		/* Drop the writer's guard (see needs_guard) in place. */
		if (needs_guard(p->arena.buf + start + 1)) {
			size_t flen = p->arena.len - start;
			memmove(p->arena.buf + start, p->arena.buf + start + 1, flen - 1);
			strbuf_setlen(&p->arena, p->arena.len - 1);
		}
	}
	strbuf_addch(&p->arena, '\0');
	return 0;
}

/* Bytes of white space (space, tab, U+3000) at the start / at the end of p[0..n). */
static size_t lead_space(const char *p, size_t n)
{
	if (n >= 1 && (p[0] == ' ' || p[0] == '\t'))
		return 1;
	if (n >= 3 && memcmp(p, "\u3000", 3) == 0)
		return 3;
	return 0;
}

static size_t trail_space(const char *p, size_t n)
{
	if (n >= 1 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		return 1;
	if (n >= 3 && memcmp(p + n - 3, "\u3000", 3) == 0)
		return 3;
	return 0;
}

static void trim_in_place(char *s)
{
	size_t len = strlen(s), b = 0, w;

	while ((w = lead_space(s + b, len - b)) > 0)
		b += w;
	while ((w = trail_space(s + b, len - b)) > 0)
		len -= w;
	memmove(s, s + b, len - b);
	s[len - b] = '\0';
}

static int check_header(struct parser *p, const struct prec *rec)
{
	for (size_t k = 0; k < rec->nfields; k++) {
		char *name = p->arena.buf + p->offs[rec->first + k];
		trim_in_place(name);
		if (!*name) {
			error_set(p->err,
			          "line %zu: column %zu has no name in the header; name every "
			          "column",
			          rec->line, k + 1);
			return -EINVAL;
		}
		for (size_t j = 0; j < k; j++) {
			if (strcmp(name, p->arena.buf + p->offs[rec->first + j]) == 0) {
				error_set(
				    p->err,
				    "line %zu: column '%s' appears twice in the header (columns "
				    "%zu and %zu)",
				    rec->line, name, j + 1, k + 1);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int parse(struct parser *p)
{
	while (p->i < p->n) {
		struct prec rec = { .line = p->line, .first = p->noffs };
		size_t first = p->noffs;
		bool all_empty = true;
		int r;

		for (;;) {
			size_t field_start = p->arena.len;
			if (p->noffs - first >= p->lim.max_columns) {
				error_set(p->err, "line %zu: more than %zu fields in one record",
				          rec.line, p->lim.max_columns);
				return -EFBIG;
			}
			ALLOC_GROW(p->offs, p->noffs, p->aoffs);
			p->offs[p->noffs++] = field_start;
			r = read_field(p, p->noffs - first);
			if (r < 0)
				return r;
			if (p->arena.buf[field_start] != '\0')
				all_empty = false;
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->i < p->n) {
				/* a line end: CRLF, LF or a lone CR */
				if (p->s[p->i] == '\r' && p->i + 1 < p->n && p->s[p->i + 1] == '\n')
					p->i++;
				p->i++;
				p->line++;
			}
			break;
		}
		rec.nfields = p->noffs - first;
		if (all_empty) {
			/* An empty line, or ",,," left by Excel: not a record. */
			p->noffs = first;
			continue;
		}
		if ((p->flags & CSV_READ_HEADER) && !p->have_header) {
			r = check_header(p, &rec);
			if (r < 0)
				return r;
			p->have_header = true;
			p->header_fields = rec.nfields;
		} else if ((p->flags & CSV_READ_HEADER) && rec.nfields != p->header_fields) {
			error_set(
			    p->err,
			    "line %zu: %zu field%s, but the header has %zu columns; check for "
			    "a missing or extra comma",
			    rec.line, rec.nfields, rec.nfields == 1 ? "" : "s", p->header_fields);
			return -EINVAL;
		} else if (p->nrecs - (p->have_header ? 1 : 0) >= p->lim.max_rows) {
			error_set(p->err, "line %zu: more than %zu records; split the file",
			          rec.line, p->lim.max_rows);
			return -EFBIG;
		}
		ALLOC_GROW(p->recs, p->nrecs, p->arecs);
		p->recs[p->nrecs++] = rec;
	}
	if ((p->flags & CSV_READ_HEADER) && !p->have_header) {
		error_set(p->err, "line 1: the file is empty; the first row must name the columns");
		return -EINVAL;
	}
	return 0;
}

int csv_parse(struct csv *csv, const void *data, size_t len, unsigned flags,
              const struct csv_limits *limits, struct strbuf *err)
{
	struct csv out = CSV_INIT;
	struct strbuf text = STRBUF_INIT;
	struct parser p = { .line = 1, .flags = flags, .err = err };
	const char *nul;
	size_t skip;
	int r;

	p.lim.max_bytes = limits && limits->max_bytes ? limits->max_bytes : DEFAULT_MAX_BYTES;
	p.lim.max_field = limits && limits->max_field ? limits->max_field : DEFAULT_MAX_FIELD;
	p.lim.max_columns =
	    limits && limits->max_columns ? limits->max_columns : DEFAULT_MAX_COLUMNS;
	p.lim.max_rows = limits && limits->max_rows ? limits->max_rows : DEFAULT_MAX_ROWS;

	if (len > p.lim.max_bytes) {
		error_set(err, "the file is larger than %zu bytes; split it", p.lim.max_bytes);
		return -EFBIG;
	}
	r = decode(&out, data, len, &text, err);
	if (r < 0)
		goto fail;
	nul = memchr(text.buf, '\0', text.len);
	if (nul) {
		error_set(err, "line %zu: NUL byte; this is not a text file",
		          line_at(text.buf, (size_t)(nul - text.buf)));
		r = -EINVAL;
		goto fail;
	}
	p.s = text.buf;
	p.n = text.len;
	strbuf_init(&p.arena, text.len + 64);
	r = parse(&p);
	if (r < 0)
		goto fail;

	/* Turn offsets into pointers now that the arena no longer moves. */
	out.arena_ = strbuf_detach(&p.arena, NULL);
	out.fields_ = xcalloc(p.noffs + 1, sizeof(*out.fields_));
	for (size_t k = 0; k < p.noffs; k++)
		out.fields_[k] = out.arena_ + p.offs[k];
	skip = 0;
	if (p.have_header) {
		out.ncolumns = p.recs[0].nfields;
		out.columns = out.fields_ + p.recs[0].first;
		out.header_line = p.recs[0].line;
		skip = 1;
	}
	out.nrecords = p.nrecs - skip;
	out.records = xcalloc(out.nrecords + 1, sizeof(*out.records));
	for (size_t k = 0; k < out.nrecords; k++) {
		const struct prec *pr = &p.recs[k + skip];
		out.records[k].line = pr->line;
		out.records[k].nfields = pr->nfields;
		out.records[k].fields = out.fields_ + pr->first;
	}
	free(p.recs);
	free(p.offs);
	strbuf_release(&text);
	*csv = out;
	return 0;
fail:
	strbuf_release(&p.arena);
	free(p.recs);
	free(p.offs);
	strbuf_release(&text);
	memset(csv, 0, sizeof(*csv));
	return r;
}

int csv_read_file(struct csv *csv, const char *path, unsigned flags,
                  const struct csv_limits *limits, struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	size_t max = limits && limits->max_bytes ? limits->max_bytes : DEFAULT_MAX_BYTES;
	int r = strbuf_read_file(&data, path, max + 1);

	if (r < 0) {
		if (r == -EFBIG)
			error_set(err, "the file is larger than %zu bytes; split it", max);
		else
			error_set(err, "cannot read '%s': %s", path, strerror(-r));
		strbuf_release(&data);
		memset(csv, 0, sizeof(*csv));
		return r;
	}
	r = csv_parse(csv, data.buf, data.len, flags, limits, err);
	strbuf_release(&data);
	return r;
}

void csv_release(struct csv *csv)
{
	if (!csv)
		return;
	free(csv->arena_);
	free(csv->fields_);
	free(csv->records);
	memset(csv, 0, sizeof(*csv));
}

int csv_column(const struct csv *csv, const char *name)
{
	for (size_t k = 0; k < csv->ncolumns; k++)
		if (strcmp(csv->columns[k], name) == 0)
			return (int)k;
	return -1;
}

const char *csv_get(const struct csv *csv, const struct csv_record *rec, const char *name)
{
	int k = csv_column(csv, name);

	if (k < 0 || (size_t)k >= rec->nfields)
		return NULL;
	return rec->fields[k];
}

void csv_writer_init(struct csv_writer *w, struct strbuf *out, unsigned flags)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->flags = flags;
	w->start = out->len;
	if ((flags & CSV_WRITE_BOM) && !(flags & CSV_WRITE_CP932))
		strbuf_add(out, "\xef\xbb\xbf", 3);
}

void csv_write_field(struct csv_writer *w, const char *value)
{
	size_t len = strlen(value);
	bool guard = (w->flags & CSV_WRITE_FORMULA_GUARD) && needs_guard(value);
	/* A leading U+FEFF is quoted too, or a reader would take it for a BOM. */
	bool quote = strpbrk(value, ",\"\r\n") != NULL ||
	             (len > 0 && (value[0] == ' ' || value[len - 1] == ' ')) ||
	             strncmp(value, "\xef\xbb\xbf", 3) == 0;

	if (w->nfields_in_row++)
		strbuf_addch(w->out, ',');
	if (quote)
		strbuf_addch(w->out, '"');
	if (guard)
		strbuf_addch(w->out, '\'');
	for (const char *s = value; *s; s++) {
		if (*s == '"')
			strbuf_addch(w->out, '"');
		strbuf_addch(w->out, *s);
	}
	if (quote)
		strbuf_addch(w->out, '"');
}

void csv_write_row(struct csv_writer *w, const char *const *values, size_t n)
{
	for (size_t k = 0; k < n; k++)
		csv_write_field(w, values[k] ? values[k] : "");
	csv_end_row(w);
}

void csv_end_row(struct csv_writer *w)
{
	strbuf_add(w->out, "\r\n", 2);
	w->nfields_in_row = 0;
	w->rows++;
}

int csv_writer_finish(struct csv_writer *w, struct strbuf *err)
{
	struct strbuf conv = STRBUF_INIT;
	const char *text;
	size_t len, pos = 0;
	int r = 0;

	if (w->nfields_in_row)
		csv_end_row(w);
	if (!(w->flags & CSV_WRITE_CP932))
		return 0;
	text = w->out->buf + w->start;
	len = w->out->len - w->start;
	/* A character without a CP932 form (𠮷, emoji) becomes 〓 (U+3013, 81 AC in CP932), the
	 * mark Japanese offices use for a missing character, and is counted for a warning: one
	 * such name must not stop the export of a whole register. */
	while (pos < len) {
		size_t bad = 0;
		r = convert("CP932", "UTF-8", text + pos, len - pos, &conv, &bad);
		if (r != -EILSEQ && r != -EINVAL)
			break;
		uint32_t cp = 0;
		int n = utf8_decode(text + pos + bad, len - pos - bad, &cp);
		if (!w->substituted) {
			w->first_substituted_line = line_at(text, pos + bad);
			w->first_substituted_cp = n > 0 ? cp : (unsigned char)text[pos + bad];
		}
		w->substituted++;
		strbuf_add(&conv, "\x81\xac", 2);
		pos += bad + (size_t)(n > 0 ? n : 1);
		r = 0;
	}
	if (r == -ENOSYS) {
		error_set(err, "cannot convert to CP932: iconv lacks it");
	} else if (r == 0) {
		strbuf_setlen(w->out, w->start);
		strbuf_add(w->out, conv.buf, conv.len);
	}
	strbuf_release(&conv);
	return r;
}
