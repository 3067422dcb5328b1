/* ndjson: the HTTP log API's body: one JSON object per line (NDJSON), optionally gzip. */
#ifndef MAMORI_INGEST_NDJSON_H
#define MAMORI_INGEST_NDJSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "ingest/syslog.h"

#define NDJSON_MAX_LINE (64 * 1024) /* bytes of one line; a longer one is cut */
#define NDJSON_MAX_BODY (32u << 20) /* bytes of a body after gunzip */

/* One line of a body. */
struct ndjson_line {
	const char *p;
	size_t n;
	uint64_t lineno;   /* 1-based, counting every line */
	bool cut;          /* the line was longer than the limit: p holds its start */
	const char *error; /* NULL, or why it is not a JSON object (static text) */
};

/* Returns 0 to go on; anything else stops ndjson_each, which returns it. */
typedef int (*ndjson_fn)(void *ctx, const struct ndjson_line *line);

/*
 * Calls fn for each non-empty line of body (LF or CRLF), checked: a line that is not one
 * JSON object, or longer than max_line (0: NDJSON_MAX_LINE), has error set; it is still
 * handed on, since a message is stored even when it does not parse.
 */
int ndjson_each(const char *body, size_t len, size_t max_line, ndjson_fn fn, void *ctx);

/*
 * Decompresses a gzip body (RFC 1952) into out, at most max bytes: 0, -EFBIG (larger than
 * max: a bomb, or too much at once), -EINVAL (not gzip, or damaged) with err set.
 */
int ndjson_gunzip(const void *in, size_t len, size_t max, struct strbuf *out, struct strbuf *err);

/*
 * Reads one JSON object as a message (SYSLOG_JSON): time from "time", "@timestamp",
 * "timestamp" or "TimeCreated" (RFC 3339, or seconds since the epoch), host from "host",
 * "hostname" or "Computer", app from "app", "program", "appname" or "ProviderName", the
 * message from "message", "msg" or "Message", severity from "severity" (a syslog name or
 * 0..7). Spans point into *ret_obj (owned by the caller: json_decref). 0, or -EINVAL with
 * m->error set (not a JSON object).
 */
int syslog_parse_json(const char *p, size_t len, const struct syslog_parse_options *o,
                      struct syslog_msg *m, json_t **ret_obj);

#endif
