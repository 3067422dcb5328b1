/* fuzz-multipart: multipart/form-data bodies: parts always lie inside the body. */
#include <stdint.h>
#include <string.h>

#include "web/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_parts parts = { .nr = 0 };
	struct strbuf err = STRBUF_INIT, b = STRBUF_INIT;
	const char *body = (const char *)data;

	/* The first line chooses the boundary, as a content type would. */
	const char *nl = memchr(body, '\n', size);
	size_t hl = nl ? (size_t)(nl - body) : size;
	struct strbuf ct = STRBUF_INIT;
	strbuf_addstr(&ct, "multipart/form-data; boundary=");
	strbuf_add(&ct, body, hl);
	if (web_multipart_boundary(ct.buf, &b, &err) == 0 && nl) {
		const char *rest = nl + 1;
		size_t rlen = size - hl - 1;
		if (web_parse_multipart(rest, rlen, b.buf, &parts, &err) == 0) {
			for (size_t i = 0; i < parts.nr; i++) {
				const struct web_part *p = &parts.items[i];
				if (p->data < rest || p->data + p->len > rest + rlen || !*p->name)
					__builtin_trap();
			}
		}
		web_parts_release(&parts);
	}
	strbuf_release(&ct);
	strbuf_release(&b);
	strbuf_release(&err);
	return 0;
}
