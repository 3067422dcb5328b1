/* fuzz-query: percent-decoding of paths and query values, with and without '+' as space. */
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"
#include "web/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	for (int plus = 0; plus < 2; plus++) {
		strbuf_reset(&out);
		if (web_percent_decode((const char *)data, size, plus, &out, &err) == 0) {
			/* decoding never grows the text, and the result is clean UTF-8 */
			if (out.len > size || !utf8_valid(out.buf, out.len) ||
			    memchr(out.buf, '\0', out.len))
				__builtin_trap();
		} else if (!err.len) {
			__builtin_trap(); /* a refusal always says why */
		}
	}
	strbuf_release(&out);
	strbuf_release(&err);
	return 0;
}
