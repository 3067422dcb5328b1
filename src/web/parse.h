/* parse: what clients send, checked strictly: percent-encoding, query strings and forms,
 * cookies, multipart uploads. Pure functions, fuzzed (fuzz/fuzz-form.c, fuzz-cookie.c ...). */
#ifndef MAMORI_WEB_PARSE_H
#define MAMORI_WEB_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/*
 * Limits on what one request may make the server hold. Every value is
 * checked after decoding; going over is an error (-E2BIG), never a silent
 * truncation.
 */
#define WEB_MAX_PARAMS    256         /* fields of one form or query, cookies of one header */
#define WEB_MAX_NAME      128         /* bytes of one field or cookie name */
#define WEB_MAX_VALUE     (64 * 1024) /* bytes of one decoded field value */
#define WEB_MAX_PARTS     16          /* parts of one multipart body */
#define WEB_MAX_PART_HEAD 4096        /* header block of one multipart part */
#define WEB_MAX_BOUNDARY  70          /* RFC 2046 */

/* One name=value pair. name and value are NUL-terminated; value may be "" but not NULL. */
struct web_param {
	char *name;
	char *value;
	size_t value_len;
};

struct web_params {
	struct web_param *items;
	size_t nr, alloc;
};

#define WEB_PARAMS_INIT                                                                            \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void web_params_release(struct web_params *p);
/* The first value of name, or NULL. */
const char *web_params_get(const struct web_params *p, const char *name);
/* Number of values of name (a form may repeat a field: several checkboxes). */
size_t web_params_count(const struct web_params *p, const char *name);
void web_params_add(struct web_params *p, const char *name, const char *value);

/*
 * Appends the percent-decoded s[0..len) to out ('+' means space when
 * plus_is_space, as in forms and query strings). Refuses a '%' not followed
 * by two hex digits, a decoded NUL byte or control character other than
 * tab, CR and LF, and a result that is not UTF-8. Returns 0 or -EINVAL
 * with err set; out may hold a partial result on failure.
 */
int web_percent_decode(const char *s, size_t len, bool plus_is_space, struct strbuf *out,
                       struct strbuf *err);

/*
 * Parses application/x-www-form-urlencoded text (a POST body or a query
 * string without its '?'): "a=1&b=x+y". Empty pairs ("a=1&&b=2") are
 * skipped; a pair without '=' has the value "". Names must be non-empty.
 * Returns 0, -EINVAL (bad encoding) or -E2BIG (a limit), with err set.
 * On failure p keeps what was parsed before the error.
 */
int web_parse_urlencoded(const char *s, size_t len, struct web_params *p, struct strbuf *err);

/*
 * Parses a Cookie request header ("a=1; b=2", RFC 6265 section 5.4). Values
 * are not decoded; surrounding double quotes are removed. A pair that is
 * not name=value or whose name is not an RFC 7230 token is skipped
 * (browsers send what other sites set); over WEB_MAX_PARAMS cookies or an
 * over-long name or value is -E2BIG.
 */
int web_parse_cookies(const char *header, struct web_params *p, struct strbuf *err);

/* One part of a multipart/form-data body. data points into the body given to the parser. */
struct web_part {
	char *name;         /* form field name */
	char *filename;     /* NULL when not a file */
	char *content_type; /* NULL when absent */
	const char *data;
	size_t len;
};

/* Up to WEB_MAX_PARTS, allocated by the first part: a request without parts allocates none
 * (a request's struct stays small enough for malloc's per-thread cache). */
struct web_parts {
	struct web_part *items;
	size_t nr;
};

void web_parts_release(struct web_parts *p);
const struct web_part *web_parts_get(const struct web_parts *p, const char *name);

/*
 * Extracts the boundary of a "multipart/form-data; boundary=..." content
 * type into ret (quoted or not). Returns 0, or -EINVAL when the type is
 * not multipart/form-data or the boundary is missing or not RFC 2046.
 */
int web_multipart_boundary(const char *content_type, struct strbuf *ret, struct strbuf *err);

/*
 * Parses a multipart/form-data body (RFC 7578). Each part needs a
 * Content-Disposition: form-data header with a name. Part data may be any
 * bytes (a CSV file may be CP932); names and file names must be UTF-8.
 * Returns 0, -EINVAL or -E2BIG with err set.
 */
int web_parse_multipart(const char *body, size_t len, const char *boundary, struct web_parts *ret,
                        struct strbuf *err);

#endif
