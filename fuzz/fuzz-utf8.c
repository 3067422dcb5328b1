/* fuzz-utf8: validation, decoding, width and JSON quoting agree on arbitrary bytes. */
#include <stdint.h>
#include <string.h>

#include "base/json.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct strbuf sb = STRBUF_INIT;
	bool valid = utf8_valid(s, size);
	bool decoded_all = true;
	size_t i = 0;

	while (i < size) {
		uint32_t cp;
		int n = utf8_decode(s + i, size - i, &cp);
		if (n < 0) {
			decoded_all = false;
			i++;
			continue;
		}
		/* re-encoding a decoded code point gives back the same bytes */
		strbuf_reset(&sb);
		if (utf8_encode(&sb, cp) != n || memcmp(sb.buf, s + i, (size_t)n) != 0)
			__builtin_trap();
		i += (size_t)n;
	}
	if (valid != decoded_all)
		__builtin_trap();
	if (utf8_width(s, size) > size * 2)
		__builtin_trap();
	/* JSON quoting always yields valid UTF-8 */
	strbuf_reset(&sb);
	json_quote(&sb, s, size);
	if (!utf8_valid(sb.buf, sb.len))
		__builtin_trap();
	strbuf_release(&sb);
	return 0;
}
