/* fuzz-ndjson: the HTTP log body: every line is handed on (flagged when it is no JSON
 * object), JSON messages and their extracted fields stay inside the object, a payload reads
 * back as built, any bytes read as a stored payload stay inside it, and gunzip keeps to its
 * limit. */
#include <stdint.h>
#include <string.h>

#include "base/strbuf.h"
#include "ingest/event.h"
#include "ingest/extract.h"
#include "ingest/ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static int on_line(void *ctx, const struct ndjson_line *l)
{
	struct syslog_parse_options o = { .now_ms = 1795348800000LL, .offset_ms = 32400000 };
	struct strbuf p = STRBUF_INIT;
	struct log_origin origin = { .via = "http",
		                     .peer = "192.0.2.1:8443",
		                     .client = "token 1 x" };
	struct log_payload back;
	struct syslog_msg m;
	struct log_fields f;
	json_t *obj = NULL;
	size_t *lines = ctx;

	(*lines)++;
	CHECK(l->n > 0 && l->n <= 64);
	if (syslog_parse_json(l->p, l->n, &o, &m, &obj) == 0) {
		CHECK(l->error == NULL || l->cut);
		log_extract(&m, obj, &f);
		json_decref(obj);
	} else {
		CHECK(l->error != NULL);
	}
	log_payload_build(&p, &origin, "http:192.0.2.1", l->error ? LOG_BAD_LINE : 0, l->p, l->n);
	CHECK(p.len > 4 && !memcmp(p.buf, LOG_PAYLOAD_MAGIC2, 4)); /* the compact header */
	CHECK(log_payload_parse(p.buf, p.len, "http:192.0.2.1", &back) == 0);
	CHECK(back.raw_len == l->n && !memcmp(back.raw, l->p, l->n));
	CHECK(!strcmp(back.via, "http") && !strcmp(back.client, "token 1 x"));
	CHECK(!strcmp(back.peer, "192.0.2.1:8443"));
	strbuf_release(&p);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;
	size_t lines = 0;

	struct log_payload stored;

	/* The input as a stored payload (either header, or none): read or refused, never past
	 * its end. */
	if (log_payload_parse(data, size, "tcp:192.0.2.1", &stored) == 0)
		CHECK(stored.raw >= (const char *)data &&
		      stored.raw + stored.raw_len == (const char *)data + size);
	/* ... and as `ledger show --payload` prints it: the message begins inside it */
	{
		struct strbuf head = STRBUF_INIT;
		size_t off = log_payload_header_text(&head, data, size, "tcp:192.0.2.1");
		CHECK(off <= size && (off == 0) == (head.len == 0));
		strbuf_release(&head);
	}
	CHECK(ndjson_each((const char *)data, size, 64, on_line, &lines) == 0);
	CHECK(lines <= size);
	if (ndjson_gunzip(data, size, 4096, &out, &err) == 0)
		CHECK(out.len <= 4096);
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
