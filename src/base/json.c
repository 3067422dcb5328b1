/* json: a streaming JSON writer into a strbuf. */
#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "base/json.h"
#include "base/timeutil.h"
#include "base/utf8.h"

void jw_init(struct json_writer *w, struct strbuf *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->first[0] = true;
}

/* Writes the separator before a value (or a key) at the current level. */
static void before_value(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	assert(!w->in_object[w->depth]);
	if (!w->first[w->depth])
		strbuf_addch(w->out, ',');
	w->first[w->depth] = false;
}

static void open_level(struct json_writer *w, char c, bool object)
{
	before_value(w);
	assert(w->depth < JSON_MAX_DEPTH);
	strbuf_addch(w->out, c);
	w->depth++;
	w->first[w->depth] = true;
	w->in_object[w->depth] = object;
}

static void close_level(struct json_writer *w, char c, bool object)
{
	assert(w->depth > 0 && w->in_object[w->depth] == object && !w->after_key);
	(void)object;
	w->depth--;
	strbuf_addch(w->out, c);
}

void jw_object_begin(struct json_writer *w)
{
	open_level(w, '{', true);
}

void jw_object_end(struct json_writer *w)
{
	close_level(w, '}', true);
}

void jw_array_begin(struct json_writer *w)
{
	open_level(w, '[', false);
}

void jw_array_end(struct json_writer *w)
{
	close_level(w, ']', false);
}

void jw_key(struct json_writer *w, const char *key)
{
	assert(w->in_object[w->depth] && !w->after_key);
	if (!w->first[w->depth])
		strbuf_addch(w->out, ',');
	w->first[w->depth] = false;
	json_quote(w->out, key, strlen(key));
	strbuf_addch(w->out, ':');
	w->after_key = true;
}

void json_quote(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;

	strbuf_grow(sb, len + 2);
	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		strbuf_add(sb, s + i - run, run);
		run = 0;
		if (c >= 0x80) {
			uint32_t cp;
			int n = utf8_decode(s + i, len - i, &cp);
			if (n < 0) {
				strbuf_addstr(sb, "\xef\xbf\xbd"); /* U+FFFD */
				i++;
			} else {
				strbuf_add(sb, s + i, (size_t)n);
				i += (size_t)n;
			}
			continue;
		}
		switch (c) {
		case '"':
			strbuf_addstr(sb, "\\\"");
			break;
		case '\\':
			strbuf_addstr(sb, "\\\\");
			break;
		case '\n':
			strbuf_addstr(sb, "\\n");
			break;
		case '\r':
			strbuf_addstr(sb, "\\r");
			break;
		case '\t':
			strbuf_addstr(sb, "\\t");
			break;
		case '\b':
			strbuf_addstr(sb, "\\b");
			break;
		case '\f':
			strbuf_addstr(sb, "\\f");
			break;
		default:
			strbuf_addstr(sb, "\\u00");
			strbuf_addch(sb, hex[c >> 4]);
			strbuf_addch(sb, hex[c & 15]);
		}
		i++;
	}
	strbuf_add(sb, s + i - run, run);
	strbuf_addch(sb, '"');
}

void jw_string_len(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	json_quote(w->out, s, len);
}

void jw_string(struct json_writer *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_string_len(w, s, strlen(s));
}

void jw_int(struct json_writer *w, int64_t v)
{
	before_value(w);
	strbuf_addf(w->out, "%" PRId64, v);
}

void jw_uint(struct json_writer *w, uint64_t v)
{
	before_value(w);
	strbuf_addf(w->out, "%" PRIu64, v);
}

void jw_bool(struct json_writer *w, bool v)
{
	before_value(w);
	strbuf_addstr(w->out, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	before_value(w);
	strbuf_addstr(w->out, "null");
}

void jw_raw(struct json_writer *w, const char *json)
{
	before_value(w);
	strbuf_addstr(w->out, json);
}

void jw_kv_str(struct json_writer *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_string(w, s);
}

void jw_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_int(w, v);
}

void jw_kv_bool(struct json_writer *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_bool(w, v);
}

void jw_kv_time(struct json_writer *w, const char *key, int64_t ms)
{
	struct strbuf sb = STRBUF_INIT;

	jw_key(w, key);
	if (!ms) {
		jw_null(w);
		return;
	}
	time_format_rfc3339_offset(&sb, ms, TOKYO_OFFSET_MS);
	jw_string(w, sb.buf);
	strbuf_release(&sb);
}
