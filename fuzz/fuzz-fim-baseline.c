/* fuzz-fim-baseline: the baseline and delta reader never crashes on any bytes, accepts only
 * well-formed records in order, and never accepts a signature it did not make. */
#include <stdint.h>
#include <string.h>

#include "fim/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static void read_all(const uint8_t *data, size_t size, unsigned flags, int *ret_end)
{
	struct fim_baseline_reader *r = NULL;
	struct strbuf err = STRBUF_INIT, last = STRBUF_INIT;
	struct fim_entry e;
	char tag;
	int k;

	*ret_end = -1;
	if (fim_br_open_mem(data, size, NULL, flags, &r, &err) < 0) {
		CHECK(err.len > 0);
		strbuf_release(&err);
		return;
	}
	while ((k = fim_br_next(r, &tag, &e, &err)) > 0) {
		CHECK(e.path_len >= 1 && e.path_len <= FIM_PATH_MAX && e.path[0] == '/');
		CHECK(e.type >= 1 && e.type <= FIM_TYPE_MAX && e.mode <= 07777);
		CHECK(e.link_len <= FIM_LINK_MAX);
		CHECK(!last.len || fim_path_cmp(last.buf, last.len, e.path, e.path_len) < 0);
		strbuf_reset(&last);
		strbuf_add(&last, e.path, e.path_len);
		CHECK(tag == 'E' || tag == 'A' || tag == 'C' || tag == 'R');
	}
	CHECK(k == 0 || err.len > 0);
	*ret_end = k;
	fim_br_close(r);
	strbuf_release(&err);
	strbuf_release(&last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int unsigned_end, signed_end;

	/* structure alone, then with the signature: a random input is never validly signed, so
	 * whatever passes the second pass is one of the seeds (signed by the seed's own key) */
	read_all(data, size, FIM_BR_NO_SIGNATURE, &unsigned_end);
	read_all(data, size, 0, &signed_end);
	CHECK(!(signed_end == 0 && unsigned_end != 0));
	return 0;
}
