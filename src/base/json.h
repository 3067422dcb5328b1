/* json: a streaming JSON writer into a strbuf (parsing uses jansson); functions are jw_* so
 * they never clash with jansson's json_* names. */
#ifndef MAMORI_BASE_JSON_H
#define MAMORI_BASE_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "base/strbuf.h"

#define JSON_MAX_DEPTH 32

/*
 * The writer emits compact JSON with keys in the order the caller gives
 * them, so output is stable (docs/cli.md lists the keys). Strings are
 * escaped per RFC 8259; invalid UTF-8 is replaced by U+FFFD so the output
 * is always valid JSON. Misuse (value without key inside an object,
 * unbalanced end, depth over JSON_MAX_DEPTH) is a programmer error: assert.
 */
struct json_writer {
	struct strbuf *out;
	int depth;
	bool first[JSON_MAX_DEPTH + 1];
	bool in_object[JSON_MAX_DEPTH + 1];
	bool after_key;
};

void jw_init(struct json_writer *w, struct strbuf *out);
/* key: ms as RFC 3339 in Asia/Tokyo (+09:00), or null when ms is 0 */
void jw_kv_time(struct json_writer *w, const char *key, int64_t ms);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
void jw_key(struct json_writer *w, const char *key);
void jw_string(struct json_writer *w, const char *s);
void jw_string_len(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, int64_t v);
void jw_uint(struct json_writer *w, uint64_t v);
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);
/* Appends already-encoded JSON text as one value. */
void jw_raw(struct json_writer *w, const char *json);

/* Key + value shorthands; jw_kv_str writes null for a NULL string. */
void jw_kv_str(struct json_writer *w, const char *key, const char *s);
void jw_kv_int(struct json_writer *w, const char *key, int64_t v);
void jw_kv_bool(struct json_writer *w, const char *key, bool v);

/* Escapes s as a JSON string literal (with quotes) onto sb. */
void json_quote(struct strbuf *sb, const char *s, size_t len);

#endif
