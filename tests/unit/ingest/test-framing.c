/* test-framing: RFC 6587 octet counting and LF framing, switched mid-stream, cut at the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "ingest/framing.h"

struct got {
	struct strbuf all; /* frames joined by '|', each "flags:text" */
	unsigned n;
};

static void on_frame(void *ctx, const char *msg, size_t len, unsigned flags)
{
	struct got *g = ctx;

	strbuf_addf(&g->all, "%s%u:", g->n ? "|" : "", flags);
	strbuf_add(&g->all, msg, len);
	g->n++;
}

/*
 * Feeds data in chunks of `chunk` bytes the way a receiver does (keep what was not used,
 * append the next read) and returns the frames as text.
 */
static char *frames(const char *data, size_t len, size_t chunk, size_t max)
{
	struct framer f = { .max = max };
	struct got g = { .all = STRBUF_INIT };
	struct strbuf buf = STRBUF_INIT;
	size_t off = 0;

	while (off < len) {
		size_t k = len - off < chunk ? len - off : chunk, used;
		strbuf_add(&buf, data + off, k);
		off += k;
		used = framer_feed(&f, buf.buf, buf.len, false, on_frame, &g);
		memmove(buf.buf, buf.buf + used, buf.len - used);
		strbuf_setlen(&buf, buf.len - used);
	}
	framer_feed(&f, buf.buf, buf.len, true, on_frame, &g);
	strbuf_release(&buf);
	strbuf_addch(&g.all, '\0');
	return strbuf_detach(&g.all, NULL);
}

/* The result must not depend on how the stream was cut into reads. */
static void check_n(const char *data, size_t len, size_t max, const char *want)
{
	for (size_t chunk = 1; chunk <= len + 1; chunk++) {
		char *got = frames(data, len, chunk, max);
		if (strcmp(got, want))
			fail_msg("chunk %zu: got '%s', want '%s'", chunk, got, want);
		free(got);
	}
}

static void check(const char *data, size_t max, const char *want)
{
	check_n(data, strlen(data), max, want);
}

static void octet_counting(void **state)
{
	check("11 <13>1 - h a12 <13>1 - - -b", 0, "1:<13>1 - h a|1:<13>1 - - -b");
}

static void lf_framing(void **state)
{
	check("<13>one\n<13>two\r\n\n<13>three\n", 0, "0:<13>one|0:<13>two|0:<13>three");
	/* The last frame of a stream without its LF. */
	check("<13>one\n<13>tail", 0, "0:<13>one|8:<13>tail");
	/* A NUL as trailer (some senders). */
	check_n("<13>one\n\0<13>two\n", 17, 0, "0:<13>one|0:<13>two");
}

static void switched_mid_stream(void **state)
{
	check("<13>lf first\n7 <13>oct<13>lf again\n3 abc", 0,
	      "0:<13>lf first|1:<13>oct|0:<13>lf again|1:abc");
}

static void over_the_limit(void **state)
{
	/* Octet-counted: the first max bytes, flagged cut, the rest dropped; then on. */
	check("20 <13>aaaaaaaaaaaaaaaa5 <13>b", 8, "3:<13>aaaa|1:<13>b");
	/* LF: the same, up to the next LF. */
	check("<13>aaaaaaaaaaaaaaaaaa\n<13>b\n", 8, "2:<13>aaaa|0:<13>b");
	/* Exactly the limit is not cut. */
	check("8 <13>aaaa<13>bbbb\n", 8, "1:<13>aaaa|0:<13>bbbb");
}

static void bad_counts(void **state)
{
	/* Digits that are no MSG-LEN: read up to the LF, flagged. */
	check("123abc\n<13>x\n", 0, "4:123abc|0:<13>x");
	check("0 <13>zero\n", 0, "0:0 <13>zero");
	/* More than ten digits is no length either. */
	check("12345678901 x\n", 0, "4:12345678901 x");
}

static void counters(void **state)
{
	struct framer f = { .max = 4 };
	struct got g = { .all = STRBUF_INIT };
	static const char s[] = "10 abcdefghij3 xyz";

	framer_feed(&f, s, sizeof(s) - 1, true, on_frame, &g);
	assert_int_equal(f.frames, 2);
	assert_int_equal(f.cut, 1);
	assert_int_equal(f.dropped, 6);
	strbuf_release(&g.all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(octet_counting),      cmocka_unit_test(lf_framing),
		cmocka_unit_test(switched_mid_stream), cmocka_unit_test(over_the_limit),
		cmocka_unit_test(bad_counts),          cmocka_unit_test(counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
