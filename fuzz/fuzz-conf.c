/* fuzz-conf: mamori.conf text: never crash; what is kept is a known key with a clean value. */
#include <stdint.h>
#include <string.h>

#include "base/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c = CONF_INIT;
	struct strbuf err = STRBUF_INIT;

	if (conf_parse("fuzz", (const char *)data, size, &c, &err) == 0) {
		for (size_t i = 0; i < c.nr; i++) {
			const struct conf_entry *e = &c.entries[i];
			bool known = false;
			for (size_t k = 0; k < conf_keys_nr; k++)
				known |= !strcmp(conf_keys[k].section, e->section) &&
				         !strcmp(conf_keys[k].name, e->key);
			if (!known || strchr(e->value, '\n') || !e->line)
				__builtin_trap();
		}
	} else if (!err.len) {
		__builtin_trap(); /* a refusal always says why */
	}
	conf_release(&c);
	strbuf_release(&err);
	return 0;
}
