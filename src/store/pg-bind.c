/* pg-bind: a PostgreSQL statement's bindings and the values of its current row (statements:
 * store/pg-stmt.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bitset.h"
#include "base/cleanup.h"
#include "base/parse.h"
#include "store/pg-internal.h"
#include "store/store-internal.h"

static struct pg_param *param(struct pg_stmt *s, int i)
{
	if (i < 1 || i > s->nparams) {
		if (!s->bind_err)
			s->bind_err = -ERANGE;
		return NULL;
	}
	free(s->params[i - 1].owned);
	memset(&s->params[i - 1], 0, sizeof(s->params[i - 1]));
	return &s->params[i - 1];
}

void pg_bind_int(struct pg_stmt *s, int i, int64_t v)
{
	struct pg_param *p = param(s, i);

	if (!p)
		return;
	snprintf(p->num, sizeof(p->num), "%" PRId64, v);
	p->value = p->num;
	p->type = PG_INT8OID;
}

void pg_bind_bool(struct pg_stmt *s, int i, bool v)
{
	struct pg_param *p = param(s, i);

	if (!p)
		return;
	snprintf(p->num, sizeof(p->num), "%s", v ? "t" : "f");
	p->value = p->num;
	p->type = PG_BOOLOID;
}

void pg_bind_double(struct pg_stmt *s, int i, double v)
{
	struct pg_param *p = param(s, i);

	if (!p)
		return;
	snprintf(p->num, sizeof(p->num), "%.17g", v);
	p->value = p->num;
	p->type = PG_FLOAT8OID;
}

void pg_bind_text(struct pg_stmt *s, int i, const char *text, size_t len)
{
	struct pg_param *p = param(s, i);

	if (!p || !text)
		return;
	if (memchr(text, '\0', len)) {
		/* PostgreSQL's text cannot hold NUL: refuse rather than cut the value short */
		if (!s->bind_err)
			s->bind_err = -EINVAL;
		return;
	}
	p->owned = xmalloc(len + 1);
	memcpy(p->owned, text, len);
	p->owned[len] = '\0';
	p->value = p->owned;
}

void pg_bind_text0(struct pg_stmt *s, int i, const char *text)
{
	struct pg_param *p = param(s, i);

	if (p)
		p->value = text;
}

void pg_bind_blob(struct pg_stmt *s, int i, const void *data, size_t len)
{
	struct pg_param *p = param(s, i);

	if (!p)
		return;
	if (len > INT32_MAX) {
		if (!s->bind_err)
			s->bind_err = -E2BIG;
		return;
	}
	p->value = len ? data : "";
	p->len = (int)len;
	p->format = 1;
	p->type = PG_BYTEAOID;
}

/*
 * A set of ids for mamori_in_set(?, id) (schema/pg/0021): the bits as bytea, bit i in byte i / 8
 * at (i % 8) from the least significant end, as PostgreSQL's get_bit numbers them.
 */
void pg_bind_bitset(struct pg_stmt *s, int i, const struct bitset *set)
{
	struct pg_param *p = param(s, i);
	size_t n = set ? set->nwords * 8 : 0;

	if (!p)
		return;
	if (!set) { /* no set: a NULL of its type (mamori_in_set then says no) */
		p->value = NULL;
		p->type = PG_BYTEAOID;
		return;
	}
	if (n > INT32_MAX) {
		if (!s->bind_err)
			s->bind_err = -E2BIG;
		return;
	}
	p->owned = xmalloc(n ? n : 1);
	for (size_t w = 0; w < set->nwords; w++)
		for (unsigned b = 0; b < 8; b++)
			p->owned[w * 8 + b] = (char)((set->words[w] >> (8 * b)) & 0xff);
	p->value = p->owned;
	p->len = (int)n;
	p->format = 1;
	p->type = PG_BYTEAOID;
}

void pg_bind_fail(struct pg_stmt *s, int r)
{
	if (!s->bind_err)
		s->bind_err = r;
}

void pg_bind_null(struct pg_stmt *s, int i)
{
	(void)param(s, i);
}

static bool has(const struct pg_stmt *s, int col)
{
	return s->res && s->row >= 0 && s->row < s->rows && col >= 0 && col < PQnfields(s->res);
}

bool pg_is_null(struct pg_stmt *s, int col)
{
	return !has(s, col) || PQgetisnull(s->res, s->row, col);
}

const char *pg_text(struct pg_stmt *s, int col)
{
	return pg_is_null(s, col) ? NULL : PQgetvalue(s->res, s->row, col);
}

int64_t pg_int(struct pg_stmt *s, int col)
{
	const char *v = pg_text(s, col);

	if (!v)
		return 0;
	if (PQftype(s->res, col) == PG_BOOLOID)
		return *v == 't';
	return strtoll(v, NULL, 10);
}

double pg_double(struct pg_stmt *s, int col)
{
	const char *v = pg_text(s, col);

	return v ? strtod(v, NULL) : 0.0;
}

const void *pg_blob(struct pg_stmt *s, int col, size_t *ret_len)
{
	const char *v = pg_text(s, col);
	size_t len;

	*ret_len = 0;
	if (!v)
		return NULL;
	len = (size_t)PQgetlength(s->res, s->row, col);
	if (PQftype(s->res, col) != PG_BYTEAOID) {
		*ret_len = len;
		return v;
	}
	if (!s->blob[col]) {
		/* bytea_output = hex (PostgreSQL's default since 9.0): "\x" and two digits a byte
		 */
		size_t n = len >= 2 && v[0] == '\\' && v[1] == 'x' ? (len - 2) / 2 : 0;
		unsigned char *b = xmalloc(n ? n : 1);
		for (size_t i = 0; i < n; i++) {
			int hi = parse_hex_digit(v[2 + 2 * i]), lo = parse_hex_digit(v[3 + 2 * i]);
			if (hi < 0 || lo < 0) {
				n = i;
				break;
			}
			b[i] = (unsigned char)(hi << 4 | lo);
		}
		s->blob[col] = b;
		s->blob_len[col] = n;
	}
	*ret_len = s->blob_len[col];
	return s->blob[col];
}

void pg_wipe(struct pg_stmt *s)
{
	if (s->res && s->row >= 0 && s->row < s->rows) {
		for (int col = 0; col < PQnfields(s->res); col++) {
			/* libpq hands the values out as writable memory of the result */
			char *v = PQgetisnull(s->res, s->row, col)
			              ? NULL
			              : PQgetvalue(s->res, s->row, col);
			if (v)
				explicit_bzero(v, (size_t)PQgetlength(s->res, s->row, col));
		}
	}
	for (int i = 0; i < s->blob_cols; i++)
		if (s->blob[i])
			explicit_bzero(s->blob[i], s->blob_len[i]);
	pg_reset(s, true);
}

int pg_columns(struct pg_stmt *s)
{
	return s->res ? PQnfields(s->res) : 0;
}
