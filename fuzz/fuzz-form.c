/* fuzz-form: urlencoded forms and query strings: never crash, and what is kept is clean UTF-8. */
#include <stdint.h>
#include <string.h>

#include "base/utf8.h"
#include "web/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_params p = WEB_PARAMS_INIT;
	struct strbuf err = STRBUF_INIT;

	(void)web_parse_urlencoded((const char *)data, size, &p, &err);
	if (p.nr > WEB_MAX_PARAMS)
		__builtin_trap();
	for (size_t i = 0; i < p.nr; i++) {
		const struct web_param *w = &p.items[i];
		if (!*w->name || strlen(w->name) > WEB_MAX_NAME || w->value_len > WEB_MAX_VALUE ||
		    strlen(w->value) != w->value_len || !utf8_valid(w->value, w->value_len) ||
		    !utf8_valid(w->name, strlen(w->name)))
			__builtin_trap();
	}
	web_params_release(&p);
	strbuf_release(&err);
	return 0;
}
