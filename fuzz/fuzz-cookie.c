/* fuzz-cookie: Cookie headers: never crash; kept names are tokens, values cookie-octets. */
#include <stdint.h>
#include <string.h>

#include "base/cleanup.h"
#include "web/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_params p = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT;
	char *s = xstrndup((const char *)data, size); /* a header is a C string in the server */

	(void)web_parse_cookies(s, &p, &err);
	for (size_t i = 0; i < p.nr; i++) {
		const struct web_param *w = &p.items[i];
		if (!*w->name || strpbrk(w->name, " ;=\",\\") || strpbrk(w->value, " ;\",\\"))
			__builtin_trap();
	}
	web_params_release(&p);
	strbuf_release(&err);
	free(s);
	return 0;
}
