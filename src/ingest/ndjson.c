/* ndjson: the HTTP log API's body: one JSON object per line (NDJSON), optionally gzip. */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "base/utf8.h"
#include "ingest/ndjson.h"

static const char *check_line(const char *p, size_t n)
{
	json_error_t je;
	json_t *v;

	if (!utf8_valid(p, n))
		return "not UTF-8";
	v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return "not valid JSON";
	if (!json_is_object(v)) {
		json_decref(v);
		return "not a JSON object";
	}
	json_decref(v);
	return NULL;
}

int ndjson_each(const char *body, size_t len, size_t max_line, ndjson_fn fn, void *ctx)
{
	uint64_t lineno = 0;
	size_t i = 0;

	if (!max_line)
		max_line = NDJSON_MAX_LINE;
	while (i < len) {
		const char *lf = memchr(body + i, '\n', len - i);
		size_t end = lf ? (size_t)(lf - body) : len;
		struct ndjson_line l = { .p = body + i, .n = end - i };
		int r;

		l.lineno = ++lineno;
		i = lf ? end + 1 : len;
		if (l.n > 0 && l.p[l.n - 1] == '\r')
			l.n--;
		if (l.n == 0)
			continue;
		if (l.n > max_line) {
			l.n = max_line;
			l.cut = true;
			l.error = "longer than the limit: cut";
		} else {
			l.error = check_line(l.p, l.n);
		}
		r = fn(ctx, &l);
		if (r)
			return r;
	}
	return 0;
}

int ndjson_gunzip(const void *in, size_t len, size_t max, struct strbuf *out, struct strbuf *err)
{
	z_stream z;
	unsigned char buf[64 * 1024];
	int zr, r = 0;

	memset(&z, 0, sizeof(z));
	/* 16 + MAX_WBITS: a gzip header and trailer, nothing else. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		error_set(err, "cannot start gunzip");
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			error_set(err, "the body is not valid gzip");
			r = -EINVAL;
			break;
		}
		if (out->len + (sizeof(buf) - z.avail_out) > max) {
			error_set(err, "the body is larger than %zu bytes once decompressed", max);
			r = -EFBIG;
			break;
		}
		strbuf_add(out, buf, sizeof(buf) - z.avail_out);
		if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			error_set(err, "the gzip body ends too soon");
			r = -EINVAL;
			break;
		}
	} while (zr != Z_STREAM_END);
	if (r == 0 && z.avail_in != 0) {
		error_set(err, "bytes after the end of the gzip body");
		r = -EINVAL;
	}
	inflateEnd(&z);
	return r;
}

static const char *first_string(json_t *o, const char *const *keys, size_t *ret_len)
{
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		if (v && json_is_string(v) && json_string_length(v) > 0) {
			*ret_len = json_string_length(v);
			return json_string_value(v);
		}
	}
	return NULL;
}

static void span_from(json_t *o, const char *const *keys, struct syslog_span *s)
{
	s->p = first_string(o, keys, &s->n);
	if (!s->p)
		s->n = 0;
}

static int64_t json_time(json_t *o, const struct syslog_parse_options *opt)
{
	static const char *const keys[] = { "time", "@timestamp", "timestamp", "TimeCreated",
		                            NULL };

	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(o, keys[i]);
		int64_t ms;
		if (!v)
			continue;
		if (json_is_string(v) &&
		    syslog_parse_time(json_string_value(v), json_string_length(v), opt, &ms) == 0)
			return ms;
		if (json_is_integer(v) && json_integer_value(v) >= 0) {
			/* Seconds, or milliseconds when it could not be seconds (after 5138). */
			json_int_t t = json_integer_value(v);
			return t < 100000000000LL ? (int64_t)t * 1000 : (int64_t)t;
		}
		if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1e11)
			return (int64_t)(json_real_value(v) * 1000.0);
	}
	return SYSLOG_NO_TIME;
}

static int json_severity(json_t *o)
{
	static const char *const names[] = { "emerg",   "alert",  "crit", "err",
		                             "warning", "notice", "info", "debug" };
	json_t *v = json_object_get(o, "severity");

	if (v && json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 7)
		return 8 + (int)json_integer_value(v); /* facility user */
	if (v && json_is_string(v))
		for (int i = 0; i < 8; i++)
			if (!strcmp(json_string_value(v), names[i]))
				return 8 + i;
	return SYSLOG_NO_PRI;
}

int syslog_parse_json(const char *p, size_t len, const struct syslog_parse_options *o,
                      struct syslog_msg *m, json_t **ret_obj)
{
	static const char *const host[] = { "host", "hostname", "Computer", NULL };
	static const char *const app[] = { "app", "program", "appname", "ProviderName", NULL };
	static const char *const msg[] = { "message", "msg", "Message", NULL };
	json_t *obj = utf8_valid(p, len) ? json_loadb(p, len, JSON_REJECT_DUPLICATES, NULL) : NULL;

	memset(m, 0, sizeof(*m));
	m->pri = SYSLOG_NO_PRI;
	m->time_ms = SYSLOG_NO_TIME;
	if (!obj || !json_is_object(obj)) {
		json_decref(obj);
		m->error = "not a JSON object";
		return -EINVAL;
	}
	span_from(obj, host, &m->host);
	span_from(obj, app, &m->app);
	span_from(obj, msg, &m->msg);
	m->time_ms = json_time(obj, o);
	m->pri = json_severity(obj);
	m->format = SYSLOG_JSON;
	*ret_obj = obj;
	return 0;
}
