/* fuzz-framing: RFC 6587 framing gives the same frames however the stream is cut into reads,
 * never a frame over the limit, and never reads outside what it was given. The first byte
 * chooses the limit and the read size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "ingest/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

struct out {
	struct strbuf s;
	const char *lo, *hi;
	size_t max;
};

static void on_frame(void *ctx, const char *msg, size_t len, unsigned flags)
{
	struct out *o = ctx;

	CHECK(msg >= o->lo && msg + len <= o->hi);
	CHECK(len > 0 && len <= o->max);
	strbuf_addf(&o->s, "%u:%zu:", flags, len);
	strbuf_add(&o->s, msg, len);
}

static void run(const char *data, size_t size, size_t chunk, size_t max, struct strbuf *ret)
{
	struct framer f = { .max = max };
	struct out o = { .s = STRBUF_INIT, .max = max };
	struct strbuf buf = STRBUF_INIT;
	size_t off = 0;

	/* The receivers' rule: room for a frame at the limit, plus its count. */
	while (off < size) {
		size_t k = size - off < chunk ? size - off : chunk, used;
		if (buf.len + k > max + 64)
			k = max + 64 - buf.len;
		strbuf_add(&buf, data + off, k);
		off += k;
		o.lo = buf.buf;
		o.hi = buf.buf + buf.len;
		used = framer_feed(&f, buf.buf, buf.len, false, on_frame, &o);
		CHECK(used <= buf.len);
		memmove(buf.buf, buf.buf + used, buf.len - used);
		strbuf_setlen(&buf, buf.len - used);
		/* A full buffer always makes progress. */
		CHECK(buf.len < max + 64);
	}
	o.lo = buf.buf;
	o.hi = buf.buf + buf.len;
	CHECK(framer_feed(&f, buf.buf, buf.len, true, on_frame, &o) == buf.len);
	strbuf_release(&buf);
	*ret = o.s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf a, b;
	size_t max, chunk;

	if (size < 1)
		return 0;
	max = 16 + (data[0] & 0x3f);
	chunk = 1 + (data[0] >> 6) * 7;
	run((const char *)data + 1, size - 1, chunk, max, &a);
	run((const char *)data + 1, size - 1, 4096, max, &b);
	CHECK(a.len == b.len && (!a.len || !memcmp(a.buf, b.buf, a.len)));
	strbuf_release(&a);
	strbuf_release(&b);
	return 0;
}
